"""Acceptance: the examples suite (examples/tests/), whole, passes on the server target and under -n 2.

The moto target runs it in the project's own test run (testpaths).
"""

from __future__ import annotations

import pytest

from tests.plugin.conftest import ROOT


@pytest.mark.parametrize(
    "options",
    [
        pytest.param(("--proton-target", "server"), id="server"),
        pytest.param(("-p", "xdist.plugin", "-n", "2"), id="moto-xdist"),
    ],
)
def test_examples_suite(suite: pytest.Pytester, options: tuple[str, ...]) -> None:
    # No -p pytest_proton.plugin: examples/tests/conftest.py loads the plugin when no entry point does.
    result = suite.runpytest_subprocess(str(ROOT / "examples" / "tests"), "-p", "no:cacheprovider", *options)
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed", 0) == outcomes.get("errors", 0) == 0, result.stdout.str()
    assert outcomes["passed"] >= 19
