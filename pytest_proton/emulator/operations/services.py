"""Service, service instance and service pipeline operations."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pytest_proton.emulator.operations import operation
from pytest_proton.emulator.pagination import paginate

if TYPE_CHECKING:
    from pytest_proton.emulator.models import ProtonBackend


@operation("CreateService")
def create_service(backend: ProtonBackend, params: dict[str, Any]) -> dict[str, Any]:
    return {"service": backend.create_service(params).to_dict()}


@operation("GetService")
def get_service(backend: ProtonBackend, params: dict[str, Any]) -> dict[str, Any]:
    return {"service": backend.get_service(params["name"]).to_dict()}


@operation("UpdateService")
def update_service(backend: ProtonBackend, params: dict[str, Any]) -> dict[str, Any]:
    return {"service": backend.update_service(params).to_dict()}


@operation("DeleteService")
def delete_service(backend: ProtonBackend, params: dict[str, Any]) -> dict[str, Any]:
    service = backend.delete_service(params["name"])
    return {"service": service.to_dict()} if service else {}


@operation("ListServices")
def list_services(backend: ProtonBackend, params: dict[str, Any]) -> dict[str, Any]:
    page, token = paginate(
        backend.list_services(),
        key=lambda service: service.name,
        operation="ListServices",
        max_results=params.get("maxResults"),
        next_token=params.get("nextToken"),
    )
    return {"services": [service.to_dict() for service in page], "nextToken": token}


@operation("GetServiceInstance")
def get_service_instance(backend: ProtonBackend, params: dict[str, Any]) -> dict[str, Any]:
    instance = backend.get_service_instance(params["serviceName"], params["name"])
    return {"serviceInstance": instance.to_dict()}


@operation("ListServiceInstances")
def list_service_instances(backend: ProtonBackend, params: dict[str, Any]) -> dict[str, Any]:
    page, token = paginate(
        backend.list_service_instances(params),
        key=lambda instance: f"{instance.service_name}/{instance.name}",
        operation="ListServiceInstances",
        max_results=params.get("maxResults"),
        next_token=params.get("nextToken"),
    )
    return {"serviceInstances": [instance.to_dict() for instance in page], "nextToken": token}


@operation("UpdateServiceInstance")
def update_service_instance(backend: ProtonBackend, params: dict[str, Any]) -> dict[str, Any]:
    return {"serviceInstance": backend.update_service_instance(params).to_dict()}


@operation("UpdateServicePipeline")
def update_service_pipeline(backend: ProtonBackend, params: dict[str, Any]) -> dict[str, Any]:
    return {"pipeline": backend.update_service_pipeline(params).to_dict()}


@operation("CancelServiceInstanceDeployment")
def cancel_service_instance_deployment(backend: ProtonBackend, params: dict[str, Any]) -> dict[str, Any]:
    instance = backend.cancel_service_instance_deployment(params["serviceName"], params["serviceInstanceName"])
    return {"serviceInstance": instance.to_dict()}


@operation("CancelServicePipelineDeployment")
def cancel_service_pipeline_deployment(backend: ProtonBackend, params: dict[str, Any]) -> dict[str, Any]:
    return {"pipeline": backend.cancel_service_pipeline_deployment(params["serviceName"]).to_dict()}


@operation("ListServiceInstanceOutputs")
def list_service_instance_outputs(backend: ProtonBackend, params: dict[str, Any]) -> dict[str, Any]:
    outputs = backend.service_instance_outputs(
        params["serviceName"], params["serviceInstanceName"], params.get("deploymentId")
    )
    return {"outputs": [dict(output) for output in outputs]}


@operation("ListServicePipelineOutputs")
def list_service_pipeline_outputs(backend: ProtonBackend, params: dict[str, Any]) -> dict[str, Any]:
    outputs = backend.service_pipeline_outputs(params["serviceName"], params.get("deploymentId"))
    return {"outputs": [dict(output) for output in outputs]}


@operation("CreateServiceInstance")
def create_service_instance(backend: ProtonBackend, params: dict[str, Any]) -> dict[str, Any]:
    return {"serviceInstance": backend.create_service_instance(params).to_dict()}


@operation("ListServiceInstanceProvisionedResources")
def list_service_instance_provisioned_resources(backend: ProtonBackend, params: dict[str, Any]) -> dict[str, Any]:
    # No limit key in the model: a single page.
    instance = backend.get_service_instance(params["serviceName"], params["serviceInstanceName"])
    return {"provisionedResources": [dict(resource) for resource in instance.provisioned_resources]}


@operation("ListServicePipelineProvisionedResources")
def list_service_pipeline_provisioned_resources(backend: ProtonBackend, params: dict[str, Any]) -> dict[str, Any]:
    pipeline = backend.service_pipeline(params["serviceName"])
    return {"provisionedResources": [dict(resource) for resource in pipeline.provisioned_resources]}
