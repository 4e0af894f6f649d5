"""Pluggable provisioners: which CloudFormation the emulator deploys rendered templates into.

* ``moto`` (default): moto's CloudFormation backend in this process, in the resource's account and
  Region (moto_cfn.py).
* ``cloudformation``: a boto3 CloudFormation client built from configuration (cloudformation.py):
  a real CloudFormation, or moto's server.

Choose in code with :func:`configure` (``configure("cloudformation", endpoint_url=...,
region=..., aws_access_key_id=..., aws_secret_access_key=...)``; ``configure()`` restores the
default) or, for a stand-alone server, with environment variables read when no provisioner was
configured: ``PROTON_EMULATOR_PROVISIONER`` (``moto`` or ``cloudformation``),
``PROTON_EMULATOR_CFN_ENDPOINT_URL``, ``PROTON_EMULATOR_CFN_REGION`` and
``PROTON_EMULATOR_CFN_PLACEHOLDERS=1`` (stand in for resource types moto lacks, for a moto endpoint);
credentials then come from boto3's usual chain.

CodeBuild templates deploy nothing by default (they wait for NotifyResourceDeploymentStatusChange,
like self-managed Terraform); :func:`set_codebuild_hook` makes them succeed with outputs a test
supplies.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pytest_proton.emulator.provisioners.base import Provisioner, ProvisioningError, StackResult, StackTarget

__all__ = [
    "CodeBuildRequest",
    "Provisioner",
    "ProvisioningError",
    "StackResult",
    "StackTarget",
    "codebuild_hook",
    "configure",
    "current",
    "set_codebuild_hook",
]

_configured: Provisioner | None = None


def configure(name: str = "moto", **options: Any) -> Provisioner:
    """Use provisioner ``name`` from now on (process-wide); returns it."""
    global _configured
    _configured = build(name, **options)
    return _configured


def build(name: str, **options: Any) -> Provisioner:
    """A provisioner by name. Both deploy into moto in tests (in-process, or a moto server in this
    process), so both first fill the CloudFormation handlers moto lacks (moto_gaps.py; idempotent)."""
    from pytest_proton.emulator import moto_gaps

    moto_gaps.apply()
    if name == "moto":
        from pytest_proton.emulator.provisioners.moto_cfn import MotoProvisioner

        if options:
            raise ValueError(f"the moto provisioner takes no options (got {sorted(options)})")
        return MotoProvisioner()
    if name == "cloudformation":
        from pytest_proton.emulator.provisioners.cloudformation import CloudFormationProvisioner

        return CloudFormationProvisioner(**options)
    raise ValueError(f"unknown provisioner {name!r}: use 'moto' or 'cloudformation'")


def current() -> Provisioner:
    """The configured provisioner; without one, the environment's choice (default ``moto``)."""
    global _configured
    if _configured is None:
        name = os.environ.get("PROTON_EMULATOR_PROVISIONER", "moto")
        options: dict[str, Any] = {}
        if name == "cloudformation":
            options = {
                "endpoint_url": os.environ.get("PROTON_EMULATOR_CFN_ENDPOINT_URL") or None,
                "region": os.environ.get("PROTON_EMULATOR_CFN_REGION") or None,
                "placeholders": os.environ.get("PROTON_EMULATOR_CFN_PLACEHOLDERS") == "1",
            }
        _configured = build(name, **options)
    return _configured


@dataclass(frozen=True)
class CodeBuildRequest:
    """What a CodeBuild deployment would have run for: the hook's argument."""

    resource_arn: str
    target_type: str  # ENVIRONMENT, SERVICE_INSTANCE, SERVICE_PIPELINE
    template_name: str
    template_version: str  # "major.minor"
    inputs: dict[str, Any]  # the resolved inputs (what proton-inputs.json holds)


#: (request) -> outputs {key: value} to succeed with; an exception fails the deployment with its message.
CodeBuildHook = Callable[[CodeBuildRequest], "dict[str, str]"]
_codebuild_hook: CodeBuildHook | None = None


def set_codebuild_hook(hook: CodeBuildHook | None) -> None:
    """Make CodeBuild deployments succeed with the outputs ``hook`` returns (None restores the default)."""
    global _codebuild_hook
    _codebuild_hook = hook


def codebuild_hook() -> CodeBuildHook | None:
    return _codebuild_hook
