"""Shared fixtures: one Linter for the whole session (building it loads every rule once)."""

from __future__ import annotations

from pathlib import Path

import pytest

from proton_lint.engine import Linter, LintOptions

# pytester drives the pytest_proton plugin's own tests (tests/plugin/).
pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"
EXAMPLES = ROOT / "examples"


@pytest.fixture(scope="session")
def linter() -> Linter:
    return Linter(LintOptions(entry_points=False))


@pytest.fixture
def write_tree(tmp_path: Path):
    """Write ``{relative path: text}`` under tmp_path and return tmp_path."""

    def write(files: dict[str, str], root: Path | None = None) -> Path:
        base = root or tmp_path
        for rel, text in files.items():
            target = base / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        return base

    return write
