"""Property: no Jinja template, however built, escapes the render budget or crashes the renderer.

Templates are assembled from the pieces attackers use: huge numbers, repetition, exponentiation,
formatting widths, growing filters and methods, nested loops and recursive macros, and Jinja's
globals. Every render must return data (text or errors), never raise; a text must be within the
output budget and show no memory address; an error over a budget must name its limit.
"""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from proton_lint import budgets
from proton_lint.render import analyse, render

SMALL = {"render_steps": 20_000, "value_size": 20_000, "render_output": 200_000, "render_seconds": 5}

NUMBERS = st.sampled_from(["0", "1", "-1", "7", "999", "10**9", "2**64", "9**512", "999999999", "(10**6)"])
STRINGS = st.sampled_from(["''", "'x'", "'%0999999999d'", "'{:>99999999}'", "'%r'", "'a\\nb'", "'%s%s'"])
GLOBALS = st.sampled_from(["lipsum", "cycler", "joiner", "range", "dict", "namespace", "loop", "self"])
ATOMS = st.one_of(NUMBERS, STRINGS, GLOBALS, st.sampled_from(["[1, 2]", "[]", "x", "(1, 2)", "{'a': 1}"]))
BINOPS = st.sampled_from(["+", "*", "**", "%", "~", "//", "-"])
FILTERS = st.sampled_from(
    [
        "center({n})",
        "indent({n})",
        "replace('', 'yy')",
        "batch({n})",
        "slice({n})",
        "join('--')",
        "format(1)",
        "string",
        "list",
        "tojson",
        "pprint",
        "wordwrap(1, true, 'zz')",
        "map(attribute='__class__')",
        "groupby('__class__')",
        "attr('upper')",
        "sum",
        "unique",
    ]
)
METHODS = st.sampled_from(["ljust({n})", "zfill({n})", "center({n})", "replace('', 'ab')", "expandtabs({n})", "upper"])


def _expressions() -> st.SearchStrategy[str]:
    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        return st.one_of(
            st.tuples(inner, BINOPS, inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
            st.tuples(inner, FILTERS, NUMBERS).map(lambda t: f"({t[0]})|{t[1].format(n=t[2])}"),
            st.tuples(inner, METHODS, NUMBERS).map(lambda t: f"({t[0]}).{t[1].format(n=t[2])}"),
            st.tuples(GLOBALS, NUMBERS).map(lambda t: f"{t[0]}({t[1]})"),
        )

    return st.recursive(ATOMS, extend, max_leaves=6)


def _statements(expr: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    output = expr.map(lambda e: "{{ " + e + " }}")
    loop = st.tuples(NUMBERS, expr).map(lambda t: "{% for i in range(" + t[0] + ") %}{{ " + t[1] + " }}{% endfor %}")
    nested = NUMBERS.map(
        lambda n: "{% for i in range(" + n + ") %}{% for j in range(" + n + ") %}{% endfor %}{% endfor %}"
    )
    grow = st.tuples(expr, BINOPS).map(
        lambda t: (
            "{% set ns = namespace(v=" + t[0] + ") %}{% for i in range(40) %}"
            "{% set ns.v = ns.v " + t[1] + " ns.v %}{% endfor %}{{ ns.v|length }}"
        )
    )
    macro = NUMBERS.map(
        lambda n: (
            "{% macro f(k) %}{% if k > 0 %}{{ f(k - 1) }}{{ f(k - 1) }}{% endif %}{% endmacro %}{{ f(" + n + ") }}"
        )
    )
    return st.lists(st.one_of(output, loop, nested, grow, macro), min_size=1, max_size=3).map("\n".join)


TEMPLATES = _statements(_expressions())
ADDRESS = re.compile(r"0x[0-9a-f]{6,}")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEMPLATES)
def test_any_template_renders_to_data_within_the_budget(source: str) -> None:
    with budgets.using(**SMALL) as limits:
        result = render(source, {"x": "value"})
        analyse(source)  # the syntax-tree analysis must not raise either
    if result.text is not None:
        assert len(result.text) <= limits.render_output
        assert not ADDRESS.search(result.text), result.text[:200]
        assert "Undefined" not in result.text
    for error in result.errors:
        assert "Traceback" not in error.message
        assert not ADDRESS.search(error.message), error.message
        if error.kind == "limit" and "limits." in error.message:
            assert re.search(r"limits\.[a-z-]+", error.message)
