"""Acceptance: AWS's CloudFormation sample templates registered from moto S3, published and deployed.

For every environment template of ``aws-samples__aws-proton-cloudformation-sample-templates`` (and
one compatible service template of each) the bundle is uploaded to moto's S3, registered, published
and deployed with its sample spec; the outputs must be the keys of the template's ``Outputs``.

Templates reach moto as CloudFormation would deploy them (provisioners/cfn_template.py): the SAM
transform expanded, property values converted to their schema types, names generated as
CloudFormation generates them. moto's CloudFormation lacks some resource types; the emulator leaves
those resources out and stands in placeholders for references to them. After the deployments, the
service and the environment are deleted: no stack and no VPC may be left behind. :data:`MOTO_MISSING` records,
per template, which types moto lacked when this test was written: the test fails when that changes
(a moto upgrade), so the list stays true.
"""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml
from botocore.exceptions import ClientError

from pytest_proton.emulator import proton_backends, provisioning
from pytest_proton.emulator.clock import ManualClock, use_clock
from pytest_proton.emulator.provisioners import cfn_template

from . import bundles
from .conftest import ACCOUNT, REGION

#: ../shared/corpus beside the project; PROTON_LINT_CORPUS names it elsewhere (a git worktree)
CORPUS = Path(os.environ.get("PROTON_LINT_CORPUS") or Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus")
SAMPLES = CORPUS / "aws-samples__aws-proton-cloudformation-sample-templates"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/proton"
REPO = {
    "repositoryConnectionArn": f"arn:aws:codestar-connections:{REGION}:{ACCOUNT}:connection/abc",
    "repositoryId": "org/repo",
    "branchName": "main",
}

#: (environment bundle, its spec, a compatible service bundle, its spec)
CASES = {
    "vpc-env": (
        "environment-templates/vpc-env/v1",
        "environment-templates/vpc-env/spec/spec.yaml",
        "service-templates/apigw-lambda-svc/v1",
        "service-templates/apigw-lambda-svc/spec/spec.yaml",
    ),
    "fargate-env": (
        "environment-templates/fargate-env/v1",
        "environment-templates/fargate-env/spec/spec.yaml",
        "service-templates/backend-fargate-svc/v1",
        "service-templates/backend-fargate-svc/spec/spec.yaml",
    ),
    "ecs-ec2-env": (
        "environment-templates/ecs-ec2-env/v1",
        "environment-templates/ecs-ec2-env/spec/spec.yaml",
        "service-templates/backend-ecs-ec2-svc/v1",
        "service-templates/backend-ecs-ec2-svc/spec/spec.yaml",
    ),
    "lambda-env": (
        "lambda-multi-svc/lambda-env/v1",
        "lambda-multi-svc/specs/env-spec.yaml",
        "lambda-multi-svc/service-crud/v1",
        "lambda-multi-svc/specs/svc-spec.yaml",
    ),
    "loadbalanced-fargate-env": (
        "loadbalanced-fargate-svc/loadbalanced-fargate-env/v1",
        "loadbalanced-fargate-svc/specs/env-spec.yaml",
        "loadbalanced-fargate-svc/loadbalanced-fargate-svc/v1",
        "loadbalanced-fargate-svc/specs/svc-spec.yaml",
    ),
    "microservices-env": (
        "public-private-fargate-microservices/microservices-env/v1",
        "public-private-fargate-microservices/specs/env-spec.yaml",
        "public-private-fargate-microservices/microservices-svc/private-fargate-svc/v1",
        "public-private-fargate-microservices/specs/svc-private-spec.yaml",
    ),
}

#: Resource types moto 5.2 cannot create, per deployed template (environment, instance, pipeline
#: when it deployed): the emulator leaves them out and stands in placeholders for references to them.
#: SAM templates are expanded first (cfn_template.expand_sam), so what is missing is what the
#: ``AWS::Serverless::*`` resources became (``AWS::ApiGatewayV2::*``), not the SAM types.
MOTO_MISSING: dict[str, dict[str, set[str]]] = {
    "fargate-env": {
        "environment": {"AWS::SNS::TopicPolicy", "AWS::ServiceDiscovery::PrivateDnsNamespace"},
        "instance": {
            "AWS::ApplicationAutoScaling::ScalableTarget",
            "AWS::ApplicationAutoScaling::ScalingPolicy",
            "AWS::ServiceDiscovery::Service",
        },
        "pipeline": {"AWS::CodeBuild::Project", "AWS::CodePipeline::Pipeline"},
    },
    "lambda-env": {
        "environment": set(),
        "instance": {"AWS::ApiGatewayV2::Api", "AWS::ApiGatewayV2::Stage"},
        "pipeline": {"AWS::CodeBuild::Project", "AWS::CodePipeline::Pipeline", "AWS::S3::BucketPolicy"},
    },
    "loadbalanced-fargate-env": {
        "environment": set(),
        "instance": {
            "AWS::ApplicationAutoScaling::ScalableTarget",
            "AWS::ApplicationAutoScaling::ScalingPolicy",
            "AWS::CloudWatch::Alarm",
        },
        "pipeline": {"AWS::CodeBuild::Project", "AWS::CodePipeline::Pipeline"},
    },
    "microservices-env": {
        "environment": {"AWS::ServiceDiscovery::PrivateDnsNamespace"},
        "instance": {"AWS::ServiceDiscovery::Service"},
        "pipeline": {"AWS::CodeBuild::Project", "AWS::CodePipeline::Pipeline"},
    },
    "vpc-env": {"environment": {"AWS::AppRunner::VpcConnector", "AWS::SNS::TopicPolicy"}},
}

#: Environments whose deployment fails, and why (a fragment of deploymentStatusMessage): real
#: defects of the samples that CloudFormation reports too (AWS Lambda blocks creating functions on
#: runtimes past their "Block function create" date: python3.6 since 2022).
ENV_FAILURES: dict[str, str] = {
    "ecs-ec2-env": "ECSDrainHookFunction (AWS::Lambda::Function) failed: Resource handler returned message: "
    '"The runtime parameter of python3.6 is no longer supported',
}

#: Service instances whose deployment fails, and why: apigw-lambda-svc's function runs on nodejs12.x,
#: whose creation AWS Lambda blocked in 2023. (loadbalanced-fargate-svc's target group
#: ``svc--frontend-dev`` deploys: AWS allows ``--``; moto_gaps lifts moto's stricter check.)
INSTANCE_FAILURES: dict[str, str] = {
    "vpc-env": 'LambdaFunction (AWS::Lambda::Function) failed: Resource handler returned message: "The runtime '
    "parameter of nodejs12.x is no longer supported",
}

#: Pipelines whose deployment fails, and why: apigw-lambda-svc's pipeline reads its instance's
#: outputs, which a failed instance does not have (Proton renders it with the same inputs).
PIPELINE_FAILURES: dict[str, str] = {
    "vpc-env": "service_instances[0].outputs.LambdaRuntime is undefined",
}

#: The date the runtime checks are made on (the emulator's clock): block dates only move forward.
AS_OF = datetime(2026, 12, 1, tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
def _as_of() -> Any:
    with use_clock(ManualClock(AS_OF)):
        yield

pytestmark = pytest.mark.skipif(not SAMPLES.is_dir(), reason="the corpus (../shared/corpus) is not here")


def _outputs_keys(text: str) -> set[str]:
    """The ``Outputs`` keys a template declares, read from its Jinja source (the samples list them plainly)."""
    outputs: set[str] = set()
    inside = False
    for line in text.splitlines():
        if line.startswith("Outputs:"):
            inside = True
            continue
        if inside and line and not line.startswith((" ", "#", "{")):
            inside = False
        if inside and line.startswith("  ") and not line.startswith("   ") and line.strip().endswith(":"):
            outputs.add(line.strip()[:-1])
    return outputs


def _register(client: Any, s3: Any, kind: str, name: str, folder: Path, **extra: Any) -> dict[str, Any]:
    source = bundles.upload(s3, f"{name}.tar.gz", bundles.folder_files(folder))
    getattr(client, f"create_{kind}_template")(name=name)
    version = getattr(client, f"create_{kind}_template_version")(templateName=name, source=source, **extra)
    key = "environmentTemplateVersion" if kind == "environment" else "serviceTemplateVersion"
    got = getattr(client, f"get_{kind}_template_version")(templateName=name, majorVersion="1", minorVersion="0")[key]
    assert got["status"] == "DRAFT", got.get("statusMessage")
    assert got["schema"] == (folder / "schema" / "schema.yaml").read_text()
    getattr(client, f"update_{kind}_template_version")(
        templateName=name, majorVersion="1", minorVersion="0", status="PUBLISHED"
    )
    return version


def _skipped(arn: str) -> set[str]:
    record = provisioning.stack_of(proton_backends[ACCOUNT][REGION], arn)
    assert record is not None
    return set(record.skipped.values())


@pytest.mark.parametrize("case", sorted(CASES))
def test_sample_deploys(proton: Any, s3: Any, cloudformation: Any, case: str) -> None:
    env_dir, env_spec, svc_dir, svc_spec = (SAMPLES / p for p in CASES[case])
    _register(proton, s3, "environment", case, env_dir)
    service_spec = svc_spec.read_text()
    env_names = {i["environment"] for i in yaml.safe_load(service_spec)["instances"]}
    env_name = env_names.pop()
    assert not env_names
    proton.create_environment(
        name=env_name,
        templateName=case,
        templateMajorVersion="1",
        spec=env_spec.read_text(),
        protonServiceRoleArn=ROLE,
    )
    environment = proton.get_environment(name=env_name)["environment"]
    if case in ENV_FAILURES:
        assert environment["deploymentStatus"] == "FAILED"
        assert ENV_FAILURES[case] in environment["deploymentStatusMessage"]
        assert [s["StackName"] for s in cloudformation.describe_stacks()["Stacks"]] == []
        return
    assert environment["deploymentStatus"] == "SUCCEEDED", environment.get("deploymentStatusMessage")
    env_template = (env_dir / "infrastructure" / "cloudformation.yaml").read_text()
    outputs = proton.list_environment_outputs(environmentName=env_name)["outputs"]
    assert {o["key"] for o in outputs} == _outputs_keys(env_template)
    resources = proton.list_environment_provisioned_resources(environmentName=env_name)["provisionedResources"]
    assert resources and all(r["provisioningEngine"] == "CLOUDFORMATION" for r in resources)
    stacks = cloudformation.describe_stacks()["Stacks"]
    assert [s["StackName"] for s in stacks if s["StackName"].startswith(f"AWSProton-{env_name}-")]
    missing = {"environment": _skipped(environment["arn"])}

    svc_name = svc_dir.parent.name
    has_pipeline = (svc_dir / "pipeline_infrastructure").is_dir()
    _register(
        proton,
        s3,
        "service",
        svc_name,
        svc_dir,
        compatibleEnvironmentTemplates=[{"templateName": case, "majorVersion": "1"}],
    )
    proton.create_service(
        name="svc",
        templateName=svc_name,
        templateMajorVersion="1",
        spec=service_spec,
        **(REPO if has_pipeline else {}),
    )
    service = proton.get_service(name="svc")["service"]
    instances = proton.list_service_instances(serviceName="svc")["serviceInstances"]
    for summary in instances:
        instance = proton.get_service_instance(serviceName="svc", name=summary["name"])["serviceInstance"]
        if case in INSTANCE_FAILURES:
            assert instance["deploymentStatus"] == "FAILED"
            assert INSTANCE_FAILURES[case] in instance["deploymentStatusMessage"]
            assert "instance_infrastructure/cloudformation.yaml" in instance["deploymentStatusMessage"]
            continue
        assert instance["deploymentStatus"] == "SUCCEEDED", instance.get("deploymentStatusMessage")
        keys = {
            o["key"]
            for o in proton.list_service_instance_outputs(serviceName="svc", serviceInstanceName=summary["name"])[
                "outputs"
            ]
        }
        assert keys == _outputs_keys((svc_dir / "instance_infrastructure" / "cloudformation.yaml").read_text())
        missing["instance"] = _skipped(instance["arn"])
    if has_pipeline and case in PIPELINE_FAILURES:
        pipeline = service["pipeline"]
        assert pipeline["deploymentStatus"] == "FAILED"
        assert PIPELINE_FAILURES[case] in pipeline["deploymentStatusMessage"]
        assert "pipeline_infrastructure/cloudformation.yaml" in pipeline["deploymentStatusMessage"]
    elif has_pipeline:
        pipeline = service["pipeline"]
        assert pipeline["deploymentStatus"] == "SUCCEEDED", pipeline.get("deploymentStatusMessage")
        keys = {o["key"] for o in proton.list_service_pipeline_outputs(serviceName="svc")["outputs"]}
        assert keys == _outputs_keys((svc_dir / "pipeline_infrastructure" / "cloudformation.yaml").read_text())
        missing["pipeline"] = _skipped(pipeline["arn"])
    failed = case in INSTANCE_FAILURES or case in PIPELINE_FAILURES
    assert service["status"] == ("CREATE_FAILED" if failed else "ACTIVE"), service.get("statusMessage")
    for types in missing.values():
        assert not types & cfn_template.moto_types()
    assert missing == MOTO_MISSING[case]

    # Deleting the service, then the environment, deletes every stack and what they made.
    proton.delete_service(name="svc")
    with pytest.raises(ClientError):
        proton.get_service(name="svc")
    proton.delete_environment(name=env_name)
    with pytest.raises(ClientError):
        proton.get_environment(name=env_name)
    assert [s["StackName"] for s in cloudformation.describe_stacks()["Stacks"]] == []
    vpcs = boto3.client("ec2", region_name=REGION).describe_vpcs()["Vpcs"]
    assert [v["VpcId"] for v in vpcs if not v.get("IsDefault")] == []
