"""A ``proton-emulator`` process on loopback, its resident memory, and a workload to soak it with.

Shared by ``benchmarks/soak_emulator.py`` (a 60-second soak) and the test that memory after
``POST /moto-api/reset`` does not grow with the number of requests
(tests/hostile/test_emulator_requests.py). Only 127.0.0.1 is ever contacted.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import boto3
import requests
from botocore.config import Config

from .bundles import s3_for, stock

ROOT = Path(__file__).resolve().parents[2]
REGION = "us-east-1"
ROLE = "arn:aws:iam::123456789012:role/proton"
SOURCE = {"s3": {"bucket": "bundles", "key": "env.tar.gz"}}
SPEC = "proton: EnvironmentSpec\nspec:\n  vpc_cidr: 10.0.0.0/16\n"
TARGET = "AwsProton20200720"
JSON_HEADERS = {
    "Content-Type": "application/x-amz-json-1.0",
    "Authorization": f"AWS4-HMAC-SHA256 Credential=testing/20260101/{REGION}/proton/aws4_request, "
    "SignedHeaders=host, Signature=0",
}
#: calls one round of :meth:`Workload.round` makes
CALLS_PER_ROUND = 19


def child_env() -> dict[str, str]:
    """The server's environment: this checkout first on the path, fake credentials, no MOTO_PORT."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION=REGION)
    env.pop("MOTO_PORT", None)
    env.pop("AWS_PROFILE", None)
    return env


@dataclass
class Server:
    process: subprocess.Popen[str]
    url: str

    def rss_mb(self) -> float:
        """Resident memory of the server process now (Linux ``/proc``)."""
        with open(f"/proc/{self.process.pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        raise RuntimeError("no VmRSS in /proc status")  # pragma: no cover - Linux always has it

    def reset(self) -> None:
        requests.post(f"{self.url}/moto-api/reset", timeout=30).raise_for_status()

    def post(self, operation: str, body: bytes, headers: dict[str, str] | None = None) -> requests.Response:
        """A raw JSON 1.0 request to the Proton endpoint."""
        sent = {**JSON_HEADERS, "X-Amz-Target": f"{TARGET}.{operation}", **(headers or {})}
        return requests.post(self.url + "/", data=body, headers=sent, timeout=60)


@contextmanager
def emulator(*args: str, preexec_fn: Callable[[], None] | None = None) -> Iterator[Server]:
    """``python -m pytest_proton.emulator.server --host 127.0.0.1 --port 0 --quiet``, stopped with SIGTERM.

    ``preexec_fn`` runs in the child before it starts (to cap its address space).
    """
    process = subprocess.Popen(
        [sys.executable, "-m", "pytest_proton.emulator.server", "--host", "127.0.0.1", "--port", "0", "--quiet", *args],
        cwd=ROOT,
        env=child_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=preexec_fn,  # noqa: PLW1509 - only setrlimit, before exec
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        if not url.startswith("http://127.0.0.1:"):
            raise RuntimeError(f"proton-emulator did not start: {process.communicate(timeout=10)[1][-2000:]}")
        yield Server(process, url)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        try:
            process.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()


class Workload:
    """Rounds of calls that create, read, update and delete, so that stored state stays small.

    Each round uses new names and a new client token: anything the emulator keeps per request
    (beyond the resources, which each round deletes) shows up as memory that grows with rounds.
    """

    def __init__(self, server: Server) -> None:
        self.server = server
        self.client = boto3.client(
            "proton", region_name=REGION, endpoint_url=server.url, config=Config(retries={"max_attempts": 1})
        )
        self.count = 0

    def setup(self) -> None:
        """Bundles in the server's S3 and a published environment template ``base`` (again after a reset)."""
        stock(s3_for(self.client))
        self.client.create_environment_template(name="base")
        self.client.create_environment_template_version(templateName="base", source=SOURCE)
        self.client.get_environment_template_version(templateName="base", majorVersion="1", minorVersion="0")
        self.client.update_environment_template_version(
            templateName="base", majorVersion="1", minorVersion="0", status="PUBLISHED"
        )

    def round(self) -> None:
        """:data:`CALLS_PER_ROUND` calls: a template, a version with a client token, an environment, a bad body."""
        self.count += 1
        self._template(f"soak-t{self.count}")
        self._environment(f"soak-e{self.count}")
        self.server.post("ListEnvironmentTemplates", b'{"maxResults": ')  # a malformed body: an error answer

    def _template(self, name: str) -> None:
        client = self.client
        arn = client.create_environment_template(name=name, tags=[{"key": "k", "value": name}])["environmentTemplate"][
            "arn"
        ]
        client.get_environment_template(name=name)
        client.update_environment_template(name=name, description="changed")
        client.list_tags_for_resource(resourceArn=arn)
        version = {"templateName": name, "majorVersion": "1", "minorVersion": "0"}
        client.create_environment_template_version(templateName=name, source=SOURCE, clientToken=f"token-{name}")
        client.get_environment_template_version(**version)
        client.delete_environment_template_version(**version)
        client.delete_environment_template(name=name)
        client.list_environment_templates()

    def _environment(self, name: str) -> None:
        client = self.client
        client.create_environment(
            name=name, templateName="base", templateMajorVersion="1", spec=SPEC, protonServiceRoleArn=ROLE
        )
        client.get_environment(name=name)
        client.update_environment(name=name, deploymentType="CURRENT_VERSION", spec=SPEC + "  # again\n")
        client.get_environment(name=name)
        client.list_environment_outputs(environmentName=name)
        client.list_environments()
        client.delete_environment(name=name)
        client.get_environment_template(name="base")
        client.list_environments()


def settle_rss(server: Server, pause: float = 0.5) -> float:
    """RSS once the server is idle: a short pause lets in-flight threads finish."""
    time.sleep(pause)
    return server.rss_mb()


def run_rounds(workload: Workload, rounds: int) -> None:
    for _ in range(rounds):
        workload.round()


def reset_and_measure(workload: Workload) -> float:
    """``POST /moto-api/reset``, the RSS after it, then the setup again for further rounds."""
    workload.server.reset()
    rss = settle_rss(workload.server)
    workload.setup()
    return rss
