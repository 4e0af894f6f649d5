"""What moto's change sets give, and the gap the emulator fills (pytest_proton.emulator.moto_gaps)."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from moto import mock_aws

from proton_lint.migrate.replacement import refusals
from pytest_proton.emulator import moto_gaps

BEFORE = {
    "Resources": {"Queue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "a", "DelaySeconds": 1}}},
    "Outputs": {"Name": {"Value": {"Fn::GetAtt": ["Queue", "QueueName"]}}},
}


def _after(name: str, delay: int) -> dict[str, Any]:
    after = json.loads(json.dumps(BEFORE))
    after["Resources"]["Queue"]["Properties"].update(QueueName=name, DelaySeconds=delay)
    after["Outputs"]["Delay"] = {"Value": str(delay)}
    return after


@pytest.fixture
def cloudformation(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    moto_gaps.apply()
    with mock_aws():
        yield boto3.client("cloudformation", region_name="us-east-1")


def _change_set(cloudformation: Any, template: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    made = cloudformation.create_change_set(
        StackName="s", ChangeSetName=f"cs-{kind}", TemplateBody=json.dumps(template), ChangeSetType=kind
    )
    changes = cloudformation.describe_change_set(ChangeSetName=made["Id"], StackName="s")["Changes"]
    cloudformation.execute_change_set(ChangeSetName=made["Id"], StackName="s")
    return changes  # type: ignore[no-any-return]


def _outputs(cloudformation: Any) -> dict[str, str]:
    stack = cloudformation.describe_stacks(StackName="s")["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs") or []}


def test_outputs_follow_executed_change_sets_and_replacement_is_worked_out(cloudformation: Any) -> None:
    _change_set(cloudformation, BEFORE, "CREATE")
    assert _outputs(cloudformation) == {"Name": "a"}  # moto alone: no outputs after a CREATE change set
    changes = _change_set(cloudformation, _after("a", 5), "UPDATE")
    assert _outputs(cloudformation) == {"Name": "a", "Delay": "5"}  # moto alone: the outputs before
    (change,) = changes
    assert change["ResourceChange"]["Action"] == "Modify"
    assert "Replacement" not in change["ResourceChange"]  # moto 5.2 does not say
    assert refusals(changes, _after("a", 1), _after("a", 5), "us-east-1") == []  # DelaySeconds: in place
    (refused,) = refusals(changes, _after("a", 5), _after("b", 5), "us-east-1")
    assert refused.logical_id == "Queue" and refused.reason.startswith('QueueName changes from "a" to "b"')


def test_cloudformation_own_replacement_wins() -> None:
    change = {
        "ResourceChange": {
            "Action": "Modify",
            "LogicalResourceId": "Db",
            "ResourceType": "AWS::RDS::DBInstance",
            "Replacement": "Conditional",
            "Details": [{"Target": {"Name": "DBInstanceClass", "RequiresRecreation": "Conditionally"}}],
        }
    }
    (refused,) = refusals([change], {}, {}, "us-east-1")
    assert str(refused) == (
        "Db (AWS::RDS::DBInstance): CloudFormation may replace it (Replacement: Conditional) "
        "(properties: DBInstanceClass)"
    )
    removed = {"ResourceChange": {"Action": "Remove", "LogicalResourceId": "Old", "ResourceType": "AWS::SNS::Topic"}}
    assert [r.reason for r in refusals([removed], {}, {}, "us-east-1")] == [
        "the change set removes it (it is not in the new template)"
    ]
    kept = {
        "ResourceChange": {"Action": "Modify", "LogicalResourceId": "T", "ResourceType": "X", "Replacement": "False"}
    }
    assert refusals([kept], {}, {}, "us-east-1") == []
