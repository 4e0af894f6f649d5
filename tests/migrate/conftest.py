"""Fixtures of the migrate tests: the emulator over HTTP with the examples deployed through Proton's API."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from .emulated import (
    CONNECTION,
    EXAMPLES,
    QUEUE_WORKER,
    VPC_ENV,
    Emulator,
    deploy_environment,
    deploy_service,
    emulator,
    publish,
)

SERVICE_SPEC = """proton: ServiceSpec
pipeline:
  code_dir: "worker"
  unit_test_command: "python -m pytest -q"
instances:
  - name: "one"
    environment: "{env}"
    spec:
      lambda_memory: 512
      batch_size: 5
  - name: "two"
    environment: "{env}"
"""


@dataclass
class World:
    emu: Emulator

    def cloudformation(self) -> Any:
        return self.emu.client("cloudformation")

    def migrate(self, inventory: Path, out: Path, *extra: str) -> tuple[int, str, str]:
        """``proton-lint migrate`` in this process (the emulator answers over HTTP)."""
        import io

        from proton_lint.cli import build_parser
        from proton_lint.migrate.command import run_migrate

        args = build_parser().parse_args(
            [
                "migrate",
                str(inventory),
                "--out",
                str(out),
                "--endpoint-url",
                self.emu.url,
                "--region",
                "us-east-1",
                *extra,
            ]
        )
        stdout, stderr = io.StringIO(), io.StringIO()
        code = run_migrate(args, stdout, stderr)
        return code, stdout.getvalue(), stderr.getvalue()


@pytest.fixture(scope="session")
def world() -> Iterator[World]:
    saved = {k: os.environ.get(k) for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION")}
    os.environ.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="us-east-1")
    try:
        with emulator() as emu:
            publish(emu, VPC_ENV, "environment")
            publish(
                emu,
                QUEUE_WORKER,
                "service",
                compatibleEnvironmentTemplates=[{"templateName": "vpc-env", "majorVersion": "1"}],
                supportedComponentSources=["DIRECTLY_DEFINED"],
            )
            deploy_environment(emu, "dev", (VPC_ENV / "spec" / "spec.yaml").read_text())
            deploy_service(emu, "orders", SERVICE_SPEC.format(env="dev"))
            yield World(emu)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def write_inventory(folder: Path, *, env: str = "dev", service: str = "orders", env_spec: str | None = None) -> Path:
    """An inventory for ``env`` (the examples' vpc-env) and ``service`` (queue-worker-svc, two instances)."""
    (folder / "specs").mkdir(parents=True, exist_ok=True)
    (folder / "specs" / f"{env}.yaml").write_text(env_spec or (VPC_ENV / "spec" / "spec.yaml").read_text())
    (folder / "specs" / f"{service}.yaml").write_text(SERVICE_SPEC.format(env=env))
    inventory = folder / "inventory.yaml"
    inventory.write_text(
        f"""repository: {os.path.relpath(EXAMPLES, folder)}
environments:
  - name: {env}
    template: vpc-env
    major: 1
    spec: specs/{env}.yaml
services:
  - name: {service}
    template: queue-worker-svc
    major: 1
    spec: specs/{service}.yaml
    repository_connection_arn: {CONNECTION}
    repository_id: my-org/orders
    branch_name: main
components: []
"""
    )
    return inventory
