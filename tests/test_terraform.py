"""Family 8, Terraform: HCL parsing (proton_lint.terraform) and the rules over hcl bundles (PL801-PL809)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from proton_lint import terraform as tf
from proton_lint.checks.terraform import _shape_problem
from proton_lint.engine import Linter, LintOptions
from proton_lint.findings import Severity
from proton_lint.snippets import HCL_MANIFEST
from proton_lint.testing import BASES

from .bundles import write_bundle
from .conftest import CORPUS

SERVICE_SCHEMA = """\
schema:
  format:
    openapi: "3.0.0"
  service_input_type: "SvcInput"
  pipeline_input_type: "PipeInput"
  types:
    SvcInput:
      type: object
      properties:
        port: {type: string, default: "80"}
        image: {type: string, default: nginx}
    PipeInput:
      type: object
      properties:
        dockerfile: {type: string, default: Dockerfile}
"""


def _lint(root: Path, select: str = "PL8") -> list:
    return Linter(LintOptions(entry_points=False, select=(select,))).run([root]).findings


def _env(tmp_path: Path, files: dict[str, str | None]) -> Path:
    root = tmp_path / "env" / "v1"
    write_bundle(root, "terraform-environment", files)
    for rel, text in files.items():
        if text is None:
            (root / rel).unlink(missing_ok=True)
    return tmp_path


def _service(tmp_path: Path, instance: dict[str, str], pipeline: dict[str, str] | None = None) -> Path:
    root = tmp_path / "svc" / "v1"
    files = {"schema/schema.yaml": SERVICE_SCHEMA, "instance_infrastructure/manifest.yaml": HCL_MANIFEST}
    files.update({f"instance_infrastructure/{k}": v for k, v in instance.items()})
    files["pipeline_infrastructure/manifest.yaml"] = HCL_MANIFEST
    pipeline = pipeline or {"main.tf": 'resource "null_resource" "p" {}\n'}
    files.update({f"pipeline_infrastructure/{k}": v for k, v in pipeline.items()})
    for rel, text in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return tmp_path


def _hits(findings: list, rule: str) -> list:
    return [f for f in findings if f.rule == rule]


# -- parsing ----------------------------------------------------------------------------------------
SAMPLE = """\
variable "name" {
  type    = string
  default = "x"
}
module "local" { source = "./mod" }
resource "aws_s3_bucket" "b" {
  bucket = "${var.service.name}-${var.environment.inputs["suffix"]}"
  tags   = { size = var.sizes[var.service_instance.inputs.size].cpu }
  maybe  = try(var.environment.inputs.optional, "")
  first  = var.service_instances[0].outputs.Url
  names  = var.service_instances[*].name
  policy = <<EOF
{"Resource": "${var.pipeline.inputs.bucket}",
 "List": "%{ for n in var.names ~}${n}%{ endfor ~}"}
EOF
}
"""


def test_references_with_positions_paths_and_guards() -> None:
    parsed = tf.parse_tf(SAMPLE)
    assert parsed.error is None
    refs = {r.text: r for r in parsed.references}
    assert set(refs) == {
        "var.service.name",
        "var.environment.inputs.suffix",
        "var.service_instance.inputs.size",
        "var.sizes[...].cpu",
        "var.environment.inputs.optional",
        "var.service_instances[0].outputs.Url",
        "var.service_instances[*].name",
        "var.pipeline.inputs.bucket",
        "var.names",
    }
    assert (refs["var.service.name"].line, refs["var.service.name"].column) == (7, 15)
    assert refs["var.environment.inputs.optional"].guarded
    assert not refs["var.service.name"].guarded
    # inside the heredoc: the line and column of the expression in the file
    heredoc = refs["var.pipeline.inputs.bucket"]
    assert (heredoc.line, heredoc.column) == (13, 17)
    assert refs["var.names"].line == 14


def test_declarations() -> None:
    parsed = tf.parse_tf(SAMPLE)
    assert [(d.kind, d.name, d.line, d.has_default, d.source) for d in parsed.declarations] == [
        ("variable", "name", 1, True, None),
        ("module", "local", 5, False, "./mod"),
    ]


def test_syntax_error_is_data_with_a_line() -> None:
    parsed = tf.parse_tf('resource "a" "b" {\n  tags = {\n    proton:env = "x"\n  }\n}\n')
    assert parsed.error is not None and parsed.error.line == 3
    assert tf.parse_tf('resource "a" "b" {\n').error.message.startswith("unexpected end of file")


def test_crlf_files_parse_like_lf() -> None:
    text = SAMPLE.replace("\n", "\r\n")
    parsed = tf.parse_tf(text)
    assert parsed.error is None
    assert {r.text for r in parsed.references} == {r.text for r in tf.parse_tf(SAMPLE).references}


def test_parsing_is_memoised_per_content() -> None:
    tf.clear_cache()
    text = 'output "x" { value = var.environment.name }\n'
    first = tf.parse_tf(text)
    assert tf.parse_tf(text) is first
    assert tf.parse_tf.cache_info().hits == 1


def test_jinja_detection_ignores_other_double_braces() -> None:
    text = 'a = "{{ environment.name }}"\nb = "{{.Names}}"\nc = "{{resolve:ssm:x}}"\n%{ if true }\n'
    assert [h.line for h in tf.find_jinja(text)] == [1]
    assert [h.text for h in tf.find_jinja("{% if x %}\n")] == ["{% if x %}"]


def test_importing_the_rules_loads_no_parser() -> None:
    code = (
        "import sys, proton_lint.checks.terraform, proton_lint.checks.codebuild, proton_lint.terraform\n"
        "heavy = [m for m in ('hcl2', 'lark', 'cfnlint') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# -- PL801 / PL802 ----------------------------------------------------------------------------------
def test_syntax_error_reported_at_its_line_with_a_colon_key_hint(tmp_path: Path) -> None:
    config = (
        'provider "aws" {\n  default_tags {\n    tags = {\n'
        "      proton:environment = var.environment.name\n    }\n  }\n}\n"
    )
    findings = _lint(_env(tmp_path, {"infrastructure/config.tf": config}))
    [hit] = _hits(findings, "PL801")
    assert hit.path.endswith("infrastructure/config.tf") and hit.line == 4
    assert "must be quoted" in hit.message


def test_non_utf8_file_is_a_syntax_finding(tmp_path: Path) -> None:
    root = _env(tmp_path, {})
    (root / "env/v1/infrastructure/latin1.tf").write_bytes(b"# caf\xe9\nlocals {}\n")
    [hit] = _hits(_lint(root), "PL801")
    assert "UTF-8" in hit.message and hit.line == 1


def test_jinja_statement_reported_once_not_as_syntax_error(tmp_path: Path) -> None:
    main = (
        'resource "aws_vpc" "vpc" {\n'
        "{% if environment.inputs.vpc_cidr %}\n"
        '  cidr_block = "{{ environment.inputs.vpc_cidr }}"\n'
        "{% endif %}\n"
        "}\n"
    )
    findings = _lint(_env(tmp_path, {"infrastructure/main.tf": main}))
    assert [f.line for f in _hits(findings, "PL802")] == [2, 3, 4]
    assert _hits(findings, "PL801") == []
    assert all(f.severity is Severity.ERROR for f in _hits(findings, "PL802"))


def test_files_the_manifest_does_not_select_are_not_read(tmp_path: Path) -> None:
    manifest = HCL_MANIFEST.replace('"*"', "main.tf")
    root = _env(
        tmp_path,
        {
            "infrastructure/manifest.yaml": manifest,
            "infrastructure/outputs.tf": None,
            "infrastructure/notes.txt": "{{ environment.name }}\n",
            "infrastructure/drafts/broken.tf": "resource {\n",
        },
    )
    assert _lint(root) == []


# -- PL803 -------------------------------------------------------------------------------------------
def test_unknown_input_with_suggestion(tmp_path: Path) -> None:
    main = 'resource "aws_vpc" "vpc" {\n  cidr_block = var.environment.inputs.vpc_cdir\n}\n'
    [hit] = _lint(_env(tmp_path, {"infrastructure/main.tf": main}))
    assert hit.rule == "PL803" and hit.line == 2 and hit.column == 16
    assert "'vpc_cdir' is not an input of EnvironmentInput" in hit.message
    assert "did you mean vpc_cidr?" in hit.message
    assert hit.logical_path == "var.environment.inputs.vpc_cdir"


def test_inputs_by_key_guarded_and_whole_map(tmp_path: Path) -> None:
    main = (
        'resource "aws_vpc" "vpc" {\n'
        '  cidr_block = var.environment.inputs["vpc_cidr"]\n'
        '  tags = { a = try(var.environment.inputs.optional, "x"), b = lookup(var.environment.inputs, "c", "") }\n'
        "}\n"
    )
    assert _lint(_env(tmp_path, {"infrastructure/main.tf": main})) == []


def test_service_and_pipeline_inputs_use_their_own_types(tmp_path: Path) -> None:
    instance = {
        "main.tf": 'resource "null_resource" "i" {\n  triggers = {\n'
        "    port = var.service_instance.inputs.port\n"
        "    oops = var.service_instance.inputs.dockerfile\n  }\n}\n"
    }
    pipeline = {
        "main.tf": 'resource "null_resource" "p" {\n  triggers = {\n'
        "    file  = var.pipeline.inputs.dockerfile\n"
        "    img   = var.service_instances[0].inputs.image\n"
        "    typo  = var.service_instances[0].inputs.imge\n"
        "    wrong = var.pipeline.inputs.port\n  }\n}\n"
    }
    hits = _hits(_lint(_service(tmp_path, instance, pipeline)), "PL803")
    assert sorted((Path(f.path).parent.name, f.line) for f in hits) == [
        ("instance_infrastructure", 4),
        ("pipeline_infrastructure", 5),
        ("pipeline_infrastructure", 6),
    ]
    assert any("did you mean image?" in f.message for f in hits)
    assert any("PipeInput (pipeline_input_type)" in f.message for f in hits)


# -- PL804 -------------------------------------------------------------------------------------------
def test_environment_outputs_in_an_environment_template(tmp_path: Path) -> None:
    outputs = 'output "x" {\n  value = var.environment.outputs.VpcId\n}\n'
    [hit] = _lint(_env(tmp_path, {"infrastructure/outputs.tf": outputs}))
    assert hit.rule == "PL804" and hit.line == 2
    assert "no attribute 'outputs' in an environment template" in hit.message


def test_scope_of_service_variables(tmp_path: Path) -> None:
    instance = {
        "main.tf": 'resource "null_resource" "i" {\n  triggers = {\n'
        "    env     = var.environment.outputs.Cluster\n"
        "    account = var.environment.account_id\n"
        "    comp    = jsonencode(var.service_instance.components.default.outputs)\n"
        "    repo    = var.service.repository_id\n"
        "    bad     = var.pipeline.inputs.dockerfile\n"
        "    typo    = var.service_instance.input.port\n  }\n}\n"
    }
    pipeline = {
        "main.tf": 'resource "null_resource" "p" {\n  triggers = {\n'
        "    out  = var.service_instances[0].outputs.Url\n"
        "    env  = var.service_instances[0].environment.name\n"
        '    all  = join(",", var.service_instances[*].name)\n'
        "    bad  = var.environment.name\n"
        "    list = var.service_instances.name\n  }\n}\n"
    }
    hits = _hits(_lint(_service(tmp_path, instance, pipeline)), "PL804")
    by_line = {(Path(f.path).parent.name, f.line): f.message for f in hits}
    assert set(by_line) == {
        ("instance_infrastructure", 7),
        ("instance_infrastructure", 8),
        ("pipeline_infrastructure", 6),
        ("pipeline_infrastructure", 7),
    }
    assert "no variable 'pipeline' for a service instance template" in by_line[("instance_infrastructure", 7)]
    assert "did you mean inputs?" in by_line[("instance_infrastructure", 8)]
    assert "var.service_instances[i].environment" in by_line[("pipeline_infrastructure", 6)]
    assert "list of instances" in by_line[("pipeline_infrastructure", 7)]


def test_a_declared_variable_is_the_bundles_own(tmp_path: Path) -> None:
    main = (
        'variable "pipeline" {\n  type = map(string)\n  default = {}\n}\n'
        'resource "aws_vpc" "vpc" {\n  cidr_block = var.environment.inputs.vpc_cidr\n'
        "  tags = var.pipeline\n}\n"
    )
    assert _lint(_env(tmp_path, {"infrastructure/main.tf": main})) == []


def test_component_scope(tmp_path: Path) -> None:
    root = tmp_path / "components" / "bucket"
    main = (
        'resource "aws_s3_bucket" "b" {\n'
        "  bucket = var.service_instance.inputs.anything\n"
        "  tags = { env = var.environment.outputs.Name, c = var.component.name, p = var.proton_tags.x }\n"
        '  force_destroy = var.service.repository_id == ""\n'
        "}\n"
    )
    write_bundle(root, "none", {"manifest.yaml": HCL_MANIFEST.replace('"*"', "main.tf"), "main.tf": main})
    [hit] = _lint(tmp_path)
    assert hit.rule == "PL804" and hit.line == 4 and "in a component" in hit.message


# -- PL805 / PL806 / PL807 ----------------------------------------------------------------------------
def test_undeclared_variable_reported_once_per_file(tmp_path: Path) -> None:
    main = (
        'resource "aws_vpc" "vpc" {\n  cidr_block = var.environment.inputs.vpc_cidr\n'
        "  tags = { a = var.nmae, b = var.nmae }\n}\n"
        'variable "name" {\n  default = "x"\n}\n'
    )
    [hit] = _lint(_env(tmp_path, {"infrastructure/main.tf": main}))
    assert hit.rule == "PL805" and hit.line == 3
    assert "var.nmae is not declared" in hit.message and "did you mean name?" in hit.message
    assert "used 2 times" in hit.message


def test_variable_declared_in_an_unselected_file(tmp_path: Path) -> None:
    root = _env(
        tmp_path,
        {
            "infrastructure/manifest.yaml": HCL_MANIFEST.replace('"*"', "main.tf"),
            "infrastructure/main.tf": 'resource "aws_vpc" "vpc" {\n  cidr_block = var.cidr\n}\n',
            "infrastructure/outputs.tf": None,
            "infrastructure/variables.tf": 'variable "cidr" {\n  default = "10.0.0.0/16"\n}\n',
        },
    )
    findings = _lint(root)
    assert sorted(f.rule for f in findings) == ["PL805", "PL807"]
    pl807 = _hits(findings, "PL807")[0]
    assert pl807.path.endswith("manifest.yaml") and pl807.line == 3
    assert "variables.tf is beside the manifest but not deployed" in pl807.message


def test_redeclared_proton_variable_is_a_warning(tmp_path: Path) -> None:
    variables = 'variable "environment" {\n  type = any\n}\nvariable "proton_tags" {\n  type = map(string)\n}\n'
    findings = _lint(_env(tmp_path, {"infrastructure/variables.tf": variables}))
    hits = _hits(findings, "PL806")
    assert [(f.line, f.severity) for f in hits] == [(1, Severity.WARNING), (4, Severity.WARNING)]
    assert _hits(findings, "PL809") == []  # Proton's own names are not "without default"


def test_local_module(tmp_path: Path) -> None:
    net = 'module "net" {\n  source = "./modules/net"\n}\nmodule "shared" {\n  source = "../../modules/x"\n}\n'
    root = _env(
        tmp_path,
        {"infrastructure/net.tf": net, "infrastructure/modules/net/main.tf": 'variable "a" {\n  default = 1\n}\n'},
    )
    [hit] = _lint(root)
    assert hit.rule == "PL808" and hit.line == 1 and "does not copy sub-folders" in hit.message


# -- the corpus ---------------------------------------------------------------------------------------
corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not present")
TF_SETS = (
    "aws-samples__aws-proton-terraform-sample-templates",
    "aws-samples__aws-proton-workshop-code",
    "aws-containers__proton-codebuild-provisioning-examples",
    "aws-samples__aws-proton-terraform-github-actions-sample",
)


@corpus
def test_terraform_sample_sets_get_only_the_real_defect() -> None:
    findings = Linter(LintOptions(entry_points=False, select=("PL8",))).run([CORPUS / s for s in TF_SETS]).findings
    errors = {(f.path.split("corpus/")[-1], f.line, f.rule) for f in findings if f.severity >= Severity.WARNING}
    # `proton:environment = ...` unquoted: Terraform stops with "Missing attribute separator"
    assert errors == {
        (
            "aws-samples__aws-proton-terraform-sample-templates/environment-templates/vpc-env/v1/infrastructure/"
            "config.tf",
            17,
            "PL801",
        )
    }
    assert {f.rule for f in findings} <= {"PL801", "PL809"}


@corpus
def test_generated_variable_files_fit_the_shapes() -> None:
    """Proton's own proton.<kind>.variables.tf (github-actions sample): every attribute is in the table."""
    generated = sorted(
        (CORPUS / "aws-samples__aws-proton-terraform-github-actions-sample").rglob("proton.*.variables.tf")
    )
    assert len(generated) == 2
    for path in generated:
        kind = path.name.split(".")[1]
        text = path.read_text()
        table = tf.PROTON_VARIABLES[kind]
        for block in re.finditer(r'variable "(\w+)" \{(.*?)\n\}', text, re.S):
            name, body = block.groups()
            assert name in table, (path.name, name)
            for attribute in re.findall(r"^\s+(\w+)\s+=", body, re.M):
                if attribute in ("type", "default"):
                    continue
                assert attribute in table[name], (path.name, name, attribute)
        # and the sample's templates beside them pass the scope rules
        refs = [r for f in path.parent.glob("*.tf") for r in tf.parse_tf(f.read_text()).references if r.name in table]
        assert refs
        assert [r.text for r in refs if _shape_problem(kind, r) is not None] == []


@corpus
def test_generated_tfvars_match_the_input_namespaces() -> None:
    sample = CORPUS / "aws-samples__aws-proton-terraform-github-actions-sample/my_first_tf_env_2"
    env = json.loads((sample / "proton.auto.tfvars.json").read_text())
    assert set(env["environment"]) <= set(tf.PROTON_VARIABLES["environment"]["environment"])
    instance = json.loads(next(sample.glob("*/proton.auto.tfvars.json")).read_text())
    for name in ("environment", "service", "service_instance"):
        assert set(instance[name]) <= set(tf.PROTON_VARIABLES["service_instance"][name])


def test_base_terraform_bundle_is_clean(tmp_path: Path) -> None:
    assert set(BASES["terraform-environment"]) >= {"infrastructure/main.tf"}
    assert _lint(_env(tmp_path, {})) == []


def test_suppression_comment_in_a_tf_file(tmp_path: Path) -> None:
    main = (
        'resource "aws_vpc" "vpc" {\n'
        "  cidr_block = var.environment.inputs.legacy_cidr # proton-lint: ignore[PL803] removed in v2\n"
        "}\n"
    )
    assert _lint(_env(tmp_path, {"infrastructure/main.tf": main})) == []


def test_grammar_cache_lives_in_a_private_temporary_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import tempfile

    monkeypatch.setattr(tempfile, "gettempdir", lambda: str(tmp_path))
    path = tf._cache_file("test")
    assert isinstance(path, str) and Path(path).parent.parent == tmp_path
    assert Path(path).parent.stat().st_mode & 0o777 == 0o700
    Path(path).parent.chmod(0o777)  # a folder others can write to is not trusted with a pickle
    assert tf._cache_file("test") is False


def test_jinja_statements_inside_heredoc_content_are_left_alone(tmp_path: Path) -> None:
    main = (
        'resource "aws_vpc" "vpc" {\n  cidr_block = var.environment.inputs.vpc_cidr\n}\n'
        'resource "local_file" "ansible" {\n'
        '  filename = "site.j2"\n'
        "  content  = <<EOT\n{% if ansible_os_family %}\n{{ item.name }}\n{% endif %}\nEOT\n"
        "}\n"
    )
    assert _lint(_env(tmp_path, {"infrastructure/main.tf": main})) == []
    main = main.replace("{% if ansible_os_family %}", "{% if environment.inputs.vpc_cidr %}")
    [hit] = _lint(_env(tmp_path, {"infrastructure/main.tf": main}))
    assert hit.rule == "PL802" and hit.line == 7


def test_byte_order_mark_is_accepted_like_terraform_does() -> None:
    parsed = tf.parse_tf('\ufeffoutput "x" {\n  value = var.environment.name\n}\n')
    assert parsed.error is None and [r.text for r in parsed.references] == ["var.environment.name"]


def test_nested_indexes_are_recorded_once() -> None:
    parsed = tf.parse_tf("x = var.a[var.b[var.c]][*].d\n")
    assert sorted(r.text for r in parsed.references) == ["var.a[...][*].d", "var.b[...]", "var.c"]
