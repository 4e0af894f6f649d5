"""The errors a user can cause (bad paths, config, rule packs): reported as one line, exit code 2."""

from __future__ import annotations

from proton_lint.baseline import BaselineError
from proton_lint.config import ConfigError
from proton_lint.datarules import RulePackError
from proton_lint.discover import DiscoveryError
from proton_lint.plugins import PluginError
from proton_lint.rules import SelectionError

USER_ERRORS: tuple[type[Exception], ...] = (
    BaselineError,
    ConfigError,
    DiscoveryError,
    PluginError,
    RulePackError,
    SelectionError,
    OSError,
)
