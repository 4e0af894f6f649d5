"""--apply when CloudFormation fails a step: the plan stops there, with CloudFormation's reason."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

from proton_lint.migrate import inventory as inventory_module
from proton_lint.migrate.apply import Applier, Waiting
from proton_lint.migrate.errors import MigrateError
from proton_lint.migrate.plan import build
from proton_lint.migrate.upstream import Upstream

from .conftest import write_inventory


class FailingCloudFormation:
    """Creates stacks that fail: the first resource's event gives the reason, as CloudFormation's do."""

    def __init__(self) -> None:
        self.created: list[str] = []
        self.polls = 0

    def create_stack(self, **kwargs: Any) -> dict[str, str]:
        self.created.append(kwargs["StackName"])
        return {"StackId": f"arn:aws:cloudformation:us-east-1:123456789012:stack/{kwargs['StackName']}/1"}

    def describe_stacks(self, StackName: str) -> dict[str, Any]:
        self.polls += 1
        status = "CREATE_IN_PROGRESS" if self.polls < 3 else "DELETE_COMPLETE"
        return {"Stacks": [{"StackName": StackName, "StackStatus": status}]}

    def describe_stack_events(self, StackName: str) -> dict[str, Any]:
        return {
            "StackEvents": [  # newest first
                {
                    "LogicalResourceId": "SubnetOne",
                    "ResourceType": "AWS::EC2::Subnet",
                    "ResourceStatus": "CREATE_FAILED",
                    "ResourceStatusReason": "Resource creation cancelled",
                },
                {
                    "LogicalResourceId": "VPC",
                    "ResourceType": "AWS::EC2::VPC",
                    "ResourceStatus": "CREATE_FAILED",
                    "ResourceStatusReason": "The CIDR '999.1.0.0/16' is invalid.",
                },
            ]
        }


class FakeAws:
    region = "us-east-1"
    account_id = "123456789012"

    def __init__(self) -> None:
        self.cloudformation = FailingCloudFormation()

    def stacks(self) -> list[Any]:
        return []

    def describe(self, name: str) -> None:
        return None

    def forget(self) -> None:
        pass


def test_a_failed_create_stops_the_plan_with_the_first_failed_resource(tmp_path: Path) -> None:
    inventory = inventory_module.load(write_inventory(tmp_path, env="broken", service="never"))
    aws = FakeAws()
    plan = build(inventory, aws)  # type: ignore[arg-type]
    out = io.StringIO()
    slept: list[float] = []
    applier = Applier(plan, aws, Upstream(plan, aws), out=out, waiting=Waiting(first=1, longest=4, sleep=slept.append))  # type: ignore[arg-type]
    with pytest.raises(MigrateError) as caught:
        applier.run()
    assert str(caught.value) == (
        "environment/broken: creating stack AWSProton-broken-migrate ended DELETE_COMPLETE: "
        "VPC (AWS::EC2::VPC): The CIDR '999.1.0.0/16' is invalid."
    )
    assert aws.cloudformation.created == ["AWSProton-broken-migrate"]  # nothing after the failed step
    assert slept == [1, 2]  # polled with a growing delay
    assert out.getvalue() == "[1/4] environment/broken: stack AWSProton-broken-migrate ...\n"
