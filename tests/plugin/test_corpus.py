"""Acceptance: a suite for AWS's CloudFormation samples deploys, updates, cancels and deletes (moto, server)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import CORPUS

SUITE = Path(__file__).parent / "suites" / "corpus_suite.py"


@pytest.fixture
def corpus_suite(suite: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    if not (CORPUS / "aws-samples__aws-proton-cloudformation-sample-templates").is_dir():
        pytest.skip("../shared/corpus is not here (a fresh clone)")
    monkeypatch.setenv("PROTON_CORPUS", str(CORPUS))
    suite.makepyfile(test_corpus_suite=SUITE.read_text(encoding="utf-8"))
    return suite


@pytest.mark.parametrize("target", ["moto", "server"])
def test_corpus_suite_lifecycle(corpus_suite: pytest.Pytester, run, target: str) -> None:
    result = run("--proton-target", target, "-v", "-k", "not outputs")
    result.stdout.fnmatch_lines(
        ["*test_deploys PASSED*", "*test_updates PASSED*", "*test_cancels PASSED*", "*test_deletes PASSED*"]
    )
    result.assert_outcomes(passed=4, deselected=1)


def test_corpus_suite_outputs(corpus_suite: pytest.Pytester, run) -> None:
    """Outputs match the templates' CloudFormation Outputs (real provisioning, issue 5)."""
    result = run("-v", "-k", "outputs")
    result.assert_outcomes(passed=1, deselected=4)
