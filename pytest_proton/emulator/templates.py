"""Environment and service templates: one record type and one store, parametrised by kind."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class TemplateKind:
    """What differs between environment and service templates."""

    label: str  # for messages: "environment template"
    arn_type: str  # ARN resource type: "environment-template"
    provisioning_member: str  # "provisioning" or "pipelineProvisioning"


ENVIRONMENT_TEMPLATE = TemplateKind("environment template", "environment-template", "provisioning")
SERVICE_TEMPLATE = TemplateKind("service template", "service-template", "pipelineProvisioning")


@dataclass
class Template:
    kind: TemplateKind
    name: str
    arn: str
    created_at: datetime
    last_modified_at: datetime
    create_request: dict[str, Any]
    display_name: str | None = None
    description: str | None = None
    encryption_key: str | None = None
    provisioning: str | None = None
    recommended_version: str | None = None
    modified: bool = False
    versions: dict[str, Any] = field(default_factory=dict)  # "major.minor" -> TemplateVersion

    def to_dict(self) -> dict[str, Any]:
        """The ``EnvironmentTemplate`` / ``ServiceTemplate`` shape (summaries are a subset)."""
        return {
            "arn": self.arn,
            "name": self.name,
            "createdAt": self.created_at,
            "lastModifiedAt": self.last_modified_at,
            "displayName": self.display_name,
            "description": self.description,
            "encryptionKey": self.encryption_key,
            self.kind.provisioning_member: self.provisioning,
            "recommendedVersion": self.recommended_version,
        }
