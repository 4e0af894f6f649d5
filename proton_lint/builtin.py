"""proton-lint's own plugin: the built-in rules, rule packs and reporters."""

from __future__ import annotations

from importlib import resources
from typing import Any

from proton_lint.hookspecs import hookimpl
from proton_lint.rules import Rule


@hookimpl
def proton_lint_rules() -> list[Rule]:
    from proton_lint.checks import all_rules

    return all_rules()


@hookimpl
def proton_lint_rule_packs() -> list[Any]:
    return [resources.files("proton_lint") / "rules"]


@hookimpl
def proton_lint_reporters() -> dict[str, type]:
    from proton_lint.reporters import BUILTIN_REPORTERS

    return dict(BUILTIN_REPORTERS)
