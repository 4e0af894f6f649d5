"""ComponentsMixin: the component operations of :class:`~pytest_proton.emulator.models.ProtonBackend`.

Rules (proton-rules §1.4, §5.3 SPEC-30/31, §9.3 LC-14, §9.4 LC-20/21, API-32; the API model's docs):

* a component lives in one environment, which needs a ``componentRoleArn``; an attached component
  lives in its service instance's environment and can only be attached to instances whose service
  template version lists ``DIRECTLY_DEFINED`` in ``supportedComponentSources``;
* an instance holds at most one directly defined component (the ``components.default`` slot);
* an attached component cannot be deleted nor moved straight to another instance: detach it first
  (UpdateComponent with ``serviceName`` and ``serviceInstanceName`` set to ``""``);
* neither a component nor its service instance can be updated while the other is deploying;
* deployments settle through :func:`provisioning.deploy` like every other deployment; in a
  self-managed environment they wait for NotifyResourceDeploymentStatusChange.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from pytest_proton.emulator import provisioning
from pytest_proton.emulator.components import (
    DIRECTLY_DEFINED,
    MAX_COMPONENTS,
    Component,
    ComponentDeployment,
    ComponentState,
    validate_manifest,
)
from pytest_proton.emulator.environments import CANCELLING, DELETE_IN_PROGRESS, IN_PROGRESS, SUCCEEDED, Environment
from pytest_proton.emulator.exceptions import (
    ConflictException,
    ResourceNotFoundException,
    ServiceQuotaExceededException,
    ValidationException,
)
from pytest_proton.emulator.services import ServiceInstance
from pytest_proton.emulator.tags import tags_to_dict
from pytest_proton.emulator.templates import SERVICE_TEMPLATE

if TYPE_CHECKING:
    from pytest_proton.emulator.models import ProtonBackend

    _Base = ProtonBackend
else:
    _Base = object

BUSY = (IN_PROGRESS, CANCELLING)


def _invalid(field: str, problem: str) -> ValidationException:
    return ValidationException(
        f"1 validation error detected: Value at '{field}' failed to satisfy constraint: {problem}"
    )


class ComponentsMixin(_Base):
    """Component state lives in ``self.components`` (name -> Component); see ``init_components``."""

    def init_components(self) -> None:
        self.components: dict[str, Component] = {}
        self.component_quota = MAX_COMPONENTS

    # Lookups used by the rest of the backend ----------------------------------------------------

    def component_attachments(self, component: Component) -> set[tuple[str, str]]:
        """The instances the component is attached to, or is being attached to by a running deployment."""
        attachments = {component.state.attachment} - {None}
        deployment = self.deployments.get(component.last_attempted_deployment_id or "")
        if deployment is not None and deployment.status in BUSY:
            attachments |= {deployment.target_state.attachment} - {None}
        return attachments  # type: ignore[return-value]

    def components_of_instance(self, service_name: str, instance_name: str) -> list[Component]:
        return [c for c in self.components.values() if (service_name, instance_name) in self.component_attachments(c)]

    def components_of_environment(self, environment_name: str) -> list[Component]:
        return [c for c in self.components.values() if c.environment_name == environment_name]

    def check_instance_component_idle(self, instance: ServiceInstance) -> None:
        """LC-20: a service instance cannot be updated while its attached component is deploying."""
        for component in self.components_of_instance(instance.service_name, instance.name):
            self.settle_component(component)
            if component.deployment_status in BUSY:
                raise ConflictException(
                    f"The component '{component.name}' attached to the service instance '{instance.name}' "
                    f"has a deployment {component.deployment_status}"
                )

    def check_instances_without_components(self, service_name: str, instance_names: list[str]) -> None:
        """LC-14: instances with an attached component cannot be deleted (DeleteService, UpdateService)."""
        for name in instance_names:
            attached = self.components_of_instance(service_name, name)
            if attached:
                raise ConflictException(
                    f"The service instance '{name}' of service '{service_name}' has the attached component "
                    f"'{attached[0].name}'; detach it first"
                )

    # Create, read, list --------------------------------------------------------------------------

    def _component_alive(self, component: Component) -> bool:
        return self.components.get(component.name) is component

    def create_component(self, params: dict[str, Any]) -> Component:
        operation = "CreateComponent"
        now = self.now()
        original = self.client_tokens.lookup(operation, params, now, self._component_alive)
        if original is not None:
            return self.settle_component(original) or original  # type: ignore[no-any-return]
        name = params["name"]
        if name in self.components:
            raise ConflictException(f"A component named '{name}' already exists")
        if len(self.components) >= self.component_quota:
            raise ServiceQuotaExceededException(
                f"This account already has {self.component_quota} components in {self.region_name}"
            )
        service_name, instance_name = params.get("serviceName"), params.get("serviceInstanceName")
        if bool(service_name) != bool(instance_name):
            raise _invalid(
                "serviceName" if instance_name else "serviceInstanceName",
                "specify both serviceName and serviceInstanceName, or neither of them",
            )
        if service_name and instance_name:
            instance = self._attachable_instance(service_name, instance_name)
            environment_name = instance.environment_name
            if params.get("environmentName") not in (None, environment_name):
                raise _invalid(
                    "environmentName",
                    f"the service instance '{instance_name}' runs in the environment '{environment_name}', "
                    f"not '{params['environmentName']}'",
                )
        else:
            if not params.get("environmentName"):
                raise _invalid(
                    "environmentName",
                    "environmentName is required when serviceName and serviceInstanceName are not given",
                )
            if params.get("serviceSpec") is not None:
                raise _invalid(
                    "serviceSpec", "set serviceSpec only when the component is attached to a service instance"
                )
            environment_name = params["environmentName"]
        self._component_environment(environment_name)
        validate_manifest(params["manifest"])
        component = Component(
            name=name,
            arn=self.arn("component", name),
            environment_name=environment_name,
            created_at=now,
            last_modified_at=now,
            manifest=params["manifest"],
            state=ComponentState(params["templateFile"], service_name, instance_name, params.get("serviceSpec")),
            description=params.get("description"),
            last_client_request_token=params.get("clientToken"),
        )
        self.tags.set(component.arn, tags_to_dict(params.get("tags")))
        self._start_component_deployment(component, None, component.state)
        self.components[name] = component
        self.client_tokens.remember(operation, params, now, component, self._component_alive)
        return component

    def _component_environment(self, name: str) -> Environment:
        """The environment a component goes in: it exists, is not being deleted and allows components."""
        environment = self.get_environment(name)
        if environment.delete_started_at is not None:
            raise ConflictException(f"The environment '{name}' is being deleted")
        if not environment.component_role_arn:
            raise _invalid(
                "environmentName",
                f"the environment '{name}' has no componentRoleArn; set componentRoleArn on the environment "
                "to allow directly defined components",
            )
        if environment.environment_account_connection_id:
            connection = self._find_connection(environment.environment_account_connection_id)
            if connection is not None and not connection.component_role_arn:
                raise _invalid(
                    "environmentName",
                    f"the environment account connection of the environment '{name}' has no componentRoleArn",
                )
        return environment

    def _attachable_instance(self, service_name: str, instance_name: str) -> ServiceInstance:
        """A service instance a component can be attached to now (SPEC-30, REG-03, LC-20, one per instance)."""
        service = self.get_service(service_name)
        if service.delete_started_at is not None:
            raise ConflictException(f"The service '{service_name}' is being deleted")
        instance = self.get_service_instance(service_name, instance_name)
        state = instance.state
        template_version = self.version_of(SERVICE_TEMPLATE, state)
        sources = template_version.supported_component_sources if template_version else None
        if DIRECTLY_DEFINED not in (sources or []):
            raise _invalid(
                "serviceInstanceName",
                f"the service template version '{state.template_name}:{state.major}.{state.minor}' of the service "
                f"instance '{instance_name}' does not list {DIRECTLY_DEFINED} in supportedComponentSources",
            )
        attached = self.components_of_instance(service_name, instance_name)
        if attached:
            raise ConflictException(
                f"The service instance '{instance_name}' of service '{service_name}' already has the component "
                f"'{attached[0].name}' attached"
            )
        if instance.deployment_status in BUSY:
            raise ConflictException(f"The service instance '{instance_name}' has a deployment in progress")
        return instance

    def get_component(self, name: str) -> Component:
        component = self.components.get(name)
        if component is not None:
            component = self.settle_component(component)
        if component is None:
            raise ResourceNotFoundException(f"The component '{name}' was not found")
        return component

    def list_components(self, params: dict[str, Any]) -> list[Component]:
        environment_name = params.get("environmentName")
        service_name, instance_name = params.get("serviceName"), params.get("serviceInstanceName")
        if instance_name is not None and service_name is None:
            raise _invalid("serviceInstanceName", "serviceInstanceName requires serviceName")
        components = [c for c in list(self.components.values()) if self.settle_component(c) is not None]
        if environment_name is not None:
            components = [c for c in components if c.environment_name == environment_name]
        if service_name is not None:
            components = [
                c
                for c in components
                if c.state.service_name == service_name
                and (instance_name is None or c.state.service_instance_name == instance_name)
            ]
        return components

    # Update, cancel, delete ----------------------------------------------------------------------

    def update_component(self, params: dict[str, Any]) -> Component:
        operation = "UpdateComponent"
        now = self.now()
        original = self.client_tokens.lookup(operation, params, now, self._component_alive)
        if original is not None:
            return original  # type: ignore[no-any-return]
        component = self.get_component(params["name"])
        if component.delete_started_at is not None:
            raise ConflictException(f"The component '{component.name}' is being deleted")
        if component.deployment_status in BUSY:
            raise ConflictException(f"The component '{component.name}' has a deployment {component.deployment_status}")
        current = component.state
        if current.attachment is not None:
            instance = self._instance_or_none(*current.attachment)
            if instance is not None and instance.deployment_status in BUSY:
                raise ConflictException(
                    f"The service instance '{instance.name}' the component is attached to has a deployment in progress"
                )
        members = ("serviceName", "serviceInstanceName", "serviceSpec", "templateFile")
        if params["deploymentType"] == "NONE":
            given = [member for member in members if params.get(member) is not None]
            if given:
                raise _invalid(
                    given[0],
                    "with deploymentType NONE only description can be updated; "
                    f"{', '.join(given)} need deploymentType CURRENT_VERSION",
                )
        else:
            target = self._component_target(component, params)
            self._start_component_deployment(component, current, target)
        if "description" in params:
            component.description = params["description"]
        if params.get("clientToken"):
            component.last_client_request_token = params["clientToken"]
        component.last_modified_at = now
        self.client_tokens.remember(operation, params, now, component, self._component_alive)
        return component

    def _instance_or_none(self, service_name: str, instance_name: str) -> ServiceInstance | None:
        service = self.services.get(service_name)
        return service.instances.get(instance_name) if service is not None else None

    def _component_target(self, component: Component, params: dict[str, Any]) -> ComponentState:
        """The state a CURRENT_VERSION update deploys (SPEC-30, LC-14)."""
        current = component.state
        service_name, instance_name = params.get("serviceName"), params.get("serviceInstanceName")
        if (service_name is None) != (instance_name is None) or bool(service_name) != bool(instance_name):
            raise _invalid(
                "serviceName" if instance_name else "serviceInstanceName",
                'specify non-empty values for both serviceName and serviceInstanceName, both as "" to detach, '
                "or neither of them",
            )
        attachment = current.attachment
        if service_name is not None:
            wanted = (service_name, instance_name) if service_name else None
            if wanted is not None and wanted != attachment:
                if attachment is not None:
                    raise ConflictException(
                        f"The component '{component.name}' is attached to the service instance '{attachment[1]}' "
                        f"of service '{attachment[0]}'; detach it before attaching it to another instance"
                    )
                instance = self._attachable_instance(*wanted)
                if instance.environment_name != component.environment_name:
                    raise _invalid(
                        "serviceInstanceName",
                        f"the service instance '{instance.name}' runs in the environment "
                        f"'{instance.environment_name}', not in the component's environment "
                        f"'{component.environment_name}'",
                    )
                self._component_environment(component.environment_name)
            attachment = wanted
        spec = params.get("serviceSpec", current.service_spec if attachment else None)
        if spec is not None and attachment is None:
            raise _invalid("serviceSpec", "set serviceSpec only when the component is attached to a service instance")
        return ComponentState(
            template_file=params.get("templateFile") or current.template_file,
            service_name=attachment[0] if attachment else None,
            service_instance_name=attachment[1] if attachment else None,
            service_spec=spec,
        )

    def cancel_component_deployment(self, name: str) -> Component:
        component = self.get_component(name)
        self._cancel(component, f"component '{name}'")  # type: ignore[arg-type]
        return component

    def delete_component(self, name: str) -> Component | None:
        """Start deleting ``name`` and return it; None once it is gone (or never existed)."""
        component = self.components.get(name)
        if component is None:
            return None
        if component.delete_started_at is not None:
            return self.settle_component(component)
        self.settle_component(component)
        if component.deployment_status in BUSY:
            raise ConflictException(f"The component '{name}' has a deployment {component.deployment_status}")
        if component.state.attachment is not None:
            service_name, instance_name = component.state.attachment
            raise ConflictException(
                f"The component '{name}' is attached to the service instance '{instance_name}' of service "
                f"'{service_name}'; detach it first (UpdateComponent with serviceName and serviceInstanceName \"\")"
            )
        component.delete_started_at = self.now()
        component.deployment_status = DELETE_IN_PROGRESS
        component.deployment_status_message = None
        return component

    def component_outputs(self, name: str, deployment_id: str | None) -> list[dict[str, str]]:
        return self._outputs(self.get_component(name), deployment_id)  # type: ignore[arg-type]

    # Deployments ---------------------------------------------------------------------------------

    def _start_component_deployment(
        self, component: Component, initial: ComponentState | None, target: ComponentState
    ) -> ComponentDeployment:
        now = self.now()
        deployment_id = str(uuid.uuid4())
        attachment = target.attachment or (initial.attachment if initial else None)
        deployment = ComponentDeployment(
            id=deployment_id,
            arn=self.arn("deployment", deployment_id),
            environment_name=component.environment_name,
            target_arn=component.arn,
            target_created_at=component.created_at,
            created_at=now,
            last_modified_at=now,
            target_state=target,  # type: ignore[arg-type]
            initial_state=initial,  # type: ignore[arg-type]
            last_attempted_id=component.last_attempted_deployment_id,
            last_succeeded_id=component.last_succeeded_deployment_id,
            component_name=component.name,
            service_name=attachment[0] if attachment else None,
            instance_name=attachment[1] if attachment else None,
        )
        self.deployments[deployment_id] = deployment
        component.deployment_status = IN_PROGRESS
        component.deployment_status_message = None
        component.last_attempted_deployment_id = deployment_id
        component.last_deployment_attempted_at = now
        return deployment

    def settle_component(self, component: Component) -> Component | None:
        """Advance a component's deployment or deletion (see provisioning.py); None once it is deleted."""
        if component.delete_started_at is None:
            self._advance(component)  # type: ignore[arg-type]
            return component
        component.delete_reads += not self.mutating  # only reads settle (see _advance)
        if not provisioning.is_due(component.delete_started_at, component.delete_reads, self.now()):
            return component
        outcome = provisioning.destroy(self, component)
        if outcome.status != SUCCEEDED:
            component.deployment_status = "DELETE_FAILED"
            component.deployment_status_message = outcome.message
            component.delete_started_at = None
            return component
        del self.components[component.name]
        self.tags.drop(component.arn)
        self._drop_deployments(component.arn)
        return None
