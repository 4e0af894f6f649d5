"""Run the tool on hostile input in a child process under a time limit and an address-space cap.

Each run is measured (wall time, peak resident memory). With ``PROTON_LINT_HOSTILE_REPORT=FILE``
every run appends one JSON line to FILE (the test, exit code, seconds, peak MB), which is how the
table in the issue note was made: ``PROTON_LINT_HOSTILE_REPORT=/tmp/h.jsonl pytest tests/hostile``.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

#: Address space a child may map: `proton-lint check examples/` runs in 512 MB.
DEFAULT_MEMORY_MB = 1024
DEFAULT_SECONDS = 90.0
REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Outcome:
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    peak_mb: float

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


_BOOT = """
import atexit, resource, runpy, sys
cap, peak_path = int(sys.argv[1]), sys.argv[2]
resource.setrlimit(resource.RLIMIT_AS, (cap, cap))


def peak():
    # VmHWM belongs to this process's own memory map, unlike ru_maxrss (kept across exec); the
    # pool workers it forked and waited for report theirs in RUSAGE_CHILDREN
    with open("/proc/self/status") as status:
        own = next((int(line.split()[1]) for line in status if line.startswith("VmHWM:")), 0)
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    with open(peak_path, "w") as out:
        out.write(str(max(own, workers)))


atexit.register(peak)
module = sys.argv[3]
sys.argv = [module, *sys.argv[4:]]
runpy.run_module(module, run_name="__main__", alter_sys=True)
"""


def run_bounded(
    argv: list[str],
    *,
    cwd: Path | None = None,
    seconds: float = DEFAULT_SECONDS,
    memory_mb: int = DEFAULT_MEMORY_MB,
    env: dict[str, str] | None = None,
    stdin: bytes | None = None,
) -> Outcome:
    """Run ``python -m argv...`` bounded; fail the test if it outlives ``seconds``.

    ``argv[0]`` is the module; the child caps its address space at ``memory_mb`` first.
    """
    # the child caps its own address space before it runs the module, and writes its own peak
    # (VmHWM) at exit: Linux keeps ru_maxrss across exec, so a child of a big pytest would
    # report pytest's memory
    peak_file = tempfile.NamedTemporaryFile(prefix="proton-lint-peak-", delete=False)  # noqa: SIM115
    peak_file.close()
    command = [sys.executable, "-c", _BOOT, str(memory_mb * 1024 * 1024), peak_file.name, *argv]
    # the checkout under test, not whichever copy is installed
    path = os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")]))
    child_env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PYTHONPATH": path, **(env or {})}
    child_env.pop("PROTON_LINT_HOSTILE_REPORT", None)
    started = time.perf_counter()
    proc = subprocess.Popen(
        command,
        cwd=cwd,
        env=child_env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    chunks: dict[str, bytes] = {}
    readers = [
        threading.Thread(target=lambda name=name, pipe=pipe: chunks.__setitem__(name, pipe.read()), daemon=True)
        for name, pipe in (("out", proc.stdout), ("err", proc.stderr))
    ]
    for reader in readers:
        reader.start()
    if stdin:
        proc.stdin.write(stdin)
    proc.stdin.close()
    status, usage = _wait(proc.pid, started + seconds)
    if status is None:
        proc.kill()
        os.wait4(proc.pid, 0)
        proc.returncode = -9
        raise AssertionError(f"{' '.join(argv)} ran longer than {seconds} s")
    proc.returncode = os.waitstatus_to_exitcode(status)
    for reader in readers:
        reader.join()
    elapsed = time.perf_counter() - started
    peak_mb = _own_peak_mb(peak_file.name, usage)
    out, err = chunks.get("out", b""), chunks.get("err", b"")
    outcome = Outcome(proc.returncode, out.decode("utf-8", "replace"), err.decode("utf-8", "replace"), elapsed, peak_mb)
    _record(outcome)
    return outcome


def _own_peak_mb(path: str, usage: resource.struct_rusage) -> float:
    """The child's peak (its own VmHWM, or its workers') as it wrote it at exit; else ru_maxrss."""
    try:
        with open(path, encoding="ascii") as handle:
            kilobytes = int(handle.read() or 0)
    except (OSError, ValueError):
        kilobytes = 0
    finally:
        with contextlib.suppress(OSError):
            os.unlink(path)
    return (kilobytes or usage.ru_maxrss) / 1024


def _wait(pid: int, deadline: float) -> tuple[int | None, resource.struct_rusage | None]:
    """The child's exit status and its own resource usage, or (None, None) past the deadline."""
    while True:
        done, status, usage = os.wait4(pid, os.WNOHANG)
        if done:
            return status, usage
        if time.perf_counter() > deadline:
            return None, None
        time.sleep(0.01)


def lint(*args: str | Path, **kwargs) -> Outcome:
    """``proton-lint check --no-cache ...`` bounded."""
    return run_bounded(["proton_lint", "check", "--no-cache", *map(str, args)], **kwargs)


def _record(outcome: Outcome) -> None:
    report = os.environ.get("PROTON_LINT_HOSTILE_REPORT")
    if not report:
        return
    test = os.environ.get("PYTEST_CURRENT_TEST", "?").split(" ")[0]
    with open(report, "a", encoding="utf-8") as handle:
        handle.write(
            json.dumps(
                {
                    "test": test,
                    "rc": outcome.returncode,
                    "seconds": round(outcome.seconds, 2),
                    "peak_mb": round(outcome.peak_mb, 1),
                    "last_line": (outcome.stdout.strip().splitlines() or [""])[-1][:200],
                }
            )
            + "\n"
        )
