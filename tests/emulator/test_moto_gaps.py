"""moto_gaps: the CloudFormation handlers the emulator adds to moto (a route table's delete, a VPC's update)."""

from __future__ import annotations

from typing import Any

import boto3

from .conftest import REGION

STACK = """AWSTemplateFormatVersion: "2010-09-09"
Resources:
  VPC:
    Type: AWS::EC2::VPC
    Properties:
      CidrBlock: "{cidr}"
      Tags:
        - Key: stage
          Value: "{stage}"
  Subnet:
    Type: AWS::EC2::Subnet
    Properties:
      VpcId: !Ref VPC
      CidrBlock: "10.1.0.0/24"
  RouteTable:
    Type: AWS::EC2::RouteTable
    Properties:
      VpcId: !Ref VPC
  Association:
    Type: AWS::EC2::SubnetRouteTableAssociation
    Properties:
      RouteTableId: !Ref RouteTable
      SubnetId: !Ref Subnet
Outputs:
  VpcId:
    Value: !Ref VPC
  Cidr:
    Value: !GetAtt VPC.CidrBlock
"""


def _outputs(cloudformation: Any) -> dict[str, str]:
    stack = cloudformation.describe_stacks(StackName="net")["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def test_a_stack_with_a_route_table_deletes(cloudformation: Any) -> None:
    ec2 = boto3.client("ec2", region_name=REGION)
    cloudformation.create_stack(StackName="net", TemplateBody=STACK.format(cidr="10.1.0.0/16", stage="dev"))
    vpc_id = _outputs(cloudformation)["VpcId"]
    cloudformation.delete_stack(StackName="net")  # moto alone: DependencyViolation (the route table stays)
    assert vpc_id not in {v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"]}
    assert not ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["RouteTables"]


def test_a_vpc_tag_update_keeps_the_vpc(cloudformation: Any) -> None:
    ec2 = boto3.client("ec2", region_name=REGION)
    cloudformation.create_stack(StackName="net", TemplateBody=STACK.format(cidr="10.1.0.0/16", stage="dev"))
    before = _outputs(cloudformation)
    cloudformation.update_stack(StackName="net", TemplateBody=STACK.format(cidr="10.1.0.0/16", stage="prod"))
    assert _outputs(cloudformation) == before  # moto alone: the VPC drops out of the stack
    (vpc,) = ec2.describe_vpcs(VpcIds=[before["VpcId"]])["Vpcs"]
    assert {t["Key"]: t["Value"] for t in vpc["Tags"]}["stage"] == "prod"


def test_a_new_cidr_replaces_the_vpc(cloudformation: Any) -> None:
    cloudformation.create_stack(StackName="net", TemplateBody=STACK.format(cidr="10.1.0.0/16", stage="dev"))
    before = _outputs(cloudformation)
    cloudformation.update_stack(StackName="net", TemplateBody=STACK.format(cidr="10.1.0.0/20", stage="dev"))
    after = _outputs(cloudformation)
    assert after["Cidr"] == "10.1.0.0/20" and after["VpcId"] != before["VpcId"]


def test_a_stack_deletes_after_a_vpc_tag_update(cloudformation: Any) -> None:
    ec2 = boto3.client("ec2", region_name=REGION)
    cloudformation.create_stack(StackName="net", TemplateBody=STACK.format(cidr="10.1.0.0/16", stage="dev"))
    cloudformation.update_stack(StackName="net", TemplateBody=STACK.format(cidr="10.1.0.0/16", stage="prod"))
    vpc_id = _outputs(cloudformation)["VpcId"]
    cloudformation.delete_stack(StackName="net")
    assert vpc_id not in {v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"]}


FUNCTION = """AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: {{Version: "2012-10-17", Statement: []}}
  Function:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      MemorySize: {memory}
      Role: !GetAtt Role.Arn
      Code:
        ZipFile: |
          def handler(event, context):
              return event
"""


def test_a_function_with_inline_code_updates(cloudformation: Any) -> None:
    awslambda = boto3.client("lambda", region_name=REGION)
    cloudformation.create_stack(StackName="fn", TemplateBody=FUNCTION.format(memory=128))
    cloudformation.update_stack(StackName="fn", TemplateBody=FUNCTION.format(memory=256))  # moto: Incorrect padding
    stack = cloudformation.describe_stacks(StackName="fn")["Stacks"][0]
    assert stack["StackStatus"] == "UPDATE_COMPLETE"
    (function,) = awslambda.list_functions()["Functions"]
    assert function["MemorySize"] == 256
