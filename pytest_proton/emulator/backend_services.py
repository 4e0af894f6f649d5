"""Services, their instances and pipelines: create, update (SPEC-17, API-42), delete, deployments.

A mixin of :class:`~pytest_proton.emulator.models.ProtonBackend`, whose state it reads and changes.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

import yaml

from pytest_proton.emulator import provisioning
from pytest_proton.emulator.environments import (
    CANCELLING,
    DELETE_IN_PROGRESS,
    IN_PROGRESS,
    SUCCEEDED,
    EnvironmentState,
)
from pytest_proton.emulator.exceptions import (
    ConflictException,
    ResourceNotFoundException,
    ServiceQuotaExceededException,
    ValidationException,
)
from pytest_proton.emulator.idempotency import canonical_request, retried_create
from pytest_proton.emulator.services import (
    ACTIVE,
    CREATE_FAILED,
    CREATE_IN_PROGRESS,
    DELETE_FAILED,
    UPDATE_FAILED,
    UPDATE_IN_PROGRESS,
    Service,
    ServiceDeployment,
    ServiceInstance,
    ServicePipeline,
    dump,
    parse_service_spec,
)
from pytest_proton.emulator.tags import tags_to_dict
from pytest_proton.emulator.templates import SERVICE_TEMPLATE
from pytest_proton.emulator.versions import (
    TemplateVersion,
)

if TYPE_CHECKING:
    from pytest_proton.emulator.models import ProtonBackend

    _Base = ProtonBackend
else:
    _Base = object


class ServicesMixin(_Base):
    def _check_instance_environment(self, version: TemplateVersion, entry: dict[str, Any]) -> None:
        """The instance's environment exists and runs a template the service version is compatible with."""
        environment = self.environments.get(entry["environment"])
        if environment is None or environment.delete_started_at is not None:
            raise ValidationException(
                f"The environment '{entry['environment']}' of the service instance '{entry['name']}' was not found"
            )
        compatible = {(e["templateName"], int(e["majorVersion"])) for e in version.compatible_environment_templates}
        if (environment.state.template_name, environment.state.major) not in compatible:
            raise ValidationException(
                f"The environment '{environment.name}' runs '{environment.state.template_name}' major version "
                f"{environment.state.major}, which the service template version "
                f"'{version.template_name}:{version.label}' does not list as compatible"
            )

    def _new_instance(
        self, service: Service, version: TemplateVersion, entry: dict[str, Any], spec: str | None = None
    ) -> ServiceInstance:
        """``spec``: what CreateServiceInstance was sent; else the service's spec (CreateService, UpdateService)."""
        instance = ServiceInstance(
            arn=self.arn("service", f"{service.name}/service-instance/{entry['name']}"),
            created_at=self.now(),
            # GetServiceInstance's spec is "the service spec that was used to create the service
            # instance" (the API reference's ServiceInstance.spec): the whole ServiceSpec, as after an update
            state=EnvironmentState(version.template_name, version.major, version.minor, spec or service.spec),
            name=entry["name"],
            service_name=service.name,
            environment_name=entry["environment"],
            entry=entry,
        )
        service.instances[instance.name] = instance
        self._start_service_deployment(service, instance, None, instance.state)
        return instance

    def _start_service_deployment(
        self,
        service: Service,
        resource: ServiceInstance | ServicePipeline,
        initial: EnvironmentState | None,
        target: EnvironmentState,
    ) -> ServiceDeployment:
        now = self.now()
        deployment_id = str(uuid.uuid4())
        instance = resource if isinstance(resource, ServiceInstance) else None
        deployment = ServiceDeployment(
            id=deployment_id,
            arn=self.arn("deployment", deployment_id),
            environment_name=instance.environment_name if instance else "",
            target_arn=resource.arn,
            target_created_at=resource.created_at,
            created_at=now,
            last_modified_at=now,
            target_state=target,
            initial_state=initial,
            last_attempted_id=resource.last_attempted_deployment_id,
            last_succeeded_id=resource.last_succeeded_deployment_id,
            service_name=service.name,
            instance_name=instance.name if instance else None,
        )
        self.deployments[deployment_id] = deployment
        resource.deployment_status = IN_PROGRESS
        resource.deployment_status_message = None
        resource.last_attempted_deployment_id = deployment_id
        resource.last_deployment_attempted_at = now
        if resource.last_deployment_succeeded_at is None:
            resource.last_deployment_succeeded_at = now
        return deployment

    def settle_service(self, service: Service) -> Service | None:
        """Advance a service's deployments or deletion; None once it is deleted."""
        if service.delete_started_at is not None:
            service.delete_reads += not self.mutating  # only reads settle (see _advance)
            if not provisioning.is_due(service.delete_started_at, service.delete_reads, self.now()):
                return service
            outcome = provisioning.destroy(self, service)
            if outcome.status != SUCCEEDED:
                service.status, service.status_message = DELETE_FAILED, outcome.message
                service.delete_started_at = None
                return service
            for instance in service.instances.values():
                self.tags.drop(instance.arn)
                self._drop_deployments(instance.arn)
            if service.pipeline is not None:
                self._drop_deployments(service.pipeline.arn)
            self.tags.drop(service.arn)
            del self.services[service.name]
            return None
        resources: list[ServiceInstance | ServicePipeline] = list(service.instances.values())
        if service.pipeline is not None:
            resources.append(service.pipeline)
        for resource in resources:
            self._advance(resource)
        if service.status in (CREATE_IN_PROGRESS, UPDATE_IN_PROGRESS):
            statuses = {resource.deployment_status for resource in resources}
            if IN_PROGRESS not in statuses:
                failed = "FAILED" in statuses
                if failed:
                    service.status = CREATE_FAILED if service.status == CREATE_IN_PROGRESS else UPDATE_FAILED
                    service.status_message = "A service instance or pipeline deployment failed"
                else:
                    service.status, service.status_message = ACTIVE, None
                service.last_modified_at = self.now()
        return service

    def create_service(self, params: dict[str, Any]) -> Service:
        name = params["name"]
        quota = f"This account already has {self.service_quota} services in {self.region_name}"
        existing = retried_create(self.services, self.settle_service, params, "service", (self.service_quota, quota))
        if existing is not None:
            return existing  # type: ignore[no-any-return]
        template = self.get_template(SERVICE_TEMPLATE, params["templateName"])
        version = self._service_version(
            template.name, params["templateMajorVersion"], params.get("templateMinorVersion")
        )
        has_pipeline = template.provisioning != "CUSTOMER_MANAGED"
        repository = [m for m in ("repositoryConnectionArn", "repositoryId", "branchName") if params.get(m)]
        if has_pipeline and len(repository) != 3:
            raise ValidationException(
                "repositoryConnectionArn, repositoryId and branchName are required for a service whose template "
                "has a pipeline"
            )
        if not has_pipeline and repository:
            raise ValidationException(
                f"{', '.join(repository)} must be omitted: the service template '{template.name}' has no pipeline"
            )
        spec = params["spec"]
        parsed = parse_service_spec(spec)
        if len(parsed.instances) > self.instance_quota:
            raise ServiceQuotaExceededException(f"A service can have at most {self.instance_quota} instances")
        for entry in parsed.instances:
            self._check_instance_environment(version, entry)
        provisioning.validate_spec(self, version, spec, name)
        now = self.now()
        service = Service(
            name=name,
            arn=self.arn("service", name),
            template_name=template.name,
            created_at=now,
            last_modified_at=now,
            create_request=canonical_request(params),
            spec=spec,
            description=params.get("description"),
            repository_connection_arn=params.get("repositoryConnectionArn"),
            repository_id=params.get("repositoryId"),
            branch_name=params.get("branchName"),
        )
        for entry in parsed.instances:
            self._new_instance(service, version, entry)
        if has_pipeline:
            service.pipeline = ServicePipeline(
                arn=self.arn("service", f"{name}/pipeline"),
                created_at=now,
                state=EnvironmentState(version.template_name, version.major, version.minor, dump(parsed.pipeline)),
                entry=parsed.pipeline,
            )
            self._start_service_deployment(service, service.pipeline, None, service.pipeline.state)
        self.tags.set(service.arn, tags_to_dict(params.get("tags")))
        self.services[name] = service
        return service

    def get_service(self, name: str) -> Service:
        service = self.services.get(name)
        if service is not None:
            service = self.settle_service(service)
        if service is None:
            raise ResourceNotFoundException(f"The service '{name}' was not found")
        return service

    def list_services(self) -> list[Service]:
        return [s for s in list(self.services.values()) if self.settle_service(s) is not None]

    def _check_service_idle(self, service: Service) -> None:
        if service.delete_started_at is not None:
            raise ConflictException(f"The service '{service.name}' is being deleted")
        if service.status in (CREATE_IN_PROGRESS, UPDATE_IN_PROGRESS):
            raise ConflictException(f"The service '{service.name}' is {service.status}")

    def update_service(self, params: dict[str, Any]) -> Service:
        service = self.get_service(params["name"])
        self._check_service_idle(service)
        if params.get("spec") is not None:
            self._update_service_spec(service, params["spec"])
        if "description" in params:
            service.description = params["description"]
        service.last_modified_at = self.now()
        service.modified = True
        return service

    def _update_service_spec(self, service: Service, spec: str) -> None:
        """SPEC-17: a new spec may add instances and omit instances to delete them, nothing else."""
        parsed = parse_service_spec(spec)
        if len(parsed.instances) > self.instance_quota:
            raise ServiceQuotaExceededException(f"A service can have at most {self.instance_quota} instances")
        if service.pipeline is not None and parsed.pipeline != service.pipeline.entry:
            raise ValidationException("UpdateService cannot change the pipeline; use UpdateServicePipeline")
        wanted = {entry["name"]: entry for entry in parsed.instances}
        for name, instance in service.instances.items():
            if name in wanted and wanted[name] != instance.entry:
                raise ValidationException(
                    f"UpdateService cannot change the existing service instance '{name}'; use UpdateServiceInstance"
                )
        added = [entry for name, entry in wanted.items() if name not in service.instances]
        if added:
            template = self.get_template(SERVICE_TEMPLATE, service.template_name)
            if template.recommended_version is None:
                raise ValidationException(f"The service template '{service.template_name}' has no published version")
            major = template.recommended_version.split(".")[0]
            version = self._service_version(service.template_name, major, None)
            for entry in added:
                self._check_instance_environment(version, entry)
        busy = [
            i.name
            for i in service.instances.values()
            if i.name not in wanted and i.deployment_status in (IN_PROGRESS, CANCELLING)
        ]
        if busy:
            raise ConflictException(f"The service instance '{busy[0]}' has a deployment in progress")
        self.check_instances_without_components(
            service.name, [name for name in service.instances if name not in wanted]
        )
        for name in [name for name in service.instances if name not in wanted]:
            instance = service.instances.pop(name)
            provisioning.destroy(self, instance)  # its stack goes with it (issue 5)
            self.tags.drop(instance.arn)
            self._drop_deployments(instance.arn)
        service.spec = spec
        for entry in added:
            self._new_instance(service, version, entry)
        if added:
            service.status = UPDATE_IN_PROGRESS

    def delete_service(self, name: str) -> Service | None:
        """Start deleting ``name`` and return it; None once it is gone (or never existed)."""
        service = self.services.get(name)
        if service is None:
            return None
        if service.delete_started_at is None:
            self.settle_service(service)
            self._check_service_idle(service)
            resources = [*service.instances.values(), *([service.pipeline] if service.pipeline else [])]
            if any(resource.deployment_status in (IN_PROGRESS, CANCELLING) for resource in resources):
                raise ConflictException(f"The service '{name}' has a deployment in progress")
            self.check_instances_without_components(name, list(service.instances))
            service.delete_started_at = self.now()
            service.status, service.status_message = DELETE_IN_PROGRESS, None
            return service
        return self.settle_service(service)

    def get_service_instance(self, service_name: str, name: str) -> ServiceInstance:
        service = self.get_service(service_name)
        instance = service.instances.get(name)
        if instance is None:
            raise ResourceNotFoundException(f"The service instance '{name}' of service '{service_name}' was not found")
        return instance

    def list_service_instances(self, params: dict[str, Any]) -> list[ServiceInstance]:
        services = [self.get_service(params["serviceName"])] if params.get("serviceName") else self.list_services()
        instances = [instance for service in services for instance in service.instances.values()]
        for entry in params.get("filters") or []:
            key, value = entry.get("key"), entry.get("value")
            attribute = {
                "name": "name",
                "serviceName": "service_name",
                "environmentName": "environment_name",
                "deploymentStatus": "deployment_status",
            }.get(key or "")
            if attribute is not None:
                instances = [i for i in instances if getattr(i, attribute) == value]
            elif key == "templateName":
                instances = [i for i in instances if i.state.template_name == value]
        return instances

    def _target_state(
        self, current: EnvironmentState, params: dict[str, Any], spec_default: str | None
    ) -> EnvironmentState | None:
        """proton-rules §8 API-42: the state an update of a service instance or pipeline deploys, None for NONE."""
        deployment_type = params["deploymentType"]
        major, minor = params.get("templateMajorVersion"), params.get("templateMinorVersion")
        if deployment_type == "NONE":
            given = [m for m in ("templateMajorVersion", "templateMinorVersion") if params.get(m) is not None]
            if given:
                raise ValidationException(f"{', '.join(given)} cannot be given with deploymentType NONE")
            return None
        version = self._version_for_update(SERVICE_TEMPLATE, current, deployment_type, major, minor)
        spec = params.get("spec", spec_default)
        provisioning.validate_spec(self, version, spec, params.get("serviceName"))
        return EnvironmentState(version.template_name, version.major, version.minor, spec)

    def update_service_instance(self, params: dict[str, Any]) -> ServiceInstance:
        service = self.get_service(params["serviceName"])
        if service.delete_started_at is not None:
            raise ConflictException(f"The service '{service.name}' is being deleted")
        instance = self.get_service_instance(service.name, params["name"])
        # A retry with the client token of an earlier update returns the instance and deploys nothing.
        now = self.now()
        if self.client_tokens.lookup("UpdateServiceInstance", params, now, lambda same: same is instance):
            return instance
        if instance.deployment_status in (IN_PROGRESS, CANCELLING):
            raise ConflictException(f"The service instance '{instance.name}' has a deployment in progress")
        self.check_instance_component_idle(instance)
        if params.get("deploymentType") == "NONE" and params.get("spec") is not None:
            raise ValidationException("spec cannot be given with deploymentType NONE, which deploys nothing")
        target = self._target_state(instance.state, params, instance.state.spec)
        if target is not None:
            if target.spec is not None and target.spec != instance.state.spec:
                entry = yaml.safe_load(target.spec)
                # The API takes the whole `proton: ServiceSpec` document (the Proton user guide's CLI
                # example): keep only this instance's entry of it, not the document, so UpdateService
                # with the service's spec still matches the instance (a bare entry is kept as before).
                if isinstance(entry, dict) and (entry.get("proton") == "ServiceSpec" or "instances" in entry):
                    instances = entry.get("instances") or []
                    named = [i for i in instances if isinstance(i, dict) and i.get("name") == instance.name]
                    entry = named[0] if len(named) == 1 else None
                if isinstance(entry, dict):
                    entry = {key: value for key, value in entry.items() if key != "proton"}
                    instance.entry = {**entry, "name": instance.name, "environment": instance.environment_name}
            self._start_service_deployment(service, instance, instance.state, target)
        if params.get("clientToken"):
            instance.last_client_request_token = params["clientToken"]
            self.client_tokens.remember("UpdateServiceInstance", params, now, instance, self._instance_alive)
        self.block_sync_after_manual_update(service.name, instance.name)
        return instance

    def update_service_pipeline(self, params: dict[str, Any]) -> ServicePipeline:
        service = self.get_service(params["serviceName"])
        if service.delete_started_at is not None:
            raise ConflictException(f"The service '{service.name}' is being deleted")
        pipeline = service.pipeline
        if pipeline is None:
            raise ResourceNotFoundException(f"The service '{service.name}' has no pipeline")
        if pipeline.deployment_status in (IN_PROGRESS, CANCELLING):
            raise ConflictException(f"The pipeline of service '{service.name}' has a deployment in progress")
        target = self._target_state(pipeline.state, params, pipeline.state.spec)
        if target is not None:
            self._start_service_deployment(service, pipeline, pipeline.state, target)
        self.block_sync_after_manual_update(service.name, None)
        return pipeline
