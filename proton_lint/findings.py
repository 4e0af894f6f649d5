"""Findings: what a rule reports, where, and how bad it is."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace


class Severity(enum.IntEnum):
    """Severities, ordered so that ``>=`` means "at least as bad as"."""

    INFO = 1
    WARNING = 2
    ERROR = 3

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise ValueError(f"unknown severity {text!r}: use error, warning or info") from None

    def __str__(self) -> str:
        return self.name.lower()


@dataclass(frozen=True, slots=True)
class Span:
    """A region of a file, 1-based lines and columns, end inclusive of the last character."""

    line: int
    column: int = 1
    end_line: int | None = None
    end_column: int | None = None


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem found by one rule.

    ``path`` is the display path (relative to the working directory, ``!/`` inside archives).
    ``logical_path`` names the node the finding is about (``schema.types.Env.properties.x``);
    together with ``path`` and ``rule`` it keys baselines, so findings survive line shifts.
    """

    rule: str
    name: str
    severity: Severity
    message: str
    path: str
    span: Span | None = None
    logical_path: str = ""
    hint: str | None = None
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def line(self) -> int | None:
        return self.span.line if self.span else None

    @property
    def column(self) -> int | None:
        return self.span.column if self.span else None

    def sort_key(self) -> tuple:
        span = self.span or Span(0, 0)
        return (self.path, span.line, span.column, self.rule, self.message)

    def with_severity(self, severity: Severity) -> Finding:
        return replace(self, severity=severity)


def logical_path(parts: tuple | list) -> str:
    """Dotted logical path; list indexes in brackets: ``infrastructure.templates[0].file``."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out
