"""Time pytest_proton: one test deploying an environment and a service with two instances (moto target).

    python benchmarks/bench_plugin.py [--runs 3]

Measured as pytest processes (interpreter start, imports, the lint gate, publishing the two
templates, the test itself, and teardown), medians over ``--runs``:

(a) one such test;
(b) 20 such tests, one process;
(c) 20 such tests with ``-n 2`` (pytest-xdist);

each with the lint gate's results in ``.proton-lint-cache/`` (warm: the usual re-run) and without
it (``cold``: a fresh CI checkout, where cfn-lint runs on the rendered templates).

Each test makes its own environment (vpc-env) and service (queue-worker-svc, both sample instances
on that environment, plus its pipeline) and deletes them when it ends; the templates are published
once per session (per xdist worker). The time of the test body alone is printed too (pytest's
``--durations``).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SUITE = """
import pytest

EXAMPLES = {examples!r}

@pytest.fixture(scope="session")
def templates(proton_template_factory):
    env = proton_template_factory(EXAMPLES + "/environment-templates/vpc-env")
    return env, proton_template_factory(EXAMPLES + "/service-templates/queue-worker-svc")

@pytest.mark.parametrize("n", range({count}))
def test_env_and_service(n, templates, proton_env, proton_service):
    env_template, service_template = templates
    env = proton_env(env_template)
    service = proton_service(service_template, environments=env)
    assert len(service.instances) == 2
    assert all(i.status == "SUCCEEDED" for i in service.instances.values())
"""


def run(folder: Path, count: int, extra: list[str]) -> tuple[float, float]:
    test = folder / f"test_bench_{count}.py"
    test.write_text(SUITE.format(examples=str(ROOT / "examples"), count=count), encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTEST_DISABLE_PLUGIN_AUTOLOAD="1")
    command = [sys.executable, "-m", "pytest", "-p", "pytest_proton.plugin", "-p", "no:cacheprovider", "-q"]
    command += ["--durations=0", "--durations-min=0", str(test), *extra]
    start = time.perf_counter()
    done = subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"benchmark run failed:\n{done.stdout}\n{done.stderr}")
    calls = [float(m) for m in re.findall(r"^([0-9.]+)s call ", done.stdout, flags=re.MULTILINE)]
    return wall, statistics.median(calls) if calls else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    xdist = ["-p", "xdist.plugin", "-n", "2"]
    cold = ["--proton-no-lint-cache"]
    cases = [
        ("(a) 1 test", 1, []),
        ("(b) 20 tests", 20, []),
        ("(c) 20 tests, -n 2", 20, xdist),
        ("(a) 1 test, cold", 1, cold),
        ("(b) 20 tests, cold", 20, cold),
        ("(c) 20 tests, -n 2, cold", 20, [*xdist, *cold]),
    ]
    with tempfile.TemporaryDirectory() as tmp:
        for label, count, extra in cases:
            results = [run(Path(tmp), count, extra) for _ in range(args.runs)]
            wall = statistics.median(r[0] for r in results)
            body = statistics.median(r[1] for r in results)
            print(f"{label:<28} wall {wall:6.2f} s   median test body {body * 1000:6.0f} ms")


if __name__ == "__main__":
    main()
