"""Template sync, service sync (Proton Ops), sync attempts, sync blockers and account settings.

There is no git behind the emulator: sync attempts and blockers are recorded through the emulator
controls of ``backend_sync.SyncMixin`` (``record_template_sync``, ``record_service_instance_sync``,
``record_repository_sync``, ``add_service_sync_blocker``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

TEMPLATE_SYNC = "TEMPLATE_SYNC"
SERVICE_SYNC = "SERVICE_SYNC"

# ResourceSyncStatus (template and service instance syncs) and RepositorySyncStatus.
RESOURCE_SYNC_STATUSES = ("INITIATED", "IN_PROGRESS", "SUCCEEDED", "FAILED")
REPOSITORY_SYNC_STATUSES = ("INITIATED", "IN_PROGRESS", "SUCCEEDED", "FAILED", "QUEUED")
SYNC_SUCCEEDED = "SUCCEEDED"

BLOCKER_ACTIVE = "ACTIVE"
BLOCKER_RESOLVED = "RESOLVED"
BLOCKER_TYPES = ("AUTOMATED",)


@dataclass
class TemplateSyncConfig:
    template_name: str
    template_type: str  # ENVIRONMENT | SERVICE
    repository_provider: str
    repository_name: str
    branch: str
    subdirectory: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "templateName": self.template_name,
            "templateType": self.template_type,
            "repositoryProvider": self.repository_provider,
            "repositoryName": self.repository_name,
            "branch": self.branch,
            "subdirectory": self.subdirectory,
        }


@dataclass
class ServiceSyncConfig:
    service_name: str
    repository_provider: str
    repository_name: str
    branch: str
    file_path: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "serviceName": self.service_name,
            "repositoryProvider": self.repository_provider,
            "repositoryName": self.repository_name,
            "branch": self.branch,
            "filePath": self.file_path,
        }


@dataclass(frozen=True)
class Revision:
    repository_provider: str
    repository_name: str
    branch: str
    directory: str
    sha: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "repositoryProvider": self.repository_provider,
            "repositoryName": self.repository_name,
            "branch": self.branch,
            "directory": self.directory,
            "sha": self.sha,
        }


def event_dicts(events: list[dict[str, Any]] | None, when: datetime) -> list[dict[str, Any]]:
    """Sync events as the model's ``{type, event, time, externalId?}``; ``time`` defaults to ``when``."""
    result = []
    for event in events or []:
        if not event.get("type") or not event.get("event"):
            raise ValueError("a sync event needs a 'type' and an 'event'")
        result.append(
            {
                "type": event["type"],
                "event": event["event"],
                "time": event.get("time") or when,
                "externalId": event.get("externalId"),
            }
        )
    return result


@dataclass
class ResourceSyncAttempt:
    """One sync of a template major version or a service instance (``ResourceSyncAttempt``)."""

    target: str
    status: str
    started_at: datetime
    initial_revision: Revision
    target_revision: Revision
    events: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "status": self.status,
            "startedAt": self.started_at,
            "initialRevision": self.initial_revision.to_dict(),
            "targetRevision": self.target_revision.to_dict(),
            "events": list(self.events),
        }


@dataclass
class ResourceSyncState:
    """What GetTemplateSyncStatus / GetServiceInstanceSyncStatus report for one synced resource."""

    latest: ResourceSyncAttempt | None = None
    latest_successful: ResourceSyncAttempt | None = None

    def to_dict(self) -> dict[str, Any]:
        if self.latest is None:
            return {}  # never synced: every member of the output is optional
        return {
            "latestSync": self.latest.to_dict(),
            "latestSuccessfulSync": self.latest_successful.to_dict() if self.latest_successful else None,
            # The revision Proton is converging to: the one the latest attempt targets.
            "desiredState": self.latest.target_revision.to_dict(),
        }


@dataclass
class RepositorySyncAttempt:
    status: str
    started_at: datetime
    events: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"status": self.status, "startedAt": self.started_at, "events": list(self.events)}


@dataclass
class SyncBlocker:
    id: str
    service_name: str
    service_instance_name: str | None
    type: str
    created_reason: str
    created_at: datetime
    contexts: list[dict[str, str]] = field(default_factory=list)
    status: str = BLOCKER_ACTIVE
    resolved_reason: str | None = None
    resolved_at: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        """The ``SyncBlocker`` shape."""
        return {
            "id": self.id,
            "type": self.type,
            "status": self.status,
            "createdReason": self.created_reason,
            "createdAt": self.created_at,
            "contexts": [dict(context) for context in self.contexts],
            "resolvedReason": self.resolved_reason,
            "resolvedAt": self.resolved_at,
        }


@dataclass
class AccountSettings:
    pipeline_service_role_arn: str | None = None
    pipeline_codebuild_role_arn: str | None = None
    pipeline_provisioning_repository: dict[str, str] | None = None  # RepositoryBranch

    def to_dict(self) -> dict[str, Any]:
        return {
            "pipelineServiceRoleArn": self.pipeline_service_role_arn,
            "pipelineCodebuildRoleArn": self.pipeline_codebuild_role_arn,
            "pipelineProvisioningRepository": (
                dict(self.pipeline_provisioning_repository) if self.pipeline_provisioning_repository else None
            ),
        }
