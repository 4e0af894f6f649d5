"""YAML with line marks: spans for every node, and problems as data instead of exceptions."""

from __future__ import annotations

from proton_lint.findings import Span
from proton_lint.source import parse_yaml


def test_every_node_has_a_span() -> None:
    doc = parse_yaml("infrastructure:\n  templates:\n    - file: a.yaml\n      rendering_engine: jinja\n")
    assert doc.data == {"infrastructure": {"templates": [{"file": "a.yaml", "rendering_engine": "jinja"}]}}
    assert doc.spans[("infrastructure", "templates", 0, "file")].line == 3
    assert doc.key_spans[("infrastructure", "templates", 0, "rendering_engine")] == Span(4, 7, 4, 22)
    assert doc.span_of(("infrastructure", "templates", 0, "missing")).line == 3  # nearest ancestor


def test_duplicate_keys_are_reported_where_repeated() -> None:
    doc = parse_yaml("a: 1\nb: 2\na: 3\n")
    (problem,) = doc.problems
    assert problem.kind == "duplicate-key" and problem.span.line == 3 and "first defined on line 1" in problem.message
    assert doc.data == {"a": 3, "b": 2}


def test_tab_indentation_gets_a_hint() -> None:
    (problem,) = parse_yaml("a:\n\tb: 1\n").problems
    assert problem.kind == "syntax" and problem.span.line == 2 and "tabs" in problem.hint


def test_bare_star_gets_the_alias_hint() -> None:
    (problem,) = parse_yaml("infrastructure:\n  templates:\n    - file: *\n").problems
    assert problem.span.line == 3 and 'file: "*"' in problem.hint


def test_alias_bomb_is_refused() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]
    (problem,) = parse_yaml("\n".join(lines)).problems
    assert problem.kind == "refused" and "alias bomb" in problem.message


def test_deep_nesting_is_refused_without_crashing() -> None:
    (problem,) = parse_yaml("[" * 50_000 + "]" * 50_000).problems
    # refused by proton-lint's depth check, or (PyYAML >= 6.0.4) by the scanner's own limit
    assert problem.kind in ("refused", "syntax") and "nest" in problem.message


def test_recursive_alias_is_refused() -> None:
    doc = parse_yaml("a: &x\n  b: *x\n")
    assert doc.problems == [] or doc.problems[0].kind in ("refused", "syntax")


def test_merge_keys_python_tags_and_encodings() -> None:
    assert parse_yaml("base: &b {x: 1}\nchild:\n  <<: *b\n  y: 2\n").data["child"] == {"x": 1, "y": 2}
    assert parse_yaml("a: !!python/object:os.system ls\n").data == {"a": "ls"}  # never constructed
    assert parse_yaml(b"\xef\xbb\xbfa: 1\n").data == {"a": 1}
    assert parse_yaml(b"a: \xff\n").problems[0].kind == "encoding"
    assert parse_yaml("a: 1\n---\nb: 2\n").problems[0].kind == "multi-document"
    assert parse_yaml("").data is None and parse_yaml("").problems == []
