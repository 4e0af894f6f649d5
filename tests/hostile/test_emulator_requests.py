"""Hostile requests to ``proton-emulator``: every one gets a 4xx JSON error in AWS's shape, and the server goes on.

The server runs as a process on 127.0.0.1 under an address-space cap (tests/emulator/soak.py starts
it); each case is timed, and the server's resident high-water mark after it is recorded with
``PROTON_LINT_HOSTILE_REPORT=FILE`` (one JSON line per case, as tests/hostile/harness.py does).
"""

from __future__ import annotations

import gzip
import json
import os
import random
import resource
import time
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
import requests
from botocore.config import Config
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from moto import mock_aws

from proton_lint import budgets
from pytest_proton.emulator import register
from pytest_proton.emulator.idempotency import ClientTokens, Recent
from pytest_proton.emulator.operations import load_all
from tests.emulator import soak

MEMORY_MB = 2048  # the server's address-space cap (moto, cfn-lint and threads map more than they touch)
LIST = "ListEnvironmentTemplates"
IN_PROCESS_URL = f"https://proton.{soak.REGION}.amazonaws.com/"


def _cap_memory() -> None:
    cap = MEMORY_MB * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))


@pytest.fixture(scope="module")
def server() -> Iterator[soak.Server]:
    with soak.emulator(preexec_fn=_cap_memory) as running:
        yield running


@pytest.fixture
def fake_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """So that no client here can ever reach AWS."""
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)


def high_water_mb(server: soak.Server) -> float:
    with open(f"/proc/{server.process.pid}/status", encoding="ascii") as status:
        return next(int(line.split()[1]) / 1024 for line in status if line.startswith("VmHWM:"))


def record(server: soak.Server, status: int, error: str, seconds: float) -> None:
    report = os.environ.get("PROTON_LINT_HOSTILE_REPORT")
    if report:
        test = os.environ.get("PYTEST_CURRENT_TEST", "?").split(" ")[0]
        line = {"test": test, "status": status, "error": error, "seconds": round(seconds, 2)}
        line["peak_mb"] = round(high_water_mb(server), 1)
        with open(report, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(line) + "\n")


def expect_error(server: soak.Server, response: requests.Response, status: int, error: str, seconds: float) -> None:
    """An AWS JSON 1.0 error (body, ``x-amzn-ErrorType``, request id), then a valid call still succeeds."""
    record(server, response.status_code, response.headers.get("x-amzn-ErrorType", ""), seconds)
    assert response.status_code == status, response.text[:300]
    assert response.headers["Content-Type"] == "application/x-amz-json-1.0"
    assert response.headers["x-amzn-ErrorType"] == error
    assert response.headers["x-amzn-RequestId"]
    body = response.json()
    assert body["__type"] == error
    assert body["message"] and "Traceback" not in body["message"]
    alive = server.post(LIST, b"{}")
    assert (alive.status_code, alive.json()) == (200, {"templates": []})
    assert server.process.poll() is None


def timed(call: Callable[[], requests.Response]) -> tuple[requests.Response, float]:
    started = time.perf_counter()
    response = call()
    return response, time.perf_counter() - started


BODIES: dict[str, tuple[Callable[[], bytes], dict[str, str], int, str]] = {
    "deep-array-100k": (lambda: b"[" * 100_000 + b"]" * 100_000, {}, 400, "SerializationException"),
    "deep-object-100k": (lambda: b'{"a":' * 100_000 + b"1" + b"}" * 100_000, {}, 400, "SerializationException"),
    "not-utf8": (lambda: b'{"name": "\xff\xfe"}', {}, 400, "SerializationException"),
    "random-10mb": (lambda: random.Random(10).randbytes(10 * 1024 * 1024), {}, 413, "ValidationException"),
    "gzip-bomb-200mb": (
        lambda: gzip.compress(b" " * 200_000_000, compresslevel=1),
        {"Content-Encoding": "gzip"},
        413,
        "ValidationException",
    ),
    "gzip-not-gzip": (lambda: b"\x1f\x8b\x00garbage", {"Content-Encoding": "gzip"}, 400, "SerializationException"),
    "json-array": (lambda: b"[1, 2]", {}, 400, "SerializationException"),
    "truncated-json": (lambda: b'{"maxResults": ', {}, 400, "SerializationException"),
    "100k-digit-number": (lambda: b'{"maxResults": ' + b"9" * 100_000 + b"}", {}, 400, "SerializationException"),
    "form-content-type": (
        lambda: b"a=b",
        {"Content-Type": "application/x-www-form-urlencoded"},
        400,
        "SerializationException",
    ),
    "authorization-garbage": (lambda: b"{}", {"Authorization": "AWS4 x"}, 400, "IncompleteSignatureException"),
    "authorization-missing": (lambda: b"{}", {"Authorization": ""}, 403, "MissingAuthenticationTokenException"),
}


@pytest.mark.parametrize("case", sorted(BODIES))
def test_hostile_body_is_a_json_error(server: soak.Server, case: str) -> None:
    make, headers, status, error = BODIES[case]
    body = make()
    response, seconds = timed(lambda: server.post(LIST, body, headers))
    expect_error(server, response, status, error, seconds)


def test_chunked_body_past_the_budget_is_413(server: soak.Server) -> None:
    chunks = (b"x" * 65536 for _ in range(100))  # 6.5 MB without a Content-Length
    response, seconds = timed(lambda: server.post(LIST, chunks))  # type: ignore[arg-type]
    expect_error(server, response, 413, "ValidationException", seconds)


def test_a_json_body_sent_as_a_form_is_still_read(server: soak.Server) -> None:
    response = server.post(LIST, b'{"maxResults": 0}', {"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 400
    assert "maxResults" in response.json()["message"]  # the model's minimum of 1, so the body was parsed


def test_controls_route_refuses_bad_bodies(server: soak.Server) -> None:
    for body in (b"\xff", b"[" * 100_000):
        response = requests.post(
            f"{server.url}/_proton/controls/state", data=body, headers=soak.JSON_HEADERS, timeout=30
        )
        assert response.status_code == 400
        assert response.json()["__type"] == "SerializationException"
    assert server.post(LIST, b"{}").status_code == 200


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.binary(max_size=2048) | st.text(max_size=512).map(str.encode))
def test_no_body_ends_in_a_server_error(server: soak.Server, body: bytes) -> None:
    response = server.post(LIST, body)
    assert response.status_code in (200, 400), response.text[:300]
    assert response.headers["Content-Type"] == "application/x-amz-json-1.0"
    if response.status_code == 400:
        assert response.json()["__type"] in ("SerializationException", "ValidationException")


def test_memory_after_reset_does_not_grow_with_requests(server: soak.Server, fake_credentials: None) -> None:
    """RSS after reset following N rounds, and following 3N more: the same within the allocator's noise.

    Before the fix every round left a deleted version's bundle (bytes and parsed files) and a client
    token behind until the reset; the 60-second soak (benchmarks/soak_emulator.py) gives the figures.
    """
    rounds = 4
    workload = soak.Workload(server)
    workload.setup()
    soak.run_rounds(workload, rounds)
    after_n = soak.reset_and_measure(workload)
    soak.run_rounds(workload, 3 * rounds)
    after_3n = soak.reset_and_measure(workload)
    assert after_3n - after_n < 8.0, (after_n, after_3n)


# In-process: budgets set through configuration, an unexpected exception, per-request residue --------


@pytest.fixture
def in_process(fake_credentials: None) -> Iterator[Any]:
    register()
    with mock_aws():
        yield boto3.client("proton", region_name=soak.REGION, config=Config(retries={"max_attempts": 1}))


def _post_in_process(body: bytes) -> requests.Response:
    headers = {**soak.JSON_HEADERS, "X-Amz-Target": f"{soak.TARGET}.{LIST}"}
    return requests.post(IN_PROCESS_URL, data=body, headers=headers, timeout=30)


def test_small_budgets_from_configuration(in_process: Any) -> None:
    with budgets.using(emulator_request_bytes=64, emulator_json_depth=2):
        too_big = _post_in_process(b'{"maxResults": 5}' + b" " * 64)
        too_deep = _post_in_process(b'{"a": [[1]]}')
        fine = _post_in_process(b'{"maxResults": 5}')
    assert (too_big.status_code, too_big.json()["__type"]) == (413, "ValidationException")
    assert "64 bytes" in too_big.json()["message"]
    assert (too_deep.status_code, too_deep.json()["__type"]) == (400, "SerializationException")
    assert fine.status_code == 200


def test_an_unexpected_exception_is_a_json_internal_server_error(
    in_process: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(backend: Any, params: dict[str, Any]) -> dict[str, Any]:
        raise RuntimeError("a bug in the emulator")

    monkeypatch.setitem(load_all(), LIST, broken)
    with pytest.raises(ClientError) as excinfo:
        in_process.list_environment_templates()
    error = excinfo.value.response
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 500
    assert error["Error"]["Code"] == "InternalServerException"
    assert "a bug in the emulator" not in error["Error"]["Message"]  # exception text stays in the server's log


def test_client_tokens_follow_live_resources() -> None:
    """Entries of deleted resources are swept as the table grows; the table never passes its limit."""
    from datetime import datetime, timezone

    now = datetime(2026, 1, 1, tzinfo=timezone.utc)
    tokens = ClientTokens(limit=100)
    for index in range(1000):
        tokens.remember("Create", {"clientToken": f"t{index}"}, now, object(), alive=lambda _: False)
    assert len(tokens) < 64
    for index in range(1000):
        tokens.remember("Create", {"clientToken": f"live{index}"}, now, object(), alive=lambda _: True)
    assert len(tokens) == 100


def test_deleted_records_keep_the_most_recent() -> None:
    records: Recent[str, int] = Recent(limit=3)
    for index in range(10):
        records[f"r{index}"] = index
    assert list(records) == ["r7", "r8", "r9"]
