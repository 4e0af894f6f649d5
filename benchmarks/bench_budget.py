"""Time Jinja rendering under the render budget against the renderer without it, in one run.

    python benchmarks/bench_budget.py [--before REV] [--runs 7] [--repeat 20]

Baseline (named): the same renderer at git revision REV (default ``cb6bd94``, the commit before the
budget), checked out in a temporary folder. Both render every jinja template of the corpus with
every context the linter builds (the same texts and contexts, serialised once), ``--repeat`` times
per process after a warm-up (so compile caches are warm and only rendering is timed); processes
alternate between the two, and the script prints the medians and the ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

WORKER = r"""
import json, sys, time
from proton_lint.render import render
jobs = json.loads(open(sys.argv[1]).read())
repeat = int(sys.argv[2])
for job in jobs:  # warm-up: compile every template once
    render(job["source"], job["context"], template_name=job["name"])
start = time.perf_counter()
for _ in range(repeat):
    for job in jobs:
        render(job["source"], job["context"], template_name=job["name"])
print(time.perf_counter() - start)
"""


def _plain(value: object) -> object:
    """A render context as JSON data (namespaces are dicts and lists)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def jobs() -> list[dict]:
    from bench_rendering import jinja_bundles, renderings

    return [
        {"name": r.rel, "source": r.bundle.read_text(r.rel), "context": _plain(r.context)}
        for r in renderings(jinja_bundles())
    ]


def checkout(rev: str, into: Path) -> Path:
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "proton_lint"], capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)
    return into


def run(path: Path, job_file: Path, repeat: int) -> float:
    env = {**os.environ, "PYTHONPATH": str(path)}
    out = subprocess.run(
        [sys.executable, "-c", WORKER, str(job_file), str(repeat)], env=env, capture_output=True, text=True, check=True
    )
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default="cb6bd94", help="the revision without the budget (the baseline)")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        job_file = Path(tmp) / "jobs.json"
        work = jobs()
        job_file.write_text(json.dumps(work))
        before = checkout(args.before, Path(tmp))
        samples: dict[str, list[float]] = {"before": [], "after": []}
        for _ in range(args.runs):
            samples["before"].append(run(before, job_file, args.repeat))
            samples["after"].append(run(ROOT, job_file, args.repeat))
    medians = {k: statistics.median(v) for k, v in samples.items()}
    renders = len(work) * args.repeat
    print(f"{len(work)} renderings x {args.repeat}, {args.runs} alternating runs each")
    for name, value in medians.items():
        print(f"  {name:6s} median {value * 1000:8.1f} ms  ({value / renders * 1e6:6.1f} us per render)")
    print(f"  ratio after/before: {medians['after'] / medians['before']:.3f}")


if __name__ == "__main__":
    main()
