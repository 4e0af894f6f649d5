"""``proton-lint migrate`` on the emulator over HTTP: the examples deployed through Proton, then taken off it."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from proton_lint.migrate.replacement import parse_template

from .conftest import World, write_inventory

ENV_SPEC_NEW_CIDR = """proton: EnvironmentSpec
spec:
  vpc_cidr: "10.9.0.0/16"
  subnet_one_cidr: "10.1.0.0/18"
  subnet_two_cidr: "10.1.64.0/18"
  stage: "prod"
  flow_log_retention_days: 90
"""


def _results(stdout: str) -> list[str]:
    """What each step ended as (``[2/4] service_instance/orders/one: unchanged``)."""
    return [line.rsplit(": ", 1)[1] for line in stdout.splitlines() if line.startswith("[") and "stack " not in line]


def _physical_ids(cloudformation: Any, stack: str) -> dict[str, str]:
    resources = cloudformation.describe_stack_resources(StackName=stack)["StackResources"]
    return {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in resources}


def _outputs(cloudformation: Any, stack: str) -> dict[str, str]:
    (found,) = cloudformation.describe_stacks(StackName=stack)["Stacks"]
    return {o["OutputKey"]: o["OutputValue"] for o in found.get("Outputs") or []}


def test_plan_apply_and_refused_replacement(world: World, tmp_path: Path) -> None:
    cloudformation = world.cloudformation()
    inventory = write_inventory(tmp_path)  # step 2
    out = tmp_path / "out"

    # step 3: the plan names the live stacks, and renders what the emulator deployed, with real outputs
    code, stdout, stderr = world.migrate(inventory, out)
    assert code == 0, stderr
    plan = json.loads((out / "plan.json").read_text())
    assert plan["version"] == 1
    steps = plan["steps"]
    assert [s["kind"] for s in steps] == ["environment", "service_instance", "service_instance", "service_pipeline"]
    live = {s["StackName"] for s in cloudformation.describe_stacks()["Stacks"]}
    for step in steps:
        assert step["engine"] == "cloudformation"
        assert step["stack_exists"] is True and step["stack_name"] in live, step
        deployed = cloudformation.get_template(StackName=step["stack_name"])["TemplateBody"]
        rendered = (out / step["template"]).read_text()
        assert parse_template(rendered) == parse_template(deployed), step["id"]
    assert steps[1]["depends_on"] == ["environment/dev"]
    assert steps[3]["depends_on"] == ["service_instance/orders/one", "service_instance/orders/two"]
    env_outputs = _outputs(cloudformation, steps[0]["stack_name"])
    for instance in steps[1:3]:
        text = (out / instance["template"]).read_text()
        assert f"'{env_outputs['VpcId']}'" in text and f"'{env_outputs['SubnetIds']}'" in text
    script = (out / "deploy.sh").read_text()
    assert "cfn deploy \\\n  --stack-name AWSProton-dev-cloudformation--" in script
    assert "--tags proton:environment=arn:aws:proton:us-east-1:123456789012:environment/dev" in script
    assert subprocess.run(["sh", "-n", str(out / "deploy.sh")], check=False).returncode == 0
    assert "| 1 | `environment/dev` |" in (out / "README.md").read_text()

    # step 4: --apply leaves every stack updated or unchanged, every resource with its physical ID
    # (instance one's memory changes in its spec: an update in place)
    spec = tmp_path / "specs" / "orders.yaml"
    spec.write_text(spec.read_text().replace("lambda_memory: 512", "lambda_memory: 1024"))
    before = {s["stack_name"]: _physical_ids(cloudformation, s["stack_name"]) for s in steps}
    tags = {s["StackName"]: s["Tags"] for s in cloudformation.describe_stacks()["Stacks"]}
    code, stdout, stderr = world.migrate(inventory, out, "--apply")
    assert code == 0, stderr
    assert _results(stdout) == ["unchanged", "updated (1 resource change)", "unchanged", "unchanged"], stdout
    assert {name: _physical_ids(cloudformation, name) for name in before} == before
    assert {s["StackName"]: s["Tags"] for s in cloudformation.describe_stacks()["Stacks"]} == tags  # tags kept
    functions = world.emu.client("lambda").list_functions()["Functions"]
    assert {f["FunctionName"]: f["MemorySize"] for f in functions}["orders-one"] == 1024
    code, stdout, stderr = world.migrate(inventory, out, "--apply")  # a rerun has nothing left to do
    assert code == 0, stderr
    assert _results(stdout) == ["unchanged"] * 4, stdout

    # step 5: a spec input that forces a replacement is refused without --allow-replacement
    (tmp_path / "specs" / "dev.yaml").write_text(ENV_SPEC_NEW_CIDR)
    template_before = cloudformation.get_template(StackName=steps[0]["stack_name"])["TemplateBody"]
    code, stdout, stderr = world.migrate(inventory, out, "--apply")
    assert code == 1, stdout
    assert "environment/dev: stopped before changing stack AWSProton-dev-cloudformation--" in stderr
    assert 'VPC (AWS::EC2::VPC): CidrBlock changes from "10.1.0.0/16" to "10.9.0.0/16"' in stderr
    assert "--allow-replacement" in stderr and "Traceback" not in stderr
    assert cloudformation.get_template(StackName=steps[0]["stack_name"])["TemplateBody"] == template_before
    summaries = cloudformation.list_change_sets(StackName=steps[0]["stack_name"]).get("Summaries", [])
    assert [c for c in summaries if c["StackName"] == steps[0]["stack_name"]] == []  # the refused one is deleted
    assert {name: _physical_ids(cloudformation, name) for name in before} == before


def test_brand_new_environment_and_service_are_created_in_order(world: World, tmp_path: Path) -> None:
    cloudformation = world.cloudformation()
    inventory = write_inventory(tmp_path, env="fresh", service="greenfield")
    out = tmp_path / "out"
    code, stdout, stderr = world.migrate(inventory, out)
    assert code == 0, stderr
    steps = json.loads((out / "plan.json").read_text())["steps"]
    assert [(s["stack_name"], s["stack_exists"]) for s in steps] == [
        ("AWSProton-fresh-migrate", False),
        ("AWSProton-greenfield-one-migrate", False),
        ("AWSProton-greenfield-two-migrate", False),
        ("AWSProton-greenfield-migrate", False),
    ]
    assert steps[0]["template"] is not None
    assert all(s["template"] is None for s in steps[1:])  # they read outputs no stack has yet
    assert "rerun proton-lint migrate" in (out / "deploy.sh").read_text()
    assert subprocess.run(["sh", "-n", str(out / "deploy.sh")], check=False).returncode == 0

    code, stdout, stderr = world.migrate(inventory, out, "--apply")
    assert code == 0, stderr
    assert [
        line.rsplit(": ", 1)[1] for line in stdout.splitlines() if line.startswith("[") and "stack " not in line
    ] == ["created"] * 4
    env_outputs = _outputs(cloudformation, "AWSProton-fresh-migrate")
    assert env_outputs["VpcId"].startswith("vpc-")
    instance_text = (out / "templates/services/greenfield/instances/one/cloudformation.yaml").read_text()
    assert f"VpcId: '{env_outputs['VpcId']}'" in instance_text
    tags = cloudformation.describe_stacks(StackName="AWSProton-greenfield-one-migrate")["Stacks"][0]["Tags"]
    assert {
        "Key": "proton:service-instance",
        "Value": "arn:aws:proton:us-east-1:123456789012:service/greenfield/service-instance/one",
    } in tags
    plan = json.loads((out / "plan.json").read_text())["steps"]
    assert all(s["stack_exists"] and s["template"] for s in plan)

    # a rerun finds the new stacks by their tags, and has nothing to do
    code, stdout, stderr = world.migrate(inventory, out, "--apply")
    assert code == 0, stderr
    assert stdout.count(": unchanged") == 4, stdout


def test_a_directly_defined_component_goes_between_its_environment_and_its_instance(
    world: World, tmp_path: Path
) -> None:
    cloudformation = world.cloudformation()
    inventory = write_inventory(tmp_path)
    inventory.write_text(
        inventory.read_text().replace(
            "components: []\n",
            "components:\n  - name: cache\n    environment: dev\n    template: component-templates/cache-component\n"
            "    service: orders\n    instance: one\n",
        )
    )
    out = tmp_path / "out"
    code, _, stderr = world.migrate(inventory, out)
    assert code == 0, stderr
    steps = json.loads((out / "plan.json").read_text())["steps"]
    assert [s["id"] for s in steps][:3] == ["environment/dev", "component/cache", "service_instance/orders/one"]
    component, instance = steps[1], steps[2]
    assert component["depends_on"] == ["environment/dev"]
    assert component["stack_name"] == "AWSProton-component-cache-migrate" and component["stack_exists"] is False
    assert instance["depends_on"] == ["environment/dev", "component/cache"]
    assert instance["template"] is not None  # its template does not read the component's outputs
    env_outputs = _outputs(cloudformation, steps[0]["stack_name"])
    text = (out / component["template"]).read_text()
    assert f"VpcId: '{env_outputs['VpcId']}'" in text
    assert "CacheNodeType: 'cache.t4g.micro'" in text  # the instance's input (its schema's default)
    assert "Redis access for one" in text
