"""No false pass: empty and wrong inputs are findings, never "No findings" (issue 10, section 3).

Each case runs the tool in a bounded child process (tests/hostile/harness.py) and asserts the rule
or the exit code. Fixtures are built here, in tmp_path. Cases that would render are run with
``--ignore CFN`` (cfn-lint's start-up is not what is measured): rendering itself still runs, so a
spec whose thousands of instances were all rendered would blow the time limit.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.bundles import write_bundle

from .harness import lint, run_bounded

#: The whole `check` of one small bundle takes a few seconds; these bound what one input may add.
SECONDS = 30.0

_CFN_BAD_REF = (
    "Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n    Properties:\n"
    "      TopicName: '{{ environment.inputs.vpc_cidrx }}'\n"
)
_TF_BAD_REF = 'resource "aws_sns_topic" "t" {\n  name = var.environment.inputs.vpc_cidrx\n}\n'


def _rules(stdout: str) -> list[str]:
    """The rule IDs of the text report, in order."""
    return re.findall(r"^\s+\d+:\d+\s+(PL\d{3}|CFN:\w+)\s", stdout, flags=re.MULTILINE)


def _service_spec(count: int, *, compact: bool = False, name: str = "inst{i}") -> str:
    head = "proton: ServiceSpec\npipeline:\n  dockerfile: Dockerfile\ninstances:\n"
    if compact:
        return head + "".join(f"- {{name: {name.format(i=i)}, environment: dev}}\n" for i in range(count))
    entry = "  - name: {name}\n    environment: dev\n    spec:\n      port: 8080\n"
    return head + "".join(entry.format(name=name.format(i=i)) for i in range(count))


# -- empty manifest and schema files -------------------------------------------------------------
EMPTY_TEXTS = {"empty": "", "bom": "\ufeff", "comments": "# nothing\n\n", "bom-blank": "\ufeff\n  \n", "null": "~\n"}


@pytest.mark.parametrize("text", EMPTY_TEXTS.values(), ids=EMPTY_TEXTS.keys())
def test_empty_manifest_is_an_error(tmp_path: Path, text: str) -> None:
    root = write_bundle(tmp_path / "env", "environment", {"infrastructure/manifest.yaml": text})
    outcome = lint(root, "--ignore", "CFN", seconds=SECONDS)
    assert outcome.returncode == 1, outcome.output
    assert _rules(outcome.stdout) == ["PL201"]
    assert "manifest.yaml" in outcome.stdout and "the manifest is empty" in outcome.stdout


@pytest.mark.parametrize("text", EMPTY_TEXTS.values(), ids=EMPTY_TEXTS.keys())
def test_empty_schema_is_an_error(tmp_path: Path, text: str) -> None:
    root = write_bundle(tmp_path / "env", "environment", {"schema/schema.yaml": text})
    outcome = lint(root, seconds=SECONDS)
    assert outcome.returncode == 1, outcome.output
    assert "PL301" in _rules(outcome.stdout)
    assert "the schema file is empty" in outcome.stdout


def test_empty_component_manifest_is_an_error(tmp_path: Path) -> None:
    root = write_bundle(tmp_path / "comp", "component", {"manifest.yaml": "\ufeff"})
    outcome = lint(root, "--ignore", "CFN", seconds=SECONDS)
    assert outcome.returncode == 1, outcome.output
    assert "PL201" in _rules(outcome.stdout)


def test_empty_manifest_still_checks_the_jinja_template(tmp_path: Path) -> None:
    overrides = {"infrastructure/manifest.yaml": "", "infrastructure/cloudformation.yaml": _CFN_BAD_REF}
    root = write_bundle(tmp_path / "env", "environment", overrides)
    outcome = lint(root, "--ignore", "CFN", seconds=SECONDS)
    assert outcome.returncode == 1, outcome.output
    assert {"PL201", "PL503", "PL601"} <= set(_rules(outcome.stdout))
    assert "vpc_cidrx" in outcome.stdout


def test_empty_manifest_still_checks_the_terraform_files(tmp_path: Path) -> None:
    overrides = {"infrastructure/manifest.yaml": "", "infrastructure/main.tf": _TF_BAD_REF}
    root = write_bundle(tmp_path / "env", "terraform-environment", overrides)
    outcome = lint(root, seconds=SECONDS)
    assert outcome.returncode == 1, outcome.output
    assert {"PL201", "PL803"} <= set(_rules(outcome.stdout))


# -- --spec ----------------------------------------------------------------------------------------
def test_environment_spec_for_a_service_bundle_is_reported(tmp_path: Path) -> None:
    root = write_bundle(tmp_path / "svc", "service")
    spec = tmp_path / "env-spec.yaml"
    spec.write_text("proton: EnvironmentSpec\nspec:\n  vpc_cidr: 10.0.0.0/16\n")
    outcome = lint(root, "--spec", spec, "--ignore", "CFN", seconds=SECONDS)
    assert outcome.returncode == 1, outcome.output
    assert _rules(outcome.stdout) == ["PL401"]
    assert "fits none of the templates given" in outcome.stdout and "service templates (svc)" in outcome.stdout


def test_service_spec_for_a_component_is_reported(tmp_path: Path) -> None:
    root = write_bundle(tmp_path / "comp", "component")
    spec = tmp_path / "svc-spec.yaml"
    spec.write_text(_service_spec(1))
    outcome = lint(root, "--spec", spec, "--ignore", "CFN", seconds=SECONDS)
    assert outcome.returncode == 1, outcome.output
    assert "no environment or service template was given" in outcome.stdout


def test_duplicate_keys_in_a_spec_are_an_error(tmp_path: Path) -> None:
    root = write_bundle(tmp_path / "svc", "service")
    spec = tmp_path / "spec.yaml"
    spec.write_text(_service_spec(1) + "    environment: prod\n")
    outcome = lint(root, "--spec", spec, "--ignore", "CFN", seconds=SECONDS)
    assert outcome.returncode == 1, outcome.output
    assert _rules(outcome.stdout) == ["PL401"]
    assert re.search(r"9:5\s+PL401\s+error\s+duplicate key 'environment' \(first defined on line 6\)", outcome.stdout)


def test_five_thousand_instances_are_judged_by_the_size_limit(tmp_path: Path) -> None:
    """Was 193 s and 2.2 GB (every instance validated, rendered and linted by cfn-lint)."""
    root = write_bundle(tmp_path / "svc", "service")
    spec = tmp_path / "spec.yaml"
    spec.write_text(_service_spec(5000))
    outcome = lint(root, "--spec", spec, "--ignore", "CFN", seconds=SECONDS, memory_mb=768)
    assert outcome.returncode == 1, outcome.output
    assert _rules(outcome.stdout) == ["PL405"]
    assert "333,956 characters" in outcome.stdout and outcome.seconds < 20


def test_thousands_of_instances_within_the_size_limit_are_one_finding(tmp_path: Path) -> None:
    """1,200 instances fit in 51,200 characters; with invalid names they still make 21 findings, not 1,201."""
    root = write_bundle(tmp_path / "svc", "service")
    spec = tmp_path / "spec.yaml"
    spec.write_text(_service_spec(1200, compact=True, name="'b {i}'"))
    assert len(spec.read_text()) < 51_200
    outcome = lint(root, "--spec", spec, "--ignore", "CFN", seconds=SECONDS, memory_mb=768)
    assert outcome.returncode == 1, outcome.output
    rules = _rules(outcome.stdout)
    assert rules.count("PL406") == 21  # the count, and the names of the 20 instances Proton could take
    assert "1,200 instances; a service has at most 20" in outcome.stdout and outcome.seconds < 20


def test_a_spec_over_the_spec_size_budget_is_not_parsed(tmp_path: Path) -> None:
    root = write_bundle(tmp_path / "svc", "service")
    spec = tmp_path / "spec.yaml"
    spec.write_text(_service_spec(100))
    config = tmp_path / "proton-lint.yaml"
    config.write_text("limits:\n  spec-size: 1000\n")
    outcome = lint(root, "--spec", spec, "--config", config, "--ignore", "CFN", seconds=SECONDS)
    assert outcome.returncode == 1, outcome.output
    assert _rules(outcome.stdout) == ["PL405"]
    assert "not read: over the spec-size limit of 1,000 bytes" in outcome.stdout


# -- proton-lint render ------------------------------------------------------------------------------
def _render(root: Path, spec: Path, out: Path):
    return run_bounded(["proton_lint", "render", str(root), "--out", str(out), "--spec", str(spec)], seconds=SECONDS)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("proton: EnvironmentSpec\nspec: {}\n", r"spec\.yaml:1:1: PL401 this EnvironmentSpec fits none"),
        (_service_spec(1).replace("port: 8080", "port: 70000"), r"spec\.yaml:8:13: PL402 input 'port': 70000"),
        (_service_spec(1) + "  [\n", r"spec\.yaml:\d+:\d+: PL401 the spec is not readable: invalid YAML"),
        (_service_spec(1) + "    environment: prod\n", r"spec\.yaml:9:5: PL401 duplicate key 'environment'"),
        (_service_spec(30, compact=True), r"spec\.yaml:\d+:\d+: PL406 30 instances"),
    ],
    ids=["wrong-kind", "invalid-input", "yaml-syntax", "duplicate-key", "too-many-instances"],
)
def test_render_with_an_invalid_spec_says_why(tmp_path: Path, text: str, expected: str) -> None:
    root = write_bundle(tmp_path / "svc", "service")
    spec = tmp_path / "spec.yaml"
    spec.write_text(text)
    outcome = _render(root, spec, tmp_path / "out")
    assert outcome.returncode == 1, outcome.output
    assert re.search(expected, outcome.stderr), outcome.stderr
    assert "is not a spec Proton accepts; nothing was rendered with it" in outcome.stderr
    assert "nothing to render" not in outcome.stderr and not (tmp_path / "out").exists()


def test_render_with_a_missing_spec_is_a_usage_error(tmp_path: Path) -> None:
    root = write_bundle(tmp_path / "svc", "service")
    outcome = _render(root, tmp_path / "nope.yaml", tmp_path / "out")
    assert outcome.returncode == 2, outcome.output
    assert "nope.yaml: no such spec file" in outcome.stderr
