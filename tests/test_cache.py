"""The result cache: warm runs skip rendering and cfn-lint, edits invalidate, planted entries do not count."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .bundles import LEGACY_MANIFEST, write_bundle

PROBE = (
    "import sys, io, contextlib\n"
    "from proton_lint.cli import main\n"
    "with contextlib.redirect_stdout(io.StringIO()):\n"
    "    code = main(sys.argv[1:])\n"
    "print(code, [m for m in ('jinja2', 'cfnlint') if m in sys.modules])\n"
)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    write_bundle(tmp_path / "env" / "v1", overrides={"infrastructure/manifest.yaml": LEGACY_MANIFEST})
    return tmp_path


#: the children import this checkout, not whichever proton_lint is installed
CHECKOUT = str(Path(__file__).resolve().parents[1])


def probe(repo: Path, *args: str, home: Path) -> str:
    env = {**os.environ, "XDG_CACHE_HOME": str(home), "PYTHONPATH": CHECKOUT}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, "check", ".", *args], cwd=repo, capture_output=True, text=True, env=env
    )
    return done.stdout.strip()


def test_a_warm_run_loads_neither_jinja_nor_cfn_lint(repo: Path, tmp_path_factory) -> None:
    home = tmp_path_factory.mktemp("home")
    assert probe(repo, home=home) == "1 ['jinja2', 'cfnlint']"
    assert (repo / ".proton-lint-cache" / ".gitignore").read_text().strip().endswith("*")
    assert probe(repo, home=home) == "1 []"
    # an edit invalidates the run; unchanged rendered templates still skip cfn-lint
    manifest = repo / "env" / "v1" / "infrastructure" / "manifest.yaml"
    manifest.write_text(manifest.read_text().replace("engine:", "rendering_engine:"))
    assert probe(repo, home=home) == "0 ['jinja2']"


def test_no_cache_writes_nothing(repo: Path, tmp_path_factory) -> None:
    assert probe(repo, "--no-cache", home=tmp_path_factory.mktemp("home")) == "1 ['jinja2', 'cfnlint']"
    assert not (repo / ".proton-lint-cache").exists()


def test_entries_signed_elsewhere_are_ignored(repo: Path, tmp_path_factory) -> None:
    """A cache committed to the repository (signed with another key) cannot hide findings."""
    assert probe(repo, home=tmp_path_factory.mktemp("one")).startswith("1 ")
    for entry in (repo / ".proton-lint-cache").rglob("*.json"):
        stored = json.loads(entry.read_text())
        if entry.parts[-3] == "run":
            stored["body"] = "[]"  # claims: no findings
            entry.write_text(json.dumps(stored))
    assert probe(repo, home=tmp_path_factory.mktemp("two")).startswith("1 ")


def test_a_spec_outside_the_linted_folder_invalidates_the_cached_run(tmp_path: Path, tmp_path_factory) -> None:
    """Specs are found beside ``vN/``: linting ``env/v1`` reads ``env/spec/spec.yaml`` too."""
    (tmp_path / ".git").mkdir()
    write_bundle(tmp_path / "env" / "v1")
    spec = tmp_path / "env" / "spec" / "spec.yaml"
    spec.parent.mkdir()
    spec.write_text('proton: EnvironmentSpec\nspec:\n  vpc_cidr: "10.0.0.0/16"\n')
    home = tmp_path_factory.mktemp("home")
    env = {**os.environ, "XDG_CACHE_HOME": str(home)}

    def check(*extra: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "proton_lint", "check", "env/v1", "--format", "parseable", *extra],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            env=env,
        )
        return done.stdout

    assert "PL402" not in check()
    spec.write_text('proton: EnvironmentSpec\nspec:\n  vpc_cidr: "not a cidr"\n')
    assert "PL402" in check()
    assert check() == check("--no-cache")


def test_cache_dir_option_and_environment_variable(repo: Path, tmp_path_factory) -> None:
    """``--cache-dir`` and ``PROTON_LINT_CACHE_DIR`` move the cache; it ignores itself for git wherever it is."""
    home = tmp_path_factory.mktemp("home")
    elsewhere = tmp_path_factory.mktemp("elsewhere") / "cache"
    assert probe(repo, "--cache-dir", str(elsewhere), home=home) == "1 ['jinja2', 'cfnlint']"
    assert probe(repo, "--cache-dir", str(elsewhere), home=home) == "1 []"
    assert (elsewhere / ".gitignore").read_text().splitlines()[-1] == "*"
    assert not (repo / ".proton-lint-cache").exists()
    from_env = tmp_path_factory.mktemp("env") / "cache"
    env = {**os.environ, "XDG_CACHE_HOME": str(home), "PYTHONPATH": CHECKOUT, "PROTON_LINT_CACHE_DIR": str(from_env)}
    subprocess.run([sys.executable, "-c", PROBE, "check", "."], cwd=repo, capture_output=True, env=env, check=False)
    assert (from_env / ".gitignore").is_file() and list(from_env.rglob("*.json"))
    assert not (repo / ".proton-lint-cache").exists()


def test_an_old_cache_folder_gets_its_gitignore(tmp_path: Path) -> None:
    from proton_lint.cache import CACHE_DIR, ResultCache

    (tmp_path / CACHE_DIR).mkdir()  # made by an older proton-lint, without .gitignore
    ResultCache(tmp_path).put("run", "ab" * 32, {"findings": []})
    assert (tmp_path / CACHE_DIR / ".gitignore").read_text().splitlines()[-1] == "*"
