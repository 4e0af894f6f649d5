"""ProtonBackend: Proton's state for one account and region (moto builds one per pair lazily)."""

from __future__ import annotations

import threading
import uuid
from datetime import datetime
from typing import Any

import yaml
from moto.core.base_backend import BackendDict, BaseBackend

from pytest_proton.emulator import bundles, provisioning
from pytest_proton.emulator.arns import build_arn, parse_arn
from pytest_proton.emulator.backend_components import ComponentsMixin
from pytest_proton.emulator.backend_service_instances import ServiceInstancesMixin
from pytest_proton.emulator.backend_sync import SyncMixin
from pytest_proton.emulator.clock import Clock, get_clock
from pytest_proton.emulator.components import Component, ComponentDeployment
from pytest_proton.emulator.connections import (
    CONNECTED,
    MAX_CONNECTIONS_PER_ENVIRONMENT_ACCOUNT,
    PENDING,
    REJECTED,
    EnvironmentAccountConnection,
)
from pytest_proton.emulator.environments import (
    CANCELLED,
    CANCELLING,
    DELETE_IN_PROGRESS,
    FAILED,
    IN_PROGRESS,
    MAX_ENVIRONMENTS,
    SUCCEEDED,
    Deployment,
    Environment,
    EnvironmentState,
)
from pytest_proton.emulator.exceptions import (
    ConflictException,
    ResourceNotFoundException,
    ServiceQuotaExceededException,
    ValidationException,
)
from pytest_proton.emulator.idempotency import ClientTokens, canonical_request, check_retry
from pytest_proton.emulator.services import (
    ACTIVE,
    CREATE_FAILED,
    CREATE_IN_PROGRESS,
    DELETE_FAILED,
    MAX_INSTANCES_PER_SERVICE,
    MAX_SERVICES,
    UPDATE_FAILED,
    UPDATE_IN_PROGRESS,
    Service,
    ServiceDeployment,
    ServiceInstance,
    ServicePipeline,
    dump,
    parse_service_spec,
)
from pytest_proton.emulator.tags import TagStore, tags_to_dict
from pytest_proton.emulator.templates import ENVIRONMENT_TEMPLATE, SERVICE_TEMPLATE, Template, TemplateKind
from pytest_proton.emulator.versions import (
    DRAFT,
    MAX_VERSIONS_PER_TEMPLATE,
    PUBLISHED,
    REGISTRATION_IN_PROGRESS,
    TemplateVersion,
    version_label,
)


class ProtonBackend(ComponentsMixin, ServiceInstancesMixin, SyncMixin, BaseBackend):
    """Every Proton resource of one account in one region.

    ``lock`` serialises operations: moto's server answers requests on several threads.
    """

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.lock = threading.RLock()
        self.clock: Clock | None = None  # None: the process-wide clock (see clock.py)
        self.templates: dict[TemplateKind, dict[str, Template]] = {ENVIRONMENT_TEMPLATE: {}, SERVICE_TEMPLATE: {}}
        # Metadata of deleted templates, returned by a retried delete (the seed's idempotent deletes).
        self.deleted_templates: dict[TemplateKind, dict[str, Template]] = {
            ENVIRONMENT_TEMPLATE: {},
            SERVICE_TEMPLATE: {},
        }
        # Metadata of deleted versions, keyed by (template name, "major.minor"), for retried deletes.
        self.deleted_versions: dict[TemplateKind, dict[tuple[str, str], TemplateVersion]] = {
            ENVIRONMENT_TEMPLATE: {},
            SERVICE_TEMPLATE: {},
        }
        self.client_tokens = ClientTokens()
        self.tags = TagStore()
        self.environments: dict[str, Environment] = {}
        self.deployments: dict[str, Deployment] = {}
        self.environment_quota = MAX_ENVIRONMENTS
        self.services: dict[str, Service] = {}
        self.service_quota = MAX_SERVICES
        self.instance_quota = MAX_INSTANCES_PER_SERVICE
        # Connections made in this (environment) account, and deleted ones for retried deletes.
        self.connections: dict[str, EnvironmentAccountConnection] = {}
        self.deleted_connections: dict[str, EnvironmentAccountConnection] = {}
        self.connection_quota = MAX_CONNECTIONS_PER_ENVIRONMENT_ACCOUNT
        self.init_components()
        self._init_sync()  # repositories, template/service sync, account settings (backend_sync.py)

    def now(self) -> datetime:
        return (self.clock or get_clock()).now()

    def arn(self, resource_type: str, resource_id: str) -> str:
        return build_arn(self.region_name, self.account_id, resource_type, resource_id)

    # Templates ---------------------------------------------------------------------------------

    def create_template(self, kind: TemplateKind, params: dict[str, Any]) -> Template:
        name = params["name"]
        existing = self.templates[kind].get(name)
        if existing is not None:
            check_retry(existing, params, kind.label, name)
            return existing
        now = self.now()
        template = Template(
            kind=kind,
            name=name,
            arn=self.arn(kind.arn_type, name),
            created_at=now,
            last_modified_at=now,
            create_request=canonical_request(params),
            display_name=params.get("displayName"),
            description=params.get("description"),
            encryption_key=params.get("encryptionKey"),
            provisioning=params.get(kind.provisioning_member),
        )
        self.tags.set(template.arn, tags_to_dict(params.get("tags")))
        self.templates[kind][name] = template
        self.deleted_templates[kind].pop(name, None)
        return template

    def get_template(self, kind: TemplateKind, name: str) -> Template:
        template = self.templates[kind].get(name)
        if template is None:
            raise ResourceNotFoundException(f"The {kind.label} '{name}' was not found")
        return template

    def list_templates(self, kind: TemplateKind) -> list[Template]:
        return list(self.templates[kind].values())

    def update_template(self, kind: TemplateKind, params: dict[str, Any]) -> Template:
        template = self.get_template(kind, params["name"])
        for member, attribute in (("displayName", "display_name"), ("description", "description")):
            if member in params:
                setattr(template, attribute, params[member])
        template.last_modified_at = self.now()
        template.modified = True
        return template

    def delete_template(self, kind: TemplateKind, name: str) -> Template | None:
        """Delete and return the template; a retry returns the deleted one, a never-seen name None."""
        template = self.templates[kind].get(name)
        if template is None:
            return self.deleted_templates[kind].get(name)
        if template.versions:
            raise ConflictException(f"The {kind.label} '{name}' still has versions; delete them first")
        self.check_template_unsynced(kind, name)  # a template sync configuration blocks deletion (backend_sync.py)
        del self.templates[kind][name]
        self.tags.drop(template.arn)
        self.deleted_templates[kind][name] = template
        return template

    # Template versions -------------------------------------------------------------------------

    def create_template_version(self, kind: TemplateKind, params: dict[str, Any]) -> TemplateVersion:
        operation = f"Create{'Environment' if kind is ENVIRONMENT_TEMPLATE else 'Service'}TemplateVersion"
        now = self.now()
        template = self.get_template(kind, params["templateName"])
        original = self.client_tokens.lookup(operation, params, now, self._version_alive)
        if original is not None:
            return original  # type: ignore[no-any-return]
        if len(template.versions) >= MAX_VERSIONS_PER_TEMPLATE:
            raise ServiceQuotaExceededException(
                f"The {kind.label} '{template.name}' already has {MAX_VERSIONS_PER_TEMPLATE} versions"
            )
        compatible = params.get("compatibleEnvironmentTemplates")
        if kind is SERVICE_TEMPLATE:
            self._check_compatible_templates(compatible or [])
        majors = {version.major for version in template.versions.values()}
        if params.get("majorVersion") is None:
            major, minor = max(majors, default=0) + 1, 0
        else:
            major = int(params["majorVersion"])
            if major not in majors:
                raise ResourceNotFoundException(
                    f"The {kind.label} '{template.name}' has no major version {major}; "
                    "omit majorVersion to create a new major version"
                )
            minor = 1 + max(version.minor for version in template.versions.values() if version.major == major)
        label = version_label(major, minor)
        version = TemplateVersion(
            kind=kind,
            template_name=template.name,
            major=major,
            minor=minor,
            arn=self.arn(kind.arn_type, f"{template.name}:{label}"),
            created_at=now,
            last_modified_at=now,
            source=dict(params["source"]),
            status=REGISTRATION_IN_PROGRESS,
            description=params.get("description"),
            compatible_environment_templates=[dict(entry) for entry in compatible or []],
            supported_component_sources=params.get("supportedComponentSources"),
        )
        # Issue 5: read the bundle from moto's S3 now; a missing bucket or object is a ValidationException.
        bundles.check_source(self, version)
        self.tags.set(version.arn, tags_to_dict(params.get("tags")))
        template.versions[label] = version
        self.deleted_versions[kind].pop((template.name, label), None)
        self.client_tokens.remember(operation, params, now, version)
        return version

    def _version_alive(self, version: TemplateVersion) -> bool:
        template = self.templates[version.kind].get(version.template_name)
        return template is not None and template.versions.get(version.label) is version

    def _check_compatible_templates(self, entries: list[dict[str, str]]) -> None:
        """Every compatible environment template + major version must exist."""
        for entry in entries:
            template = self.templates[ENVIRONMENT_TEMPLATE].get(entry["templateName"])
            major = int(entry["majorVersion"])
            if template is None or not any(version.major == major for version in template.versions.values()):
                raise ResourceNotFoundException(
                    f"The compatible environment template '{entry['templateName']}' "
                    f"major version {entry['majorVersion']} was not found"
                )

    def settle_version(self, version: TemplateVersion) -> TemplateVersion:
        """Finish registration of a version still in REGISTRATION_IN_PROGRESS (see bundles.py)."""
        if version.status == REGISTRATION_IN_PROGRESS:
            outcome = bundles.register_bundle(self, version)
            version.status = outcome.status
            version.status_message = outcome.message
            version.schema = outcome.schema
        return version

    def get_template_version(self, kind: TemplateKind, name: str, major: str, minor: str) -> TemplateVersion:
        template = self.get_template(kind, name)
        version = template.versions.get(version_label(int(major), int(minor)))
        if version is None:
            raise ResourceNotFoundException(f"The {kind.label} version '{name}:{major}.{minor}' was not found")
        return self.settle_version(version)

    def list_template_versions(self, kind: TemplateKind, name: str, major: str | None) -> list[TemplateVersion]:
        template = self.get_template(kind, name)
        versions = [v for v in template.versions.values() if major is None or v.major == int(major)]
        return [self.settle_version(version) for version in versions]

    def recommended_minor(self, version: TemplateVersion) -> int | None:
        """The highest published minor of ``version``'s major, if any."""
        template = self.templates[version.kind].get(version.template_name)
        published = [
            v.minor
            for v in (template.versions.values() if template else [])
            if v.major == version.major and v.status == PUBLISHED
        ]
        return max(published, default=None)

    def version_dict(self, version: TemplateVersion) -> dict[str, Any]:
        return version.to_dict(self.recommended_minor(version))

    def update_template_version(self, kind: TemplateKind, params: dict[str, Any]) -> TemplateVersion:
        version = self.get_template_version(
            kind, params["templateName"], params["majorVersion"], params["minorVersion"]
        )
        status = params.get("status")
        if status is not None and status != version.status:
            if status not in (DRAFT, PUBLISHED):
                raise ValidationException(
                    f"Value '{status}' at 'status' failed to satisfy constraint: "
                    "a template version can only be set to DRAFT or PUBLISHED"
                )
            if not (version.status == DRAFT and status == PUBLISHED):
                raise ConflictException(
                    f"The {kind.label} version '{version.template_name}:{version.label}' is {version.status} "
                    f"and cannot become {status}; only DRAFT -> PUBLISHED is allowed"
                )
        if kind is SERVICE_TEMPLATE and params.get("compatibleEnvironmentTemplates") is not None:
            self._check_compatible_templates(params["compatibleEnvironmentTemplates"])
            version.compatible_environment_templates = [dict(e) for e in params["compatibleEnvironmentTemplates"]]
        if kind is SERVICE_TEMPLATE and "supportedComponentSources" in params:
            version.supported_component_sources = params["supportedComponentSources"]
        if "description" in params:
            version.description = params["description"]
        if status is not None:
            version.status = status
        version.last_modified_at = self.now()
        self._update_recommended(kind, version.template_name)
        return version

    def _update_recommended(self, kind: TemplateKind, name: str) -> None:
        """The template's recommendedVersion: its highest published major.minor (LC-04)."""
        template = self.templates[kind][name]
        published = [(v.major, v.minor) for v in template.versions.values() if v.status == PUBLISHED]
        template.recommended_version = version_label(*max(published)) if published else None

    def delete_template_version(self, kind: TemplateKind, name: str, major: str, minor: str) -> TemplateVersion | None:
        """Delete and return the version (§9.3); a retry returns the deleted one, a never-seen one None."""
        label = version_label(int(major), int(minor))
        template = self.templates[kind].get(name)
        version = template.versions.get(label) if template else None
        if template is None or version is None:
            return self.deleted_versions[kind].get((name, label))
        self.settle_version(version)
        others = [v for v in template.versions.values() if v is not version]
        where = f"The {kind.label} version '{name}:{label}'"
        if template.recommended_version == label and others:
            raise ConflictException(
                f"{where} is the Recommended version; it can only be deleted when no other version exists"
            )
        if self.recommended_minor(version) == version.minor and any(v.major == version.major for v in others):
            raise ConflictException(
                f"{where} is the Recommended minor version of major {major}; it can only be deleted "
                "when no other minor version of that major exists"
            )
        if kind is ENVIRONMENT_TEMPLATE:
            self._check_version_unused(version)
        # LC-10 for service templates (no instances or pipelines on the version) applies once those exist.
        del template.versions[label]
        self.tags.drop(version.arn)
        self.deleted_versions[kind][(name, label)] = version
        self._update_recommended(kind, name)
        return version

    # Environments ------------------------------------------------------------------------------

    def _check_version_unused(self, version: TemplateVersion) -> None:
        """LC-10: no environment is deployed on, or deploying to, an environment template version."""
        for environment in self.environments.values():
            states = [environment.state]
            deployment = self.deployments.get(environment.last_attempted_deployment_id or "")
            if deployment is not None and deployment.status == IN_PROGRESS:
                states.append(deployment.target_state)
            for state in states:
                if (state.template_name, state.major, state.minor) == (
                    version.template_name,
                    version.major,
                    version.minor,
                ):
                    raise ConflictException(
                        f"The environment template version '{version.template_name}:{version.label}' "
                        f"is in use by the environment '{environment.name}'"
                    )

    def _published_version(
        self,
        template_name: str,
        major: str | int,
        minor: str | int | None,
        kind: TemplateKind = ENVIRONMENT_TEMPLATE,
    ) -> TemplateVersion:
        """The PUBLISHED template version of ``kind``; without ``minor``, the recommended minor of ``major``."""
        template = self.get_template(kind, template_name)
        for version in template.versions.values():
            self.settle_version(version)
        major = int(major)
        if minor is None:
            published = [v.minor for v in template.versions.values() if v.major == major and v.status == PUBLISHED]
            if not published:
                if not any(v.major == major for v in template.versions.values()):
                    raise ResourceNotFoundException(f"The {kind.label} version '{template_name}:{major}' was not found")
                raise ValidationException(
                    f"Value '{major}' at 'templateMajorVersion' failed to satisfy constraint: "
                    f"the {kind.label} '{template_name}' has no PUBLISHED minor version of major {major}"
                )
            minor = max(published)
        version = self.get_template_version(kind, template_name, str(major), str(minor))
        if version.status != PUBLISHED:
            raise ValidationException(
                f"Value '{version.label}' at 'templateMinorVersion' failed to satisfy constraint: the "
                f"{kind.label} version '{template_name}:{version.label}' is {version.status}, not PUBLISHED"
            )
        return version

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

    # Environment account connections -------------------------------------------------------------

    def _peer_backends(self) -> list[ProtonBackend]:
        """This Region's backends of every account moto has built so far (this one first)."""
        peers: list[ProtonBackend] = [self]
        for account_id in list(proton_backends.keys()):
            if account_id == self.account_id:
                continue
            regions = proton_backends[account_id]
            if self.region_name in regions:
                peers.append(regions[self.region_name])
        return peers

    def _find_connection(self, connection_id: str) -> EnvironmentAccountConnection | None:
        """A connection this account can see: made here, or naming this account as management account."""
        if connection_id in self.connections:
            return self.connections[connection_id]
        for peer in self._peer_backends()[1:]:
            connection = peer.connections.get(connection_id)
            if connection is not None and connection.management_account_id == self.account_id:
                return connection
        return None

    def _owner_of(self, connection: EnvironmentAccountConnection) -> ProtonBackend:
        for peer in self._peer_backends():
            if peer.connections.get(connection.id) is connection:
                return peer
        return self

    def _connection_alive(self, connection: EnvironmentAccountConnection) -> bool:
        return self.connections.get(connection.id) is connection

    def create_connection(self, params: dict[str, Any]) -> EnvironmentAccountConnection:
        operation = "CreateEnvironmentAccountConnection"
        now = self.now()
        original = self.client_tokens.lookup(operation, params, now, self._connection_alive)
        if original is not None:
            return original  # type: ignore[no-any-return]
        if len(self.connections) >= self.connection_quota:
            raise ServiceQuotaExceededException(
                f"This environment account already has {self.connection_quota} environment account connections "
                f"in {self.region_name}"
            )
        connection_id = str(uuid.uuid4())
        connection = EnvironmentAccountConnection(
            id=connection_id,
            arn=self.arn("environment-account-connection", connection_id),
            environment_account_id=self.account_id,
            environment_name=params["environmentName"],
            management_account_id=params["managementAccountId"],
            requested_at=now,
            last_modified_at=now,
            role_arn=params.get("roleArn"),
            codebuild_role_arn=params.get("codebuildRoleArn"),
            component_role_arn=params.get("componentRoleArn"),
        )
        self.tags.set(connection.arn, tags_to_dict(params.get("tags")))
        self.connections[connection_id] = connection
        self.client_tokens.remember(operation, params, now, connection)
        return connection

    def get_connection(self, connection_id: str) -> EnvironmentAccountConnection:
        connection = self._find_connection(connection_id)
        if connection is None:
            raise ResourceNotFoundException(f"The environment account connection '{connection_id}' was not found")
        return connection

    def list_connections(self, params: dict[str, Any]) -> list[EnvironmentAccountConnection]:
        if params["requestedBy"] == "ENVIRONMENT_ACCOUNT":
            candidates = list(self.connections.values())
        else:
            candidates = [
                connection
                for peer in self._peer_backends()
                for connection in peer.connections.values()
                if connection.management_account_id == self.account_id
            ]
        statuses = params.get("statuses")
        environment_name = params.get("environmentName")
        return [
            connection
            for connection in candidates
            if (not statuses or connection.status in statuses)
            and (environment_name is None or connection.environment_name == environment_name)
        ]

    def update_connection(self, params: dict[str, Any]) -> EnvironmentAccountConnection:
        connection = self.connections.get(params["id"])
        if connection is None:
            # Updates are made in the environment account.
            raise ResourceNotFoundException(f"The environment account connection '{params['id']}' was not found")
        for member, attribute in (
            ("roleArn", "role_arn"),
            ("codebuildRoleArn", "codebuild_role_arn"),
            ("componentRoleArn", "component_role_arn"),
        ):
            if member in params:
                setattr(connection, attribute, params[member])
        connection.last_modified_at = self.now()
        return connection

    def delete_connection(self, connection_id: str) -> EnvironmentAccountConnection | None:
        connection = self.connections.get(connection_id)
        if connection is None:
            return self.deleted_connections.get(connection_id)
        in_use = self._environments_using(connection)
        if in_use:
            raise ConflictException(
                f"The environment account connection '{connection_id}' is used by the environment '{in_use[0]}'"
            )
        del self.connections[connection_id]
        self.deleted_connections[connection_id] = connection
        self.tags.drop(connection.arn)
        return connection

    def _environments_using(self, connection: EnvironmentAccountConnection) -> list[str]:
        for peer in self._peer_backends():
            if peer.account_id == connection.management_account_id:
                return [
                    environment.name
                    for environment in peer.environments.values()
                    if environment.environment_account_connection_id == connection.id
                ]
        return []

    def _managed_connection(self, connection_id: str) -> EnvironmentAccountConnection:
        """A connection whose management account is this one (Accept and Reject are made there)."""
        connection = self._find_connection(connection_id)
        if connection is None or connection.management_account_id != self.account_id:
            raise ResourceNotFoundException(f"The environment account connection '{connection_id}' was not found")
        return connection

    def accept_connection(self, connection_id: str) -> EnvironmentAccountConnection:
        connection = self._managed_connection(connection_id)
        if connection.status == REJECTED:
            raise ConflictException(
                f"The environment account connection '{connection_id}' was rejected and cannot be accepted"
            )
        if connection.status == PENDING:
            connection.status = CONNECTED
            connection.last_modified_at = self.now()
        return connection

    def reject_connection(self, connection_id: str) -> EnvironmentAccountConnection:
        connection = self._managed_connection(connection_id)
        in_use = self._environments_using(connection)
        if in_use:
            raise ConflictException(
                f"The environment account connection '{connection_id}' is connected to the environment "
                f"'{in_use[0]}' and cannot be rejected"
            )
        if connection.status != REJECTED:
            connection.status = REJECTED
            connection.last_modified_at = self.now()
        return connection

    def _repository_branch(self, branch: dict[str, str]) -> dict[str, str]:
        """A self-managed environment's ``provisioningRepository``: it must be linked (CreateRepository)."""
        repository = self._linked_repository(branch["provider"], branch["name"], "provisioningRepository")
        return {"arn": repository.arn, **branch}

    def create_environment(self, params: dict[str, Any]) -> Environment:
        name = params["name"]
        existing = self.environments.get(name)
        if existing is not None:
            self.settle_environment(existing)
        existing = self.environments.get(name)
        if existing is not None:
            check_retry(existing, params, "environment", name)
            if existing.delete_started_at is not None:
                raise ConflictException(f"The environment '{name}' is being deleted")
            return existing
        if len(self.environments) >= self.environment_quota:
            raise ServiceQuotaExceededException(
                f"This account already has {self.environment_quota} environments in {self.region_name}"
            )
        template = self.get_template(ENVIRONMENT_TEMPLATE, params["templateName"])
        self_managed = template.provisioning == "CUSTOMER_MANAGED"
        self._check_environment_roles(params, self_managed, create=True)
        version = self._published_version(
            template.name, params["templateMajorVersion"], params.get("templateMinorVersion")
        )
        provisioning.validate_spec(self, version, params.get("spec"))
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
            environment.delete_reads += 1
            if provisioning.is_due(environment.delete_started_at, environment.delete_reads, now):
                outcome = provisioning.destroy(self, environment)
                if outcome.status != SUCCEEDED:
                    environment.deployment_status = "DELETE_FAILED"
                    environment.deployment_status_message = outcome.message
                    environment.delete_started_at = None
                    return environment
                del self.environments[environment.name]
                self.tags.drop(environment.arn)
                for deployment_id in [d.id for d in self.deployments.values() if d.target_arn == environment.arn]:
                    del self.deployments[deployment_id]
                return None
            return environment
        deployment = self.deployments.get(environment.last_attempted_deployment_id or "")
        if deployment is not None and deployment.status == CANCELLING:
            self._finish_cancel(deployment, environment)
            return environment
        if deployment is None or deployment.status != IN_PROGRESS:
            return environment
        if self._awaits_notification(environment):
            return environment
        deployment.reads += 1
        if not provisioning.is_due(deployment.created_at, deployment.reads, now):
            return environment
        outcome = provisioning.deploy(self, deployment)
        deployment.status = outcome.status
        deployment.status_message = outcome.message
        deployment.completed_at = deployment.last_modified_at = now
        environment.deployment_status = outcome.status
        environment.deployment_status_message = outcome.message
        if outcome.status == SUCCEEDED:
            deployment.outputs = list(outcome.outputs)
            environment.state = deployment.target_state
            environment.outputs = list(outcome.outputs)
            environment.provisioned_resources = list(outcome.provisioned_resources)
            environment.last_succeeded_deployment_id = deployment.id
            environment.last_deployment_succeeded_at = now
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
            provisioning.validate_spec(self, version, spec)
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

    # Services ----------------------------------------------------------------------------------

    def _version_for_update(
        self,
        kind: TemplateKind,
        current: EnvironmentState,
        deployment_type: str,
        major: str | None,
        minor: str | None,
    ) -> TemplateVersion:
        """proton-rules §8 API-42: the version a CURRENT_VERSION, MINOR_VERSION or MAJOR_VERSION update deploys."""
        if deployment_type == "CURRENT_VERSION":
            if major is not None or minor is not None:
                raise ValidationException(
                    "templateMajorVersion and templateMinorVersion must be omitted with deploymentType CURRENT_VERSION"
                )
            return self.get_template_version(kind, current.template_name, str(current.major), str(current.minor))
        if deployment_type == "MINOR_VERSION":
            if major is not None and int(major) != current.major:
                raise ValidationException(
                    f"Value '{major}' at 'templateMajorVersion' failed to satisfy constraint: deploymentType "
                    f"MINOR_VERSION stays on the current major version {current.major}"
                )
            return self._published_version(current.template_name, current.major, minor, kind)
        if major is None:  # MAJOR_VERSION
            template = self.get_template(kind, current.template_name)
            if template.recommended_version is None:
                what = "environment" if kind == ENVIRONMENT_TEMPLATE else "service"
                raise ValidationException(f"The {what} template '{current.template_name}' has no recommended version")
            major, minor = template.recommended_version.split(".")
        if int(major) <= current.major:
            raise ValidationException(
                f"Value '{major}' at 'templateMajorVersion' failed to satisfy constraint: deploymentType "
                f"MAJOR_VERSION needs a major version higher than the current {current.major}"
            )
        return self._published_version(current.template_name, major, minor, kind)

    def _service_version(self, template_name: str, major: str | int, minor: str | int | None) -> TemplateVersion:
        return self._published_version(template_name, major, minor, SERVICE_TEMPLATE)

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

    def _new_instance(self, service: Service, version: TemplateVersion, entry: dict[str, Any]) -> ServiceInstance:
        instance = ServiceInstance(
            arn=self.arn("service", f"{service.name}/service-instance/{entry['name']}"),
            created_at=self.now(),
            state=EnvironmentState(version.template_name, version.major, version.minor, dump(entry)),
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

    def _advance(self, resource: ServiceInstance | ServicePipeline) -> None:
        """Settle the resource's IN_PROGRESS deployment if it is due (see provisioning.py)."""
        deployment = self.deployments.get(resource.last_attempted_deployment_id or "")
        if deployment is not None and deployment.status == CANCELLING:
            self._finish_cancel(deployment, resource)
            return
        if deployment is None or deployment.status != IN_PROGRESS:
            return
        if self._awaits_notification(resource):
            return
        deployment.reads += 1
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

    def settle_service(self, service: Service) -> Service | None:
        """Advance a service's deployments or deletion; None once it is deleted."""
        if service.delete_started_at is not None:
            service.delete_reads += 1
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
        existing = self.services.get(name)
        if existing is not None:
            self.settle_service(existing)
        existing = self.services.get(name)
        if existing is not None:
            check_retry(existing, params, "service", name)
            if existing.delete_started_at is not None:
                raise ConflictException(f"The service '{name}' is being deleted")
            return existing
        if len(self.services) >= self.service_quota:
            raise ServiceQuotaExceededException(
                f"This account already has {self.service_quota} services in {self.region_name}"
            )
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
        provisioning.validate_spec(self, version, spec)
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
        for entry in added:
            self._new_instance(service, version, entry)
        service.spec = spec
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

    # Service instances and pipelines -----------------------------------------------------------

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
        provisioning.validate_spec(self, version, spec)
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
            self.client_tokens.remember("UpdateServiceInstance", params, now, instance)
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

    # Deployments -------------------------------------------------------------------------------

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

    # Cancelling and notified deployments -------------------------------------------------------

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
        outputs = [{"key": o["key"], "valueString": o["valueString"]} for o in params.get("outputs") or []]
        for index, output in enumerate(outputs):
            for member in ("key", "valueString"):
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

    # Tags --------------------------------------------------------------------------------------

    def taggable_arn(self, arn: str) -> str:
        """``arn`` if it names an existing taggable resource here, else ResourceNotFoundException."""
        parsed = parse_arn(arn)
        if parsed and parsed.region == self.region_name and parsed.account == self.account_id:
            if parsed.resource_type == "environment" and parsed.resource_id in self.environments:
                return arn
            if parsed.resource_type == "environment-account-connection" and parsed.resource_id in self.connections:
                return arn
            # Linked repositories (backend_sync.py): repository/<provider>:<owner/repo>
            if parsed.resource_type == "repository" and self.repository_by_resource_id(parsed.resource_id):
                return arn
            if parsed.resource_type == "component" and parsed.resource_id in self.components:
                return arn
            if parsed.resource_type == "service":
                service_name, _, rest = parsed.resource_id.partition("/service-instance/")
                service = self.services.get(service_name)
                if service is not None and (not rest or rest in service.instances):
                    return arn
            for kind, store in self.templates.items():
                if parsed.resource_type != kind.arn_type:
                    continue
                name, _, label = parsed.resource_id.partition(":")
                if name in store and (not label or label in store[name].versions):
                    return arn
        raise ResourceNotFoundException(f"The resource '{arn}' was not found")

    def tag_resource(self, arn: str, tags: list[dict[str, Any]]) -> None:
        self.tags.add(self.taggable_arn(arn), tags_to_dict(tags))

    def untag_resource(self, arn: str, keys: list[str]) -> None:
        self.tags.remove(self.taggable_arn(arn), keys)

    def list_tags(self, arn: str) -> dict[str, str]:
        return self.tags.get(self.taggable_arn(arn))


proton_backends = BackendDict(ProtonBackend, "proton")
