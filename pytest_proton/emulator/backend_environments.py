"""Environments: create, read, list, update, delete, their deployments and outputs.

A mixin of :class:`~pytest_proton.emulator.models.ProtonBackend`, whose state it reads and changes.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from pytest_proton.emulator import provisioning
from pytest_proton.emulator.connections import (
    CONNECTED,
)
from pytest_proton.emulator.environments import (
    CANCELLING,
    DELETE_IN_PROGRESS,
    IN_PROGRESS,
    SUCCEEDED,
    Deployment,
    Environment,
    EnvironmentState,
)
from pytest_proton.emulator.exceptions import (
    ConflictException,
    ResourceNotFoundException,
    ValidationException,
)
from pytest_proton.emulator.idempotency import canonical_request, retried_create
from pytest_proton.emulator.tags import tags_to_dict
from pytest_proton.emulator.templates import ENVIRONMENT_TEMPLATE

if TYPE_CHECKING:
    from pytest_proton.emulator.models import ProtonBackend

    _Base = ProtonBackend
else:
    _Base = object


class EnvironmentsMixin(_Base):
    @staticmethod
    def _check_environment_roles(params: dict[str, Any], self_managed: bool, *, create: bool) -> None:
        """proton-rules §8 API-40 (create) and API-41 (update) cross-field rules."""
        given = [
            member
            for member in ("protonServiceRoleArn", "environmentAccountConnectionId", "codebuildRoleArn")
            if params.get(member) is not None
        ]
        if self_managed:
            if given:
                raise ValidationException(
                    f"{', '.join(given)} must be omitted for a self-managed (CUSTOMER_MANAGED) environment; "
                    "give provisioningRepository only"
                )
            if create and params.get("provisioningRepository") is None:
                raise ValidationException("provisioningRepository is required for a self-managed environment")
            return
        if params.get("provisioningRepository") is not None:
            raise ValidationException(
                "provisioningRepository is only for self-managed environments; give protonServiceRoleArn, "
                "environmentAccountConnectionId or codebuildRoleArn for AWS-managed provisioning"
            )
        if "protonServiceRoleArn" in given and "environmentAccountConnectionId" in given:
            raise ValidationException("Give either protonServiceRoleArn or environmentAccountConnectionId, not both")
        if create and not given:
            raise ValidationException(
                "One of protonServiceRoleArn, environmentAccountConnectionId or codebuildRoleArn is required "
                "for an AWS-managed environment"
            )

    def _connection_account(self, connection_id: str) -> str:
        """The environment account of a CONNECTED connection whose management account is this one."""
        connection = self._find_connection(connection_id)
        if connection is None or connection.management_account_id != self.account_id:
            raise ResourceNotFoundException(f"The environment account connection '{connection_id}' was not found")
        if connection.status != CONNECTED:
            raise ValidationException(
                f"The environment account connection '{connection_id}' (environmentAccountConnectionId) "
                f"is {connection.status}, not CONNECTED"
            )
        return connection.environment_account_id

    def _repository_branch(self, branch: dict[str, str]) -> dict[str, str]:
        """A self-managed environment's ``provisioningRepository``: it must be linked (CreateRepository)."""
        repository = self._linked_repository(branch["provider"], branch["name"], "provisioningRepository")
        return {"arn": repository.arn, **branch}

    def create_environment(self, params: dict[str, Any]) -> Environment:
        name = params["name"]
        quota = f"This account already has {self.environment_quota} environments in {self.region_name}"
        existing = retried_create(
            self.environments, self.settle_environment, params, "environment", (self.environment_quota, quota)
        )
        if existing is not None:
            return existing  # type: ignore[no-any-return]
        template = self.get_template(ENVIRONMENT_TEMPLATE, params["templateName"])
        self_managed = template.provisioning == "CUSTOMER_MANAGED"
        self._check_environment_roles(params, self_managed, create=True)
        version = self._published_version(
            template.name, params["templateMajorVersion"], params.get("templateMinorVersion")
        )
        provisioning.validate_spec(self, version, params.get("spec"), name)
        account = None
        if params.get("environmentAccountConnectionId"):
            account = self._connection_account(params["environmentAccountConnectionId"])
        now = self.now()
        environment = Environment(
            name=name,
            arn=self.arn("environment", name),
            created_at=now,
            create_request=canonical_request(params),
            state=EnvironmentState(template.name, version.major, version.minor, params.get("spec")),
            description=params.get("description"),
            proton_service_role_arn=params.get("protonServiceRoleArn"),
            environment_account_connection_id=params.get("environmentAccountConnectionId"),
            environment_account_id=account,
            codebuild_role_arn=params.get("codebuildRoleArn"),
            component_role_arn=params.get("componentRoleArn"),
            provisioning_repository=(
                self._repository_branch(params["provisioningRepository"]) if self_managed else None
            ),
            provisioning="CUSTOMER_MANAGED" if self_managed else None,
            last_deployment_succeeded_at=now,
        )
        self.tags.set(environment.arn, tags_to_dict(params.get("tags")))
        self._start_deployment(environment, None, environment.state)
        self.environments[name] = environment
        return environment

    def _start_deployment(
        self, environment: Environment, initial: EnvironmentState | None, target: EnvironmentState
    ) -> Deployment:
        now = self.now()
        deployment_id = str(uuid.uuid4())
        deployment = Deployment(
            id=deployment_id,
            arn=self.arn("deployment", deployment_id),
            environment_name=environment.name,
            target_arn=environment.arn,
            target_created_at=environment.created_at,
            created_at=now,
            last_modified_at=now,
            target_state=target,
            initial_state=initial,
            last_attempted_id=environment.last_attempted_deployment_id,
            last_succeeded_id=environment.last_succeeded_deployment_id,
        )
        self.deployments[deployment_id] = deployment
        environment.deployment_status = IN_PROGRESS
        environment.deployment_status_message = None
        environment.last_attempted_deployment_id = deployment_id
        environment.last_deployment_attempted_at = now
        return deployment

    def settle_environment(self, environment: Environment) -> Environment | None:
        """Advance an environment's deployment or deletion (see provisioning.py); None once it is deleted."""
        now = self.now()
        if environment.delete_started_at is not None:
            environment.delete_reads += not self.mutating  # only reads settle (see _advance)
            if provisioning.is_due(environment.delete_started_at, environment.delete_reads, now):
                outcome = provisioning.destroy(self, environment)
                if outcome.status != SUCCEEDED:
                    environment.deployment_status = "DELETE_FAILED"
                    environment.deployment_status_message = outcome.message
                    environment.delete_started_at = None
                    return environment
                del self.environments[environment.name]
                self.tags.drop(environment.arn)
                self._drop_deployments(environment.arn)
                return None
            return environment
        self._advance(environment)
        return environment

    def get_environment(self, name: str) -> Environment:
        environment = self.environments.get(name)
        if environment is not None:
            environment = self.settle_environment(environment)
        if environment is None:
            raise ResourceNotFoundException(f"The environment '{name}' was not found")
        return environment

    def list_environments(self, filters: list[dict[str, str]] | None) -> list[Environment]:
        environments = [e for e in list(self.environments.values()) if self.settle_environment(e) is not None]
        if filters:
            wanted = {(f["templateName"], int(f["majorVersion"])) for f in filters}
            environments = [e for e in environments if (e.state.template_name, e.state.major) in wanted]
        return environments

    def update_environment(self, params: dict[str, Any]) -> Environment:
        environment = self.get_environment(params["name"])
        name = environment.name
        if environment.delete_started_at is not None:
            raise ConflictException(f"The environment '{name}' is being deleted")
        if environment.deployment_status in (IN_PROGRESS, CANCELLING):
            raise ConflictException(f"The environment '{name}' has a deployment in progress")
        self_managed = environment.provisioning == "CUSTOMER_MANAGED"
        self._check_environment_roles(params, self_managed, create=False)
        deployment_type = params["deploymentType"]
        major, minor = params.get("templateMajorVersion"), params.get("templateMinorVersion")
        current = environment.state
        target: EnvironmentState | None = None
        if deployment_type == "NONE":
            given = [m for m in ("templateMajorVersion", "templateMinorVersion", "spec") if params.get(m) is not None]
            if given:
                raise ValidationException(
                    f"{', '.join(given)} cannot be given with deploymentType NONE, which deploys nothing"
                )
        else:
            version = self._version_for_update(ENVIRONMENT_TEMPLATE, current, deployment_type, major, minor)
            if deployment_type == "CURRENT_VERSION":
                target = EnvironmentState(current.template_name, current.major, current.minor, params.get("spec"))
        if deployment_type != "NONE":
            spec = params.get("spec", current.spec)
            if target is None:
                target = EnvironmentState(current.template_name, version.major, version.minor, spec)
            target.spec = spec
            provisioning.validate_spec(self, version, spec, name)
        if params.get("environmentAccountConnectionId") is not None:
            environment.environment_account_id = self._connection_account(params["environmentAccountConnectionId"])
        for member, attribute in (
            ("description", "description"),
            ("protonServiceRoleArn", "proton_service_role_arn"),
            ("environmentAccountConnectionId", "environment_account_connection_id"),
            ("codebuildRoleArn", "codebuild_role_arn"),
            ("componentRoleArn", "component_role_arn"),
        ):
            if params.get(member) is not None:
                setattr(environment, attribute, params[member])
        if params.get("protonServiceRoleArn") is not None:
            environment.environment_account_connection_id = environment.environment_account_id = None
        if params.get("environmentAccountConnectionId") is not None:
            environment.proton_service_role_arn = None
        if self_managed and params.get("provisioningRepository") is not None:
            environment.provisioning_repository = self._repository_branch(params["provisioningRepository"])
        environment.modified = True
        if target is not None:
            self._start_deployment(environment, current, target)
        return environment

    def delete_environment(self, name: str) -> Environment | None:
        """Start deleting ``name`` and return it; None once it is gone (or never existed)."""
        environment = self.environments.get(name)
        if environment is None:
            return None
        if environment.delete_started_at is None:
            self.settle_environment(environment)
            if environment.deployment_status in (IN_PROGRESS, CANCELLING):
                raise ConflictException(f"The environment '{name}' has a deployment in progress")
            for service in self.services.values():
                if any(instance.environment_name == name for instance in service.instances.values()):
                    raise ConflictException(
                        f"The environment '{name}' has service instances of service '{service.name}'"
                    )
            components = self.components_of_environment(name)
            if components:
                raise ConflictException(f"The environment '{name}' has the component '{components[0].name}'")
            environment.delete_started_at = self.now()
            environment.deployment_status = DELETE_IN_PROGRESS
            environment.deployment_status_message = None
            return environment
        return self.settle_environment(environment)

    def environment_outputs(self, name: str, deployment_id: str | None) -> list[dict[str, str]]:
        environment = self.get_environment(name)
        if deployment_id is None:
            return environment.outputs
        deployment = self.deployments.get(deployment_id)
        if deployment is None or deployment.target_arn != environment.arn:
            raise ResourceNotFoundException(f"The deployment '{deployment_id}' of environment '{name}' was not found")
        return deployment.outputs
