"""Hostile file names through every reporter (issue 10, section 5), in bounded child processes.

The name holds a byte that is not UTF-8, a newline, an ANSI colour escape and U+202E (right-to-left
override). Every format must exit 1 with its findings, write valid UTF-8 (stdout is strict here, as
on most CI machines), still point at the file, and the human formats must print no raw control
character from the name.
"""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import unquote_to_bytes

import pytest

from proton_lint.testing import BASES
from tests.hostile.harness import Outcome, run_bounded

NAME = b"bad\xff\n\x1b[31mFAKE\xe2\x80\xaetxt.yaml"
RAW = ("\n\x1b", "\u202e", "\ufffd")  # "\ufffd": how the harness decodes a raw byte that is not UTF-8
ESCAPED = "bad\\xff\\x0a\\x1b[31mFAKE\\u202etxt.yaml"


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("names") / "repo"
    bundle = root / "env" / "v1"
    for rel, text in BASES["environment"].items():
        (bundle / rel).parent.mkdir(parents=True, exist_ok=True)
        (bundle / rel).write_text(text, encoding="utf-8")
    (root / ".git").mkdir()
    os.mkfifo(os.fsencode(bundle / "infrastructure") + b"/" + NAME)  # reported (PL120), never opened
    return root


def _run(repo: Path, fmt: str) -> Outcome:
    outcome = run_bounded(
        ["proton_lint", "check", "--no-cache", "--select", "PL1", "-f", fmt, "."],  # no cfn-lint: faster
        cwd=repo,
        seconds=60,
        memory_mb=512,
        env={"PYTHONIOENCODING": "utf-8:strict", "LC_ALL": "C.UTF-8"},
    )
    assert outcome.returncode == 1, outcome.output
    assert "Traceback" not in outcome.output  # exit 1, not 2: no internal error (PL000) either
    assert "\ufffd" not in outcome.stdout, "a raw byte that is not UTF-8 was written"
    return outcome


@pytest.mark.parametrize("fmt", ["text", "parseable", "github"])
def test_human_formats_escape_the_name(repo: Path, fmt: str) -> None:
    outcome = _run(repo, fmt)
    assert not any(raw in outcome.stdout for raw in RAW[1:]) and "\x1b" not in outcome.stdout
    assert ESCAPED in outcome.stdout
    (line,) = [line for line in outcome.stdout.splitlines() if "FAKE" in line]
    assert "PL120" in line or fmt == "text"


def test_json_keeps_the_name_escaped_and_valid(repo: Path) -> None:
    document = json.loads(_run(repo, "json").stdout)
    (finding,) = [f for f in document["findings"] if f["rule"] == "PL120"]
    # JSON carries controls as \n and \u001b itself; only the byte that is not UTF-8 needs spelling out
    assert finding["path"] == "env/v1/infrastructure/bad\\xff\n\x1b[31mFAKE\u202etxt.yaml"
    json.dumps(document).encode("utf-8")  # no lone surrogate left


def test_sarif_points_at_the_file_bytes(repo: Path) -> None:
    document = json.loads(_run(repo, "sarif").stdout)
    (result,) = [r for r in document["runs"][0]["results"] if r["ruleId"] == "PL120"]
    uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert unquote_to_bytes(uri) == b"env/v1/infrastructure/" + NAME
    assert (repo / os.fsdecode(unquote_to_bytes(uri))).is_fifo()


def test_junit_is_valid_xml_naming_the_file(repo: Path) -> None:
    suite = ET.fromstring(_run(repo, "junit").stdout)
    names = [case.get("classname") for case in suite.iter("testcase")]
    assert f"env/v1/infrastructure/{ESCAPED}" in names
