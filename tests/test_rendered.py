"""Family 6 on real inputs: render every spec and instance, check the output, map findings back."""

from __future__ import annotations

from pathlib import Path

import pytest

from proton_lint.engine import Linter, LintOptions
from proton_lint.findings import Severity

from .bundles import write_bundle
from .conftest import CORPUS

CFN_SET = CORPUS / "aws-samples__aws-proton-cloudformation-sample-templates"
OLD_SET = CORPUS / "aws-samples__aws-proton-sample-templates"
CHECKER = CORPUS / "aws-samples__aws-proton-template-checker-action" / "test" / "sample_templates"
needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not present")


def _rel(path: str) -> str:
    return path.split("corpus/", 1)[-1]


@pytest.fixture(scope="module")
def family6() -> Linter:
    return Linter(LintOptions(entry_points=False, select=("PL6",)))


@needs_corpus
def test_aws_cloudformation_samples_render_for_every_instance(family6: Linter) -> None:
    from proton_lint.contexts import renderings
    from proton_lint.discover import discover
    from proton_lint.repo import Repository

    found = discover([CFN_SET])
    Repository(found.bundles, [CFN_SET], family6.options)
    failures, instances = [], set()
    for bundle in found.bundles:
        for rendering in renderings(bundle):
            instances.add((bundle.root, rendering.label))
            if not rendering.result.ok:
                failures.append((rendering.bundle.display(rendering.rel), rendering.label, rendering.result.errors))
    assert failures == []
    assert len(instances) >= 40  # every instance of every sample spec, and every pipeline


@needs_corpus
def test_the_misplaced_sse_algorithm_is_reported_at_the_source_line(family6: Linter) -> None:
    findings = family6.run([OLD_SET / "lambda-multi-svc"]).findings
    hits = {(_rel(f.path), f.line) for f in findings if f.rule == "CFN:E3002"}
    assert hits == {
        (
            f"aws-samples__aws-proton-sample-templates/lambda-multi-svc/{svc}/pipeline_infrastructure/cloudformation.yaml",
            11,
        )
        for svc in ("service-crud", "service-data-processing")
    }


@needs_corpus
def test_cloudformation_samples_get_only_real_errors(family6: Linter) -> None:
    """Deprecated Lambda runtimes (E2533) and an ECS/ELB port mismatch (E3049) are real defects
    of the 2021-era samples; fake environment outputs must not add any error."""
    findings = family6.run([CFN_SET]).findings
    errors = {(f.rule, _rel(f.path).split("/")[2]) for f in findings if f.severity is Severity.ERROR}
    assert {rule for rule, _ in errors} <= {"CFN:E2533", "CFN:E3049"}


@needs_corpus
def test_the_checkers_broken_fixture_fails_to_render(family6: Linter) -> None:
    findings = family6.run([CHECKER / "invalid_jinja_template"]).findings
    (failed,) = [f for f in findings if f.rule == "PL601"]
    assert "service_instance.inputs.this_does is undefined" in failed.message and failed.line == 30


def test_cfn_ids_are_selected_and_ignored_like_rules(tmp_path: Path) -> None:
    cfn = (
        "Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n      Runtime: python2.7\n"
        "      Handler: index.handler\n      Role: arn:aws:iam::123456789012:role/x\n      Code: {ZipFile: x}\n"
        "  VPC:\n    Type: AWS::EC2::VPC\n    Properties:\n      CidrBlock: '{{ environment.inputs.vpc_cidr }}'\n"
    )
    write_bundle(tmp_path / "env" / "v1", overrides={"infrastructure/cloudformation.yaml": cfn})

    def rules(**options) -> set[str]:
        return {f.rule for f in Linter(LintOptions(entry_points=False, **options)).run([tmp_path]).findings}

    assert "CFN:E2533" in rules()
    assert "CFN:E2533" not in rules(ignore=("CFN:E2533",))
    assert rules(select=("CFN:E25",)) == {"CFN:E2533"}


def test_findings_point_at_the_jinja_line_inside_a_loop(tmp_path: Path) -> None:
    """The rendered text is longer than the source; the finding still lands on the source line."""
    cfn = (
        "Resources:\n"
        "{% for i in range(3) %}\n"
        "  Queue{{ i }}:\n"
        "    Type: AWS::SQS::Queue\n"
        "    Properties:\n"
        "      DelaySeconds: 9000\n"
        "{% endfor %}\n"
        "  VPC:\n    Type: AWS::EC2::VPC\n    Properties:\n      CidrBlock: '{{ environment.inputs.vpc_cidr }}'\n"
    )
    write_bundle(tmp_path / "env" / "v1", overrides={"infrastructure/cloudformation.yaml": cfn})
    findings = Linter(LintOptions(entry_points=False, select=("PL6",))).run([tmp_path]).findings
    lines = {f.line for f in findings if f.rule.startswith("CFN:")}
    assert lines == {6}


@needs_corpus
def test_services_that_read_component_outputs_render_with_a_component_attached(family6: Linter) -> None:
    from proton_lint.contexts import renderings
    from proton_lint.discover import discover
    from proton_lint.repo import Repository

    found = discover([CFN_SET])
    Repository(found.bundles, [CFN_SET], family6.options)
    (service,) = [b for b in found.bundles if b.template_name == "load-balanced-fargate-svc"]
    attached = [r for r in renderings(service) if "with component s3-bucket-component" in r.label]
    assert attached and all(r.result.ok for r in attached)
    # the component's BucketName output reaches the template through the proton_cfn_* filters
    assert any("BucketName" in (r.result.text or "") or "bucket" in (r.result.text or "").lower() for r in attached)
