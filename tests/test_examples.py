"""The bundles in examples/: the good ones lint clean, the broken one has exactly the documented mistakes.

The expected findings come from the table in examples/README.md, so the README and the linter cannot drift.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from proton_lint.engine import Linter

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
README = EXAMPLES / "README.md"
BROKEN = EXAMPLES / "environment-templates" / "broken-env" / "v1"
GOOD = [
    EXAMPLES / "environment-templates" / "vpc-env",
    EXAMPLES / "service-templates" / "queue-worker-svc",
    EXAMPLES / "component-templates" / "cache-component",
]

# | 1 | `infrastructure/manifest.yaml` | 5 | PL203 | what is wrong |
ROW = re.compile(r"^\|\s*(\d+)\s*\|\s*`([^`]+)`\s*\|\s*(\d+)\s*\|\s*(PL\d{3})\s*\|")


def documented_mistakes() -> set[tuple[str, int, str]]:
    rows = [ROW.match(line) for line in README.read_text(encoding="utf-8").splitlines()]
    mistakes = {(m.group(2), int(m.group(3)), m.group(4)) for m in rows if m}
    assert len(mistakes) >= 5, "the mistakes table in examples/README.md was not found"
    return mistakes


def relative_to(finding_path: str, root: Path) -> str:
    return Path(os.path.relpath(Path(finding_path).resolve(), root)).as_posix()


@pytest.mark.parametrize("bundle", GOOD, ids=lambda p: p.name)
def test_good_bundle_has_no_findings(linter: Linter, bundle: Path) -> None:
    result = linter.run([bundle])
    assert result.bundles == 1
    assert [f"{f.path}:{f.line}: {f.rule} {f.message}" for f in result.findings] == []


def test_broken_bundle_has_exactly_the_documented_mistakes(linter: Linter) -> None:
    result = linter.run([BROKEN])
    assert result.bundles == 1
    found = {(relative_to(f.path, BROKEN), f.line, f.rule) for f in result.findings}
    assert len(found) == len(result.findings), "two findings of one rule on one line"
    assert found == documented_mistakes()


def test_each_documented_mistake_is_marked_in_the_yaml() -> None:
    for file, line, rule in sorted(documented_mistakes()):
        lines = (BROKEN / file).read_text(encoding="utf-8").splitlines()
        near = "\n".join(lines[max(0, line - 3) : line])
        assert re.search(r"# mistake \d+:", near), f"{file}:{line} ({rule}) has no '# mistake N:' comment above it"


def test_whole_examples_folder_reports_only_the_broken_bundle(linter: Linter) -> None:
    result = linter.run([EXAMPLES])
    assert result.bundles == 4
    outside = [f.path for f in result.findings if not Path(f.path).resolve().is_relative_to(BROKEN)]
    assert outside == []
    assert len(result.findings) == len(documented_mistakes())


def test_cli_exits_1_and_prints_every_documented_rule() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "proton_lint", "check", "examples"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    for _file, _line, rule in documented_mistakes():
        assert rule in proc.stdout
