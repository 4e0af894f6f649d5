"""Inventory problems are named at their file:line, every one of them, and never as a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from proton_lint.cli import main
from proton_lint.migrate import inventory as inventory_module
from proton_lint.migrate.inventory import InventoryError

from .conftest import World, write_inventory
from .emulated import EXAMPLES, VPC_ENV


def _inventory(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "inventory.yaml"
    path.write_text(text)
    return path


def _problems(path: Path) -> list[str]:
    with pytest.raises(InventoryError) as caught:
        inventory_module.load(path)
    return str(caught.value).splitlines()


def test_shape_errors_each_at_file_line_column(tmp_path: Path) -> None:
    path = _inventory(
        tmp_path,
        """repository: templates/
environments:
  - name: dev
    template: vpc-env
    major: one
    spec: specs/dev.yaml
services:
  - name: api
    templat: conf-svc
    major: 1
    spec: specs/api.yaml
components: {}
""",
    )
    assert _problems(path) == [
        f"{path}:5:12: environments[0].major: 'one' is not of type 'integer'",
        f"{path}:8:5: services[0]: 'template' is a required property",
        f"{path}:8:5: services[0]: Additional properties are not allowed ('templat' was unexpected); "
        "the keys are described in the inventory schema (README, 'Leaving Proton')",
        f"{path}:12:13: components: {{}} is not of type 'array'",
    ]


def test_meaning_errors_name_the_line(tmp_path: Path) -> None:
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "dev.yaml").write_text((VPC_ENV / "spec" / "spec.yaml").read_text())
    path = _inventory(
        tmp_path,
        f"""repository: {EXAMPLES}
environments:
  - name: dev
    template: vpc-env
    major: 2
    spec: specs/dev.yaml
  - name: dev
    template: vpc-env
    major: 1
    spec: specs/missing.yaml
components:
  - name: cache
    environment: nowhere
    template: component-templates/cache-component
""",
    )
    assert _problems(path) == [
        f"{path}:7:11: a second environment named 'dev'",
        f"{path}:4:15: no folder vpc-env/v2/ in {EXAMPLES} (nor one level down, as in "
        "environment-templates/vpc-env/v2/)",
        f"{path}:10:11: {tmp_path / 'specs' / 'missing.yaml'} is not a file",
        f"{path}:13:18: no environment 'nowhere' in the inventory's environments",
    ]


def test_yaml_syntax_error_and_not_a_mapping(tmp_path: Path) -> None:
    first = _problems(_inventory(tmp_path, "repository: [unclosed\n"))[0]
    assert first.startswith(f"{tmp_path / 'inventory.yaml'}:1:22: invalid YAML")
    assert _problems(_inventory(tmp_path, "- a list\n")) == [
        f"{tmp_path / 'inventory.yaml'}:1:1: the inventory must be a mapping with 'repository:' (see the README)"
    ]


def test_the_command_exits_1_with_the_problems(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _inventory(tmp_path, "repository: .\nenvironments:\n  - nme: dev\n")
    assert main(["migrate", str(path), "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert f"{path}:3:5: environments[0]: 'name' is a required property" in err
    assert "Traceback" not in err and not (tmp_path / "out").exists()


def test_spec_that_proton_refuses_is_named_at_its_line(world: World, tmp_path: Path) -> None:
    bad = (VPC_ENV / "spec" / "spec.yaml").read_text().replace('"10.1.0.0/16"', '"ten"')
    inventory = write_inventory(tmp_path, env="dev", env_spec=bad)
    code, _, stderr = world.migrate(inventory, tmp_path / "out")
    assert code == 1
    assert stderr.startswith(f"proton-lint migrate: {tmp_path / 'specs' / 'dev.yaml'}:3:13: input 'vpc_cidr': 'ten'")


def test_missing_upstream_output_names_the_stack(world: World, tmp_path: Path) -> None:
    cloudformation = world.cloudformation()
    template = {"Resources": {"T": {"Type": "AWS::SNS::Topic"}}, "Outputs": {"Other": {"Value": "x"}}}
    cloudformation.create_stack(StackName="bare-env", TemplateBody=json.dumps(template))
    inventory = write_inventory(tmp_path, env="bare", service="needs-vpc")
    text = inventory.read_text().replace(
        "  - name: bare\n    template: vpc-env\n    major: 1\n    spec: specs/bare.yaml\n",
        "  - name: bare\n    stack: bare-env\n",
    )
    inventory.write_text(text)
    code, _, stderr = world.migrate(inventory, tmp_path / "out")
    assert code == 1
    assert "service_instance/needs-vpc/one reads environment.outputs.VpcId" in stderr
    assert "stack bare-env (environment bare) has no output VpcId (it has: Other)" in stderr


def test_missing_stack_of_an_environment_the_inventory_does_not_deploy(world: World, tmp_path: Path) -> None:
    inventory = write_inventory(tmp_path, env="gone", service="lost")
    text = inventory.read_text().replace(
        "  - name: gone\n    template: vpc-env\n    major: 1\n    spec: specs/gone.yaml\n",
        "  - name: gone\n    stack: no-such-stack\n",
    )
    inventory.write_text(text)
    code, _, stderr = world.migrate(inventory, tmp_path / "out")
    assert code == 1
    assert f"{inventory}:3:5: stack no-such-stack of environment gone does not exist" in stderr


def test_internal_errors_exit_2_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import proton_lint.migrate.inventory

    def broken(path: Path) -> None:
        raise KeyError("surprise")

    monkeypatch.setattr(proton_lint.migrate.inventory, "load", broken)
    assert main(["migrate", str(tmp_path / "inventory.yaml"), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "internal error: KeyError: 'surprise'" in err and "Traceback" not in err


def test_without_boto3_one_line_says_what_to_install(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    path = write_inventory(tmp_path)
    monkeypatch.setitem(sys.modules, "boto3", None)
    assert main(["migrate", str(path), "--out", str(tmp_path / "out")]) == 1
    assert capsys.readouterr().err == (
        "proton-lint migrate: it talks to CloudFormation through boto3, which is not installed: pip install boto3\n"
    )
