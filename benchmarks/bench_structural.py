"""Time the structural check (families 1-3) of a tree against its floor, in one process.

Floor (the named baseline): walk the same tree, read the same files (the text files that are
scanned for suppression comments) and parse the same YAML files (schemas, manifests, registration
files) with PyYAML's C loader, nothing else.
proton-lint: discover bundles and run every rule, in the same process after a warm-up, so that
import and rule-loading time (reported separately) do not hide the per-run cost.

    python benchmarks/bench_structural.py [PATH] [--runs 15]

Prints medians (and min/max) in milliseconds and the ratio to the floor. Also times, as separate
processes, `proton-lint --version` and a full `proton-lint check PATH` (cold start).
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import yaml

from proton_lint import suppress

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "corpus"
#: families 0-3: layout, manifests, schemas (the rest renders templates and runs cfn-lint)
STRUCTURAL = ("PL0", "PL1", "PL2", "PL3")
SKIP = {".git", "node_modules", ".venv", "__pycache__", ".terraform", "cdk.out"}
PARSED_NAMES = {"schema.yaml", "manifest.yaml", ".template-registration.yaml"}
TEXT_SUFFIXES = suppress.TEXT_SUFFIXES


def floor(root: Path) -> int:
    """Walk the tree, read the files the check reads, YAML-parse the ones it parses; return how many parsed.

    The check reads every text file of a bundle once (for suppression comments) and parses the
    schema, manifests and registration file; so does the floor, and nothing more.
    """
    count = 0
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in SKIP]
        for name in filenames:
            path = os.path.join(dirpath, name)
            os.stat(path)
            if name in PARSED_NAMES:
                with open(path, "rb") as handle:
                    yaml.load(handle.read(), Loader=yaml.CSafeLoader)
                count += 1
            elif name.endswith(TEXT_SUFFIXES):
                with open(path, "rb") as handle:
                    handle.read()
    return count


def timed_pair(first, second, runs: int) -> tuple[list[float], list[float]]:
    """Time two functions alternately, so that noise on the machine hits both alike.

    The cyclic garbage collector is off while timing (as in the `proton-lint` process, which
    never needs it) and collects between runs, so that neither side pays for the other's garbage.
    """
    first(), second()  # warm-up: imports, caches, OS page cache
    a, b = [], []
    gc.disable()
    try:
        for _ in range(runs):
            for fn, samples in ((first, a), (second, b)):
                gc.collect()
                start = time.perf_counter()
                fn()
                samples.append((time.perf_counter() - start) * 1000)
    finally:
        gc.enable()
    return a, b


def describe(label: str, samples: list[float]) -> str:
    return (
        f"{label:<34} median {statistics.median(samples):8.1f} ms   min {min(samples):8.1f}   max {max(samples):8.1f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    if not args.path.is_dir():
        sys.exit(f"{args.path}: not a folder (the corpus lives in ../shared/corpus)")

    start = time.perf_counter()
    from proton_lint.engine import Linter, LintOptions

    linter = Linter(LintOptions(entry_points=False, select=STRUCTURAL))
    setup_ms = (time.perf_counter() - start) * 1000

    def check() -> None:
        linter.run([args.path])

    bundles = linter.run([args.path]).bundles
    files = floor(args.path)
    floor_ms, check_ms = timed_pair(lambda: floor(args.path), check, args.runs)
    python = sys.version.split()[0]
    print(f"tree: {args.path} ({bundles} bundles, {files} YAML files parsed), {args.runs} runs, Python {python}")
    print(f"{'import + load rules (once)':<34} {setup_ms:8.1f} ms")
    print(describe("floor: walk + read + parse YAML", floor_ms))
    print(describe("proton-lint structural check", check_ms))
    print(f"ratio to floor (medians): {statistics.median(check_ms) / statistics.median(floor_ms):.2f}x")

    for label, argv in (
        ("proton-lint --version (process)", ["--version"]),
        (
            "proton-lint check (process)",
            ["check", str(args.path), "--select", ",".join(STRUCTURAL), "--no-cache", "-j", "1", "--fail-level=none"],
        ),
    ):
        samples = []
        for _ in range(min(args.runs, 7)):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "proton_lint", *argv], capture_output=True, check=True)
            samples.append((time.perf_counter() - start) * 1000)
        print(describe(label, samples))


if __name__ == "__main__":
    main()
