"""A versioned JSON document; its schema is json-output.schema.json beside this module.

Bump ``SCHEMA_VERSION`` (and the schema) on any change that could break a consumer: removing or
renaming a field, or changing a field's type. Adding a field is not such a change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import proton_lint
from proton_lint.reporters.base import Position, Reporter

if TYPE_CHECKING:
    from proton_lint.engine import LintResult
    from proton_lint.findings import Finding

SCHEMA_VERSION = 1


class JsonReporter(Reporter):
    name = "json"
    description = "a versioned JSON document (see json-output.schema.json)"

    def report(self, result: LintResult) -> None:
        self.write_json(self.document(result))

    def document(self, result: LintResult) -> dict[str, Any]:
        return {
            "version": SCHEMA_VERSION,
            "tool": {"name": "proton-lint", "version": proton_lint.__version__},
            "findings": [self.finding(f) for f in result.findings],
            "summary": {**self.summary(result.findings), "bundles": result.bundles, "baselined": result.baselined},
        }

    @staticmethod
    def finding(finding: Finding) -> dict[str, Any]:
        pos = Position.of(finding)
        return {
            "rule": finding.rule,
            "name": finding.name,
            "severity": str(finding.severity),
            "message": finding.message,
            "path": finding.path,
            "line": pos.line,
            "column": pos.column,
            "end_line": pos.end_line,
            "end_column": pos.end_column,
            "logical_path": finding.logical_path,
            "hint": finding.hint,
        }
