"""A test kit for rule authors: small valid bundles, and a helper that lints an example.

Every rule's doc carries a bad and a good example: files laid over one of the base bundles below.
proton-lint's own test suite lints both for every rule (the bad one must raise the rule, the good
one must not), and authors of rule packs can do the same for theirs::

    from proton_lint.testing import lint_example
    findings = lint_example(rule, rule.bad, tmp_path)
"""

from __future__ import annotations

import os
import tarfile
import textwrap
from pathlib import Path

from proton_lint.findings import Finding
from proton_lint.rules import Example, Rule
from proton_lint.snippets import CFN_MANIFEST, HCL_MANIFEST, codebuild_manifest

_ENV_SCHEMA = """\
schema:
  format:
    openapi: "3.0.0"
  environment_input_type: "EnvironmentInput"
  types:
    EnvironmentInput:
      type: object
      description: "Inputs of the environment"
      properties:
        vpc_cidr:
          type: string
          description: "The VPC's CIDR block"
          default: "10.0.0.0/16"
          pattern: '([0-9]{1,3}\\.){3}[0-9]{1,3}($|/(16|24))'
"""


_ENV_CFN = """\
Resources:
  VPC:
    Type: AWS::EC2::VPC
    Properties:
      CidrBlock: '{{ environment.inputs.vpc_cidr }}'
Outputs:
  VpcId:
    Value: !Ref VPC
"""

_SERVICE_SCHEMA = """\
schema:
  format:
    openapi: "3.0.0"
  service_input_type: "ServiceInput"
  pipeline_input_type: "PipelineInput"
  types:
    ServiceInput:
      type: object
      properties:
        port:
          type: number
          default: 80
          minimum: 0
          maximum: 65535
    PipelineInput:
      type: object
      properties:
        dockerfile:
          type: string
          default: "Dockerfile"
"""

_SVC_CFN = """\
Resources:
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: '{{ service.name }}-{{ service_instance.name }}'
      DelaySeconds: '{{ service_instance.inputs.port // 1000 }}'
Outputs:
  QueueUrl:
    Value: !Ref Queue
"""

BASES: dict[str, dict[str, str]] = {
    "none": {},
    "environment": {
        "schema/schema.yaml": _ENV_SCHEMA,
        "infrastructure/manifest.yaml": CFN_MANIFEST,
        "infrastructure/cloudformation.yaml": _ENV_CFN,
    },
    "service": {
        "schema/schema.yaml": _SERVICE_SCHEMA,
        "instance_infrastructure/manifest.yaml": CFN_MANIFEST,
        "instance_infrastructure/cloudformation.yaml": _SVC_CFN,
        "pipeline_infrastructure/manifest.yaml": CFN_MANIFEST,
        "pipeline_infrastructure/cloudformation.yaml": (
            "Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n    Metadata:\n"
            "      Dockerfile: '{{ pipeline.inputs.dockerfile }}'\n"
        ),
    },
    "service-no-pipeline": {
        "schema/schema.yaml": _SERVICE_SCHEMA.replace('  pipeline_input_type: "PipelineInput"\n', "").split(
            "    PipelineInput:"
        )[0],
        "instance_infrastructure/manifest.yaml": CFN_MANIFEST,
        "instance_infrastructure/cloudformation.yaml": _SVC_CFN,
    },
    "customer-managed-environment": {
        "schema/schema.yaml": """\
schema:
  format:
    openapi: "3.0.0"
  environment_input_type: "EnvironmentOutputs"
  types:
    EnvironmentOutputs:
      type: object
      properties:
        VpcId:
          type: string
        ClusterName:
          type: string
      required: [VpcId, ClusterName]
""",
    },
    "terraform-environment": {
        "schema/schema.yaml": _ENV_SCHEMA,
        "infrastructure/manifest.yaml": HCL_MANIFEST,
        "infrastructure/main.tf": 'resource "aws_vpc" "vpc" {\n  cidr_block = var.environment.inputs.vpc_cidr\n}\n',
        "infrastructure/outputs.tf": 'output "vpc_id" {\n  value = aws_vpc.vpc.id\n}\n',
    },
    "codebuild-environment": {
        "schema/schema.yaml": _ENV_SCHEMA,
        "infrastructure/manifest.yaml": codebuild_manifest(
            ["npm ci", "npx cdk deploy --require-approval never", "./notify.sh"]
        ),
        "infrastructure/notify.sh": "#!/bin/sh\n",
        "infrastructure/package.json": "{}\n",
    },
    "component": {
        "manifest.yaml": CFN_MANIFEST,
        "cloudformation.yaml": """\
Resources:
  Bucket:
    Type: AWS::S3::Bucket
Outputs:
  BucketName:
    Value: !Ref Bucket
""",
    },
}


def materialize(base: str, example: Example, where: Path) -> Path:
    """Write the example's bundle under ``where``; returns the path to lint (folder or archive)."""
    files = dict(BASES[base])
    for rel, text in example.files.items():
        if text is None:
            files.pop(rel, None)
        else:
            files[rel] = textwrap.dedent(text)
    location = example.location or ("components/my-component" if base == "component" else "my-template/v1")
    root = where / "repo" / location
    root.mkdir(parents=True, exist_ok=True)
    for rel, text in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    for rel, target in example.links.items():
        link = root / rel
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(target)
    for rel in example.fifos:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        os.mkfifo(root / rel)
    if not example.archive:
        return where / "repo"
    archive = where / "bundle.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        for rel in sorted(files):
            tar.add(root / rel, arcname=rel)
    return archive


def lint_example(rule: Rule, example: Example, where: Path, **options: object) -> list[Finding]:
    """Lint an example with every rule selected; returns all findings (filter by rule yourself)."""
    from proton_lint.engine import Linter, LintOptions

    target = materialize(rule.base, example, where)
    linter = Linter(LintOptions(**{**example.options, **options}))  # type: ignore[arg-type]
    return linter.run([target]).findings
