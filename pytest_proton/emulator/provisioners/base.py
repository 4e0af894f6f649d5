"""What every provisioner does: apply a rendered CloudFormation template as one stack, read it back, delete it.

A provisioner never decides Proton statuses: it returns a :class:`StackResult` or raises
:class:`ProvisioningError` with a message that says what broke (provisioning.py turns it into a
FAILED deployment). On a failed update it leaves the stack on the template it had before, as
CloudFormation's update rollback does; a failed create leaves no stack behind.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


class ProvisioningError(Exception):
    """The stack could not be created, updated or deleted; the message says why.

    ``simulate`` is set when moto, not the template, was at fault: (logical ID, reason) of a resource
    moto could not make or read, which the emulator simulates on its next attempt (moto_gaps).
    """

    def __init__(self, message: str, simulate: tuple[str, str] | None = None) -> None:
        super().__init__(message)
        self.simulate = simulate


@dataclass(frozen=True)
class StackTarget:
    """Where a resource's stack lives and how it is labelled."""

    stack_name: str
    account_id: str
    region: str
    tags: dict[str, str] = field(default_factory=dict)


@dataclass
class StackResult:
    outputs: list[dict[str, str]] = field(default_factory=list)  # [{key, valueString}]
    resources: list[dict[str, str]] = field(default_factory=list)  # [{identifier, name, provisioningEngine}]


class Provisioner(Protocol):
    name: str

    def apply(self, target: StackTarget, template: str, previous: str | None) -> StackResult:
        """Create the stack (``previous`` None) or update it from ``previous`` to ``template``."""
        ...

    def delete(self, target: StackTarget) -> None:
        """Delete the stack; a stack that does not exist is already deleted."""
        ...


def output_entries(pairs: list[tuple[str, object]]) -> list[dict[str, str]]:
    """Stack outputs as Proton lists them: ``{key, valueString}``, values as strings (OUT-03)."""
    out = []
    for key, value in pairs:
        text = ",".join(str(v) for v in value) if isinstance(value, list) else "" if value is None else str(value)
        out.append({"key": str(key), "valueString": text})
    return out


def resource_entry(logical_id: str, physical_id: str) -> dict[str, str]:
    return {"identifier": physical_id, "name": logical_id, "provisioningEngine": "CLOUDFORMATION"}
