"""JUnit XML, for CI systems that show test reports (GitLab, Jenkins, Azure Pipelines)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from proton_lint.reporters.base import Position, Reporter, escape_char, printable

if TYPE_CHECKING:
    from proton_lint.engine import LintResult
    from proton_lint.findings import Finding

# Characters XML 1.0 cannot carry at all, not even as character references; ElementTree would
# write them as they are and produce a document no parser accepts.
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    return _NOT_XML.sub(lambda m: escape_char(m.group()), text)


class JunitReporter(Reporter):
    name = "junit"
    description = "JUnit XML, one failing test case per finding"

    def report(self, result: LintResult) -> None:
        import xml.etree.ElementTree as ET  # deferred: reporters/__init__ imports every reporter

        failures = len(result.findings)
        suite = ET.Element(
            "testsuite",
            name="proton-lint",
            tests=str(max(failures, 1)),
            failures=str(failures),
            errors="0",
            skipped="0",
        )
        for finding in result.findings:
            case = ET.SubElement(suite, "testcase", classname=printable(finding.path), name=self.case_name(finding))
            failure = ET.SubElement(case, "failure", message=xml_text(finding.message), type=finding.rule)
            failure.text = xml_text(self.details(finding))
        if not result.findings:
            ET.SubElement(suite, "testcase", classname="proton-lint", name="proton-lint")
        ET.indent(suite)
        self.out.write(ET.tostring(suite, encoding="unicode", xml_declaration=True) + "\n")

    @staticmethod
    def case_name(finding: Finding) -> str:
        pos = Position.of(finding)
        where = f" line {pos.line}" if pos.known else ""
        return f"{finding.rule} {finding.name}{where}"

    @staticmethod
    def details(finding: Finding) -> str:
        pos = Position.of(finding)
        path = printable(finding.path)
        where = f"{path}:{pos.line}:{pos.column}" if pos.known else path
        text = f"{where}: {finding.severity}: {finding.message}"
        return f"{text}\nhint: {finding.hint}" if finding.hint else text
