"""Environment operations and the deployment records they create."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pytest_proton.emulator.operations import operation
from pytest_proton.emulator.pagination import paginate

if TYPE_CHECKING:
    from pytest_proton.emulator.models import ProtonBackend


@operation("CreateEnvironment")
def create_environment(backend: ProtonBackend, params: dict[str, Any]) -> dict[str, Any]:
    return {"environment": backend.create_environment(params).to_dict()}


@operation("GetEnvironment")
def get_environment(backend: ProtonBackend, params: dict[str, Any]) -> dict[str, Any]:
    return {"environment": backend.get_environment(params["name"]).to_dict()}


@operation("UpdateEnvironment")
def update_environment(backend: ProtonBackend, params: dict[str, Any]) -> dict[str, Any]:
    return {"environment": backend.update_environment(params).to_dict()}


@operation("DeleteEnvironment")
def delete_environment(backend: ProtonBackend, params: dict[str, Any]) -> dict[str, Any]:
    environment = backend.delete_environment(params["name"])
    return {"environment": environment.to_dict()} if environment else {}


@operation("ListEnvironments")
def list_environments(backend: ProtonBackend, params: dict[str, Any]) -> dict[str, Any]:
    page, token = paginate(
        backend.list_environments(params.get("environmentTemplates")),
        key=lambda environment: environment.name,
        operation="ListEnvironments",
        max_results=params.get("maxResults"),
        next_token=params.get("nextToken"),
    )
    return {"environments": [environment.to_dict() for environment in page], "nextToken": token}


@operation("ListEnvironmentOutputs")
def list_environment_outputs(backend: ProtonBackend, params: dict[str, Any]) -> dict[str, Any]:
    # No limit key in the model: a single page.
    outputs = backend.environment_outputs(params["environmentName"], params.get("deploymentId"))
    return {"outputs": [dict(output) for output in outputs]}


@operation("ListEnvironmentProvisionedResources")
def list_environment_provisioned_resources(backend: ProtonBackend, params: dict[str, Any]) -> dict[str, Any]:
    environment = backend.get_environment(params["environmentName"])
    return {"provisionedResources": [dict(resource) for resource in environment.provisioned_resources]}


@operation("GetDeployment")
def get_deployment(backend: ProtonBackend, params: dict[str, Any]) -> dict[str, Any]:
    return {"deployment": backend.get_deployment(params["id"], params).to_dict()}


@operation("ListDeployments")
def list_deployments(backend: ProtonBackend, params: dict[str, Any]) -> dict[str, Any]:
    page, token = paginate(
        backend.list_deployments(params),
        key=lambda deployment: f"{deployment.created_at.isoformat()}/{deployment.id}",
        operation="ListDeployments",
        max_results=params.get("maxResults"),
        next_token=params.get("nextToken"),
    )
    return {"deployments": [deployment.to_dict() for deployment in page], "nextToken": token}


@operation("CancelEnvironmentDeployment")
def cancel_environment_deployment(backend: ProtonBackend, params: dict[str, Any]) -> dict[str, Any]:
    return {"environment": backend.cancel_environment_deployment(params["environmentName"]).to_dict()}


@operation("DeleteDeployment")
def delete_deployment(backend: ProtonBackend, params: dict[str, Any]) -> dict[str, Any]:
    deployment = backend.delete_deployment(params["id"])
    return {"deployment": deployment.to_dict()} if deployment else {}


@operation("NotifyResourceDeploymentStatusChange")
def notify_resource_deployment_status_change(backend: ProtonBackend, params: dict[str, Any]) -> dict[str, Any]:
    backend.notify_deployment_status(params)
    return {}
