"""Component operations (directly defined components) and their outputs and provisioned resources."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pytest_proton.emulator.operations import operation
from pytest_proton.emulator.pagination import paginate

if TYPE_CHECKING:
    from pytest_proton.emulator.models import ProtonBackend


@operation("CreateComponent")
def create_component(backend: ProtonBackend, params: dict[str, Any]) -> dict[str, Any]:
    return {"component": backend.create_component(params).to_dict()}


@operation("GetComponent")
def get_component(backend: ProtonBackend, params: dict[str, Any]) -> dict[str, Any]:
    return {"component": backend.get_component(params["name"]).to_dict()}


@operation("ListComponents")
def list_components(backend: ProtonBackend, params: dict[str, Any]) -> dict[str, Any]:
    page, token = paginate(
        backend.list_components(params),
        key=lambda component: component.name,
        operation="ListComponents",
        max_results=params.get("maxResults"),
        next_token=params.get("nextToken"),
    )
    return {"components": [component.to_dict() for component in page], "nextToken": token}


@operation("UpdateComponent")
def update_component(backend: ProtonBackend, params: dict[str, Any]) -> dict[str, Any]:
    return {"component": backend.update_component(params).to_dict()}


@operation("DeleteComponent")
def delete_component(backend: ProtonBackend, params: dict[str, Any]) -> dict[str, Any]:
    component = backend.delete_component(params["name"])
    return {"component": component.to_dict()} if component else {}


@operation("CancelComponentDeployment")
def cancel_component_deployment(backend: ProtonBackend, params: dict[str, Any]) -> dict[str, Any]:
    return {"component": backend.cancel_component_deployment(params["componentName"]).to_dict()}


@operation("ListComponentOutputs")
def list_component_outputs(backend: ProtonBackend, params: dict[str, Any]) -> dict[str, Any]:
    # No limit key in the model: a single page.
    outputs = backend.component_outputs(params["componentName"], params.get("deploymentId"))
    return {"outputs": [dict(output) for output in outputs]}


@operation("ListComponentProvisionedResources")
def list_component_provisioned_resources(backend: ProtonBackend, params: dict[str, Any]) -> dict[str, Any]:
    component = backend.get_component(params["componentName"])
    return {"provisionedResources": [dict(resource) for resource in component.provisioned_resources]}
