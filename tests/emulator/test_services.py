"""Services: create, read, list, update, delete, instances, pipelines and their deployments."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from .conftest import ACCOUNT, REGION, error_of

ENV_SOURCE = {"s3": {"bucket": "bundles", "key": "env.tar.gz"}}
SVC_SOURCE = {"s3": {"bucket": "bundles", "key": "svc.tar.gz"}}
ROLE = f"arn:aws:iam::{ACCOUNT}:role/proton"
REPO = {
    "repositoryConnectionArn": f"arn:aws:codestar-connections:{REGION}:{ACCOUNT}:connection/abc",
    "repositoryId": "org/repo",
    "branchName": "main",
}
SPEC = """proton: ServiceSpec
pipeline:
  unit_test_command: make test
instances:
  - name: one
    environment: dev
    port: 80
"""


def _publish_env(client: Any) -> None:
    client.create_environment_template(name="envt")
    client.create_environment_template_version(templateName="envt", source=ENV_SOURCE)
    client.update_environment_template_version(
        templateName="envt", majorVersion="1", minorVersion="0", status="PUBLISHED"
    )


def _publish_svc(client: Any, name: str = "svct", **template: Any) -> None:
    client.create_service_template(name=name, **template)
    client.create_service_template_version(
        templateName=name,
        source=SVC_SOURCE,
        compatibleEnvironmentTemplates=[{"templateName": "envt", "majorVersion": "1"}],
    )
    client.update_service_template_version(templateName=name, majorVersion="1", minorVersion="0", status="PUBLISHED")


@pytest.fixture
def client(proton: Any) -> Any:
    _publish_env(proton)
    _publish_svc(proton)  # with a pipeline
    _publish_svc(proton, "nopipe", pipelineProvisioning="CUSTOMER_MANAGED")
    proton.create_environment(
        name="dev",
        templateName="envt",
        templateMajorVersion="1",
        spec="proton: EnvironmentSpec\n",
        protonServiceRoleArn=ROLE,
    )
    proton.get_environment(name="dev")  # settles the deployment
    return proton


def _create(client: Any, name: str = "web", **params: Any) -> dict[str, Any]:
    params.setdefault("templateName", "svct")
    params.setdefault("templateMajorVersion", "1")
    params.setdefault("spec", SPEC)
    if params["templateName"] == "svct":
        for key, value in REPO.items():
            params.setdefault(key, value)
    return client.create_service(name=name, **params)["service"]


def test_create_then_active_with_instance_and_pipeline(client: Any) -> None:
    created = _create(client)
    assert created["arn"] == f"arn:aws:proton:{REGION}:{ACCOUNT}:service/web"
    assert created["status"] == "CREATE_IN_PROGRESS"
    assert created["pipeline"]["deploymentStatus"] == "IN_PROGRESS"
    got = client.get_service(name="web")["service"]
    assert got["status"] == "ACTIVE"
    assert got["pipeline"]["deploymentStatus"] == "SUCCEEDED"
    instance = client.get_service_instance(serviceName="web", name="one")["serviceInstance"]
    assert instance["arn"] == f"arn:aws:proton:{REGION}:{ACCOUNT}:service/web/service-instance/one"
    assert (instance["environmentName"], instance["templateMajorVersion"]) == ("dev", "1")
    assert instance["deploymentStatus"] == "SUCCEEDED"
    assert [s["name"] for s in client.list_services()["services"]] == ["web"]
    client.get_waiter("service_created").wait(name="web")


def test_create_is_idempotent_without_token(client: Any) -> None:
    first = _create(client)
    assert _create(client)["arn"] == first["arn"]
    with pytest.raises(ClientError) as excinfo:
        _create(client, description="other")
    code, message = error_of(excinfo)
    assert code == "ValidationException" and "IdempotentParameterMismatch" in message
    client.get_service(name="web")
    client.update_service(name="web", description="changed")
    with pytest.raises(ClientError) as excinfo:
        _create(client)
    assert error_of(excinfo)[0] == "ConflictException"


@pytest.mark.parametrize(
    ("spec", "fragment"),
    [
        ("proton: ServiceSpec\ninstances:\n  - name: one\n", "environment"),
        ("proton: ServiceSpec\ninstances:\n  - name: one\n    environment: nope\n", "nope"),
        ("proton: ServiceSpec\ninstances: [\n", "YAML"),
        ("!!python/object/apply:os.system ['true']\n", "YAML"),
    ],
)
def test_bad_spec(client: Any, spec: str, fragment: str) -> None:
    with pytest.raises(ClientError) as excinfo:
        _create(client, spec=spec)
    code, message = error_of(excinfo)
    assert code == "ValidationException" and fragment in message


def test_incompatible_environment(client: Any) -> None:
    client.create_environment_template(name="other")
    client.create_environment_template_version(templateName="other", source=ENV_SOURCE)
    client.update_environment_template_version(
        templateName="other", majorVersion="1", minorVersion="0", status="PUBLISHED"
    )
    client.create_environment(
        name="prod",
        templateName="other",
        templateMajorVersion="1",
        spec="proton: EnvironmentSpec\n",
        protonServiceRoleArn=ROLE,
    )
    with pytest.raises(ClientError) as excinfo:
        _create(client, spec=SPEC.replace("dev", "prod"))
    assert error_of(excinfo)[0] == "ValidationException"


def test_pipeline_rules(client: Any) -> None:
    with pytest.raises(ClientError) as excinfo:
        _create(client, templateName="nopipe", **REPO)
    assert error_of(excinfo)[0] == "ValidationException"
    with pytest.raises(ClientError) as excinfo:
        client.create_service(name="x", templateName="svct", templateMajorVersion="1", spec=SPEC)
    assert error_of(excinfo)[0] == "ValidationException"
    service = _create(client, templateName="nopipe")
    assert "pipeline" not in service


def test_draft_version_rejected(client: Any) -> None:
    client.create_service_template_version(
        templateName="nopipe",
        source=SVC_SOURCE,
        compatibleEnvironmentTemplates=[{"templateName": "envt", "majorVersion": "1"}],
    )
    with pytest.raises(ClientError) as excinfo:
        _create(client, templateName="nopipe", templateMajorVersion="2")
    assert error_of(excinfo)[0] == "ValidationException"


def test_update_service_adds_instances_only(client: Any) -> None:
    _create(client)
    client.get_service(name="web")
    added = SPEC + "  - name: two\n    environment: dev\n"
    updated = client.update_service(name="web", spec=added)["service"]
    assert updated["status"] == "UPDATE_IN_PROGRESS"
    assert client.get_service(name="web")["service"]["status"] == "ACTIVE"
    names = [i["name"] for i in client.list_service_instances(serviceName="web")["serviceInstances"]]
    assert names == ["one", "two"]
    with pytest.raises(ClientError) as excinfo:
        client.update_service(name="web", spec=added.replace("port: 80", "port: 81"))
    assert error_of(excinfo)[0] == "ValidationException"
    with pytest.raises(ClientError) as excinfo:
        client.update_service(name="web", spec=added.replace("make test", "make check"))
    assert error_of(excinfo)[0] == "ValidationException"


def test_an_instance_dropped_from_the_spec_is_deleted_with_its_stack(client: Any) -> None:
    cloudformation = boto3.client("cloudformation", region_name=REGION)

    def live_queues() -> list[str]:
        stacks = cloudformation.describe_stacks()["Stacks"]
        return sorted(o["OutputValue"] for s in stacks for o in s.get("Outputs", []) if o["OutputKey"] == "QueueUrl")

    two = SPEC + "  - name: two\n    environment: dev\n"
    _create(client, spec=two)
    client.get_service(name="web")
    assert [url.rsplit("/", 1)[1] for url in live_queues()] == ["web-one", "web-two"]
    client.update_service(name="web", spec=SPEC)
    names = [i["name"] for i in client.list_service_instances(serviceName="web")["serviceInstances"]]
    assert names == ["one"]
    assert [url.rsplit("/", 1)[1] for url in live_queues()] == ["web-one"]


def test_instance_quota(client: Any) -> None:
    spec = "proton: ServiceSpec\ninstances:\n" + "".join(f"  - name: i{n}\n    environment: dev\n" for n in range(21))
    with pytest.raises(ClientError) as excinfo:
        _create(client, templateName="nopipe", spec=spec)
    assert error_of(excinfo)[0] == "ServiceQuotaExceededException"


def test_list_instances_filters(client: Any) -> None:
    _create(client)
    _create(client, "api", templateName="nopipe")
    listed = client.list_service_instances(filters=[{"key": "serviceName", "value": "api"}])["serviceInstances"]
    assert [(i["serviceName"], i["name"]) for i in listed] == [("api", "one")]
    listed = client.list_service_instances(filters=[{"key": "environmentName", "value": "dev"}])["serviceInstances"]
    assert len(listed) == 2
    assert client.list_service_instances(filters=[{"key": "environmentName", "value": "x"}])["serviceInstances"] == []


def test_update_instance_deployment_types(client: Any) -> None:
    _create(client)
    client.get_service(name="web")
    with pytest.raises(ClientError) as excinfo:
        client.update_service_instance(
            serviceName="web", name="one", deploymentType="CURRENT_VERSION", templateMajorVersion="1"
        )
    assert error_of(excinfo)[0] == "ValidationException"
    with pytest.raises(ClientError) as excinfo:
        client.update_service_instance(serviceName="web", name="one", deploymentType="MAJOR_VERSION")
    assert error_of(excinfo)[0] == "ValidationException"
    spec = "name: one\nenvironment: dev\nport: 81\n"
    instance = client.update_service_instance(
        serviceName="web", name="one", deploymentType="CURRENT_VERSION", spec=spec
    )["serviceInstance"]
    assert instance["deploymentStatus"] == "IN_PROGRESS"
    with pytest.raises(ClientError) as excinfo:
        client.update_service_instance(serviceName="web", name="nope", deploymentType="NONE")
    assert error_of(excinfo)[0] == "ResourceNotFoundException"
    got = client.get_service_instance(serviceName="web", name="one")["serviceInstance"]
    assert got["deploymentStatus"] == "SUCCEEDED" and got["spec"] == spec
    deployments = client.list_deployments(serviceName="web", serviceInstanceName="one")["deployments"]
    assert len(deployments) == 2
    assert {d["targetResourceType"] for d in deployments} == {"SERVICE_INSTANCE"}
    detail = client.get_deployment(id=got["lastSucceededDeploymentId"])["deployment"]
    assert detail["targetState"]["serviceInstance"]["spec"] == spec
    assert detail["initialState"]["serviceInstance"]["templateName"] == "svct"


def test_update_pipeline(client: Any) -> None:
    _create(client)
    client.get_service(name="web")
    pipeline = client.update_service_pipeline(
        serviceName="web", deploymentType="CURRENT_VERSION", spec="unit_test_command: make check\n"
    )["pipeline"]
    assert pipeline["deploymentStatus"] == "IN_PROGRESS"
    assert client.get_service(name="web")["service"]["pipeline"]["deploymentStatus"] == "SUCCEEDED"
    deployments = client.list_deployments(serviceName="web")["deployments"]
    assert sorted(d["targetResourceType"] for d in deployments) == [
        "SERVICE_INSTANCE",
        "SERVICE_PIPELINE",
        "SERVICE_PIPELINE",
    ]
    _create(client, "api", templateName="nopipe")
    with pytest.raises(ClientError) as excinfo:
        client.update_service_pipeline(serviceName="api", deploymentType="CURRENT_VERSION", spec="a: b\n")
    assert error_of(excinfo)[0] == "ResourceNotFoundException"


def test_delete_is_asynchronous(client: Any) -> None:
    _create(client)
    client.get_service(name="web")
    with pytest.raises(ClientError) as excinfo:
        client.delete_environment(name="dev")
    assert error_of(excinfo)[0] == "ConflictException"
    deleted = client.delete_service(name="web")["service"]
    assert deleted["status"] == "DELETE_IN_PROGRESS"
    assert client.delete_service(name="web")["service"]["status"] == "DELETE_IN_PROGRESS"  # a retry at once
    with pytest.raises(ClientError) as excinfo:
        client.get_service(name="web")  # a read settles the deletion
    assert error_of(excinfo)[0] == "ResourceNotFoundException"
    assert "service" not in client.delete_service(name="web")
    assert "service" not in client.delete_service(name="never")
    assert client.list_deployments(environmentName="dev")["deployments"][0]["targetResourceType"] == "ENVIRONMENT"


def test_tags_on_service_and_instance(client: Any) -> None:
    service = _create(client, tags=[{"key": "team", "value": "a"}])
    assert client.list_tags_for_resource(resourceArn=service["arn"])["tags"] == [{"key": "team", "value": "a"}]
    arn = f"{service['arn']}/service-instance/one"
    client.tag_resource(resourceArn=arn, tags=[{"key": "k", "value": "v"}])
    assert client.list_tags_for_resource(resourceArn=arn)["tags"] == [{"key": "k", "value": "v"}]
