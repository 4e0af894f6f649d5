"""Unique, valid Proton names: the readable part a test gave plus a short suffix of fixed length.

A generated name is ``<basename>-RRRRWNNN``: ``RRRR`` names the run (four base-36 characters, the
same in every xdist worker of one run), ``W`` the xdist worker (``0`` without xdist and for
``gw0``, ``1`` for ``gw1``, ... ``z`` for ``gw35``), ``NNN`` counts the names of that worker (base 36).
The suffix is always nine characters (``-`` and eight), with or without xdist, so a template that
truncates a name renders the same under ``-n 2`` as in one process. Two workers, two runs against
one shared endpoint, or two tests of one run never collide, and a leaked resource says which run
made it. ``name=`` on a factory skips all this: the name is used exactly as given.

Proton names match ``[0-9A-Za-z]+[0-9A-Za-z_\\-]*`` and are at most 100 characters; S3 bucket names
are lowercase, 3 to 63 characters.
"""

from __future__ import annotations

import itertools
import os
import re
import threading
import uuid

MAX_NAME = 100
MAX_WORKERS = 36
_INVALID = re.compile(r"[^0-9A-Za-z_-]+")
_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


def _base36(number: int, width: int) -> str:
    out = ""
    for _ in range(width):
        number, digit = divmod(number, 36)
        out = _DIGITS[digit] + out
    return out


def worker_id() -> str:
    """The pytest-xdist worker (``gw0``, ``gw1``, ...) or ``main`` without xdist."""
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def worker_digit(worker: str) -> str:
    """One base-36 character for the worker: ``0`` for ``main`` and ``gw0``, ``z`` for ``gw35``."""
    if worker == "main":
        return "0"
    number = int(worker[2:]) if worker.startswith("gw") and worker[2:].isdigit() else -1
    if not 0 <= number < MAX_WORKERS:
        raise ValueError(
            f"pytest_proton's unique names tell apart up to {MAX_WORKERS} xdist workers (gw0 to gw35), not {worker}"
        )
    return _DIGITS[number]


def run_token(testrunuid: str | None = None) -> str:
    """Four base-36 characters naming this run; xdist's ``testrunuid`` is shared by every worker."""
    seed = int((testrunuid or uuid.uuid4().hex)[:12], 16)
    return _base36(seed, 4)


class Namer:
    """Makes unique names for one pytest process (one xdist worker)."""

    def __init__(self, run: str, worker: str | None = None) -> None:
        self.run = run
        self.worker = worker if worker is not None else worker_id()
        self._worker_digit = worker_digit(self.worker)
        self._counter = itertools.count(1)
        self._lock = threading.Lock()

    @property
    def suffix_stem(self) -> str:
        return f"{self.run}{self._worker_digit}"

    def suffix(self, number: int) -> str:
        """``-RRRRWNNN``: nine characters whatever the worker."""
        return f"-{self.suffix_stem}{_base36(number, 3)}"

    def __call__(self, logical: str) -> str:
        with self._lock:
            number = next(self._counter)
        if number >= 36**3:
            raise RuntimeError(f"pytest_proton made {number - 1} names in this worker: its suffixes are used up")
        base = _INVALID.sub("-", logical).strip("-_") or "pt"
        if not base[0].isalnum():
            base = "pt" + base
        suffix = self.suffix(number)
        return base[: MAX_NAME - len(suffix)] + suffix

    def bucket(self, account: str, region: str) -> str:
        name = f"pytest-proton-{self.suffix_stem}-{account}-{region}".lower()
        return _INVALID.sub("-", name)[:63].rstrip("-")
