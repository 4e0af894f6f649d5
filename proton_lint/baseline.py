"""Baseline files: accept today's findings, fail only on new ones.

Entries are keyed by file (relative to the project root), rule and logical path (the node the
finding is about), not by where the node sits, so a baseline survives edits that move lines.
Findings without a logical path (layout findings) are keyed by their message instead;
unused-suppression findings are keyed by the comment's line. Keys are a multiset: two identical findings need two
entries.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from proton_lint import __version__
from proton_lint.errors import UserError
from proton_lint.files import NO_LIMIT, read_regular
from proton_lint.findings import Finding

BASELINE_VERSION = 1


class BaselineError(UserError):
    """An unreadable baseline file (exit code 2)."""


def _key(path: str, rule: str, logical_path: str, message: str) -> tuple[str, str, str]:
    return (path, rule, logical_path or f"message:{message}")


def write(path: Path, findings: list[Finding], where: Callable[[str], str] = str) -> None:
    """Write the findings; ``where`` turns a displayed path into the project-relative one stored."""
    entries = [
        {"path": where(f.path), "rule": f.rule, "logical_path": f.logical_path, "message": f.message}
        for f in sorted(findings, key=Finding.sort_key)
    ]
    body = {"version": BASELINE_VERSION, "tool": f"proton-lint {__version__}", "findings": entries}
    path.write_text(json.dumps(body, indent=2) + "\n", encoding="utf-8")


def load(path: Path) -> Counter:
    try:
        body = json.loads(read_regular(path, NO_LIMIT).decode("utf-8"))  # the user's own file
    except OSError as exc:
        raise BaselineError(f"{path}: cannot read the baseline: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise BaselineError(f"{path}:{exc.lineno}: not JSON ({exc.msg}); write it with --write-baseline") from None
    if (
        not isinstance(body, dict)
        or body.get("version") != BASELINE_VERSION
        or not isinstance(body.get("findings"), list)
    ):
        raise BaselineError(
            f"{path}: not a proton-lint baseline (version {BASELINE_VERSION}); write it with --write-baseline"
        )
    keys: Counter = Counter()
    for entry in body["findings"]:
        if isinstance(entry, dict):
            keys[
                _key(
                    entry.get("path", ""),
                    entry.get("rule", ""),
                    entry.get("logical_path", ""),
                    entry.get("message", ""),
                )
            ] += 1
    return keys


def filter_known(findings: list[Finding], known: Counter, where: Callable[[str], str] = str) -> list[Finding]:
    """The findings the baseline does not account for (paths compared through ``where``)."""
    remaining = Counter(known)
    new = []
    for finding in sorted(findings, key=Finding.sort_key):
        key = _key(where(finding.path), finding.rule, finding.logical_path, finding.message)
        if remaining[key] > 0:
            remaining[key] -= 1
        else:
            new.append(finding)
    return new
