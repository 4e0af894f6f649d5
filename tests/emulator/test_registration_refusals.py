"""Registration refuses exactly what Proton refused (issue 11 §2): the rules' ``proton_refuses`` metadata."""

from __future__ import annotations

from typing import Any

import pytest

from proton_lint.engine import Linter, LintOptions
from proton_lint.plugins import build_registry, plugin_manager
from proton_lint.rules import PROTON_REFUSES
from pytest_proton.emulator.bundles import registration_rules

from . import bundles
from .test_registration_bundles import _register

#: a default shorter than its own minLength: a linter finding (PL310) that Proton is not known to refuse
SHORT_DEFAULT = """schema:
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
          minLength: 20
"""
#: a pre-GA manifest key (PL203), which Proton refused at registration (AG:ga-api-migration.md)
LEGACY_MANIFEST = """infrastructure:
  templates:
    - file: "cloudformation.yaml"
      engine: jinja
      template_language: cloudformation
"""


def _rules() -> list[Any]:
    return list(build_registry(plugin_manager(entry_points=False)))


def test_every_rule_says_where_proton_refused_it_with_a_source() -> None:
    for rule in _rules():
        assert rule.proton_refuses in PROTON_REFUSES, rule.id
        if rule.proton_refuses != "never":
            assert rule.proton_refuses_source, f"{rule.id} claims a refusal without a source"


def test_the_emulator_refuses_exactly_the_rules_marked_for_registration() -> None:
    marked = {rule.id for rule in _rules() if rule.proton_refuses == "registration"}
    assert set(registration_rules()) == marked
    assert "PL310" not in marked and "PL203" in marked


def test_a_bundle_with_a_linter_only_defect_registers(proton: Any, s3: Any, tmp_path: Any) -> None:
    files = {**bundles.base("environment"), "schema/schema.yaml": SHORT_DEFAULT}
    root = tmp_path / "env"
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    lint = Linter(LintOptions(select=("PL310",), entry_points=False)).run([root])
    assert [f.rule for f in lint.findings] == ["PL310"]  # the linter finds it ...
    version = _register(proton, bundles.upload(s3, "short.tar.gz", files))
    assert version["status"] == "DRAFT", version.get("statusMessage")  # ... Proton registered it


@pytest.mark.parametrize(
    ("overrides", "rule"),
    [({"infrastructure/manifest.yaml": LEGACY_MANIFEST}, "PL203"), ({"schema/schema.yaml": None}, "PL101")],
)
def test_a_bundle_with_a_registration_defect_is_refused(
    proton: Any, s3: Any, overrides: dict[str, str | None], rule: str
) -> None:
    files = {k: v for k, v in {**bundles.base("environment"), **overrides}.items() if v is not None}
    version = _register(proton, bundles.upload(s3, "bad.tar.gz", files))
    assert version["status"] == "REGISTRATION_FAILED"
    assert f"[{rule}]" in version["statusMessage"]


def test_the_rule_page_shows_where_proton_refused_it(capsys: Any) -> None:
    from proton_lint.cli import main

    main(["rule", "PL203"])
    page = capsys.readouterr().out
    assert "Proton refuses it **at registration**" in page and "AG:ga-api-migration.md" in page
    main(["rule", "PL310"])
    assert "**never**" in capsys.readouterr().out
