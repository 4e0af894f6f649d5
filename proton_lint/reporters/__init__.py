"""The built-in output formats, by ``--format`` name.

Imported only when a check runs; each reporter module imports little more than the standard library
at import time, and defers anything heavier to ``report``.
"""

from __future__ import annotations

from proton_lint.reporters.base import ReportContext, Reporter
from proton_lint.reporters.github import GithubReporter
from proton_lint.reporters.json import JsonReporter
from proton_lint.reporters.junit import JunitReporter
from proton_lint.reporters.parseable import ParseableReporter
from proton_lint.reporters.sarif import SarifReporter
from proton_lint.reporters.text import TextReporter

BUILTIN_REPORTERS: dict[str, type[Reporter]] = {
    cls.name: cls
    for cls in (TextReporter, ParseableReporter, JsonReporter, SarifReporter, GithubReporter, JunitReporter)
}

#: the format used when none is given
DEFAULT_FORMAT = TextReporter.name

__all__ = ["BUILTIN_REPORTERS", "DEFAULT_FORMAT", "ReportContext", "Reporter"]
