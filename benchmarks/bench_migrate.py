"""Time ``proton-lint migrate`` (a plan, no --apply) on the examples against ``proton-lint render``.

    python benchmarks/bench_migrate.py [--runs 5]

The emulator runs in this process over HTTP (moto's ThreadedMotoServer), with the examples'
vpc-env and queue-worker-svc published and deployed through the Proton API: one environment, a
service with two instances and a pipeline. Then, as processes, medians over ``--runs``:

(a) ``proton-lint migrate INVENTORY --out DIR``: reads the inventory and specs, finds the four
    stacks by their tags (DescribeStacks), reads the real outputs, renders the four templates and
    writes plan.json, the templates, deploy.sh and README.md;
(b) the baseline, ``proton-lint render`` of the same two bundles (two processes: the environment
    with its spec, the service with the repository for its compatible environment), which renders
    the same templates with placeholder outputs.

Also (c): the plan alone in this process (no interpreter start-up or imports), median over the runs.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _timed(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    os.environ.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="us-east-1")
    import logging

    logging.disable(logging.CRITICAL)
    from tests.migrate.conftest import SERVICE_SPEC, World, write_inventory
    from tests.migrate.emulated import QUEUE_WORKER, VPC_ENV, deploy_environment, deploy_service, emulator, publish

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    work = Path(tempfile.mkdtemp(prefix="bench-migrate-"))
    try:
        with emulator() as emu:
            publish(emu, VPC_ENV, "environment")
            compatible = [{"templateName": "vpc-env", "majorVersion": "1"}]
            publish(emu, QUEUE_WORKER, "service", compatibleEnvironmentTemplates=compatible)
            deploy_environment(emu, "dev", (VPC_ENV / "spec" / "spec.yaml").read_text())
            deploy_service(emu, "orders", SERVICE_SPEC.format(env="dev"))
            inventory = write_inventory(work)
            migrate = [sys.executable, "-m", "proton_lint", "migrate", str(inventory), "--out", str(work / "out")]
            migrate += ["--endpoint-url", emu.url, "--region", "us-east-1"]
            render_env = [sys.executable, "-m", "proton_lint", "render", str(VPC_ENV / "v1")]
            render_env += ["--spec", str(VPC_ENV / "spec" / "spec.yaml"), "--out", str(work / "r1"), "--force"]
            render_svc = [sys.executable, "-m", "proton_lint", "render", str(QUEUE_WORKER / "v1")]
            render_svc += ["--repo", str(ROOT / "examples"), "--out", str(work / "r2"), "--force"]
            world = World(emu)
            plan_seconds, migrate_seconds, render_seconds = [], [], []
            for _ in range(runs):
                migrate_seconds.append(_timed(migrate, env))
                render_seconds.append(_timed(render_env, env) + _timed(render_svc, env))
                shutil.rmtree(work / "in-process", ignore_errors=True)
                started = time.perf_counter()
                code, _, err = world.migrate(inventory, work / "in-process")
                plan_seconds.append(time.perf_counter() - started)
                if code != 0:
                    raise SystemExit(err)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"runs: {runs} (medians)")
    print(f"(a) proton-lint migrate, plan of 4 steps on the emulator  {statistics.median(migrate_seconds):6.2f} s")
    print(f"(b) baseline: proton-lint render of the same 2 bundles      {statistics.median(render_seconds):6.2f} s")
    print(f"(c) the plan in-process (no start-up, imports warm)         {statistics.median(plan_seconds):6.2f} s")


if __name__ == "__main__":
    main()
