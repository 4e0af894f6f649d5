"""The rule engine: selection, crashes, suppressions, per-path ignores, baselines, plugins."""

from __future__ import annotations

from pathlib import Path

import pytest

from proton_lint import baseline
from proton_lint.engine import Linter, LintOptions
from proton_lint.rules import SelectionError
from proton_lint.testing import BASES

from .bundles import LEGACY_MANIFEST, write_bundle


def _run(root: Path, **options) -> list:
    return Linter(LintOptions(entry_points=False, **options)).run([root]).findings


def _rules(findings: list) -> list[str]:
    return [f.rule for f in findings]


# -- selection -------------------------------------------------------------------------------------
def test_select_by_id_prefix_and_slug(tmp_path: Path) -> None:
    linter = Linter(LintOptions(entry_points=False, select=("PL2",), ignore=("manifest-legacy-engine-key",)))
    ids = {r.id for r in linter.rules}
    assert ids and all(i.startswith("PL2") for i in ids)
    assert "PL203" not in ids


def test_unknown_selector_is_an_error_with_a_suggestion() -> None:
    with pytest.raises(SelectionError, match="did you mean"):
        Linter(LintOptions(entry_points=False, select=("manifest-structur",)))


def test_unselected_rules_never_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from proton_lint.checks.layout import SchemaFileMissing

    calls = []
    monkeypatch.setattr(SchemaFileMissing, "check", lambda self, bundle: calls.append(bundle) or ())
    write_bundle(tmp_path / "env" / "v1")
    _run(tmp_path, select=("PL2",))
    assert calls == []
    _run(tmp_path, select=("PL101",))
    assert len(calls) == 1


# -- crashes ------------------------------------------------------------------------------------------
CRASHING_RULE = """
from proton_lint.rules import Rule
from proton_lint.findings import Severity

class Crashes(Rule):
    id = "ACME001"
    slug = "acme-crashes"
    severity = Severity.ERROR
    summary = "Always crashes."
    def check(self, bundle):
        raise ZeroDivisionError("boom")
"""


def test_a_crashing_rule_becomes_pl000_and_the_run_goes_on(tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "crash.py").write_text(CRASHING_RULE)
    write_bundle(tmp_path / "repo" / "env" / "v1", overrides={"infrastructure/manifest.yaml": LEGACY_MANIFEST})
    result = Linter(LintOptions(entry_points=False, rule_dirs=(pack,))).run([tmp_path / "repo"])
    crash = [f for f in result.findings if f.rule == "PL000"]
    assert len(crash) == 1
    assert "ACME001" in crash[0].message and "ZeroDivisionError: boom" in crash[0].message
    assert "PL203" in _rules(result.findings)  # the other rules still ran
    assert result.internal_error


# -- local YAML rule packs -------------------------------------------------------------------------------
YAML_PACK = """\
rules:
  - id: ACME101
    slug: acme-no-latest-image
    severity: warning
    summary: CodeBuild images must be pinned.
    target: manifest
    message: "image {value} is not pinned"
    schema:
      properties:
        infrastructure:
          properties:
            templates:
              items:
                properties:
                  settings:
                    properties:
                      image: {not: {pattern: ":latest$"}}
"""


def test_local_yaml_pack_rules_run_and_locate(tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "acme.yaml").write_text(YAML_PACK)
    from proton_lint.testing import BASES

    manifest = BASES["codebuild-environment"]["infrastructure/manifest.yaml"].replace(":4.0", ":latest")
    write_bundle(tmp_path / "repo" / "env" / "v1", "codebuild-environment", {"infrastructure/manifest.yaml": manifest})
    findings = _run(tmp_path / "repo", rule_dirs=(pack,))
    hit = [f for f in findings if f.rule == "ACME101"]
    assert len(hit) == 1 and hit[0].line == 5 and "not pinned" in hit[0].message


def test_an_invalid_pack_is_a_clear_error(tmp_path: Path) -> None:
    from proton_lint.datarules import RulePackError
    from proton_lint.plugins import PluginError

    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "bad.yaml").write_text("rules:\n  - id: ACME1\n    slug: x\n")
    with pytest.raises((RulePackError, PluginError), match=r"bad\.yaml:2"):
        Linter(LintOptions(entry_points=False, rule_dirs=(pack,)))


def test_a_clashing_rule_id_is_refused(tmp_path: Path) -> None:
    from proton_lint.plugins import PluginError

    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "clash.yaml").write_text(YAML_PACK.replace("ACME101", "PL201"))
    with pytest.raises(PluginError, match="PL201 is defined twice"):
        Linter(LintOptions(entry_points=False, rule_dirs=(pack,)))


# -- inline suppressions ---------------------------------------------------------------------------------
def test_trailing_comment_suppresses_the_node_and_its_children(tmp_path: Path) -> None:
    manifest = LEGACY_MANIFEST.replace("  templates:", "  templates:  # proton-lint: ignore[PL203] migrating")
    write_bundle(tmp_path / "env" / "v1", overrides={"infrastructure/manifest.yaml": manifest})
    assert "PL203" not in _rules(_run(tmp_path))
    assert "PL001" not in _rules(_run(tmp_path))


def test_comment_on_the_line_above_suppresses_the_next_node(tmp_path: Path) -> None:
    manifest = LEGACY_MANIFEST.replace(
        "      engine: jinja", "      # proton-lint: ignore[manifest-legacy-engine-key]\n      engine: jinja"
    )
    write_bundle(tmp_path / "env" / "v1", overrides={"infrastructure/manifest.yaml": manifest})
    assert "PL203" not in _rules(_run(tmp_path))


def test_suppression_for_another_rule_leaves_the_finding_and_is_unused(tmp_path: Path) -> None:
    manifest = LEGACY_MANIFEST.replace("      engine: jinja", "      engine: jinja  # proton-lint: ignore[PL202]")
    write_bundle(tmp_path / "env" / "v1", overrides={"infrastructure/manifest.yaml": manifest})
    findings = _run(tmp_path)
    assert "PL203" in _rules(findings)
    unused = [f for f in findings if f.rule == "PL001"]
    assert len(unused) == 1 and unused[0].line == 4


def test_unused_suppression_of_an_unselected_rule_is_not_reported(tmp_path: Path) -> None:
    manifest = LEGACY_MANIFEST.replace("      engine: jinja", "      engine: jinja  # proton-lint: ignore[PL202]")
    write_bundle(tmp_path / "env" / "v1", overrides={"infrastructure/manifest.yaml": manifest})
    assert "PL001" not in _rules(_run(tmp_path, ignore=("PL202",)))


def test_file_level_suppression(tmp_path: Path) -> None:
    manifest = "# proton-lint: ignore-file[PL2] legacy bundle, frozen\n" + LEGACY_MANIFEST
    write_bundle(tmp_path / "env" / "v1", overrides={"infrastructure/manifest.yaml": manifest})
    assert not [r for r in _rules(_run(tmp_path)) if r.startswith("PL2")]


def test_jinja_comment_suppression(tmp_path: Path) -> None:
    from proton_lint.bundle import Bundle, DirSource
    from proton_lint.suppress import scan_file

    write_bundle(
        tmp_path,
        overrides={"infrastructure/cloudformation.yaml": "{# proton-lint: ignore[PL501] reason #}\nResources: {}\n"},
    )
    bundle = Bundle(source=DirSource(tmp_path))
    found = scan_file(bundle, "infrastructure/cloudformation.yaml")
    assert len(found) == 1 and found[0].rules == ("PL501",) and found[0].target_line == 2


# -- per-path ignores and baselines ---------------------------------------------------------------------------
def test_per_path_ignores(tmp_path: Path) -> None:
    write_bundle(tmp_path / "legacy" / "v1", overrides={"infrastructure/manifest.yaml": LEGACY_MANIFEST})
    write_bundle(tmp_path / "fresh" / "v1", overrides={"infrastructure/manifest.yaml": LEGACY_MANIFEST})
    findings = _run(tmp_path, per_path_ignores=(("*legacy/*", ("PL203",)),))
    paths = [f.path for f in findings if f.rule == "PL203"]
    assert len(paths) == 1 and paths[0].endswith("fresh/v1/infrastructure/manifest.yaml")


def test_baseline_survives_line_shifts_and_catches_new_findings(tmp_path: Path) -> None:
    bundle = write_bundle(tmp_path / "env" / "v1", overrides={"infrastructure/manifest.yaml": LEGACY_MANIFEST})
    base_file = tmp_path / "baseline.json"
    baseline.write(base_file, _run(tmp_path))
    # move every line down: the baseline is keyed by logical path, not line
    manifest = bundle / "infrastructure" / "manifest.yaml"
    manifest.write_text("# a comment\n\n" + LEGACY_MANIFEST)
    assert _run(tmp_path, baseline=base_file) == []
    # a new problem is still reported
    manifest.write_text("# a comment\n\n" + LEGACY_MANIFEST + "      templat_language: x\n")
    assert _rules(_run(tmp_path, baseline=base_file)) == ["PL216"]


def test_a_corrupt_baseline_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "b.json"
    bad.write_text("{not json")
    with pytest.raises(baseline.BaselineError, match=r"b\.json:1"):
        baseline.load(bad)


def test_parallel_and_serial_runs_agree(tmp_path: Path) -> None:
    for i in range(4):
        write_bundle(tmp_path / f"env{i}" / "v1", overrides={"infrastructure/manifest.yaml": LEGACY_MANIFEST})
    assert _run(tmp_path, jobs=2) == _run(tmp_path)


def test_suppression_naming_no_rule_is_reported(tmp_path: Path) -> None:
    manifest = LEGACY_MANIFEST.replace("      engine: jinja", "      engine: jinja  # proton-lint: ignore[PL2O3]")
    write_bundle(tmp_path / "env" / "v1", overrides={"infrastructure/manifest.yaml": manifest})
    findings = _run(tmp_path)
    (unknown,) = [f for f in findings if f.rule == "PL001"]
    assert "PL2O3, which is no rule" in unknown.message and unknown.line == 4
    assert "PL203" in _rules(findings)


def test_yaml_dates_in_defaults_compare_like_the_schema_does(tmp_path: Path) -> None:
    day = "        day:\n          type: string\n          default: 2020-01-01\n          enum: [2020-01-01]\n"
    write_bundle(
        tmp_path / "env" / "v1", overrides={"schema/schema.yaml": BASES["environment"]["schema/schema.yaml"] + day}
    )
    assert "PL310" not in _rules(_run(tmp_path))


# -- a manifest without entries (issue 10: no false pass) --------------------------------------------
@pytest.mark.parametrize(
    ("base", "manifest", "iac", "rule"),
    [
        (
            "environment",
            "",
            ("infrastructure/cloudformation.yaml", "Resources:\n  A: '{{ environment.inputs.nope }}'\n"),
            "PL503",
        ),
        ("environment", "# todo\n", ("infrastructure/cloudformation.yaml", "Resources:\n  A: {% if %}\n"), "PL501"),
        (
            "environment",
            "infrastructure: [\n",
            ("infrastructure/cloudformation.yaml", "Resources:\n  A: {% if %}\n"),
            "PL501",
        ),
        ("terraform-environment", "\ufeff", ("infrastructure/main.tf", "locals { a = var.nope }\n"), "PL805"),
        ("terraform-environment", "infrastructure:\n  templates: []\n", ("infrastructure/main.tf", "x {"), "PL801"),
    ],
    ids=["empty-jinja", "comments-jinja", "broken-jinja", "bom-terraform", "no-entries-terraform"],
)
def test_a_manifest_without_entries_still_has_its_iac_checked(
    tmp_path: Path, base: str, manifest: str, iac: tuple[str, str], rule: str
) -> None:
    rel, text = iac
    root = write_bundle(tmp_path, base, {"infrastructure/manifest.yaml": manifest, rel: text})
    findings = _run(root, ignore=("CFN",))
    assert rule in _rules(findings) and any(f.path.endswith(rel) for f in findings if f.rule == rule)
    assert {"PL201", "PL106"} & set(_rules(findings))  # and the manifest itself is reported


def test_only_iac_is_inferred_beside_a_manifest_without_entries(tmp_path: Path) -> None:
    from proton_lint.bundle import Bundle, DirSource

    overrides = {
        "infrastructure/manifest.yaml": "",
        "infrastructure/buildspec.yml": "version: 0.2\nphases: {}\n",
        "infrastructure/proton-inputs.json": '{"environment": {"inputs": {}}}\n',
    }
    bundle = Bundle(DirSource(write_bundle(tmp_path, "environment", overrides)))
    assert bundle.iac_entries("infrastructure/manifest.yaml") == [
        {"file": "cloudformation.yaml", "rendering_engine": "jinja"}
    ]
    assert bundle.manifest_entries("infrastructure/manifest.yaml") == []  # the manifest rules see none
