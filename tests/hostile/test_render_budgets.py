"""Hostile Jinja templates: every render is bounded in steps, time, output and value size.

Each case is a real ``proton-lint check`` in a child process under a time limit and an address
space cap (tests/hostile/harness.py). The budgets are lowered through the configuration so the
suite stays fast; the defaults are exercised in test_render.py and by the emulator test below.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from proton_lint import budgets
from proton_lint.render import render
from tests.bundles import write_bundle

from .harness import lint

#: Budgets far below the defaults, so every case ends in well under a second of rendering.
CONFIG = """\
limits:
  render-seconds: 3
  render-steps: 200000
  value-size: 100000
"""

LOOP_NOTHING = "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"
MACRO_BOMB = "{% macro f(n) %}{% if n > 0 %}{{ f(n-1) }}{{ f(n-1) }}{% endif %}{% endmacro %}{{ f(60) }}"
BATCH_LOOPS = "{% for a in range(100000)|batch(3) %}{% for b in range(100000)|batch(2) %}{% endfor %}{% endfor %}"
DOUBLE_TILDE = "{% set ns = namespace(s='x') %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}"
DOUBLE_PLUS = "{% set ns = namespace(s=[1]) %}{% for i in range(64) %}{% set ns.s = ns.s + ns.s %}{% endfor %}"
DOUBLE_EXTEND = "{% set l = [1] %}{% for i in range(64) %}{% set _ = l.extend(l) %}{% endfor %}"

#: (case, Jinja on line 1 of the template, the rule, words the finding must hold)
CASES = [
    ("loop-writing-nothing", LOOP_NOTHING, "PL601", "limits.render-steps"),
    ("exponential-macro-recursion", MACRO_BOMB, "PL601", "limits.render-"),
    ("lipsum-million", "{{ lipsum(1000000) }}", "PL601", "limits.value-size"),
    ("exponent-chain", "{{ (((9**512)**512)**512) % 7 }}", "PL601", "limits.value-size"),
    ("nested-batch-loops", BATCH_LOOPS, "PL601", "limits.render-steps"),
    ("string-doubling-tilde", DOUBLE_TILDE, "PL601", "limits.value-size"),
    ("list-doubling-plus", DOUBLE_PLUS, "PL601", "limits.value-size"),
    ("list-doubling-extend", DOUBLE_EXTEND, "PL601", "limits.value-size"),
    ("indent-width", "{{ 'a\\nb'|indent(10**9) }}", "PL601", "limits.value-size"),
    ("center-width", "{{ 'a'|center(10**9) }}", "PL601", "limits.value-size"),
    ("ljust-width", "{{ 'a'.ljust(10**9) }}", "PL601", "limits.value-size"),
    ("replace-empty", "{{ ('x' * 50000)|replace('', 'y' * 1000) }}", "PL601", "limits.value-size"),
    ("percent-width-folded", "{{ '%0999999999d' % 1 }}", "PL601", "limits.value-size"),
    ("format-width", "{{ '{:>999999999}'.format(1) }}", "PL601", "limits.value-size"),
    ("to-bytes", "{{ (1).to_bytes(10**9, 'big') }}", "PL601", "limits.value-size"),
    ("repr-of-globals", "{{ '%r' % (cycler, lipsum) }}", "PL601", "not a value"),
    ("method-printed", "{{ ''.upper }}", "PL601", "not a value"),
    ("map-dunder", "{{ [1, 2]|map(attribute='__class__')|list }}", "PL601", "unsafe"),
    ("groupby-dunder", "{{ [1]|groupby('__class__')|list }}", "PL601", "unsafe"),
    ("nested-for-25", "".join(f"{{% for i{n} in [1] %}}" for n in range(25)) + "{% endfor %}" * 25, "PL601", "20"),
    ("nested-if-3000", "{% if true %}" * 3000 + "{% endif %}" * 3000, "PL501", "nested too deeply"),
    ("parentheses-5000", "{{ " + "(" * 5000 + "1" + ")" * 5000 + " }}", "PL501", "nested too deeply"),
    ("sum-chain-100k", "{{ " + "+".join(["1"] * 100_000) + " }}", "PL50", "nested too deeply"),
]


def _hostile_bundle(root: Path, jinja: str) -> Path:
    cfn = jinja + "\nResources:\n  VPC:\n    Type: AWS::EC2::VPC\n    Properties:\n      CidrBlock: '10.0.0.0/16'\n"
    write_bundle(root / "env", overrides={"infrastructure/cloudformation.yaml": cfn})
    (root / ".proton-lint.yaml").write_text(CONFIG, encoding="utf-8")
    return root


@pytest.mark.parametrize(("case", "jinja", "rule", "words"), CASES, ids=[c[0] for c in CASES])
def test_hostile_template_is_a_finding_at_its_line(
    tmp_path: Path, case: str, jinja: str, rule: str, words: str
) -> None:
    root = _hostile_bundle(tmp_path, jinja)
    outcome = lint("--format", "parseable", "env", cwd=root, seconds=60)
    assert outcome.returncode == 1, outcome.output
    assert "Traceback" not in outcome.output and "PL000" not in outcome.output
    lines = [line for line in outcome.stdout.splitlines() if "cloudformation.yaml:1:" in line and rule in line]
    assert lines, outcome.stdout
    assert any(words in line for line in lines), lines
    assert "0x" not in outcome.stdout  # no memory address, whatever the case


def test_render_command_reports_the_budget(tmp_path: Path) -> None:
    root = _hostile_bundle(tmp_path, LOOP_NOTHING)
    outcome = lint("env", cwd=root, seconds=60)
    assert outcome.returncode == 1
    from .harness import run_bounded

    rendered = run_bounded(["proton_lint", "render", "env", "--out", "out"], cwd=root, seconds=60)
    assert rendered.returncode != 0 and "Traceback" not in rendered.output
    assert "limits.render-steps" in rendered.output


def test_budgets_come_from_the_environment_variable(tmp_path: Path) -> None:
    write_bundle(tmp_path / "env", overrides={"infrastructure/cloudformation.yaml": "{{ 'a' * 5000 }}\n"})
    outcome = lint("--format", "parseable", "env", cwd=tmp_path, env={"PROTON_LINT_LIMITS": "value-size=1000"})
    assert "limits.value-size" in outcome.stdout
    bad = lint("env", cwd=tmp_path, env={"PROTON_LINT_LIMITS": "value-sise=1000"})
    assert bad.returncode == 2 and "unknown limit 'value-sise'" in bad.stderr and "Traceback" not in bad.stderr


def test_a_bad_limits_table_names_the_key(tmp_path: Path) -> None:
    write_bundle(tmp_path / "env")
    (tmp_path / ".proton-lint.yaml").write_text("limits:\n  render-steps: -1\n", encoding="utf-8")
    outcome = lint("env", cwd=tmp_path)
    assert outcome.returncode == 2 and ".proton-lint.yaml" in outcome.stderr and "limits" in outcome.stderr


def test_real_templates_render_as_before_under_the_budget() -> None:
    """Ordinary templates: loops, macros, filters, formatting, methods: unchanged output."""
    source = (
        "{% macro tag(k, v) %}- Key: {{ k }}\n  Value: '{{ v }}'{% endmacro %}"
        "{% for s in subnets %}{{ loop.index ~ ':' ~ s|upper }} {{ '%s-%02d' % (name, loop.index) }}\n{% endfor %}"
        "{{ tag('team', name) }}\n{{ '{}/{}'.format(name, 2) }} {{ name.replace('a', 'b') }} {{ subnets|join(',') }}"
        " {{ 2 ** 10 }} {{ 'x' * 3 }} {{ range(3)|list }} {{ name.ljust(6, '.') }}|{{ subnets|batch(2)|list }}"
    )
    result = render(source, {"subnets": ["a", "b", "c"], "name": "alpha"})
    assert result.ok, result.errors
    assert result.text == (
        "1:A alpha-01\n2:B alpha-02\n3:C alpha-03\n- Key: team\n  Value: 'alpha'\n"
        "alpha/2 blphb a,b,c 1024 xxx [0, 1, 2] alpha.|[['a', 'b'], ['c']]"
    )


def test_the_same_template_passes_with_a_larger_budget() -> None:
    source = "{% for i in range(1000) %}{% for j in range(100) %}{% endfor %}{% endfor %}ok"
    with budgets.using(render_steps=50_000):
        assert render(source, {}).errors[0].kind == "limit"
    with budgets.using(render_steps=200_000):
        assert render(source, {}).text == "ok"
