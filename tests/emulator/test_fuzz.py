"""Hypothesis against the emulator's request handling: no request body may end in a 500.

Bodies are drawn from botocore's input shapes (so most get past validation and reach the
handlers) with hostile values mixed in: names of resources that exist and that do not, YAML that
is not a spec, numbers out of range, members of the wrong type. They are posted as raw JSON 1.0
requests (``requests`` inside ``mock_aws()``, which moto answers in-process), to an account that
holds one of every resource. Every answer must be a 200 or an AWS error of the model's kinds.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
import requests
from botocore.model import ListShape, MapShape, Shape, StructureShape
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from moto import mock_aws

from pytest_proton.emulator import register
from pytest_proton.emulator.servicemodel import service_model

from .world import REGION, World, build_world, release_deployments

SCALE = max(1, int(os.environ.get("PROTON_LINT_FUZZ_SCALE", "1")))
MODEL = service_model()
OPERATIONS = sorted(MODEL.operation_names)
URL = f"https://proton.{REGION}.amazonaws.com/"
HEADERS = {
    "Content-Type": "application/x-amz-json-1.0",
    "Authorization": f"AWS4-HMAC-SHA256 Credential=testing/20260101/{REGION}/proton/aws4_request, "
    "SignedHeaders=host, Signature=0",
}
#: the error codes an answer may carry: the model's error shapes and the protocol's own
ERRORS = {shape for op in OPERATIONS for shape in (e.name for e in MODEL.operation_model(op).error_shapes)} | {
    "ValidationException",
    "UnknownOperationException",
}
#: names that exist in the world (build_world), so that handlers go past "not found"
KNOWN = ["envt", "svct", "dev", "web", "one", "comp", "org/repo", "1", "0", "pipeline"]
HOSTILE = [
    "",
    "x" * 300,
    "proton: ServiceSpec\ninstances: [\n",
    "!!python/object/apply:os.system ['true']",
    "proton: EnvironmentSpec\nspec: 7\n",
    "proton: ServiceSpec\ninstances:\n  - name: one\n    environment: dev\n    spec: [1]\n",
    "${Proton::CURRENT_VAL}",
    "arn:aws:proton:us-east-1:123456789012:environment/dev",
    "arn:aws:proton:us-east-1:123456789012:service/web/service-instance/one",
    "arn:aws:proton:us-east-1:123456789012:component/comp",
    "arn:aws:iam::123456789012:role/proton",
    "\x00\ud7ff",
]


def scalar(shape: Shape) -> st.SearchStrategy[Any]:
    if shape.type_name == "string":
        enum = getattr(shape, "enum", None) or []
        return st.sampled_from([*enum, *KNOWN, *HOSTILE]) | st.text(max_size=20)
    if shape.type_name in ("integer", "long"):
        return st.sampled_from([0, 1, 5, 100, 101, -1, 2**40]) | st.integers()
    if shape.type_name == "boolean":
        return st.booleans()
    if shape.type_name in ("float", "double"):
        return st.floats(allow_nan=False)
    if shape.type_name == "timestamp":
        return st.floats(min_value=0, max_value=4e9)
    return st.text(max_size=10)  # blob


def body_for(shape: Shape | None, depth: int = 0) -> st.SearchStrategy[Any]:
    """A value for ``shape``: right in kind most of the time, sometimes of another type."""
    wrong = st.sampled_from([None, 3, "x", [], {}])
    if shape is None:
        return st.just({})
    if isinstance(shape, StructureShape):
        if depth > 4:
            return st.just({})
        required = set(shape.required_members)
        members = {name: body_for(member, depth + 1) for name, member in shape.members.items()}
        return st.fixed_dictionaries(
            {n: s for n, s in members.items() if n in required},
            optional={n: s for n, s in members.items() if n not in required},
        ) | (wrong if depth else st.nothing())
    if isinstance(shape, ListShape):
        return st.lists(body_for(shape.member, depth + 1), max_size=3) | wrong
    if isinstance(shape, MapShape):
        return st.dictionaries(st.text(max_size=8), body_for(shape.value, depth + 1), max_size=3) | wrong
    return scalar(shape) | wrong


@st.composite
def requests_(draw: st.DrawFn) -> tuple[str, Any]:
    operation = draw(st.sampled_from(OPERATIONS))
    body = draw(body_for(MODEL.operation_model(operation).input_shape))
    return operation, body


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    env = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": REGION}
    saved = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    register()
    try:
        with mock_aws():
            world = build_world(boto3.client("proton", region_name=REGION))
            world.component()
            world.repository()
            yield world
    finally:
        release_deployments()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@settings(
    max_examples=500 * SCALE,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large],
)
@given(request=requests_())
def test_no_request_ends_in_a_server_error(world: World, request: tuple[str, Any]) -> None:
    operation, body = request
    headers = {**HEADERS, "X-Amz-Target": f"AwsProton20200720.{operation}"}
    response = requests.post(URL, data=json.dumps(body), headers=headers, timeout=30)
    assert response.status_code < 500, (operation, body, response.text)  # (an exception would also fail here)
    answer = response.json()
    if response.status_code != 200:
        assert answer.get("__type") in ERRORS, (operation, body, answer)
        assert answer.get("message"), (operation, body, answer)


def test_an_output_without_a_key_is_a_validation_error(world: World) -> None:
    """Found by the fuzzer: ``Output`` members are optional in the model, but Proton needs both."""
    body = {"resourceArn": world.ids["env_arn"], "outputs": [{}]}
    headers = {**HEADERS, "X-Amz-Target": "AwsProton20200720.NotifyResourceDeploymentStatusChange"}
    response = requests.post(URL, data=json.dumps(body), headers=headers, timeout=30)
    assert response.status_code == 400
    assert response.json()["__type"] == "ValidationException"
    assert "outputs.1.member.key" in response.json()["message"]
