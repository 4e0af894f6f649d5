"""Unique, valid Proton names: one run token, the xdist worker, a counter.

Proton names match ``[0-9A-Za-z]+[0-9A-Za-z_\\-]*`` and are at most 100 characters; S3 bucket names
are lowercase, 3 to 63 characters. A name keeps the readable part the test gave (its *logical*
name) and adds ``-<run><worker>-<n>``, so that two xdist workers, two runs against one shared
endpoint, or two tests of one run never collide, and a leaked resource says which run made it.
"""

from __future__ import annotations

import itertools
import os
import re
import threading
import uuid

MAX_NAME = 100
_INVALID = re.compile(r"[^0-9A-Za-z_-]+")


def worker_id() -> str:
    """The pytest-xdist worker (``gw0``, ``gw1``, ...) or ``main`` without xdist."""
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def run_token(testrunuid: str | None = None) -> str:
    """Six hex characters naming this run; xdist's ``testrunuid`` is shared by every worker."""
    return (testrunuid or uuid.uuid4().hex)[:6]


class Namer:
    """Makes unique names for one pytest process (one xdist worker)."""

    def __init__(self, run: str, worker: str | None = None) -> None:
        self.run = run
        self.worker = worker if worker is not None else worker_id()
        self._counter = itertools.count(1)
        self._lock = threading.Lock()

    @property
    def suffix_stem(self) -> str:
        worker = "" if self.worker == "main" else self.worker
        return f"{self.run}{worker}"

    def __call__(self, logical: str) -> str:
        with self._lock:
            number = next(self._counter)
        base = _INVALID.sub("-", logical).strip("-_") or "pt"
        if not base[0].isalnum():
            base = "pt" + base
        suffix = f"-{self.suffix_stem}-{number}"
        return base[: MAX_NAME - len(suffix)] + suffix

    def bucket(self, account: str, region: str) -> str:
        name = f"pytest-proton-{self.suffix_stem}-{account}-{region}".lower()
        return _INVALID.sub("-", name)[:63].rstrip("-")
