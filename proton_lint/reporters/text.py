"""The default, human-readable format: findings grouped under their file, then a summary line."""

from __future__ import annotations

from typing import TYPE_CHECKING

from proton_lint.reporters.base import Position, Reporter, plural, printable

if TYPE_CHECKING:
    from proton_lint.engine import LintResult
    from proton_lint.findings import Finding

_RESET = "\033[0m"
_STYLES = {
    "path": "\033[1m",  # bold
    "location": "\033[2m",  # dim
    "rule": "\033[1m",
    "error": "\033[31m",  # red
    "warning": "\033[33m",  # yellow
    "info": "\033[36m",  # cyan
    "hint": "\033[2m",
    "ok": "\033[32m",  # green
    "summary": "\033[1m",
}


class TextReporter(Reporter):
    name = "text"
    description = "findings grouped by file, for people (the default)"

    def style(self, text: str, kind: str) -> str:
        if not self.context.color or not text:
            return text
        return f"{_STYLES[kind]}{text}{_RESET}"

    def report(self, result: LintResult) -> None:
        groups: dict[str, list[Finding]] = {}
        for finding in result.findings:
            groups.setdefault(finding.path, []).append(finding)
        for path, findings in groups.items():
            self.out.write(self.style(printable(path), "path") + "\n")
            for finding in findings:
                self.write_finding(finding)
            self.out.write("\n")
        if self.context.statistics and result.findings:
            self.write_statistics(result.findings)
            self.out.write("\n")
        self.out.write(self.summary_line(result) + "\n")

    def write_finding(self, finding: Finding) -> None:
        pos = Position.of(finding)
        severity = str(finding.severity)
        cells = [self.style(finding.rule, "rule"), self.style(severity, severity)]
        if pos.known:
            cells.insert(0, self.style(f"{pos.line}:{pos.column}", "location"))
        # Continuation lines of a multi-line message are indented so that the grouping stays readable.
        message = "\n    ".join(printable(finding.message, keep_newlines=True).splitlines() or [""])
        self.out.write("  " + "  ".join([*cells, message]) + "\n")
        if finding.hint:
            hint = "\n      ".join(printable(finding.hint, keep_newlines=True).splitlines())
            self.out.write("    " + self.style(f"hint: {hint}", "hint") + "\n")

    def summary_line(self, result: LintResult) -> str:
        bundles = plural(result.bundles, "bundle")
        baselined = f" ({result.baselined} more in the baseline)" if result.baselined else ""
        if not result.findings:
            return self.style(f"No findings in {bundles}{baselined}.", "ok")
        counts = self.summary(result.findings)
        parts = [plural(counts[s], s) for s in ("error", "warning") if counts[s]]
        if counts["info"]:
            parts.append(f"{counts['info']} info")
        head = f"Found {plural(counts['total'], 'finding')} in {bundles}"
        return self.style(f"{head}: {', '.join(parts)}{baselined}", "summary")
