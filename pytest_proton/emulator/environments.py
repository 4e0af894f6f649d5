"""Environments and their deployment records."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

IN_PROGRESS = "IN_PROGRESS"
SUCCEEDED = "SUCCEEDED"
FAILED = "FAILED"
CANCELLING = "CANCELLING"
CANCELLED = "CANCELLED"
DELETE_IN_PROGRESS = "DELETE_IN_PROGRESS"

MAX_ENVIRONMENTS = 100  # per account and Region (proton-rules §8 API-32)


def deployment_status_members(resource: Any) -> dict[str, Any]:
    """The deployment-status members of every deployed resource's shape (Environment,
    ServiceInstance, ServicePipeline, Component), read from the attributes of the same names."""
    return {
        "deploymentStatus": resource.deployment_status,
        "deploymentStatusMessage": resource.deployment_status_message,
        "lastAttemptedDeploymentId": resource.last_attempted_deployment_id,
        "lastSucceededDeploymentId": resource.last_succeeded_deployment_id,
        "lastDeploymentAttemptedAt": resource.last_deployment_attempted_at,
        "lastDeploymentSucceededAt": resource.last_deployment_succeeded_at,
    }


@dataclass
class EnvironmentState:
    """What a deployment moves an environment from or to (the model's ``EnvironmentState``)."""

    template_name: str
    major: int
    minor: int
    spec: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "templateName": self.template_name,
            "templateMajorVersion": str(self.major),
            "templateMinorVersion": str(self.minor),
            "spec": self.spec,
        }


@dataclass
class Deployment:
    id: str
    arn: str
    environment_name: str
    target_arn: str
    target_created_at: datetime
    created_at: datetime
    last_modified_at: datetime
    target_state: EnvironmentState
    initial_state: EnvironmentState | None
    status: str = IN_PROGRESS
    status_message: str | None = None
    completed_at: datetime | None = None
    reads: int = 0
    last_attempted_id: str | None = None
    last_succeeded_id: str | None = None
    outputs: list[dict[str, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The ``Deployment`` shape (the summary is a subset)."""
        return {
            "id": self.id,
            "arn": self.arn,
            "environmentName": self.environment_name,
            "targetArn": self.target_arn,
            "targetResourceType": "ENVIRONMENT",
            "targetResourceCreatedAt": self.target_created_at,
            "createdAt": self.created_at,
            "lastModifiedAt": self.last_modified_at,
            "completedAt": self.completed_at,
            "deploymentStatus": self.status,
            "deploymentStatusMessage": self.status_message,
            "lastAttemptedDeploymentId": self.last_attempted_id,
            "lastSucceededDeploymentId": self.last_succeeded_id,
            "initialState": {"environment": self.initial_state.to_dict()} if self.initial_state else None,
            "targetState": {"environment": self.target_state.to_dict()},
        }


@dataclass
class Environment:
    name: str
    arn: str
    created_at: datetime
    create_request: dict[str, Any]
    state: EnvironmentState  # the deployed (or, before the first success, the requested) state
    description: str | None = None
    proton_service_role_arn: str | None = None
    environment_account_connection_id: str | None = None
    environment_account_id: str | None = None
    codebuild_role_arn: str | None = None
    component_role_arn: str | None = None
    provisioning_repository: dict[str, str] | None = None
    provisioning: str | None = None
    deployment_status: str = IN_PROGRESS
    deployment_status_message: str | None = None
    last_attempted_deployment_id: str | None = None
    last_succeeded_deployment_id: str | None = None
    last_deployment_attempted_at: datetime | None = None
    last_deployment_succeeded_at: datetime | None = None
    delete_started_at: datetime | None = None
    delete_reads: int = 0
    modified: bool = False
    outputs: list[dict[str, str]] = field(default_factory=list)
    provisioned_resources: list[dict[str, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The ``Environment`` shape (the summary is a subset)."""
        return {
            "name": self.name,
            "arn": self.arn,
            "createdAt": self.created_at,
            "description": self.description,
            "templateName": self.state.template_name,
            "templateMajorVersion": str(self.state.major),
            "templateMinorVersion": str(self.state.minor),
            "spec": self.state.spec,
            "protonServiceRoleArn": self.proton_service_role_arn,
            "environmentAccountConnectionId": self.environment_account_connection_id,
            "environmentAccountId": self.environment_account_id,
            "codebuildRoleArn": self.codebuild_role_arn,
            "componentRoleArn": self.component_role_arn,
            "provisioningRepository": self.provisioning_repository,
            "provisioning": self.provisioning,
            **deployment_status_members(self),
        }
