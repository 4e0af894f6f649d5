"""cfn-lint on rendered templates: one Runner per process, findings with rendered-line positions.

cfn-lint costs about a second to import and half a second to load its rules, so both happen once
per process, on first use, and never for `proton-lint --version` or a run that renders nothing.
The caller maps rendered lines back to the Jinja source (proton_lint.render keeps that map).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any


@dataclass(frozen=True)
class CfnMatch:
    """One cfn-lint finding on a rendered template (1-based lines and columns)."""

    rule: str  # cfn-lint's own ID, e.g. E3002
    level: str  # "error", "warning" or "informational"
    message: str
    line: int
    column: int
    end_line: int
    end_column: int
    #: cfn-lint's path to the node (Resources/Bucket/Properties/...), when it gives one
    path: tuple = ()


def cfn_lint_version() -> str:
    from importlib.metadata import version

    return version("cfn-lint")


@lru_cache(maxsize=4)
def _runner(regions: tuple[str, ...]) -> Any:
    from cfnlint.config import ConfigMixIn
    from cfnlint.runner.cli import Runner

    return Runner(ConfigMixIn(cli_args=[], regions=list(regions)))


def _convert(match: Any) -> CfnMatch:
    path = getattr(match, "path", None)
    return CfnMatch(
        rule=match.rule.id,
        level=str(getattr(match.rule, "severity", "error")).lower(),
        message=str(match.message),
        line=max(int(match.linenumber or 1), 1),
        column=max(int(match.columnnumber or 1), 1),
        end_line=max(int(match.linenumberend or match.linenumber or 1), 1),
        end_column=max(int(match.columnnumberend or match.columnnumber or 1), 1),
        path=tuple(path.path) if path is not None and hasattr(path, "path") else (),
    )


@lru_cache(maxsize=512)
def lint_template(text: str, regions: tuple[str, ...] = ("us-east-1",)) -> tuple[CfnMatch, ...]:
    """cfn-lint's findings for one rendered CloudFormation template (memoised per text and regions,
    and in the run's result cache, so that an unchanged template never loads cfn-lint).

    A template that is not valid YAML or JSON yields cfn-lint's own parse findings (E0000).
    """
    from proton_lint import cache

    store = cache.active
    key = cache.digest(cache.tool_versions(), regions, text) if store is not None else ""
    if store is not None:
        stored = store.get("cfn", key)
        if isinstance(stored, list):
            return tuple(CfnMatch(**{**m, "path": tuple(m["path"])}) for m in stored)
    matches = _lint(text, tuple(regions))
    if store is not None:
        store.put("cfn", key, [asdict(m) for m in matches])
    return matches


def _lint(text: str, regions: tuple[str, ...]) -> tuple[CfnMatch, ...]:
    from cfnlint.decode.decode import decode_str

    template, errors = decode_str(text)
    if errors:
        return tuple(_convert(m) for m in errors)
    if not isinstance(template, dict):
        return ()
    matches = _runner(regions).validate_template(template)
    return tuple(sorted((_convert(m) for m in matches), key=lambda m: (m.line, m.column, m.rule)))
