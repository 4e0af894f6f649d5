"""SyncMixin: repositories, template sync, service sync, sync blockers, account settings, resources summary.

Mixed into ``ProtonBackend``; ``_init_sync()`` creates its state. Besides the API operations it offers
emulator controls that stand in for git (there is no repository behind the emulator):

* ``record_template_sync(template_name, template_type, template_version, sha, status="SUCCEEDED",
  events=None, directory=None)`` -- a sync attempt of one template major version;
* ``record_service_instance_sync(service_name, instance_name, sha, status="SUCCEEDED", events=None,
  directory=None)`` -- a Proton Ops sync attempt of one service instance;
* ``record_repository_sync(provider, name, branch, sync_type, status="SUCCEEDED", events=None)`` --
  the repository-level attempt GetRepositorySyncStatus reports (the two above record one too);
* ``add_service_sync_blocker(service_name, instance_name=None, created_reason=..., contexts=None,
  blocker_type="AUTOMATED")`` -- a blocker as a failed or manually overridden sync would create.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pytest_proton.emulator.exceptions import ConflictException, ResourceNotFoundException, ValidationException
from pytest_proton.emulator.repositories import CONNECTION_SERVICES, Repository, repository_id
from pytest_proton.emulator.sync import (
    BLOCKER_ACTIVE,
    BLOCKER_RESOLVED,
    BLOCKER_TYPES,
    REPOSITORY_SYNC_STATUSES,
    RESOURCE_SYNC_STATUSES,
    SERVICE_SYNC,
    SYNC_SUCCEEDED,
    TEMPLATE_SYNC,
    AccountSettings,
    RepositorySyncAttempt,
    ResourceSyncAttempt,
    ResourceSyncState,
    Revision,
    ServiceSyncConfig,
    SyncBlocker,
    TemplateSyncConfig,
    event_dicts,
)
from pytest_proton.emulator.tags import tags_to_dict
from pytest_proton.emulator.templates import ENVIRONMENT_TEMPLATE, SERVICE_TEMPLATE, TemplateKind
from pytest_proton.emulator.validation import validation_error

if TYPE_CHECKING:
    from pytest_proton.emulator.environments import Environment
    from pytest_proton.emulator.services import Service, ServiceInstance
    from pytest_proton.emulator.tags import TagStore
    from pytest_proton.emulator.templates import Template

_MAJOR = re.compile(r"^(0|[1-9]\d*)$")
_FAILED_DEPLOYMENTS = ("FAILED", "DELETE_FAILED")


def _repository_events(sha: str, events: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """The repository attempt's events: ``events`` if given, else those of the user guide's example sync."""
    if events is not None:
        return events
    return [
        {"type": "CLONE_STARTED", "event": "Clone started"},
        {"type": "CONFIG_UPDATED", "event": "Updated configuration"},
        {"type": "STARTING_SYNC", "event": f"Starting syncs for commit {sha}", "externalId": sha},
    ]


def _kind(template_type: str) -> TemplateKind:
    return ENVIRONMENT_TEMPLATE if template_type == "ENVIRONMENT" else SERVICE_TEMPLATE


class SyncMixin:
    """The sync-related part of ProtonBackend (see the module docstring for the emulator controls)."""

    if TYPE_CHECKING:  # provided by ProtonBackend
        region_name: str
        account_id: str
        tags: TagStore
        templates: dict[TemplateKind, dict[str, Template]]
        environments: dict[str, Environment]
        services: dict[str, Service]

        def now(self) -> datetime: ...
        def arn(self, resource_type: str, resource_id: str) -> str: ...
        def get_template(self, kind: TemplateKind, name: str) -> Template: ...
        def get_service(self, name: str) -> Service: ...
        def get_service_instance(self, service_name: str, name: str) -> ServiceInstance: ...
        def list_environments(self, filters: list[dict[str, str]] | None) -> list[Environment]: ...
        def list_services(self) -> list[Service]: ...

    def _init_sync(self) -> None:
        self.repositories: dict[tuple[str, str], Repository] = {}
        # (templateType, templateName) -> config
        self.template_sync_configs: dict[tuple[str, str], TemplateSyncConfig] = {}
        # (templateType, templateName, major) -> sync state
        self.template_sync_states: dict[tuple[str, str, str], ResourceSyncState] = {}
        self.service_sync_configs: dict[str, ServiceSyncConfig] = {}
        # (serviceName, serviceInstanceName) -> sync state
        self.instance_sync_states: dict[tuple[str, str], ResourceSyncState] = {}
        # (provider, name, branch, syncType) -> latest repository sync attempt
        self.repository_syncs: dict[tuple[str, str, str, str], RepositorySyncAttempt] = {}
        self.sync_blockers: dict[str, SyncBlocker] = {}
        self.account_settings = AccountSettings()

    # Repositories ------------------------------------------------------------------------------

    def _check_connection_arn(self, arn: str) -> None:
        """A CodeStar (CodeConnections) connection of this account and Region."""
        parts = arn.split(":", 5)
        problem = None
        if len(parts) != 6 or parts[2] not in CONNECTION_SERVICES or not parts[5].startswith("connection/"):
            problem = "Member must be the ARN of an AWS CodeStar connection (codestar-connections or codeconnections)"
        elif parts[3] != self.region_name or parts[4] != self.account_id:
            problem = f"The connection must be in account {self.account_id} and Region {self.region_name}"
        if problem:
            raise validation_error("connectionArn", problem, arn)

    @staticmethod
    def _check_kms_key(arn: str) -> None:
        parts = arn.split(":", 5)
        if len(parts) != 6 or parts[2] != "kms" or not parts[5].startswith(("key/", "alias/")):
            raise validation_error("encryptionKey", "Member must be the ARN of an AWS KMS key", arn)

    def create_repository(self, params: dict[str, Any]) -> Repository:
        provider, name = params["provider"], params["name"]
        self._check_connection_arn(params["connectionArn"])
        if params.get("encryptionKey") is not None:
            self._check_kms_key(params["encryptionKey"])
        existing = self.repositories.get((provider, name))
        if existing is not None:
            # CreateRepository is idempotent: the same link again is the existing one.
            if existing.connection_arn == params["connectionArn"] and existing.encryption_key == params.get(
                "encryptionKey"
            ):
                return existing
            raise ConflictException(f"The repository '{name}' of provider {provider} is already linked")
        repository = Repository(
            provider=provider,
            name=name,
            arn=self.arn("repository", repository_id(provider, name)),
            connection_arn=params["connectionArn"],
            encryption_key=params.get("encryptionKey"),
        )
        self.tags.set(repository.arn, tags_to_dict(params.get("tags")))
        self.repositories[repository.key] = repository
        return repository

    def get_repository(self, provider: str, name: str) -> Repository:
        repository = self.repositories.get((provider, name))
        if repository is None:
            raise ResourceNotFoundException(f"The repository '{name}' of provider {provider} was not found")
        return repository

    def list_repositories(self) -> list[Repository]:
        return list(self.repositories.values())

    def repository_by_resource_id(self, resource_id: str) -> Repository | None:
        """The repository whose ARN ends in ``repository/<resource_id>`` (used by ``taggable_arn``)."""
        for repository in self.repositories.values():
            if repository_id(repository.provider, repository.name) == resource_id:
                return repository
        return None

    def _linked_repository(self, provider: str, name: str, field: str) -> Repository:
        """A linked repository named in a request; ValidationException naming ``field`` otherwise."""
        repository = self.repositories.get((provider, name))
        if repository is None:
            problem = f"The repository '{name}' of provider {provider} is not linked; link it with CreateRepository"
            raise validation_error(field, problem, name)
        return repository

    def _repository_users(self, repository: Repository) -> list[str]:
        """What uses the repository: sync configs, account settings, self-managed environments."""
        users = [
            f"the template sync configuration of the {_kind(c.template_type).label} '{c.template_name}'"
            for c in self.template_sync_configs.values()
            if (c.repository_provider, c.repository_name) == repository.key
        ]
        users += [
            f"the service sync configuration of the service '{c.service_name}'"
            for c in self._live_service_sync_configs().values()
            if (c.repository_provider, c.repository_name) == repository.key
        ]
        pipeline_repository = self.account_settings.pipeline_provisioning_repository
        if pipeline_repository and (pipeline_repository["provider"], pipeline_repository["name"]) == repository.key:
            users.append("the account settings (pipelineProvisioningRepository)")
        for environment in self.environments.values():
            branch = getattr(environment, "provisioning_repository", None)
            if branch and (branch.get("provider"), branch.get("name")) == repository.key:
                users.append(f"the environment '{environment.name}' (provisioningRepository)")
        return users

    def delete_repository(self, provider: str, name: str) -> Repository:
        repository = self.get_repository(provider, name)
        users = self._repository_users(repository)
        if users:
            raise ConflictException(f"The repository '{name}' of provider {provider} is used by {users[0]}")
        del self.repositories[repository.key]
        self.tags.drop(repository.arn)
        for key in [key for key in self.repository_syncs if key[:2] == repository.key]:
            del self.repository_syncs[key]
        return repository

    # Repository sync status and definitions ------------------------------------------------------

    def get_repository_sync_status(self, params: dict[str, Any]) -> RepositorySyncAttempt | None:
        repository = self.get_repository(params["repositoryProvider"], params["repositoryName"])
        return self.repository_syncs.get((*repository.key, params["branch"], params["syncType"]))

    def record_repository_sync(
        self,
        provider: str,
        name: str,
        branch: str,
        sync_type: str,
        *,
        status: str = SYNC_SUCCEEDED,
        events: list[dict[str, Any]] | None = None,
    ) -> RepositorySyncAttempt:
        """Emulator control: record the latest sync attempt of a linked repository's branch."""
        if status not in REPOSITORY_SYNC_STATUSES:
            raise ValueError(f"status must be one of {', '.join(REPOSITORY_SYNC_STATUSES)}")
        if sync_type not in (TEMPLATE_SYNC, SERVICE_SYNC):
            raise ValueError("sync_type must be TEMPLATE_SYNC or SERVICE_SYNC")
        repository = self.get_repository(provider, name)
        now = self.now()
        attempt = RepositorySyncAttempt(status=status, started_at=now, events=event_dicts(events, now))
        self.repository_syncs[(*repository.key, branch, sync_type)] = attempt
        return attempt

    def list_repository_sync_definitions(self, provider: str, name: str, sync_type: str) -> list[dict[str, str]]:
        """Derived from the sync configurations on the repository (an unknown repository has none).

        ``parent`` is the repository synced from, ``target`` the template or service synced to,
        ``directory`` the template sync subdirectory ("/" for the whole repository) or the Proton Ops file.
        """
        if sync_type == TEMPLATE_SYNC:
            return [
                {"parent": name, "target": c.template_name, "branch": c.branch, "directory": c.subdirectory or "/"}
                for c in self.template_sync_configs.values()
                if (c.repository_provider, c.repository_name) == (provider, name)
            ]
        return [
            {"parent": name, "target": c.service_name, "branch": c.branch, "directory": c.file_path}
            for c in self._live_service_sync_configs().values()
            if (c.repository_provider, c.repository_name) == (provider, name)
        ]

    # Template sync -------------------------------------------------------------------------------

    def create_template_sync_config(self, params: dict[str, Any]) -> TemplateSyncConfig:
        template_type, template_name = params["templateType"], params["templateName"]
        kind = _kind(template_type)
        if template_name not in self.templates[kind]:
            raise validation_error(
                "templateName",
                f"The {kind.label} '{template_name}' does not exist; template sync only creates versions "
                "of a registered template",
                template_name,
            )
        self._linked_repository(params["repositoryProvider"], params["repositoryName"], "repositoryName")
        config = TemplateSyncConfig(
            template_name=template_name,
            template_type=template_type,
            repository_provider=params["repositoryProvider"],
            repository_name=params["repositoryName"],
            branch=params["branch"],
            subdirectory=params.get("subdirectory"),
        )
        existing = self.template_sync_configs.get((template_type, template_name))
        if existing is not None:
            if existing == config:  # idempotent retry
                return existing
            raise ConflictException(
                f"The {kind.label} '{template_name}' already has a template sync configuration; "
                "a template syncs from exactly one repository (use UpdateTemplateSyncConfig)"
            )
        self.template_sync_configs[(template_type, template_name)] = config
        return config

    def get_template_sync_config(self, template_type: str, template_name: str) -> TemplateSyncConfig:
        kind = _kind(template_type)
        self.get_template(kind, template_name)
        config = self.template_sync_configs.get((template_type, template_name))
        if config is None:
            raise ResourceNotFoundException(f"The {kind.label} '{template_name}' has no template sync configuration")
        return config

    def update_template_sync_config(self, params: dict[str, Any]) -> TemplateSyncConfig:
        config = self.get_template_sync_config(params["templateType"], params["templateName"])
        self._linked_repository(params["repositoryProvider"], params["repositoryName"], "repositoryName")
        config.repository_provider = params["repositoryProvider"]
        config.repository_name = params["repositoryName"]
        config.branch = params["branch"]
        config.subdirectory = params.get("subdirectory")
        return config

    def delete_template_sync_config(self, template_type: str, template_name: str) -> TemplateSyncConfig:
        config = self.get_template_sync_config(template_type, template_name)
        del self.template_sync_configs[(template_type, template_name)]
        for key in [key for key in self.template_sync_states if key[:2] == (template_type, template_name)]:
            del self.template_sync_states[key]
        return config

    def check_template_unsynced(self, kind: TemplateKind, name: str) -> None:
        """Hook of DeleteEnvironmentTemplate/DeleteServiceTemplate: a synced template cannot be deleted."""
        template_type = "ENVIRONMENT" if kind is ENVIRONMENT_TEMPLATE else "SERVICE"
        if (template_type, name) in self.template_sync_configs:
            raise ConflictException(
                f"The {kind.label} '{name}' has a template sync configuration; delete it first "
                "(DeleteTemplateSyncConfig)"
            )

    def get_template_sync_status(self, template_type: str, template_name: str, major: str) -> dict[str, Any]:
        self.get_template_sync_config(template_type, template_name)
        state = self.template_sync_states.get((template_type, template_name, major))
        return state.to_dict() if state else {}

    @staticmethod
    def _attempt(
        state: ResourceSyncState,
        *,
        target: str,
        revision: Revision,
        status: str,
        events: list[dict[str, Any]],
        now: datetime,
    ) -> ResourceSyncAttempt:
        if status not in RESOURCE_SYNC_STATUSES:
            raise ValueError(f"status must be one of {', '.join(RESOURCE_SYNC_STATUSES)}")
        initial = state.latest_successful.target_revision if state.latest_successful else revision
        attempt = ResourceSyncAttempt(
            target=target,
            status=status,
            started_at=now,
            initial_revision=initial,
            target_revision=revision,
            events=event_dicts(events, now),
        )
        state.latest = attempt
        if status == SYNC_SUCCEEDED:
            state.latest_successful = attempt
        return attempt

    def record_template_sync(
        self,
        template_name: str,
        template_type: str,
        template_version: str,
        sha: str,
        *,
        status: str = SYNC_SUCCEEDED,
        events: list[dict[str, Any]] | None = None,
        directory: str | None = None,
    ) -> ResourceSyncAttempt:
        """Emulator control: a sync attempt of major version ``template_version`` at commit ``sha``.

        The directory defaults to ``[<subdirectory>/]<template-name>/v<major>`` (proton-rules SYNC-01).
        The repository branch's TEMPLATE_SYNC attempt is recorded with the same status and the same
        events (without ``events``: CLONE_STARTED, CONFIG_UPDATED, STARTING_SYNC for ``sha``).
        """
        if not _MAJOR.match(str(template_version)):
            raise ValueError("template_version must be a major version such as '1'")
        if not sha:
            raise ValueError("sha must not be empty")
        config = self.get_template_sync_config(template_type, template_name)
        major = str(template_version)
        if directory is None:
            directory = f"{config.subdirectory.rstrip('/')}/" if config.subdirectory else ""
            directory += f"{template_name}/v{major}"
        revision = Revision(config.repository_provider, config.repository_name, config.branch, directory, sha)
        state = self.template_sync_states.setdefault((template_type, template_name, major), ResourceSyncState())
        now = self.now()
        attempt = self._attempt(
            state, target=template_name, revision=revision, status=status, events=events or [], now=now
        )
        self.record_repository_sync(
            config.repository_provider,
            config.repository_name,
            config.branch,
            TEMPLATE_SYNC,
            status=status,
            events=_repository_events(sha, events),
        )
        return attempt

    # Service sync --------------------------------------------------------------------------------

    def _live_service_sync_configs(self) -> dict[str, ServiceSyncConfig]:
        """Service sync configurations, dropping those (and their sync state) of deleted services."""
        for name in [name for name in self.service_sync_configs if name not in self.services]:
            del self.service_sync_configs[name]
        for key in [key for key in self.instance_sync_states if key[0] not in self.services]:
            del self.instance_sync_states[key]
        for blocker_id in [i for i, b in self.sync_blockers.items() if b.service_name not in self.services]:
            del self.sync_blockers[blocker_id]
        return self.service_sync_configs

    def create_service_sync_config(self, params: dict[str, Any]) -> ServiceSyncConfig:
        name = params["serviceName"]
        try:
            self.get_service(name)
        except ResourceNotFoundException:
            raise validation_error("serviceName", f"The service '{name}' does not exist", name) from None
        self._linked_repository(params["repositoryProvider"], params["repositoryName"], "repositoryName")
        config = ServiceSyncConfig(
            service_name=name,
            repository_provider=params["repositoryProvider"],
            repository_name=params["repositoryName"],
            branch=params["branch"],
            file_path=params["filePath"],
        )
        existing = self._live_service_sync_configs().get(name)
        if existing is not None:
            if existing == config:  # idempotent retry
                return existing
            raise ConflictException(
                f"The service '{name}' already has a service sync configuration (use UpdateServiceSyncConfig)"
            )
        self.service_sync_configs[name] = config
        return config

    def get_service_sync_config(self, name: str) -> ServiceSyncConfig:
        self.get_service(name)
        config = self._live_service_sync_configs().get(name)
        if config is None:
            raise ResourceNotFoundException(f"The service '{name}' has no service sync configuration")
        return config

    def update_service_sync_config(self, params: dict[str, Any]) -> ServiceSyncConfig:
        config = self.get_service_sync_config(params["serviceName"])
        self._linked_repository(params["repositoryProvider"], params["repositoryName"], "repositoryName")
        config.repository_provider = params["repositoryProvider"]
        config.repository_name = params["repositoryName"]
        config.branch = params["branch"]
        config.file_path = params["filePath"]
        return config

    def delete_service_sync_config(self, name: str) -> ServiceSyncConfig:
        config = self.get_service_sync_config(name)
        del self.service_sync_configs[name]
        for key in [key for key in self.instance_sync_states if key[0] == name]:
            del self.instance_sync_states[key]
        return config

    def get_service_instance_sync_status(self, service_name: str, instance_name: str) -> dict[str, Any]:
        self.get_service_instance(service_name, instance_name)
        self._live_service_sync_configs()
        state = self.instance_sync_states.get((service_name, instance_name))
        return state.to_dict() if state else {}

    def _active_blockers(self, service_name: str, instance_name: str | None) -> list[SyncBlocker]:
        self._live_service_sync_configs()
        return sorted(
            (
                b
                for b in self.sync_blockers.values()
                if b.service_name == service_name
                and b.service_instance_name == instance_name
                and b.status == BLOCKER_ACTIVE
            ),
            key=lambda b: (b.created_at, b.id),
        )

    def record_service_instance_sync(
        self,
        service_name: str,
        instance_name: str,
        sha: str,
        *,
        status: str = SYNC_SUCCEEDED,
        events: list[dict[str, Any]] | None = None,
        directory: str | None = None,
    ) -> ResourceSyncAttempt:
        """Emulator control: a Proton Ops sync attempt of one service instance at commit ``sha``.

        Needs the service's sync configuration; an ACTIVE blocker on the service or on the instance
        blocks the sync (ConflictException). The directory defaults to the Proton Ops file path.
        The repository branch's SERVICE_SYNC attempt is recorded likewise (see ``record_template_sync``).
        """
        if not sha:
            raise ValueError("sha must not be empty")
        config = self.get_service_sync_config(service_name)
        self.get_service_instance(service_name, instance_name)
        blockers = self._active_blockers(service_name, None) + self._active_blockers(service_name, instance_name)
        if blockers:
            raise ConflictException(
                f"The sync of service instance '{instance_name}' is blocked by the sync blocker '{blockers[0].id}'"
            )
        revision = Revision(
            config.repository_provider, config.repository_name, config.branch, directory or config.file_path, sha
        )
        state = self.instance_sync_states.setdefault((service_name, instance_name), ResourceSyncState())
        attempt = self._attempt(
            state, target=instance_name, revision=revision, status=status, events=events or [], now=self.now()
        )
        self.record_repository_sync(
            config.repository_provider,
            config.repository_name,
            config.branch,
            SERVICE_SYNC,
            status=status,
            events=_repository_events(sha, events),
        )
        return attempt

    # Sync blockers -------------------------------------------------------------------------------

    def add_service_sync_blocker(
        self,
        service_name: str,
        instance_name: str | None = None,
        created_reason: str = "A manual change to a synced resource blocks service sync",
        contexts: list[dict[str, str]] | None = None,
        blocker_type: str = "AUTOMATED",
    ) -> SyncBlocker:
        """Emulator control: an ACTIVE blocker on a synced service (or one of its instances)."""
        if blocker_type not in BLOCKER_TYPES:
            raise ValueError(f"blocker_type must be one of {', '.join(BLOCKER_TYPES)}")
        self.get_service_sync_config(service_name)
        if instance_name is not None:
            self.get_service_instance(service_name, instance_name)
        blocker = SyncBlocker(
            id=str(uuid.uuid4()),
            service_name=service_name,
            service_instance_name=instance_name,
            type=blocker_type,
            created_reason=created_reason,
            created_at=self.now(),
            contexts=[{"key": c["key"], "value": c["value"]} for c in contexts or []],
        )
        self.sync_blockers[blocker.id] = blocker
        return blocker

    def block_sync_after_manual_update(self, service_name: str, instance_name: str | None) -> None:
        """OPS-06: a manual API update of a service under service sync raises an AUTOMATED blocker."""
        if service_name not in self._live_service_sync_configs():
            return
        what = f"service instance '{instance_name}'" if instance_name else f"pipeline of service '{service_name}'"
        reason = f"The {what} was updated outside service sync; resolve this blocker to sync again"
        self.add_service_sync_blocker(service_name, instance_name, created_reason=reason)

    def get_service_sync_blocker_summary(self, service_name: str, instance_name: str | None) -> dict[str, Any]:
        self.get_service(service_name)
        if instance_name is not None:
            self.get_service_instance(service_name, instance_name)
        return {
            "serviceName": service_name,
            "serviceInstanceName": instance_name,
            "latestBlockers": [b.to_dict() for b in self._active_blockers(service_name, instance_name)],
        }

    def update_service_sync_blocker(self, blocker_id: str, resolved_reason: str) -> SyncBlocker:
        self._live_service_sync_configs()
        blocker = self.sync_blockers.get(blocker_id)
        if blocker is None:
            raise ResourceNotFoundException(f"The service sync blocker '{blocker_id}' was not found")
        if not resolved_reason.strip():
            raise validation_error("resolvedReason", "Member must not be empty", resolved_reason)
        if blocker.status == BLOCKER_RESOLVED:
            raise ConflictException(f"The service sync blocker '{blocker_id}' is already resolved")
        blocker.status = BLOCKER_RESOLVED
        blocker.resolved_reason = resolved_reason
        blocker.resolved_at = self.now()
        return blocker

    # Account settings ----------------------------------------------------------------------------

    def _role_arn_setting(self, params: dict[str, Any], member: str) -> str | None:
        """A role ARN member of UpdateAccountSettings: "" removes it; the role must be in this account."""
        value = params[member]
        if value == "":
            return None
        if value.split(":")[4] != self.account_id:
            raise validation_error(member, f"The role must be in the account {self.account_id}", value)
        return str(value)

    def update_account_settings(self, params: dict[str, Any]) -> AccountSettings:
        settings = self.account_settings
        delete_repository = params.get("deletePipelineProvisioningRepository") is True
        branch = params.get("pipelineProvisioningRepository")
        if delete_repository and branch is not None:
            raise ValidationException(
                "pipelineProvisioningRepository cannot be given with deletePipelineProvisioningRepository true"
            )
        # Validate everything before changing anything.
        roles = {
            member: self._role_arn_setting(params, member)
            for member in ("pipelineServiceRoleArn", "pipelineCodebuildRoleArn")
            if params.get(member) is not None
        }
        repository = None
        if branch is not None:
            repository = self._linked_repository(
                branch["provider"], branch["name"], "pipelineProvisioningRepository.name"
            )
        if "pipelineServiceRoleArn" in roles:
            settings.pipeline_service_role_arn = roles["pipelineServiceRoleArn"]
        if "pipelineCodebuildRoleArn" in roles:
            settings.pipeline_codebuild_role_arn = roles["pipelineCodebuildRoleArn"]
        if repository is not None and branch is not None:
            settings.pipeline_provisioning_repository = repository.branch(branch["branch"])
        if delete_repository:
            settings.pipeline_provisioning_repository = None
        return settings

    # Resources summary ---------------------------------------------------------------------------

    def _staleness(self, kind: TemplateKind, template_name: str, major: int, minor: int) -> str:
        """upToDate, behindMajor or behindMinor against the template's recommended version."""
        template = self.templates[kind].get(template_name)
        recommended = template.recommended_version if template else None
        if recommended is None:
            return "upToDate"
        rec_major, rec_minor = (int(part) for part in recommended.split("."))
        if major < rec_major:
            return "behindMajor"
        if major == rec_major and minor < rec_minor:
            return "behindMinor"
        return "upToDate"

    def resources_summary(self) -> dict[str, Any]:
        """GetResourcesSummary ``counts``: totals, failures and staleness of what exists now."""

        def staleness_counts(items: list[tuple[str, bool]]) -> dict[str, int]:
            counts = {"total": len(items), "failed": 0, "upToDate": 0, "behindMajor": 0, "behindMinor": 0}
            for staleness, failed in items:
                counts[staleness] += 1
                counts["failed"] += failed
            return counts

        environments = self.list_environments(None)
        services = self.list_services()
        instances: list[tuple[str, bool]] = []
        pipelines: list[tuple[str, bool]] = []
        service_items: list[tuple[str, bool]] = []
        order = {"upToDate": 0, "behindMinor": 1, "behindMajor": 2}
        for service in services:
            worst = "upToDate"
            for resource, bucket in [
                *((instance, instances) for instance in service.instances.values()),
                *([(service.pipeline, pipelines)] if service.pipeline is not None else []),
            ]:
                state = resource.state
                staleness = self._staleness(SERVICE_TEMPLATE, state.template_name, state.major, state.minor)
                bucket.append((staleness, resource.deployment_status in _FAILED_DEPLOYMENTS))
                worst = max(worst, staleness, key=order.__getitem__)
            service_items.append((worst, "FAILED" in service.status))
        components = list(getattr(self, "components", {}).values())  # components arrive on another branch
        return {
            "environmentTemplates": {"total": len(self.templates[ENVIRONMENT_TEMPLATE])},
            "serviceTemplates": {"total": len(self.templates[SERVICE_TEMPLATE])},
            # The model: environments report their total only, components their total and failures.
            "environments": {"total": len(environments)},
            "components": {
                "total": len(components),
                "failed": sum(getattr(c, "deployment_status", None) in _FAILED_DEPLOYMENTS for c in components),
            },
            "services": staleness_counts(service_items),
            "serviceInstances": staleness_counts(instances),
            "pipelines": staleness_counts(pipelines),
        }
