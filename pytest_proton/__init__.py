"""pytest_proton: the Proton emulator for moto and the pytest plugin (``pytest_proton.plugin``).

The types of the fixtures and handles are exported here, for annotations that editors complete::

    from pytest_proton import EnvironmentFactory, TemplateFactory

    def test_vpc(proton_template: TemplateFactory, proton_env: EnvironmentFactory) -> None: ...

Importing this package stays cheap: the names are loaded on first use, and moto and boto3 are
imported only by ``pytest_proton.emulator`` and, lazily, by the plugin's fixtures.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pytest_proton.bundle_upload import LocalBundle
    from pytest_proton.controls import ProtonControls
    from pytest_proton.errors import (
        BundleNotFound,
        ControlsUnavailable,
        DeploymentFailed,
        InvalidRequest,
        LintGateError,
        ProtonFixtureError,
        RealAccountRefused,
        RegistrationFailed,
        TeardownError,
        WaitTimeout,
    )
    from pytest_proton.factories import ComponentFactory, EnvironmentFactory, ServiceFactory, TemplateFactory
    from pytest_proton.handles import (
        ComponentHandle,
        EnvironmentHandle,
        Handle,
        ServiceHandle,
        ServiceInstanceHandle,
        ServicePipelineHandle,
        TemplateHandle,
    )
    from pytest_proton.lifecycle import Lifecycle
    from pytest_proton.plugin import proton_settings
    from pytest_proton.targets import Settings, Target

#: public name -> the module that defines it
_EXPORTS = {
    "LocalBundle": "bundle_upload",
    "ProtonControls": "controls",
    "TemplateFactory": "factories",
    "EnvironmentFactory": "factories",
    "ServiceFactory": "factories",
    "ComponentFactory": "factories",
    "Handle": "handles",
    "TemplateHandle": "handles",
    "EnvironmentHandle": "handles",
    "ServiceHandle": "handles",
    "ServiceInstanceHandle": "handles",
    "ServicePipelineHandle": "handles",
    "ComponentHandle": "handles",
    "Lifecycle": "lifecycle",
    "Settings": "targets",
    "Target": "targets",
    "proton_settings": "plugin",
    **dict.fromkeys(
        (
            "ProtonFixtureError",
            "BundleNotFound",
            "InvalidRequest",
            "LintGateError",
            "RegistrationFailed",
            "DeploymentFailed",
            "WaitTimeout",
            "ControlsUnavailable",
            "TeardownError",
            "RealAccountRefused",
        ),
        "errors",
    ),
}

__all__ = [
    "BundleNotFound",
    "ComponentFactory",
    "ComponentHandle",
    "ControlsUnavailable",
    "DeploymentFailed",
    "EnvironmentFactory",
    "EnvironmentHandle",
    "Handle",
    "InvalidRequest",
    "Lifecycle",
    "LintGateError",
    "LocalBundle",
    "ProtonControls",
    "ProtonFixtureError",
    "RealAccountRefused",
    "RegistrationFailed",
    "ServiceFactory",
    "ServiceHandle",
    "ServiceInstanceHandle",
    "ServicePipelineHandle",
    "Settings",
    "Target",
    "TeardownError",
    "TemplateFactory",
    "TemplateHandle",
    "WaitTimeout",
    "proton_settings",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'pytest_proton' has no attribute {name!r}")
    value = getattr(import_module(f"pytest_proton.{module}"), name)
    globals()[name] = value
    return value
