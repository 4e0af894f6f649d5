"""SARIF 2.1.0, for GitHub code scanning and other SARIF viewers."""

from __future__ import annotations

import os
import shlex
import textwrap
from pathlib import PurePath
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import proton_lint
from proton_lint.reporters.base import Position, Reporter, posix_path

if TYPE_CHECKING:
    from proton_lint.engine import LintResult
    from proton_lint.findings import Finding
    from proton_lint.rules import Rule

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/proton-lint/proton-lint"
FINGERPRINT_KEY = "protonLintKey/v1"
LEVELS = {"error": "error", "warning": "warning", "info": "note"}


def artifact_uri(path: str) -> str:
    """A URI reference for a display path: relative and percent-encoded (``a b!/c`` -> ``a%20b%21/c``).

    The path's bytes are encoded, so a name that is not UTF-8 still points at its file (``\\xff`` -> ``%FF``).
    """
    posix = os.fsencode(posix_path(path))
    if PurePath(path).is_absolute():
        return "file://" + quote(posix if posix.startswith(b"/") else b"/" + posix, safe="/:")
    return quote(posix, safe="/")


def fingerprint(finding: Finding) -> str:
    """A key that survives line shifts: path, rule and logical path (or message when there is none)."""
    import hashlib  # deferred: reporters/__init__ imports every reporter, and few runs write SARIF

    what = finding.logical_path or finding.message
    key = "\0".join([posix_path(finding.path), finding.rule, what])
    return hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()


class SarifReporter(Reporter):
    name = "sarif"
    description = "SARIF 2.1.0, for GitHub code scanning"

    def report(self, result: LintResult) -> None:
        self.write_json(self.document(result))

    def document(self, result: LintResult) -> dict[str, Any]:
        descriptors = self.descriptors(result)
        index = {d["id"]: i for i, d in enumerate(descriptors)}
        invocation: dict[str, Any] = {"executionSuccessful": not result.internal_error}
        if self.context.argv:
            invocation["commandLine"] = shlex.join(self.context.argv)
        run = {
            "tool": {
                "driver": {
                    "name": "proton-lint",
                    "version": proton_lint.__version__,
                    "informationUri": INFORMATION_URI,
                    "rules": descriptors,
                }
            },
            "invocations": [invocation],
            # Span columns count characters, not the UTF-16 code units that SARIF assumes by default.
            "columnKind": "unicodeCodePoints",
            "results": [self.result(f, index[f.rule]) for f in result.findings],
        }
        return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}

    # -- rules -----------------------------------------------------------------------------------
    def descriptors(self, result: LintResult) -> list[dict[str, Any]]:
        """The selected rules, then any other rule that has findings (PL000 is never selected)."""
        known: dict[str, Rule] = {}
        for rule in [*self.context.rules, *result.rules]:
            known.setdefault(rule.id, rule)
        out = [self.rule_descriptor(rule) for rule in self.context.rules]
        seen = {rule.id for rule in self.context.rules}
        for finding in result.findings:
            if finding.rule in seen:
                continue
            seen.add(finding.rule)
            rule = known.get(finding.rule)
            out.append(self.rule_descriptor(rule) if rule else self.finding_descriptor(finding))
        return out

    @staticmethod
    def rule_descriptor(rule: Rule) -> dict[str, Any]:
        doc = rule.doc_markdown()
        full = textwrap.dedent(rule.what).strip() or rule.summary
        return {
            "id": rule.id,
            "name": rule.slug,
            "shortDescription": {"text": rule.summary},
            "fullDescription": {"text": full},
            "help": {"text": doc, "markdown": doc},
            "defaultConfiguration": {"level": LEVELS[str(rule.severity)]},
            "properties": {"tags": _tags(rule.origin)},
        }

    @staticmethod
    def finding_descriptor(finding: Finding) -> dict[str, Any]:
        """Metadata for a rule known only from its findings, e.g. PL000 (internal error)."""
        title = finding.name.replace("-", " ").capitalize()
        text = f"{title} ({finding.rule})."
        return {
            "id": finding.rule,
            "name": finding.name,
            "shortDescription": {"text": title},
            "fullDescription": {"text": text},
            "help": {"text": text, "markdown": f"# {finding.name} ({finding.rule})\n"},
            "defaultConfiguration": {"level": LEVELS[str(finding.severity)]},
            "properties": {"tags": _tags("proton-lint")},
        }

    # -- results ---------------------------------------------------------------------------------
    @staticmethod
    def result(finding: Finding, rule_index: int) -> dict[str, Any]:
        physical: dict[str, Any] = {"artifactLocation": {"uri": artifact_uri(finding.path)}}
        region = _region(Position.of(finding))
        if region:
            physical["region"] = region
        location: dict[str, Any] = {"physicalLocation": physical}
        if finding.logical_path:
            location["logicalLocations"] = [{"fullyQualifiedName": finding.logical_path}]
        out: dict[str, Any] = {
            "ruleId": finding.rule,
            "ruleIndex": rule_index,
            "level": LEVELS[str(finding.severity)],
            "message": {"text": finding.message},
            "locations": [location],
            "partialFingerprints": {FINGERPRINT_KEY: fingerprint(finding)},
        }
        if finding.hint:
            out["properties"] = {"hint": finding.hint}
        return out


def _region(pos: Position) -> dict[str, int]:
    """A SARIF region, or nothing for a finding without a span (SARIF forbids ``startLine: 0``)."""
    if not pos.known:
        return {}
    region = {"startLine": pos.line, "startColumn": pos.column}
    multiline = pos.end_line is not None and pos.end_line > pos.line
    if pos.end_line is not None and pos.end_line >= pos.line:
        region["endLine"] = pos.end_line
    if pos.end_column is not None and (multiline or pos.end_column >= pos.column):
        # SARIF's endColumn is the column after the region; a Span's end_column is its last character.
        region["endColumn"] = pos.end_column + 1
    return region


def _tags(origin: str) -> list[str]:
    return sorted({"aws-proton", origin})
