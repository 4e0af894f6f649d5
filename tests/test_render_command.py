"""`proton-lint render`: the rendered templates deploy as they are (cfn-lint finds no error)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from proton_lint.cfn import lint_template
from proton_lint.cli import main

from .bundles import write_bundle
from .conftest import CORPUS

ENVIRONMENTS = CORPUS / "aws-samples__aws-proton-cloudformation-sample-templates" / "environment-templates"


@pytest.mark.skipif(not ENVIRONMENTS.is_dir(), reason="../shared/corpus is not present")
@pytest.mark.parametrize("name", ["vpc-env", "fargate-env", "ecs-ec2-env"])
def test_rendered_environment_samples_pass_cfn_lint(name: str, tmp_path: Path, capsys) -> None:
    out = tmp_path / "out"
    assert main(["render", str(ENVIRONMENTS / name), "--out", str(out)]) == 0
    files = sorted(out.rglob("cloudformation.yaml"))
    assert files and capsys.readouterr().out.split() == [str(f) for f in files]
    for file in files:
        errors = [m for m in lint_template(file.read_text()) if m.level == "error" and m.rule != "E2533"]
        assert errors == [], file  # E2533 (a Lambda runtime deprecated since) is a real defect of ecs-ec2-env
        context = json.loads(file.with_name("cloudformation.yaml.context.json").read_text())
        assert set(context["environment"]) == {"name", "inputs"}


def test_every_instance_is_rendered_and_existing_output_is_kept(tmp_path: Path, capsys) -> None:
    root = write_bundle(tmp_path / "repo" / "svc" / "v1", "service")
    spec = tmp_path / "repo" / "svc" / "spec" / "spec.yaml"
    spec.parent.mkdir()
    spec.write_text(
        "proton: ServiceSpec\npipeline:\n  dockerfile: Dockerfile\ninstances:\n"
        "  - name: api-dev\n    environment: dev\n    spec:\n      port: 8080\n"
        "  - name: api-prod\n    environment: prod\n"
    )
    out = tmp_path / "out"
    assert main(["render", str(root), "--out", str(out), "--repo", str(tmp_path / "repo")]) == 0
    written = capsys.readouterr().out.split()
    assert len(written) == 3  # two instances and the pipeline
    assert "DelaySeconds: '8'" in next(Path(p) for p in written if "api-dev" in p).read_text()
    (out / "keep.txt").write_text("mine")
    assert main(["render", str(root), "--out", str(out)]) == 2
    assert "not empty" in capsys.readouterr().err and (out / "keep.txt").read_text() == "mine"
    assert main(["render", str(root), "--out", str(out), "--instance", "api-prod", "--force"]) == 0
    (written,) = capsys.readouterr().out.split()
    assert Path(written).relative_to(out).parts[:5] == ("svc", "v1", "spec", "spec", "api-prod")


def test_render_refuses_an_output_folder_that_overlaps_the_sources(tmp_path: Path, capsys) -> None:
    root = write_bundle(tmp_path / "repo" / "env" / "v1")
    for out in (tmp_path / "repo", root, root / "rendered"):
        assert main(["render", str(root), "--out", str(out), "--force", "--repo", str(tmp_path / "repo")]) == 2
        assert "overlaps" in capsys.readouterr().err
    assert (root / "schema" / "schema.yaml").is_file()


def test_a_discovered_spec_proton_would_refuse_is_not_rendered(tmp_path: Path, capsys) -> None:
    root = write_bundle(tmp_path / "repo" / "svc" / "v1", "service")
    good = "proton: ServiceSpec\ninstances:\n  - name: api-dev\n    environment: dev\n"
    (tmp_path / "repo/svc/spec").mkdir()
    (tmp_path / "repo/svc/spec/good.yaml").write_text(good)
    (tmp_path / "repo/svc/spec/bad.yaml").write_text(good + "    spec:\n      port: 70000\n")
    out = tmp_path / "out"
    assert main(["render", str(root), "--out", str(out), "--repo", str(tmp_path / "repo")]) == 1
    captured = capsys.readouterr()
    assert "bad.yaml:6:13: PL402 input 'port': 70000 is greater than the maximum of 65535" in captured.err
    assert "bad.yaml is not a spec Proton accepts; nothing was rendered with it" in captured.err
    written = captured.out.split()
    assert written and all("/good/" in p for p in written)
