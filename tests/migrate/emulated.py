"""The emulator over HTTP, with the examples' templates published and deployed through the Proton API."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import requests
from moto.server import ThreadedMotoServer

from pytest_proton import bundle_upload
from pytest_proton.emulator import register

REGION = "us-east-1"
ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
VPC_ENV = EXAMPLES / "environment-templates" / "vpc-env"
QUEUE_WORKER = EXAMPLES / "service-templates" / "queue-worker-svc"
ROLE = "arn:aws:iam::123456789012:role/proton-service-role"
CONNECTION = "arn:aws:codestar-connections:us-east-1:123456789012:connection/4a9f7c2e-0000-4000-8000-1234567890ab"
BUCKET = "proton-bundles"


@dataclass
class Emulator:
    url: str

    def client(self, service: str) -> Any:
        return boto3.client(service, region_name=REGION, endpoint_url=self.url)


@contextmanager
def emulator() -> Iterator[Emulator]:
    register()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    try:
        requests.post(url + "/moto-api/reset", timeout=10)
        yield Emulator(url)
    finally:
        server.stop()


def wait(read: Callable[[], dict], done: Callable[[dict], bool], what: str, seconds: float = 30) -> dict:
    end = time.monotonic() + seconds
    while True:
        seen = read()
        if done(seen):
            return seen
        if time.monotonic() > end:
            raise AssertionError(f"{what} did not settle: {seen}")
        time.sleep(0.05)


def publish(emu: Emulator, folder: Path, kind: str, **version: Any) -> None:
    proton, s3 = emu.client("proton"), emu.client("s3")
    if BUCKET not in [b["Name"] for b in s3.list_buckets().get("Buckets", [])]:
        s3.create_bucket(Bucket=BUCKET)
    bundle = bundle_upload.locate(folder / "v1")
    name = bundle.logical_name
    source = {"s3": bundle_upload.upload(s3, BUCKET, bundle, name)}
    noun = f"{kind}_template"
    getattr(proton, f"create_{noun}")(name=name)
    created = getattr(proton, f"create_{noun}_version")(templateName=name, source=source, **version)
    key = "environmentTemplateVersion" if kind == "environment" else "serviceTemplateVersion"
    major, minor = created[key]["majorVersion"], created[key]["minorVersion"]
    seen = wait(
        lambda: getattr(proton, f"get_{noun}_version")(templateName=name, majorVersion=major, minorVersion=minor)[key],
        lambda v: v["status"] != "REGISTRATION_IN_PROGRESS",
        f"{name} registration",
    )
    assert seen["status"] == "DRAFT", seen
    getattr(proton, f"update_{noun}_version")(
        templateName=name, majorVersion=major, minorVersion=minor, status="PUBLISHED"
    )


def deploy_environment(emu: Emulator, name: str, spec: str) -> dict:
    proton = emu.client("proton")
    proton.create_environment(
        name=name, templateName="vpc-env", templateMajorVersion="1", spec=spec, protonServiceRoleArn=ROLE
    )
    env = wait(lambda: proton.get_environment(name=name)["environment"], _settled, f"environment {name}")
    assert env["deploymentStatus"] == "SUCCEEDED", env.get("deploymentStatusMessage")
    return env


def deploy_service(emu: Emulator, name: str, spec: str) -> dict:
    proton = emu.client("proton")
    proton.create_service(
        name=name,
        templateName="queue-worker-svc",
        templateMajorVersion="1",
        spec=spec,
        repositoryConnectionArn=CONNECTION,
        repositoryId="my-org/orders",
        branchName="main",
    )
    service = wait(lambda: proton.get_service(name=name)["service"], lambda s: "IN_PROGRESS" not in s["status"], name)
    assert service["status"] == "ACTIVE", service
    for summary in proton.list_service_instances(serviceName=name)["serviceInstances"]:
        instance = wait(
            lambda s=summary: proton.get_service_instance(serviceName=name, name=s["name"])["serviceInstance"],
            _settled,
            summary["name"],
        )
        assert instance["deploymentStatus"] == "SUCCEEDED", instance.get("deploymentStatusMessage")
    pipeline = wait(lambda: proton.get_service(name=name)["service"]["pipeline"], _settled, "pipeline")
    assert pipeline["deploymentStatus"] == "SUCCEEDED", pipeline.get("deploymentStatusMessage")
    return service


def _settled(resource: dict) -> bool:
    return "IN_PROGRESS" not in str(resource.get("deploymentStatus"))
