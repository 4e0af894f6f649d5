"""Hook specifications of pytest_proton, added with ``pytest_addhooks``.

Implement them in a ``conftest.py`` or a plugin, for example to tag every resource, to record
ARNs, or to check every deployed environment's outputs the same way::

    def pytest_proton_resource_deployed(resource):
        if resource.kind == "environment":
            assert "VpcId" in resource.outputs
"""

from __future__ import annotations

from typing import Any

import pytest


@pytest.hookspec
def pytest_proton_template_published(template: Any) -> None:
    """A template version was registered and published; ``template`` is its TemplateHandle."""


@pytest.hookspec
def pytest_proton_resource_deployed(resource: Any) -> None:
    """A deployment of ``resource`` (environment, service, service instance, pipeline or component)
    ended SUCCEEDED (after create or update, when the fixture waited for it)."""


@pytest.hookspec
def pytest_proton_resource_deleted(resource: Any) -> None:
    """``resource`` (a handle) was deleted, by the test or by teardown."""


@pytest.hookspec
def pytest_proton_resource_kept(resource: Any, nodeid: str) -> None:
    """``--proton-keep-failed`` kept ``resource`` because the test ``nodeid`` failed."""
