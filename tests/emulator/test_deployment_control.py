"""Cancel*Deployment, DeleteDeployment, NotifyResourceDeploymentStatusChange and the *Outputs lists."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError
from moto.moto_api import state_manager

from pytest_proton.emulator.provisioning import DEPLOYMENT_MODEL

from .conftest import error_of
from .test_services import ROLE, _publish_env, _publish_svc
from .test_services import _create as _create_service

ENV_SPEC = "proton: EnvironmentSpec\n"
CODEBUILD_SOURCE = {"s3": {"bucket": "bundles", "key": "codebuild-env.tar.gz"}}


@pytest.fixture
def hold() -> Iterator[None]:
    state_manager.set_transition(DEPLOYMENT_MODEL, {"progression": "manual", "times": 1000})
    try:
        yield
    finally:
        state_manager.unset_transition(DEPLOYMENT_MODEL)


@pytest.fixture
def client(proton: Any) -> Any:
    _publish_env(proton)
    _publish_svc(proton)
    return proton


def _env(client: Any, name: str = "dev", **params: Any) -> dict[str, Any]:
    template = "envt"
    if "codebuildRoleArn" in params:
        template = "cbenv"  # a CodeBuild bundle: its deployments wait for NotifyResourceDeploymentStatusChange
        if "cbenv" not in {t["name"] for t in client.list_environment_templates()["templates"]}:
            client.create_environment_template(name="cbenv")
            client.create_environment_template_version(templateName="cbenv", source=CODEBUILD_SOURCE)
            client.update_environment_template_version(
                templateName="cbenv", majorVersion="1", minorVersion="0", status="PUBLISHED"
            )
    else:
        params["protonServiceRoleArn"] = ROLE
    return client.create_environment(
        name=name, templateName=template, templateMajorVersion="1", spec=ENV_SPEC, **params
    )["environment"]


def test_cancel_environment_deployment(client: Any, hold: None) -> None:
    created = _env(client)
    cancelled = client.cancel_environment_deployment(environmentName="dev")["environment"]
    assert cancelled["deploymentStatus"] == "CANCELLING"
    got = client.get_environment(name="dev")["environment"]
    assert got["deploymentStatus"] == "CANCELLED"
    deployment = client.get_deployment(id=created["lastAttemptedDeploymentId"])["deployment"]
    assert deployment["deploymentStatus"] == "CANCELLED"
    assert deployment["completedAt"]
    with pytest.raises(ClientError) as excinfo:
        client.cancel_environment_deployment(environmentName="dev")
    assert error_of(excinfo)[0] == "ConflictException"


def test_cancel_unknown_or_settled(client: Any) -> None:
    with pytest.raises(ClientError) as excinfo:
        client.cancel_environment_deployment(environmentName="nope")
    assert error_of(excinfo)[0] == "ResourceNotFoundException"
    _env(client)
    client.get_environment(name="dev")  # settles: SUCCEEDED
    with pytest.raises(ClientError) as excinfo:
        client.cancel_environment_deployment(environmentName="dev")
    assert error_of(excinfo)[0] == "ConflictException"


def test_cancelled_update_keeps_previous_version(client: Any) -> None:
    _env(client)
    client.get_environment(name="dev")
    state_manager.set_transition(DEPLOYMENT_MODEL, {"progression": "manual", "times": 1000})
    try:
        client.update_environment(name="dev", deploymentType="CURRENT_VERSION", spec="proton: EnvironmentSpec\nx: 1\n")
        client.cancel_environment_deployment(environmentName="dev")
        got = client.get_environment(name="dev")["environment"]
    finally:
        state_manager.unset_transition(DEPLOYMENT_MODEL)
    assert got["deploymentStatus"] == "CANCELLED"
    assert got["spec"] == ENV_SPEC
    assert (got["templateMajorVersion"], got["templateMinorVersion"]) == ("1", "0")


def test_cancel_service_instance_and_pipeline(client: Any, hold: None) -> None:
    state_manager.unset_transition(DEPLOYMENT_MODEL)
    _env(client)
    client.get_environment(name="dev")
    state_manager.set_transition(DEPLOYMENT_MODEL, {"progression": "manual", "times": 1000})
    _create_service(client)
    instance = client.cancel_service_instance_deployment(serviceName="web", serviceInstanceName="one")
    assert instance["serviceInstance"]["deploymentStatus"] == "CANCELLING"
    pipeline = client.cancel_service_pipeline_deployment(serviceName="web")["pipeline"]
    assert pipeline["deploymentStatus"] == "CANCELLING"
    got = client.get_service_instance(serviceName="web", name="one")["serviceInstance"]
    assert got["deploymentStatus"] == "CANCELLED"
    assert client.get_service(name="web")["service"]["pipeline"]["deploymentStatus"] == "CANCELLED"


def test_delete_deployment(client: Any) -> None:
    first = _env(client)["lastAttemptedDeploymentId"]
    client.get_environment(name="dev")
    with pytest.raises(ClientError) as excinfo:
        client.delete_deployment(id=first)  # the latest deployment of the environment
    assert error_of(excinfo)[0] == "ConflictException"
    client.update_environment(name="dev", deploymentType="CURRENT_VERSION", spec=ENV_SPEC)
    client.get_environment(name="dev")
    deleted = client.delete_deployment(id=first)["deployment"]
    assert deleted["id"] == first
    assert "deployment" not in client.delete_deployment(id=first)
    with pytest.raises(ClientError) as excinfo:
        client.get_deployment(id=first)
    assert error_of(excinfo)[0] == "ResourceNotFoundException"


def test_codebuild_deployment_waits_for_notification(client: Any) -> None:
    created = _env(client, codebuildRoleArn=ROLE)
    for _ in range(3):
        assert client.get_environment(name="dev")["environment"]["deploymentStatus"] == "IN_PROGRESS"
    outputs = [{"key": "vpc", "valueString": "vpc-1"}]
    client.notify_resource_deployment_status_change(resourceArn=created["arn"], status="SUCCEEDED", outputs=outputs)
    got = client.get_environment(name="dev")["environment"]
    assert got["deploymentStatus"] == "SUCCEEDED"
    assert got["lastSucceededDeploymentId"] == created["lastAttemptedDeploymentId"]
    assert client.list_environment_outputs(environmentName="dev")["outputs"] == outputs
    by_id = client.list_environment_outputs(environmentName="dev", deploymentId=created["lastAttemptedDeploymentId"])
    assert by_id["outputs"] == outputs


def test_notify_failed_and_validation(client: Any) -> None:
    created = _env(client, codebuildRoleArn=ROLE)
    with pytest.raises(ClientError) as excinfo:
        client.notify_resource_deployment_status_change(
            resourceArn=created["arn"], outputs=[{"key": "k", "valueString": "v" * 1025}]
        )
    assert error_of(excinfo)[0] == "ValidationException"
    client.notify_resource_deployment_status_change(resourceArn=created["arn"], status="FAILED", statusMessage="boom")
    got = client.get_environment(name="dev")["environment"]
    assert (got["deploymentStatus"], got["deploymentStatusMessage"]) == ("FAILED", "boom")
    with pytest.raises(ClientError) as excinfo:
        client.notify_resource_deployment_status_change(
            resourceArn=created["arn"].replace("environment/dev", "environment/nope"), status="SUCCEEDED"
        )
    assert error_of(excinfo)[0] == "ResourceNotFoundException"


def test_service_instance_outputs(client: Any) -> None:
    _env(client)
    client.get_environment(name="dev")
    _create_service(client)
    client.get_service(name="web")
    outputs = client.list_service_instance_outputs(serviceName="web", serviceInstanceName="one")["outputs"]
    assert [o["key"] for o in outputs] == ["QueueUrl"]  # the instance template's Outputs, from its stack
    assert outputs[0]["valueString"].endswith("/web-one")
    assert client.list_service_pipeline_outputs(serviceName="web")["outputs"] == []  # its template has none
