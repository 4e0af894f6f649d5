"""Services, their instances and pipelines, and the deployment records they create."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import yaml

from pytest_proton.emulator.environments import IN_PROGRESS, Deployment, EnvironmentState, deployment_status_members
from pytest_proton.emulator.exceptions import ValidationException

MAX_SERVICES = 1000  # per account and Region (proton-rules §8 API-32)
MAX_INSTANCES_PER_SERVICE = 20

CREATE_IN_PROGRESS = "CREATE_IN_PROGRESS"
CREATE_FAILED = "CREATE_FAILED"
ACTIVE = "ACTIVE"
UPDATE_IN_PROGRESS = "UPDATE_IN_PROGRESS"
UPDATE_FAILED = "UPDATE_FAILED"
DELETE_IN_PROGRESS = "DELETE_IN_PROGRESS"
DELETE_FAILED = "DELETE_FAILED"


@dataclass
class ServiceDeployment(Deployment):
    """A deployment of a service instance (``instance_name`` set) or a service pipeline."""

    service_name: str = ""
    instance_name: str | None = None

    def to_dict(self) -> dict[str, Any]:
        result = super().to_dict()
        if self.instance_name is not None:
            kind, state_member = "SERVICE_INSTANCE", "serviceInstance"
        else:
            kind, state_member = "SERVICE_PIPELINE", "servicePipeline"
        result["targetResourceType"] = kind
        result["serviceName"] = self.service_name
        result["serviceInstanceName"] = self.instance_name
        result["initialState"] = {state_member: self.initial_state.to_dict()} if self.initial_state else None
        result["targetState"] = {state_member: self.target_state.to_dict()}
        return result


@dataclass
class _Deployable:
    """What a service instance and a pipeline share: a deployed state and its deployment status."""

    arn: str
    created_at: datetime
    state: EnvironmentState
    deployment_status: str = IN_PROGRESS
    deployment_status_message: str | None = None
    last_attempted_deployment_id: str | None = None
    last_succeeded_deployment_id: str | None = None
    last_deployment_attempted_at: datetime | None = None
    last_deployment_succeeded_at: datetime | None = None
    outputs: list[dict[str, str]] = field(default_factory=list)
    provisioned_resources: list[dict[str, str]] = field(default_factory=list)

    def _deployable_dict(self) -> dict[str, Any]:
        return {
            "arn": self.arn,
            "createdAt": self.created_at,
            "templateName": self.state.template_name,
            "templateMajorVersion": str(self.state.major),
            "templateMinorVersion": str(self.state.minor),
            "spec": self.state.spec,
            **deployment_status_members(self),
        }


@dataclass
class ServiceInstance(_Deployable):
    name: str = ""
    service_name: str = ""
    environment_name: str = ""
    entry: dict[str, Any] = field(default_factory=dict)  # the instance's entry in the service spec
    last_client_request_token: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The ``ServiceInstance`` shape (the summary is a subset)."""
        return {
            **self._deployable_dict(),
            "name": self.name,
            "serviceName": self.service_name,
            "environmentName": self.environment_name,
            "lastClientRequestToken": self.last_client_request_token,
        }


@dataclass
class ServicePipeline(_Deployable):
    entry: Any = None  # the spec's pipeline section

    def to_dict(self) -> dict[str, Any]:
        return self._deployable_dict()


@dataclass
class Service:
    name: str
    arn: str
    template_name: str
    created_at: datetime
    last_modified_at: datetime
    create_request: dict[str, Any]
    spec: str
    status: str = CREATE_IN_PROGRESS
    status_message: str | None = None
    description: str | None = None
    repository_connection_arn: str | None = None
    repository_id: str | None = None
    branch_name: str | None = None
    instances: dict[str, ServiceInstance] = field(default_factory=dict)
    pipeline: ServicePipeline | None = None
    delete_started_at: datetime | None = None
    delete_reads: int = 0
    modified: bool = False

    def to_dict(self) -> dict[str, Any]:
        """The ``Service`` shape (the summary is a subset)."""
        return {
            "name": self.name,
            "arn": self.arn,
            "templateName": self.template_name,
            "createdAt": self.created_at,
            "lastModifiedAt": self.last_modified_at,
            "description": self.description,
            "spec": self.spec,
            "status": self.status,
            "statusMessage": self.status_message,
            "repositoryConnectionArn": self.repository_connection_arn,
            "repositoryId": self.repository_id,
            "branchName": self.branch_name,
            "pipeline": self.pipeline.to_dict() if self.pipeline else None,
        }


@dataclass(frozen=True)
class ParsedSpec:
    instances: list[dict[str, Any]]
    pipeline: Any


def parse_service_spec(spec: str) -> ParsedSpec:
    """The instances and pipeline section of a YAML ServiceSpec (proton-rules §5.2)."""
    try:
        document = yaml.safe_load(spec)
    except yaml.YAMLError as error:
        raise ValidationException(f"The spec is not valid YAML: {error}") from None
    if not isinstance(document, dict):
        raise ValidationException("The spec must be a YAML mapping with 'proton: ServiceSpec'")
    if document.get("proton") != "ServiceSpec":
        raise ValidationException("The spec must declare 'proton: ServiceSpec'")
    instances = document.get("instances")
    if not isinstance(instances, list) or not instances:
        raise ValidationException("The spec's 'instances' must be a non-empty list")
    seen: set[str] = set()
    for index, instance in enumerate(instances):
        if not isinstance(instance, dict):
            raise ValidationException(f"The spec's instances[{index}] must be a mapping")
        for member in ("name", "environment"):
            if not isinstance(instance.get(member), str) or not instance[member]:
                raise ValidationException(f"The spec's instances[{index}] needs a '{member}'")
        if instance["name"] in seen:
            raise ValidationException(f"The spec names the instance '{instance['name']}' twice")
        seen.add(instance["name"])
    return ParsedSpec(instances, document.get("pipeline"))


def dump(section: Any) -> str:
    return yaml.safe_dump(section, sort_keys=False)
