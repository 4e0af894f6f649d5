"""Directly defined components: lifecycle, attach/detach rules, busy rules, deployments, outputs and tags."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from botocore.exceptions import ClientError
from moto.moto_api import state_manager

from pytest_proton.emulator import provisioning
from pytest_proton.emulator.models import proton_backends
from pytest_proton.emulator.provisioning import DEPLOYMENT_MODEL, DeploymentOutcome

from .conftest import ACCOUNT, REGION, error_of
from .test_services import ROLE, SVC_SOURCE, _publish_env

MANIFEST = """infrastructure:
  templates:
    - file: cloudformation.yaml
      rendering_engine: jinja
      template_language: cloudformation
"""
TEMPLATE_FILE = "Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n"
ENV_SPEC = "proton: EnvironmentSpec\n"
SERVICE_SPEC = """proton: ServiceSpec
instances:
  - name: one
    environment: dev
  - name: two
    environment: dev
"""


@contextmanager
def held(times: int = 1000) -> Iterator[None]:
    """Hold every deployment (and deletion) IN_PROGRESS for ``times`` reads."""
    state_manager.set_transition(DEPLOYMENT_MODEL, {"progression": "manual", "times": times})
    try:
        yield
    finally:
        state_manager.unset_transition(DEPLOYMENT_MODEL)


def _publish_svc(client: Any, name: str, sources: list[str] | None) -> None:
    client.create_service_template(name=name, pipelineProvisioning="CUSTOMER_MANAGED")  # no pipeline
    extra = {"supportedComponentSources": sources} if sources is not None else {}
    client.create_service_template_version(
        templateName=name,
        source=SVC_SOURCE,
        compatibleEnvironmentTemplates=[{"templateName": "envt", "majorVersion": "1"}],
        **extra,
    )
    client.update_service_template_version(templateName=name, majorVersion="1", minorVersion="0", status="PUBLISHED")


def _env(client: Any, name: str, **params: Any) -> None:
    client.create_environment(
        name=name, templateName="envt", templateMajorVersion="1", spec=ENV_SPEC, protonServiceRoleArn=ROLE, **params
    )
    client.get_environment(name=name)


def _service(client: Any, name: str, template: str, spec: str = SERVICE_SPEC) -> None:
    client.create_service(name=name, templateName=template, templateMajorVersion="1", spec=spec)
    client.get_service(name=name)


@pytest.fixture
def client(proton: Any) -> Any:
    """Environments ``dev`` (components allowed), ``other`` (allowed) and ``plain`` (no componentRoleArn);
    service ``web`` (template allowing components) with instances ``one``, ``two`` in dev; service ``old``
    (template without supportedComponentSources) with instance ``one`` in dev; service ``far`` with ``x`` in other."""
    _publish_env(proton)
    _publish_svc(proton, "compt", ["DIRECTLY_DEFINED"])
    _publish_svc(proton, "nocompt", None)
    _env(proton, "dev", componentRoleArn=ROLE)
    _env(proton, "other", componentRoleArn=ROLE)
    _env(proton, "plain")
    _service(proton, "web", "compt")
    _service(proton, "old", "nocompt", "proton: ServiceSpec\ninstances:\n  - name: one\n    environment: dev\n")
    _service(proton, "far", "compt", "proton: ServiceSpec\ninstances:\n  - name: x\n    environment: other\n")
    return proton


def _create(client: Any, name: str = "comp", **params: Any) -> dict[str, Any]:
    if "serviceName" not in params and "serviceInstanceName" not in params:
        params.setdefault("environmentName", "dev")
    params.setdefault("manifest", MANIFEST)
    params.setdefault("templateFile", TEMPLATE_FILE)
    return client.create_component(name=name, **params)["component"]


def _attached(client: Any, name: str = "comp", instance: str = "one", **params: Any) -> dict[str, Any]:
    return _create(client, name, serviceName="web", serviceInstanceName=instance, **params)


def _code(excinfo: pytest.ExceptionInfo[ClientError]) -> str:
    return error_of(excinfo)[0]


# Create, read, list ---------------------------------------------------------------------------------


def test_create_detached_component_deploys(client: Any) -> None:
    created = _create(client, description="a bucket", tags=[{"key": "team", "value": "a"}])
    assert created["arn"] == f"arn:aws:proton:{REGION}:{ACCOUNT}:component/comp"
    assert (created["name"], created["environmentName"], created["description"]) == ("comp", "dev", "a bucket")
    assert created["deploymentStatus"] == "IN_PROGRESS"
    assert "serviceName" not in created and "serviceInstanceName" not in created
    client.get_waiter("component_deployed").wait(name="comp", WaiterConfig={"Delay": 0})
    got = client.get_component(name="comp")["component"]
    assert got["deploymentStatus"] == "SUCCEEDED"
    assert got["lastSucceededDeploymentId"] == created["lastAttemptedDeploymentId"]
    assert got["lastDeploymentSucceededAt"]
    assert client.list_tags_for_resource(resourceArn=created["arn"])["tags"] == [{"key": "team", "value": "a"}]


def test_component_deployment_record(client: Any) -> None:
    created = _create(client)
    client.get_component(name="comp")
    deployment_id = created["lastAttemptedDeploymentId"]
    deployment = client.get_deployment(id=deployment_id)["deployment"]
    assert deployment["targetResourceType"] == "COMPONENT"
    assert (deployment["componentName"], deployment["environmentName"]) == ("comp", "dev")
    assert deployment["targetArn"] == created["arn"]
    assert deployment["deploymentStatus"] == "SUCCEEDED"
    assert deployment["targetState"] == {"component": {"templateFile": TEMPLATE_FILE}}
    assert "initialState" not in deployment
    assert client.get_deployment(id=deployment_id, componentName="comp")["deployment"]["id"] == deployment_id
    with pytest.raises(ClientError) as excinfo:
        client.get_deployment(id=deployment_id, componentName="else")
    assert _code(excinfo) == "ResourceNotFoundException"
    listed = client.list_deployments(componentName="comp")["deployments"]
    assert [d["id"] for d in listed] == [deployment_id]
    assert listed[0]["componentName"] == "comp"
    assert deployment_id in [d["id"] for d in client.list_deployments(environmentName="dev")["deployments"]]
    with pytest.raises(ClientError) as excinfo:
        client.list_deployments(componentName="nope")
    assert _code(excinfo) == "ResourceNotFoundException"


def test_create_attached_component(client: Any) -> None:
    created = _attached(client, serviceSpec=SERVICE_SPEC)
    assert (created["serviceName"], created["serviceInstanceName"]) == ("web", "one")
    assert created["environmentName"] == "dev"  # the instance's environment
    assert created["serviceSpec"] == SERVICE_SPEC
    deployment = client.get_deployment(id=created["lastAttemptedDeploymentId"])["deployment"]
    assert (deployment["serviceName"], deployment["serviceInstanceName"]) == ("web", "one")
    assert deployment["targetState"]["component"] == {
        "templateFile": TEMPLATE_FILE,
        "serviceName": "web",
        "serviceInstanceName": "one",
        "serviceSpec": SERVICE_SPEC,
    }
    # environmentName may be repeated when it is the instance's environment
    assert _attached(client, "comp2", "two", environmentName="dev")["environmentName"] == "dev"


def test_list_components_filters_and_pages(client: Any) -> None:
    _attached(client, "a1", "one")
    _attached(client, "a2", "two")
    _create(client, "d1")
    _create(client, "d2", environmentName="other")
    names = lambda **filters: [c["name"] for c in client.list_components(**filters)["components"]]  # noqa: E731
    assert names() == ["a1", "a2", "d1", "d2"]
    assert names(environmentName="dev") == ["a1", "a2", "d1"]
    assert names(environmentName="other") == ["d2"]
    assert names(serviceName="web") == ["a1", "a2"]
    assert names(serviceName="web", serviceInstanceName="two") == ["a2"]
    assert names(serviceName="old") == []
    with pytest.raises(ClientError) as excinfo:
        client.list_components(serviceInstanceName="one")
    code, message = error_of(excinfo)
    assert code == "ValidationException" and "serviceInstanceName" in message
    first = client.list_components(maxResults=3)
    assert [c["name"] for c in first["components"]] == ["a1", "a2", "d1"]
    second = client.list_components(maxResults=3, nextToken=first["nextToken"])
    assert [c["name"] for c in second["components"]] == ["d2"] and "nextToken" not in second
    pages = client.get_paginator("list_components").paginate(PaginationConfig={"PageSize": 1})
    assert [c["name"] for page in pages for c in page["components"]] == ["a1", "a2", "d1", "d2"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"serviceName": "web"}, "serviceInstanceName"),
        ({"serviceInstanceName": "one", "environmentName": "dev"}, "serviceName"),
        ({"environmentName": None}, "environmentName"),
        ({"serviceSpec": SERVICE_SPEC}, "serviceSpec"),
        ({"environmentName": "plain"}, "componentRoleArn"),
        ({"serviceName": "old", "serviceInstanceName": "one"}, "supportedComponentSources"),
        ({"serviceName": "web", "serviceInstanceName": "one", "environmentName": "other"}, "environmentName"),
        ({"manifest": MANIFEST.replace("cloudformation.yaml", '"*"')}, "manifest"),
        ({"manifest": MANIFEST.replace("jinja", "codebuild")}, "manifest"),
        ({"manifest": "infrastructure: [\n"}, "manifest"),
        ({"name": "bad name"}, "name"),
    ],
)
def test_create_validation(client: Any, params: dict[str, Any], field: str) -> None:
    name = params.pop("name", "comp")
    if params.get("environmentName", "") is None:
        params = {key: value for key, value in params.items() if key != "environmentName"}
        with pytest.raises(ClientError) as excinfo:
            client.create_component(name=name, manifest=MANIFEST, templateFile=TEMPLATE_FILE, **params)
    else:
        with pytest.raises(ClientError) as excinfo:
            _create(client, name, **params)
    code, message = error_of(excinfo)
    assert code == "ValidationException"
    assert field in message
    assert client.list_components()["components"] == []


@pytest.mark.parametrize(
    "params",
    [
        {"environmentName": "nope"},
        {"serviceName": "nope", "serviceInstanceName": "one"},
        {"serviceName": "web", "serviceInstanceName": "nope"},
    ],
)
def test_create_not_found(client: Any, params: dict[str, Any]) -> None:
    with pytest.raises(ClientError) as excinfo:
        _create(client, **params)
    assert _code(excinfo) == "ResourceNotFoundException"


def test_get_and_lists_of_unknown_component(client: Any) -> None:
    for call in (
        lambda: client.get_component(name="nope"),
        lambda: client.list_component_outputs(componentName="nope"),
        lambda: client.list_component_provisioned_resources(componentName="nope"),
        lambda: client.cancel_component_deployment(componentName="nope"),
        lambda: client.update_component(name="nope", deploymentType="NONE"),
    ):
        with pytest.raises(ClientError) as excinfo:
            call()
        assert _code(excinfo) == "ResourceNotFoundException"


def test_create_with_client_token_is_idempotent(client: Any) -> None:
    first = _create(client, clientToken="token-1")
    again = _create(client, clientToken="token-1")
    assert again["lastAttemptedDeploymentId"] == first["lastAttemptedDeploymentId"]
    assert again["lastClientRequestToken"] == "token-1"
    assert len(client.list_deployments(componentName="comp")["deployments"]) == 1
    with pytest.raises(ClientError) as excinfo:
        _create(client, clientToken="token-1", description="other")
    code, message = error_of(excinfo)
    assert code == "ValidationException" and "IdempotentParameterMismatch" in message
    with pytest.raises(ClientError) as excinfo:
        _create(client, clientToken="token-2")  # another request for an existing name
    assert _code(excinfo) == "ConflictException"


def test_component_quota(client: Any) -> None:
    proton_backends[ACCOUNT][REGION].component_quota = 1
    _create(client, "c1")
    with pytest.raises(ClientError) as excinfo:
        _create(client, "c2")
    assert _code(excinfo) == "ServiceQuotaExceededException"


def test_one_component_per_instance(client: Any) -> None:
    _attached(client, "c1")
    with pytest.raises(ClientError) as excinfo:
        _attached(client, "c2")
    code, message = error_of(excinfo)
    assert code == "ConflictException" and "c1" in message


# Update -------------------------------------------------------------------------------------------


def test_update_none_changes_description_only(client: Any) -> None:
    created = _create(client)
    client.get_component(name="comp")
    updated = client.update_component(name="comp", deploymentType="NONE", description="new")["component"]
    assert updated["description"] == "new"
    assert updated["lastAttemptedDeploymentId"] == created["lastAttemptedDeploymentId"]
    assert updated["deploymentStatus"] == "SUCCEEDED"
    for member, value in (("templateFile", TEMPLATE_FILE), ("serviceSpec", SERVICE_SPEC), ("serviceName", "")):
        with pytest.raises(ClientError) as excinfo:
            client.update_component(name="comp", deploymentType="NONE", **{member: value})
        code, message = error_of(excinfo)
        assert code == "ValidationException" and member in message


def test_update_current_version_deploys(client: Any) -> None:
    created = _attached(client, serviceSpec=SERVICE_SPEC)
    client.get_component(name="comp")
    new_file = TEMPLATE_FILE + "Outputs: {}\n"
    updated = client.update_component(name="comp", deploymentType="CURRENT_VERSION", templateFile=new_file)["component"]
    assert updated["deploymentStatus"] == "IN_PROGRESS"
    deployment = client.get_deployment(id=updated["lastAttemptedDeploymentId"])["deployment"]
    assert deployment["initialState"]["component"]["templateFile"] == TEMPLATE_FILE
    assert deployment["targetState"]["component"] == {
        "templateFile": new_file,
        "serviceName": "web",
        "serviceInstanceName": "one",
        "serviceSpec": SERVICE_SPEC,
    }
    assert deployment["lastSucceededDeploymentId"] == created["lastAttemptedDeploymentId"]
    assert client.get_component(name="comp")["component"]["deploymentStatus"] == "SUCCEEDED"
    assert len(client.list_deployments(componentName="comp")["deployments"]) == 2


def test_update_with_client_token_is_idempotent(client: Any) -> None:
    _create(client)
    client.get_component(name="comp")
    first = client.update_component(
        name="comp", deploymentType="CURRENT_VERSION", templateFile=TEMPLATE_FILE, clientToken="u1"
    )["component"]
    again = client.update_component(
        name="comp", deploymentType="CURRENT_VERSION", templateFile=TEMPLATE_FILE, clientToken="u1"
    )["component"]
    assert again["lastAttemptedDeploymentId"] == first["lastAttemptedDeploymentId"]
    assert again["lastClientRequestToken"] == "u1"
    assert len(client.list_deployments(componentName="comp")["deployments"]) == 2
    with pytest.raises(ClientError) as excinfo:
        client.update_component(name="comp", deploymentType="NONE", description="x", clientToken="u1")
    code, message = error_of(excinfo)
    assert code == "ValidationException" and "IdempotentParameterMismatch" in message


def test_update_refused_while_deploying(client: Any) -> None:
    with held():
        _create(client)
        with pytest.raises(ClientError) as excinfo:
            client.update_component(name="comp", deploymentType="NONE", description="x")
    assert _code(excinfo) == "ConflictException"


def test_detach_and_attach(client: Any) -> None:
    _attached(client, serviceSpec=SERVICE_SPEC)
    client.get_component(name="comp")
    client.update_component(name="comp", deploymentType="CURRENT_VERSION", serviceName="", serviceInstanceName="")
    detached = client.get_component(name="comp")["component"]
    assert detached["deploymentStatus"] == "SUCCEEDED"
    assert "serviceName" not in detached and "serviceSpec" not in detached
    assert detached["environmentName"] == "dev"
    deployment = client.get_deployment(id=detached["lastAttemptedDeploymentId"])["deployment"]
    assert "serviceName" not in deployment["targetState"]["component"]
    # detached now, so the instance takes another component and this one attaches elsewhere
    client.update_component(name="comp", deploymentType="CURRENT_VERSION", serviceName="web", serviceInstanceName="two")
    attached = client.get_component(name="comp")["component"]
    assert (attached["serviceName"], attached["serviceInstanceName"]) == ("web", "two")


def test_attach_rules(client: Any) -> None:
    _attached(client, "comp")
    _create(client, "loose")
    client.list_components()  # settle
    # an attached component does not move straight to another instance
    with pytest.raises(ClientError) as excinfo:
        client.update_component(
            name="comp", deploymentType="CURRENT_VERSION", serviceName="web", serviceInstanceName="two"
        )
    assert _code(excinfo) == "ConflictException"
    # the instance already holds a component
    with pytest.raises(ClientError) as excinfo:
        client.update_component(
            name="loose", deploymentType="CURRENT_VERSION", serviceName="web", serviceInstanceName="one"
        )
    assert _code(excinfo) == "ConflictException"
    # the instance runs in another environment
    with pytest.raises(ClientError) as excinfo:
        client.update_component(
            name="loose", deploymentType="CURRENT_VERSION", serviceName="far", serviceInstanceName="x"
        )
    code, message = error_of(excinfo)
    assert code == "ValidationException" and "environment" in message
    # both names or neither
    for names in ({"serviceName": "web"}, {"serviceName": "", "serviceInstanceName": "two"}):
        with pytest.raises(ClientError) as excinfo:
            client.update_component(name="loose", deploymentType="CURRENT_VERSION", **names)
        code, message = error_of(excinfo)
        assert code == "ValidationException" and "serviceInstanceName" in message
    # a serviceSpec needs an attachment
    with pytest.raises(ClientError) as excinfo:
        client.update_component(name="loose", deploymentType="CURRENT_VERSION", serviceSpec=SERVICE_SPEC)
    code, message = error_of(excinfo)
    assert code == "ValidationException" and "serviceSpec" in message


def test_busy_rules_between_instance_and_component(client: Any) -> None:
    _attached(client)
    client.get_component(name="comp")
    with held():
        client.update_component(name="comp", deploymentType="CURRENT_VERSION", templateFile=TEMPLATE_FILE)
        with pytest.raises(ClientError) as excinfo:
            client.update_service_instance(serviceName="web", name="one", deploymentType="CURRENT_VERSION")
        code, message = error_of(excinfo)
        assert code == "ConflictException" and "comp" in message
    client.get_component(name="comp")  # settles
    with held():
        client.update_service_instance(serviceName="web", name="one", deploymentType="CURRENT_VERSION")
        with pytest.raises(ClientError) as excinfo:
            client.update_component(name="comp", deploymentType="CURRENT_VERSION", templateFile=TEMPLATE_FILE)
        assert _code(excinfo) == "ConflictException"
        with pytest.raises(ClientError) as excinfo:
            _attached(client, "c2", "one")  # the instance is busy (and holds a component)
        assert _code(excinfo) == "ConflictException"


# Cancel -------------------------------------------------------------------------------------------


def test_cancel_component_deployment(client: Any) -> None:
    with held():
        created = _create(client)
        cancelling = client.cancel_component_deployment(componentName="comp")["component"]
        assert cancelling["deploymentStatus"] == "CANCELLING"
        got = client.get_component(name="comp")["component"]
        assert got["deploymentStatus"] == "CANCELLED"
        deployment = client.get_deployment(id=created["lastAttemptedDeploymentId"])["deployment"]
        assert deployment["deploymentStatus"] == "CANCELLED" and deployment["completedAt"]
        with pytest.raises(ClientError) as excinfo:
            client.cancel_component_deployment(componentName="comp")
    assert _code(excinfo) == "ConflictException"


def test_cancel_when_settled_is_a_conflict(client: Any) -> None:
    _create(client)
    client.get_component(name="comp")
    with pytest.raises(ClientError) as excinfo:
        client.cancel_component_deployment(componentName="comp")
    code, message = error_of(excinfo)
    assert code == "ConflictException" and "SUCCEEDED" in message


def test_cancelled_attach_keeps_previous_state(client: Any) -> None:
    _create(client)
    client.get_component(name="comp")
    with held(times=3):
        client.update_component(
            name="comp", deploymentType="CURRENT_VERSION", serviceName="web", serviceInstanceName="one"
        )
        assert [c["name"] for c in client.list_components(serviceName="web")["components"]] == []
        client.cancel_component_deployment(componentName="comp")
        got = client.get_component(name="comp")["component"]
    assert got["deploymentStatus"] == "CANCELLED"
    assert "serviceName" not in got
    # the cancelled attachment frees the instance again
    assert _attached(client, "c2")["serviceInstanceName"] == "one"


# Delete -------------------------------------------------------------------------------------------


def test_delete_is_asynchronous(client: Any) -> None:
    created = _create(client)
    client.get_component(name="comp")
    with held(times=3):
        deleting = client.delete_component(name="comp")["component"]
        assert deleting["deploymentStatus"] == "DELETE_IN_PROGRESS"
        retried = client.delete_component(name="comp")["component"]  # a retry returns it, doing nothing more
        assert retried["deploymentStatus"] == "DELETE_IN_PROGRESS"
        with pytest.raises(ClientError) as excinfo:
            client.update_component(name="comp", deploymentType="NONE", description="x")
        assert _code(excinfo) == "ConflictException"
        client.get_waiter("component_deleted").wait(name="comp", WaiterConfig={"Delay": 0})
    assert client.delete_component(name="comp").get("component") is None
    with pytest.raises(ClientError) as excinfo:
        client.get_deployment(id=created["lastAttemptedDeploymentId"])
    assert _code(excinfo) == "ResourceNotFoundException"
    with pytest.raises(ClientError) as excinfo:
        client.list_tags_for_resource(resourceArn=created["arn"])
    assert _code(excinfo) == "ResourceNotFoundException"
    assert client.list_components()["components"] == []


def test_delete_refused_when_attached_or_deploying(client: Any) -> None:
    _attached(client)
    client.get_component(name="comp")
    with pytest.raises(ClientError) as excinfo:
        client.delete_component(name="comp")
    code, message = error_of(excinfo)
    assert code == "ConflictException" and "detach" in message
    with held():
        _create(client, "busy")
        with pytest.raises(ClientError) as excinfo:
            client.delete_component(name="busy")
    assert _code(excinfo) == "ConflictException"
    assert client.delete_component(name="never").get("component") is None


def test_components_block_environment_and_service_deletion(client: Any) -> None:
    _env(client, "third", componentRoleArn=ROLE)  # no service instances
    _create(client, "loose", environmentName="third")
    _attached(client, "comp")
    client.list_components()
    with pytest.raises(ClientError) as excinfo:
        client.delete_environment(name="third")
    code, message = error_of(excinfo)
    assert code == "ConflictException" and "loose" in message
    with pytest.raises(ClientError) as excinfo:
        client.delete_service(name="web")
    code, message = error_of(excinfo)
    assert code == "ConflictException" and "comp" in message
    with pytest.raises(ClientError) as excinfo:  # dropping instance one from the spec deletes it
        client.update_service(name="web", spec="proton: ServiceSpec\ninstances:\n  - name: two\n    environment: dev\n")
    assert _code(excinfo) == "ConflictException"
    # instance two has no component: it can go
    client.update_service(name="web", spec="proton: ServiceSpec\ninstances:\n  - name: one\n    environment: dev\n")
    client.update_component(name="comp", deploymentType="CURRENT_VERSION", serviceName="", serviceInstanceName="")
    client.get_component(name="comp")
    client.get_service(name="web")
    assert client.delete_service(name="web")["service"]["status"] == "DELETE_IN_PROGRESS"


# Deployment records -------------------------------------------------------------------------------


def test_delete_component_deployment(client: Any) -> None:
    first = _create(client)["lastAttemptedDeploymentId"]
    client.get_component(name="comp")
    with pytest.raises(ClientError) as excinfo:
        client.delete_deployment(id=first)  # the latest deployment of the component
    assert _code(excinfo) == "ConflictException"
    client.update_component(name="comp", deploymentType="CURRENT_VERSION", templateFile=TEMPLATE_FILE)
    client.get_component(name="comp")
    assert client.delete_deployment(id=first)["deployment"]["componentName"] == "comp"
    assert len(client.list_deployments(componentName="comp")["deployments"]) == 1


# Outputs, provisioned resources, notifications, tags ----------------------------------------------


def test_outputs_and_provisioned_resources_from_deploy(client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[Any] = []

    def deploy(backend: Any, deployment: Any) -> DeploymentOutcome:
        seen.append(deployment)
        return DeploymentOutcome(
            "SUCCEEDED",
            outputs=[{"key": "BucketName", "valueString": "b-1"}],
            provisioned_resources=[
                {"identifier": "b-1", "name": "Bucket", "provisioningEngine": "CLOUDFORMATION"},
            ],
        )

    monkeypatch.setattr(provisioning, "deploy", deploy)
    created = _create(client)
    client.get_component(name="comp")
    assert seen[0].component_name == "comp"  # deploy() receives the component's deployment
    assert seen[0].target_state.template_file == TEMPLATE_FILE
    outputs = client.list_component_outputs(componentName="comp")["outputs"]
    assert outputs == [{"key": "BucketName", "valueString": "b-1"}]
    by_id = client.list_component_outputs(componentName="comp", deploymentId=created["lastAttemptedDeploymentId"])
    assert by_id["outputs"] == outputs
    resources = client.list_component_provisioned_resources(componentName="comp")["provisionedResources"]
    assert resources == [{"identifier": "b-1", "name": "Bucket", "provisioningEngine": "CLOUDFORMATION"}]
    with pytest.raises(ClientError) as excinfo:
        client.list_component_outputs(componentName="comp", deploymentId="00000000-0000-0000-0000-000000000000")
    assert _code(excinfo) == "ResourceNotFoundException"


# Provisioning (issue 5): a component's template is rendered and deployed as its own stack -------------

DETACHED_TEMPLATE = """Resources:
  Topic:
    Type: AWS::SNS::Topic
    Properties:
      TopicName: '{{ component.name }}-{{ environment.name }}'
      Tags:
        - Key: vpc
          Value: '{{ environment.outputs.VpcId }}'
Outputs:
  TopicArn:
    Value: !Ref Topic
  Vpc:
    Value: '{{ environment.outputs.VpcId }}'
"""
ATTACHED_TEMPLATE = """Resources:
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: '{{ service.name }}-{{ service_instance.name }}-{{ component.name }}'
      DelaySeconds: '{{ service_instance.inputs.port // 1000 }}'
Outputs:
  QueueName:
    Value: !GetAtt Queue.QueueName
"""


def _outputs(client: Any, name: str = "comp") -> dict[str, str]:
    client.get_component(name=name)
    return {o["key"]: o["valueString"] for o in client.list_component_outputs(componentName=name)["outputs"]}


def test_detached_component_renders_with_environment_outputs(client: Any) -> None:
    vpc = {o["key"]: o["valueString"] for o in client.list_environment_outputs(environmentName="dev")["outputs"]}
    _create(client, templateFile=DETACHED_TEMPLATE)
    outputs = _outputs(client)
    assert outputs["Vpc"] == vpc["VpcId"]
    assert outputs["TopicArn"].endswith(":comp-dev")
    resources = client.list_component_provisioned_resources(componentName="comp")["provisionedResources"]
    assert [(r["name"], r["provisioningEngine"]) for r in resources] == [("Topic", "CLOUDFORMATION")]


def test_attached_component_reads_its_instance(client: Any) -> None:
    _attached(client, templateFile=ATTACHED_TEMPLATE)
    assert _outputs(client) == {"QueueName": "web-one-comp"}


def test_component_render_error_fails_the_deployment_naming_it(client: Any) -> None:
    _create(
        client,
        templateFile="Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n"
        "      QueueName: '{{ environment.outputs.Missing }}'\n",
    )
    got = client.get_component(name="comp")["component"]
    assert got["deploymentStatus"] == "FAILED"
    assert "environment.outputs.Missing" in got["deploymentStatusMessage"]
    assert "cloudformation.yaml" in got["deploymentStatusMessage"]


def test_deleting_a_component_deletes_its_stack(client: Any) -> None:
    from moto.cloudformation.models import cloudformation_backends

    _create(client, templateFile=DETACHED_TEMPLATE)
    _outputs(client)
    stacks = cloudformation_backends[ACCOUNT][REGION]
    live = [s for s in stacks.stacks.values() if "component-comp" in s.name and s.status != "DELETE_COMPLETE"]
    assert len(live) == 1
    client.delete_component(name="comp")
    client.list_components()
    assert all(s.status == "DELETE_COMPLETE" for s in stacks.stacks.values() if "component-comp" in s.name)


def test_terraform_component_waits_for_notification(client: Any) -> None:
    """Terraform IaC is self-managed: the deployment waits for NotifyResourceDeploymentStatusChange."""
    manifest = MANIFEST.replace("jinja", "hcl").replace("cloudformation", "terraform").replace(".yaml", ".tf")
    created = _create(client, manifest=manifest, templateFile='resource "aws_s3_bucket" "b" {}\n')
    for _ in range(3):
        assert client.get_component(name="comp")["component"]["deploymentStatus"] == "IN_PROGRESS"
    outputs = [{"key": "bucket", "valueString": "b-2"}]
    client.notify_resource_deployment_status_change(resourceArn=created["arn"], status="SUCCEEDED", outputs=outputs)
    got = client.get_component(name="comp")["component"]
    assert got["deploymentStatus"] == "SUCCEEDED"
    assert got["lastSucceededDeploymentId"] == created["lastAttemptedDeploymentId"]
    assert client.list_component_outputs(componentName="comp")["outputs"] == outputs


def test_tags_on_component(client: Any) -> None:
    arn = _create(client)["arn"]
    client.tag_resource(resourceArn=arn, tags=[{"key": "a", "value": "1"}, {"key": "b", "value": "2"}])
    client.untag_resource(resourceArn=arn, tagKeys=["a"])
    assert client.list_tags_for_resource(resourceArn=arn)["tags"] == [{"key": "b", "value": "2"}]
    with pytest.raises(ClientError) as excinfo:
        client.tag_resource(resourceArn=arn.replace("/comp", "/nope"), tags=[{"key": "a", "value": "1"}])
    assert _code(excinfo) == "ResourceNotFoundException"
