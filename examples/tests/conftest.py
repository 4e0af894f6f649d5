"""Shared fixtures of the examples suite: templates published once per session.

The pytest_proton plugin is loaded by its ``pytest11`` entry point once the package is installed;
this conftest loads it only when that entry point is absent (a source checkout run with
``PYTHONPATH``, or ``PYTEST_DISABLE_PLUGIN_AUTOLOAD``), so it is never registered twice.
"""

from __future__ import annotations

import os
from importlib.metadata import entry_points
from pathlib import Path

import pytest


def _plugin_autoloaded() -> bool:
    if os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD"):
        return False
    return any(ep.value == "pytest_proton.plugin" for ep in entry_points(group="pytest11"))


pytest_plugins = [] if _plugin_autoloaded() else ["pytest_proton.plugin"]

EXAMPLES = Path(__file__).resolve().parent.parent
VPC_ENV = EXAMPLES / "environment-templates" / "vpc-env"
QUEUE_WORKER = EXAMPLES / "service-templates" / "queue-worker-svc"
CACHE_COMPONENT = EXAMPLES / "component-templates" / "cache-component"
BROKEN_ENV = EXAMPLES / "environment-templates" / "broken-env"


@pytest.fixture(scope="session")
def vpc_template(proton_template_factory):
    """vpc-env, linted, registered and published once for the whole session."""
    return proton_template_factory(VPC_ENV)


@pytest.fixture(scope="session")
def worker_template(proton_template_factory, vpc_template):  # noqa: ARG001 - vpc-env must be published first
    """queue-worker-svc; its .template-registration.yaml says it is compatible with vpc-env:1."""
    return proton_template_factory(QUEUE_WORKER)


@pytest.fixture(scope="session")
def shared_env(proton_env_factory, vpc_template, proton_target):
    """One environment shared by every test that only reads it (deleted at the end of the session).

    Its componentRoleArn allows directly defined components (test_component.py), as in Proton.
    """
    role = f"arn:aws:iam::{proton_target.account_id}:role/pytest-proton-component"
    return proton_env_factory(vpc_template, basename="vpc-env-shared", componentRoleArn=role)
