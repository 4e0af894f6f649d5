"""ServiceInstancesMixin: CreateServiceInstance for :class:`~pytest_proton.emulator.models.ProtonBackend`.

An instance added to an existing service goes through the same checks as one created by CreateService
(its environment exists and runs a template the service template version is compatible with, LC-30)
and the per-service instance quota. ``clientToken`` makes a retry return the instance it created.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import yaml

from pytest_proton.emulator import provisioning
from pytest_proton.emulator.exceptions import (
    ConflictException,
    ResourceNotFoundException,
    ServiceQuotaExceededException,
    ValidationException,
)
from pytest_proton.emulator.services import ServiceInstance, ServicePipeline
from pytest_proton.emulator.tags import tags_to_dict
from pytest_proton.emulator.templates import SERVICE_TEMPLATE

if TYPE_CHECKING:
    from pytest_proton.emulator.models import ProtonBackend

    _Base = ProtonBackend
else:
    _Base = object


def _invalid(field: str, problem: str) -> ValidationException:
    return ValidationException(
        f"1 validation error detected: Value at '{field}' failed to satisfy constraint: {problem}"
    )


def instance_entry(name: str, spec: str) -> dict[str, Any]:
    """The instance's spec entry: a ServiceSpec's ``instances`` entry named ``name``, or a mapping of its own."""
    try:
        document = yaml.safe_load(spec)
    except yaml.YAMLError as error:
        raise _invalid("spec", f"the spec is not valid YAML: {error}") from None
    if not isinstance(document, dict):
        raise _invalid("spec", "the spec must be a YAML mapping")
    entry: Any = document
    if document.get("proton") == "ServiceSpec" or "instances" in document:
        instances = document.get("instances")
        matches = [i for i in instances or [] if isinstance(i, dict) and i.get("name") == name]
        if not isinstance(instances, list) or len(matches) != 1:
            raise _invalid("spec", f"the ServiceSpec's 'instances' must hold exactly one entry named '{name}'")
        entry = matches[0]
    entry = {key: value for key, value in entry.items() if key != "proton"}
    if not isinstance(entry.get("environment"), str) or not entry["environment"]:
        raise _invalid("spec", f"the spec of the service instance '{name}' needs an 'environment'")
    entry["name"] = name
    return entry


class ServiceInstancesMixin(_Base):
    def _instance_alive(self, instance: ServiceInstance) -> bool:
        service = self.services.get(instance.service_name)
        return service is not None and service.instances.get(instance.name) is instance

    def create_service_instance(self, params: dict[str, Any]) -> ServiceInstance:
        operation = "CreateServiceInstance"
        now = self.now()
        original = self.client_tokens.lookup(operation, params, now, self._instance_alive)
        if original is not None:
            return original  # type: ignore[no-any-return]
        service = self.get_service(params["serviceName"])
        name = params["name"]
        if service.delete_started_at is not None:
            raise ConflictException(f"The service '{service.name}' is being deleted")
        if name in service.instances:
            raise ConflictException(f"The service '{service.name}' already has a service instance named '{name}'")
        if len(service.instances) >= self.instance_quota:
            raise ServiceQuotaExceededException(
                f"The service '{service.name}' already has {self.instance_quota} service instances"
            )
        major, minor = params.get("templateMajorVersion"), params.get("templateMinorVersion")
        if major is None and minor is not None:
            raise _invalid("templateMinorVersion", "templateMinorVersion requires templateMajorVersion")
        if major is None:
            template = self.get_template(SERVICE_TEMPLATE, service.template_name)
            if template.recommended_version is None:
                raise _invalid(
                    "templateMajorVersion", f"the service template '{service.template_name}' has no published version"
                )
            major = template.recommended_version.split(".")[0]
        version = self._service_version(service.template_name, major, minor)
        entry = instance_entry(name, params["spec"])
        self._check_instance_environment(version, entry)
        provisioning.validate_spec(self, version, params["spec"])
        tags = tags_to_dict(params.get("tags"))
        instance = self._new_instance(service, version, entry, params["spec"])
        instance.last_client_request_token = params.get("clientToken")
        self.tags.set(instance.arn, tags)
        service.last_modified_at = now
        self.client_tokens.remember(operation, params, now, instance, self._instance_alive)
        return instance

    def service_pipeline(self, service_name: str) -> ServicePipeline:
        service = self.get_service(service_name)
        if service.pipeline is None:
            raise ResourceNotFoundException(f"The service '{service_name}' has no pipeline")
        return service.pipeline
