"""Minor-version compatibility (SCH-40/41): schema comparison, and PL420 against a git revision or a folder."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from proton_lint.compat import _parse_batch, breaking_changes
from proton_lint.engine import Linter, LintOptions
from proton_lint.findings import Severity

from .bundles import write_bundle

BASE = """\
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
        task_size:
          type: string
          enum: [small, medium, large]
          default: small
        image:
          type: string
          minLength: 1
          maxLength: 200
          default: nginx
        name:
          type: string
          pattern: "^[a-z]+$"
        tags:
          type: array
          items:
            type: string
        network:
          $ref: "#/Network"
      required: [image]
    Network:
      type: object
      properties:
        subnet:
          type: string
          default: a
    PipelineInput:
      type: object
      properties:
        dockerfile:
          type: string
          default: Dockerfile
"""


def root(text: str) -> dict:
    return yaml.safe_load(text)["schema"]


def changes(new_text: str, old_text: str = BASE) -> list[str]:
    return [c.message for c in breaking_changes(root(old_text), root(new_text))]


def test_identical_and_compatible_changes_are_not_breaking() -> None:
    assert changes(BASE) == []
    compatible = (
        BASE.replace("enum: [small, medium, large]", "enum: [small, medium, large, x-large]")
        .replace("maxLength: 200", "maxLength: 300")
        .replace("          minimum: 0\n", "")
        .replace("      required: [image]", "      required: []")
        .replace(
            "        tags:\n",
            "        cpu:\n          type: number\n          default: 256\n        memory:\n          type: number\n"
            "        tags:\n",
        )
    )
    assert changes(compatible) == []


@pytest.mark.parametrize(
    ("old", "new", "needle"),
    [
        ("        tags:\n", "        region:\n          type: string\n        tags:\n", None),  # optional: fine
        ("      required: [image]", "      required: [image, name]", "'name' became required"),
        ("        port:\n", "        prot:\n", "'port' was removed (renamed to 'prot'?)"),
        ("          type: number\n          default: 80", "          type: string\n          default: '80'", "type"),
        ("enum: [small, medium, large]", "enum: [small, large]", "no longer allows 'medium'"),
        ("          default: nginx\n", "          default: nginx\n          enum: [nginx]\n", "new enum"),
        ('pattern: "^[a-z]+$"', 'pattern: "^[a-z]{1,8}$"', "changed its pattern"),
        (
            "        tags:\n          type: array\n",
            "        tags:\n          type: array\n          maxItems: 3\n",
            "maxItems",
        ),
        ("          minLength: 1\n", "          minLength: 5\n", "raised its minLength from 1 to 5"),
        ("          maximum: 65535", "          maximum: 1024", "lowered its maximum from 65535 to 1024"),
        ("          maximum: 65535", "          maximum: 65535\n          exclusiveMaximum: true", "exclusive"),
        ("          default: nginx\n", "", "lost its default 'nginx'"),
        ('service_input_type: "ServiceInput"', 'service_input_type: "SvcInput"', "changed from 'ServiceInput'"),
        ('  pipeline_input_type: "PipelineInput"\n', "", "removes the pipeline"),
        ("            type: string\n        network", "            type: number\n        network", "items of"),
        ("          default: a\n", "          default: a\n          minLength: 2\n", "property 'subnet'"),
    ],
)
def test_breaking_changes(old: str, new: str, needle: str | None) -> None:
    assert old in BASE
    found = changes(BASE.replace(old, new, 1))
    if needle is None:
        assert found == []
    else:
        assert len(found) == 1 and needle in found[0], found


def test_new_required_input_without_default_and_added_pipeline() -> None:
    new = BASE.replace("      required: [image]", "      required: [image, owner]").replace(
        "        tags:\n", "        owner:\n          type: string\n        tags:\n"
    )
    assert changes(new) == [
        "new input 'owner' is required and has no default: existing deployments have no value for it"
    ]
    no_pipeline = BASE.replace('  pipeline_input_type: "PipelineInput"\n', "")
    assert "adds a pipeline" in changes(BASE, no_pipeline)[0]


def test_parse_batch() -> None:
    output = b"abc blob 3\nxyz\nHEAD:nope missing\ndef blob 0\n\n"
    assert _parse_batch(output) == [b"xyz", None, b""]


# -- against a git revision ----------------------------------------------------------------------
GIT = shutil.which("git")
needs_git = pytest.mark.skipif(GIT is None, reason="git is not installed")
ENV = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.com",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.com",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, env={**os.environ, **ENV}, check=True, capture_output=True, timeout=60)


def lint(path: Path, base: str | None) -> list:
    return Linter(LintOptions(entry_points=False, select=("PL420",), compat_base=base)).run([path]).findings


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    top = tmp_path / "templates"
    write_bundle(top / "svc" / "v1", "service", {"schema/schema.yaml": BASE})
    git(top, "init", "-q")
    git(top, "add", "-A")
    git(top, "commit", "-q", "-m", "v1.0")
    return top


@needs_git
def test_breaking_change_against_head_is_reported_at_its_line(repo: Path) -> None:
    schema = repo / "svc/v1/schema/schema.yaml"
    schema.write_text(BASE.replace("enum: [small, medium, large]", "enum: [small, large]"))
    findings = lint(repo, "HEAD")
    assert [(f.rule, f.line, f.severity) for f in findings] == [("PL420", 17, Severity.WARNING)]
    assert "no longer allows 'medium' (compared with HEAD)" in findings[0].message
    assert findings[0].path.endswith("svc/v1/schema/schema.yaml")
    # linting only the bundle folder finds the same
    assert len(lint(repo / "svc" / "v1", "HEAD")) == 1


@needs_git
def test_unchanged_compatible_and_new_bundles_are_quiet(repo: Path) -> None:
    assert lint(repo, "HEAD") == []
    assert lint(repo, None) == []
    (repo / "svc/v1/schema/schema.yaml").write_text(BASE.replace("maxLength: 200", "maxLength: 400"))
    write_bundle(repo / "svc" / "v2", "service", {"schema/schema.yaml": BASE.replace("port", "listen_port")})
    assert lint(repo, "HEAD") == []


@needs_git
def test_compared_with_an_older_commit(repo: Path) -> None:
    schema = repo / "svc/v1/schema/schema.yaml"
    schema.write_text(
        BASE.replace("        name:\n          type: string\n", "        name:\n          type: number\n")
    )
    git(repo, "commit", "-q", "-am", "v1.1")
    schema.write_text(BASE)
    assert lint(repo, "HEAD") != []  # number -> string, against v1.1
    assert lint(repo, "HEAD~1") == []  # unchanged against v1.0


@needs_git
def test_unknown_revision_is_reported_once(repo: Path) -> None:
    write_bundle(repo / "env" / "v1", "environment")
    findings = lint(repo, "no-such-branch")
    assert len(findings) == 1
    assert "'no-such-branch' is not a commit" in findings[0].message


def test_without_git_or_repository_nothing_is_compared(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_bundle(tmp_path / "svc" / "v1", "service", {"schema/schema.yaml": BASE})
    assert lint(tmp_path, "HEAD") == []  # not a git repository
    (tmp_path / ".git").mkdir()
    monkeypatch.setenv("PATH", str(tmp_path / "no-bin"))
    assert lint(tmp_path, "HEAD") == []  # no git program


def test_base_folder_instead_of_a_revision(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_bundle(tmp_path / "work" / "svc" / "v1", "service", {"schema/schema.yaml": BASE.replace("port", "prt")})
    write_bundle(tmp_path / "base" / "svc" / "v1", "service", {"schema/schema.yaml": BASE})
    monkeypatch.chdir(tmp_path / "work")
    findings = lint(Path("."), str(tmp_path / "base"))
    assert [f.message.split(":")[0] for f in findings] == ["input 'port' was removed (renamed to 'prt'?)"]
    # relative to the linted folder
    monkeypatch.chdir(tmp_path)
    assert len(lint(Path("work"), "../base")) == 1
