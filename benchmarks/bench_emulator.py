"""Time the Proton emulator in-process (``mock_aws``) and over HTTP (``ThreadedMotoServer``).

    python benchmarks/bench_emulator.py [--runs 5] [--mix 20]

(a) operations per second for a CRUD mix: create, get, list, update and delete environment
    templates and environments (``--mix`` rounds of 10 calls per run);
(b) wall time of a full lifecycle: environment template, version, publish, environment, service
    template, version, publish, service with two instances and a pipeline, update, a held deployment
    cancelled, delete everything. Target: under 0.5 s in-process.
Medians over ``--runs``; the state is reset between runs.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the checkout, not an installed copy

for _name, _value in {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}.items():
    os.environ[_name] = _value
os.environ.pop("AWS_PROFILE", None)

import boto3  # noqa: E402
import requests  # noqa: E402
from moto import mock_aws  # noqa: E402
from moto.moto_api import state_manager  # noqa: E402
from moto.server import ThreadedMotoServer  # noqa: E402

from pytest_proton.emulator import register  # noqa: E402
from pytest_proton.emulator.provisioning import DEPLOYMENT_MODEL  # noqa: E402
from tests.emulator.bundles import s3_for, stock  # noqa: E402 - the small valid bundles the tests use

REGION = "us-east-1"
ROLE = "arn:aws:iam::123456789012:role/proton"
ENV_SOURCE = {"s3": {"bucket": "bundles", "key": "env.tar.gz"}}
SVC_SOURCE = {"s3": {"bucket": "bundles", "key": "svc.tar.gz"}}
ENV_SPEC = "proton: EnvironmentSpec\n"
SVC_SPEC = """proton: ServiceSpec
pipeline:
  unit_test_command: make test
instances:
  - name: one
    environment: dev
  - name: two
    environment: dev
"""
REPOSITORY = {
    "repositoryConnectionArn": "arn:aws:codestar-connections:us-east-1:123456789012:connection/abc",
    "repositoryId": "org/repo",
    "branchName": "main",
}
HOLD = {"progression": "manual", "times": 10_000}


class Mode:
    """One way to reach the emulator; ``reset`` empties it and puts the stock bundles back in S3."""

    def __init__(self, name: str, client: Any, reset: Callable[[], None], hold: Callable[[bool], None]) -> None:
        self.name, self.client, self.hold = name, client, hold
        self._reset = reset
        stock(s3_for(client))

    def reset(self) -> None:
        self._reset()
        stock(s3_for(self.client))


@contextmanager
def in_process() -> Iterator[Mode]:
    from moto.moto_api._internal.models import moto_api_backend

    def hold(on: bool) -> None:
        if on:
            state_manager.set_transition(DEPLOYMENT_MODEL, HOLD)
        else:
            state_manager.unset_transition(DEPLOYMENT_MODEL)

    with mock_aws():
        yield Mode("in-process", boto3.client("proton", region_name=REGION), moto_api_backend.reset, hold)


@contextmanager
def over_http() -> Iterator[Mode]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    session = requests.Session()

    def hold(on: bool) -> None:
        if on:
            body: dict[str, Any] = {"model_name": DEPLOYMENT_MODEL, "transition": HOLD}
            session.post(f"{url}/moto-api/state-manager/set-transition", json=body, timeout=10).raise_for_status()
        else:
            body = {"model_name": DEPLOYMENT_MODEL}
            session.post(f"{url}/moto-api/state-manager/unset-transition", json=body, timeout=10).raise_for_status()

    try:
        yield Mode(
            "HTTP",
            boto3.client("proton", region_name=REGION, endpoint_url=url),
            lambda: session.post(f"{url}/moto-api/reset", timeout=10).raise_for_status(),
            hold,
        )
    finally:
        server.stop()


def crud_mix(mode: Mode, rounds: int) -> int:
    """``rounds`` x 10 calls; returns the number of calls."""
    client = mode.client
    client.create_environment_template(name="base")
    client.create_environment_template_version(templateName="base", source=ENV_SOURCE)
    client.update_environment_template_version(
        templateName="base", majorVersion="1", minorVersion="0", status="PUBLISHED"
    )
    start_calls = 3
    for index in range(rounds):
        name = f"t{index}"
        client.create_environment_template(name=name)
        client.get_environment_template(name=name)
        client.update_environment_template(name=name, description="changed")
        client.list_environment_templates()
        client.delete_environment_template(name=name)
        client.create_environment(
            name=f"e{index}",
            templateName="base",
            templateMajorVersion="1",
            spec=ENV_SPEC,
            protonServiceRoleArn=ROLE,
        )
        client.get_environment(name=f"e{index}")
        client.update_environment(name=f"e{index}", deploymentType="NONE", description="changed")
        client.list_environments()
        client.delete_environment(name=f"e{index}")
    return start_calls + 10 * rounds


def lifecycle(mode: Mode) -> None:
    client = mode.client
    fast = {"Delay": 0, "MaxAttempts": 3}
    client.create_environment_template(name="envt")
    client.create_environment_template_version(templateName="envt", source=ENV_SOURCE)
    client.get_waiter("environment_template_version_registered").wait(
        templateName="envt", majorVersion="1", minorVersion="0", WaiterConfig=fast
    )
    client.update_environment_template_version(
        templateName="envt", majorVersion="1", minorVersion="0", status="PUBLISHED"
    )
    client.create_environment(
        name="dev", templateName="envt", templateMajorVersion="1", spec=ENV_SPEC, protonServiceRoleArn=ROLE
    )
    client.get_waiter("environment_deployed").wait(name="dev", WaiterConfig=fast)
    client.create_service_template(name="svct")
    client.create_service_template_version(
        templateName="svct",
        source=SVC_SOURCE,
        compatibleEnvironmentTemplates=[{"templateName": "envt", "majorVersion": "1"}],
    )
    client.update_service_template_version(templateName="svct", majorVersion="1", minorVersion="0", status="PUBLISHED")
    client.create_service(name="web", templateName="svct", templateMajorVersion="1", spec=SVC_SPEC, **REPOSITORY)
    client.get_waiter("service_created").wait(name="web", WaiterConfig=fast)
    client.get_waiter("service_pipeline_deployed").wait(name="web", WaiterConfig=fast)
    client.update_service_instance(
        serviceName="web", name="two", deploymentType="CURRENT_VERSION", spec="name: two\nenvironment: dev\nx: 1\n"
    )
    client.get_waiter("service_instance_deployed").wait(serviceName="web", name="two", WaiterConfig=fast)
    mode.hold(True)
    try:
        client.update_environment(name="dev", deploymentType="CURRENT_VERSION", spec=ENV_SPEC + "x: 1\n")
        client.cancel_environment_deployment(environmentName="dev")
        assert client.get_environment(name="dev")["environment"]["deploymentStatus"] == "CANCELLED"
    finally:
        mode.hold(False)
    client.delete_service(name="web")
    client.get_waiter("service_deleted").wait(name="web", WaiterConfig=fast)
    client.delete_environment(name="dev")
    client.list_environments()
    client.delete_service_template_version(templateName="svct", majorVersion="1", minorVersion="0")
    client.delete_service_template(name="svct")
    client.delete_environment_template_version(templateName="envt", majorVersion="1", minorVersion="0")
    client.delete_environment_template(name="envt")
    assert client.list_environments()["environments"] == []


def measure(mode: Mode, runs: int, rounds: int) -> dict[str, float]:
    # one warm-up of each (imports, model loading, the first backend)
    crud_mix(mode, 2)
    mode.reset()
    lifecycle(mode)
    mode.reset()
    rates, walls = [], []
    for _ in range(runs):
        start = time.perf_counter()
        calls = crud_mix(mode, rounds)
        rates.append(calls / (time.perf_counter() - start))
        mode.reset()
        start = time.perf_counter()
        lifecycle(mode)
        walls.append(time.perf_counter() - start)
        mode.reset()
    return {"ops_per_s": statistics.median(rates), "lifecycle_s": statistics.median(walls)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--mix", type=int, default=20, help="rounds of 10 CRUD calls per run")
    args = parser.parse_args(argv)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no per-request log lines
    register()
    results = {}
    with in_process() as mode:
        results[mode.name] = measure(mode, args.runs, args.mix)
    with over_http() as mode:
        results[mode.name] = measure(mode, args.runs, args.mix)
    print(f"Proton emulator, medians of {args.runs} runs ({10 * args.mix + 3} calls per CRUD mix)")
    print(f"{'mode':<12}{'CRUD ops/s':>12}{'lifecycle s':>14}")
    for name, figures in results.items():
        print(f"{name:<12}{figures['ops_per_s']:>12.0f}{figures['lifecycle_s']:>14.3f}")
    target = results["in-process"]["lifecycle_s"]
    verdict = "met" if target < 0.5 else "MISSED"
    print(f"target: lifecycle under 0.5 s in-process -> {verdict} ({target:.3f} s)")
    return 0 if target < 0.5 else 1


if __name__ == "__main__":
    sys.exit(main())
