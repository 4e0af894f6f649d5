"""The pre-commit hooks in ``.pre-commit-hooks.yaml``, run by the real pre-commit in a throwaway git repository.

pre-commit would build a virtualenv and install proton-lint from an index for ``language: python``;
the tests copy our hook definitions into a ``repo: local`` config with ``language: system`` instead,
so the ids, entry, file filters, pass_filenames and require_serial under test are the real ones and
the installed ``proton-lint`` runs.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

pytest.importorskip("pre_commit")

ROOT = Path(__file__).resolve().parent.parent
HOOKS_FILE = ROOT / ".pre-commit-hooks.yaml"
BIN_DIR = str(Path(sys.executable).parent)
SEARCH_PATH = os.pathsep.join([BIN_DIR, os.environ.get("PATH", "")])

if shutil.which("git") is None:
    pytest.skip("git is not installed", allow_module_level=True)
if shutil.which("proton-lint", path=SEARCH_PATH) is None:
    pytest.skip("the proton-lint script is not installed", allow_module_level=True)

SCHEMA = """\
schema:
  format:
    openapi: "3.0.0"
  environment_input_type: "EnvironmentInput"
  types:
    EnvironmentInput:
      type: object
      description: "Input properties for the environment"
      properties:
        topic_name:
          type: string
          description: "The name of the topic"
          default: "events"
"""
MANIFEST = """\
infrastructure:
  templates:
    - file: "cloudformation.yaml"
      rendering_engine: jinja
      template_language: cloudformation
"""
LEGACY_MANIFEST = MANIFEST.replace("rendering_engine:", "engine:")
CLOUDFORMATION = """\
AWSTemplateFormatVersion: "2010-09-09"
Description: A small test environment
Resources:
  Topic:
    Type: AWS::SNS::Topic
    Properties:
      TopicName: "{{ environment.inputs.topic_name }}"
Outputs:
  TopicArn:
    Value: !Ref Topic
"""

CLEAN = "env-clean/v1"
BROKEN = "env-broken/v1"
BROKEN_MANIFEST = f"{BROKEN}/infrastructure/manifest.yaml"
COPY_IGNORE = (
    ".git",
    ".venv",
    "venv",
    "build",
    "dist",
    "*.egg-info",
    "__pycache__",
    ".pytest_cache",
    ".ruff_cache",
    ".hypothesis",
    ".benchmarks",
)


def bundle_files(root: str, manifest: str = MANIFEST) -> dict[str, str]:
    return {
        f"{root}/schema/schema.yaml": SCHEMA,
        f"{root}/infrastructure/manifest.yaml": manifest,
        f"{root}/infrastructure/cloudformation.yaml": CLOUDFORMATION,
    }


def our_hooks() -> list[dict]:
    return yaml.safe_load(HOOKS_FILE.read_text(encoding="utf-8"))


def local_config() -> dict:
    """Our hooks as a ``repo: local`` config: every key kept, but the installed proton-lint is used."""
    return {"repos": [{"repo": "local", "hooks": [{**hook, "language": "system"} for hook in our_hooks()]}]}


class Repo:
    """A git repository in tmp_path with our hooks configured; pre-commit's cache lives beside it."""

    def __init__(self, tmp_path: Path) -> None:
        self.path = tmp_path / "repo"
        self.path.mkdir()
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT"))}
        self.env.pop("GITHUB_ACTIONS", None)  # keep proton-lint's text format
        gitconfig = tmp_path / "gitconfig"
        gitconfig.write_text("", encoding="utf-8")
        self.env.update(
            PATH=SEARCH_PATH,
            PRE_COMMIT_HOME=str(tmp_path / "pre-commit-home"),
            GIT_CONFIG_GLOBAL=str(gitconfig),
            GIT_CONFIG_NOSYSTEM="1",
            NO_COLOR="1",
        )
        self.git("init", "-q")
        self.git("config", "user.email", "test@example.com")
        self.git("config", "user.name", "proton-lint tests")
        self.git("config", "commit.gpgsign", "false")
        self.write({".pre-commit-config.yaml": yaml.safe_dump(local_config(), sort_keys=False)})

    def git(self, *args: str) -> str:
        done = subprocess.run(
            ["git", *args], cwd=self.path, env=self.env, capture_output=True, text=True, check=True, timeout=60
        )
        return done.stdout

    def write(self, files: dict[str, str]) -> None:
        for rel, text in files.items():
            target = self.path / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")

    def commit(self, message: str = "commit") -> None:
        self.git("add", "-A")
        self.git("commit", "-q", "--no-verify", "-m", message)

    def pre_commit(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            # --verbose: show proton-lint's output for passing hooks too ("No findings in N bundles").
            [sys.executable, "-m", "pre_commit", "run", "--color", "never", "--verbose", *args],
            check=False,
            cwd=self.path,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )


def output(done: subprocess.CompletedProcess[str]) -> str:
    return done.stdout + done.stderr


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    made = Repo(tmp_path)
    made.commit("pre-commit config")
    return made


def test_manifest_is_valid_for_pre_commit() -> None:
    from pre_commit.clientlib import load_manifest

    hooks = {hook["id"]: hook for hook in load_manifest(str(HOOKS_FILE))}
    assert set(hooks) == {"proton-lint", "proton-lint-all"}
    changed, whole = hooks["proton-lint"], hooks["proton-lint-all"]
    for hook in (changed, whole):
        assert hook["entry"] == "proton-lint check"
        assert hook["language"] == "python"
    assert changed["pass_filenames"] is True
    assert changed["require_serial"] is True
    assert changed["always_run"] is False
    assert whole["pass_filenames"] is False
    assert whole["always_run"] is True


def test_local_config_copies_every_key_but_language() -> None:
    from cfgv import validate
    from pre_commit.clientlib import CONFIG_SCHEMA

    config = local_config()
    validate(config, CONFIG_SCHEMA)
    for ours, local in zip(our_hooks(), config["repos"][0]["hooks"], strict=True):
        assert local["language"] == "system"
        assert {k: v for k, v in local.items() if k != "language"} == {k: v for k, v in ours.items() if k != "language"}


def test_clean_staged_bundle_passes_both_hooks(repo: Repo) -> None:
    repo.write(bundle_files(CLEAN))
    repo.git("add", "-A")
    for hook in ("proton-lint", "proton-lint-all"):
        done = repo.pre_commit(hook)
        assert done.returncode == 0, output(done)
        assert "Passed" in done.stdout, output(done)
        assert "No findings in 1 bundle" in done.stdout, output(done)


def test_legacy_engine_key_fails_the_hook(repo: Repo) -> None:
    repo.write(bundle_files(BROKEN, LEGACY_MANIFEST))
    repo.commit("broken bundle")
    done = repo.pre_commit("proton-lint", "--files", BROKEN_MANIFEST)
    assert done.returncode == 1, output(done)
    assert "Failed" in done.stdout
    assert "PL203" in done.stdout
    assert BROKEN_MANIFEST in done.stdout


def test_only_the_changed_bundle_is_linted(repo: Repo) -> None:
    repo.write({**bundle_files(CLEAN), **bundle_files(BROKEN, LEGACY_MANIFEST)})
    repo.commit("two bundles")
    template = repo.path / CLEAN / "infrastructure/cloudformation.yaml"
    template.write_text(CLOUDFORMATION.replace("A small test environment", "A changed environment"), encoding="utf-8")
    repo.git("add", "-A")

    changed = repo.pre_commit("proton-lint")
    assert changed.returncode == 0, output(changed)
    assert "PL203" not in output(changed)
    assert "No findings in 1 bundle" in changed.stdout, output(changed)

    whole = repo.pre_commit("proton-lint-all")
    assert whole.returncode == 1, output(whole)
    assert "PL203" in whole.stdout
    assert BROKEN_MANIFEST in whole.stdout


def test_changed_file_outside_any_bundle_passes(repo: Repo) -> None:
    repo.write(bundle_files(BROKEN, LEGACY_MANIFEST))
    repo.commit("broken bundle")
    repo.write({"README.md": "# Templates\n"})
    repo.git("add", "README.md")
    done = repo.pre_commit("proton-lint")
    assert done.returncode == 0, output(done)
    assert "PL203" not in output(done)


def test_any_changed_file_in_a_bundle_relints_it(repo: Repo) -> None:
    """Not only YAML: a script a manifest runs, or a binary that counts towards the size limits."""
    repo.write(bundle_files(BROKEN, LEGACY_MANIFEST))
    repo.commit("broken bundle")
    repo.write({f"{BROKEN}/infrastructure/deploy.sh": "#!/bin/sh\necho deploy\n"})
    (repo.path / BROKEN / "infrastructure/artifact.bin").write_bytes(bytes(range(256)))
    repo.git("add", "-A")
    done = repo.pre_commit("proton-lint")
    assert done.returncode == 1, output(done)
    assert "PL203" in done.stdout
    assert BROKEN_MANIFEST in done.stdout


def test_all_files_lints_each_bundle_once(repo: Repo) -> None:
    """Every file of both bundles goes to one process; each bundle is linted once, with full context."""
    repo.write({**bundle_files(CLEAN), **bundle_files(BROKEN, LEGACY_MANIFEST), "README.md": "# Templates\n"})
    repo.commit("two bundles")
    done = repo.pre_commit("proton-lint", "--all-files")
    assert done.returncode == 1, output(done)
    assert done.stdout.count("PL203") == 1, output(done)
    assert "Found 1 finding in 2 bundles" in done.stdout, output(done)


@pytest.mark.slow
@pytest.mark.skipif(os.environ.get("PROTON_LINT_TRY_REPO") != "1", reason="set PROTON_LINT_TRY_REPO=1 (builds a venv)")
def test_try_repo_installs_and_runs_the_hook(repo: Repo) -> None:
    """The real thing: pre-commit installs this checkout into a virtualenv and runs the hook from there."""
    # try-repo on a copy committed in tmp_path: uncommitted work is included, the real repository is untouched.
    checkout = repo.path.parent / "checkout"
    shutil.copytree(ROOT, checkout, ignore=shutil.ignore_patterns(*COPY_IGNORE))
    subprocess.run(["git", "init", "-q"], cwd=checkout, env=repo.env, check=True)
    subprocess.run(["git", "add", "-A"], cwd=checkout, env=repo.env, check=True)
    subprocess.run(
        ["git", "-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-q", "--no-verify", "-m", "copy"],
        cwd=checkout,
        env=repo.env,
        check=True,
    )
    repo.write({**bundle_files(CLEAN), **bundle_files(BROKEN, LEGACY_MANIFEST)})
    repo.commit("two bundles")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pre_commit",
            "try-repo",
            str(checkout),
            "proton-lint",
            "--all-files",
            "--color",
            "never",
        ],
        check=False,
        cwd=repo.path,
        env=repo.env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert done.returncode == 1, output(done)
    assert "PL203" in done.stdout, output(done)
    assert BROKEN_MANIFEST in done.stdout, output(done)
