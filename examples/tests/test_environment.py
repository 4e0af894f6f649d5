"""vpc-env through every step: publish, deploy with the sample spec, update, cancel, fail, delete."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from pytest_proton.errors import DeploymentFailed

EXAMPLES = Path(__file__).resolve().parents[1]
VPC_ENV = EXAMPLES / "environment-templates" / "vpc-env"

#: the sample spec's inputs; an update sends the whole spec (inputs left out take their defaults)
SAMPLE = yaml.safe_load((VPC_ENV / "spec" / "spec.yaml").read_text(encoding="utf-8"))["spec"]
VPC_OUTPUTS = {"VpcId", "VpcCidr", "SubnetOneId", "SubnetTwoId", "SubnetIds", "DefaultSecurityGroupId"}


def test_deploys_with_the_sample_spec(proton_env, vpc_template):
    env = proton_env(vpc_template)  # spec/spec.yaml beside v1/
    described = env.describe()
    assert env.status == "SUCCEEDED"
    assert described["templateName"] == vpc_template.name
    assert (described["templateMajorVersion"], described["templateMinorVersion"]) == ("1", "0")
    assert yaml.safe_load(described["spec"])["spec"]["vpc_cidr"] == "10.1.0.0/16"


def test_deploys_with_a_spec_dict(proton_env, vpc_template):
    # The subnets' CIDRs must lie inside the VPC's (their defaults are inside 10.0.0.0/16), as in AWS.
    inputs = {"vpc_cidr": "10.9.0.0/16", "subnet_one_cidr": "10.9.0.0/18", "subnet_two_cidr": "10.9.64.0/18"}
    env = proton_env(vpc_template, {**inputs, "stage": "dev"})
    assert env.status == "SUCCEEDED"
    assert yaml.safe_load(env.describe()["spec"]) == {"proton": "EnvironmentSpec", "spec": {**inputs, "stage": "dev"}}
    assert env.outputs["VpcCidr"] == "10.9.0.0/16"


def test_outputs_expose_vpc_id(shared_env):
    """The stack's Outputs become the environment's outputs."""
    outputs = shared_env.outputs
    assert set(outputs) >= VPC_OUTPUTS
    assert outputs["VpcId"].startswith("vpc-")
    assert outputs["VpcCidr"] == "10.1.0.0/16"


def test_outputs_provisioned_resources_include_the_vpc(shared_env):
    """Stack resources become provisioned resources."""
    identifiers = {r["identifier"] for r in shared_env.provisioned_resources}
    assert shared_env.outputs["VpcId"] in identifiers


def test_update_spec_in_place(proton_env, vpc_template):
    env = proton_env(vpc_template)
    env.update({**SAMPLE, "stage": "staging"})
    described = env.describe()
    assert described["deploymentStatus"] == "SUCCEEDED"
    assert yaml.safe_load(described["spec"])["spec"]["stage"] == "staging"


def test_update_to_a_new_minor_version(proton_template, proton_env):
    template = proton_template(VPC_ENV)
    env = proton_env(template)
    minor = template.new_version()  # v1 again, registered as 1.1
    assert minor.version == "1.1"
    env.update(template=minor)
    assert (env.describe()["templateMajorVersion"], env.describe()["templateMinorVersion"]) == ("1", "1")


def test_outputs_survive_a_minor_update(proton_template, proton_env):
    """Updating to the new minor keeps the outputs."""
    template = proton_template(VPC_ENV)
    env = proton_env(template)
    before = env.outputs
    env.update(template=template.new_version())
    assert "VpcId" in before
    assert env.outputs == before


def test_a_deployment_can_be_cancelled_and_rolls_back(proton_env, vpc_template, proton_controls):
    env = proton_env(vpc_template)
    with proton_controls.holding():
        env.update({**SAMPLE, "stage": "staging"}, wait=False)
        assert env.status == "IN_PROGRESS"
        env.cancel()
    described = env.describe()
    assert described["deploymentStatus"] == "CANCELLED"
    assert yaml.safe_load(described["spec"])["spec"]["stage"] == "prod"  # the sample spec's value


def test_a_failed_deployment_quotes_its_message(proton_env, vpc_template, proton_controls):
    proton_controls.fail_next("CIDR 10.1.0.0/16 overlaps an existing VPC")
    with pytest.raises(DeploymentFailed, match="overlaps an existing VPC") as excinfo:
        proton_env(vpc_template)
    assert excinfo.value.status == "FAILED"


def test_delete(proton_env, vpc_template, proton_client):
    env = proton_env(vpc_template)
    env.delete()
    names = {e["name"] for e in proton_client.list_environments()["environments"]}
    assert env.name not in names
