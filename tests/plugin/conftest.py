"""Helpers for the plugin's own tests: each runs a small test suite in a pytest subprocess.

The subprocess imports this checkout (PYTHONPATH) and loads the plugin with ``-p`` only, with
entry-point autoloading off, so the plugin is registered exactly once whether or not the package
is installed. ``emulator_server`` is a ThreadedMotoServer in *this* process: an inner run pointed at
it with ``--proton-target endpoint`` leaves its state behind for the outer test to inspect (leaks).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest

ROOT = Path(__file__).resolve().parents[2]

BUNDLES = {
    "net/v1/schema/schema.yaml": """\
schema:
  format:
    openapi: "3.0.0"
  environment_input_type: "NetInput"
  types:
    NetInput:
      type: object
      description: "Network inputs"
      properties:
        cidr:
          type: string
          description: "The VPC CIDR"
          default: "10.0.0.0/16"
        team:
          type: string
          description: "The owning team, a tag of the VPC"
          default: "core"
""",
    "net/v1/infrastructure/manifest.yaml": """\
infrastructure:
  templates:
    - file: "cloudformation.yaml"
      rendering_engine: jinja
      template_language: cloudformation
""",
    "net/v1/infrastructure/cloudformation.yaml": """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  VPC:
    Type: AWS::EC2::VPC
    Properties:
      CidrBlock: "{{ environment.inputs.cidr }}"
      Tags:
        - Key: team
          Value: "{{ environment.inputs.team }}"
Outputs:
  VpcId:
    Value: !Ref VPC
""",
    "net/spec/spec.yaml": """\
proton: EnvironmentSpec
spec:
  cidr: "10.1.0.0/16"
""",
    "app/v1/schema/schema.yaml": """\
schema:
  format:
    openapi: "3.0.0"
  service_input_type: "AppInput"
  types:
    AppInput:
      type: object
      description: "App inputs"
      properties:
        size:
          type: number
          description: "Queue delay"
          default: 1
          minimum: 0
          maximum: 900
""",
    "app/v1/instance_infrastructure/manifest.yaml": """\
infrastructure:
  templates:
    - file: "cloudformation.yaml"
      rendering_engine: jinja
      template_language: cloudformation
""",
    "app/v1/instance_infrastructure/cloudformation.yaml": """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      DelaySeconds: {{ service_instance.inputs.size }}
      Tags:
        - Key: vpc
          Value: "{{ environment.outputs.VpcId }}"
Outputs:
  QueueUrl:
    Value: !Ref Queue
""",
    "app/v1/.template-registration.yaml": """\
compatible_environments:
  - "net:1"
""",
    "app/spec/spec.yaml": """\
proton: ServiceSpec
instances:
  - name: "one"
    environment: "net-a"
    spec:
      size: 2
  - name: "two"
    environment: "net-b"
""",
    # mistakes: the pre-GA `engine:` key and a default outside its enum
    "bad/v1/schema/schema.yaml": """\
schema:
  format:
    openapi: "3.0.0"
  environment_input_type: "BadInput"
  types:
    BadInput:
      type: object
      description: "Broken on purpose"
      properties:
        stage:
          type: string
          description: "The stage"
          enum: ["dev", "prod"]
          default: "production"
""",
    "bad/v1/infrastructure/manifest.yaml": """\
infrastructure:
  templates:
    - file: "cloudformation.yaml"
      engine: jinja
      template_language: cloudformation
""",
    "bad/v1/infrastructure/cloudformation.yaml": """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Topic:
    Type: AWS::SNS::Topic
""",
}

#: an inner conftest: paths of the bundles and shared session templates
INNER_CONFTEST = """
from pathlib import Path
import pytest

HERE = Path(__file__).parent
NET, APP, BAD = HERE / "net", HERE / "app", HERE / "bad"

@pytest.fixture(scope="session")
def net(proton_template_factory):
    return proton_template_factory(NET)

@pytest.fixture(scope="session")
def app(proton_template_factory, net):
    return proton_template_factory(APP)
"""


@pytest.fixture
def suite(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """A pytester folder with the small bundles and the inner conftest; subprocesses import this checkout."""
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    for rel, text in BUNDLES.items():
        target = pytester.path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    pytester.makeconftest(INNER_CONFTEST)
    return pytester


@pytest.fixture
def run(suite: pytest.Pytester) -> Callable[..., pytest.RunResult]:
    def run_inner(*args: str) -> pytest.RunResult:
        return suite.runpytest_subprocess("-p", "pytest_proton.plugin", "-p", "no:cacheprovider", *args)

    return run_inner


@dataclass
class Emulator:
    url: str
    proton: Any
    s3: Any

    def leftovers(self) -> dict[str, list[str]]:
        """Every Proton resource and S3 bucket still on the server."""
        return {
            "environment templates": [t["name"] for t in self.proton.list_environment_templates()["templates"]],
            "service templates": [t["name"] for t in self.proton.list_service_templates()["templates"]],
            "environments": [e["name"] for e in self.proton.list_environments()["environments"]],
            "services": [s["name"] for s in self.proton.list_services()["services"]],
            "buckets": [b["Name"] for b in self.s3.list_buckets().get("Buckets", [])],
        }


@pytest.fixture
def emulator_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    """The emulator in a ThreadedMotoServer of this process, for inner runs with ``--proton-target endpoint``."""
    from moto.server import ThreadedMotoServer

    from pytest_proton.emulator import register

    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.setenv(name, "testing")
    register()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        url = f"http://{host}:{port}"
        yield Emulator(
            url,
            boto3.client("proton", region_name="us-east-1", endpoint_url=url),
            boto3.client("s3", region_name="us-east-1", endpoint_url=url),
        )
    finally:
        server.stop()
        # moto's server keeps its state in this process: wipe it for the next test.
        from moto.backends import get_backend

        get_backend("proton").reset()
        get_backend("s3").reset()
