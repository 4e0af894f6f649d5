"""Provisioning: the seam where a deployment leaves IN_PROGRESS and a spec is checked.

A deployment is created ``IN_PROGRESS`` and settles on a later read of its resource (Get, List,
Update, Delete) through :func:`deploy` (or :func:`destroy` for a deletion). When it settles is
moto's public ``state_manager`` under the model name ``proton::deployment``: by default
``{"progression": "manual", "times": 1}``, so the first read after the request settles it; tests can
hold it with a larger ``times`` or ``{"progression": "time", "seconds": N}`` (read from the
emulator's clock). For now nothing is provisioned: every deployment succeeds with no outputs.

Issue 5 plugs in here: :func:`validate_spec` checks the spec against the version's schema, and
:func:`deploy` renders the bundle and creates a moto CloudFormation stack, returning its outputs and
resources, or ``DeploymentOutcome(FAILED, message)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from moto.moto_api import state_manager

from pytest_proton.emulator import controls

if TYPE_CHECKING:
    from pytest_proton.emulator.models import ProtonBackend
    from pytest_proton.emulator.versions import TemplateVersion

DEPLOYMENT_MODEL = "proton::deployment"
state_manager.register_default_transition(DEPLOYMENT_MODEL, {"progression": "manual", "times": 1})

SUCCEEDED = "SUCCEEDED"
FAILED = "FAILED"


@dataclass(frozen=True)
class DeploymentOutcome:
    status: str  # SUCCEEDED or FAILED
    message: str | None = None
    outputs: list[dict[str, str]] = field(default_factory=list)  # [{key, valueString}]
    # [{identifier, name, provisioningEngine}]
    provisioned_resources: list[dict[str, str]] = field(default_factory=list)


def is_due(started_at: datetime, reads: int, now: datetime) -> bool:
    """Whether a deployment started at ``started_at`` and read ``reads`` times (this one included) settles now."""
    transition = state_manager.get_transition(DEPLOYMENT_MODEL)
    progression = transition.get("progression", "manual")
    if progression == "immediate":
        return True
    if progression == "time":
        return (now - started_at).total_seconds() >= float(transition.get("seconds", 5))
    return reads >= int(transition.get("times", 1))


def validate_spec(backend: ProtonBackend, version: TemplateVersion, spec: str | None) -> None:
    """Check ``spec`` against ``version.schema``; no schema processing yet, so every spec passes."""


def deploy(backend: ProtonBackend, deployment: Any) -> DeploymentOutcome:  # noqa: ARG001 - deployment: issue 5
    """Provision ``deployment``'s target state; nothing is provisioned yet, so it always succeeds."""
    failure = controls.take_failure(backend.account_id, backend.region_name)  # controls.fail_next()
    if failure is not None:
        return DeploymentOutcome(FAILED, failure)
    return DeploymentOutcome(SUCCEEDED)


def destroy(backend: ProtonBackend, resource: Any) -> DeploymentOutcome:  # noqa: ARG001
    """Tear down a resource being deleted; always succeeds for now."""
    return DeploymentOutcome(SUCCEEDED)
