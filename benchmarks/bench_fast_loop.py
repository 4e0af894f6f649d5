"""The fast test loop: a one-test pytest run deploying examples/ vpc-env, against its floor.

    python benchmarks/bench_fast_loop.py [--runs 7] [--xdist]

(plugin) one test, ``proton_env(proton_template("environment-templates/vpc-env"))`` on the
``moto`` target, the lint gate's results cached (the usual re-run);
(floor) the same pytest with the plugin off (``-p no:proton``): one test that starts
``moto.mock_aws()`` and creates vpc-env's rendered CloudFormation stack by hand with boto3.

Both are pytest processes started the same way (the installed plugins autoload, this checkout
first on ``PYTHONPATH``), run alternately so that a busy machine slows both alike; the medians and
their ratio are printed with the load average. The target is a ratio of at most 1.25.

``--xdist`` also times 20 plugin tests in one process and with ``-n 2`` (pytest-xdist), and the
start-up of one pytest process with the plugin's imports (what each xdist worker pays again).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"

PLUGIN_TEST = """
def test_vpc_env(proton_template, proton_env):
    env = proton_env(proton_template({bundle!r}))
    assert env.outputs["VpcId"]
"""

MANY_TESTS = """
import pytest

@pytest.fixture(scope="session")
def vpc_template(proton_template_factory):
    return proton_template_factory({bundle!r})

@pytest.mark.parametrize("n", range(20))
def test_vpc_env(n, vpc_template, proton_env):
    assert proton_env(vpc_template).outputs["VpcId"]
"""

FLOOR_TEST = """
import boto3
from moto import mock_aws

TEMPLATE = open({template!r}).read()

def test_vpc_stack():
    with mock_aws():
        cloudformation = boto3.client("cloudformation", region_name="us-east-1")
        cloudformation.create_stack(StackName="vpc-env", TemplateBody=TEMPLATE)
        stack = cloudformation.describe_stacks(StackName="vpc-env")["Stacks"][0]
        assert any(o["OutputKey"] == "VpcId" for o in stack["Outputs"])
"""

IMPORTS_ONLY = "import pytest_proton.plugin, pytest_proton.factories, moto, boto3\n"


def rendered_template(work: Path) -> Path:
    """vpc-env's CloudFormation rendered with its sample spec (``proton-lint render``)."""
    out = work / "rendered"
    bundle = str(EXAMPLES / "environment-templates" / "vpc-env")
    subprocess.run(
        [sys.executable, "-m", "proton_lint", "render", bundle, "--out", str(out)],
        check=True,
        capture_output=True,
        cwd=ROOT,
    )
    return next(p for p in out.rglob("cloudformation.yaml"))


def environment() -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("PYTEST_DISABLE_PLUGIN_AUTOLOAD", None)
    env.pop("PROTON_LINT_CACHE_DIR", None)
    return env


#: CPU seconds (user + system) of the last timed process and its children
last_cpu = 0.0


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(command: list[str], cwd: Path) -> float:
    """Wall seconds of one process (its CPU seconds go to ``last_cpu``: steadier on a busy machine)."""
    global last_cpu
    cpu = _children_cpu()
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=environment(), capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    last_cpu = _children_cpu() - cpu
    if done.returncode != 0:
        sys.exit(f"benchmark run failed: {' '.join(command)}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return elapsed


def project(work: Path, name: str, text: str) -> Path:
    folder = work / name
    folder.mkdir()
    (folder / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")  # its own rootdir and cache
    (folder / f"test_{name}.py").write_text(text, encoding="utf-8")
    return folder


def pytest_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", *args]


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def fast_loop(work: Path, runs: int) -> None:
    bundle = str(EXAMPLES / "environment-templates" / "vpc-env")
    plugin = project(work, "plugin", PLUGIN_TEST.format(bundle=bundle))
    floor = project(work, "floor", FLOOR_TEST.format(template=str(rendered_template(work))))
    timed(pytest_command(), plugin)  # fills the lint cache (.pytest_cache/d/proton-lint)
    timed(pytest_command("-p", "no:proton"), floor)
    times: dict[str, list[float]] = {"plugin": [], "floor": []}
    cpu: dict[str, list[float]] = {"plugin": [], "floor": []}
    before = load()
    for _ in range(runs):
        times["plugin"].append(timed(pytest_command(), plugin))
        cpu["plugin"].append(last_cpu)
        times["floor"].append(timed(pytest_command("-p", "no:proton"), floor))
        cpu["floor"].append(last_cpu)
    wall = {k: statistics.median(v) for k, v in times.items()}
    used = {k: statistics.median(v) for k, v in cpu.items()}
    print(f"load average before: {before}; after: {load()}; {runs} alternating runs each, medians (wall / CPU)")
    print(f"  one test deploying vpc-env (plugin, lint cache warm): {wall['plugin']:6.2f} s / {used['plugin']:6.2f} s")
    print(f"  floor (pytest -p no:proton, moto, one stack by hand):  {wall['floor']:6.2f} s / {used['floor']:6.2f} s")
    print(
        f"  ratio: {wall['plugin'] / wall['floor']:.2f}x wall, {used['plugin'] / used['floor']:.2f}x CPU "
        "(target <= 1.25x)"
    )


def xdist(work: Path, runs: int) -> None:
    bundle = str(EXAMPLES / "environment-templates" / "vpc-env")
    many = project(work, "many", MANY_TESTS.format(bundle=bundle))
    timed(pytest_command(), many)
    commands = {
        "20 tests, one process": pytest_command(),
        "20 tests, -n 2": pytest_command("-n", "2"),
        "pytest start-up with the plugin (--co)": pytest_command("--co"),
        "a worker's imports (plugin, moto, boto3)": [sys.executable, "-c", IMPORTS_ONLY],
    }
    times: dict[str, list[float]] = {label: [] for label in commands}
    cpu: dict[str, list[float]] = {label: [] for label in commands}
    before = load()
    for _ in range(runs):
        for label, command in commands.items():
            times[label].append(timed(command, many))
            cpu[label].append(last_cpu)
    print(f"load average before: {before}; after: {load()}; {runs} alternating runs each, medians (wall / CPU)")
    for label in commands:
        print(f"  {label:42}: {statistics.median(times[label]):6.2f} s / {statistics.median(cpu[label]):6.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--xdist", action="store_true", help="also time 20 tests with -n 2 against one process")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-fast-loop-"))
    try:
        fast_loop(work, args.runs)
        if args.xdist:
            xdist(work, args.runs)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
