"""The cfn-lint adapter: real cfn-lint on real templates, one runner per process."""

from __future__ import annotations

from proton_lint.cfn import lint_template

MISPLACED_SSE = """\
Resources:
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      BucketEncryption:
        ServerSideEncryptionConfiguration:
          - ServerSideEncryptionByDefault:
            SSEAlgorithm: AES256
"""


def test_finds_the_corpus_sse_defect_at_its_line() -> None:
    (match,) = [m for m in lint_template(MISPLACED_SSE) if m.rule == "E3002"]
    assert (match.line, match.column, match.level) == (8, 13, "error")
    assert "SSEAlgorithm" in match.message


def test_clean_template_and_parse_errors() -> None:
    assert lint_template("Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n") == ()
    errors = lint_template("Resources:\n  Bucket: [\n")
    assert errors and errors[0].rule == "E0000" and errors[0].line >= 2


def test_regions_are_honoured() -> None:
    template = "Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n"
    assert lint_template(template, ("us-east-1", "eu-west-1")) == ()
