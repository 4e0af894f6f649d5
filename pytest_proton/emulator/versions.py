"""Environment and service template versions: the record and its numbering helpers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pytest_proton.emulator.templates import SERVICE_TEMPLATE, TemplateKind

REGISTRATION_IN_PROGRESS = "REGISTRATION_IN_PROGRESS"
REGISTRATION_FAILED = "REGISTRATION_FAILED"
DRAFT = "DRAFT"
PUBLISHED = "PUBLISHED"

MAX_VERSIONS_PER_TEMPLATE = 500  # UG:ag-limits.md (proton-rules §8 API-32)


def version_label(major: int, minor: int) -> str:
    return f"{major}.{minor}"


def sort_key(major: int, minor: int) -> str:
    """A string key whose order is the numeric order of ``major.minor`` (for paging)."""
    return f"{major:020d}.{minor:020d}"


@dataclass
class TemplateVersion:
    kind: TemplateKind
    template_name: str
    major: int
    minor: int
    arn: str
    created_at: datetime
    last_modified_at: datetime
    source: dict[str, Any]
    status: str = REGISTRATION_IN_PROGRESS
    status_message: str | None = None
    description: str | None = None
    schema: str | None = None
    compatible_environment_templates: list[dict[str, str]] = field(default_factory=list)
    supported_component_sources: list[str] | None = None

    @property
    def label(self) -> str:
        return version_label(self.major, self.minor)

    @property
    def key(self) -> str:
        return sort_key(self.major, self.minor)

    def to_dict(self, recommended_minor: int | None) -> dict[str, Any]:
        """The ``EnvironmentTemplateVersion`` / ``ServiceTemplateVersion`` shape (summaries are a subset)."""
        result: dict[str, Any] = {
            "arn": self.arn,
            "templateName": self.template_name,
            "majorVersion": str(self.major),
            "minorVersion": str(self.minor),
            "createdAt": self.created_at,
            "lastModifiedAt": self.last_modified_at,
            "status": self.status,
            "statusMessage": self.status_message,
            "description": self.description,
            "schema": self.schema,
            "recommendedMinorVersion": None if recommended_minor is None else str(recommended_minor),
        }
        if self.kind is SERVICE_TEMPLATE:
            result["compatibleEnvironmentTemplates"] = [dict(entry) for entry in self.compatible_environment_templates]
            result["supportedComponentSources"] = self.supported_component_sources
        return result
