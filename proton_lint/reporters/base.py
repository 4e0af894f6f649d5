"""The reporter interface. A reporter writes one run's result to a text stream."""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, TextIO

if TYPE_CHECKING:
    from proton_lint.engine import LintResult
    from proton_lint.findings import Finding
    from proton_lint.rules import Rule


@dataclass
class ReportContext:
    """What a reporter may need besides the findings."""

    stream: TextIO
    color: bool = False
    statistics: bool = False
    #: every rule that was selected for the run (for SARIF rule metadata, statistics)
    rules: list[Rule] = field(default_factory=list)
    #: the command line, for formats that record it (SARIF invocations)
    argv: list[str] = field(default_factory=list)


class Reporter:
    """Subclasses implement ``report``; ``name`` is the ``--format`` value."""

    name: ClassVar[str]
    description: ClassVar[str] = ""

    def __init__(self, context: ReportContext) -> None:
        self.context = context
        self.out = context.stream

    def report(self, result: LintResult) -> None:
        raise NotImplementedError

    # shared helpers -----------------------------------------------------------------------------
    @staticmethod
    def summary(findings: list[Finding]) -> dict[str, int]:
        counts = Counter(str(f.severity) for f in findings)
        return {"total": len(findings), "error": counts["error"], "warning": counts["warning"], "info": counts["info"]}

    @staticmethod
    def statistics_rows(findings: list[Finding]) -> list[tuple[int, str, str, str]]:
        """(count, rule ID, slug, severity) per rule, most frequent first."""
        counts = Counter((f.rule, f.name, str(f.severity)) for f in findings)
        return sorted(((n, *key) for key, n in counts.items()), key=lambda row: (-row[0], row[1]))

    def write_statistics(self, findings: list[Finding]) -> None:
        """The ``--statistics`` table: one aligned row per rule, nothing when there are no findings."""
        rows = [(str(n), rule, slug, severity) for n, rule, slug, severity in self.statistics_rows(findings)]
        if not rows:
            return
        widths = [max(len(row[i]) for row in rows) for i in range(4)]
        for row in rows:
            count, *rest = row
            cells = [count.rjust(widths[0])] + [cell.ljust(width) for cell, width in zip(rest, widths[1:], strict=True)]
            self.out.write("  ".join(cells).rstrip() + "\n")

    def write_json(self, document: Any) -> None:
        """Machine formats are written ASCII-only so that any stream encoding can carry them.

        Bytes of a path that are not UTF-8 are written as ``\\xNN``: a lone surrogate escape
        (``\\udcff``) is valid JSON syntax but strict parsers (GitHub code scanning) reject it.
        """
        json.dump(safe_strings(document), self.out, indent=2)
        self.out.write("\n")


@dataclass(frozen=True)
class Position:
    """A finding's place in its file; every field is ``None`` when the finding has no span.

    Columns are 1-based and ``end_column`` is inclusive, as in :class:`proton_lint.findings.Span`.
    """

    line: int | None = None
    column: int | None = None
    end_line: int | None = None
    end_column: int | None = None

    @classmethod
    def of(cls, finding: Finding) -> Position:
        span = finding.span
        # A line below 1 is not a place in the file (SARIF and GitHub reject it): treat as no span.
        if span is None or span.line < 1:
            return cls()
        return cls(span.line, max(span.column, 1), span.end_line, span.end_column)

    @property
    def known(self) -> bool:
        return self.line is not None


def posix_path(path: str) -> str:
    """The display path with ``/`` separators, for formats read on other machines (SARIF, GitHub)."""
    return path.replace(os.sep, "/") if os.sep != "/" else path


_LINE_BREAKS = re.compile(r"\s*[\r\n]+\s*")
#: Lone surrogates: how Python holds the bytes of a file name that are not UTF-8 (surrogateescape).
_SURROGATES = re.compile("[\ud800-\udfff]")
#: What a terminal or log would act on rather than show: C0 and C1 controls (newlines, ANSI
#: escapes), bidirectional marks, overrides and isolates (U+202E shows "txt.exe" as "exe.txt"),
#: and the surrogates above.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_UNPRINTABLE_KEEP_LINES = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)


def escape_char(char: str) -> str:
    """``\\xff`` for a byte that is not UTF-8 (or a control character), ``\\u202e`` above."""
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # the byte 0x80..0xff, as os.fsdecode kept it
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def unicode_safe(text: str) -> str:
    """``text`` with undecodable bytes written as ``\\xNN``, so strict UTF-8 writers and parsers accept it."""
    return text if text.isascii() else _SURROGATES.sub(lambda m: escape_char(m.group()), text)


def printable(text: str, *, keep_newlines: bool = False) -> str:
    """``text`` safe to print on a terminal or CI log: controls, bidi overrides and bad bytes escaped.

    ``keep_newlines`` leaves line breaks and tabs (multi-line messages); file names never keep them.
    """
    pattern = _UNPRINTABLE_KEEP_LINES if keep_newlines else _UNPRINTABLE
    return pattern.sub(lambda m: escape_char(m.group()), text)


def safe_strings(document: Any) -> Any:
    """Every string of a JSON-like document made :func:`unicode_safe`."""
    if isinstance(document, str):
        return unicode_safe(document)
    if isinstance(document, dict):
        return {safe_strings(k): safe_strings(v) for k, v in document.items()}
    if isinstance(document, list | tuple):
        return [safe_strings(item) for item in document]
    return document


def one_line(text: str) -> str:
    """``text`` with line breaks folded to single spaces, for formats that are one line per finding."""
    return _LINE_BREAKS.sub(" ", text.strip())


def plural(count: int, word: str) -> str:
    """``1 error``, ``2 errors``."""
    return f"{count} {word}" if count == 1 else f"{count} {word}s"
