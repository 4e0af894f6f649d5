"""Honest recall on real-world shapes (issue 10, section 4): nothing hides a finding, nothing invents one.

* a manifest that does not parse (or is empty) still lets the IaC files of its folder be checked;
* a service template that declares no compatible environment is compared with the environment
  templates of its repository, and the warning says that compatibility was assumed;
* values proton-lint makes up for inputs without a default or a sample value suit the
  CloudFormation property they land in, and a cfn-lint finding on a line that still holds one is
  info naming the input, while a real error elsewhere stays an error.

Each case is linted in a child process under the harness's time and memory caps (fixtures are
written at test time); a few in-process tests pin the pieces.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from proton_lint.snippets import CFN_MANIFEST

from .harness import lint, run_bounded

ENV_SCHEMA = """\
schema:
  format:
    openapi: "3.0.0"
  environment_input_type: EnvInput
  types:
    EnvInput:
      type: object
      properties:
        vpc_cidr: {type: string, default: 10.0.0.0/16}
"""
SVC_SCHEMA = """\
schema:
  format:
    openapi: "3.0.0"
  service_input_type: SvcInput
  types:
    SvcInput:
      type: object
      properties:
%s
"""
ENV_CFN = """\
Resources:
  VPC:
    Type: AWS::EC2::VPC
    Properties:
      CidrBlock: '{{ environment.inputs.vpc_cidr }}'
Outputs:
  VpcId:
    Value: !Ref VPC
"""
#: YAML that does not parse: an unclosed flow sequence.
BROKEN_MANIFEST = "infrastructure:\n  templates:\n    - file: '*'\n      rendering_engine: hcl\n  oops: [\n"


def _write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return root


def _svc_schema(*properties: str) -> str:
    return SVC_SCHEMA % "".join(f"        {p}\n" for p in properties)


def _findings(root: Path, *args: str) -> list[dict]:
    """Lint ``root`` bounded (JSON report); every finding as (file name, line, rule, severity, message)."""
    outcome = lint("-f", "json", *args, root, cwd=root, seconds=60, memory_mb=1536)
    assert outcome.returncode in (0, 1), outcome.output
    assert "Traceback" not in outcome.output
    return json.loads(outcome.stdout)["findings"]


def _hits(findings: list[dict], rule: str) -> list[tuple[str, int, str]]:
    return [(Path(f["path"]).name, f["line"], f["severity"]) for f in findings if f["rule"] == rule]


# -- one broken file hides no other check ----------------------------------------------------------
def test_terraform_beside_a_manifest_that_does_not_parse_is_checked(tmp_path: Path) -> None:
    root = _write(
        tmp_path,
        {
            "env/v1/schema/schema.yaml": ENV_SCHEMA,
            "env/v1/infrastructure/manifest.yaml": BROKEN_MANIFEST,
            "env/v1/infrastructure/main.tf": (
                'resource "aws_vpc" "vpc" {\n'
                "  cidr_block = var.environment.inputsx.vpc_cidr\n"
                "  tags = { Name = var.environment.inputs.vpc_cidrs }\n"
                "}\n"
                'output "x" {\n  value = var.undeclared_thing\n}\n'
            ),
        },
    )
    findings = _findings(root)
    assert [(name, severity) for name, _, severity in _hits(findings, "PL106")] == [("manifest.yaml", "error")]
    assert _hits(findings, "PL804") == [("main.tf", 2, "error")]  # inputsx
    assert _hits(findings, "PL803") == [("main.tf", 3, "error")]  # not in the schema
    assert _hits(findings, "PL805") == [("main.tf", 6, "error")]  # undeclared


@pytest.mark.parametrize("manifest", [BROKEN_MANIFEST.replace("hcl", "jinja"), ""], ids=["broken", "empty"])
def test_jinja_cloudformation_beside_an_unusable_manifest_is_checked(tmp_path: Path, manifest: str) -> None:
    root = _write(
        tmp_path,
        {
            "svc/v1/schema/schema.yaml": _svc_schema("port: {type: number, default: 80}"),
            "svc/v1/instance_infrastructure/manifest.yaml": manifest,
            "svc/v1/instance_infrastructure/cloudformation.yaml": (
                "Resources:\n  Queue:\n    Type: AWS::SQS::Queue\n    Properties:\n"
                "      DelaySeconds: '{{ service_instance.inputs.prot }}'\n"
                "      QueueName: '{{ service_instance.inputsx.name }}'\n"
            ),
            # not CloudFormation: never taken for a template
            "svc/v1/instance_infrastructure/package.json": '{"name": "{{ service_instance.inputs.nope }}"}\n',
            "svc/v1/instance_infrastructure/settings.yaml": "key: '{{ service_instance.inputs.nope }}'\n",
        },
    )
    findings = _findings(root)
    assert _hits(findings, "PL503") == [("cloudformation.yaml", 5, "error")]  # prot: not an input
    assert _hits(findings, "PL512") == [("cloudformation.yaml", 6, "error")]  # inputsx
    assert not [f for f in findings if Path(f["path"]).name in ("package.json", "settings.yaml")]
    assert not _hits(findings, "PL505")  # which files Proton reads is a guess: no "input never read"


def test_inferred_entries_read_the_engine_from_the_files(tmp_path: Path) -> None:
    from proton_lint.discover import discover

    root = _write(
        tmp_path,
        {
            "env/v1/schema/schema.yaml": ENV_SCHEMA,
            "env/v1/infrastructure/manifest.yaml": "infrastructure: [\n",
            "env/v1/infrastructure/a.tf": "",
            "env/v1/infrastructure/b.tf": "",
            "env/v1/infrastructure/template.json": '{"Resources": {}}',
            "env/v1/infrastructure/notes.yaml": "hello: world\n",
        },
    )
    (bundle,) = discover([root]).bundles
    rel = "infrastructure/manifest.yaml"
    assert bundle.manifest_inferred(rel)
    assert bundle.manifest_entries(rel) == []  # what the manifest says is unchanged
    assert bundle.iac_entries(rel) == [
        {"file": "*", "rendering_engine": "hcl"},
        {"file": "template.json", "rendering_engine": "jinja"},
    ]
    assert bundle.engines() == {"hcl", "jinja"}


def test_a_manifest_that_parses_is_taken_as_written(tmp_path: Path) -> None:
    from proton_lint.discover import discover

    root = _write(
        tmp_path,
        {
            "env/v1/schema/schema.yaml": ENV_SCHEMA,
            "env/v1/infrastructure/manifest.yaml": CFN_MANIFEST,
            "env/v1/infrastructure/cloudformation.yaml": ENV_CFN,
            "env/v1/infrastructure/extra.tf": "",
        },
    )
    (bundle,) = discover([root]).bundles
    assert not bundle.manifest_inferred("infrastructure/manifest.yaml")
    assert bundle.engines() == {"jinja"}


# -- outputs with no declared compatibility --------------------------------------------------------
def _outputs_repo(root: Path, registration: dict[str, str], output: str = "VpcID") -> Path:
    return _write(
        root,
        {
            "env/v1/schema/schema.yaml": ENV_SCHEMA,
            "env/v1/infrastructure/manifest.yaml": CFN_MANIFEST,
            "env/v1/infrastructure/cloudformation.yaml": ENV_CFN,
            "svc/v1/schema/schema.yaml": _svc_schema("port: {type: number, default: 80}"),
            "svc/v1/instance_infrastructure/manifest.yaml": CFN_MANIFEST,
            "svc/v1/instance_infrastructure/cloudformation.yaml": (
                "Resources:\n  Queue:\n    Type: AWS::SQS::Queue\n    Properties:\n"
                f"      QueueName: '{{{{ service_instance.name }}}}-{{{{ environment.outputs.{output} }}}}'\n"
                "      DelaySeconds: '{{ service_instance.inputs.port // 100 }}'\n"
            ),
            **{f"svc/v1/{name}": text for name, text in registration.items()},
        },
    )


@pytest.mark.parametrize(
    "registration",
    [{}, {".template-registration.yml": "compatible_environments:\n  - env:1\n"}],
    ids=["none", "misnamed-file"],
)
def test_an_output_no_environment_of_the_repository_provides_is_a_warning(
    tmp_path: Path, registration: dict[str, str]
) -> None:
    findings = _findings(_outputs_repo(tmp_path, registration), "--select", "PL604")
    (hit,) = [f for f in findings if f["rule"] == "PL604"]
    assert (Path(hit["path"]).name, hit["line"], hit["severity"]) == ("cloudformation.yaml", 5, "warning")
    assert "no environment template of the repository (env:1)" in hit["message"]
    assert "compatibility with them was assumed" in hit["message"]
    assert "did you mean 'VpcId'?" in hit["message"]


def test_an_output_some_environment_provides_is_no_finding(tmp_path: Path) -> None:
    findings = _findings(_outputs_repo(tmp_path, {}, output="VpcId"), "--select", "PL604")
    assert not _hits(findings, "PL604")


def test_declared_compatibility_is_not_called_assumed(tmp_path: Path) -> None:
    registration = {".template-registration.yaml": "compatible_environments:\n  - env:1\n"}
    findings = _findings(_outputs_repo(tmp_path, registration), "--select", "PL604")
    (hit,) = [f for f in findings if f["rule"] == "PL604"]
    assert "no compatible environment template (env:1)" in hit["message"]
    assert "assumed" not in hit["message"]


def test_assumed_environments_are_the_nearest_ones_in_the_same_repository(tmp_path: Path) -> None:
    from proton_lint.discover import discover
    from proton_lint.repo import Repository
    from proton_lint.sync_files import assumed_environment_bundles

    env = {"schema/schema.yaml": ENV_SCHEMA, "infrastructure/manifest.yaml": CFN_MANIFEST}
    svc = {"schema/schema.yaml": _svc_schema("port: {type: number, default: 80}")}
    files = {
        **{f"mono/near/env-a/v1/{k}": v for k, v in env.items()},
        **{f"mono/near/svc/v1/{k}": v for k, v in svc.items()},
        **{f"mono/far/env-b/v1/{k}": v for k, v in env.items()},  # farther away in the same folder tree
        **{f"other/env-c/v1/{k}": v for k, v in env.items()},  # another repository
        **{f"other/svc2/v1/{k}": v for k, v in svc.items()},
        "other/.git/HEAD": "ref: refs/heads/main\n",
    }
    _write(tmp_path, files)
    found = discover([tmp_path])
    Repository(found.bundles, [tmp_path])

    def assumed(service: str) -> list[str]:
        (bundle,) = [b for b in found.bundles if b.template_name == service]
        return sorted(e.template_name for e in assumed_environment_bundles(bundle))

    assert assumed("svc") == ["env-a"]
    assert assumed("svc2") == ["env-c"]


# -- values proton-lint makes up -------------------------------------------------------------------
APPRUNNER = """\
Resources:
  Service:
    Type: AWS::AppRunner::Service
    Properties:
      SourceConfiguration:
        ImageRepository:
          ImageIdentifier: '{{ service_instance.inputs.image }}'
          ImageRepositoryType: ECR
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: 'x-{{ service_instance.inputs.bucket }}-UPPER'
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      DelaySeconds: 9999
"""


def _synthetic_repo(root: Path, spec: str | None = None) -> Path:
    files = {
        "svc/v1/schema/schema.yaml": _svc_schema("image: {type: string}", "bucket: {type: string}")
        + "      required: [image, bucket]\n",
        "svc/v1/instance_infrastructure/manifest.yaml": CFN_MANIFEST,
        "svc/v1/instance_infrastructure/cloudformation.yaml": APPRUNNER,
    }
    if spec is not None:
        files["svc/spec/spec.yaml"] = spec
    return _write(root, files)


def test_made_up_values_raise_no_error_but_real_errors_stay(tmp_path: Path) -> None:
    findings = _findings(_synthetic_repo(tmp_path), "--select", "PL610")
    by_line = {(f["line"], f["rule"]): f for f in findings}
    # the made-up image suits ImageIdentifier's ECR pattern: no finding at all
    assert not [f for f in findings if f["line"] == 7]
    # x-<made-up>-UPPER breaks the bucket name pattern: info, naming the input
    for rule in ("CFN:E1161", "CFN:E3031"):
        assert by_line[(12, rule)]["severity"] == "info"
        assert "service_instance.inputs.bucket" in by_line[(12, rule)]["message"]
    # a real error on a line without any made-up value
    assert by_line[(16, "CFN:E3034")]["severity"] == "error"


def test_the_same_defect_with_sample_values_is_an_error(tmp_path: Path) -> None:
    spec = (
        "proton: ServiceSpec\ninstances:\n  - name: one\n    environment: env\n    spec:\n"
        "      image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1\n      bucket: data\n"
    )
    findings = _findings(_synthetic_repo(tmp_path, spec), "--select", "PL610")
    assert ("cloudformation.yaml", 12, "error") in _hits(findings, "CFN:E3031")
    assert not [f for f in findings if "made up" in f["message"]]


def test_invented_values_are_recorded_and_fits_replace_them() -> None:
    from proton_lint.spec import resolve_inputs

    root = {
        "service_input_type": "In",
        "types": {
            "In": {
                "type": "object",
                "required": ["image", "net"],
                "properties": {
                    "image": {"type": "string"},
                    "port": {"type": "number", "default": 80},
                    "net": {"type": "object", "required": ["vpc"], "properties": {"vpc": {"type": "string"}}},
                },
            }
        },
    }
    invented: dict = {}
    values = resolve_inputs(root, "service_input_type", {}, invented=invented, fits={"net.vpc": "vpc-0abc1234"})
    assert values == {"image": "sample-image", "port": 80, "net": {"vpc": "vpc-0abc1234"}}
    assert invented == {"image": "sample-image", "net.vpc": "vpc-0abc1234"}


def test_fitted_values_meet_the_property_and_the_input() -> None:
    from proton_lint.fitting import fitted_value, property_schema, suits

    where = ("SourceConfiguration", "ImageRepository", "ImageIdentifier")
    identifier = property_schema("AWS::AppRunner::Service", where)
    assert identifier is not None and not suits(identifier, "sample-image")
    value = fitted_value(identifier, {"type": "string"}, "image", "ImageIdentifier")
    assert value is not None and suits(identifier, value)
    vpc = property_schema("AWS::EC2::SecurityGroup", ("VpcId",))
    assert fitted_value(vpc, None, "vpc", "VpcId").startswith("vpc-0")
    # the input's own pattern wins: no value meets both, so none is fitted
    assert fitted_value(vpc, {"type": "string", "pattern": "^net-"}, "vpc", "VpcId") is None
    assert property_schema("Custom::Thing", ("X",)) is None


def test_of_several_renderings_the_most_severe_finding_per_line_is_kept() -> None:
    from proton_lint.checks.rendered import _once_per_line
    from proton_lint.findings import Finding, Severity, Span

    def finding(severity: Severity, label: str) -> Finding:
        return Finding("CFN:E3031", "cfn-lint-e3031", severity, f"bad ({label})", "t.yaml", Span(12))

    kept = list(_once_per_line([finding(Severity.INFO, "made up"), finding(Severity.ERROR, "spec")]))
    assert [(f.severity, f.message) for f in kept] == [(Severity.ERROR, "bad (spec)")]


def test_render_names_the_made_up_inputs(tmp_path: Path) -> None:
    root = _synthetic_repo(tmp_path / "repo")
    outcome = run_bounded(["proton_lint", "render", str(root / "svc" / "v1"), "--out", str(tmp_path / "out")])
    assert outcome.returncode == 0, outcome.output
    assert "service_instance.inputs.image, service_instance.inputs.bucket" in outcome.stderr


def test_a_made_up_value_is_recognised_whatever_its_case_but_not_when_short() -> None:
    from proton_lint.checks.rendered import _holds

    assert _holds("QueueName: SAMPLE-NAME-queue", "sample-name")
    assert not _holds("QueueName: a-queue", "a")  # too short to recognise in a line
    assert _holds("a", "a")  # the reported node is exactly the made-up value
