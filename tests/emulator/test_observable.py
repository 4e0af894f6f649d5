"""Deployments observable from any client (issue 11 §3), in-process: only reads settle, the clock
runs after an advance, realistic timing, request IDs on errors, messages that name the resource."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

import pytest
from botocore.exceptions import ClientError

from pytest_proton.emulator import controls, provisioning
from pytest_proton.emulator.clock import ManualClock, use_clock
from pytest_proton.errors import with_article

from .conftest import error_of
from .test_environments import ROLE, SOURCE, _create


@pytest.fixture
def client(proton: Any) -> Iterator[Any]:
    proton.create_environment_template(name="tmpl")
    proton.create_environment_template_version(templateName="tmpl", source=SOURCE)
    proton.update_environment_template_version(
        templateName="tmpl", majorVersion="1", minorVersion="0", status="PUBLISHED"
    )
    try:
        yield proton
    finally:
        controls.reset()
        provisioning.set_deployment_seconds(None)


def test_a_cancel_right_after_an_update_finds_the_deployment_in_progress(client: Any) -> None:
    _create(client)
    assert client.get_environment(name="dev")["environment"]["deploymentStatus"] == "SUCCEEDED"
    client.update_environment(name="dev", deploymentType="CURRENT_VERSION", spec="proton: EnvironmentSpec\n")
    cancelled = client.cancel_environment_deployment(environmentName="dev")["environment"]
    assert cancelled["deploymentStatus"] == "CANCELLING"
    assert client.get_environment(name="dev")["environment"]["deploymentStatus"] == "CANCELLED"


def test_an_update_right_after_a_create_is_refused_as_on_aws(client: Any) -> None:
    """A mutating call does not settle the create's deployment: it is still IN_PROGRESS (LC-20)."""
    _create(client)
    with pytest.raises(ClientError) as excinfo:
        client.update_environment(name="dev", deploymentType="CURRENT_VERSION")
    assert error_of(excinfo)[0] == "ConflictException"
    client.get_environment(name="dev")
    client.update_environment(name="dev", deploymentType="CURRENT_VERSION")


def test_an_error_response_carries_a_request_id(client: Any) -> None:
    with pytest.raises(ClientError) as excinfo:
        client.get_environment(name="missing")
    request_id = excinfo.value.response["ResponseMetadata"].get("RequestId")
    assert request_id and len(request_id) == 36


def test_the_clock_keeps_running_after_an_advance(client: Any) -> None:
    before = datetime.now(timezone.utc)
    controls.advance_clock(hours=1)
    first = _create(client, "one")["createdAt"]
    time.sleep(0.005)
    second = _create(client, "two")["createdAt"]
    assert second > first and (first - before).total_seconds() >= 3600


def test_advance_clock_moves_a_manual_clock_a_test_installed(client: Any) -> None:
    clock = ManualClock(datetime(2030, 1, 1, tzinfo=timezone.utc))
    with use_clock(clock):
        controls.advance_clock(minutes=5)
        assert clock.now() == datetime(2030, 1, 1, 0, 5, tzinfo=timezone.utc)
        controls.reset()


def test_realistic_timing_deploys_after_its_seconds_on_the_emulator_clock(client: Any) -> None:
    provisioning.set_deployment_seconds(30)
    with use_clock(ManualClock()) as clock:
        _create(client)
        for _ in range(3):
            assert client.get_environment(name="dev")["environment"]["deploymentStatus"] == "IN_PROGRESS"
        clock.advance(seconds=30)
        # its time is up: the next read settles it
        assert client.get_environment(name="dev")["environment"]["deploymentStatus"] == "SUCCEEDED"
        client.delete_environment(name="dev")
        assert client.get_environment(name="dev")["environment"]["deploymentStatus"] == "DELETE_IN_PROGRESS"
        controls.reset()  # the test controls leave the timing alone
        clock.advance(seconds=30)
        with pytest.raises(ClientError) as excinfo:
            client.get_environment(name="dev")
        assert error_of(excinfo)[0] == "ResourceNotFoundException"
    with pytest.raises(ValueError, match="0 or more"):
        provisioning.set_deployment_seconds(-1)


def test_an_invalid_spec_names_the_environment(client: Any) -> None:
    with pytest.raises(ClientError) as excinfo:
        client.create_environment(
            name="dev",
            templateName="tmpl",
            templateMajorVersion="1",
            protonServiceRoleArn=ROLE,
            spec="proton: EnvironmentSpec\nspec:\n  vpc_cidr: [1]\n",
        )
    message = error_of(excinfo)[1]
    assert message.startswith("The spec of the environment 'dev' is invalid"), message
    assert "spec of the spec" not in message


def test_articles() -> None:
    assert [with_article(noun) for noun in ("environment template", "service", "Instance")] == [
        "an environment template",
        "a service",
        "an Instance",
    ]
