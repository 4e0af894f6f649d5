"""The pluggy hooks through which rules, rule packs and reporters reach proton-lint.

Third-party packages register a module or object under the ``proton_lint`` entry-point group::

    [project.entry-points.proton_lint]
    acme = "acme_proton_rules.plugin"

and implement any of these hooks with ``@proton_lint.hookimpl``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from proton_lint.bundle import Bundle
    from proton_lint.findings import Finding
    from proton_lint.rules import Rule

PROJECT = "proton_lint"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def proton_lint_rules() -> list[Rule]:
    """Return rule instances (code rules)."""


@hookspec
def proton_lint_rule_packs() -> list[Path | Any]:
    """Return YAML rule packs: files or folders of ``*.yaml`` (paths or importlib Traversables)."""


@hookspec
def proton_lint_reporters() -> dict[str, Any]:
    """Return ``{format name: reporter class}``; see proton_lint.reporters.base.Reporter."""


@hookspec
def proton_lint_bundle_loaded(bundle: Bundle) -> None:
    """Called once per bundle after discovery, before any rule runs on it."""


@hookspec
def proton_lint_bundle_checked(bundle: Bundle, findings: list[Finding]) -> None:
    """Called once per bundle with its findings (after inline suppressions)."""
