"""CreateServiceInstance and the provisioned-resource lists of environments, instances and pipelines."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from moto.moto_api import state_manager

from pytest_proton.emulator import provisioning
from pytest_proton.emulator.models import proton_backends
from pytest_proton.emulator.provisioning import DEPLOYMENT_MODEL, DeploymentOutcome

from .conftest import ACCOUNT, REGION, error_of
from .test_services import ENV_SOURCE, ROLE, SPEC, _create, _publish_env, _publish_svc

INSTANCE_SPEC = """proton: ServiceSpec
instances:
  - name: two
    environment: dev
    port: 8080
"""
RESOURCE = {"identifier": "stack-1", "name": "Stack", "provisioningEngine": "CLOUDFORMATION"}


@pytest.fixture
def client(proton: Any) -> Any:
    """Service ``web`` (with a pipeline) and its instance ``one`` in environment ``dev``, all settled."""
    _publish_env(proton)
    _publish_svc(proton)
    proton.create_environment(
        name="dev",
        templateName="envt",
        templateMajorVersion="1",
        spec="proton: EnvironmentSpec\n",
        protonServiceRoleArn=ROLE,
    )
    proton.get_environment(name="dev")
    _create(proton)
    proton.get_service(name="web")
    return proton


def _add(client: Any, name: str = "two", **params: Any) -> dict[str, Any]:
    params.setdefault("spec", INSTANCE_SPEC)
    return client.create_service_instance(name=name, serviceName="web", **params)["serviceInstance"]


def test_create_service_instance(client: Any) -> None:
    created = _add(client, clientToken="t1", tags=[{"key": "tier", "value": "web"}])
    assert created["arn"] == f"arn:aws:proton:{REGION}:{ACCOUNT}:service/web/service-instance/two"
    assert (created["serviceName"], created["environmentName"]) == ("web", "dev")
    assert (created["templateName"], created["templateMajorVersion"], created["templateMinorVersion"]) == (
        "svct",
        "1",
        "0",
    )
    assert created["deploymentStatus"] == "IN_PROGRESS"
    assert created["lastClientRequestToken"] == "t1"
    assert "port: 8080" in created["spec"]
    client.get_waiter("service_instance_deployed").wait(serviceName="web", name="two", WaiterConfig={"Delay": 0})
    names = [i["name"] for i in client.list_service_instances(serviceName="web")["serviceInstances"]]
    assert names == ["one", "two"]
    deployments = client.list_deployments(serviceName="web", serviceInstanceName="two")["deployments"]
    assert [d["id"] for d in deployments] == [created["lastAttemptedDeploymentId"]]
    assert deployments[0]["targetResourceType"] == "SERVICE_INSTANCE"
    assert client.list_tags_for_resource(resourceArn=created["arn"])["tags"] == [{"key": "tier", "value": "web"}]


def test_create_service_instance_with_instance_mapping_and_version(client: Any) -> None:
    created = _add(client, spec="environment: dev\nport: 1\n", templateMajorVersion="1", templateMinorVersion="0")
    assert created["environmentName"] == "dev"
    assert client.get_service_instance(serviceName="web", name="two")["serviceInstance"]["deploymentStatus"] == (
        "SUCCEEDED"
    )


def test_create_service_instance_idempotency(client: Any) -> None:
    first = _add(client, clientToken="t1")
    again = _add(client, clientToken="t1")
    assert again["lastAttemptedDeploymentId"] == first["lastAttemptedDeploymentId"]
    with pytest.raises(ClientError) as excinfo:
        _add(client, clientToken="t1", tags=[{"key": "k", "value": "v"}])
    code, message = error_of(excinfo)
    assert code == "ValidationException" and "IdempotentParameterMismatch" in message
    with pytest.raises(ClientError) as excinfo:
        _add(client, clientToken="t2")  # the name is taken
    assert error_of(excinfo)[0] == "ConflictException"
    with pytest.raises(ClientError) as excinfo:
        _add(client, "one", spec="environment: dev\n")
    assert error_of(excinfo)[0] == "ConflictException"


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"spec": "proton: ServiceSpec\ninstances:\n  - name: other\n    environment: dev\n"}, "spec"),
        ({"spec": "port: 1\n"}, "environment"),
        ({"spec": "environment: nope\n"}, "nope"),
        ({"spec": "instances: [\n"}, "YAML"),
        ({"templateMinorVersion": "0"}, "templateMinorVersion"),
    ],
)
def test_create_service_instance_validation(client: Any, params: dict[str, Any], fragment: str) -> None:
    with pytest.raises(ClientError) as excinfo:
        _add(client, **params)
    code, message = error_of(excinfo)
    assert code == "ValidationException" and fragment in message


def test_create_service_instance_incompatible_environment(client: Any) -> None:
    client.create_environment_template(name="other")
    client.create_environment_template_version(templateName="other", source=ENV_SOURCE)
    client.update_environment_template_version(
        templateName="other", majorVersion="1", minorVersion="0", status="PUBLISHED"
    )
    client.create_environment(
        name="elsewhere",
        templateName="other",
        templateMajorVersion="1",
        spec="proton: EnvironmentSpec\n",
        protonServiceRoleArn=ROLE,
    )
    with pytest.raises(ClientError) as excinfo:
        _add(client, spec="environment: elsewhere\n")
    code, message = error_of(excinfo)
    assert code == "ValidationException" and "compatible" in message


def test_create_service_instance_not_found_and_quota(client: Any) -> None:
    with pytest.raises(ClientError) as excinfo:
        client.create_service_instance(name="two", serviceName="nope", spec=INSTANCE_SPEC)
    assert error_of(excinfo)[0] == "ResourceNotFoundException"
    with pytest.raises(ClientError) as excinfo:
        _add(client, templateMajorVersion="9")
    assert error_of(excinfo)[0] == "ResourceNotFoundException"
    proton_backends[ACCOUNT][REGION].instance_quota = 1
    with pytest.raises(ClientError) as excinfo:
        _add(client)
    assert error_of(excinfo)[0] == "ServiceQuotaExceededException"


def test_create_service_instance_refused_while_service_deletes(client: Any) -> None:
    state_manager.set_transition(DEPLOYMENT_MODEL, {"progression": "manual", "times": 1000})
    try:
        client.delete_service(name="web")
        with pytest.raises(ClientError) as excinfo:
            _add(client)
    finally:
        state_manager.unset_transition(DEPLOYMENT_MODEL)
    code, message = error_of(excinfo)
    assert code == "ConflictException" and "being deleted" in message


def test_provisioned_resources_are_the_stacks_resources(client: Any) -> None:
    """Each deployed resource lists its CloudFormation stack's resources (the stock bundles' templates)."""

    def names(resources: list[dict[str, str]]) -> list[tuple[str, str]]:
        return [(r["name"], r["provisioningEngine"]) for r in resources]

    instance = client.list_service_instance_provisioned_resources(serviceName="web", serviceInstanceName="one")
    assert names(instance["provisionedResources"]) == [("Queue", "CLOUDFORMATION")]
    assert instance["provisionedResources"][0]["identifier"].endswith("/web-one")  # the queue's URL
    pipeline = client.list_service_pipeline_provisioned_resources(serviceName="web")
    assert names(pipeline["provisionedResources"]) == [("Bucket", "CLOUDFORMATION")]
    environment = client.list_environment_provisioned_resources(environmentName="dev")
    assert names(environment["provisionedResources"]) == [("VPC", "CLOUDFORMATION")]


def test_provisioned_resources_follow_the_provisioner(client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        provisioning,
        "deploy",
        lambda backend, deployment: DeploymentOutcome("SUCCEEDED", provisioned_resources=[RESOURCE]),
    )
    client.update_service_instance(serviceName="web", name="one", deploymentType="CURRENT_VERSION")
    client.update_service_pipeline(serviceName="web", deploymentType="CURRENT_VERSION", spec="unit_test_command: x\n")
    client.update_environment(name="dev", deploymentType="CURRENT_VERSION")
    client.get_service(name="web")
    client.get_environment(name="dev")
    instance = client.list_service_instance_provisioned_resources(serviceName="web", serviceInstanceName="one")
    assert instance["provisionedResources"] == [RESOURCE]
    pipeline = client.list_service_pipeline_provisioned_resources(serviceName="web")
    assert pipeline["provisionedResources"] == [RESOURCE]
    environment = client.list_environment_provisioned_resources(environmentName="dev")
    assert environment["provisionedResources"] == [RESOURCE]


def test_provisioned_resources_not_found(client: Any) -> None:
    _publish_svc(client, "nopipe", pipelineProvisioning="CUSTOMER_MANAGED")
    _create(client, "bare", templateName="nopipe")
    with pytest.raises(ClientError) as excinfo:
        client.list_service_pipeline_provisioned_resources(serviceName="bare")
    code, message = error_of(excinfo)
    assert code == "ResourceNotFoundException" and "pipeline" in message
    for call in (
        lambda: client.list_service_instance_provisioned_resources(serviceName="web", serviceInstanceName="nope"),
        lambda: client.list_service_instance_provisioned_resources(serviceName="nope", serviceInstanceName="one"),
        lambda: client.list_service_pipeline_provisioned_resources(serviceName="nope"),
        lambda: client.list_environment_provisioned_resources(environmentName="nope"),
    ):
        with pytest.raises(ClientError) as excinfo:
            call()
        assert error_of(excinfo)[0] == "ResourceNotFoundException"


def test_update_service_instance_retry_with_its_client_token_deploys_nothing(client: Any) -> None:
    def update(**params: Any) -> dict[str, Any]:
        return client.update_service_instance(  # type: ignore[no-any-return]
            serviceName="web", name="one", deploymentType="CURRENT_VERSION", **params
        )["serviceInstance"]

    first = update(clientToken="u1")
    assert first["deploymentStatus"] == "IN_PROGRESS"
    retried = update(clientToken="u1")  # no busy-rule ConflictException: it is the same request
    assert retried["lastAttemptedDeploymentId"] == first["lastAttemptedDeploymentId"]
    client.get_service_instance(serviceName="web", name="one")
    assert update(clientToken="u1")["lastAttemptedDeploymentId"] == first["lastAttemptedDeploymentId"]
    with pytest.raises(ClientError) as excinfo:
        update(clientToken="u1", spec=INSTANCE_SPEC)
    code, message = error_of(excinfo)
    assert code == "ValidationException" and "IdempotentParameterMismatch" in message
    assert update(clientToken="u2")["lastAttemptedDeploymentId"] != first["lastAttemptedDeploymentId"]


def test_update_service_instance_with_the_whole_service_spec(client: Any) -> None:
    """UpdateServiceInstance takes the whole ServiceSpec (the user guide's CLI example): only the
    instance's own entry of it becomes the instance's, so UpdateService with that spec still matches."""
    spec = SPEC.replace("port: 80", "port: 81")
    client.update_service_instance(serviceName="web", name="one", deploymentType="CURRENT_VERSION", spec=spec)
    instance = client.get_service_instance(serviceName="web", name="one")["serviceInstance"]
    assert instance["deploymentStatus"] == "SUCCEEDED", instance.get("deploymentStatusMessage")
    assert instance["spec"] == spec
    backend = proton_backends[ACCOUNT][REGION]
    assert backend.services["web"].instances["one"].entry == {"name": "one", "environment": "dev", "port": 81}
    client.update_service(name="web", spec=spec)  # the same entry: not a change of the existing instance
    with pytest.raises(ClientError) as excinfo:
        client.update_service(name="web", spec=SPEC)
    assert "cannot change the existing service instance 'one'" in error_of(excinfo)[1]


def test_update_service_instance_with_its_entry(client: Any) -> None:
    client.update_service_instance(
        serviceName="web", name="one", deploymentType="CURRENT_VERSION", spec="environment: dev\nport: 82\n"
    )
    client.get_service_instance(serviceName="web", name="one")
    backend = proton_backends[ACCOUNT][REGION]
    assert backend.services["web"].instances["one"].entry == {"name": "one", "environment": "dev", "port": 82}
