"""Acceptance on the real-world corpus (../shared/corpus): the known defects and nothing else.

The expected findings come from the corpus README's "Known real defects" list (families 1-3);
AWS's reference bundles must get no other error-level finding from families 1-3.
"""

from __future__ import annotations

import pytest

from proton_lint.engine import Linter
from proton_lint.findings import Severity

from .conftest import CORPUS

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not present")

CODEBUILD = "aws-containers__proton-codebuild-provisioning-examples"
CHECKER = "aws-samples__aws-proton-template-checker-action/test/sample_templates"
CFN = "aws-samples__aws-proton-cloudformation-sample-templates"

#: (path inside the corpus, line, rule): every error-level finding of families 1-3 (the structural
#: rules); the known defects of the other families are checked with those families' tests.
KNOWN_ERRORS = {
    (f"{CODEBUILD}/cdk/service-templates/cdk-ecs-fargate-service/v1/schema/schema.yaml", 51, "PL310"),
    *(
        (f"{CHECKER}/{bundle}/{folder}/manifest.yaml", 4, "PL203")
        for bundle, folder in [
            ("invalid_jinja_syntax_template", "instance_infrastructure"),
            ("invalid_jinja_template", "instance_infrastructure"),
            ("valid_env_template", "infrastructure"),
            ("valid_svc_pipeline_template", "instance_infrastructure"),
            ("valid_svc_pipeline_template", "pipeline_infrastructure"),
            ("valid_svc_template", "instance_infrastructure"),
        ]
    ),
}
#: "a note at most": required and defaulted at once.
KNOWN_NOTES = {(f"{CFN}/lambda-multi-svc/lambda-env/v1/schema/schema.yaml", 16, "PL317")}


def _rel(path: str) -> str:
    marker = "corpus/"
    return path[path.index(marker) + len(marker) :] if marker in path else path


@pytest.fixture(scope="module")
def corpus_findings(linter: Linter) -> list:
    return linter.run([CORPUS]).findings


def test_no_internal_errors(corpus_findings: list) -> None:
    assert [f for f in corpus_findings if f.rule == "PL000"] == []


def test_known_defects_are_reported_at_their_lines(corpus_findings: list) -> None:
    structural = ("PL1", "PL2", "PL3")
    errors = {
        (_rel(f.path), f.line, f.rule)
        for f in corpus_findings
        if f.severity is Severity.ERROR and f.rule.startswith(structural)
    }
    assert errors == KNOWN_ERRORS


def test_contradictory_required_default_is_a_note(corpus_findings: list) -> None:
    notes = {(_rel(f.path), f.line, f.rule) for f in corpus_findings if f.rule == "PL317"}
    assert notes == KNOWN_NOTES
    assert all(f.severity is Severity.INFO for f in corpus_findings if f.rule == "PL317")


def test_every_bundle_is_found(linter: Linter) -> None:
    from proton_lint.discover import discover

    found = discover([CORPUS])
    schemas = sorted(p for p in CORPUS.rglob("schema/schema.yaml"))
    roots = {str(b.source.root.resolve()) for b in found.bundles if hasattr(b.source, "root")}
    assert {str(p.parent.parent.resolve()) for p in schemas} <= roots
    components = [b for b in found.bundles if b.kind.value == "component"]
    assert len(components) == 2  # the CloudFormation and Terraform s3-bucket components
    sync = [b for b in found.bundles if b.layout == "sync"]
    assert all(b.major == 1 and b.template_name for b in sync)


def test_parallel_run_gives_the_same_findings(linter: Linter) -> None:
    from dataclasses import replace

    parallel = Linter(replace(linter.options, jobs=2))
    assert parallel.run([CORPUS]).findings == linter.run([CORPUS]).findings
