"""Every rule's documented examples are its fixtures: the bad one raises it, the good one does not."""

from __future__ import annotations

from pathlib import Path

import pytest

from proton_lint.engine import Linter, LintOptions
from proton_lint.plugins import build_registry, plugin_manager
from proton_lint.rules import Rule
from proton_lint.testing import materialize

REGISTRY = build_registry(plugin_manager(entry_points=False))
ENGINE_RULES = {"PL000"}  # raised by the engine itself; tested in test_engine.py
RULES = [r for r in REGISTRY if r.id not in ENGINE_RULES]


def _raised_by(rule, finding) -> bool:
    """A finding of ``rule``: its ID, or its sub-IDs (``CFN:E3002`` for the cfn-lint rule)."""
    return finding.rule == rule.id or bool(rule.subrule_prefix and finding.rule.startswith(rule.subrule_prefix))


def _lint(rule, example, where: Path, linter: Linter) -> list:
    target = materialize(rule.base, example, where)
    if example.options:
        linter = Linter(LintOptions(entry_points=False, **example.options))
    return linter.run([target]).findings


def test_every_rule_has_a_bad_and_a_good_example() -> None:
    def has_bad(rule: Rule) -> bool:
        bad = rule.bad
        return bool(bad.files or bad.archive or bad.location or bad.links or bad.fifos)

    missing = [r.id for r in RULES if not has_bad(r)]
    assert not missing, f"rules without a bad example: {missing}"
    for rule in REGISTRY:
        assert rule.summary and rule.what and rule.why, rule.id


@pytest.mark.parametrize("rule", RULES, ids=lambda r: f"{r.id}-{r.slug}")
def test_bad_example_raises_the_rule(rule, tmp_path: Path, linter: Linter) -> None:
    findings = _lint(rule, rule.bad, tmp_path, linter)
    hits = [f for f in findings if _raised_by(rule, f)]
    assert hits, f"{rule.id} not raised; got {[(f.rule, f.message) for f in findings]}"
    assert rule.subrule_prefix or all(f.severity == rule.severity for f in hits)
    for finding in hits:
        assert finding.path and "PL000" not in {f.rule for f in findings}


@pytest.mark.parametrize("rule", RULES, ids=lambda r: f"{r.id}-{r.slug}")
def test_good_example_is_clean_of_the_rule(rule, tmp_path: Path, linter: Linter) -> None:
    findings = _lint(rule, rule.good, tmp_path, linter)
    assert not [f for f in findings if _raised_by(rule, f)], [(f.rule, f.message, f.path) for f in findings]
    assert not [f for f in findings if f.rule == "PL000"]


@pytest.mark.parametrize(
    "base",
    [
        "environment",
        "service",
        "service-no-pipeline",
        "customer-managed-environment",
        "terraform-environment",
        "codebuild-environment",
        "component",
    ],
)
def test_base_bundles_are_clean(base: str, tmp_path: Path, linter: Linter) -> None:
    from proton_lint.rules import Example

    target = materialize(base, Example(), tmp_path)
    findings = linter.run([target]).findings
    assert findings == [], [(f.rule, f.message) for f in findings]


def test_built_in_packs_pass_the_checks_that_loading_skips() -> None:
    from importlib import resources

    from proton_lint.datarules import load_pack, pack_files

    for pack in pack_files(resources.files("proton_lint") / "rules"):
        assert load_pack(pack, checked=False)  # validates the pack and every rule's JSON Schema
