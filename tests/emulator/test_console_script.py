"""``proton-emulator`` / ``python -m pytest_proton.emulator.server`` run as a process, reached over HTTP."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from .conftest import REGION

ROOT = Path(__file__).resolve().parents[2]
TARGET_PREFIX = "AwsProton20200720"


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env.pop("MOTO_PORT", None)
    return env


def _start(*args: str, module: str = "pytest_proton.emulator.server") -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", module, *args],
        cwd=ROOT,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _stop(process: subprocess.Popen[str], sig: int = signal.SIGTERM) -> tuple[int, str]:
    if process.poll() is None:
        process.send_signal(sig)
    try:
        _, err = process.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        _, err = process.communicate()
        raise
    return process.returncode, err


@pytest.fixture
def server_url(aws_credentials: None) -> Iterator[str]:
    process = _start("--host", "127.0.0.1", "--port", "0", "--quiet")
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:"), (url, process.stderr.read() if process.poll() else "")
        yield url
    finally:
        code, err = _stop(process)
        assert code == 0, err
        assert "Traceback" not in err


def test_boto3_over_http(server_url: str) -> None:
    client = boto3.client("proton", region_name=REGION, endpoint_url=server_url)
    arn = client.create_environment_template(name="net")["environmentTemplate"]["arn"]
    assert arn == f"arn:aws:proton:{REGION}:123456789012:environment-template/net"
    assert [t["name"] for t in client.list_environment_templates()["templates"]] == ["net"]
    # all of moto is served too
    s3 = boto3.client("s3", region_name=REGION, endpoint_url=server_url)
    s3.create_bucket(Bucket="bundles")
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["bundles"]


def _post(url: str, operation: str, body: dict[str, Any], headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(url + "/", data=json.dumps(body).encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def _json_headers(operation: str) -> dict[str, str]:
    return {"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": f"{TARGET_PREFIX}.{operation}"}


def test_raw_http_with_a_hand_written_sigv4_header(server_url: str) -> None:
    """What any language's HTTP client can do: JSON 1.0, the target header and a SigV4-shaped Authorization."""
    date = datetime.now(timezone.utc).strftime("%Y%m%d")
    headers = _json_headers("CreateEnvironmentTemplate")
    headers["Authorization"] = (
        f"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/{date}/{REGION}/proton/aws4_request, "
        "SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=" + "0" * 64
    )
    headers["X-Amz-Date"] = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    status, body = _post(server_url, "CreateEnvironmentTemplate", {"name": "raw"}, headers)
    assert status == 200, body
    assert body["environmentTemplate"]["name"] == "raw"

    headers["X-Amz-Target"] = f"{TARGET_PREFIX}.ListEnvironmentTemplates"
    status, body = _post(server_url, "ListEnvironmentTemplates", {}, headers)
    assert status == 200
    assert [t["name"] for t in body["templates"]] == ["raw"]
    assert isinstance(body["templates"][0]["createdAt"], (int, float))

    headers["X-Amz-Target"] = f"{TARGET_PREFIX}.GetEnvironmentTemplate"
    status, body = _post(server_url, "GetEnvironmentTemplate", {"name": "absent"}, headers)
    assert status == 400
    assert body["__type"] == "ResourceNotFoundException"
    assert "absent" in body["message"]


def test_raw_http_signed_by_botocore(server_url: str) -> None:
    """A request signed with real SigV4 (botocore's signer) and sent with urllib."""
    body = json.dumps({"maxResults": 10})
    request = AWSRequest(
        method="POST", url=server_url + "/", data=body, headers=_json_headers("ListEnvironmentTemplates")
    )
    SigV4Auth(Credentials("testing", "testing"), "proton", REGION).add_auth(request)
    prepared = request.prepare()
    raw = urllib.request.Request(prepared.url, data=body.encode(), headers=dict(prepared.headers), method="POST")
    with urllib.request.urlopen(raw, timeout=10) as response:
        assert response.status == 200
        assert response.headers["Content-Type"] == "application/x-amz-json-1.0"
        assert json.loads(response.read()) == {"templates": []}


def test_python_dash_m_package_and_sigint() -> None:
    process = _start("--port", "0", "--quiet", module="pytest_proton.emulator")
    assert process.stdout is not None
    url = process.stdout.readline().strip()
    assert url.startswith("http://127.0.0.1:")
    status, body = _post(
        url,
        "ListServiceTemplates",
        {},
        {
            **_json_headers("ListServiceTemplates"),
            "Authorization": f"AWS4-HMAC-SHA256 Credential=k/20260101/{REGION}/proton/aws4_request, "
            "SignedHeaders=host, Signature=00",
        },
    )
    assert (status, body) == (200, {"templates": []})
    code, err = _stop(process, signal.SIGINT)
    assert code == 0, err
    assert "Traceback" not in err


def test_port_in_use_is_a_clear_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        process = _start("--port", str(port))
        out, err = process.communicate(timeout=30)
    assert process.returncode == 2
    assert out == ""
    assert "Traceback" not in err
    assert f"cannot listen on 127.0.0.1:{port}" in err


def test_version_and_help() -> None:
    version = subprocess.run(
        [sys.executable, "-m", "pytest_proton.emulator.server", "--version"],
        cwd=ROOT,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert version.returncode == 0
    assert version.stdout.startswith("proton-emulator ")
    assert "moto " in version.stdout
    from pytest_proton.emulator.server import build_parser

    help_text = build_parser().format_help()
    for option in ("--host", "--port", "--region", "--version"):
        assert option in help_text
