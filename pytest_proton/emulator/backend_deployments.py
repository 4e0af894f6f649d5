"""Deployment records (Get/List/DeleteDeployment), cancelling, notified (self-managed) deployments, outputs.

A mixin of :class:`~pytest_proton.emulator.models.ProtonBackend`, whose state it reads and changes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pytest_proton.emulator import provisioning
from pytest_proton.emulator.components import Component, ComponentDeployment
from pytest_proton.emulator.environments import (
    CANCELLED,
    CANCELLING,
    FAILED,
    IN_PROGRESS,
    SUCCEEDED,
    Deployment,
    Environment,
)
from pytest_proton.emulator.exceptions import (
    ConflictException,
    ResourceNotFoundException,
    ValidationException,
)
from pytest_proton.emulator.services import (
    ServiceDeployment,
    ServiceInstance,
    ServicePipeline,
)
from pytest_proton.emulator.templates import SERVICE_TEMPLATE

if TYPE_CHECKING:
    from pytest_proton.emulator.models import ProtonBackend

    _Base = ProtonBackend
else:
    _Base = object


class DeploymentsMixin(_Base):
    def _advance(self, resource: Any) -> None:
        """Settle the IN_PROGRESS deployment of an environment, instance, pipeline or component if it is
        due (see provisioning.py): finish a cancel, wait for a notification, or deploy and record the outcome.

        Only reads settle (models.ProtonBackend.operation): during a mutating call a deployment moves on
        only if its time is up (``{"progression": "time"}``), so a cancel right after an update finds it
        IN_PROGRESS, as it would on AWS."""
        deployment = self.deployments.get(resource.last_attempted_deployment_id or "")
        reading = not self.mutating
        if deployment is not None and deployment.status == CANCELLING:
            if reading:
                self._finish_cancel(deployment, resource)
            return
        if deployment is None or deployment.status != IN_PROGRESS:
            return
        if self._awaits_notification(resource):
            return
        deployment.reads += reading
        now = self.now()
        if not provisioning.is_due(deployment.created_at, deployment.reads, now):
            return
        outcome = provisioning.deploy(self, deployment)
        deployment.status = outcome.status
        deployment.status_message = outcome.message
        deployment.completed_at = deployment.last_modified_at = now
        resource.deployment_status = outcome.status
        resource.deployment_status_message = outcome.message
        if outcome.status == SUCCEEDED:
            deployment.outputs = list(outcome.outputs)
            resource.state = deployment.target_state
            resource.outputs = list(outcome.outputs)
            resource.provisioned_resources = list(outcome.provisioned_resources)
            resource.last_succeeded_deployment_id = deployment.id
            resource.last_deployment_succeeded_at = now

    def _drop_deployments(self, arn: str) -> None:
        for deployment_id in [d.id for d in self.deployments.values() if d.target_arn == arn]:
            del self.deployments[deployment_id]

    def _settle_all(self) -> None:
        for environment in list(self.environments.values()):
            self.settle_environment(environment)
        for service in list(self.services.values()):
            self.settle_service(service)
        for component in list(self.components.values()):
            self.settle_component(component)

    def get_deployment(self, deployment_id: str, params: dict[str, Any]) -> Deployment:
        """The deployment; each of environmentName, componentName, serviceName, serviceInstanceName given must match."""
        self._settle_all()
        deployment = self.deployments.get(deployment_id)
        given = {
            attribute: params[member]
            for member, attribute in (
                ("environmentName", "environment_name"),
                ("componentName", "component_name"),
                ("serviceName", "service_name"),
                ("serviceInstanceName", "instance_name"),
            )
            if params.get(member) is not None
        }
        if deployment is None or any(getattr(deployment, a, None) != v for a, v in given.items()):
            raise ResourceNotFoundException(f"The deployment '{deployment_id}' was not found")
        return deployment

    def list_deployments(self, params: dict[str, Any]) -> list[Deployment]:
        self._settle_all()
        if params.get("componentName"):
            component = self.get_component(params["componentName"])
            return [
                d
                for d in self.deployments.values()
                if isinstance(d, ComponentDeployment) and d.target_arn == component.arn
            ]
        name = params.get("environmentName")
        if name is not None and name not in self.environments:
            raise ResourceNotFoundException(f"The environment '{name}' was not found")
        deployments = [d for d in self.deployments.values() if name is None or d.environment_name == name]
        service_name, instance_name = params.get("serviceName"), params.get("serviceInstanceName")
        if instance_name is not None and service_name is None:
            raise ValidationException("serviceInstanceName requires serviceName")
        if service_name is not None:
            service = self.get_service(service_name)
            if instance_name is not None:
                self.get_service_instance(service.name, instance_name)
            deployments = [
                d
                for d in deployments
                if isinstance(d, ServiceDeployment)
                and d.service_name == service_name
                and (instance_name is None or d.instance_name == instance_name)
            ]
        return deployments

    def delete_deployment(self, deployment_id: str) -> Deployment | None:
        """Delete a past deployment; the latest attempt of its resource and running ones cannot be deleted."""
        self._settle_all()
        deployment = self.deployments.get(deployment_id)
        if deployment is None:
            return None
        if deployment.status in (IN_PROGRESS, CANCELLING):
            raise ConflictException(f"The deployment '{deployment_id}' is {deployment.status}")
        resource = self._deployment_target(deployment)
        if resource is not None and resource.last_attempted_deployment_id == deployment_id:
            raise ConflictException(
                f"The deployment '{deployment_id}' is the latest deployment of its resource and cannot be deleted"
            )
        del self.deployments[deployment_id]
        return deployment

    def _deployment_target(
        self, deployment: Deployment
    ) -> Environment | ServiceInstance | ServicePipeline | Component | None:
        if isinstance(deployment, ComponentDeployment):
            return self.components.get(deployment.component_name)
        if isinstance(deployment, ServiceDeployment):
            service = self.services.get(deployment.service_name)
            if service is None:
                return None
            if deployment.instance_name is not None:
                return service.instances.get(deployment.instance_name)
            return service.pipeline
        return self.environments.get(deployment.environment_name)

    def _cancel(self, resource: Environment | ServiceInstance | ServicePipeline, label: str) -> None:
        """Start cancelling the resource's IN_PROGRESS deployment: CANCELLING now, CANCELLED on the next read."""
        deployment = self.deployments.get(resource.last_attempted_deployment_id or "")
        if deployment is None or deployment.status != IN_PROGRESS:
            raise ConflictException(
                f"The {label} has no deployment IN_PROGRESS to cancel (deployment status {resource.deployment_status})"
            )
        deployment.status = resource.deployment_status = CANCELLING
        deployment.last_modified_at = self.now()

    def _finish_cancel(self, deployment: Deployment, resource: Environment | ServiceInstance | ServicePipeline) -> None:
        """CANCELLING -> CANCELLED; the resource keeps its previous state (its template version included)."""
        now = self.now()
        deployment.status = resource.deployment_status = CANCELLED
        deployment.status_message = resource.deployment_status_message = "The deployment was cancelled"
        deployment.completed_at = deployment.last_modified_at = now

    def cancel_environment_deployment(self, name: str) -> Environment:
        environment = self.get_environment(name)
        self._cancel(environment, f"environment '{name}'")
        return environment

    def cancel_service_instance_deployment(self, service_name: str, name: str) -> ServiceInstance:
        instance = self.get_service_instance(service_name, name)
        self._cancel(instance, f"service instance '{name}' of service '{service_name}'")
        return instance

    def cancel_service_pipeline_deployment(self, service_name: str) -> ServicePipeline:
        service = self.get_service(service_name)
        if service.pipeline is None:
            raise ResourceNotFoundException(f"The service '{service_name}' has no pipeline")
        self._cancel(service.pipeline, f"pipeline of service '{service_name}'")
        return service.pipeline

    def _awaits_notification(self, resource: Environment | ServiceInstance | ServicePipeline) -> bool:
        """Self-managed (provisioningRepository) or CodeBuild resources settle only when notified."""
        # Issue 5: the bundle decides when known (Terraform and CodeBuild wait, CloudFormation deploys).
        decided = provisioning.awaits_notification(self, resource)
        if decided is not None:
            return decided
        if isinstance(resource, Environment):
            return resource.provisioning == "CUSTOMER_MANAGED" or resource.codebuild_role_arn is not None
        if isinstance(resource, ServiceInstance):
            environment = self.environments.get(resource.environment_name)
            return environment is not None and self._awaits_notification(environment)
        if isinstance(resource, Component):  # components never use CodeBuild (BND-32)
            environment = self.environments.get(resource.environment_name)
            return environment is not None and environment.provisioning == "CUSTOMER_MANAGED"
        template = self.templates[SERVICE_TEMPLATE].get(resource.state.template_name)
        return template is not None and template.provisioning == "CUSTOMER_MANAGED"

    def _resource_by_arn(self, arn: str) -> Environment | ServiceInstance | ServicePipeline:
        for environment in self.environments.values():
            if environment.arn == arn:
                return environment
        for service in self.services.values():
            for instance in service.instances.values():
                if instance.arn == arn:
                    return instance
            if service.pipeline is not None and service.pipeline.arn == arn:
                return service.pipeline
        for component in self.components.values():
            if component.arn == arn:
                return component  # type: ignore[return-value]
        raise ResourceNotFoundException(f"The resource '{arn}' was not found")

    def notify_deployment_status(self, params: dict[str, Any]) -> None:
        """NotifyResourceDeploymentStatusChange: record a self-managed deployment's status and outputs."""
        resource = self._resource_by_arn(params["resourceArn"])
        deployment_id = params.get("deploymentId") or resource.last_attempted_deployment_id or ""
        deployment = self.deployments.get(deployment_id)
        if deployment is None or deployment.target_arn != resource.arn:
            raise ResourceNotFoundException(f"The deployment '{deployment_id}' of '{resource.arn}' was not found")
        if deployment.status not in (IN_PROGRESS, SUCCEEDED, FAILED):
            raise ConflictException(f"The deployment '{deployment_id}' is {deployment.status}")
        outputs = [
            {"key": o.get("key", ""), "valueString": o.get("valueString", "")} for o in params.get("outputs") or []
        ]
        for index, output in enumerate(outputs):
            for member in ("key", "valueString"):  # optional in the model, but an output needs both
                if not 1 <= len(output[member]) <= 1024:
                    raise ValidationException(
                        f"Value at 'outputs.{index + 1}.member.{member}' failed to satisfy constraint: "
                        "Member must have length between 1 and 1024"
                    )
        now = self.now()
        status = params.get("status")
        if outputs or status == SUCCEEDED:
            deployment.outputs = outputs or deployment.outputs
        if status is None:
            if outputs and resource.last_succeeded_deployment_id == deployment.id:
                resource.outputs = list(outputs)
            return
        deployment.status = status
        deployment.status_message = params.get("statusMessage")
        deployment.last_modified_at = now
        if deployment.id != resource.last_attempted_deployment_id:
            return
        resource.deployment_status = status
        resource.deployment_status_message = params.get("statusMessage")
        if status == IN_PROGRESS:
            return
        deployment.completed_at = now
        if status == SUCCEEDED:
            resource.state = deployment.target_state
            resource.outputs = list(deployment.outputs)
            resource.last_succeeded_deployment_id = deployment.id
            resource.last_deployment_succeeded_at = now

    def service_instance_outputs(self, service_name: str, name: str, deployment_id: str | None) -> list[dict[str, str]]:
        return self._outputs(self.get_service_instance(service_name, name), deployment_id)

    def service_pipeline_outputs(self, service_name: str, deployment_id: str | None) -> list[dict[str, str]]:
        service = self.get_service(service_name)
        if service.pipeline is None:
            raise ResourceNotFoundException(f"The service '{service_name}' has no pipeline")
        return self._outputs(service.pipeline, deployment_id)

    def _outputs(self, resource: ServiceInstance | ServicePipeline, deployment_id: str | None) -> list[dict[str, str]]:
        if deployment_id is None:
            return resource.outputs
        deployment = self.deployments.get(deployment_id)
        if deployment is None or deployment.target_arn != resource.arn:
            raise ResourceNotFoundException(f"The deployment '{deployment_id}' was not found")
        return deployment.outputs
