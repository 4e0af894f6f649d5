"""Directly defined components and their deployment records (proton-rules §1.4, §5.3, LC-14, LC-20).

A component belongs to one environment for its whole life. It is either attached to a service
instance of that environment (``service_name`` and ``service_instance_name`` set in its state) or
detached. What a deployment moves it to is a :class:`ComponentState`, the model's ``ComponentState``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import yaml

from pytest_proton.emulator.environments import IN_PROGRESS, Deployment, deployment_status_members
from pytest_proton.emulator.exceptions import ValidationException

MAX_COMPONENTS = 100  # per account and Region (proton-rules §8 API-32)
DIRECTLY_DEFINED = "DIRECTLY_DEFINED"


@dataclass
class ComponentState:
    """The deployed (or requested) configuration of a component."""

    template_file: str
    service_name: str | None = None
    service_instance_name: str | None = None
    service_spec: str | None = None

    @property
    def attachment(self) -> tuple[str, str] | None:
        if self.service_name and self.service_instance_name:
            return self.service_name, self.service_instance_name
        return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "templateFile": self.template_file,
            "serviceName": self.service_name,
            "serviceInstanceName": self.service_instance_name,
            "serviceSpec": self.service_spec,
        }


@dataclass
class ComponentDeployment(Deployment):
    """A deployment whose target is a component (``targetResourceType`` COMPONENT)."""

    component_name: str = ""
    service_name: str | None = None
    instance_name: str | None = None

    def to_dict(self) -> dict[str, Any]:
        result = super().to_dict()
        result["targetResourceType"] = "COMPONENT"
        result["componentName"] = self.component_name
        result["serviceName"] = self.service_name
        result["serviceInstanceName"] = self.instance_name
        result["initialState"] = {"component": self.initial_state.to_dict()} if self.initial_state else None
        result["targetState"] = {"component": self.target_state.to_dict()}
        return result


@dataclass
class Component:
    name: str
    arn: str
    environment_name: str
    created_at: datetime
    last_modified_at: datetime
    manifest: str
    state: ComponentState  # the deployed (or, before the first success, the requested) state
    description: str | None = None
    deployment_status: str = IN_PROGRESS
    deployment_status_message: str | None = None
    last_attempted_deployment_id: str | None = None
    last_succeeded_deployment_id: str | None = None
    last_deployment_attempted_at: datetime | None = None
    last_deployment_succeeded_at: datetime | None = None
    last_client_request_token: str | None = None
    delete_started_at: datetime | None = None
    delete_reads: int = 0
    outputs: list[dict[str, str]] = field(default_factory=list)
    provisioned_resources: list[dict[str, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The ``Component`` shape (the summary is a subset)."""
        return {
            "name": self.name,
            "arn": self.arn,
            "description": self.description,
            "environmentName": self.environment_name,
            "serviceName": self.state.service_name or None,
            "serviceInstanceName": self.state.service_instance_name or None,
            "serviceSpec": self.state.service_spec,
            "createdAt": self.created_at,
            "lastModifiedAt": self.last_modified_at,
            **deployment_status_members(self),
            "lastClientRequestToken": self.last_client_request_token,
        }


def component_manifest_entry(manifest: str) -> dict[str, Any]:
    """The one ``infrastructure.templates`` entry of a valid component manifest.

    BND-31, BND-32, MAN-07: one template entry naming a single file, never CodeBuild; anything else
    is a ValidationException naming ``manifest``.
    """

    def invalid(problem: str) -> ValidationException:
        return ValidationException(
            f"1 validation error detected: Value at 'manifest' failed to satisfy constraint: {problem}"
        )

    try:
        document = yaml.safe_load(manifest)
    except yaml.YAMLError as error:
        raise invalid(f"the manifest is not valid YAML: {error}") from None
    templates = (document.get("infrastructure") or {}).get("templates") if isinstance(document, dict) else None
    if not isinstance(templates, list) or len(templates) != 1 or not isinstance(templates[0], dict):
        raise invalid("a component manifest lists exactly one entry under 'infrastructure.templates'")
    entry: dict[str, Any] = templates[0]
    file = entry.get("file")
    if not isinstance(file, str) or not file or "*" in file:
        raise invalid("the component manifest entry must name a single IaC file (no wildcard)")
    if str(entry.get("rendering_engine", "")).lower() == "codebuild":
        raise invalid("components cannot use CodeBuild provisioning (rendering_engine: codebuild)")
    return entry


def validate_manifest(manifest: str) -> None:
    """Raise a ValidationException naming ``manifest`` unless it is a valid component manifest."""
    component_manifest_entry(manifest)
