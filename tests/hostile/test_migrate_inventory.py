"""Hostile inventories for ``proton-lint migrate``: refused with a message at file:line, bounded, exit 1.

Each case runs the command in a child process under a time limit and an address-space cap
(tests/hostile/harness.py); every one ends before any AWS call.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .harness import run_bounded

ALIAS_BOMB = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
    f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
    for i in range(8)
)


def _deep(levels: int) -> str:
    return "repository: " + "[" * levels + "]" * levels + "\n"


def _many_bad_entries(count: int) -> str:
    return "repository: .\nenvironments:\n" + "".join(f"  - nme: e{i}\n" for i in range(count))


def _many_duplicates(count: int) -> str:
    return "repository: .\nenvironments:\n" + "  - name: same\n" * count


#: (case, inventory text, environment, words the message holds)
CASES = [
    ("alias-bomb", ALIAS_BOMB, {}, "alias"),
    ("nesting-10000-deep", _deep(10_000), {}, "nested deeper than"),
    (
        "over-inventory-size",
        "# padding\n" * 20_000,
        {"PROTON_LINT_LIMITS": "inventory-size=100000"},
        "limits.inventory-size",
    ),
    ("5000-entries-missing-name", _many_bad_entries(5_000), {}, "... and 9950 more problems"),
    ("5000-duplicate-names", _many_duplicates(5_000), {}, "a second environment named 'same'"),
    ("binary-garbage", "", {}, "inventory.yaml:1:"),
]


@pytest.mark.parametrize(("case", "text", "env", "words"), CASES, ids=[c[0] for c in CASES])
def test_hostile_inventory(tmp_path: Path, case: str, text: str, env: dict[str, str], words: str) -> None:
    inventory = tmp_path / "inventory.yaml"
    inventory.write_bytes(b"\x00\xff" * 1000 if case == "binary-garbage" else text.encode())
    outcome = run_bounded(
        ["proton_lint", "migrate", str(inventory), "--out", str(tmp_path / "out"), "--region", "us-east-1"],
        seconds=60,
        env={"AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x", **env},
    )
    assert outcome.returncode == 1, outcome.output
    assert words in outcome.stderr, outcome.stderr[:2000]
    assert "Traceback" not in outcome.output
    assert outcome.stderr.count("\n") <= 52  # at most 50 problems and a count
    assert not (tmp_path / "out").exists()
