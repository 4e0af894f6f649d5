"""Family 4: finding sample specs, checking them and input samples, resolving inputs (proton_lint/spec.py)."""

from __future__ import annotations

import io
import json
import tarfile
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from proton_lint.bundle import Bundle, BundleKind, DirSource
from proton_lint.engine import Linter, LintOptions
from proton_lint.findings import Severity
from proton_lint.schema import to_json_schema, validator_for
from proton_lint.spec import (
    CURRENT_VAL,
    build_index,
    bundle_label,
    resolve_inputs,
    resolve_spec,
    spec_kind,
    specs_for,
    synthetic_value,
)

from .bundles import write_bundle
from .conftest import CORPUS

ENV_SCHEMA = """\
schema:
  format:
    openapi: "3.0.0"
  environment_input_type: "EnvironmentInput"
  types:
    EnvironmentInput:
      type: object
      properties:
        vpc_cidr:
          type: string
          default: "10.0.0.0/16"
          pattern: '([0-9]{1,3}\\.){3}[0-9]{1,3}($|/(16|24))'
        stage:
          type: string
          enum: [dev, prod]
          default: dev
        name_prefix:
          type: string
          minLength: 3
          maxLength: 10
        retention:
          type: number
          default: 30
          minimum: 1
          maximum: 365
        subnets:
          type: array
          items:
            type: string
            pattern: "^subnet-[0-9a-f]+$"
      required: [name_prefix]
"""

SVC_SCHEMA = """\
schema:
  format:
    openapi: "3.0.0"
  service_input_type: "ServiceInput"
  pipeline_input_type: "PipelineInput"
  types:
    ServiceInput:
      type: object
      properties:
        port:
          type: number
          default: 80
          minimum: 0
          maximum: 65535
        task_size:
          type: string
          enum: [small, large]
          default: small
    PipelineInput:
      type: object
      properties:
        dockerfile:
          type: string
          default: Dockerfile
        unit_test_command:
          type: string
      required: [unit_test_command]
"""


def lint(*paths: Path, **options: object) -> list:
    linter = Linter(LintOptions(entry_points=False, select=("PL4",), **options))  # type: ignore[arg-type]
    return linter.run(list(paths)).findings


def where(findings: list, root: Path) -> set[tuple[str, str, int | None]]:
    return {(f.rule, Path(f.path).resolve().relative_to(root.resolve()).as_posix(), f.line) for f in findings}


def env_bundle(root: Path, schema: str = ENV_SCHEMA) -> Path:
    return write_bundle(root, "environment", {"schema/schema.yaml": schema})


def svc_bundle(root: Path, schema: str = SVC_SCHEMA, base: str = "service") -> Path:
    return write_bundle(root, base, {"schema/schema.yaml": schema})


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


# -- environment specs -------------------------------------------------------------------------------
def test_valid_environment_spec_beside_the_version_folder_is_clean(tmp_path: Path) -> None:
    env_bundle(tmp_path / "env" / "v1")
    write(tmp_path / "env/spec/spec.yaml", "proton: EnvironmentSpec\nspec:\n  name_prefix: abc\n  stage: prod\n")
    assert lint(tmp_path) == []


def test_environment_spec_values_are_validated_at_their_lines(tmp_path: Path) -> None:
    env_bundle(tmp_path / "env" / "v1")
    write(
        tmp_path / "env/spec/spec.yaml",
        """\
        proton: EnvironmentSpec
        spec:
          vpc_cidr: 10.0.0.0/33
          stage: staging
          name_prefix: ab
          retention: 400
          subnets: [subnet-0a1b, vpc-1]
          vpc_cdir: 10.0.0.0/16
        """,
    )
    findings = lint(tmp_path)
    got = {(f.rule, f.line): f for f in findings}
    assert set(got) == {("PL402", 3), ("PL402", 4), ("PL402", 5), ("PL402", 6), ("PL402", 7), ("PL404", 8)}
    assert "is too short (minLength: 3)" in got["PL402", 5].message
    assert "'staging' is not one of ['dev', 'prod']" in got["PL402", 4].message
    assert "template env/v1" in got["PL402", 4].message
    assert got["PL402", 7].logical_path == "spec.subnets[1]"
    assert "did you mean 'vpc_cidr'?" in got["PL404", 8].message
    assert got["PL404", 8].severity is Severity.WARNING
    assert got["PL402", 3].severity is Severity.ERROR


def test_missing_required_input_and_missing_spec_mapping(tmp_path: Path) -> None:
    env_bundle(tmp_path / "env" / "v1")
    write(tmp_path / "env/spec/spec.yaml", "proton: EnvironmentSpec\nspec:\n  stage: prod\n")
    findings = lint(tmp_path)
    assert [(f.rule, f.line) for f in findings] == [("PL403", 2)]
    assert "'name_prefix' is required and has no default" in findings[0].message
    write(tmp_path / "env/spec/spec.yaml", "proton: EnvironmentSpec\n")
    findings = lint(tmp_path)
    assert [(f.rule, f.line) for f in findings] == [("PL403", 1)]
    assert "has no `spec:` mapping, so every input takes its default" in findings[0].message


def test_current_val_is_accepted_for_any_input(tmp_path: Path) -> None:
    env_bundle(tmp_path / "env" / "v1")
    spec = f'proton: EnvironmentSpec\nspec:\n  name_prefix: "{CURRENT_VAL}"\n  retention: "{CURRENT_VAL}"\n'
    write(tmp_path / "env/spec/spec.yaml", spec)
    assert lint(tmp_path) == []


@pytest.mark.parametrize(
    ("text", "line", "needle"),
    [
        ("proton: environmentspec\nspec:\n  name_prefix: abc\n", 1, "exactly `EnvironmentSpec`"),
        ("spec:\n  name_prefix: abc\n", 1, "no `proton:` key"),
        ("proton: EnvironmentSpec\nspec: [a, b]\n", 2, "`spec:` should be a mapping"),
        ("proton: EnvironmentSpec\nspec:\n  name_prefix: [abc\n", 3, "not readable"),
        ("proton: EnvironmentSpec\n---\nproton: EnvironmentSpec\n", 2, "more than one YAML document"),
        ("proton: Spec\n", 1, "`EnvironmentSpec` or `ServiceSpec`"),
    ],
)
def test_spec_structure(tmp_path: Path, text: str, line: int, needle: str) -> None:
    env_bundle(tmp_path / "env" / "v1")
    write(tmp_path / "env/spec/spec.yaml", text)
    findings = [f for f in lint(tmp_path) if f.rule == "PL401"]
    assert [f.line for f in findings] == [line], [f.message for f in findings]
    assert needle in findings[0].message


def test_unknown_top_level_key_suggests_spec(tmp_path: Path) -> None:
    env_bundle(tmp_path / "env" / "v1")
    write(tmp_path / "env/spec/spec.yaml", "proton: EnvironmentSpec\ninputs:\n  name_prefix: abc\n")
    findings = lint(tmp_path)
    unknown = [f for f in findings if f.rule == "PL404"]
    assert len(unknown) == 1 and unknown[0].line == 2 and "did you mean 'spec'?" in unknown[0].message
    assert {f.rule for f in findings} == {"PL403", "PL404"}  # name_prefix is then not given


def test_spec_size_limit(tmp_path: Path) -> None:
    env_bundle(tmp_path / "env" / "v1")
    write(tmp_path / "env/spec/spec.yaml", "proton: EnvironmentSpec\nspec:\n  name_prefix: abc\n" + "#" * 51_200)
    assert [f.rule for f in lint(tmp_path)] == ["PL405"]
    write(tmp_path / "env/spec/spec.yaml", "")
    assert [f.rule for f in lint(tmp_path)] == ["PL405"]


# -- service specs -----------------------------------------------------------------------------------
SVC_SPEC = """\
proton: ServiceSpec
pipeline:
  unit_test_command: make test
instances:
  - name: api-dev
    environment: env-dev
    spec:
      port: 8080
  - name: api-prod
    environment: env-prod
"""


def test_instances_without_spec_take_every_default(tmp_path: Path) -> None:
    svc_bundle(tmp_path / "svc" / "v1")
    write(tmp_path / "svc/spec/spec.yaml", SVC_SPEC)
    assert lint(tmp_path) == []


def test_every_instance_and_the_pipeline_are_validated(tmp_path: Path) -> None:
    svc_bundle(tmp_path / "svc" / "v1")
    write(
        tmp_path / "svc/spec/spec.yaml",
        """\
        proton: ServiceSpec
        pipeline:
          dockerfile: Dockerfile
        instances:
          - name: api-dev
            environment: env-dev
            spec:
              port: "8080"
          - name: api-prod
            environment: env-prod
            spec:
              task_size: huge
              prot: 80
        """,
    )
    findings = lint(tmp_path)
    assert {(f.rule, f.line) for f in findings} == {("PL403", 2), ("PL402", 8), ("PL402", 12), ("PL404", 13)}
    missing = next(f for f in findings if f.rule == "PL403")
    assert "pipeline input 'unit_test_command' is required" in missing.message
    assert "did you mean 'port'?" in next(f.message for f in findings if f.rule == "PL404")


def test_pipeline_absent_means_defaults(tmp_path: Path) -> None:
    svc_bundle(tmp_path / "svc" / "v1")
    write(tmp_path / "svc/spec/spec.yaml", SVC_SPEC.replace("pipeline:\n  unit_test_command: make test\n", ""))
    findings = lint(tmp_path)
    assert [f.rule for f in findings] == ["PL403"]
    assert "the spec has no `pipeline:` block" in findings[0].message


def test_pipeline_block_for_a_template_without_pipeline(tmp_path: Path) -> None:
    write_bundle(tmp_path / "svc" / "v1", "service-no-pipeline")
    write(tmp_path / "svc/spec/spec.yaml", SVC_SPEC)
    findings = lint(tmp_path)
    assert [(f.rule, f.line, f.severity) for f in findings] == [("PL407", 2, Severity.WARNING)]


def test_instance_without_spec_is_reported_when_a_required_input_has_no_default(tmp_path: Path) -> None:
    schema = SVC_SCHEMA.replace("          default: 80\n", "").replace(
        "          enum: [small, large]", "          enum: [small, large]\n      required: [port]"
    )
    schema = schema.replace(
        "      required: [port]\n          default: small", "          default: small\n      required: [port]"
    )
    svc_bundle(tmp_path / "svc" / "v1", schema)
    write(tmp_path / "svc/spec/spec.yaml", SVC_SPEC)
    findings = lint(tmp_path)
    assert [(f.rule, f.line) for f in findings] == [("PL403", 9)]
    assert "instance 'api-prod' has no `spec:`" in findings[0].message


@pytest.mark.parametrize(
    ("instances", "needles"),
    [
        ("instances: []\n", ["is empty"]),
        ("pipeline: {unit_test_command: x}\n", ["needs an `instances:` list"]),
        ("instances: {name: a}\n", ["should be a list"]),
        (
            "instances:\n  - name: api dev\n    environment: e\n  - name: b\n",
            ["not a valid Proton name", "has no `environment:`"],
        ),
        ("instances:\n  - {name: a, environment: e}\n  - {name: a, environment: f}\n", ["is used twice"]),
        (
            "instances:\n" + "".join(f"  - {{name: i{i}, environment: e}}\n" for i in range(21)),
            ["21 instances; a service has at most 20"],
        ),
    ],
)
def test_instances(tmp_path: Path, instances: str, needles: list[str]) -> None:
    svc_bundle(tmp_path / "svc" / "v1")
    write(tmp_path / "svc/spec/spec.yaml", "proton: ServiceSpec\npipeline: {unit_test_command: x}\n" + instances)
    messages = [f.message for f in lint(tmp_path) if f.rule == "PL406"]
    assert len(messages) == len(needles), messages
    for needle in needles:
        assert any(needle in m for m in messages), (needle, messages)


def test_unknown_instance_key(tmp_path: Path) -> None:
    svc_bundle(tmp_path / "svc" / "v1")
    write(
        tmp_path / "svc/spec/spec.yaml", SVC_SPEC.replace("    environment: env-prod\n", "    enviroment: env-prod\n")
    )
    rules = {(f.rule, f.line) for f in lint(tmp_path)}
    assert rules == {("PL404", 10), ("PL406", 9)}


# -- discovery ---------------------------------------------------------------------------------------
def _index(root: Path, **options: object):
    from proton_lint.discover import discover
    from proton_lint.repo import Repository

    found = discover([root])
    return build_index(Repository(found.bundles, [root], LintOptions(**options))), found.bundles  # type: ignore[arg-type]


def _assignments(index) -> dict[str, list[str]]:
    return {s.name: sorted(bundle_label(b) for b in index.bundles_for(s)) for s in index.specs}


def test_sibling_specs_folder_is_matched_by_name_then_by_fit(tmp_path: Path) -> None:
    group = tmp_path / "microservices"
    write_bundle(group / "env" / "v1", "environment")
    svc_bundle(group / "svc" / "public-svc" / "v1")
    svc_bundle(group / "svc" / "private-svc" / "v1")
    write(group / "specs/env-spec.yaml", "proton: EnvironmentSpec\nspec:\n  vpc_cidr: 10.0.0.0/16\n")
    write(group / "specs/svc-private-spec.yaml", SVC_SPEC)
    write(group / "specs/svc-public-spec.yaml", SVC_SPEC)
    write(group / "specs/sample-outputs.yaml", "environment:\n  VpcId: vpc-1\n")
    index, _ = _index(tmp_path)
    assert _assignments(index) == {
        "env-spec.yaml": ["env/v1"],
        "svc-private-spec.yaml": ["private-svc/v1"],
        "svc-public-spec.yaml": ["public-svc/v1"],
    }


def test_a_spec_that_fits_one_of_several_templates_is_checked_against_that_one(tmp_path: Path) -> None:
    svc_bundle(tmp_path / "app" / "crud" / "v1")
    other = SVC_SCHEMA.replace("task_size", "batch_size")
    svc_bundle(tmp_path / "app" / "worker" / "v1", other)
    write(tmp_path / "app/specs/svc-spec.yaml", SVC_SPEC.replace("port: 8080", "task_size: large"))
    index, _ = _index(tmp_path)
    assert _assignments(index) == {"svc-spec.yaml": ["crud/v1"]}
    # fitting neither: checked against both, one finding naming both templates
    write(tmp_path / "app/specs/svc-spec.yaml", SVC_SPEC.replace("port: 8080", "prot: 8080"))
    findings = lint(tmp_path)
    assert [f.rule for f in findings] == ["PL404"]
    assert "templates crud/v1, worker/v1" in findings[0].message


def test_a_nearer_spec_wins_over_a_spec_folder_further_up(tmp_path: Path) -> None:
    env_bundle(tmp_path / "envs" / "near" / "v1")
    write(tmp_path / "envs/near/spec/spec.yaml", "proton: EnvironmentSpec\nspec:\n  name_prefix: abc\n")
    write_bundle(tmp_path / "other" / "far" / "v1", "environment")
    write(tmp_path / "specs/env-spec.yml", "proton: EnvironmentSpec\nspec:\n  vpc_cidr: 10.1.0.0/16\n")
    index, _ = _index(tmp_path)
    assert _assignments(index) == {"spec.yaml": ["near/v1"], "env-spec.yml": ["far/v1"]}


def test_specs_inside_a_flat_bundle_and_spec_yaml(tmp_path: Path) -> None:
    svc_bundle(tmp_path / "service")
    write(tmp_path / "service/spec/spec.yaml", SVC_SPEC)
    write(tmp_path / "service/spec/env-spec.yaml", "proton: EnvironmentSpec\nspec: {}\n")  # for the environment
    env_bundle(tmp_path / "environment")
    write(tmp_path / "environment/spec.yaml", "proton: EnvironmentSpec\nspec:\n  name_prefix: abc\n")
    index, bundles = _index(tmp_path)
    assigned = {
        Path(s.display).resolve().relative_to(tmp_path.resolve()).as_posix(): [
            bundle_label(b) for b in index.bundles_for(s)
        ]
        for s in index.specs
    }
    assert assigned == {
        "environment/spec.yaml": ["environment"],
        "service/spec/spec.yaml": ["service"],
        "service/spec/env-spec.yaml": [],
    }
    service = next(b for b in bundles if b.kind is BundleKind.SERVICE)
    assert [s.origin for s in index.for_bundle(service)] == ["bundle"]
    assert lint(tmp_path) == []


def test_specs_for_a_bundle_without_a_repository(tmp_path: Path) -> None:
    env_bundle(tmp_path / "env" / "v1")
    write(tmp_path / "env/spec/spec.yaml", "proton: EnvironmentSpec\nspec:\n  name_prefix: abc\n")
    bundle = Bundle(DirSource(tmp_path / "env" / "v1"), kind=BundleKind.ENVIRONMENT)
    assert [s.name for s in specs_for(bundle)] == ["spec.yaml"]


def test_config_mapping_and_cli_specs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env_bundle(tmp_path / "templates" / "env" / "v1")
    svc_bundle(tmp_path / "templates" / "svc" / "v1")
    write(tmp_path / "samples/dev.yaml", "proton: EnvironmentSpec\nspec:\n  name_prefix: x\n")
    write(tmp_path / "samples/svc.yaml", SVC_SPEC.replace("port: 8080", "port: -1"))
    monkeypatch.chdir(tmp_path)
    findings = lint(Path("templates"), specs=(("templates/env/*", ("samples/dev.yaml", "samples/nope.yaml")),))
    assert where(findings, tmp_path) == {("PL402", "samples/dev.yaml", 3), ("PL401", "samples/nope.yaml", 1)}
    findings = lint(Path("templates"), spec_files=(Path("samples/svc.yaml"), Path("samples/dev.yaml")))
    assert where(findings, tmp_path) == {("PL402", "samples/dev.yaml", 3), ("PL402", "samples/svc.yaml", 8)}
    # a named spec of the wrong kind
    findings = lint(Path("templates"), specs=(("templates/svc/v1", ("samples/dev.yaml",)),))
    assert [(f.rule, f.line) for f in findings] == [("PL401", 1)]
    assert "named for svc/v1, a service template" in findings[0].message


def test_spec_inside_an_archive(tmp_path: Path) -> None:
    files = {
        "schema/schema.yaml": ENV_SCHEMA,
        "infrastructure/manifest.yaml": "infrastructure:\n  templates:\n    - file: cloudformation.yaml\n"
        "      rendering_engine: jinja\n      template_language: cloudformation\n",
        "infrastructure/cloudformation.yaml": "Resources: {}\n",
        "spec/spec.yaml": "proton: EnvironmentSpec\nspec:\n  stage: qa\n",
    }
    archive = tmp_path / "env.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    findings = lint(archive)
    assert {(f.rule, f.path.split("!/")[-1], f.line) for f in findings} == {
        ("PL402", "spec/spec.yaml", 3),
        ("PL403", "spec/spec.yaml", 2),
    }


def test_suppression_in_a_spec_file_beside_the_bundle(tmp_path: Path) -> None:
    env_bundle(tmp_path / "env" / "v1")
    write(
        tmp_path / "env/spec/spec.yaml",
        "proton: EnvironmentSpec\nspec:\n  name_prefix: abc\n  vpc_cdir: x  # proton-lint: ignore[PL404] legacy\n",
    )
    linter = Linter(LintOptions(entry_points=False, select=("PL4", "PL001")))
    assert linter.run([tmp_path]).findings == []


def test_spec_kind() -> None:
    assert spec_kind({"proton": "ServiceSpec"}) is BundleKind.SERVICE
    assert spec_kind({"proton": "servicespec"}) is BundleKind.SERVICE
    assert spec_kind({"proton": "EnviromentSpec"}) is BundleKind.ENVIRONMENT
    assert spec_kind({"instances": []}) is BundleKind.SERVICE
    assert spec_kind({"proton": "Other"}) is BundleKind.UNKNOWN
    assert spec_kind({"environment": {}}) is None
    assert spec_kind(["proton"]) is None


# -- input samples -----------------------------------------------------------------------------------
def test_codebuild_samples(tmp_path: Path) -> None:
    bundle = write_bundle(tmp_path / "cb" / "v1", "codebuild-environment", {"schema/schema.yaml": ENV_SCHEMA})
    sample = {"environment": {"name": "dev", "inputs": {"name_prefix": "ab", "retention": "30", "vpc": "x"}}}
    (bundle / "infrastructure/proton-inputs.json").write_text(json.dumps(sample, indent=2))
    findings = lint(tmp_path)
    assert {(f.rule, f.line, f.severity) for f in findings} == {
        ("PL410", 5, Severity.WARNING),
        ("PL410", 6, Severity.WARNING),
        ("PL410", 7, Severity.WARNING),
    }
    messages = sorted(f.message for f in findings)
    assert any("'ab' is too short (minLength: 3)" in m for m in messages)
    assert any("'30' is not of type 'number'" in m for m in messages)


def test_codebuild_service_samples_shapes(tmp_path: Path) -> None:
    bundle = svc_bundle(tmp_path / "svc" / "v1")
    instance = {
        "environment": {"name": "e", "outputs": {"VpcId": "vpc-1", "Count": 2}},
        "service": {"name": "s"},
        "service_instance": {"name": "i", "inputs": {"port": 80}},
    }
    pipeline = {
        "pipeline": {"inputs": {"unit_test_command": "make"}},
        "service_instances": [{"name": "i", "inputs": {"port": 70000}, "outputs": {}}],
    }
    (bundle / "instance_infrastructure/proton-inputs.json").write_text(json.dumps(instance, indent=2))
    (bundle / "pipeline_infrastructure/proton-inputs.json").write_text(json.dumps(pipeline, indent=2))
    findings = where(lint(tmp_path), tmp_path)
    assert findings == {
        ("PL410", "svc/v1/instance_infrastructure/proton-inputs.json", 6),
        ("PL410", "svc/v1/pipeline_infrastructure/proton-inputs.json", 11),
    }
    (bundle / "pipeline_infrastructure/proton-inputs.json").write_text(json.dumps(instance, indent=2))
    messages = [f.message for f in lint(tmp_path) if "pipeline_infrastructure" in f.path]
    assert messages == ["the sample holds instance inputs, but its folder is for pipeline inputs"]


def test_terraform_samples_near_the_bundle_check_names_only(tmp_path: Path) -> None:
    write_bundle(tmp_path / "tf-env" / "v1", "terraform-environment", {"schema/schema.yaml": ENV_SCHEMA})
    sample = {"environment": {"name": "x", "inputs": {"name_prefix": "a", "retention": "30", "vpc_name": "x"}}}
    write(tmp_path / "tf-env/dev-resources/proton.auto.tfvars.json", json.dumps(sample, indent=2))
    service_sample = {"service_instance": {"name": "i", "inputs": {}}}
    write(tmp_path / "tf-env/dev-resources/svc/proton.auto.tfvars.json", json.dumps(service_sample))
    write(tmp_path / "tf-env/broken/proton.auto.tfvars.json", '{\n  "environment": {\n    "inputs": {},\n  }\n}\n')
    findings = lint(tmp_path)
    got = {(r, p.rsplit("tf-env/", 1)[-1], line) for r, p, line in where(findings, tmp_path)}
    assert got == {
        ("PL410", "dev-resources/proton.auto.tfvars.json", 7),  # vpc_name: not in the schema
        ("PL410", "broken/proton.auto.tfvars.json", 4),  # a trailing comma
    }


# -- resolving inputs --------------------------------------------------------------------------------
def _root(schema: str) -> dict:
    import yaml

    return yaml.safe_load(schema)["schema"]


def test_resolve_inputs_defaults_given_and_synthetic() -> None:
    root = _root(ENV_SCHEMA)
    resolved = resolve_inputs(root, "environment_input_type", {"stage": "prod", "retention": CURRENT_VAL})
    assert resolved["stage"] == "prod"
    assert resolved["retention"] == 30
    assert resolved["vpc_cidr"] == "10.0.0.0/16"
    assert 3 <= len(resolved["name_prefix"]) <= 10
    assert "subnets" not in resolved  # optional without a default: Proton passes nothing
    assert resolve_inputs(root, "environment_input_type", None) == resolve_inputs(root, "environment_input_type", {})
    full = resolve_inputs(root, "environment_input_type", None, fill_optional=True)
    assert full["subnets"] == []
    types = root["types"]
    validator = validator_for(to_json_schema(types["EnvironmentInput"], types))
    assert list(validator.iter_errors(full)) == []


PROPERTIES = [
    {"type": "string", "pattern": r"^arn:aws:iam::\d{12}:role/[\w+=,.@-]+$"},
    {"type": "string", "pattern": r"([0-9]{1,3}\.){3}[0-9]{1,3}($|/(16|24))"},
    {"type": "string", "pattern": r"^$|^\d{12}(,\d{12})*$", "maxLength": 200},
    {"type": "string", "pattern": r"^[a-z][a-z0-9-]*$", "minLength": 20, "maxLength": 24},
    {"type": "string", "pattern": r"^(?<name>[a-z]{3})-\k<name>$"},
    {"type": "string", "minLength": 30},
    {"type": "string", "maxLength": 3},
    {"type": "string", "enum": ["x-small", "small"]},
    {"type": "number", "minimum": 128, "maximum": 10240},
    {"type": "number", "minimum": 0, "exclusiveMinimum": True, "maximum": 0.5},
    {"type": "integer", "minimum": 3, "multipleOf": 5},
    {"type": "number", "maximum": -10},
    {"type": "boolean"},
    {"type": "array", "items": {"type": "string", "pattern": "^subnet-[0-9a-f]{8}$"}, "minItems": 2},
    {"type": "object", "properties": {"a": {"type": "string", "minLength": 2}}, "required": ["a"]},
]


@pytest.mark.parametrize("prop", PROPERTIES, ids=lambda p: json.dumps(p)[:60])
def test_synthetic_values_satisfy_their_property(prop: dict) -> None:
    value = synthetic_value(prop, {}, "some_input")
    assert value == synthetic_value(prop, {}, "some_input")  # deterministic
    errors = list(validator_for(to_json_schema(prop, {})).iter_errors(value))
    assert errors == [], (value, [e.message for e in errors])


def test_synthetic_values_differ_by_name_and_seed() -> None:
    prop = {"type": "string", "pattern": r"^[a-z]{12}$"}
    values = {synthetic_value(prop, {}, name, seed=seed) for name in ("a", "b") for seed in (0, 1)}
    assert len(values) == 4


def test_resolve_spec_gives_every_instance_and_the_pipeline(tmp_path: Path) -> None:
    svc_bundle(tmp_path / "svc" / "v1")
    write(tmp_path / "svc/spec/spec.yaml", SVC_SPEC)
    index, bundles = _index(tmp_path)
    bundle = bundles[0]
    resolved = resolve_spec(bundle, index.for_bundle(bundle)[0])
    assert [(i.name, i.environment, i.inputs) for i in resolved.instances] == [
        ("api-dev", "env-dev", {"port": 8080, "task_size": "small"}),
        ("api-prod", "env-prod", {"port": 80, "task_size": "small"}),
    ]
    assert resolved.pipeline == {"unit_test_command": "make test", "dockerfile": "Dockerfile"}
    bare = resolve_spec(bundle)
    assert [i.name for i in bare.instances] == ["instance-1"]
    assert bare.pipeline is not None and bare.pipeline["unit_test_command"]


# -- the corpus --------------------------------------------------------------------------------------
CFN = "aws-samples__aws-proton-cloudformation-sample-templates"
OLD = "aws-samples__aws-proton-sample-templates"
CODEBUILD = "aws-containers__proton-codebuild-provisioning-examples"
corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not present")


@pytest.fixture(scope="module")
def corpus_findings() -> list:
    return Linter(LintOptions(entry_points=False, select=("PL4",))).run([CORPUS]).findings


def _corpus_rel(path: str) -> str:
    return Path(path).resolve().relative_to(CORPUS.resolve()).as_posix()


@corpus
def test_corpus_known_defects(corpus_findings: list) -> None:
    found = {(f.rule, _corpus_rel(f.path), f.line) for f in corpus_findings}
    expected = {
        ("PL404", f"{CFN}/lambda-multi-svc/specs/svc-spec.yaml", 5),
        ("PL404", f"{CFN}/lambda-multi-svc/specs/svc-spec.yaml", 12),
        ("PL404", f"{OLD}/lambda-multi-svc/specs/svc-spec.yaml", 5),
        ("PL404", f"{OLD}/lambda-multi-svc/specs/svc-spec.yaml", 12),
        (
            "PL410",
            f"{CODEBUILD}/cdk/service-templates/cdk-ecs-fargate-service/v1/instance_infrastructure/proton-inputs.json",
            28,
        ),
        (
            "PL410",
            f"{CODEBUILD}/cdk/service-templates/cdk-ecs-fargate-service-ci-pipeline/v1/instance_infrastructure/"
            "proton-inputs.json",
            29,
        ),
        ("PL410", f"{CODEBUILD}/pulumi/environment-templates/vpc-ecs-cluster/v1/infrastructure/proton-inputs.json", 5),
    }
    assert expected <= found
    line12 = next(f for f in corpus_findings if f.line == 12 and CFN in f.path)
    assert "'resource_handler'" in line12.message and "template service-data-processing/v1" in line12.message
    line5 = next(f for f in corpus_findings if f.line == 5 and f"{CFN}/lambda-multi-svc" in f.path)
    assert "did you mean 'packaging_command'?" in line5.message


@corpus
def test_corpus_has_no_error_from_spec_rules(corpus_findings: list) -> None:
    assert [f for f in corpus_findings if f.severity is Severity.ERROR] == []


@corpus
def test_corpus_specs_are_matched_to_their_templates() -> None:
    index, _ = _index(CORPUS)
    by_file = {_corpus_rel(s.display): sorted(bundle_label(b) for b in index.bundles_for(s)) for s in index.specs}
    assert by_file[f"{CFN}/lambda-multi-svc/specs/svc-spec.yaml"] == ["service-crud/v1", "service-data-processing/v1"]
    assert by_file[f"{CFN}/public-private-fargate-microservices/specs/svc-private-spec.yaml"] == [
        "private-fargate-svc/v1"
    ]
    assert by_file["aws-samples__aws-proton-terraform-sample-templates/specs/env-spec.yml"] == [
        "sample-vpc-environment-template/v1"
    ]
    unmatched = [name for name, bundles in by_file.items() if not bundles and "checker" not in name]
    assert unmatched == []


@corpus
def test_corpus_specs_resolve_to_valid_inputs_for_every_instance() -> None:
    index, bundles = _index(CORPUS / CFN)
    checked = 0
    for bundle in bundles:
        root = bundle.schema_root
        types = root.get("types", {})
        specs = index.for_bundle(bundle) or [None]
        for spec in specs:
            resolved = resolve_spec(bundle, spec)
            sets = (
                [resolved.environment]
                if bundle.kind is BundleKind.ENVIRONMENT
                else [i.inputs for i in resolved.instances]
            )
            key = "environment_input_type" if bundle.kind is BundleKind.ENVIRONMENT else "service_input_type"
            if root.get(key) not in types:
                continue
            validator = validator_for(to_json_schema(types[root[key]], types))
            for inputs in sets:
                known = {k: v for k, v in inputs.items() if k in types[root[key]].get("properties", {})}
                assert list(validator.iter_errors(known)) == [], (bundle.root, spec and spec.display)
                checked += 1
    assert checked >= 23


@settings(max_examples=60, deadline=None)
@given(
    low=st.integers(0, 40),
    extra=st.integers(0, 40),
    pattern=st.sampled_from([None, "^[a-z0-9-]*$", "[0-9]", "^[A-Z]{2}-[0-9]+$"]),
    name=st.text("abc_", min_size=1, max_size=8),
)
def test_synthetic_strings_meet_lengths_and_patterns(low: int, extra: int, pattern: str | None, name: str) -> None:
    prop: dict = {"type": "string", "minLength": low, "maxLength": low + extra + 8}
    if pattern:
        prop["pattern"] = pattern
    value = synthetic_value(prop, {}, name)
    assert list(validator_for(to_json_schema(prop, {})).iter_errors(value)) == [], value


@settings(max_examples=60, deadline=None)
@given(
    low=st.one_of(st.none(), st.integers(-1000, 1000)),
    span=st.integers(0, 100),
    integer=st.booleans(),
    exclusive=st.booleans(),
)
def test_synthetic_numbers_stay_in_range(low: int | None, span: int, integer: bool, exclusive: bool) -> None:
    prop: dict = {"type": "integer" if integer else "number"}
    if low is not None:
        prop.update(minimum=low, maximum=low + span + (2 if exclusive else 0), exclusiveMinimum=exclusive)
    value = synthetic_value(prop, {}, "n")
    assert list(validator_for(to_json_schema(prop, {})).iter_errors(value)) == [], value


# -- no false pass (issue 10) ------------------------------------------------------------------------
def test_a_cli_spec_that_fits_no_template_is_reported(tmp_path: Path) -> None:
    svc_bundle(tmp_path / "svc" / "v1")
    spec = write(
        tmp_path / "samples/env.yaml", "# an environment\nproton: EnvironmentSpec\nspec:\n  name_prefix: abc\n"
    )
    findings = lint(tmp_path / "svc", spec_files=(spec,))
    assert [(f.rule, f.line) for f in findings] == [("PL401", 2)]
    assert "this EnvironmentSpec fits none of the templates given: they are service templates (svc/v1)" in (
        findings[0].message
    )
    assert findings[0].hint.startswith("Lint the environment template the spec is for")
    env_bundle(tmp_path / "env" / "v1")
    assert lint(tmp_path, spec_files=(spec,)) == []  # given with its template, it fits


def test_duplicate_keys_in_a_spec(tmp_path: Path) -> None:
    env_bundle(tmp_path / "env" / "v1")
    write(tmp_path / "env/spec/spec.yaml", "proton: EnvironmentSpec\nspec:\n  name_prefix: abc\n  name_prefix: abcd\n")
    findings = lint(tmp_path)
    assert [(f.rule, f.line, f.column) for f in findings] == [("PL401", 4, 3)]
    assert "duplicate key 'name_prefix' (first defined on line 3)" in findings[0].message


def test_only_the_instances_proton_could_take_are_checked_and_rendered(tmp_path: Path) -> None:
    svc_bundle(tmp_path / "svc" / "v1")
    instances = "".join(f"  - {{name: 'bad {i}', environment: e, spec: {{port: -1}}}}\n" for i in range(500))
    write(
        tmp_path / "svc/spec/spec.yaml",
        "proton: ServiceSpec\npipeline: {unit_test_command: x}\ninstances:\n" + instances,
    )
    findings = lint(tmp_path)
    count = [f for f in findings if "500 instances" in f.message]
    assert len(count) == 1 and count[0].rule == "PL406" and count[0].line == 24  # at the 21st instance
    assert sum(f.rule == "PL406" for f in findings) == 21 and sum(f.rule == "PL402" for f in findings) == 20
    index, bundles = _index(tmp_path)
    assert len(resolve_spec(bundles[0], index.specs[0]).instances) == 20


def test_a_spec_over_the_spec_size_budget_is_not_parsed(tmp_path: Path) -> None:
    from proton_lint.budgets import Budgets

    env_bundle(tmp_path / "env" / "v1")
    write(tmp_path / "env/spec/spec.yaml", "proton: EnvironmentSpec\nspec:\n  name_prefix: abc\n" + "#" * 200)
    findings = lint(tmp_path, budgets=Budgets(spec_size=100))
    assert [f.rule for f in findings] == ["PL405"]
    assert findings[0].message.startswith("the spec has 249 bytes; Proton accepts at most 51,200 characters")


def test_duplicate_keys_in_an_input_sample(tmp_path: Path) -> None:
    inputs = '{"environment": {"name": "dev", "inputs": {"vpc_cidr": "10.0.0.0/16", "vpc_cidr": "10.1.0.0/16"}}}\n'
    write_bundle(tmp_path / "env", "codebuild-environment", {"infrastructure/proton-inputs.json": inputs})
    findings = lint(tmp_path)
    assert [(f.rule, f.line, f.column) for f in findings] == [("PL410", 1, 71)]
    assert findings[0].message.startswith("duplicate key 'vpc_cidr' (first defined on line 1); JSON readers differ")
