"""The emulator's clock: every timestamp and every token expiry reads it.

Tests step past time-based rules (client tokens expire after 8 hours) by installing a
:class:`ManualClock`::

    clock = ManualClock()
    with use_clock(clock):
        ...
        clock.advance(hours=8, seconds=1)

The clock is process-wide, so it also drives a ``ThreadedMotoServer`` in the same process. A single
backend can be given its own clock through ``ProtonBackend.clock``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from typing import Protocol


class Clock(Protocol):
    """Anything with ``now()`` returning an aware UTC datetime."""

    def now(self) -> datetime: ...


class SystemClock:
    """The wall clock, truncated to milliseconds as AWS timestamps are."""

    def now(self) -> datetime:
        moment = datetime.now(timezone.utc)
        return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


class ManualClock:
    """A clock that only moves when told to."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 1, 1, tzinfo=timezone.utc)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, **delta: float) -> datetime:
        """Move forward by ``timedelta(**delta)`` and return the new time."""
        with self._lock:
            self._now += timedelta(**delta)
            return self._now

    def set(self, moment: datetime) -> None:
        with self._lock:
            self._now = moment


class OffsetClock:
    """Another clock moved forward by an offset that only grows: time keeps running after a jump.

    :func:`pytest_proton.emulator.controls.advance_clock` installs one over the wall clock, so that
    timestamps after an advance still differ and a timed deployment still finishes.
    """

    def __init__(self, base: Clock) -> None:
        self.base = base
        self.offset = timedelta()
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            offset = self.offset
        return self.base.now() + offset

    def advance(self, **delta: float) -> datetime:
        """Move forward by ``timedelta(**delta)`` and return the new time.

        OverflowError, and no move, when that time is past what a datetime holds (year 9999).
        """
        with self._lock:
            offset = self.offset + timedelta(**delta)
            moment = self.base.now() + offset  # raises before the clock is changed
            self.offset = offset
        return moment


_current: Clock = SystemClock()


def get_clock() -> Clock:
    return _current


def set_clock(clock: Clock) -> Clock:
    """Install ``clock`` process-wide; return the previous one."""
    global _current
    previous, _current = _current, clock
    return previous


@contextmanager
def use_clock(clock: Clock) -> Iterator[Clock]:
    previous = set_clock(clock)
    try:
        yield clock
    finally:
        set_clock(previous)
