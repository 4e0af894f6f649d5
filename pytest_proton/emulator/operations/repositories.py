"""Linked repository operations, with the repository sync status and sync definitions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pytest_proton.emulator.operations import operation
from pytest_proton.emulator.pagination import paginate

if TYPE_CHECKING:
    from pytest_proton.emulator.models import ProtonBackend


@operation("CreateRepository")
def create_repository(backend: ProtonBackend, params: dict[str, Any]) -> dict[str, Any]:
    return {"repository": backend.create_repository(params).to_dict()}


@operation("GetRepository")
def get_repository(backend: ProtonBackend, params: dict[str, Any]) -> dict[str, Any]:
    return {"repository": backend.get_repository(params["provider"], params["name"]).to_dict()}


@operation("DeleteRepository")
def delete_repository(backend: ProtonBackend, params: dict[str, Any]) -> dict[str, Any]:
    return {"repository": backend.delete_repository(params["provider"], params["name"]).to_dict()}


@operation("ListRepositories")
def list_repositories(backend: ProtonBackend, params: dict[str, Any]) -> dict[str, Any]:
    page, token = paginate(
        backend.list_repositories(),
        key=lambda repository: f"{repository.provider}:{repository.name}",
        operation="ListRepositories",
        max_results=params.get("maxResults"),
        next_token=params.get("nextToken"),
    )
    return {"repositories": [repository.to_dict() for repository in page], "nextToken": token}


@operation("GetRepositorySyncStatus")
def get_repository_sync_status(backend: ProtonBackend, params: dict[str, Any]) -> dict[str, Any]:
    attempt = backend.get_repository_sync_status(params)
    return {"latestSync": attempt.to_dict()} if attempt else {}


@operation("ListRepositorySyncDefinitions")
def list_repository_sync_definitions(backend: ProtonBackend, params: dict[str, Any]) -> dict[str, Any]:
    # No limit key and an EmptyNextToken: always a single page.
    definitions = backend.list_repository_sync_definitions(
        params["repositoryProvider"], params["repositoryName"], params["syncType"]
    )
    return {"syncDefinitions": sorted(definitions, key=lambda d: (d["target"], d["branch"], d["directory"]))}
