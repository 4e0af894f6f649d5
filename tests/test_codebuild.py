"""CodeBuild provisioning: PL115 (files the commands run) and family 8 (PL821-PL827)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from proton_lint.engine import Linter, LintOptions
from proton_lint.findings import Severity

from .bundles import write_bundle
from .conftest import CORPUS

NOTIFY = "aws proton notify-resource-deployment-status-change --resource-arn $RESOURCE_ARN --outputs file://o.json"


def _manifest(
    provision: list[str], extra: str = "", deprovision: tuple[str, ...] = ("npx cdk destroy --force",)
) -> str:
    lines = [
        "infrastructure:",
        "  templates:",
        "    - rendering_engine: codebuild",
        "      settings:",
        "        image: aws/codebuild/amazonlinux2-x86_64-standard:4.0",
        "        runtimes:",
        "          nodejs: 16",
    ]
    lines += [f"        {line}" for line in textwrap.dedent(extra).splitlines() if line.strip()]
    lines.append("        provision:")
    lines += [f"          - {json_quote(c)}" for c in provision]
    lines.append("        deprovision:")
    lines += [f"          - {json_quote(c)}" for c in deprovision]
    return "\n".join(lines) + "\n"


def json_quote(command: str) -> str:
    import json

    return json.dumps(command)


def _env(tmp_path: Path, files: dict[str, str | None]) -> Path:
    root = tmp_path / "env" / "v1"
    write_bundle(root, "codebuild-environment", files)
    return tmp_path


def _lint(root: Path, select: str = "PL82") -> list:
    return Linter(LintOptions(entry_points=False, select=(select,))).run([root]).findings


def _service(tmp_path: Path, instance: str, pipeline: str, files: dict[str, str] | None = None) -> Path:
    root = tmp_path / "svc" / "v1"
    schema = """\
schema:
  format:
    openapi: "3.0.0"
  service_input_type: "SvcInput"
  pipeline_input_type: "PipeInput"
  types:
    SvcInput:
      type: object
      properties:
        port: {type: number, default: 80}
    PipeInput:
      type: object
      properties:
        dockerfile: {type: string, default: Dockerfile}
"""
    all_files = {
        "schema/schema.yaml": schema,
        "instance_infrastructure/manifest.yaml": instance,
        "pipeline_infrastructure/manifest.yaml": pipeline,
        **(files or {}),
    }
    for rel, text in all_files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return tmp_path


# -- PL115 keeps working ---------------------------------------------------------------------------
def test_missing_script_still_reported(tmp_path: Path) -> None:
    root = _env(tmp_path, {"infrastructure/manifest.yaml": _manifest(["bash scripts/deploy.sh", NOTIFY])})
    [hit] = _lint(root, "PL115")
    assert "scripts/deploy.sh" in hit.message and hit.line == 9


# -- PL821 ------------------------------------------------------------------------------------------
PROPS = """\
project_properties:
  VpcID: vpc-1
  TimeoutInMinutes: 30
  Arn: arn:aws:codebuild:us-east-1:123456789012:project/x
  VpcConfig:
    VpcId: "{{ environment.inputs.vpc_cidr }}"
    subnets: ["subnet-1"]
  Tags:
    - Key: team
      Vaule: core
"""


def test_project_properties_checked_against_the_resource_schema(tmp_path: Path) -> None:
    root = _env(tmp_path, {"infrastructure/manifest.yaml": _manifest([NOTIFY], PROPS)})
    hits = [f for f in _lint(root) if f.rule == "PL821"]
    messages = {f.line: f.message for f in hits}
    assert set(messages) == {9, 11, 14, 17}
    assert "'VpcID' is not a property of AWS::CodeBuild::Project (did you mean VpcConfig.VpcId?)" in messages[9]
    assert "Arn is a read-only attribute" in messages[11]
    assert "'subnets' is not a property of AWS::CodeBuild::Project.VpcConfig" in messages[14]
    assert "did you mean Subnets? names are case-sensitive" in messages[14]
    assert "did you mean Value?" in messages[17]
    assert all(f.severity is Severity.WARNING for f in hits)


def test_project_properties_not_a_mapping(tmp_path: Path) -> None:
    root = _env(tmp_path, {"infrastructure/manifest.yaml": _manifest([NOTIFY], "project_properties: [a]")})
    [hit] = [f for f in _lint(root) if f.rule == "PL821"]
    assert "must be a mapping" in hit.message


def test_cfn_lint_is_imported_only_for_project_properties(tmp_path: Path) -> None:
    _env(tmp_path, {"infrastructure/manifest.yaml": _manifest([NOTIFY])})
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from proton_lint.engine import Linter, LintOptions\n"
        "Linter(LintOptions(entry_points=False, select=('PL82',))).run([Path(sys.argv[1])])\n"
        "assert 'cfnlint' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code, str(tmp_path)], check=True)


# -- PL822 ------------------------------------------------------------------------------------------
def test_input_file_variants_in_commands_and_scripts(tmp_path: Path) -> None:
    script = "#!/bin/bash\nset -e\nexport N=$(jq -r .environment.name proton_inputs.json)\n"
    root = _env(
        tmp_path,
        {
            "infrastructure/manifest.yaml": _manifest(
                ["cat proton-input.json", "cat proton-inputs.json", "./env.sh", NOTIFY]
            ),
            "infrastructure/env.sh": script,
        },
    )
    hits = sorted((Path(f.path).name, f.line, f.column) for f in _lint(root) if f.rule == "PL822")
    assert hits == [("env.sh", 3, 36), ("manifest.yaml", 9, 13)]


# -- PL823 ------------------------------------------------------------------------------------------
def test_no_notify_severity_depends_on_the_kind(tmp_path: Path) -> None:
    without = _manifest(["npm ci", "npx cdk deploy"])
    root = _service(tmp_path, without, without, {"instance_infrastructure/package.json": "{}"})
    hits = sorted((Path(f.path).parent.name, f.severity) for f in _lint(root) if f.rule == "PL823")
    assert hits == [("instance_infrastructure", Severity.WARNING), ("pipeline_infrastructure", Severity.INFO)]


@pytest.mark.parametrize(
    ("files", "reported"),
    [
        ({"infrastructure/deploy.sh": "#!/bin/sh\n# emptied\n"}, False),  # a script we cannot judge
        ({"infrastructure/deploy.sh": "#!/bin/sh\ncdk deploy\n"}, True),
        ({"infrastructure/deploy.sh": f"#!/bin/sh\ncdk deploy\n{NOTIFY}\n"}, False),
        ({"infrastructure/deploy.sh": "#!/bin/sh\npython3 report.py\n", "infrastructure/report.py": ""}, True),
        (
            {
                "infrastructure/deploy.sh": "#!/bin/sh\npython3 report.py\n",
                "infrastructure/report.py": "boto3.client('proton').notify_resource_deployment_status_change()\n",
            },
            False,
        ),
    ],
)
def test_notify_found_in_scripts(tmp_path: Path, files: dict, reported: bool) -> None:
    manifest = _manifest(["npm ci", "./deploy.sh"])
    root = _env(tmp_path, {"infrastructure/manifest.yaml": manifest, "infrastructure/notify.sh": None, **files})
    assert bool([f for f in _lint(root) if f.rule == "PL823"]) is reported


# -- PL824 / PL825 ----------------------------------------------------------------------------------
def test_notify_arguments(tmp_path: Path) -> None:
    calls = [
        "aws proton notify-resource-deployment-status-change --status DONE --resource-arn $RESOURCE_ARN",
        "aws proton notify-resource-deployment-status-change --outputs file://o.json",
        "aws proton notify-resource-deployment-status-change --resource-arn=${RESOURCE_ARN} --status SUCCEEDED",
        "aws proton notify-resource-deployment-status-change --resource-arn arn:aws:proton:us-east-1:1:environment/x",
        "aws proton notify-resource-deployment-status-change --cli-input-json file://call.json",
    ]
    root = _env(tmp_path, {"infrastructure/manifest.yaml": _manifest(calls)})
    findings = _lint(root)
    errors = sorted((f.line, f.message) for f in findings if f.rule == "PL824")
    assert [line for line, _ in errors] == [9, 10]
    assert "--status DONE is not one of" in errors[0][1]
    assert "no --resource-arn" in errors[1][1]
    [fixed] = [f for f in findings if f.rule == "PL825"]
    assert fixed.line == 12 and fixed.severity is Severity.WARNING


# -- PL826 ------------------------------------------------------------------------------------------
def test_settings_shapes(tmp_path: Path) -> None:
    extra = """\
    env:
      variables:
        STAGE: dev
        NESTED: {a: 1}
      secrets_manager:
        TOKEN: just-a-name
      secrets-manager:
        OTHER: "x:y"
    """
    manifest = _manifest([NOTIFY], extra).replace(
        "        runtimes:\n          nodejs: 16\n", "        runtimes: nodejs\n"
    )
    hits = {
        f.line: f.message
        for f in _lint(_env(tmp_path, {"infrastructure/manifest.yaml": manifest}))
        if f.rule == "PL826"
    }
    assert "runtimes must be a mapping" in hits[6]
    assert "env.variables.NESTED must be a plain value" in hits[10]
    assert 12 not in hits  # a bare secret id is CodeBuild's "whole secret"
    assert "did you mean secrets_manager?" in hits[13]


# -- PL827 ------------------------------------------------------------------------------------------
def test_inputs_read_by_commands_scripts_and_project_properties(tmp_path: Path) -> None:
    extra = """\
    project_properties:
      Description: "{{ environment.inputs.vpc_cdir }} and {{ environment.name }}"
    """
    manifest = _manifest(
        ["export C=$(jq -r '.environment.inputs.vpc_cidr' proton-inputs.json)", "./read.sh", NOTIFY], extra
    )
    script = "#!/bin/sh\nIN=$(cat proton-inputs.json)\necho $IN | jq -r '.environment.inputs.vpc_cidrr'\n"
    root = _env(tmp_path, {"infrastructure/manifest.yaml": manifest, "infrastructure/read.sh": script})
    hits = sorted((Path(f.path).name, f.line, f.message) for f in _lint(root) if f.rule == "PL827")
    assert [(name, line) for name, line, _ in hits] == [("manifest.yaml", 9), ("read.sh", 3)]
    assert "did you mean vpc_cidr?" in hits[0][2] and "project_properties" in hits[0][2]
    assert "did you mean vpc_cidr?" in hits[1][2]


def test_namespace_the_input_file_does_not_hold(tmp_path: Path) -> None:
    instance = _manifest(
        ["jq -r '.environment.inputs.vpc' proton-inputs.json", "jq .service_instance.inputs.port", NOTIFY]
    )
    pipeline = _manifest(
        ["jq -r '.service_instances[0].inputs.port' proton-inputs.json", "jq .pipeline.inputs.dockerfile", NOTIFY]
    )
    hits = [f for f in _lint(_service(tmp_path, instance, pipeline)) if f.rule == "PL827"]
    [hit] = hits
    assert "instance_infrastructure" in hit.path
    assert "has no environment.inputs (it holds service_instance.inputs)" in hit.message


# -- the corpus -------------------------------------------------------------------------------------
@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not present")
def test_aws_codebuild_examples_are_clean() -> None:
    repo = CORPUS / "aws-containers__proton-codebuild-provisioning-examples"
    findings = Linter(LintOptions(entry_points=False, select=("PL115", "PL82"))).run([repo]).findings
    assert [(f.rule, f.path, f.line, f.message) for f in findings] == []


def test_notify_calls_in_scripts_span_continuations_and_pipes(tmp_path: Path) -> None:
    script = (
        "#!/bin/bash\n"
        "# aws proton notify-resource-deployment-status-change --status DONE (a comment)\n"
        'aws proton notify-resource-deployment-status-change --outputs "$(terraform output -json | jq -c .)" \\\n'
        "  --resource-arn $RESOURCE_ARN\n"
        "aws proton notify-resource-deployment-status-change --resource-arn $RESOURCE_ARN --status Succeeded\n"
    )
    root = _env(
        tmp_path,
        {"infrastructure/manifest.yaml": _manifest(["./notify.sh"]), "infrastructure/notify.sh": script},
    )
    findings = _lint(root)
    assert [(f.rule, Path(f.path).name, f.line) for f in findings] == [("PL824", "notify.sh", 5)]
    assert "--status Succeeded is not one of IN_PROGRESS, FAILED, SUCCEEDED" in findings[0].message
