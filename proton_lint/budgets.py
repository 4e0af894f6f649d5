"""Budgets: how much time and memory one run may spend on what a template repository holds.

Every budget has a default far beyond any real template and is set with the ``limits`` table of
the configuration (``[tool.proton-lint.limits]``, or ``limits:`` in ``.proton-lint.yaml``).
Going over a budget is a finding at the file and line that asked for it, never a hang or a crash.

The environment variable ``PROTON_LINT_LIMITS`` (``render-seconds=5,value-size=100000``) changes
the defaults, for the emulator and anything else that renders without a configuration file.
The budgets in force are a context variable, so the emulator's threads and the linter's workers
each see their own, and tests can lower them for one block with :func:`using`.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

from proton_lint.errors import UserError


@dataclass(frozen=True, slots=True)
class Budgets:
    """The limits of one run. Field names are the config keys with ``-`` for ``_``."""

    #: wall-clock seconds one render of one template may take
    render_seconds: float = 10.0
    #: steps one render may take: loop iterations, calls, operators (deterministic, unlike time)
    render_steps: int = 1_000_000
    #: characters one rendered template may have
    render_output: int = 20_000_000
    #: largest string (characters), list (items) or integer (decimal digits) a template may build
    value_size: int = 1_000_000
    #: bytes an archive may hold compressed before it is refused unopened
    archive_compressed: int = 100 * 1024 * 1024
    #: bytes an archive may unpack to (member data and headers), counted as they are read
    archive_unpacked: int = 200 * 1024 * 1024
    #: members an archive may hold
    archive_members: int = 10_000
    #: bytes one file of a bundle may have before it is refused unread
    file_size: int = 50 * 1024 * 1024
    #: bytes a sample spec may have before it is refused unparsed (Proton's limit is 51,200 characters)
    spec_size: int = 2_000_000
    #: bytes one request body to the emulator's Proton endpoint may have, after any gzip is undone
    #: (Proton's largest request is a spec of 51,200 characters)
    emulator_request_bytes: int = 4 * 1024 * 1024
    #: nesting depth of one emulator request's JSON body (Proton's input shapes nest 3 deep)
    emulator_json_depth: int = 32
    #: resources one emulator deployment may simulate because moto failed on them while making the
    #: stack (each costs another attempt at the whole stack; types moto lacks cost nothing and do not count)
    simulated_resources: int = 25
    #: bytes a ``proton-lint migrate`` inventory may have before it is refused unparsed
    inventory_size: int = 2_000_000

    @classmethod
    def config_keys(cls) -> tuple[str, ...]:
        """The config keys, in declaration order."""
        return tuple(f.name.replace("_", "-") for f in fields(cls))

    @classmethod
    def from_config(cls, values: Mapping[str, Any] | None) -> Budgets:
        """Budgets from the ``limits`` table (validated by the config schema: keys and minimums)."""
        if not values:
            return defaults()
        return replace(defaults(), **{key.replace("-", "_"): value for key, value in values.items()})


def _from_environment() -> Budgets:
    """The defaults, changed by ``PROTON_LINT_LIMITS="key=value,..."`` (how the emulator is configured)."""
    text = os.environ.get(ENVIRONMENT_VARIABLE, "").strip()
    if not text:
        return Budgets()
    changes: dict[str, Any] = {}
    known = Budgets.config_keys()
    for item in filter(None, (part.strip() for part in text.split(","))):
        key, _, value = item.partition("=")
        key = key.strip()
        if key not in known:
            raise UserError(f"{ENVIRONMENT_VARIABLE}: unknown limit {key!r}; the limits are {', '.join(known)}")
        try:
            number = float(value) if key == "render-seconds" else int(value)
        except ValueError:
            raise UserError(f"{ENVIRONMENT_VARIABLE}: {key} should be a number, not {value.strip()!r}") from None
        if number <= 0:
            raise UserError(f"{ENVIRONMENT_VARIABLE}: {key} should be positive")
        changes[key.replace("-", "_")] = number
    return Budgets(**changes)


ENVIRONMENT_VARIABLE = "PROTON_LINT_LIMITS"

#: JSON Schema of the config's ``limits`` table.
CONFIG_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        key: {"type": "number", "exclusiveMinimum": 0} if key == "render-seconds" else {"type": "integer", "minimum": 1}
        for key in Budgets.config_keys()
    },
}


@functools.lru_cache(maxsize=1)
def defaults() -> Budgets:
    """The defaults of this process: the built-in ones, changed by ``PROTON_LINT_LIMITS``."""
    return _from_environment()


_current: contextvars.ContextVar[Budgets | None] = contextvars.ContextVar("proton_lint_budgets", default=None)


def current() -> Budgets:
    """The budgets in force in this thread or task."""
    return _current.get() or defaults()


def activate(budgets: Budgets) -> None:
    """Make ``budgets`` the ones in force for the rest of this context (a run, a worker)."""
    _current.set(budgets)


@contextlib.contextmanager
def using(budgets: Budgets | None = None, **changes: Any) -> Iterator[Budgets]:
    """Run a block under ``budgets`` (or the current ones with ``changes``), then restore."""
    chosen = replace(budgets or current(), **changes)
    token = _current.set(chosen)
    try:
        yield chosen
    finally:
        _current.reset(token)
