"""Family 5: references and namespaces in Jinja IaC files (PL501-PL513)."""

from __future__ import annotations

import textwrap
import time
from pathlib import Path

import pytest

from proton_lint.engine import Linter, LintOptions
from proton_lint.findings import Severity

from .bundles import write_bundle
from .conftest import CORPUS

SERVICE_SCHEMA = """\
schema:
  format:
    openapi: "3.0.0"
  service_input_type: "SvcInput"
  pipeline_input_type: "PipelineInput"
  types:
    SvcInput:
      type: object
      properties:
        port: {type: number, default: 80}
        image: {type: string, default: nginx}
    PipelineInput:
      type: object
      properties:
        dockerfile: {type: string, default: Dockerfile}
"""


def _lint(root: Path, select: str = "PL5") -> list:
    return Linter(LintOptions(entry_points=False, select=(select,))).run([root]).findings


def _hits(findings: list, rule: str) -> list[tuple[int | None, str]]:
    return [(f.line, f.message) for f in findings if f.rule == rule]


def _service(tmp_path: Path, instance: str, pipeline: str = "Resources: {}\n", **extra: str) -> Path:
    files = {
        "schema/schema.yaml": SERVICE_SCHEMA,
        "instance_infrastructure/cloudformation.yaml": textwrap.dedent(instance),
        "pipeline_infrastructure/cloudformation.yaml": textwrap.dedent(pipeline),
        **extra,
    }
    return write_bundle(tmp_path / "svc" / "v1", "service", files)


def _env(tmp_path: Path, template: str) -> Path:
    return write_bundle(tmp_path / "env" / "v1", "environment", {"infrastructure/cloudformation.yaml": template})


def test_catalogue_fixture_f18(tmp_path: Path) -> None:
    """§11 F18: NS-03, NS-06, NS-11, NS-14 and NS-25 in one service instance template."""
    _service(
        tmp_path,
        """\
        Resources:
          Db:
            Type: AWS::RDS::DBInstance
            Properties:
              MasterUserPassword: '{{resolve:secretsmanager:MySecret:SecretString:password}}'
              DBName: '{{ service_name }}'
              Port: '{{ pipeline.inputs.db_port }}'
              Tag: '{{ service_instance.components.default.outputs.Bucket }}'
              Safe: '{{ service_instance.components.default.outputs.Bucket | default("") | proton_cfn_sanitise }}'
        """,
        pipeline="Resources: {}\n# {{ pipeline.inputs.dockerfile }} {{ service_instance.inputs.port }}\n",
    )
    findings = _lint(tmp_path)
    got = {(f.rule, f.line) for f in findings if "instance_infrastructure" in f.path}
    assert got == {("PL502", 5), ("PL507", 6), ("PL506", 7), ("PL510", 8), ("PL508", 9)}
    assert "did you mean 'proton_cfn_sanitize'" in _hits(findings, "PL508")[0][1]
    assert "use service.name" in _hits(findings, "PL507")[0][1]


def test_input_not_in_schema_with_suggestion_and_guard(tmp_path: Path) -> None:
    _service(
        tmp_path,
        """\
        a: '{{ service_instance.inputs.prot }}'
        b: '{{ service_instance.inputs.image }}'
        {% if service_instance.inputs.tag is defined %}
        c: '{{ service_instance.inputs.tag }}'
        {% endif %}
        d: '{{ service_instance.inputs.extra | default("x") }}'
        """,
    )
    findings = [f for f in _lint(tmp_path) if f.rule == "PL503"]
    assert [(f.line, f.severity) for f in findings] == [
        (1, Severity.ERROR),
        (3, Severity.WARNING),
        (4, Severity.WARNING),
        (6, Severity.WARNING),
    ]
    assert "did you mean 'port'" in findings[0].message
    assert findings[0].column == 8


def test_pipeline_loop_inputs_and_top_level_namespaces(tmp_path: Path) -> None:
    _service(
        tmp_path,
        "a: '{{ service_instance.inputs.port }} {{ service_instance.inputs.image }}'\n",
        pipeline="""\
        {% for service_instance in service_instances %}
        - '{{ service_instance.inputs.prot }} {{ service_instance.environment.account_id }}'
        - '{{ service_instance.outputs.Url }}'
        {% endfor %}
        x: '{{ service_instances[0].inputs.image }} {{ pipeline.inputs.dockerfile }}'
        y: '{{ environment.outputs.ClusterName }}'
        z: '{{ service_instance.name }}'
        w: '{{ pipeline.dockerfile }}'
        """,
    )
    findings = _lint(tmp_path)
    assert _hits(findings, "PL503") == [
        (
            2,
            "service_instance.inputs.prot: 'prot' is not an input of the schema's service_input_type 'SvcInput'; "
            "did you mean 'port'?",
        )
    ]
    assert [line for line, _ in _hits(findings, "PL506")] == [6, 7]
    assert [line for line, _ in _hits(findings, "PL507")] == [8]


def test_environment_template_scope_and_legacy_names(tmp_path: Path) -> None:
    _env(
        tmp_path,
        """\
        Resources:
          VPC:
            Type: AWS::EC2::VPC
            Properties:
              CidrBlock: '{{ environment.inputs.vpc_cidr }}'
              A: '{{ environment.outputs.VpcId }}'
              B: '{{ environment.vpc_cidr }}'
              C: '{{ environment.account_id }}'
              D: '{{ service.name }}'
              E: '{{ environmnt.name }}'
              F: '{{ environment.nam }}'
        """,
    )
    findings = _lint(tmp_path)
    scope = [(f.line, f.severity) for f in findings if f.rule == "PL506"]
    assert scope == [(6, Severity.ERROR), (8, Severity.WARNING), (9, Severity.ERROR)]
    assert _hits(findings, "PL507") == [(7, "environment.vpc_cidr: pre-GA namespace; use environment.inputs.vpc_cidr")]
    unknown = _hits(findings, "PL512")
    assert [line for line, _ in unknown] == [10, 11]
    assert "did you mean 'environment'" in unknown[0][1] and "environment.name" in unknown[1][1]


def test_component_scope(tmp_path: Path) -> None:
    root = tmp_path / "components" / "cache"
    write_bundle(
        root,
        "component",
        {
            "cloudformation.yaml": textwrap.dedent(
                """\
                Resources:
                  Bucket:
                    Type: AWS::S3::Bucket
                    Properties:
                      BucketName: '{{ service.name | default("none") }}-{{ component.name }}'
                      A: '{{ service_instance.inputs.size }}'
                      B: '{{ service.repository_id }}'
                      C: '{{ environment.outputs.VpcId }}-{{ environment.inputs.x }}'
                      D: '{{ service_instance.components.default.outputs.X }}'
                """
            )
        },
    )
    findings = [f for f in _lint(tmp_path) if f.rule == "PL506"]
    assert [(f.line, f.severity) for f in findings] == [
        (6, Severity.WARNING),
        (7, Severity.ERROR),
        (8, Severity.ERROR),
        (9, Severity.ERROR),
    ]
    assert "has only name" in findings[1].message


def test_hyphenated_names_and_unknown_filters(tmp_path: Path) -> None:
    _service(
        tmp_path,
        """\
        a: '{{ environment.outputs.vpc-id }}'
        b: "{{ environment.outputs['vpc-id'] }}"
        c: '{{ service_instance.inputs.port - 1 }} {{ service.name | upper | proton_cfn_sanitize }}'
        d: '{{ service.name | proton_foo }} {{ service.name | uper }}'
        e: '{{ service_instance.inputs.image | proton_cfn_lambda_function_formatted_env_vars }}'
        f: '{{ service_instance.inputs | proton_cfn_lambda_function_formatted_env_vars }}'
        g: '{{ service_instance.inputs.port }}'
        """,
    )
    findings = _lint(tmp_path)
    assert _hits(findings, "PL511") == [
        (1, "environment.outputs.vpc-id reads as environment.outputs.vpc minus id: write environment.outputs['vpc-id']")
    ]
    assert [(line, "did you mean 'upper'" in m) for line, m in _hits(findings, "PL508")] == [(4, False), (4, True)]
    assert [line for line, _ in _hits(findings, "PL509")] == [5]
    assert not _hits(findings, "PL512")


def test_syntax_errors_and_resolve(tmp_path: Path) -> None:
    _env(tmp_path, "Resources:\n  {% for x in [1] %}\n  A: 1\n")
    (finding,) = [f for f in _lint(tmp_path) if f.rule == "PL501"]
    assert finding.line == 2 and finding.column == 3 and "never closed" in finding.message


def test_unquoted_values_outside_block_scalars(tmp_path: Path) -> None:
    _service(
        tmp_path,
        """\
        Resources:
          Fn:
            Properties:
              Handler: {{ service_instance.inputs.image }}
              Timeout: {{ service_instance.inputs.port }}
              Memory: {{ service_instance.inputs.image | int }}
              Quoted: '{{ service_instance.inputs.image }}'
              Mixed: a-{{ service_instance.inputs.image }}
              List:
                - {{ service.name }}
              Flow: !FindInMap [T, {{ service_instance.inputs.image }}, cpu]
              Spec: |
                key: {{ service.name }}
        """,
    )
    assert [line for line, _ in _hits(_lint(tmp_path), "PL513")] == [4, 10]


def test_unused_inputs_and_component_readers(tmp_path: Path) -> None:
    _service(tmp_path, "a: '{{ service_instance.inputs.port }}'\n")
    findings = _lint(tmp_path)
    assert [m for _, m in _hits(findings, "PL504")] == [
        "input 'image' of SvcInput is not read by the service instance templates and pipeline templates"
    ]
    assert [m for _, m in _hits(findings, "PL505")] == ["no input of PipelineInput is read by the pipeline templates"]
    pl504 = next(f for f in findings if f.rule == "PL504")
    assert pl504.path.endswith("schema/schema.yaml") and pl504.line == 11

    # a service that allows directly defined components: their reads count
    registration = "supported_component_sources:\n  - DIRECTLY_DEFINED\n"
    other = tmp_path / "other"
    _service(other, "a: '{{ service_instance.inputs.port }}'\n", **{".template-registration.yaml": registration})
    assert _hits(_lint(other), "PL504") == []  # components may live in another repository
    write_bundle(
        other / "components" / "c",
        "component",
        {"cloudformation.yaml": "Resources: {}\n# {{ service_instance.inputs.image | default('') }}\n"},
    )
    assert _hits(_lint(other), "PL504") == []
    write_bundle(other / "components" / "c", "component", {"cloudformation.yaml": "Resources: {}\n"})
    assert len(_hits(_lint(other), "PL504")) == 1


def test_unused_inputs_are_silent_when_unknowable(tmp_path: Path) -> None:
    _service(
        tmp_path, "{% for k in service_instance.inputs %}{{ k }}{% endfor %}\n", "# {{ pipeline.inputs.dockerfile }}\n"
    )
    assert _hits(_lint(tmp_path), "PL504") == _hits(_lint(tmp_path), "PL505") == []
    broken = tmp_path / "broken"
    _service(broken, "a: '{{ service_instance.inputs.port }\n")
    assert _hits(_lint(broken), "PL504") == []


def test_legacy_engine_key_and_suppression(tmp_path: Path) -> None:
    from .bundles import LEGACY_MANIFEST

    typo = "Resources: {}\n# {{ environment.inputs.vpc_cdir }}"
    _env(tmp_path, typo + "\n")
    (tmp_path / "env" / "v1" / "infrastructure" / "manifest.yaml").write_text(LEGACY_MANIFEST)
    assert [f.line for f in _lint(tmp_path) if f.rule == "PL503"] == [2]  # `engine: jinja` is read too
    _env(tmp_path, typo + "  {# proton-lint: ignore[PL503] typo kept #}\n")
    findings = Linter(LintOptions(entry_points=False)).run([tmp_path]).findings
    assert not [f for f in findings if f.rule in ("PL503", "PL001")]


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not present")
def test_corpus_errors_are_the_known_defects() -> None:
    start = time.perf_counter()
    findings = _lint(CORPUS)
    elapsed = time.perf_counter() - start
    errors = {(f.path.split("corpus/")[-1], f.line, f.rule) for f in findings if f.severity is Severity.ERROR}
    checker = "aws-samples__aws-proton-template-checker-action/test/sample_templates"
    assert errors == {
        (f"{checker}/invalid_jinja_syntax_template/instance_infrastructure/cloudformation.yaml", 30, "PL501"),
        (f"{checker}/invalid_jinja_template/instance_infrastructure/cloudformation.yaml", 30, "PL503"),
    }
    assert not [f for f in findings if f.rule in ("PL506", "PL507", "PL508", "PL510", "PL511", "PL512")]
    assert elapsed < 10


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not present")
def test_corpus_filters_and_loops_are_understood() -> None:
    from proton_lint.render import analyse

    fargate = CORPUS / "aws-samples__aws-proton-cloudformation-sample-templates/service-templates"
    text = (fargate / "load-balanced-fargate-svc/v1/instance_infrastructure/cloudformation.yaml").read_text()
    uses = {(f.name, f.target) for f in analyse(text).filters}
    outputs = ("service_instance", "components", "default", "outputs")
    assert ("proton_cfn_iam_policy_arns", outputs) in uses
    assert ("proton_cfn_ecs_task_definition_formatted_env_vars", outputs) in uses
