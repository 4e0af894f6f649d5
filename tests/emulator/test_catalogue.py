"""The resource catalogue and simulation (issue 11 §1): verdicts as CloudFormation gives them.

Most cases drive ``provisioning.provision`` (the seam every CloudFormation deployment goes through,
after rendering) inside ``mock_aws()``; one goes through Proton's API to show where simulated
resources are named.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

import boto3
import pytest
from moto import mock_aws

from pytest_proton.emulator import proton_backends, provisioners, provisioning
from pytest_proton.emulator.operations.environments import list_environment_provisioned_resources
from pytest_proton.emulator.provisioners import catalogue, cfn_template
from pytest_proton.emulator.provisioners.base import StackTarget

from .conftest import ACCOUNT, REGION
from .test_provisioning import _env

NOW = datetime(2026, 12, 1, tzinfo=timezone.utc)


@pytest.fixture
def moto(aws_credentials: None) -> Iterator[Any]:
    with mock_aws():
        yield provisioners.build("moto")


def _deploy(provisioner: Any, text: str, previous: str | None = None, now: datetime = NOW) -> Any:
    target = StackTarget("stack", ACCOUNT, REGION)
    return provisioning.provision(provisioner, target, cfn_template.parse(text), text, previous, now=now)


def _failure(provisioner: Any, text: str, **kwargs: Any) -> str:
    outcome = _deploy(provisioner, text, **kwargs)
    assert isinstance(outcome, str), outcome
    assert "Error:" not in outcome.split(": ", 1)[0]  # never a Python exception's name
    return outcome


def _stacks() -> list[str]:
    return [s["StackName"] for s in boto3.client("cloudformation", region_name=REGION).describe_stacks()["Stacks"]]


# -- what CloudFormation refuses -------------------------------------------------------------------
def test_a_misspelled_type_is_a_template_format_error_and_nothing_is_created(moto: Any) -> None:
    text = "Resources:\n  Q:\n    Type: AWS::SQS::Queueue\n  B:\n    Type: AWS::S3::Bucket\n"
    assert _failure(moto, text) == (
        "CloudFormation could not create the stack stack: "
        "Template format error: Unrecognized resource types: [AWS::SQS::Queueue]"
    )
    assert _stacks() == []


def test_unknown_and_missing_properties_fail_with_cloudformations_words(moto: Any) -> None:
    unknown = "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueNmae: x\n"
    assert _failure(moto, unknown).endswith("Q (AWS::SQS::Queue) failed: Encountered unsupported property QueueNmae")
    missing = "Resources:\n  P:\n    Type: AWS::SSM::Parameter\n    Properties:\n      Type: String\n"
    assert _failure(moto, missing).endswith(
        "Properties validation failed for resource P with message: #: required key [Value] not found"
    )
    nested = (
        "Resources:\n  B:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketEncryption:\n"
        "        ServerSideEncryptionConfiguration:\n          - SSEAlgorithm: AES256\n"
    )
    assert _failure(moto, nested).endswith(
        "#/BucketEncryption/ServerSideEncryptionConfiguration/0: extraneous key [SSEAlgorithm] is not permitted"
    )


def test_references_and_attributes_are_checked_against_the_template_and_the_schema(moto: Any) -> None:
    dangling = "Resources:\n  Q:\n    Type: AWS::SQS::Queue\nOutputs:\n  X:\n    Value: !GetAtt Nope.Arn\n"
    assert _failure(moto, dangling).endswith(
        "Template format error: Unresolved resource dependencies [Nope] in the Outputs block of the template"
    )
    attribute = "Resources:\n  Q:\n    Type: AWS::SQS::Queue\nOutputs:\n  X:\n    Value: !GetAtt Q.Nmae\n"
    assert _failure(moto, attribute).endswith(
        "Template error: resource Q does not support attribute type Nmae in Fn::GetAtt"
    )


LAMBDA = """Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement: [{Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: sts:AssumeRole}]
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: RUNTIME
      Handler: index.handler
      Role: !GetAtt Role.Arn
      Code: {ZipFile: "def handler(event, context): pass"}
"""


def test_lambda_runtimes_past_their_create_block_date_fail(moto: Any) -> None:
    message = _failure(moto, LAMBDA.replace("RUNTIME", "python3.6"))
    assert (
        'Fn (AWS::Lambda::Function) failed: Resource handler returned message: "The runtime parameter of python3.6'
        in message
    )
    lifecycle = catalogue.runtime_lifecycle()["python3.6"]
    before = datetime.fromisoformat(lifecycle["create-block"]).replace(tzinfo=timezone.utc).replace(day=1, month=1)
    assert not isinstance(_deploy(moto, LAMBDA.replace("RUNTIME", "python3.6"), now=before), str)


def test_an_unchanged_function_on_a_blocked_runtime_updates(moto: Any) -> None:
    text = LAMBDA.replace("RUNTIME", "python3.6")
    early = datetime(2020, 1, 1, tzinfo=timezone.utc)
    _, prepared = _deploy(moto, text, now=early)
    tagged = text + "  Q:\n    Type: AWS::SQS::Queue\n"
    assert not isinstance(_deploy(moto, tagged, previous=prepared.body), str)


# -- simulation where moto falls short -------------------------------------------------------------
def test_get_att_moto_cannot_answer_simulates_the_resource(moto: Any) -> None:
    text = (
        "Resources:\n  Zone:\n    Type: AWS::Route53::HostedZone\n    Properties:\n      Name: example.com\n"
        "Outputs:\n  Ns:\n    Value: !Join [',', !GetAtt Zone.NameServers]\n  Id:\n    Value: !Ref Zone\n"
    )
    stack, prepared = _deploy(moto, text)
    assert prepared.simulated["Zone"].reason == "moto cannot return its NameServers attribute"
    outputs = {o["key"]: o["valueString"] for o in stack.outputs}
    assert all(ns.startswith("ns-") and ".awsdns-" in ns for ns in outputs["Ns"].split(","))
    assert outputs["Id"] == prepared.simulated["Zone"].physical_id


def test_an_internal_moto_error_simulates_the_resource_without_showing_it(moto: Any) -> None:
    text = (
        "Resources:\n  P:\n    Type: AWS::SSM::Parameter\n    Properties:\n      Type: String\n      Value: v\n"
        "Outputs:\n  Name:\n    Value: !Ref P\n"
    )
    stack, prepared = _deploy(moto, text)
    assert prepared.simulated["P"].reason == "moto could not create it (an internal error of its model)"
    message = provisioning.simulated_message(prepared.simulated) or ""
    assert message.startswith(provisioning.SIMULATED_PREFIX)
    assert "AttributeError" not in message and "NoneType" not in message
    assert stack.outputs == [{"key": "Name", "valueString": prepared.simulated["P"].physical_id}]


def test_real_resources_stay_real_beside_simulated_ones(moto: Any) -> None:
    text = """Resources:
  Bucket:
    Type: AWS::S3::Bucket
    Properties: {BucketName: kept-real}
  Queue:
    Type: AWS::SQS::Queue
    Properties: {QueueName: kept-real}
  Api:
    Type: AWS::ApiGatewayV2::Api
    Properties: {Name: api, ProtocolType: HTTP}
  Policy:
    Type: AWS::SQS::QueuePolicy
    Properties:
      Queues: [!Ref Queue]
      PolicyDocument:
        Statement: [{Effect: Allow, Principal: '*', Action: sqs:SendMessage, Resource: !GetAtt Queue.Arn}]
Outputs:
  Endpoint:
    Value: !GetAtt Api.ApiEndpoint
  Url:
    Value: !Sub "${Api.ApiEndpoint}/${Queue.QueueName}"
"""
    stack, prepared = _deploy(moto, text)
    assert {n: s.reason for n, s in prepared.simulated.items()} == {
        "Api": "moto cannot create AWS::ApiGatewayV2::Api resources",
        "Policy": "moto cannot create AWS::SQS::QueuePolicy resources",
    }
    boto3.client("s3", region_name=REGION).head_bucket(Bucket="kept-real")
    assert boto3.client("sqs", region_name=REGION).get_queue_url(QueueName="kept-real")["QueueUrl"]
    outputs = {o["key"]: o["valueString"] for o in stack.outputs}
    assert outputs["Endpoint"].endswith(".apigatewayv2.us-east-1.amazonaws.com")
    assert outputs["Url"] == f"{outputs['Endpoint']}/kept-real"


# -- where moto is stricter than AWS ---------------------------------------------------------------
def test_an_iam_policy_without_version_and_a_target_group_with_double_hyphens_deploy(moto: Any) -> None:
    text = """Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties: {CidrBlock: 10.0.0.0/16}
  Group:
    Type: AWS::ElasticLoadBalancingV2::TargetGroup
    Properties: {Name: svc--frontend-dev, Port: 80, Protocol: HTTP, VpcId: !Ref Vpc}
  Role:
    Type: AWS::IAM::Role
    Properties:
      RoleName: no-version
      AssumeRolePolicyDocument:
        Statement: [{Effect: Allow, Principal: {Service: ecs.amazonaws.com}, Action: sts:AssumeRole}]
      Policies:
        - PolicyName: inline
          PolicyDocument:
            Statement: [{Effect: Allow, Action: s3:GetObject, Resource: '*'}]
"""
    _, prepared = _deploy(moto, text)
    assert prepared.simulated == {}
    groups = boto3.client("elbv2", region_name=REGION).describe_target_groups(Names=["svc--frontend-dev"])
    assert ":targetgroup/svc--frontend-dev/" in groups["TargetGroups"][0]["TargetGroupArn"]
    assert boto3.client("iam").get_role_policy(RoleName="no-version", PolicyName="inline")["PolicyDocument"]


def test_target_group_names_aws_refuses_stay_refused(moto: Any) -> None:
    text = """Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties: {CidrBlock: 10.0.0.0/16}
  Group:
    Type: AWS::ElasticLoadBalancingV2::TargetGroup
    Properties: {Name: -starts-with-hyphen, Port: 80, Protocol: HTTP, VpcId: !Ref Vpc}
"""
    message = _failure(moto, text)
    assert "ValidationError: " in message and "'-starts-with-hyphen'" in message


# -- through Proton's API --------------------------------------------------------------------------
SIMULATED_ENV = """Resources:
  Queue:
    Type: AWS::SQS::Queue
  Api:
    Type: AWS::ApiGatewayV2::Api
    Properties:
      Name: '{{ environment.inputs.team }}'
      ProtocolType: HTTP
Outputs:
  VpcId:
    Value: !GetAtt Api.ApiId
  Team:
    Value: !Ref Api
"""


def test_simulated_resources_are_named_in_the_status_and_marked_in_the_resources(proton: Any, s3: Any) -> None:
    environment = _env(proton, s3, cfn=SIMULATED_ENV)
    assert environment["deploymentStatus"] == "SUCCEEDED"
    reason = "moto cannot create AWS::ApiGatewayV2::Api resources"
    assert (
        environment["deploymentStatusMessage"]
        == f"{provisioning.SIMULATED_PREFIX}Api (AWS::ApiGatewayV2::Api): {reason}"
    )
    listed = proton.list_environment_provisioned_resources(environmentName="dev")["provisionedResources"]
    assert {r["name"] for r in listed} == {"Queue", "Api"}
    raw = list_environment_provisioned_resources(proton_backends[ACCOUNT][REGION], {"environmentName": "dev"})
    marks = {r["name"]: r.get("simulated") for r in raw["provisionedResources"]}
    assert marks == {"Queue": None, "Api": "moto cannot create AWS::ApiGatewayV2::Api resources"}
    assert json.dumps(raw)  # serialisable as it is served


def test_an_unknown_type_fails_the_deployment_in_cloudformations_words(proton: Any, s3: Any) -> None:
    environment = _env(proton, s3, cfn="Resources:\n  Q:\n    Type: AWS::SQS::Queueue\n")
    assert environment["deploymentStatus"] == "FAILED"
    assert (
        "Template format error: Unrecognized resource types: [AWS::SQS::Queueue]"
        in environment["deploymentStatusMessage"]
    )


def test_a_get_att_moto_cannot_answer_on_update_simulates_the_resource(moto: Any) -> None:
    zone = "Resources:\n  Zone:\n    Type: AWS::Route53::HostedZone\n    Properties:\n      Name: example.com\n"
    _, first = _deploy(moto, zone)
    assert first.simulated == {}
    outcome = _deploy(moto, zone + "Outputs:\n  Ns:\n    Value: !Join [',', !GetAtt Zone.NameServers]\n", first.body)
    assert not isinstance(outcome, str), outcome
    stack, prepared = outcome
    assert prepared.simulated["Zone"].reason == "moto cannot return its NameServers attribute"
    assert stack.outputs[0]["key"] == "Ns"


def test_depends_on_nothing_declared_is_a_template_format_error(moto: Any) -> None:
    text = "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    DependsOn: [Gone]\n"
    assert _failure(moto, text).endswith(
        "Template format error: Unresolved resource dependencies [Gone] in the Resources block of the template"
    )


def test_subnets_cut_with_fn_cidr_are_real(moto: Any) -> None:
    text = """Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties: {CidrBlock: 10.0.0.0/16}
  Two:
    Type: AWS::EC2::Subnet
    Properties:
      VpcId: !Ref Vpc
      CidrBlock: !Select [1, !Cidr [10.0.0.0/16, 3, 8]]
Outputs:
  Subnet:
    Value: !Ref Two
"""
    stack, prepared = _deploy(moto, text)
    assert prepared.simulated == {}
    subnet = boto3.client("ec2", region_name=REGION).describe_subnets(SubnetIds=[stack.outputs[0]["valueString"]])
    assert subnet["Subnets"][0]["CidrBlock"] == "10.0.1.0/24"
