"""Acceptance: AWS's CloudFormation sample templates registered from moto S3, published and deployed.

For every environment template of ``aws-samples__aws-proton-cloudformation-sample-templates`` (and
one compatible service template of each) the bundle is uploaded to moto's S3, registered, published
and deployed with its sample spec; the outputs must be the keys of the template's ``Outputs``.

Templates reach moto as CloudFormation would deploy them (provisioners/cfn_template.py): checked
against the resource catalogue, the SAM transform expanded, property values converted to their
schema types, names generated as CloudFormation generates them. Resources moto cannot make are
simulated. After the deployments, the service and the environment are deleted: no stack and no VPC
may be left behind. :data:`MOTO_MISSING` records, per template, which types were simulated when
this test was written: the test fails when that changes (a moto upgrade), so the list stays true.

:func:`test_everything_in_the_corpus_deploys_as_on_aws` (below) deploys every CloudFormation
template of the corpus and compares the verdicts with ``corpus_deployments.json`` (issue 11 §4).
"""

from __future__ import annotations

import json
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
from pytest_proton.emulator.provisioners.base import StackTarget

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

#: Resource types the emulator simulated (moto 5.2 cannot create them), per deployed template
#: (environment, instance, pipeline when it deployed).
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


# -- deploy everything -----------------------------------------------------------------------------
#: Every CloudFormation environment, service instance, pipeline and component of the corpus,
#: rendered with its sample specs (schema defaults where a repository has none) and deployed.
EVERYTHING = Path(__file__).with_name("corpus_deployments.json")
CFN_REPOSITORIES = (
    "aws-samples__aws-proton-cloudformation-sample-templates",
    "aws-samples__aws-proton-sample-templates",
    "aws-samples__aws-proton-template-checker-action",
    "aws-samples__aws-proton-workshop-code",
)


def _corpus_renderings() -> list[Any]:
    from proton_lint.contexts import renderings
    from proton_lint.discover import discover
    from proton_lint.engine import LintOptions
    from proton_lint.repo import Repository

    roots = [CORPUS / name for name in CFN_REPOSITORIES]
    found = discover(roots)
    Repository(found.bundles, roots, LintOptions(entry_points=False))
    return [r for bundle in found.bundles for r in renderings(bundle)]


def _key(rendering: Any) -> str:
    path = rendering.bundle.display(rendering.rel).split("corpus/", 1)[-1]
    label = rendering.label.replace(str(CORPUS.resolve()) + "/", "").replace("../../shared/corpus/", "")
    return f"{path} [{label.split('corpus/')[-1]}]"


def _verdict(rendering: Any, result: Any, provisioner: Any, index: int) -> tuple[dict[str, Any], dict[str, str]]:
    """What deploying one rendering gives: SUCCEEDED, SIMULATED (which resources, why) or FAILED (the
    defect); and the stack's outputs (the stack is kept: environments' outputs feed their services)."""
    if not result.ok:
        error = result.errors[0]
        return {"status": "FAILED", "defect": f"Rendering failed at line {error.line}: {error.message}"}, {}
    target = StackTarget(f"corpus-{index}", ACCOUNT, REGION)
    try:
        parsed = cfn_template.parse(result.text or "")
    except cfn_template.TemplateError as error:
        return {"status": "FAILED", "defect": error.message}, {}
    applied = provisioning.provision(provisioner, target, parsed, result.text or "", None, now=AS_OF)
    if isinstance(applied, str):
        return {"status": "FAILED", "defect": applied.replace(f"the stack {target.stack_name}: ", "the stack: ")}, {}
    stack, prepared = applied
    outputs = {o["key"]: o["valueString"] for o in stack.outputs}
    declared = {k for k, v in (parsed.get("Outputs") or {}).items() if not (isinstance(v, dict) and "Condition" in v)}
    if set(outputs) != declared:
        return {"status": "OUTPUTS_DIFFER", "missing": sorted(declared - set(outputs))}, outputs
    if prepared.simulated:
        simulated = {n: f"{s.type_name}: {s.reason}" for n, s in prepared.simulated.items()}
        return {"status": "SIMULATED", "simulated": simulated}, outputs
    return {"status": "SUCCEEDED"}, outputs


def _environments_of(rendering: Any) -> list[Any]:
    values = rendering.values
    found = [i.environment for i in values.service_instances if i.environment is not None]
    if values.service_instance is not None and values.service_instance.environment is not None:
        found.append(values.service_instance.environment)
    return found


def _with_real_environment(rendering: Any, deployed: list[tuple[str, dict[str, str]]]) -> Any:
    """The rendering again, its environment outputs those of a deployed environment of the same
    repository that has every output it reads (the nearest by path), as Proton renders it."""
    import dataclasses

    from proton_lint.render import build_context, render

    environments = _environments_of(rendering)
    wanted = set().union(*(set(e.outputs) for e in environments)) if environments else set()
    where = rendering.bundle.display(rendering.rel)
    candidates = [(path, out) for path, out in deployed if wanted and wanted <= set(out)]
    if wanted and not candidates:
        return None  # no environment it can run in deployed (Proton would not deploy it either)
    if not candidates:
        return rendering.result
    _, outputs = max(candidates, key=lambda c: len(os.path.commonpath([c[0], where])))
    for environment in environments:
        environment.outputs = {**environment.outputs, **outputs}
    values = dataclasses.replace(rendering.values)
    text = rendering.bundle.read_text(rendering.rel)
    return render(text, build_context(rendering.kind, values), template_name=where)


def deploy_everything() -> dict[str, dict[str, Any]]:
    """The table: rendering -> verdict (``python -m tests.emulator.test_corpus_deployments`` rewrites it).

    Environments deploy first; each service instance, pipeline and component is then rendered with the
    real outputs of an environment of its repository (the fake outputs of the linter's renderings
    name VPCs and clusters that do not exist) and deployed, then deleted.
    """
    from moto import mock_aws

    from pytest_proton.emulator import provisioners

    provisioner = provisioners.build("moto")
    table: dict[str, dict[str, Any]] = {}
    everything = _corpus_renderings()
    for repository in CFN_REPOSITORIES:
        mine = [r for r in everything if f"{repository}/" in r.bundle.display(r.rel)]
        with use_clock(ManualClock(AS_OF)), mock_aws():
            table.update(_deploy_repository(mine, provisioner))
    return dict(sorted(table.items()))


def _deploy_repository(everything: list[Any], provisioner: Any) -> dict[str, dict[str, Any]]:
    """One repository's renderings in one account: its environments, then the rest."""
    from proton_lint.render import TemplateKind

    table: dict[str, dict[str, Any]] = {}
    environments = [r for r in everything if r.kind is TemplateKind.ENVIRONMENT]
    deployed: list[tuple[str, dict[str, str]]] = []
    for index, rendering in enumerate(environments):
        table[_key(rendering)], outputs = _verdict(rendering, rendering.result, provisioner, index)
        if outputs:
            deployed.append((rendering.bundle.display(rendering.rel), outputs))
    others = [r for r in everything if r.kind is not TemplateKind.ENVIRONMENT]
    for index, rendering in enumerate(others, start=len(environments)):
        result = _with_real_environment(rendering, deployed) if rendering.result.ok else rendering.result
        if result is None:
            why = "no environment of its repository with the outputs it reads deployed"
            table[_key(rendering)] = {"status": "NOT_DEPLOYED", "why": why}
            continue
        table[_key(rendering)], _ = _verdict(rendering, result, provisioner, index)
        provisioner.delete(StackTarget(f"corpus-{index}", ACCOUNT, REGION))
    return table


def counts(table: dict[str, dict[str, Any]]) -> dict[str, int]:
    found: dict[str, int] = {}
    for verdict in table.values():
        found[verdict["status"]] = found.get(verdict["status"], 0) + 1
    return dict(sorted(found.items()))


def test_everything_in_the_corpus_deploys_as_on_aws() -> None:
    """Every verdict is the committed one; none is a failure CloudFormation would not give."""
    table = deploy_everything()
    expected = json.loads(EVERYTHING.read_text())
    assert table == expected["deployments"]
    assert counts(table) == expected["counts"]
    assert "OUTPUTS_DIFFER" not in expected["counts"]


if __name__ == "__main__":
    result = deploy_everything()
    EVERYTHING.write_text(json.dumps({"counts": counts(result), "deployments": result}, indent=1) + "\n")
    print(counts(result))
