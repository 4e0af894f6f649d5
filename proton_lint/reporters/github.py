"""GitHub Actions workflow commands: each finding becomes an annotation on the pull request."""

from __future__ import annotations

from typing import TYPE_CHECKING

from proton_lint.reporters.base import Position, Reporter, posix_path, printable

if TYPE_CHECKING:
    from proton_lint.engine import LintResult
    from proton_lint.findings import Finding

COMMANDS = {"error": "error", "warning": "warning", "info": "notice"}


def escape_data(text: str) -> str:
    """As ``escapeData`` in @actions/core (toolkit/packages/core/src/command.ts)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """As ``escapeProperty`` in @actions/core: data escaping plus ``:`` and ``,``."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


class GithubReporter(Reporter):
    name = "github"
    description = "GitHub Actions annotations (workflow commands)"

    def report(self, result: LintResult) -> None:
        for finding in result.findings:
            self.out.write(self.command(finding) + "\n")

    @staticmethod
    def command(finding: Finding) -> str:
        pos = Position.of(finding)
        props: list[tuple[str, object]] = [
            ("file", printable(posix_path(finding.path))),
            ("line", pos.line),
            ("col", pos.column),
            ("endLine", pos.end_line),
            ("endColumn", pos.end_column),
            ("title", f"{finding.rule} ({finding.name})"),
        ]
        text = ",".join(f"{key}={escape_property(str(value))}" for key, value in props if value is not None)
        message = escape_data(printable(finding.message, keep_newlines=True))
        return f"::{COMMANDS[str(finding.severity)]} {text}::{message}"
