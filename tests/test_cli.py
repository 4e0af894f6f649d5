"""The command line as a user meets it: exit codes, formats, config, errors without tracebacks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from proton_lint.cli import main

from .bundles import LEGACY_MANIFEST, write_bundle
from .conftest import ROOT


def run(args: list[str], cwd: Path, env: dict | None = None, stdin: str | None = None) -> subprocess.CompletedProcess:
    environment = {**os.environ, "NO_COLOR": "1", **(env or {})}
    environment.pop("GITHUB_ACTIONS", None) if "GITHUB_ACTIONS" not in (env or {}) else None
    return subprocess.run(
        [sys.executable, "-m", "proton_lint", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=environment,
        input=stdin,
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()  # the VCS root stops the config search
    write_bundle(tmp_path / "clean-env" / "v1")
    return tmp_path


@pytest.fixture
def broken(repo: Path) -> Path:
    write_bundle(repo / "old-env" / "v1", overrides={"infrastructure/manifest.yaml": LEGACY_MANIFEST})
    return repo


def test_clean_tree_exits_0(repo: Path) -> None:
    result = run(["check", "."], repo)
    assert result.returncode == 0, result.stderr
    assert "No findings" in result.stdout


def test_findings_exit_1_with_relative_paths(broken: Path) -> None:
    result = run(["check", ".", "--format", "parseable"], broken)
    assert result.returncode == 1
    assert "old-env/v1/infrastructure/manifest.yaml:4:7: PL203 error" in result.stdout


def test_fail_level(broken: Path) -> None:
    assert run(["check", ".", "--fail-level", "none"], broken).returncode == 0
    assert run(["check", ".", "--select", "PL1"], broken).returncode == 0


def test_missing_path_is_a_usage_error(repo: Path) -> None:
    result = run(["check", "nowhere"], repo)
    assert result.returncode == 2
    assert "nowhere: no such file or folder" in result.stderr and "Traceback" not in result.stderr


def test_unknown_rule_selector_is_a_usage_error(repo: Path) -> None:
    result = run(["check", ".", "--select", "PL9999"], repo)
    assert result.returncode == 2 and "no rule matches 'PL9999'" in result.stderr


def test_single_file_maps_to_its_bundle(broken: Path) -> None:
    result = run(["check", "old-env/v1/schema/schema.yaml", "--format", "parseable"], broken)
    assert result.returncode == 1 and "PL203" in result.stdout
    assert "clean-env" not in result.stdout


def test_json_output(broken: Path) -> None:
    result = run(["check", ".", "--format", "json"], broken)
    body = json.loads(result.stdout)
    assert body["version"] == 1 and body["tool"]["name"] == "proton-lint"
    (finding,) = body["findings"]
    assert finding["rule"] == "PL203" and finding["line"] == 4 and finding["column"] == 7
    assert body["summary"]["error"] == 1


def test_github_format_is_automatic_on_actions(broken: Path) -> None:
    result = run(["check", "."], broken, env={"GITHUB_ACTIONS": "true"})
    assert result.stdout.startswith("::error file=old-env/v1/infrastructure/manifest.yaml,line=4")


def test_output_file(broken: Path) -> None:
    result = run(["check", ".", "--format", "sarif", "--output", "report.sarif"], broken)
    assert result.returncode == 1 and result.stdout == ""
    assert json.loads((broken / "report.sarif").read_text())["version"] == "2.1.0"


def test_statistics(broken: Path) -> None:
    assert "PL203" in run(["check", ".", "--statistics"], broken).stdout


def test_write_baseline_then_check_with_it(broken: Path) -> None:
    assert run(["check", ".", "--write-baseline", "baseline.json"], broken).returncode == 0
    assert json.loads((broken / "baseline.json").read_text())["findings"][0]["rule"] == "PL203"
    assert run(["check", ".", "--baseline", "baseline.json"], broken).returncode == 0


def test_config_file_is_found_upward_and_validated(broken: Path) -> None:
    (broken / ".proton-lint.yaml").write_text("ignore: [PL203]\n")
    sub = broken / "old-env"
    assert run(["check", "."], sub).returncode == 0
    shown = run(["check", "--show-config"], sub).stdout
    assert 'ignore = ["PL203"]' in shown and ".proton-lint.yaml" in shown
    (broken / ".proton-lint.yaml").write_text("select: [ALL]\nignor: [PL203]\n")
    result = run(["check", "."], sub)
    assert result.returncode == 2
    assert ".proton-lint.yaml:2: unknown key 'ignor' (did you mean 'ignore'?)" in result.stderr


def test_pyproject_config_and_command_line_precedence(broken: Path) -> None:
    (broken / "pyproject.toml").write_text('[tool.proton-lint]\nfail-level = "none"\n')
    assert run(["check", "."], broken).returncode == 0
    assert run(["check", ".", "--fail-level", "error"], broken).returncode == 1
    shown = run(["check", "--show-config", "--fail-level", "warning"], broken).stdout
    assert 'fail-level = "warning"  # command line' in shown


def test_pyproject_wrong_type_is_an_error(broken: Path) -> None:
    (broken / "pyproject.toml").write_text('[tool.proton-lint]\nselect = "PL2"\n')
    result = run(["check", "."], broken)
    assert result.returncode == 2 and "pyproject.toml:2: 'select'" in result.stderr


def test_internal_error_exits_2(broken: Path) -> None:
    pack = broken / "pack"
    pack.mkdir()
    (pack / "crash.py").write_text(
        "from proton_lint.rules import Rule\nfrom proton_lint.findings import Severity\n"
        "class C(Rule):\n    id='ACME001'\n    slug='acme'\n    severity=Severity.INFO\n    summary='x'\n"
        "    def check(self, bundle):\n        raise RuntimeError('bug')\n"
    )
    result = run(["check", ".", "--rules", "pack", "--fail-level", "none"], broken)
    assert result.returncode == 2 and "PL000" in result.stdout and "Traceback" not in result.stderr


def test_closed_pipe_ends_quietly(broken: Path) -> None:
    for i in range(40):
        write_bundle(broken / f"e{i}" / "v1", overrides={"infrastructure/manifest.yaml": LEGACY_MANIFEST})
    proc = subprocess.run(
        f"{sys.executable} -m proton_lint check . | head -1",
        shell=True,
        cwd=broken,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
    )
    assert proc.stderr == ""


def test_rules_and_rule_commands(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "--format", "json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert {"PL201", "PL310"} <= {r["id"] for r in listed}
    assert main(["rule", "PL201"]) == 0
    page = capsys.readouterr().out
    for heading in (
        "# manifest-structure (PL201)",
        "## What it does",
        "## Why is this bad?",
        "## Example",
        "Use instead:",
        "## Source",
    ):
        assert heading in page
    assert main(["rule", "manifest-structure"]) == 0
    assert main(["rule", "PL2O1"]) == 2
    assert "did you mean" in capsys.readouterr().err


def test_version_and_help_import_nothing_heavy() -> None:
    code = (
        "import sys, io, contextlib\n"
        "from proton_lint.cli import main\n"
        "for argv in (['--version'], ['--help'], ['check', '--help']):\n"
        "    with contextlib.redirect_stdout(io.StringIO()):\n"
        "        try: main(argv)\n"
        "        except SystemExit: pass\n"
        "heavy = [m for m in ('jinja2', 'cfnlint', 'boto3', 'botocore', 'moto', 'jsonschema') if m in sys.modules]\n"
        "print(heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.stdout.strip() == "[]", out.stderr


def test_docs_rules_md_is_current(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "--format", "markdown"]) == 0
    current = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert capsys.readouterr().out == current, "run: proton-lint rules --format markdown > docs/rules.md"


ENTRY_POINT_PLUGIN = """
from proton_lint import hookimpl
from proton_lint.findings import Severity
from proton_lint.rules import Rule


class NoDescription(Rule):
    id = "ACME201"
    slug = "acme-schema-description"
    severity = Severity.WARNING
    summary = "Every input type needs a description."

    def check(self, bundle):
        for name, node in (bundle.schema_root.get("types") or {}).items():
            if isinstance(node, dict) and "description" not in node:
                yield self.finding(bundle, "schema/schema.yaml", f"type {name} has no description",
                                   at=("schema", "types", name), key=True)


@hookimpl
def proton_lint_rules():
    return [NoDescription()]
"""


def test_installed_plugin_is_loaded_through_the_entry_point_group(repo: Path, tmp_path_factory) -> None:
    site = tmp_path_factory.mktemp("site")
    (site / "acme_proton_rules.py").write_text(ENTRY_POINT_PLUGIN)
    dist = site / "acme_proton_rules-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-proton-rules\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[proton_lint]\nacme = acme_proton_rules\n")
    schema = repo / "clean-env" / "v1" / "schema" / "schema.yaml"
    schema.write_text(schema.read_text().replace('      description: "Inputs of the environment"\n', ""))
    env = {"PYTHONPATH": str(site)}
    listed = run(["rules", "--format", "json"], repo, env=env)
    assert "ACME201" in {r["id"] for r in json.loads(listed.stdout)}
    result = run(["check", ".", "--format", "parseable", "--select", "ACME"], repo, env=env)
    assert result.returncode == 0  # a warning does not fail at the default level
    expected = "clean-env/v1/schema/schema.yaml:6:5: ACME201 warning type EnvironmentInput has no description"
    assert expected in result.stdout


def test_rule_packs_from_the_config_file(repo: Path) -> None:
    pack = repo / "lint-rules"
    pack.mkdir()
    (pack / "acme.yaml").write_text(
        "rules:\n  - id: ACME301\n    slug: acme-no-jinja\n    severity: error\n    summary: No Jinja here.\n"
        "    target: manifest\n    message: 'engine {value} is not allowed'\n"
        "    schema:\n      properties:\n        infrastructure:\n          properties:\n            templates:\n"
        "              items:\n                properties:\n                  rendering_engine: {not: {const: jinja}}\n"
    )
    (repo / ".proton-lint.yaml").write_text("rules: [lint-rules]\n")
    result = run(["check", "clean-env", "--format", "parseable"], repo)
    assert result.returncode == 1 and "ACME301 error engine 'jinja' is not allowed" in result.stdout


def test_config_rule_folders_load_yaml_packs_only(repo: Path) -> None:
    """A repository's config can name rule packs, but never make the linter import its Python."""
    packs = repo / "packs"
    packs.mkdir()
    marker = repo / "PWNED"
    (packs / "evil.py").write_text(f"open({str(marker)!r}, 'w').write('x')\n")
    (repo / ".proton-lint.yaml").write_text("rules: [packs]\n")
    assert run(["check", "."], repo).returncode == 0
    assert not marker.exists()
    (repo / ".proton-lint.yaml").write_text("rules: [../elsewhere]\n")
    result = run(["check", "."], repo)
    assert result.returncode == 2 and "'rules' points outside the project" in result.stderr


def test_path_settings_mean_the_same_from_any_folder(broken: Path) -> None:
    (broken / ".proton-lint.yaml").write_text('per-path-ignores:\n  "old-env/*": [PL203]\n')
    assert run(["check", "."], broken).returncode == 0
    assert run(["check", "."], broken / "old-env").returncode == 0
    assert run(["check", "old-env"], broken).returncode == 0
    (broken / ".proton-lint.yaml").write_text("select: [ALL]\n")
    assert run(["check", ".", "--write-baseline", "baseline.json"], broken).returncode == 0
    assert run(["check", ".", "--baseline", "../baseline.json"], broken / "old-env").returncode == 0


def test_pipe_closed_keeps_the_exit_code(broken: Path) -> None:
    for i in range(40):
        write_bundle(broken / f"e{i}" / "v1", overrides={"infrastructure/manifest.yaml": LEGACY_MANIFEST})
    proc = subprocess.run(
        f"set -o pipefail; {sys.executable} -m proton_lint check . --format parseable | head -1",
        shell=True,
        executable="/bin/bash",
        cwd=broken,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 1 and proc.stderr == ""


def test_output_folder_is_checked_before_linting(repo: Path) -> None:
    result = run(["check", ".", "-o", "missing/report.json"], repo)
    assert result.returncode == 2 and "the folder for --output does not exist" in result.stderr
