"""One lifecycle scenario, run in-process (``mock_aws``) and over HTTP (``ThreadedMotoServer``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from .servers import TARGETS, Target

ROLE = "arn:aws:iam::123456789012:role/proton"
REPOSITORY = {
    "repositoryConnectionArn": "arn:aws:codestar-connections:us-east-1:123456789012:connection/abc",
    "repositoryId": "org/repo",
    "branchName": "main",
}
SPEC = """proton: ServiceSpec
pipeline:
  unit_test_command: make test
instances:
  - name: one
    environment: dev
  - name: two
    environment: dev
"""
FAST = {"Delay": 0, "MaxAttempts": 3}


@pytest.fixture(params=sorted(TARGETS))
def target(request: pytest.FixtureRequest, aws_credentials: None) -> Iterator[Target]:
    with TARGETS[request.param]() as target:
        target.stock_bundles()
        yield target


def lifecycle(target: Target) -> list[tuple[str, Any]]:
    """Templates, versions, publish, environment, a service with two instances and a pipeline, an
    update, a cancelled held deployment, deletion; returns what was observed along the way."""
    client = target.client
    seen: list[tuple[str, Any]] = []
    client.create_environment_template(name="envt")
    version = client.create_environment_template_version(
        templateName="envt", source={"s3": {"bucket": "bundles", "key": "env.tar.gz"}}
    )["environmentTemplateVersion"]
    seen.append(("env version", (version["majorVersion"], version["minorVersion"], version["status"])))
    client.get_waiter("environment_template_version_registered").wait(
        templateName="envt", majorVersion="1", minorVersion="0", WaiterConfig=FAST
    )
    client.update_environment_template_version(
        templateName="envt", majorVersion="1", minorVersion="0", status="PUBLISHED"
    )
    client.create_service_template(name="svct")
    client.create_service_template_version(
        templateName="svct",
        source={"s3": {"bucket": "bundles", "key": "svc.tar.gz"}},
        compatibleEnvironmentTemplates=[{"templateName": "envt", "majorVersion": "1"}],
    )
    client.update_service_template_version(templateName="svct", majorVersion="1", minorVersion="0", status="PUBLISHED")
    template = client.get_service_template(name="svct")["serviceTemplate"]
    seen.append(("recommended", template["recommendedVersion"]))

    client.create_environment(
        name="dev",
        templateName="envt",
        templateMajorVersion="1",
        spec="proton: EnvironmentSpec\n",
        protonServiceRoleArn=ROLE,
    )
    client.get_waiter("environment_deployed").wait(name="dev", WaiterConfig=FAST)
    seen.append(("environment", client.get_environment(name="dev")["environment"]["deploymentStatus"]))

    created = client.create_service(name="web", templateName="svct", templateMajorVersion="1", spec=SPEC, **REPOSITORY)[
        "service"
    ]
    seen.append(("service created", (created["status"], created["pipeline"]["deploymentStatus"])))
    client.get_waiter("service_created").wait(name="web", WaiterConfig=FAST)
    instances = client.list_service_instances(serviceName="web")["serviceInstances"]
    seen.append(("instances", [(i["name"], i["deploymentStatus"]) for i in instances]))

    client.update_service_instance(
        serviceName="web", name="two", deploymentType="CURRENT_VERSION", spec="name: two\nenvironment: dev\nx: 1\n"
    )
    client.get_waiter("service_instance_deployed").wait(serviceName="web", name="two", WaiterConfig=FAST)
    seen.append(("updated", client.get_service_instance(serviceName="web", name="two")["serviceInstance"]["spec"]))

    target.hold()
    try:
        client.update_environment(name="dev", deploymentType="CURRENT_VERSION", spec="proton: EnvironmentSpec\ny: 2\n")
        for _ in range(3):
            seen.append(("held", client.get_environment(name="dev")["environment"]["deploymentStatus"]))
        seen.append(
            ("cancel", client.cancel_environment_deployment(environmentName="dev")["environment"]["deploymentStatus"])
        )
        after = client.get_environment(name="dev")["environment"]
        seen.append(("cancelled", (after["deploymentStatus"], after["spec"])))
    finally:
        target.release()

    seen.append(("delete service", client.delete_service(name="web")["service"]["status"]))
    client.get_waiter("service_deleted").wait(name="web", WaiterConfig=FAST)
    deleted = client.delete_environment(name="dev")["environment"]["deploymentStatus"]
    seen.append(("delete environment", deleted))
    client.list_environments()
    seen.append(("environments", client.list_environments()["environments"]))
    client.delete_service_template_version(templateName="svct", majorVersion="1", minorVersion="0")
    client.delete_service_template(name="svct")
    client.delete_environment_template_version(templateName="envt", majorVersion="1", minorVersion="0")
    client.delete_environment_template(name="envt")
    seen.append(
        ("templates", client.list_environment_templates()["templates"] + client.list_service_templates()["templates"])
    )
    with pytest.raises(ClientError):
        client.get_environment(name="dev")
    return seen


EXPECTED = [
    ("env version", ("1", "0", "REGISTRATION_IN_PROGRESS")),
    ("recommended", "1.0"),
    ("environment", "SUCCEEDED"),
    ("service created", ("CREATE_IN_PROGRESS", "IN_PROGRESS")),
    ("instances", [("one", "SUCCEEDED"), ("two", "SUCCEEDED")]),
    ("updated", "name: two\nenvironment: dev\nx: 1\n"),
    ("held", "IN_PROGRESS"),
    ("held", "IN_PROGRESS"),
    ("held", "IN_PROGRESS"),
    ("cancel", "CANCELLING"),
    ("cancelled", ("CANCELLED", "proton: EnvironmentSpec\n")),
    ("delete service", "DELETE_IN_PROGRESS"),
    ("delete environment", "DELETE_IN_PROGRESS"),
    ("environments", []),
    ("templates", []),
]


def test_lifecycle(target: Target) -> None:
    assert lifecycle(target) == EXPECTED
