"""One ``path:line:col: ID severity message`` line per finding, for editors and grep."""

from __future__ import annotations

from typing import TYPE_CHECKING

from proton_lint.reporters.base import Position, Reporter, one_line, printable

if TYPE_CHECKING:
    from proton_lint.engine import LintResult


class ParseableReporter(Reporter):
    name = "parseable"
    description = "path:line:col: ID severity message, one line per finding"

    def report(self, result: LintResult) -> None:
        for finding in result.findings:
            pos = Position.of(finding)
            # Editors' error parsers need a position: a finding about a whole file points at its start.
            line, column = (pos.line, pos.column) if pos.known else (1, 1)
            message = printable(one_line(finding.message))
            self.out.write(f"{printable(finding.path)}:{line}:{column}: {finding.rule} {finding.severity} {message}\n")
        if self.context.statistics:
            self.write_statistics(result.findings)
