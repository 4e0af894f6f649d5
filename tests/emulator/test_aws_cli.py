"""The AWS CLI (``awscli`` from PyPI, a test extra) against ``proton-emulator`` over HTTP (issue 11 §3-§4).

Never real AWS: fake credentials, no config files, ``--endpoint-url`` the loopback server. The CLI
runs in this process (``awscli.clidriver``, the code behind ``aws``) to keep the tests fast; one test
runs the ``aws`` program itself for its ``--debug`` log.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import boto3
import pytest

from . import bundles
from .conftest import ACCOUNT, REGION
from .test_console_script import _env, _start, _stop

pytest.importorskip("awscli", reason="awscli is not installed (it is in the test extra: pip install -e '.[test]')")

FAKE = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": REGION,
}
ROLE = f"arn:aws:iam::{ACCOUNT}:role/proton-service"
ENV_SPEC = "proton: EnvironmentSpec\nspec:\n  vpc_cidr: 10.0.0.0/16\n"
SERVICE_SPEC = "proton: ServiceSpec\ninstances:\n  - name: one\n    environment: dev\n    spec:\n      port: 8080\n"


class Cli:
    """``aws ... --endpoint-url URL``: the exit status, the JSON it printed (or None) and its stderr."""

    def __init__(self, url: str) -> None:
        self.url = url

    def __call__(self, *args: str) -> tuple[int, Any, str]:
        from awscli.clidriver import create_clidriver

        out, err = io.StringIO(), io.StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            status = create_clidriver().main([*args, "--endpoint-url", self.url, "--output", "json"])
        text = out.getvalue().strip()
        return status, (json.loads(text) if text else None), err.getvalue()

    def ok(self, *args: str) -> Any:
        status, body, err = self(*args)
        assert status == 0, (args, err)
        return body


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """A ``proton-emulator`` process on a free port, its S3 stocked with small bundles."""
    process = _start("--port", "0", "--quiet")
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:"), url
        s3 = boto3.client("s3", region_name=REGION, endpoint_url=url, **_lower(FAKE))
        bundles.stock(s3)
        bundles.upload(s3, "nopipe.tar.gz", bundles.base("service-no-pipeline"))
        yield url
    finally:
        code, err = _stop(process)
        assert code == 0 and "Traceback" not in err, err


def _lower(env: dict[str, str]) -> dict[str, str]:
    return {
        "aws_access_key_id": env["AWS_ACCESS_KEY_ID"],
        "aws_secret_access_key": env["AWS_SECRET_ACCESS_KEY"],
        "aws_session_token": env["AWS_SESSION_TOKEN"],
    }


@pytest.fixture
def aws(server: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Cli:
    for name, value in FAKE.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "env.yaml").write_text(ENV_SPEC)
    (tmp_path / "svc.yaml").write_text(SERVICE_SPEC)
    return Cli(server)


def _publish(aws: Cli, kind: str, name: str, key: str, *extra: str) -> None:
    aws.ok("proton", f"create-{kind}-template", "--name", name, *extra)
    version = ["--template-name", name]
    source = f"s3={{bucket={bundles.BUCKET},key={key}}}"
    if kind == "service":
        aws.ok(
            "proton",
            "create-service-template-version",
            *version,
            "--source",
            source,
            "--compatible-environment-templates",
            "templateName=net,majorVersion=1",
        )
    else:
        aws.ok("proton", "create-environment-template-version", *version, "--source", source)
    number = ["--major-version", "1", "--minor-version", "0"]
    aws.ok("proton", "wait", f"{kind}-template-version-registered", *version, *number)
    aws.ok("proton", f"update-{kind}-template-version", *version, *number, "--status", "PUBLISHED")


def _environment(aws: Cli, name: str = "dev") -> None:
    aws.ok(
        "proton",
        "create-environment",
        "--name",
        name,
        "--template-name",
        "net",
        "--template-major-version",
        "1",
        "--proton-service-role-arn",
        ROLE,
        "--spec",
        "file://env.yaml",
    )


@pytest.mark.slow  # some 30 CLI calls
def test_lifecycle_with_waiters_cancel_and_retried_deletes(aws: Cli) -> None:
    _publish(aws, "environment", "net", "env.tar.gz")
    _environment(aws)
    aws.ok("proton", "wait", "environment-deployed", "--name", "dev")
    _publish(aws, "service", "queue", "nopipe.tar.gz", "--pipeline-provisioning", "CUSTOMER_MANAGED")
    created = aws.ok(
        "proton", "create-service", "--name", "web", "--template-name", "queue", "--template-major-version", "1",
        "--spec", "file://svc.yaml",
    )  # fmt: skip
    assert created["service"]["status"] == "CREATE_IN_PROGRESS"
    aws.ok("proton", "wait", "service-created", "--name", "web")
    instance = ["--service-name", "web", "--name", "one"]
    aws.ok("proton", "wait", "service-instance-deployed", *instance)

    # a cancel right after an update finds the deployment IN_PROGRESS
    update = aws.ok("proton", "update-service-instance", *instance, "--deployment-type", "CURRENT_VERSION")
    assert update["serviceInstance"]["deploymentStatus"] == "IN_PROGRESS"
    cancel = aws.ok("proton", "cancel-service-instance-deployment", "--service-instance-name", "one",
                    "--service-name", "web")  # fmt: skip
    assert cancel["serviceInstance"]["deploymentStatus"] == "CANCELLING"
    got = aws.ok("proton", "get-service-instance", *instance)["serviceInstance"]
    assert got["deploymentStatus"] == "CANCELLED"

    # a delete retried at once returns the resource DELETE_IN_PROGRESS (the seed's idempotent deletes)
    for _ in range(2):
        assert aws.ok("proton", "delete-service", "--name", "web")["service"]["status"] == "DELETE_IN_PROGRESS"
    aws.ok("proton", "wait", "service-deleted", "--name", "web")
    for _ in range(2):
        deleted = aws.ok("proton", "delete-environment", "--name", "dev")
        assert deleted["environment"]["deploymentStatus"] == "DELETE_IN_PROGRESS"
    status, _, err = aws("proton", "get-environment", "--name", "dev")  # a read settles the deletion
    assert status != 0 and "ResourceNotFoundException" in err
    assert aws.ok("proton", "delete-environment", "--name", "dev") is None  # complete: an empty response


def test_an_error_response_carries_its_request_id(server: str, tmp_path: Path) -> None:
    """The ``aws`` program itself: its --debug log shows the error's response headers."""
    env = {**_env(), **FAKE, "AWS_CONFIG_FILE": str(tmp_path / "c"), "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "s")}
    env.pop("AWS_PROFILE", None)
    command = [sys.executable, "-m", "awscli", "proton", "get-environment", "--name", "missing"]
    result = subprocess.run(
        [*command, "--endpoint-url", server, "--debug"], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    assert "An error occurred (ResourceNotFoundException) when calling the GetEnvironment operation" in result.stderr
    headers = [line for line in result.stderr.splitlines() if "Response headers" in line and "x-amzn-RequestId" in line]
    assert headers, result.stderr[-2000:]
    assert "'x-amzn-RequestId': '" in headers[-1]


def test_controls_need_no_signature(server: str) -> None:
    """``/_proton/controls/*`` as docs/emulator.md writes them: a plain POST, no Authorization header."""
    import urllib.error
    import urllib.request

    def post(action: str, body: bytes = b"{}", method: str = "POST") -> tuple[int, dict[str, Any]]:
        request = urllib.request.Request(f"{server}/_proton/controls/{action}", data=body, method=method)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    status, state = post("state")
    assert status == 200 and state["transition"] == {"progression": "manual", "times": 1}
    assert post("hold", b'{"times": 5}')[1]["transition"] == {"progression": "manual", "times": 5}
    assert post("reset")[1]["transition"] == {"progression": "manual", "times": 1}
    assert post("no-such-control")[0] == 404
    assert post("hold", b"[1]")[0] == 400
    assert post("state", None, "GET")[0] == 405  # type: ignore[arg-type]
    # hostile bodies: a clear 4xx, and the emulator keeps working
    assert post("hold", b"\xff\xfe")[0] == 400  # not UTF-8
    assert post("fail-next", b'{"count": 1000000000}')[0] == 400  # no billion-message queue
    assert post("advance-clock", b'{"days": 1e12}')[0] == 400  # past year 9999
    assert post("advance-clock", b'{"seconds": "soon"}')[0] == 400
    assert post("state")[0] == 200


@pytest.mark.slow  # a second server
def test_realistic_timing_lets_the_cli_watch_and_cancel(aws: Cli) -> None:
    """``proton-emulator --deployment-seconds N``: deployments stay IN_PROGRESS N seconds of its clock."""
    process = _start("--port", "0", "--quiet", "--deployment-seconds", "600")
    try:
        assert process.stdout is not None
        aws.url = process.stdout.readline().strip()
        s3 = boto3.client("s3", region_name=REGION, endpoint_url=aws.url, **_lower(FAKE))
        bundles.stock(s3)
        _publish_with_boto3(aws.url)  # the setup; the CLI watches and cancels
        _environment(aws)
        for _ in range(3):  # reads do not settle it before its time
            got = aws.ok("proton", "get-environment", "--name", "dev")["environment"]
            assert got["deploymentStatus"] == "IN_PROGRESS"
        _environment(aws, "staging")
        assert aws.ok("proton", "cancel-environment-deployment", "--environment-name", "staging")["environment"][
            "deploymentStatus"
        ] == "CANCELLING"  # fmt: skip
        _control(aws.url, "advance-clock", {"seconds": 601})
        first = aws.ok("proton", "get-environment", "--name", "dev")["environment"]
        assert first["deploymentStatus"] == "SUCCEEDED"
        assert (
            aws.ok("proton", "get-environment", "--name", "staging")["environment"]["deploymentStatus"] == "CANCELLED"
        )
        # the clock keeps running after the advance: later timestamps differ
        _environment(aws, "later")
        _environment(aws, "latest")
        created = [
            aws.ok("proton", "get-environment", "--name", n)["environment"]["createdAt"] for n in ("later", "latest")
        ]
        assert created[0] != created[1]
    finally:
        code, err = _stop(process)
        assert code == 0 and "Traceback" not in err, err


def _publish_with_boto3(url: str) -> None:
    proton = boto3.client("proton", region_name=REGION, endpoint_url=url, **_lower(FAKE))
    proton.create_environment_template(name="net")
    source = {"s3": {"bucket": bundles.BUCKET, "key": "env.tar.gz"}}
    proton.create_environment_template_version(templateName="net", source=source)
    proton.get_waiter("environment_template_version_registered").wait(
        templateName="net", majorVersion="1", minorVersion="0"
    )
    proton.update_environment_template_version(
        templateName="net", majorVersion="1", minorVersion="0", status="PUBLISHED"
    )


def _control(url: str, action: str, body: dict[str, Any]) -> dict[str, Any]:
    import urllib.request

    request = urllib.request.Request(f"{url}/_proton/controls/{action}", data=json.dumps(body).encode(), method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())
