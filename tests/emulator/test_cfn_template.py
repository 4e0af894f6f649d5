"""Preparing a rendered template for moto as CloudFormation would deploy it (provisioners/cfn_template.py)."""

from __future__ import annotations

import json
import re
from typing import Any

import boto3
import pytest
from moto import mock_aws

from pytest_proton.emulator import provisioners
from pytest_proton.emulator.provisioners import cfn_template
from pytest_proton.emulator.provisioners.base import StackTarget

REGION = "us-east-1"
ACCOUNT = "123456789012"


def _resources(**bodies: Any) -> dict[str, Any]:
    return {"Resources": bodies}


# -- coerce ------------------------------------------------------------------------------------------
def test_coerce_converts_scalars_to_the_schema_types_recursively() -> None:
    template = _resources(
        Service={
            "Type": "AWS::ECS::Service",
            "Properties": {
                "DesiredCount": "2",
                "EnableECSManagedTags": "False",
                "ServiceName": "123",  # a string property stays a string
                "DeploymentConfiguration": {"MaximumPercent": "200", "MinimumHealthyPercent": " 50 "},
                "LoadBalancers": [{"ContainerName": "web", "ContainerPort": "80"}],
                "Unknown": "7",  # not in the schema: left alone
            },
        }
    )
    props = cfn_template.coerce(template, REGION)["Resources"]["Service"]["Properties"]
    assert props["DesiredCount"] == 2
    assert props["EnableECSManagedTags"] is False
    assert props["ServiceName"] == "123"
    assert props["DeploymentConfiguration"] == {"MaximumPercent": 200, "MinimumHealthyPercent": 50}
    assert props["LoadBalancers"] == [{"ContainerName": "web", "ContainerPort": 80}]
    assert props["Unknown"] == "7"
    assert template["Resources"]["Service"]["Properties"]["DesiredCount"] == "2"  # the input is not changed


def test_coerce_leaves_functions_alone_but_converts_if_branches() -> None:
    template = _resources(
        Service={
            "Type": "AWS::ECS::Service",
            "Properties": {
                "DesiredCount": {"Fn::If": ["Big", "4", "1"]},
                "HealthCheckGracePeriodSeconds": {"Ref": "Grace"},
            },
        }
    )
    props = cfn_template.coerce(template, REGION)["Resources"]["Service"]["Properties"]
    assert props["DesiredCount"] == {"Fn::If": ["Big", 4, 1]}
    assert props["HealthCheckGracePeriodSeconds"] == {"Ref": "Grace"}


def test_coerce_numbers_and_what_does_not_convert() -> None:
    template = _resources(
        Alarm={
            "Type": "AWS::CloudWatch::Alarm",
            "Properties": {"Threshold": "0.5", "EvaluationPeriods": "two", "Period": "60"},
        },
        Custom={"Type": "Custom::Thing", "Properties": {"Count": "3"}},
        Odd={"Type": "Vendor::Not::AType", "Properties": {"Count": "3"}},
    )
    resources = cfn_template.coerce(template, "xx-nowhere-1")["Resources"]  # unknown Region: us-east-1's schemas
    assert resources["Alarm"]["Properties"] == {"Threshold": 0.5, "EvaluationPeriods": "two", "Period": 60}
    assert resources["Custom"]["Properties"] == {"Count": "3"}
    assert resources["Odd"]["Properties"] == {"Count": "3"}


# -- CloudFormation's defaults -----------------------------------------------------------------------
def test_ecr_repositories_are_named_as_cloudformation_names_them() -> None:
    stack = "AWSProton-svc-pipeline-cloudformation-D52562BC3FEC"
    template = _resources(
        Repo={"Type": "AWS::ECR::Repository"},
        Named={"Type": "AWS::ECR::Repository", "Properties": {"RepositoryName": "mine"}},
    )
    out = cfn_template.cfn_defaults(template, stack)["Resources"]
    name = out["Repo"]["Properties"]["RepositoryName"]
    assert re.fullmatch(r"awsproton-svc-pipeline-cloudformation-d52562bc3fec-repo-[0-9a-f]{12}", name)
    assert name == cfn_template.cfn_defaults(template, stack)["Resources"]["Repo"]["Properties"]["RepositoryName"]
    assert out["Named"]["Properties"]["RepositoryName"] == "mine"


def test_all_protocol_ingress_rules_get_ports() -> None:
    rules = [
        {"IpProtocol": "-1", "CidrIp": "0.0.0.0/0"},
        {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "CidrIp": "0.0.0.0/0"},
    ]
    template = _resources(Sg={"Type": "AWS::EC2::SecurityGroup", "Properties": {"SecurityGroupIngress": rules}})
    out = cfn_template.cfn_defaults(template, "s")["Resources"]["Sg"]["Properties"]["SecurityGroupIngress"]
    assert out == [{"IpProtocol": "-1", "CidrIp": "0.0.0.0/0", "FromPort": -1, "ToPort": -1}, rules[1]]


# -- SAM -----------------------------------------------------------------------------------------
SAM = {
    "Transform": "AWS::Serverless-2016-10-31",
    "Globals": {"Function": {"Runtime": "python3.12", "MemorySize": 256}},
    "Resources": {
        "Fn": {"Type": "AWS::Serverless::Function", "Properties": {"Handler": "a.b", "InlineCode": "x = 1"}},
        "Queue": {"Type": "AWS::SQS::Queue"},
    },
    "Outputs": {"FnArn": {"Value": {"Fn::GetAtt": ["Fn", "Arn"]}}},
}


def test_sam_is_expanded() -> None:
    out = cfn_template.expand_sam(json.loads(json.dumps(SAM)), REGION)
    types = {k: v["Type"] for k, v in out["Resources"].items()}
    assert types == {"Fn": "AWS::Lambda::Function", "FnRole": "AWS::IAM::Role", "Queue": "AWS::SQS::Queue"}
    assert out["Resources"]["Fn"]["Properties"]["MemorySize"] == 256
    assert "Transform" not in out and "Globals" not in out
    assert cfn_template.expand_sam({"Resources": {}}, REGION) == {"Resources": {}}  # no transform: unchanged


def test_sam_keeps_other_transforms_and_refuses_what_cloudformation_refuses() -> None:
    both = {**json.loads(json.dumps(SAM)), "Transform": ["AWS::Serverless-2016-10-31", "AWS::LanguageExtensions"]}
    assert cfn_template.expand_sam(both, REGION)["Transform"] == ["AWS::LanguageExtensions"]
    local = json.loads(json.dumps(SAM))
    local["Resources"]["Fn"]["Properties"] = {"Handler": "a.b", "CodeUri": "./src"}
    with pytest.raises(
        cfn_template.TemplateError, match=r"Transform AWS::Serverless-2016-10-31 failed with: .*CodeUri"
    ):
        cfn_template.expand_sam(local, REGION)


def test_prepare_deploys_a_sam_function_into_moto() -> None:
    prepared = cfn_template.prepare(json.loads(json.dumps(SAM)), REGION, "AWSProton-x-cloudformation-ABC")
    assert prepared.skipped == {}
    with mock_aws():
        target = StackTarget("AWSProton-x-cloudformation-ABC", ACCOUNT, REGION)
        result = provisioners.build("moto").apply(target, prepared.body, None)
        assert result.outputs[0]["valueString"].endswith(":function:" + _function_name())
        assert {r["name"] for r in result.resources} == {"Fn", "FnRole", "Queue"}


def _function_name() -> str:
    (function,) = boto3.client("lambda", region_name=REGION).list_functions()["Functions"]
    return str(function["FunctionName"])


# -- deleting --------------------------------------------------------------------------------------
VPC = {
    "Resources": {
        "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.0.0.0/16"}},
        "Subnet": {"Type": "AWS::EC2::Subnet", "Properties": {"VpcId": {"Ref": "Vpc"}, "CidrBlock": "10.0.0.0/24"}},
        "Table": {"Type": "AWS::EC2::RouteTable", "Properties": {"VpcId": {"Ref": "Vpc"}}},
        "Assoc": {
            "Type": "AWS::EC2::SubnetRouteTableAssociation",
            "Properties": {"SubnetId": {"Ref": "Subnet"}, "RouteTableId": {"Ref": "Table"}},
        },
    }
}


def test_delete_removes_route_tables_and_the_vpc() -> None:
    with mock_aws():
        target = StackTarget("AWSProton-net-cloudformation-ABC", ACCOUNT, REGION)
        provisioners.build("moto").apply(target, json.dumps(VPC), None)
        ec2 = boto3.client("ec2", region_name=REGION)
        assert len([v for v in ec2.describe_vpcs()["Vpcs"] if not v["IsDefault"]]) == 1
        provisioners.build("moto").delete(target)
        assert [v for v in ec2.describe_vpcs()["Vpcs"] if not v["IsDefault"]] == []
        assert boto3.client("cloudformation", region_name=REGION).describe_stacks()["Stacks"] == []
        provisioners.build("moto").delete(target)  # already deleted: nothing to do
