"""Property and fuzz tests for the parts of proton-lint that read untrusted input.

What is fuzzed, with hypothesis:

* ``parse_yaml`` on arbitrary bytes, arbitrary text and YAML-shaped text built from fragments
  (indicators, anchors and aliases, merge keys, tags including ``!!python/*``, directives, tabs,
  CRLF, BOM, NUL, unicode, very long lines, nesting up to a few thousand levels, alias bombs):
  it never raises, spans are inside the file, and no Python object is ever constructed.
* A round trip: ``yaml.safe_dump`` of JSON-like data parses back to the same data, with no
  problems and a span for every node.
* The whole linter on base bundles whose manifest and/or schema is replaced by YAML-shaped text,
  by dumped (Proton-shaped or arbitrary) data, or by mutations of the real file: no internal
  error (PL000), and every finding has a message, a path and a sane line.
* ``read_archive`` on arbitrary bytes and on generated tar files with hostile members (absolute
  and ``..`` names, links out of the bundle, devices, FIFOs, duplicates, huge declared sizes,
  odd pax headers): it raises nothing but ``ArchiveRefused``, unsafe members are skipped, never
  read, and nothing is written to disk.

The ``test_regression_*`` tests pin what these tests found: crashes on tagged bad scalars in
``parse_yaml`` and on GNU sparse pax headers in ``read_archive``, rule crashes on odd schema values
(unhashable ``required`` entries, infinite bounds) and a ReDoS in default validation; all fixed.
Set ``PROTON_LINT_FUZZ_SCALE=20`` (say) to run twenty times as many examples.
"""

from __future__ import annotations

import contextlib
import datetime
import gzip
import io
import os
import posixpath
import subprocess
import sys
import tarfile
import tempfile
import types
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from proton_lint.archive import ArchiveContents, ArchiveRefused, read_archive
from proton_lint.engine import INTERNAL_ERROR, Linter, LintOptions
from proton_lint.source import YamlDocument, YamlProblem, parse_yaml
from proton_lint.testing import BASES

#: Building a Linter loads every rule: do it once for the module.
LINTER = Linter(LintOptions(entry_points=False))

#: Multiplies every max_examples: PROTON_LINT_FUZZ_SCALE=20 for a longer fuzzing session.
SCALE = max(1, int(os.environ.get("PROTON_LINT_FUZZ_SCALE", "1")))
FAST = settings(max_examples=400 * SCALE, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(
    max_examples=250 * SCALE,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
)

# -- a canary: if a ``!!python/...`` tag were ever honoured, it would trip ---------------------------

_CANARY_NAME = "proton_lint_fuzz_canary"
_TRIPPED: list[str] = []


class _Canary:
    def __init__(self, *_args: object, **_kwargs: object) -> None:
        _TRIPPED.append("new")

    def __setstate__(self, state: object) -> None:
        _TRIPPED.append("setstate")


def _trip(*_args: object, **_kwargs: object) -> str:
    _TRIPPED.append("apply")
    return "tripped"


_canary_module = types.ModuleType(_CANARY_NAME)
_canary_module.Canary = _Canary  # type: ignore[attr-defined]
_canary_module.trip = _trip  # type: ignore[attr-defined]
sys.modules[_CANARY_NAME] = _canary_module

# == 1. parse_yaml never raises ===================================================================

_SAFE_TYPES = (dict, list, str, int, float, bool, type(None), bytes, datetime.date, datetime.datetime)


def _assert_plain(value: object, depth: int = 0) -> None:
    """Only the types safe loading can produce: no constructed Python objects anywhere."""
    assert isinstance(value, _SAFE_TYPES), f"unsafe object {type(value)!r} in parsed data"
    if isinstance(value, dict):
        for key, item in value.items():
            _assert_plain(key, depth + 1)
            _assert_plain(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _assert_plain(item, depth + 1)


def _check_document(doc: YamlDocument) -> None:
    assert isinstance(doc, YamlDocument)
    assert not _TRIPPED, f"a python tag was constructed: {_TRIPPED}"
    for problem in doc.problems:
        assert isinstance(problem, YamlProblem)
        assert problem.message
        assert problem.span.line >= 1
    spans, key_spans = doc.spans, doc.key_spans  # computed on each access
    if not doc.problems:
        last = len(doc.text.splitlines()) + 1
        for path, span in [*spans.items(), *key_spans.items()]:
            assert 1 <= span.line <= last, (path, span, last)
    _assert_plain(doc.data)


def _parse(data: bytes | str) -> YamlDocument:
    doc = parse_yaml(data)
    _check_document(doc)
    return doc


_WORDS = [
    "a",
    "b",
    "key",
    "name",
    "schema",
    "infrastructure",
    "templates",
    "file",
    "types",
    "0",
    "-1",
    "1.5",
    "1e3",
    "0x1F",
    "0o17",
    "0b101",
    "1_000",
    "1:20:30",
    "true",
    "no",
    "On",
    "~",
    "null",
    "Null",
    ".inf",
    "-.inf",
    ".nan",
    "2001-12-14",
    "2001-12-14t21:59:43.10-05:00",
    "2001-13-45",
    "=",
    "<<",
    "é",
    "日本語",
    "🐍",
    "ｆｕｌｌ",
    "\u200b",
    "x" * 200,
]
_FRAGMENTS = [
    ":",
    ": ",
    "- ",
    "-",
    "? ",
    " ",
    "  ",
    "\t",
    '"',
    "'",
    '""',
    "''",
    '"\\x41\\u00e9\\"',
    "'it''s'",
    "*",
    "&a ",
    "*a",
    "&b ",
    "*b",
    "<<: *a",
    "<<: [*a, *b]",
    "{",
    "}",
    "[",
    "]",
    ",",
    ", ",
    "---",
    "...",
    "%YAML 1.1",
    "%YAML 1.2",
    "%YAML 2.0",
    "%TAG ! tag:example.com,2000:",
    "%FOO bar",
    "!tag ",
    "!",
    "!!str ",
    "!!int ",
    "!!float ",
    "!!bool ",
    "!!null ",
    "!!binary ",
    "!!timestamp ",
    "!!set ",
    "!!omap ",
    "!!pairs ",
    "!!map ",
    "!!seq ",
    "!!merge ",
    "!!value ",
    "!<tag:yaml.org,2002:str> ",
    "!<!> ",
    "!e!x ",
    "!!python/object:os.system ",
    "!!python/object/apply:os.system ",
    f"!!python/object/apply:{_CANARY_NAME}.trip ",
    f"!!python/object/new:{_CANARY_NAME}.Canary ",
    f"!!python/object:{_CANARY_NAME}.Canary ",
    f"!!python/name:{_CANARY_NAME}.trip ",
    f"!!python/module:{_CANARY_NAME} ",
    "!!python/tuple ",
    "|",
    "|-",
    "|+",
    ">",
    ">-",
    "|2",
    "#",
    " # note",
    "\\",
    "\x00",
    "\ufeff",
    "\r",
    "\x85",
    "\u2028",
    "\x1b",
    "%",
    "@",
    "`",
    "{{ environment.inputs.x }}",
]
_TEMPLATES = [
    "{k}: {v}",
    "- {v}",
    "- {k}: {v}",
    "{k}:",
    "? {k}",
    ": {v}",
    "&a {k}: {v}",
    "{k}: &a {v}",
    "{k}: &b [{v}, {v}]",
    "{k}: *a",
    "<<: *a",
    "{k}: [{v}, {v}]",
    "{k}: {{{k}: {v}}}",
    "{k}: |",
    "{k}: >-",
    "{k}: !!python/object {{}}",
    "{k}: !!bool {v}",
    "{k}: !!int {v}",
    "{k}: !!float {v}",
    "{k}: !!timestamp {v}",
    "{k}: !!binary {v}",
    '{k}: "{v}"',
    "{k}: '{v}'",
    "{k}: {v} # {v}",
]

_word = st.sampled_from(_WORDS) | st.text(max_size=6)
_token = st.sampled_from(_FRAGMENTS) | _word
_indent = st.one_of(
    st.integers(0, 6).map(lambda n: "  " * n),
    st.lists(st.sampled_from([" ", "  ", "\t"]), max_size=5).map("".join),
)
_newline = st.sampled_from(["\n", "\n", "\n", "\r\n", "\r"])
_random_line = st.builds(lambda i, toks: i + "".join(toks), _indent, st.lists(_token, max_size=8))
_template_line = st.builds(
    lambda i, t, k, v1, v2: i + t.format(k=k, v=v1).replace("{v}", v2),
    _indent,
    st.sampled_from(_TEMPLATES),
    _word,
    _word,
    _word,
)
_line = st.one_of(_template_line, _template_line, _random_line)


@st.composite
def deep_nesting(draw: st.DrawFn) -> str:
    """Nesting from a few to a few thousand levels, in flow and block style."""
    n = draw(st.integers(1, 3000) | st.integers(190, 210))
    kind = draw(st.sampled_from(["flow-seq", "flow-open", "flow-map", "block-seq", "indent", "indentless", "keys"]))
    if kind == "flow-seq":
        return "[" * n + "]" * n
    if kind == "flow-open":
        return "a: " + "[" * n
    if kind == "flow-map":
        return "{a: " * n + "1" + "}" * n
    if kind == "block-seq":
        return "- " * n + "x\n"
    if kind == "keys":
        return "? " * n + "x\n"
    n = min(n, 400)  # indentation grows quadratically
    if kind == "indent":
        return "".join(" " * i + "a:\n" for i in range(n)) + " " * n + "b\n"
    return "".join("  " * i + "a:\n" + "  " * i + "- " for i in range(n)) + "x\n"


@st.composite
def yaml_shaped(draw: st.DrawFn) -> str:
    """YAML-ish text: fragments and templates on indented lines, with directives and odd bytes."""
    prefix = draw(
        st.sampled_from(
            [
                "",
                "",
                "\ufeff",
                "---\n",
                "%YAML 1.1\n---\n",
                "%TAG !e! tag:e.com,2000:\n---\n",
                "anchor: &a {x: 1, y: [1, 2]}\nother: &b {z: 3}\n",
            ]
        )
    )
    body = ""
    for line in draw(st.lists(_line, max_size=20)):
        body += line + draw(_newline)
    if draw(st.integers(0, 9)) == 0:
        body += draw(st.sampled_from(["k: ", "- ", ""])) + draw(deep_nesting())
    if draw(st.integers(0, 14)) == 0:
        body += "long: " + draw(st.sampled_from("x \t'\"#")) * draw(st.integers(1000, 50_000)) + "\n"
    suffix = draw(st.sampled_from(["", "", "\n...\n", "\n---\nb: 1\n", "\x00", "#", "\n%YAML 1.1\n"]))
    return prefix + body + suffix


def _bomb(levels: int) -> str:
    lines = ['l0: &l0 ["x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    lines += [f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


@FAST
@given(st.binary(max_size=2000))
@example(b"\xff\xfe\x00a")
@example(b"\xef\xbb\xbfa: 1\n")
@example(b"a: \x00\n")
@example(b"a: 1\r\nb: \xc3\x28\n")
def test_parse_yaml_arbitrary_bytes(data: bytes) -> None:
    _parse(data)


@FAST
@given(st.text(alphabet=st.characters(codec=None), max_size=500))
@example("\ud800: x")
@example("a:\n\tb: 1\n")
def test_parse_yaml_arbitrary_text(text: str) -> None:
    _parse(text)


@SLOW
@given(yaml_shaped())
@example(_bomb(7))
@example("[" * 3000 + "]" * 3000)
@example("{a: " * 3000 + "1" + "}" * 3000)
@example("- " * 3000 + "x\n")
@example("a: &a [*a]\n")
@example("a: &a {b: *a}\n<<: *a\n")
@example("? &k [*k]\n: 1\n")
@example(f"a: !!python/object/apply:{_CANARY_NAME}.trip [1]\nb: !!python/object/new:{_CANARY_NAME}.Canary {{}}\n")
@example(f"!!python/name:{_CANARY_NAME}.trip\n")
@example("a: " + "[" * 199 + "]" * 199 + "\n? " + "[" * 150 + "]" * 150 + "\n: 1\n")
def test_parse_yaml_yaml_shaped_text(text: str) -> None:
    _parse(text)
    _parse(text.encode("utf-8", "surrogatepass"))


# -- crashes found by the tests above ------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["!!bool abc", 'a: !!int ""', 'a: !!float ""', "a: !!timestamp x", 'a: !!int "_"', "a: !!binary é"]
)
def test_regression_tagged_bad_scalars_keep_their_text(text: str) -> None:
    """PyYAML's constructors raise KeyError, IndexError or AttributeError for these; parse_yaml must not."""
    doc = _parse(text)
    assert doc.problems == []


# == 2. round trip of dumped data ====================================================================

_json_leaf = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
_json_key = st.text() | st.sampled_from(["<<", "=", "~", "null", "true", "1", "1.0", "2001-12-14", "*a", "&a", "? x"])
json_like = st.recursive(
    _json_leaf,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(_json_key, children, max_size=5),
    max_leaves=30,
)


def _same(a: object, b: object) -> bool:
    """Equal, and of the same types all the way down (so True != 1 and 1 != 1.0)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)  # type: ignore[index,union-attr]
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))  # type: ignore[arg-type]
    return a == b


def _node_paths(value: object, path: tuple = ()):
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _node_paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _node_paths(item, (*path, index))


@FAST
@given(json_like, st.booleans())
def test_safe_dump_round_trips(data: object, flow: bool) -> None:
    text = yaml.safe_dump(data, default_flow_style=flow)
    doc = _parse(text)
    assert doc.problems == []
    assert _same(doc.data, data), (doc.data, data)
    spans = doc.spans
    missing = [p for p in _node_paths(data) if p not in spans]
    assert not missing, missing


# == 3. the linter never crashes ======================================================================

_LINT_BASES = [
    "environment",
    "service",
    "terraform-environment",
    "codebuild-environment",
    "component",
    "service-no-pipeline",
    "customer-managed-environment",
]
_VOCAB = [
    "schema",
    "format",
    "openapi",
    "3.0.0",
    "environment_input_type",
    "service_input_type",
    "pipeline_input_type",
    "types",
    "EnvironmentInput",
    "ServiceInput",
    "PipelineInput",
    "type",
    "object",
    "string",
    "number",
    "integer",
    "boolean",
    "array",
    "properties",
    "required",
    "default",
    "description",
    "pattern",
    "minimum",
    "maximum",
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "enum",
    "items",
    "additionalProperties",
    "$ref",
    "#/types/EnvironmentInput",
    "allOf",
    "title",
    "infrastructure",
    "templates",
    "file",
    "rendering_engine",
    "template_language",
    "engine",
    "jinja",
    "hcl",
    "codebuild",
    "cloudformation",
    "terraform",
    "settings",
    "image",
    "runtimes",
    "provision",
    "deprovision",
    "*",
    "cloudformation.yaml",
    "main.tf",
    "",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "nullable",
    "oneOf",
    "anyOf",
    "not",
    "const",
    "examples",
    "uniqueItems",
    "minProperties",
    "readOnly",
    "#/types/ServiceInput",
    "#/types/Missing",
    "#/definitions/x",
    "([0-9]+",
    "^[a-z]+$",
    "(?P<x>a)",
    "\\p{L}+",
    "a{2,1}",
    "(?<=a)b",
    "[",
    "10.0.0.0/16",
    "vpc_cidr",
    "port",
]
_shaped_leaf = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), st.sampled_from(_VOCAB), st.text(max_size=8)
)
_shaped_key = st.sampled_from(_VOCAB) | st.text(max_size=6) | st.integers(-2, 2) | st.none() | st.booleans()
proton_shaped = st.recursive(
    _shaped_leaf,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(_shaped_key, children, max_size=5),
    max_leaves=25,
)


_TYPE_NAMES = st.sampled_from(["EnvironmentInput", "ServiceInput", "PipelineInput", "EnvironmentOutputs", "Sub"])
_PROP_NAMES = st.sampled_from(["vpc_cidr", "port", "name", "x" * 101, "1st", "a-b", "VpcId", ""]) | _shaped_key
_REGEXES = st.sampled_from(["^[a-z]+$", "([0-9]+", "(?P<x>a)", "\\p{L}+", "a{2,1}", "(?<=a)b", "[", "\\", "^$"])
_property = st.recursive(
    st.fixed_dictionaries(
        {
            "type": st.sampled_from(["string", "number", "integer", "boolean", "array", "object", "null", "text"])
            | _shaped_leaf
        },
        optional={
            "default": _shaped_leaf | st.lists(_shaped_leaf, max_size=2),
            "pattern": _REGEXES | _shaped_leaf,
            "enum": st.lists(_shaped_leaf, max_size=3) | _shaped_leaf,
            "minimum": st.integers(-5, 5) | _shaped_leaf,
            "maximum": st.integers(-5, 5) | _shaped_leaf,
            "minLength": st.integers(-1, 5) | _shaped_leaf,
            "maxLength": st.integers(-1, 5) | _shaped_leaf,
            "exclusiveMinimum": st.booleans() | _shaped_leaf,
            "nullable": st.booleans(),
            "$ref": st.sampled_from(["#/Sub", "#/EnvironmentInput", "#/Missing", "#/a/b", "#/"]) | _shaped_leaf,
            "description": st.text(max_size=5),
            "format": st.sampled_from(["date", "email", "x"]),
        },
    ),
    lambda children: st.fixed_dictionaries(
        {"type": st.sampled_from(["object", "array"])},
        optional={
            "properties": st.dictionaries(_PROP_NAMES, children, max_size=3) | _shaped_leaf,
            "items": children | _shaped_leaf,
            "required": st.lists(_PROP_NAMES | proton_shaped, max_size=3) | _shaped_leaf,
            "allOf": st.lists(children, max_size=2) | _shaped_leaf,
            "oneOf": st.lists(children, max_size=2),
            "default": proton_shaped,
        },
    ),
    max_leaves=8,
)


@st.composite
def proton_schema(draw: st.DrawFn) -> dict:
    """A schema file that is mostly well formed, so that the rules past the structure checks run."""
    inputs = draw(
        st.lists(
            st.sampled_from(["environment_input_type", "service_input_type", "pipeline_input_type"]),
            min_size=1,
            max_size=2,
            unique=True,
        )
    )
    types = draw(st.dictionaries(_TYPE_NAMES, _property, min_size=1, max_size=3))
    root: dict = {"format": {"openapi": draw(st.sampled_from(["3.0.0", "3.1.0", 3]))}, "types": types}
    for key in inputs:
        root[key] = draw(_TYPE_NAMES | _shaped_leaf)
    return {"schema": root}


_commands = st.lists(st.sampled_from(["npm ci", "./notify.sh", "make"]) | _shaped_leaf, max_size=3) | _shaped_leaf
_manifest_entry = st.fixed_dictionaries(
    {},
    optional={
        "file": st.sampled_from(["cloudformation.yaml", "*", "main.tf", "*.tf", "missing.yaml", "../x", ""])
        | _shaped_leaf,
        "rendering_engine": st.sampled_from(["jinja", "hcl", "codebuild", "Jinja", ""]) | _shaped_leaf,
        "template_language": st.sampled_from(["cloudformation", "terraform", "cdk"]) | _shaped_leaf,
        "engine": st.sampled_from(["jinja", "hcl"]),
        "settings": st.fixed_dictionaries(
            {},
            optional={
                "image": st.sampled_from(["aws/codebuild/amazonlinux2-x86_64-standard:4.0", ""]) | _shaped_leaf,
                "runtimes": st.dictionaries(
                    st.sampled_from(["nodejs", "python"]) | _shaped_key, _shaped_leaf, max_size=2
                )
                | _shaped_leaf,
                "provision": _commands,
                "deprovision": _commands,
                "unknown": _shaped_leaf,
            },
        )
        | _shaped_leaf,
        "extra": _shaped_leaf,
    },
)
proton_manifest = st.fixed_dictionaries(
    {"infrastructure": st.fixed_dictionaries({"templates": st.lists(_manifest_entry | _shaped_leaf, max_size=3)})}
)


def _dump(data: object) -> str:
    return yaml.safe_dump(data, default_flow_style=False, sort_keys=False)


@st.composite
def tweaked_yaml(draw: st.DrawFn, text: str) -> str:
    """The real file, with a few nodes replaced, removed or added, using random Proton-shaped data."""
    data = yaml.safe_load(text)
    for _ in range(draw(st.integers(1, 4))):
        path = draw(st.sampled_from(list(_node_paths(data))))
        op = draw(st.sampled_from(["replace", "replace", "leaf", "add", "add", "delete"]))
        new = draw(_shaped_leaf if op == "leaf" else proton_shaped)
        node, parent = data, None
        for part in path:
            parent, node = node, node[part]
        if op == "add" and isinstance(node, dict):
            node[draw(_shaped_key)] = new
        elif op == "delete" and parent is not None:
            del parent[path[-1]]
        elif parent is None:
            data = new
        else:
            parent[path[-1]] = new
    return _dump(data)


@st.composite
def mutated_lines(draw: st.DrawFn, text: str) -> str:
    """The real file with lines deleted, duplicated, swapped, tab-indented or truncated."""
    for _ in range(draw(st.integers(1, 3))):
        lines = text.splitlines(keepends=True) or [""]
        i, j = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
        op = draw(st.sampled_from(["delete", "duplicate", "swap", "tab", "truncate", "insert"]))
        if op == "delete":
            del lines[i]
        elif op == "duplicate":
            lines.insert(i, lines[i])
        elif op == "swap":
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "tab":
            col = draw(st.integers(0, len(lines[i])))
            lines[i] = lines[i][:col] + "\t" + lines[i][col:]
        elif op == "insert":
            lines.insert(i, draw(_line) + "\n")
        text = "".join(lines)
        if op == "truncate":
            text = text[: draw(st.integers(0, len(text)))]
    return text


def _replacement(draw: st.DrawFn, rel: str, original: str) -> str:
    ways = ["shaped-text", "dumped-json", "dumped-proton", "tweaked", "lines", "lines"]
    if rel == "schema/schema.yaml":
        ways += ["schema", "schema", "schema"]
    else:
        ways += ["manifest", "manifest", "manifest"]
    how = draw(st.sampled_from(ways))
    if how == "manifest":
        return _dump(draw(proton_manifest))
    if how == "schema":
        return _dump(draw(proton_schema()))
    if how == "shaped-text":
        return draw(yaml_shaped())
    if how == "dumped-json":
        return _dump(draw(json_like))
    if how == "dumped-proton":
        return _dump(draw(proton_shaped))
    if how == "tweaked":
        return draw(tweaked_yaml(original))
    return draw(mutated_lines(original))


@st.composite
def fuzzed_bundle(draw: st.DrawFn) -> tuple[str, dict[str, str], bool]:
    base = draw(st.sampled_from(_LINT_BASES))
    files = dict(BASES[base])
    targets = [rel for rel in files if rel.endswith("manifest.yaml") or rel == "schema/schema.yaml"]
    chosen = draw(st.lists(st.sampled_from(targets), min_size=1, max_size=len(targets), unique=True))
    for rel in chosen:
        files[rel] = _replacement(draw, rel, files[rel])
    return base, files, draw(st.integers(0, 4)) == 0


def _write_bundle(where: Path, base: str, files: dict[str, str], archive: bool) -> Path:
    location = "components/my-component" if base == "component" else "my-template/v1"
    root = where / "repo" / location
    for rel, text in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(text.encode("utf-8", "surrogatepass"))
    if not archive:
        return where / "repo"
    bundle = where / "bundle.tar.gz"
    with tarfile.open(bundle, "w:gz") as tar:
        for rel in sorted(files):
            tar.add(root / rel, arcname=rel)
    return bundle


@SLOW
@given(fuzzed_bundle())
def test_linter_never_crashes(bundle: tuple[str, dict[str, str], bool]) -> None:
    base, files, archive = bundle
    with tempfile.TemporaryDirectory() as tmp:
        target = _write_bundle(Path(tmp), base, files, archive)
        result = LINTER.run([target])
    crashes = [f.message for f in result.findings if f.rule == INTERNAL_ERROR]
    assert not crashes
    for finding in result.findings:
        assert isinstance(finding.message, str) and finding.message.strip(), finding
        assert finding.path, finding
        assert finding.line is None or finding.line >= 1, finding


def test_regression_tagged_bad_scalar_in_schema() -> None:
    """Once crashed the whole run: parse_yaml raised KeyError during discovery."""
    files = dict(BASES["environment"])
    files["schema/schema.yaml"] = files["schema/schema.yaml"] + "x: !!bool maybe\n"
    with tempfile.TemporaryDirectory() as tmp:
        result = LINTER.run([_write_bundle(Path(tmp), "environment", files, archive=False)])
    assert not [f for f in result.findings if f.rule == INTERNAL_ERROR]


@pytest.mark.parametrize(
    "extra",
    ["      required: [[]]\n", "      required: [{a: 1}]\n", "      minLength: .inf\n", "      maxItems: .nan\n"],
)
def test_regression_schema_rules_on_odd_values(extra: str) -> None:
    """Found by test_linter_never_crashes: each of these lines, added to EnvironmentInput, made a rule crash."""
    files = dict(BASES["environment"])
    files["schema/schema.yaml"] = files["schema/schema.yaml"] + extra
    with tempfile.TemporaryDirectory() as tmp:
        result = LINTER.run([_write_bundle(Path(tmp), "environment", files, archive=False)])
    assert [f.message for f in result.findings if f.rule == INTERNAL_ERROR] == []


_LINT_IN_CHILD = """
import sys
from pathlib import Path
from proton_lint.engine import Linter, LintOptions
Linter(LintOptions(entry_points=False)).run([Path(sys.argv[1])])
"""


def test_regression_catastrophic_pattern_does_not_hang() -> None:
    files = dict(BASES["environment"])
    files["schema/schema.yaml"] = files["schema/schema.yaml"].replace(
        "          default: \"10.0.0.0/16\"\n          pattern: '([0-9]{1,3}\\.){3}[0-9]{1,3}($|/(16|24))'\n",
        '          default: "' + "a" * 40 + "!\"\n          pattern: '^(a+)+$'\n",
    )
    assert "(a+)+" in files["schema/schema.yaml"]
    with tempfile.TemporaryDirectory() as tmp:
        target = _write_bundle(Path(tmp), "environment", files, archive=False)
        child = subprocess.Popen([sys.executable, "-c", _LINT_IN_CHILD, str(target)])
        try:
            child.wait(timeout=60)  # a hang detector, not a timing threshold: (a+)+ backtracks for hours
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
            pytest.fail("linting a one-property schema did not finish in 60 s")
    assert child.returncode == 0


# == 4. read_archive raises only ArchiveRefused and never lets an unsafe member through =================

OUTER = "{OUTER}"  # replaced by the test's parent folder, so escapes would land where we look
_SAFE_NAMES = [
    "schema/schema.yaml",
    "infrastructure/manifest.yaml",
    "a.txt",
    "./b.txt",
    "dir/c.txt",
    "dir/./d.txt",
    "dir/sub/../e.txt",
    "dir",
    "x" * 150 + "/long.txt",
]
_HOSTILE_NAMES = [
    "/etc/proton-lint-fuzz",
    f"{OUTER}/abs-escape",
    "../escape",
    "../../escape",
    "a/../../escape",
    "..",
    "../",
    "..\\escape",
    "\\abs-escape",
    "C:\\escape",
    "C:/escape",
    "./../escape",
    "dir/../../escape",
]
_LINK_TARGETS = [
    "/etc/passwd",
    f"{OUTER}/abs-escape",
    "../escape",
    "../../escape",
    "dir/../../escape",
    "a.txt",
    "schema/schema.yaml",
    "..",
    "/",
    "..\\..\\escape",
    "",
]
_PAX_KEYS = [
    "path",
    "linkpath",
    "size",
    "uid",
    "gid",
    "mtime",
    "atime",
    "uname",
    "gname",
    "comment",
    "hdrcharset",
    "GNU.sparse.map",
    "GNU.sparse.size",
    "GNU.sparse.major",
    "GNU.sparse.minor",
    "GNU.sparse.name",
    "GNU.sparse.realsize",
    "GNU.sparse.offset",
    "GNU.sparse.numbytes",
    "SCHILY.xattr.user.x",
]
_KINDS = ["file", "file", "file", "dir", "symlink", "hardlink", "chr", "blk", "fifo", "cont", "unknown"]
_TYPES = {
    "file": tarfile.REGTYPE,
    "dir": tarfile.DIRTYPE,
    "symlink": tarfile.SYMTYPE,
    "hardlink": tarfile.LNKTYPE,
    "chr": tarfile.CHRTYPE,
    "blk": tarfile.BLKTYPE,
    "fifo": tarfile.FIFOTYPE,
    "cont": tarfile.CONTTYPE,
    "unknown": b"Z",
}

_member = st.fixed_dictionaries(
    {
        "name": st.sampled_from(_SAFE_NAMES + _HOSTILE_NAMES),
        "kind": st.sampled_from(_KINDS),
        "target": st.sampled_from(_LINK_TARGETS),
        "size": st.integers(0, 64) | st.just(2**33) | st.integers(0, 2**40),
        "pax": st.dictionaries(
            st.sampled_from(_PAX_KEYS),
            st.sampled_from(["0", "1", "-1", "x", "1,2", "0,1,x", ""]) | st.text(max_size=5),
            max_size=2,
        )
        | st.just({}),
        "declared": st.booleans(),  # whether the declared size matches the data
    }
)


def _build_tar(members: list[dict], outer: str, fmt: int) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt) as tar:
        for index, member in enumerate(members):
            info = tarfile.TarInfo(member["name"].replace(OUTER, outer))
            info.type = _TYPES[member["kind"]]
            info.linkname = member["target"].replace(OUTER, outer)
            payload = f"payload-{index}".encode()
            if member["kind"] in ("file", "cont", "unknown"):
                info.size = len(payload) if member["declared"] else member["size"]
            if member["pax"] and fmt == tarfile.PAX_FORMAT:
                info.pax_headers = dict(member["pax"])
            try:
                if info.size == len(payload):
                    tar.addfile(info, io.BytesIO(payload))
                else:  # a lie: header only, the declared data is missing
                    tar.addfile(info)
            except (ValueError, tarfile.TarError, UnicodeError):
                continue  # the writer refuses this member (e.g. too big for the format): leave it out
    return buf.getvalue()


def _snapshot(folder: Path) -> dict[str, int]:
    return {
        os.path.join(dirpath, name): os.lstat(os.path.join(dirpath, name)).st_size
        for dirpath, dirnames, filenames in os.walk(folder)
        for name in filenames + dirnames
    }


def _read_in_sandbox(build: Callable[[str], bytes]) -> tuple[ArchiveContents | None, bytes]:
    """read_archive on ``build(parent)`` inside parent/work/; asserts that nothing appeared on disk."""
    with tempfile.TemporaryDirectory() as outer_name:
        outer = Path(outer_name)
        work = outer / "work"
        work.mkdir()
        payload = build(outer_name)
        archive = work / "bundle.tar.gz"
        archive.write_bytes(payload)
        before = _snapshot(outer)
        cwd = os.getcwd()
        os.chdir(work)  # relative escapes would land in the parent folder
        try:
            try:
                contents: ArchiveContents | None = read_archive(archive)
            except ArchiveRefused as exc:
                assert str(exc)
                contents = None
        finally:
            os.chdir(cwd)
        assert _snapshot(outer) == before, "read_archive wrote to disk"
        assert not os.path.lexists("/etc/proton-lint-fuzz")
    return contents, payload


def _assert_safe_contents(contents: ArchiveContents) -> None:
    for name, data in contents.files.items():
        assert isinstance(data, bytes)
        assert name and not name.startswith(("/", "\\")), name
        assert ".." not in name.replace("\\", "/").split("/"), name
        assert not (len(name) > 1 and name[1] == ":"), name
    for name, reason in contents.skipped:
        assert isinstance(name, str) and reason


def _escapes(name: str) -> bool:
    if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        return True
    normal = posixpath.normpath(name.replace("\\", "/"))
    return normal == ".." or normal.startswith("../")


def _expected(payload: bytes) -> tuple[dict[str, bytes], set[str]] | None:
    """What a safe reader must return, from tarfile's own view of the members (None if unreadable)."""
    files: dict[str, bytes] = {}
    unsafe: set[str] = set()
    try:
        with tarfile.open(fileobj=io.BytesIO(payload), mode="r:gz") as tar:
            for member in tar:
                if _escapes(member.name) or not (member.isfile() or member.isdir()) or member.issym() or member.islnk():
                    unsafe.add(member.name)
                elif member.isfile():
                    name = posixpath.normpath(member.name.replace("\\", "/"))
                    if name == ".":
                        continue  # no name at all ("" or "."): nothing to read
                    handle = tar.extractfile(member)
                    assert handle is not None
                    files[name] = handle.read()
    except Exception:  # noqa: BLE001 - whatever tarfile makes of it, read_archive must refuse it
        return None
    return files, unsafe


@FAST
@given(st.binary(max_size=3000), st.sampled_from(["raw", "gzip"]))
@example(b"", "raw")
@example(b"", "gzip")
@example(b"\x1f\x8b\x08\x00", "raw")
def test_read_archive_arbitrary_bytes(data: bytes, wrap: str) -> None:
    contents, _ = _read_in_sandbox(lambda _outer: gzip.compress(data) if wrap == "gzip" else data)
    if contents is not None:
        _assert_safe_contents(contents)


@FAST
@given(
    st.lists(_member, min_size=1, max_size=3),
    st.lists(st.tuples(st.integers(0, 4000), st.integers(0, 255)), min_size=1, max_size=8),
)
def test_read_archive_corrupted_tar(members: list[dict], flips: list[tuple[int, int]]) -> None:
    def build(outer: str) -> bytes:
        raw = bytearray(_build_tar(members, outer, tarfile.PAX_FORMAT))
        for position, value in flips:
            raw[position % len(raw)] = value
        return gzip.compress(bytes(raw))

    contents, _ = _read_in_sandbox(build)
    if contents is not None:
        _assert_safe_contents(contents)


@SLOW
@given(
    st.lists(_member, min_size=1, max_size=8),
    st.sampled_from([tarfile.PAX_FORMAT, tarfile.GNU_FORMAT, tarfile.USTAR_FORMAT]),
)
def test_read_archive_hostile_members(members: list[dict], fmt: int) -> None:
    contents, payload = _read_in_sandbox(lambda outer: gzip.compress(_build_tar(members, outer, fmt)))
    if contents is None:
        return  # refused: fine whatever the members were
    _assert_safe_contents(contents)
    expected = _expected(payload)
    assert expected is not None, "read_archive accepted an archive tarfile cannot read"
    files, unsafe = expected
    assert contents.files == files
    skipped = {name for name, _ in contents.skipped}
    assert unsafe <= skipped, unsafe - skipped


@pytest.mark.parametrize(
    "pax", [{"GNU.sparse.map": "x"}, {"GNU.sparse.major": "1", "GNU.sparse.minor": "0", "GNU.sparse.name": "a"}]
)
def test_regression_read_archive_gnu_sparse(pax: dict[str, str]) -> None:
    """tarfile raises ValueError for malformed GNU sparse pax headers; read_archive must refuse instead."""
    info = tarfile.TarInfo("a.txt")
    info.size = 1
    info.pax_headers = pax
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz", format=tarfile.PAX_FORMAT) as tar:
        tar.addfile(info, io.BytesIO(b"x"))
    with tempfile.TemporaryDirectory() as tmp:
        archive = Path(tmp) / "bundle.tar.gz"
        archive.write_bytes(buf.getvalue())
        with contextlib.suppress(ArchiveRefused):
            read_archive(archive)
