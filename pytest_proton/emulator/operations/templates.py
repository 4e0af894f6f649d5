"""Environment and service template operations (the same five for each kind)."""

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
        return {output_key: backend.create_template(kind, params).to_dict()}

    @operation(f"Get{noun}")
    def get(backend: ProtonBackend, params: dict[str, Any]) -> dict[str, Any]:
        return {output_key: backend.get_template(kind, params["name"]).to_dict()}

    @operation(f"Update{noun}")
    def update(backend: ProtonBackend, params: dict[str, Any]) -> dict[str, Any]:
        return {output_key: backend.update_template(kind, params).to_dict()}

    @operation(f"Delete{noun}")
    def delete(backend: ProtonBackend, params: dict[str, Any]) -> dict[str, Any]:
        template = backend.delete_template(kind, params["name"])
        return {output_key: template.to_dict()} if template else {}

    @operation(f"List{noun}s")
    def list_(backend: ProtonBackend, params: dict[str, Any]) -> dict[str, Any]:
        page, token = paginate(
            backend.list_templates(kind),
            key=lambda template: template.name,
            operation=f"List{noun}s",
            max_results=params.get("maxResults"),
            next_token=params.get("nextToken"),
        )
        return {"templates": [template.to_dict() for template in page], "nextToken": token}


_register(ENVIRONMENT_TEMPLATE, "EnvironmentTemplate", "environmentTemplate")
_register(SERVICE_TEMPLATE, "ServiceTemplate", "serviceTemplate")
