"""A Terraform template repository: the module files plus the variables Proton passed, ready for terraform plan."""

from __future__ import annotations

import json
from pathlib import Path

import hcl2

from .conftest import World

MANIFEST = """{folder}:
  templates:
    - file: "*"
      rendering_engine: hcl
      template_language: terraform
"""
ENV_SCHEMA = """schema:
  format:
    openapi: "3.0.0"
  environment_input_type: "EnvInput"
  types:
    EnvInput:
      type: object
      properties:
        vpc_cidr:
          type: string
          default: "10.0.0.0/16"
        stage:
          type: string
          default: dev
"""
SERVICE_SCHEMA = """schema:
  format:
    openapi: "3.0.0"
  service_input_type: "SvcInput"
  pipeline_input_type: "PipeInput"
  types:
    SvcInput:
      type: object
      properties:
        memory:
          type: number
          default: 256
    PipeInput:
      type: object
      properties:
        code_dir:
          type: string
          default: src
"""
ENV_TF = """resource "aws_vpc" "this" {
  cidr_block = var.environment.inputs.vpc_cidr
  tags       = var.proton_tags
}

output "vpc_id" {
  value = aws_vpc.this.id
}
"""
INSTANCE_TF = """resource "aws_ssm_parameter" "memory" {
  name  = "/${var.service.name}/${var.service_instance.name}/memory"
  type  = "String"
  value = "${var.service_instance.inputs.memory} in ${var.environment.outputs.vpc_id}"
}

output "parameter" {
  value = aws_ssm_parameter.memory.name
}
"""
PIPELINE_TF = """resource "aws_ssm_parameter" "instances" {
  name  = "/${var.service.name}/pipeline"
  type  = "String"
  value = join(",", [for i in var.service_instances : i.outputs.parameter])
}
"""


def _repository(root: Path) -> None:
    files = {
        "tf-env/v1/schema/schema.yaml": ENV_SCHEMA,
        "tf-env/v1/infrastructure/manifest.yaml": MANIFEST.format(folder="infrastructure"),
        "tf-env/v1/infrastructure/main.tf": ENV_TF,
        "tf-svc/v1/schema/schema.yaml": SERVICE_SCHEMA,
        "tf-svc/v1/instance_infrastructure/manifest.yaml": MANIFEST.format(folder="instance_infrastructure"),
        "tf-svc/v1/instance_infrastructure/main.tf": INSTANCE_TF,
        "tf-svc/v1/pipeline_infrastructure/manifest.yaml": MANIFEST.format(folder="pipeline_infrastructure"),
        "tf-svc/v1/pipeline_infrastructure/main.tf": PIPELINE_TF,
        "specs/tfdev.yaml": "proton: EnvironmentSpec\nspec:\n  vpc_cidr: 10.4.0.0/16\n",
        "specs/tfsvc.yaml": (
            "proton: ServiceSpec\npipeline:\n  code_dir: app\ninstances:\n"
            "  - name: one\n    environment: tfdev\n    spec:\n      memory: 512\n"
        ),
        "inventory.yaml": """repository: .
environments:
  - name: tfdev
    template: tf-env
    major: 1
    spec: specs/tfdev.yaml
    outputs:
      vpc_id: vpc-0123456789abcdef0
services:
  - name: tfsvc
    template: tf-svc
    major: 1
    spec: specs/tfsvc.yaml
    repository_id: my-org/tfsvc
    branch_name: main
    repository_connection_arn: arn:aws:codestar-connections:us-east-1:123456789012:connection/abc
    instance_outputs:
      one:
        parameter: /tfsvc/one/memory
""",
    }
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)


def _tfvars(folder: Path) -> dict:
    return json.loads((folder / "proton.auto.tfvars.json").read_text())


def test_tfvars_hold_what_proton_passed_and_parse(world: World, tmp_path: Path) -> None:
    _repository(tmp_path)
    out = tmp_path / "out"
    code, stdout, stderr = world.migrate(tmp_path / "inventory.yaml", out)
    assert code == 0, stderr
    steps = json.loads((out / "plan.json").read_text())["steps"]
    assert [(s["id"], s["engine"], s["stack_name"], s["stack_exists"]) for s in steps] == [
        ("environment/tfdev", "terraform", None, None),
        ("service_instance/tfsvc/one", "terraform", None, None),
        ("service_pipeline/tfsvc", "terraform", None, None),
    ]
    arn = "arn:aws:proton:us-east-1:123456789012"
    env = _tfvars(out / steps[0]["template"])
    assert env["environment"] == {"name": "tfdev", "inputs": {"vpc_cidr": "10.4.0.0/16", "stage": "dev"}}
    assert env["//"] == f"{arn}:environment/tfdev"
    assert env["proton_tags"]["proton:environment"] == f"{arn}:environment/tfdev"
    instance = _tfvars(out / steps[1]["template"])
    assert instance["environment"] == {
        "account_id": "123456789012",
        "name": "tfdev",
        "outputs": {"vpc_id": "vpc-0123456789abcdef0"},
    }
    assert instance["service"] == {
        "name": "tfsvc",
        "repository_connection_arn": "arn:aws:codestar-connections:us-east-1:123456789012:connection/abc",
        "repository_id": "my-org/tfsvc",
        "branch_name": "main",
    }
    assert instance["service_instance"] == {"name": "one", "inputs": {"memory": 512}, "components": {}}
    pipeline = _tfvars(out / steps[2]["template"])
    assert pipeline["pipeline"] == {"inputs": {"code_dir": "app"}}
    assert pipeline["service_instances"][0]["outputs"] == {"parameter": "/tfsvc/one/memory"}
    assert pipeline["service_instances"][0]["environment"]["outputs"] == {"vpc_id": "vpc-0123456789abcdef0"}
    for step, kind in zip(steps, ("environment", "service_instance", "pipeline"), strict=True):
        folder = out / step["template"]
        assert sorted(p.name for p in folder.iterdir()) == [
            "main.tf",
            "proton.auto.tfvars.json",
            f"proton.{kind}.variables.tf",
        ]
        variables = hcl2.loads((folder / f"proton.{kind}.variables.tf").read_text())["variable"]
        declared = {name.strip('"') for block in variables for name in block}
        assert set(_tfvars(folder)) - {"//"} <= declared  # every value has its variable
        assert hcl2.loads((folder / "main.tf").read_text())
    code, stdout, stderr = world.migrate(tmp_path / "inventory.yaml", out, "--apply")
    assert code == 0, stderr
    assert stdout.count("Terraform, not applied") == 3
