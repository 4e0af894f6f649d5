"""Environment account connection operations."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pytest_proton.emulator.operations import operation
from pytest_proton.emulator.pagination import paginate

if TYPE_CHECKING:
    from pytest_proton.emulator.models import ProtonBackend

KEY = "environmentAccountConnection"


@operation("CreateEnvironmentAccountConnection")
def create_connection(backend: ProtonBackend, params: dict[str, Any]) -> dict[str, Any]:
    return {KEY: backend.create_connection(params).to_dict()}


@operation("GetEnvironmentAccountConnection")
def get_connection(backend: ProtonBackend, params: dict[str, Any]) -> dict[str, Any]:
    return {KEY: backend.get_connection(params["id"]).to_dict()}


@operation("UpdateEnvironmentAccountConnection")
def update_connection(backend: ProtonBackend, params: dict[str, Any]) -> dict[str, Any]:
    return {KEY: backend.update_connection(params).to_dict()}


@operation("DeleteEnvironmentAccountConnection")
def delete_connection(backend: ProtonBackend, params: dict[str, Any]) -> dict[str, Any]:
    connection = backend.delete_connection(params["id"])
    return {KEY: connection.to_dict()} if connection else {}


@operation("AcceptEnvironmentAccountConnection")
def accept_connection(backend: ProtonBackend, params: dict[str, Any]) -> dict[str, Any]:
    return {KEY: backend.accept_connection(params["id"]).to_dict()}


@operation("RejectEnvironmentAccountConnection")
def reject_connection(backend: ProtonBackend, params: dict[str, Any]) -> dict[str, Any]:
    return {KEY: backend.reject_connection(params["id"]).to_dict()}


@operation("ListEnvironmentAccountConnections")
def list_connections(backend: ProtonBackend, params: dict[str, Any]) -> dict[str, Any]:
    page, token = paginate(
        backend.list_connections(params),
        key=lambda connection: f"{connection.requested_at.isoformat()}/{connection.id}",
        operation="ListEnvironmentAccountConnections",
        max_results=params.get("maxResults"),
        next_token=params.get("nextToken"),
    )
    return {"environmentAccountConnections": [connection.to_dict() for connection in page], "nextToken": token}
