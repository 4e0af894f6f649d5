"""The emulator's test controls: fail next, hold, clock; in-process and over /_proton/controls/<action>."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from pytest_proton.emulator import controls

from .conftest import ACCOUNT, REGION
from .test_server import server_client  # noqa: F401 - the fixture, used by name
from .test_services import ROLE, _publish_env

SPEC = "proton: EnvironmentSpec\n"


@pytest.fixture(autouse=True)
def clean_controls() -> Iterator[None]:
    controls.reset()
    yield
    controls.reset()


def _env(client: Any, name: str) -> dict[str, Any]:
    client.create_environment(
        name=name, templateName="envt", templateMajorVersion="1", spec=SPEC, protonServiceRoleArn=ROLE
    )
    return client.get_environment(name=name)["environment"]


def test_fail_next_fails_one_deployment_with_the_message(proton: Any) -> None:
    _publish_env(proton)
    controls.fail_next("subnet quota exceeded", account_id=ACCOUNT, region=REGION)
    failed = _env(proton, "one")
    assert (failed["deploymentStatus"], failed["deploymentStatusMessage"]) == ("FAILED", "subnet quota exceeded")
    assert _env(proton, "two")["deploymentStatus"] == "SUCCEEDED"


def test_failures_are_keyed_by_account_and_region(proton: Any) -> None:
    _publish_env(proton)
    controls.fail_next("elsewhere", region="eu-west-1")
    controls.fail_next("other account", account_id="111111111111")
    assert _env(proton, "one")["deploymentStatus"] == "SUCCEEDED"
    assert controls.pending_failures() == 2
    assert controls.take_failure("111111111111", "eu-west-1") == "other account"  # account before region


def test_count_and_validation() -> None:
    controls.fail_next("x", count=2)
    assert controls.pending_failures() == 2
    with pytest.raises(ValueError, match="count"):
        controls.fail_next("x", count=0)


def test_hold_release_and_clock(proton: Any) -> None:
    _publish_env(proton)
    controls.hold_deployments()
    assert _env(proton, "held")["deploymentStatus"] == "IN_PROGRESS"
    controls.release_deployments()
    assert proton.get_environment(name="held")["environment"]["deploymentStatus"] == "SUCCEEDED"
    before = proton.get_environment(name="held")["environment"]["createdAt"]
    controls.advance_clock(days=2)
    created = proton.get_environment(name=_env(proton, "later")["name"])["environment"]["createdAt"]
    assert (created - before).days >= 2
    controls.reset()
    assert controls.state()["transition"] == {"progression": "manual", "times": 1}


@pytest.mark.usefixtures("aws_credentials")
def test_http_route_in_the_server(request: pytest.FixtureRequest) -> None:
    url = request.getfixturevalue("server_client").meta.endpoint_url

    def post(action: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        request = urllib.request.Request(
            f"{url}/_proton/controls/{action}",
            data=json.dumps(body).encode(),
            method="POST",
            headers={"Authorization": f"AWS4-HMAC-SHA256 Credential=x/20260101/{REGION}/proton/aws4_request, S=x"},
        )
        try:
            with urllib.request.urlopen(request) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    assert post("fail-next", {"message": "boom", "count": 2})[0] == 200
    assert controls.pending_failures() == 2
    assert post("hold", {"times": 5})[1]["transition"] == {"progression": "manual", "times": 5}
    assert post("advance-clock", {"hours": 1})[0] == 200
    assert post("reset", {})[1]["pendingFailures"] == 0
    assert post("explode", {})[0] == 404
    assert post("fail-next", {"count": "many"})[0] == 400
