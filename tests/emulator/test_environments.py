"""Environments: create, read, list, update, delete, idempotency, cross-field rules and deployments."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError
from moto.moto_api import state_manager

from pytest_proton.emulator import proton_backends
from pytest_proton.emulator.provisioning import DEPLOYMENT_MODEL

from .conftest import ACCOUNT, REGION, error_of

SOURCE = {"s3": {"bucket": "bundles", "key": "env.tar.gz"}}
ROLE = f"arn:aws:iam::{ACCOUNT}:role/proton"
CONNECTION = "a" * 8 + "-0000-0000-0000-" + "0" * 12
SPEC = "proton: EnvironmentSpec\nspec:\n  size: small\n"


def _version(
    client: Any, major: str | None = None, publish: bool = True, source: dict[str, Any] = SOURCE
) -> dict[str, Any]:
    params: dict[str, Any] = {"templateName": "tmpl", "source": source}
    if major is not None:
        params["majorVersion"] = major
    created = client.create_environment_template_version(**params)["environmentTemplateVersion"]
    if publish:
        client.update_environment_template_version(
            templateName="tmpl",
            majorVersion=created["majorVersion"],
            minorVersion=created["minorVersion"],
            status="PUBLISHED",
        )
    return created


@pytest.fixture
def client(proton: Any) -> Any:
    proton.create_environment_template(name="tmpl")
    _version(proton)  # 1.0 PUBLISHED
    return proton


@pytest.fixture
def hold() -> Iterator[None]:
    """Keep deployments IN_PROGRESS for many reads."""
    state_manager.set_transition(DEPLOYMENT_MODEL, {"progression": "manual", "times": 1000})
    try:
        yield
    finally:
        state_manager.unset_transition(DEPLOYMENT_MODEL)


def _create(client: Any, name: str = "dev", **params: Any) -> dict[str, Any]:
    params.setdefault("templateName", "tmpl")
    params.setdefault("templateMajorVersion", "1")
    params.setdefault("spec", SPEC)
    if "environmentAccountConnectionId" not in params and "codebuildRoleArn" not in params:
        params.setdefault("protonServiceRoleArn", ROLE)
    return client.create_environment(name=name, **params)["environment"]


def test_create_deploys_then_succeeds(client: Any) -> None:
    created = _create(client, tags=[{"key": "team", "value": "a"}])
    assert created["arn"] == f"arn:aws:proton:{REGION}:{ACCOUNT}:environment/dev"
    assert created["deploymentStatus"] == "IN_PROGRESS"
    assert (created["templateMajorVersion"], created["templateMinorVersion"]) == ("1", "0")
    got = client.get_environment(name="dev")["environment"]
    assert got["deploymentStatus"] == "SUCCEEDED"
    assert got["lastSucceededDeploymentId"] == created["lastAttemptedDeploymentId"]
    assert got["spec"] == SPEC
    tags = client.list_tags_for_resource(resourceArn=created["arn"])["tags"]
    assert tags == [{"key": "team", "value": "a"}]
    client.get_waiter("environment_deployed").wait(name="dev")


def test_major_only_picks_recommended_minor(client: Any) -> None:
    _version(client, major="1")  # 1.1 PUBLISHED
    _version(client, major="1", publish=False)  # 1.2 DRAFT
    assert _create(client)["templateMinorVersion"] == "1"


def test_version_must_exist_and_be_published(client: Any) -> None:
    with pytest.raises(ClientError) as excinfo:
        _create(client, templateMajorVersion="7")
    assert error_of(excinfo)[0] == "ResourceNotFoundException"
    _version(client, publish=False)  # 2.0 DRAFT
    with pytest.raises(ClientError) as excinfo:
        _create(client, templateMajorVersion="2", templateMinorVersion="0")
    code, message = error_of(excinfo)
    assert code == "ValidationException"
    assert "PUBLISHED" in message
    with pytest.raises(ClientError) as excinfo:
        _create(client, templateName="nope")
    assert error_of(excinfo)[0] == "ResourceNotFoundException"


def test_api40_cross_field_rules(client: Any) -> None:
    with pytest.raises(ClientError) as excinfo:
        client.create_environment(name="dev", templateName="tmpl", templateMajorVersion="1", spec=SPEC)
    code, message = error_of(excinfo)
    assert code == "ValidationException"
    assert "protonServiceRoleArn" in message
    with pytest.raises(ClientError) as excinfo:
        _create(client, environmentAccountConnectionId=CONNECTION)
    assert error_of(excinfo)[0] in ("ValidationException", "ResourceNotFoundException")
    with pytest.raises(ClientError) as excinfo:
        _create(client, protonServiceRoleArn=ROLE, environmentAccountConnectionId=CONNECTION)
    code, message = error_of(excinfo)
    assert code == "ValidationException"
    assert "environmentAccountConnectionId" in message
    with pytest.raises(ClientError) as excinfo:
        _create(client, provisioningRepository={"provider": "GITHUB", "name": "o/r", "branch": "main"})
    code, message = error_of(excinfo)
    assert code == "ValidationException"
    assert "provisioningRepository" in message
    assert _create(client, codebuildRoleArn=ROLE)["codebuildRoleArn"] == ROLE


def test_self_managed_needs_repository(proton: Any) -> None:
    proton.create_environment_template(name="tmpl", provisioning="CUSTOMER_MANAGED")
    _version(proton, source={"s3": {"bucket": "bundles", "key": "customer-managed-env.tar.gz"}})
    spec = "proton: EnvironmentSpec\nspec:\n  VpcId: vpc-1\n  ClusterName: c\n"
    with pytest.raises(ClientError) as excinfo:
        _create(proton, spec=spec)
    code, message = error_of(excinfo)
    assert code == "ValidationException"
    assert "protonServiceRoleArn" in message
    repo = {"provider": "GITHUB", "name": "o/r", "branch": "main"}
    with pytest.raises(ClientError) as excinfo:  # not linked yet
        proton.create_environment(
            name="dev", templateName="tmpl", templateMajorVersion="1", spec=spec, provisioningRepository=repo
        )
    code, message = error_of(excinfo)
    assert code == "ValidationException" and "provisioningRepository" in message and "CreateRepository" in message
    proton.create_repository(
        provider="GITHUB", name="o/r", connectionArn=f"arn:aws:codestar-connections:{REGION}:{ACCOUNT}:connection/c"
    )
    created = proton.create_environment(
        name="dev", templateName="tmpl", templateMajorVersion="1", spec=spec, provisioningRepository=repo
    )["environment"]
    assert created["provisioning"] == "CUSTOMER_MANAGED"
    assert created["provisioningRepository"]["branch"] == "main"


def test_idempotent_create(client: Any) -> None:
    first = _create(client)
    retried = _create(client)  # unmodified: the original, with its current status
    assert retried["arn"] == first["arn"]
    assert retried["lastAttemptedDeploymentId"] == first["lastAttemptedDeploymentId"]
    assert len(client.list_deployments()["deployments"]) == 1
    with pytest.raises(ClientError) as excinfo:
        _create(client, description="other")
    code, message = error_of(excinfo)
    assert code == "ValidationException"
    assert "IdempotentParameterMismatch" in message
    client.update_environment(name="dev", deploymentType="NONE", description="changed")
    with pytest.raises(ClientError) as excinfo:
        _create(client)
    assert error_of(excinfo)[0] == "ConflictException"


def test_list_filters_by_template(client: Any) -> None:
    _version(client)  # 2.0
    _create(client, name="a")
    _create(client, name="b", templateMajorVersion="2")
    listed = client.list_environments()["environments"]
    assert [e["name"] for e in listed] == ["a", "b"]
    assert all(e["deploymentStatus"] == "SUCCEEDED" for e in listed)
    filtered = client.list_environments(environmentTemplates=[{"templateName": "tmpl", "majorVersion": "2"}])
    assert [e["name"] for e in filtered["environments"]] == ["b"]
    page = client.list_environments(maxResults=1)
    assert len(page["environments"]) == 1
    assert "nextToken" in page


def test_update_types(client: Any) -> None:
    _create(client)
    client.get_environment(name="dev")
    _version(client, major="1")  # 1.1
    _version(client)  # 2.0
    with pytest.raises(ClientError) as excinfo:
        client.update_environment(name="dev", deploymentType="CURRENT_VERSION", templateMajorVersion="1")
    assert error_of(excinfo)[0] == "ValidationException"
    new_spec = "proton: EnvironmentSpec\nspec:\n  vpc_cidr: 10.1.0.0/16\n"
    updated = client.update_environment(name="dev", deploymentType="CURRENT_VERSION", spec=new_spec)
    assert updated["environment"]["deploymentStatus"] == "IN_PROGRESS"
    assert client.get_environment(name="dev")["environment"]["spec"] == new_spec
    with pytest.raises(ClientError) as excinfo:
        client.update_environment(name="dev", deploymentType="MINOR_VERSION", templateMajorVersion="2")
    assert error_of(excinfo)[0] == "ValidationException"
    client.update_environment(name="dev", deploymentType="MINOR_VERSION")
    got = client.get_environment(name="dev")["environment"]
    assert (got["templateMajorVersion"], got["templateMinorVersion"]) == ("1", "1")
    with pytest.raises(ClientError) as excinfo:
        client.update_environment(name="dev", deploymentType="MAJOR_VERSION", templateMajorVersion="1")
    code, message = error_of(excinfo)
    assert code == "ValidationException"
    assert "templateMajorVersion" in message
    client.update_environment(name="dev", deploymentType="MAJOR_VERSION")
    got = client.get_environment(name="dev")["environment"]
    assert (got["templateMajorVersion"], got["templateMinorVersion"]) == ("2", "0")


def test_update_conflicts_while_deploying(client: Any, hold: None) -> None:
    _create(client)
    assert client.get_environment(name="dev")["environment"]["deploymentStatus"] == "IN_PROGRESS"
    with pytest.raises(ClientError) as excinfo:
        client.update_environment(name="dev", deploymentType="CURRENT_VERSION")
    assert error_of(excinfo)[0] == "ConflictException"
    with pytest.raises(ClientError) as excinfo:
        client.delete_environment(name="dev")
    assert error_of(excinfo)[0] == "ConflictException"


def test_delete_is_asynchronous(client: Any) -> None:
    _create(client)
    client.get_environment(name="dev")
    deleted = client.delete_environment(name="dev")
    assert deleted["environment"]["deploymentStatus"] == "DELETE_IN_PROGRESS"
    # the seed: a retry while DELETE_IN_PROGRESS returns the resource; a mutating call settles nothing
    assert client.delete_environment(name="dev")["environment"]["deploymentStatus"] == "DELETE_IN_PROGRESS"
    with pytest.raises(ClientError) as excinfo:
        client.get_environment(name="dev")  # a read settles the deletion
    assert error_of(excinfo)[0] == "ResourceNotFoundException"
    assert "environment" not in client.delete_environment(name="dev")  # complete: an empty response
    assert "environment" not in client.delete_environment(name="never")
    assert client.list_deployments()["deployments"] == []


def test_delete_in_progress_returns_details(client: Any) -> None:
    _create(client)
    client.get_environment(name="dev")
    state_manager.set_transition(DEPLOYMENT_MODEL, {"progression": "manual", "times": 1000})
    try:
        client.delete_environment(name="dev")
        again = client.delete_environment(name="dev")
        assert again["environment"]["deploymentStatus"] == "DELETE_IN_PROGRESS"
    finally:
        state_manager.unset_transition(DEPLOYMENT_MODEL)
    assert client.delete_environment(name="dev")["environment"]["deploymentStatus"] == "DELETE_IN_PROGRESS"
    assert client.list_environments()["environments"] == []  # a read settles the deletion
    assert "environment" not in client.delete_environment(name="dev")


def test_outputs_and_provisioned_resources(client: Any) -> None:
    created = _create(client)
    outputs = client.list_environment_outputs(environmentName="dev")["outputs"]  # settles: the stack's outputs
    assert [o["key"] for o in outputs] == ["VpcId"] and outputs[0]["valueString"].startswith("vpc-")
    by_id = client.list_environment_outputs(environmentName="dev", deploymentId=created["lastAttemptedDeploymentId"])
    assert by_id["outputs"] == outputs
    resources = client.list_environment_provisioned_resources(environmentName="dev")["provisionedResources"]
    assert resources == [
        {"identifier": outputs[0]["valueString"], "name": "VPC", "provisioningEngine": "CLOUDFORMATION"}
    ]
    with pytest.raises(ClientError) as excinfo:
        client.list_environment_outputs(environmentName="missing")
    assert error_of(excinfo)[0] == "ResourceNotFoundException"


def test_deployment_records(client: Any) -> None:
    created = _create(client)
    first = created["lastAttemptedDeploymentId"]
    deployment = client.get_deployment(id=first)["deployment"]
    assert deployment["arn"] == f"arn:aws:proton:{REGION}:{ACCOUNT}:deployment/{first}"
    assert deployment["deploymentStatus"] == "SUCCEEDED"
    assert deployment["targetResourceType"] == "ENVIRONMENT"
    assert deployment["targetArn"] == created["arn"]
    assert deployment["targetState"]["environment"]["templateMinorVersion"] == "0"
    assert "initialState" not in deployment
    client.update_environment(name="dev", deploymentType="CURRENT_VERSION")
    listed = client.list_deployments(environmentName="dev")["deployments"]
    assert len(listed) == 2
    assert listed[0]["id"] == first
    second = client.get_deployment(id=listed[1]["id"], environmentName="dev")["deployment"]
    assert second["initialState"]["environment"]["templateName"] == "tmpl"
    assert second["lastSucceededDeploymentId"] == first
    with pytest.raises(ClientError) as excinfo:
        client.get_deployment(id=first, environmentName="other")
    assert error_of(excinfo)[0] == "ResourceNotFoundException"


def test_environment_quota(client: Any) -> None:
    proton_backends[ACCOUNT][REGION].environment_quota = 2
    _create(client, name="a")
    _create(client, name="b")
    with pytest.raises(ClientError) as excinfo:
        _create(client, name="c")
    assert error_of(excinfo)[0] == "ServiceQuotaExceededException"


def test_version_in_use_cannot_be_deleted(client: Any) -> None:
    _create(client)
    with pytest.raises(ClientError) as excinfo:
        client.delete_environment_template_version(templateName="tmpl", majorVersion="1", minorVersion="0")
    code, message = error_of(excinfo)
    assert code == "ConflictException"
    assert "dev" in message
    client.get_environment(name="dev")  # only reads settle the deployment
    client.delete_environment(name="dev")
    client.list_environments()  # and the deletion
    client.delete_environment_template_version(templateName="tmpl", majorVersion="1", minorVersion="0")
