"""All 10 botocore Proton waiters return for the emulator's resources (deployments settle on read)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from pytest_proton.emulator import register

from .world import ENV_SOURCE, REGION, SVC_SOURCE, World, build_world

FAST = {"Delay": 0, "MaxAttempts": 3}
WAITERS = [
    "component_deleted",
    "component_deployed",
    "environment_deployed",
    "environment_template_version_registered",
    "service_created",
    "service_deleted",
    "service_instance_deployed",
    "service_pipeline_deployed",
    "service_template_version_registered",
    "service_updated",
]


@pytest.fixture
def world(aws_credentials: None) -> Iterator[World]:
    register()
    with mock_aws():
        yield build_world(boto3.client("proton", region_name=REGION))


def test_the_model_has_these_ten_waiters() -> None:
    client = boto3.client("proton", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")
    assert sorted(client.waiter_names) == WAITERS


def _wait(client: Any, waiter: str, **params: Any) -> None:
    client.get_waiter(waiter).wait(WaiterConfig=FAST, **params)


def test_template_version_waiters(world: World) -> None:
    client = world.client
    client.create_environment_template_version(templateName="envt", majorVersion="1", source=ENV_SOURCE)
    _wait(client, "environment_template_version_registered", templateName="envt", majorVersion="1", minorVersion="2")
    client.create_service_template_version(
        templateName="svct",
        source=SVC_SOURCE,
        compatibleEnvironmentTemplates=[{"templateName": "envt", "majorVersion": "1"}],
    )
    _wait(client, "service_template_version_registered", templateName="svct", majorVersion="2", minorVersion="0")
    got = client.get_service_template_version(templateName="svct", majorVersion="2", minorVersion="0")
    assert got["serviceTemplateVersion"]["status"] == "DRAFT"


def test_environment_deployed(world: World) -> None:
    client = world.client
    client.update_environment(name="dev", deploymentType="CURRENT_VERSION", spec="proton: EnvironmentSpec\n")
    _wait(client, "environment_deployed", name="dev")
    assert client.get_environment(name="dev")["environment"]["deploymentStatus"] == "SUCCEEDED"


def test_service_waiters(world: World) -> None:
    client = world.client
    client.create_service(
        name="api",
        templateName="svct",
        templateMajorVersion="1",
        spec="proton: ServiceSpec\npipeline:\n  unit_test_command: make\ninstances:\n"
        "  - name: a\n    environment: dev\n",
        repositoryConnectionArn="arn:aws:codestar-connections:us-east-1:123456789012:connection/abc",
        repositoryId="org/repo",
        branchName="main",
    )
    _wait(client, "service_created", name="api")
    _wait(client, "service_instance_deployed", serviceName="api", name="a")
    _wait(client, "service_pipeline_deployed", name="api")
    client.update_service(name="api", description="changed")
    _wait(client, "service_updated", name="api")
    client.update_service_pipeline(serviceName="api", deploymentType="CURRENT_VERSION", spec="unit_test_command: x\n")
    _wait(client, "service_pipeline_deployed", name="api")
    client.update_service_instance(
        serviceName="api", name="a", deploymentType="CURRENT_VERSION", spec="name: a\nenvironment: dev\n"
    )
    _wait(client, "service_instance_deployed", serviceName="api", name="a")
    client.delete_service(name="api")
    _wait(client, "service_deleted", name="api")
    assert [s["name"] for s in client.list_services()["services"]] == ["web"]


def test_component_waiters(world: World) -> None:
    client = world.client
    world.component()
    _wait(client, "component_deployed", name="comp")
    client.update_component(
        name="comp", deploymentType="CURRENT_VERSION", templateFile="Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n"
    )
    _wait(client, "component_deployed", name="comp")
    client.delete_component(name="comp")
    _wait(client, "component_deleted", name="comp")
