"""Environment and service template version operations (the same five for each kind)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pytest_proton.emulator.operations import operation
from pytest_proton.emulator.pagination import paginate
from pytest_proton.emulator.templates import ENVIRONMENT_TEMPLATE, SERVICE_TEMPLATE, TemplateKind

if TYPE_CHECKING:
    from pytest_proton.emulator.models import ProtonBackend


def _register(kind: TemplateKind, noun: str, output_key: str) -> None:
    """Register Create/Get/Update/Delete/List``noun``s, answering under ``output_key``."""

    @operation(f"Create{noun}")
    def create(backend: ProtonBackend, params: dict[str, Any]) -> dict[str, Any]:
        return {output_key: backend.version_dict(backend.create_template_version(kind, params))}

    @operation(f"Get{noun}")
    def get(backend: ProtonBackend, params: dict[str, Any]) -> dict[str, Any]:
        version = backend.get_template_version(
            kind, params["templateName"], params["majorVersion"], params["minorVersion"]
        )
        return {output_key: backend.version_dict(version)}

    @operation(f"Update{noun}")
    def update(backend: ProtonBackend, params: dict[str, Any]) -> dict[str, Any]:
        return {output_key: backend.version_dict(backend.update_template_version(kind, params))}

    @operation(f"Delete{noun}")
    def delete(backend: ProtonBackend, params: dict[str, Any]) -> dict[str, Any]:
        version = backend.delete_template_version(
            kind, params["templateName"], params["majorVersion"], params["minorVersion"]
        )
        return {output_key: version.to_dict(None)} if version else {}

    @operation(f"List{noun}s")
    def list_(backend: ProtonBackend, params: dict[str, Any]) -> dict[str, Any]:
        page, token = paginate(
            backend.list_template_versions(kind, params["templateName"], params.get("majorVersion")),
            key=lambda version: version.key,
            operation=f"List{noun}s",
            max_results=params.get("maxResults"),
            next_token=params.get("nextToken"),
        )
        return {"templateVersions": [backend.version_dict(version) for version in page], "nextToken": token}


_register(ENVIRONMENT_TEMPLATE, "EnvironmentTemplateVersion", "environmentTemplateVersion")
_register(SERVICE_TEMPLATE, "ServiceTemplateVersion", "serviceTemplateVersion")
