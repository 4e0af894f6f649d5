"""broken-env has deliberate mistakes (examples/README.md): the lint gate refuses to publish it."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_proton.errors import LintGateError, RegistrationFailed

EXAMPLES = Path(__file__).resolve().parents[1]
BROKEN_ENV = EXAMPLES / "environment-templates" / "broken-env"


def test_the_lint_gate_refuses_broken_env(proton_template, proton_client):
    with pytest.raises(LintGateError) as excinfo:
        proton_template(BROKEN_ENV)
    report = str(excinfo.value)
    for rule in ("PL203", "PL309", "PL310", "PL311", "PL312"):
        assert rule in report
    assert "lint=False" in report
    assert "infrastructure/manifest.yaml" in report
    templates = proton_client.list_environment_templates()["templates"]
    assert not any(t["name"].startswith("broken-env") for t in templates)  # nothing was created


def test_outputs_registration_rejects_broken_env_without_the_gate(proton_template):
    """With lint=False, Proton's registration itself refuses the bundle (the emulator lints it too)."""
    with pytest.raises(RegistrationFailed, match="REGISTRATION_FAILED"):
        proton_template(BROKEN_ENV, lint=False)
