"""Deployments that render with the linter's renderer and provision CloudFormation stacks in moto."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto.moto_api import state_manager

from pytest_proton.emulator import provisioners
from pytest_proton.emulator.provisioning import DEPLOYMENT_MODEL

from . import bundles
from .conftest import ACCOUNT, REGION, error_of

ROLE = f"arn:aws:iam::{ACCOUNT}:role/proton"
REPO = {
    "repositoryConnectionArn": f"arn:aws:codestar-connections:{REGION}:{ACCOUNT}:connection/abc",
    "repositoryId": "org/repo",
    "branchName": "main",
}
ENV_SCHEMA = """schema:
  format:
    openapi: "3.0.0"
  environment_input_type: "EnvironmentInput"
  types:
    EnvironmentInput:
      type: object
      properties:
        vpc_cidr:
          type: string
          default: "10.0.0.0/16"
          pattern: '([0-9]{1,3}\\.){3}[0-9]{1,3}($|/(16|24))'
        team:
          type: string
          minLength: 2
      required: [team]
"""
ENV_CFN = """Resources:
  VPC:
    Type: AWS::EC2::VPC
    Properties:
      CidrBlock: '{{ environment.inputs.vpc_cidr }}'
      Tags:
        - Key: team
          Value: '{{ environment.inputs.team }}'
Outputs:
  VpcId:
    Value: !Ref VPC
  Team:
    Value: '{{ environment.inputs.team }}'
"""
SVC_CFN = """Resources:
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: '{{ service.name }}-{{ service_instance.name }}-{{ environment.outputs.Team }}'
Outputs:
  QueueUrl:
    Value: !Ref Queue
  Vpc:
    Value: '{{ environment.outputs.VpcId }}'
"""
PIPE_CFN = """Resources:
  Topic:
    Type: AWS::SNS::Topic
    Properties:
      TopicName: '{{ service.name }}-{{ pipeline.inputs.dockerfile }}'
Outputs:
{% for instance in service_instances %}
  Url{{ loop.index }}:
    Value: '{{ instance.outputs.QueueUrl }}'
{% endfor %}
"""
LOOP_NOTHING = "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"
ENV_SPEC = "proton: EnvironmentSpec\nspec:\n  team: core\n  vpc_cidr: 10.1.0.0/16\n"
SVC_SPEC = """proton: ServiceSpec
pipeline:
  dockerfile: Dockerfile
instances:
  - name: one
    environment: dev
  - name: two
    environment: dev
    spec:
      port: 81
"""


@pytest.fixture
def hold() -> Iterator[None]:
    state_manager.set_transition(DEPLOYMENT_MODEL, {"progression": "manual", "times": 1000})
    try:
        yield
    finally:
        state_manager.unset_transition(DEPLOYMENT_MODEL)


def _publish(client: Any, s3: Any, kind: str, name: str, files: dict[str, str], **params: Any) -> None:
    source = bundles.upload(s3, f"{name}-{len(files)}-{hash(frozenset(files.items()))}.tar.gz", files)
    getattr(client, f"create_{kind}_template")(name=name)
    created = getattr(client, f"create_{kind}_template_version")(templateName=name, source=source, **params)
    key = "environmentTemplateVersion" if kind == "environment" else "serviceTemplateVersion"
    major, minor = created[key]["majorVersion"], created[key]["minorVersion"]
    getattr(client, f"update_{kind}_template_version")(
        templateName=name, majorVersion=major, minorVersion=minor, status="PUBLISHED"
    )


def _env_files(cfn: str = ENV_CFN) -> dict[str, str]:
    return bundles.base("environment") | {"schema/schema.yaml": ENV_SCHEMA, "infrastructure/cloudformation.yaml": cfn}


def _env(client: Any, s3: Any, spec: str = ENV_SPEC, cfn: str = ENV_CFN) -> dict[str, Any]:
    _publish(client, s3, "environment", "net", _env_files(cfn))
    client.create_environment(
        name="dev", templateName="net", templateMajorVersion="1", spec=spec, protonServiceRoleArn=ROLE
    )
    return client.get_environment(name="dev")["environment"]


def _outputs(items: list[dict[str, str]]) -> dict[str, str]:
    return {o["key"]: o["valueString"] for o in items}


def test_environment_stack_outputs_resources_and_tags(proton: Any, s3: Any, cloudformation: Any) -> None:
    env = _env(proton, s3)
    assert env["deploymentStatus"] == "SUCCEEDED", env.get("deploymentStatusMessage")
    outputs = _outputs(proton.list_environment_outputs(environmentName="dev")["outputs"])
    assert outputs["Team"] == "core"
    vpc = boto3.client("ec2", region_name=REGION).describe_vpcs(VpcIds=[outputs["VpcId"]])["Vpcs"][0]
    assert vpc["CidrBlock"] == "10.1.0.0/16"
    resources = proton.list_environment_provisioned_resources(environmentName="dev")["provisionedResources"]
    assert resources == [{"identifier": outputs["VpcId"], "name": "VPC", "provisioningEngine": "CLOUDFORMATION"}]
    (stack,) = cloudformation.describe_stacks()["Stacks"]
    assert stack["StackName"].startswith("AWSProton-dev-cloudformation-")
    tags = {t["Key"]: t["Value"] for t in stack["Tags"]}
    assert tags["proton:environment"] == env["arn"]
    assert tags["proton:template"].endswith(":environment-template/net")


def test_spec_is_validated_at_call_time(proton: Any, s3: Any) -> None:
    _publish(proton, s3, "environment", "net", _env_files())
    cases = {
        "proton: EnvironmentSpec\nspec:\n  vpc_cidr: 10.0.0.0/16\n": "'team' is required",
        "proton: EnvironmentSpec\nspec:\n  team: c\n": "input 'team'",
        "proton: EnvironmentSpec\nspec:\n  team: core\n  vpc_cidr: nope\n": "input 'vpc_cidr'",
        "proton: ServiceSpec\n": "proton: EnvironmentSpec",
    }
    for spec, expected in cases.items():
        with pytest.raises(ClientError) as excinfo:
            proton.create_environment(
                name="dev", templateName="net", templateMajorVersion="1", spec=spec, protonServiceRoleArn=ROLE
            )
        code, message = error_of(excinfo)
        assert code == "ValidationException" and expected in message, message


def test_update_honours_current_val_and_updates_the_stack(proton: Any, s3: Any, cloudformation: Any) -> None:
    _env(proton, s3)
    spec = "proton: EnvironmentSpec\nspec:\n  team: ${Proton::CURRENT_VAL}\n  vpc_cidr: 10.2.0.0/16\n"
    proton.update_environment(name="dev", deploymentType="CURRENT_VERSION", spec=spec)
    env = proton.get_environment(name="dev")["environment"]
    assert env["deploymentStatus"] == "SUCCEEDED", env.get("deploymentStatusMessage")
    outputs = _outputs(proton.list_environment_outputs(environmentName="dev")["outputs"])
    assert outputs["Team"] == "core"  # the current value, kept
    assert len(cloudformation.describe_stacks()["Stacks"]) == 1


def test_cancel_leaves_the_last_good_template_and_delete_deletes_the_stack(
    proton: Any, s3: Any, cloudformation: Any
) -> None:
    _env(proton, s3)
    (stack,) = cloudformation.describe_stacks()["Stacks"]
    before = cloudformation.get_template(StackName=stack["StackName"])["TemplateBody"]
    state_manager.set_transition(DEPLOYMENT_MODEL, {"progression": "manual", "times": 1000})
    try:
        spec = ENV_SPEC.replace("core", "other")
        proton.update_environment(name="dev", deploymentType="CURRENT_VERSION", spec=spec)
        proton.cancel_environment_deployment(environmentName="dev")
        assert proton.get_environment(name="dev")["environment"]["deploymentStatus"] == "CANCELLED"
    finally:
        state_manager.unset_transition(DEPLOYMENT_MODEL)
    assert cloudformation.get_template(StackName=stack["StackName"])["TemplateBody"] == before
    assert _outputs(proton.list_environment_outputs(environmentName="dev")["outputs"])["Team"] == "core"
    proton.delete_environment(name="dev")
    with pytest.raises(ClientError):
        proton.get_environment(name="dev")
    assert [s for s in cloudformation.describe_stacks()["Stacks"] if s["StackStatus"] != "DELETE_COMPLETE"] == []


@pytest.mark.parametrize(
    ("cfn", "expected"),
    [
        (ENV_CFN.replace("inputs.team }}'\nOutputs", "inputs.tem }}'\nOutputs"), "line 8 failed"),
        (ENV_CFN + "{% if x %}\n", "Rendering infrastructure/cloudformation.yaml"),
        (ENV_CFN + "  Bad: [\n", "not valid YAML"),
        (ENV_CFN.replace("!Ref VPC", "!GetAtt VPC.Nope"), "CloudFormation could not create the stack"),
        # the render budget holds in the emulator too (default budgets: a million steps)
        (LOOP_NOTHING + "\n" + ENV_CFN, "limits.render-steps"),
        ("{{ '%0999999999d' % 1 }}\n" + ENV_CFN, "limits.value-size"),
    ],
)
def test_failures_say_what_broke_and_where(proton: Any, s3: Any, cloudformation: Any, cfn: str, expected: str) -> None:
    env = _env(proton, s3, cfn=cfn)
    assert env["deploymentStatus"] == "FAILED"
    assert expected in env["deploymentStatusMessage"], env["deploymentStatusMessage"]
    assert "cloudformation.yaml" in env["deploymentStatusMessage"]
    assert cloudformation.describe_stacks()["Stacks"] == []  # a failed create leaves no stack


def test_invalid_yaml_names_the_source_line(proton: Any, s3: Any) -> None:
    env = _env(proton, s3, cfn="{% set x = 1 %}\n" + ENV_CFN + "  Bad: [\n")
    assert "at line 15 of infrastructure/cloudformation.yaml" in env["deploymentStatusMessage"]


def test_service_instances_read_environment_outputs_and_the_pipeline_reads_instances(proton: Any, s3: Any) -> None:
    env = _env(proton, s3)
    vpc = _outputs(proton.list_environment_outputs(environmentName="dev")["outputs"])["VpcId"]
    files = bundles.base("service") | {
        "instance_infrastructure/cloudformation.yaml": SVC_CFN,
        "pipeline_infrastructure/cloudformation.yaml": PIPE_CFN,
    }
    _publish(
        proton,
        s3,
        "service",
        "api",
        files,
        compatibleEnvironmentTemplates=[{"templateName": "net", "majorVersion": "1"}],
    )
    assert env["deploymentStatus"] == "SUCCEEDED"
    proton.create_service(name="web", templateName="api", templateMajorVersion="1", spec=SVC_SPEC, **REPO)
    service = proton.get_service(name="web")["service"]
    assert service["status"] == "ACTIVE", service
    one = _outputs(proton.list_service_instance_outputs(serviceName="web", serviceInstanceName="one")["outputs"])
    assert one["Vpc"] == vpc and one["QueueUrl"].endswith("/web-one-core")
    pipeline = _outputs(proton.list_service_pipeline_outputs(serviceName="web")["outputs"])
    two = _outputs(proton.list_service_instance_outputs(serviceName="web", serviceInstanceName="two")["outputs"])
    assert pipeline == {"Url1": one["QueueUrl"], "Url2": two["QueueUrl"]}


def test_a_missing_environment_output_fails_naming_it(proton: Any, s3: Any) -> None:
    _env(proton, s3)
    files = bundles.base("service-no-pipeline") | {
        "instance_infrastructure/cloudformation.yaml": SVC_CFN.replace("outputs.VpcId", "outputs.SubnetIds")
    }
    _publish(
        proton,
        s3,
        "service",
        "api",
        files,
        compatibleEnvironmentTemplates=[{"templateName": "net", "majorVersion": "1"}],
    )
    proton.create_service(
        name="web",
        templateName="api",
        templateMajorVersion="1",
        spec=SVC_SPEC,
        **REPO,
    )
    instance = proton.get_service_instance(serviceName="web", name="one")["serviceInstance"]
    assert instance["deploymentStatus"] == "FAILED"
    assert "environment.outputs.SubnetIds" in instance["deploymentStatusMessage"]


def test_terraform_waits_for_notification(proton: Any) -> None:
    s3 = boto3.client("s3", region_name=REGION)
    _publish(proton, s3, "environment", "tf", bundles.base("terraform-environment"))
    proton.create_environment(
        name="dev",
        templateName="tf",
        templateMajorVersion="1",
        spec="proton: EnvironmentSpec\n",
        protonServiceRoleArn=ROLE,
    )
    for _ in range(3):
        assert proton.get_environment(name="dev")["environment"]["deploymentStatus"] == "IN_PROGRESS"
    arn = proton.get_environment(name="dev")["environment"]["arn"]
    proton.notify_resource_deployment_status_change(
        resourceArn=arn, status="SUCCEEDED", outputs=[{"key": "a", "valueString": "b"}]
    )
    assert proton.get_environment(name="dev")["environment"]["deploymentStatus"] == "SUCCEEDED"


def test_codebuild_hook_supplies_outputs(proton: Any, s3: Any) -> None:
    seen = []

    def hook(request: provisioners.CodeBuildRequest) -> dict[str, str]:
        seen.append(request)
        return {"VpcId": "vpc-123"}

    provisioners.set_codebuild_hook(hook)
    try:
        _publish(proton, s3, "environment", "cb", bundles.base("codebuild-environment"))
        proton.create_environment(
            name="dev",
            templateName="cb",
            templateMajorVersion="1",
            spec="proton: EnvironmentSpec\n",
            codebuildRoleArn=ROLE,
        )
        assert proton.get_environment(name="dev")["environment"]["deploymentStatus"] == "SUCCEEDED"
    finally:
        provisioners.set_codebuild_hook(None)
    assert proton.list_environment_outputs(environmentName="dev")["outputs"] == [
        {"key": "VpcId", "valueString": "vpc-123"}
    ]
    assert seen[0].inputs == {"vpc_cidr": "10.0.0.0/16"} and seen[0].target_type == "ENVIRONMENT"


def test_cloudformation_provisioner_over_http(proton: Any, s3: Any) -> None:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        provisioners.configure("cloudformation", endpoint_url=endpoint, region=REGION, placeholders=True, delay=0.05)
        env = _env(proton, s3)
        assert env["deploymentStatus"] == "SUCCEEDED", env.get("deploymentStatusMessage")
        outputs = _outputs(proton.list_environment_outputs(environmentName="dev")["outputs"])
        assert outputs["Team"] == "core" and outputs["VpcId"].startswith("vpc-")
        remote = boto3.client("cloudformation", region_name=REGION, endpoint_url=endpoint)
        (stack,) = remote.describe_stacks()["Stacks"]
        assert stack["StackName"].startswith("AWSProton-dev-cloudformation-")
        proton.delete_environment(name="dev")
        with pytest.raises(ClientError):
            proton.get_environment(name="dev")
        assert [s for s in remote.describe_stacks()["Stacks"] if s["StackStatus"] != "DELETE_COMPLETE"] == []
    finally:
        provisioners.configure()
        server.stop()
