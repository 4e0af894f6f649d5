"""Template sync and service sync (Proton Ops) operations, sync status and sync blockers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pytest_proton.emulator.operations import operation

if TYPE_CHECKING:
    from pytest_proton.emulator.models import ProtonBackend

TEMPLATE_KEY = "templateSyncConfig"
SERVICE_KEY = "serviceSyncConfig"


@operation("CreateTemplateSyncConfig")
def create_template_sync_config(backend: ProtonBackend, params: dict[str, Any]) -> dict[str, Any]:
    return {TEMPLATE_KEY: backend.create_template_sync_config(params).to_dict()}


@operation("GetTemplateSyncConfig")
def get_template_sync_config(backend: ProtonBackend, params: dict[str, Any]) -> dict[str, Any]:
    config = backend.get_template_sync_config(params["templateType"], params["templateName"])
    return {TEMPLATE_KEY: config.to_dict()}


@operation("UpdateTemplateSyncConfig")
def update_template_sync_config(backend: ProtonBackend, params: dict[str, Any]) -> dict[str, Any]:
    return {TEMPLATE_KEY: backend.update_template_sync_config(params).to_dict()}


@operation("DeleteTemplateSyncConfig")
def delete_template_sync_config(backend: ProtonBackend, params: dict[str, Any]) -> dict[str, Any]:
    config = backend.delete_template_sync_config(params["templateType"], params["templateName"])
    return {TEMPLATE_KEY: config.to_dict()}


@operation("GetTemplateSyncStatus")
def get_template_sync_status(backend: ProtonBackend, params: dict[str, Any]) -> dict[str, Any]:
    return backend.get_template_sync_status(params["templateType"], params["templateName"], params["templateVersion"])


@operation("CreateServiceSyncConfig")
def create_service_sync_config(backend: ProtonBackend, params: dict[str, Any]) -> dict[str, Any]:
    return {SERVICE_KEY: backend.create_service_sync_config(params).to_dict()}


@operation("GetServiceSyncConfig")
def get_service_sync_config(backend: ProtonBackend, params: dict[str, Any]) -> dict[str, Any]:
    return {SERVICE_KEY: backend.get_service_sync_config(params["serviceName"]).to_dict()}


@operation("UpdateServiceSyncConfig")
def update_service_sync_config(backend: ProtonBackend, params: dict[str, Any]) -> dict[str, Any]:
    return {SERVICE_KEY: backend.update_service_sync_config(params).to_dict()}


@operation("DeleteServiceSyncConfig")
def delete_service_sync_config(backend: ProtonBackend, params: dict[str, Any]) -> dict[str, Any]:
    return {SERVICE_KEY: backend.delete_service_sync_config(params["serviceName"]).to_dict()}


@operation("GetServiceInstanceSyncStatus")
def get_service_instance_sync_status(backend: ProtonBackend, params: dict[str, Any]) -> dict[str, Any]:
    return backend.get_service_instance_sync_status(params["serviceName"], params["serviceInstanceName"])


@operation("GetServiceSyncBlockerSummary")
def get_service_sync_blocker_summary(backend: ProtonBackend, params: dict[str, Any]) -> dict[str, Any]:
    summary = backend.get_service_sync_blocker_summary(params["serviceName"], params.get("serviceInstanceName"))
    return {"serviceSyncBlockerSummary": summary}


@operation("UpdateServiceSyncBlocker")
def update_service_sync_blocker(backend: ProtonBackend, params: dict[str, Any]) -> dict[str, Any]:
    blocker = backend.update_service_sync_blocker(params["id"], params["resolvedReason"])
    return {
        "serviceName": blocker.service_name,
        "serviceInstanceName": blocker.service_instance_name,
        "serviceSyncBlocker": blocker.to_dict(),
    }
