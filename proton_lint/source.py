"""YAML with a line mark on every node.

PyYAML's composer (libyaml when available) gives a node tree with marks; we turn it into plain
Python data plus a table from logical path to span, so a JSON Schema error or a rule can point at
the exact key or value. Problems (syntax errors, duplicate keys, tabs, alias bombs) are collected
as data, never raised: every input ends in a document or in problems, not in a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from proton_lint.findings import Span

try:  # libyaml is several times faster; fall back to pure Python where it is missing
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on the PyYAML build
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

#: More nodes than any real Proton file holds; aliases past this are an alias bomb.
MAX_NODES = 200_000
#: Deeper nesting than any real file; also keeps the recursive walk far from Python's limit.
MAX_DEPTH = 200

Path = tuple[str | int, ...]

_MERGE_TAG = "tag:yaml.org,2002:merge"
_scalar_constructor = yaml.SafeLoader("")  # constructs scalars only; never reads a stream


@dataclass(frozen=True, slots=True)
class YamlProblem:
    """Why a YAML file could not be read (fully). ``kind`` picks the rule that reports it."""

    kind: str  # "syntax", "duplicate-key", "refused" (bombs, depth), "encoding", "multi-document"
    message: str
    span: Span
    hint: str | None = None


@dataclass
class YamlDocument:
    """A parsed YAML file: plain data, where each node is, and what went wrong.

    Spans are computed on demand from the composed nodes: most nodes are never asked for.
    """

    text: str
    data: Any = None
    problems: list[YamlProblem] = field(default_factory=list)
    value_nodes: dict[Path, yaml.Node] = field(default_factory=dict, repr=False)
    key_nodes: dict[Path, yaml.Node] = field(default_factory=dict, repr=False)

    @property
    def ok(self) -> bool:
        return not any(p.kind in ("syntax", "refused", "encoding") for p in self.problems)

    @property
    def spans(self) -> dict[Path, Span]:
        """Span of every value node by logical path."""
        return {path: _span(node) for path, node in self.value_nodes.items()}

    @property
    def key_spans(self) -> dict[Path, Span]:
        """Span of every mapping key by the logical path of its value."""
        return {path: _span(node) for path, node in self.key_nodes.items()}

    def span_of(self, path: Path, *, key: bool = False) -> Span:
        """The span of the node at ``path``, or of its nearest ancestor that has one."""
        path = tuple(path)
        while True:
            if key and path in self.key_nodes:
                return self._within(_span(self.key_nodes[path]))
            if path in self.value_nodes:
                return self._within(_span(self.value_nodes[path]))
            if not path:
                return Span(1, 1)
            path = path[:-1]

    def _within(self, span: Span) -> Span:
        """``span``, moved back onto the file's last line when a node ends the file (an empty or
        ``...``-terminated document starts past its last line)."""
        last = max(self.text.count("\n") + (not self.text.endswith("\n")), 1)
        if span.line <= last:
            return span
        return Span(last, 1)

    def paths_starting_on(self, line: int) -> list[Path]:
        """Logical paths whose key (or, for list items, value) starts on ``line``."""
        mark = line - 1
        found = [p for p, n in self.key_nodes.items() if n.start_mark.line == mark]
        found += [p for p, n in self.value_nodes.items() if n.start_mark.line == mark and p and isinstance(p[-1], int)]
        if not found and line == 1 and () in self.value_nodes:
            found.append(())
        return found


def _span(node: yaml.Node) -> Span:
    start, end = node.start_mark, node.end_mark
    return Span(start.line + 1, start.column + 1, end.line + 1, max(end.column, 1))


def _mark_span(mark: Any) -> Span:
    if mark is None:
        return Span(1, 1)
    return Span(mark.line + 1, mark.column + 1)


class _TooBig(Exception):
    def __init__(self, node: yaml.Node, reason: str) -> None:
        self.node, self.reason = node, reason


class _Builder:
    """Turns a composed node tree into data + spans, guarding against bombs and cycles."""

    def __init__(self, doc: YamlDocument) -> None:
        self.doc = doc
        self.count = 0
        self.active: set[int] = set()

    def build(self, node: yaml.Node, path: Path, depth: int = 0) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise _TooBig(node, f"more than {MAX_NODES} nodes after expanding aliases (an alias bomb?)")
        if depth > MAX_DEPTH:
            raise _TooBig(node, f"nested deeper than {MAX_DEPTH} levels")
        self.doc.value_nodes.setdefault(path, node)
        if isinstance(node, yaml.ScalarNode):
            return _scalar(node)
        if id(node) in self.active:
            raise _TooBig(node, "an alias refers to a node that contains it (a recursive alias)")
        self.active.add(id(node))
        try:
            if isinstance(node, yaml.SequenceNode):
                return [self.build(item, (*path, i), depth + 1) for i, item in enumerate(node.value)]
            return self._mapping(node, path, depth)
        finally:
            self.active.discard(id(node))

    def _mapping(self, node: yaml.MappingNode, path: Path, depth: int) -> dict:
        out: dict = {}
        explicit: set = set()  # keys written in this mapping (merged keys may be overridden)
        key_nodes, value_nodes = self.doc.key_nodes, self.doc.value_nodes
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                merged = self.build(value_node, path, depth + 1)
                for source in merged if isinstance(merged, list) else [merged]:
                    if isinstance(source, dict):
                        for k, v in source.items():
                            out.setdefault(k, v)
                continue
            if isinstance(key_node, yaml.ScalarNode):
                key = _scalar(key_node)
            else:
                key = self.build(key_node, (*path, "<key>"), depth + 1)
            if not isinstance(key, (str, int, float, bool)) and key is not None:
                key = yaml.safe_dump(key, default_flow_style=True).strip()
            key_path = (*path, key)
            if key in explicit:
                first = key_nodes.get(key_path)
                where = f" (first defined on line {first.start_mark.line + 1})" if first else ""
                self.doc.problems.append(
                    YamlProblem(
                        "duplicate-key",
                        f"duplicate key {key!r}{where}; YAML keeps only the last value",
                        _span(key_node),
                        "remove or rename one of the two keys",
                    )
                )
            explicit.add(key)
            key_nodes[key_path] = key_node
            value_nodes[key_path] = value_node
            out[key] = self.build(value_node, key_path, depth + 1)
        return out


_STR_TAG = "tag:yaml.org,2002:str"
_SCALAR_CONSTRUCTORS = {
    f"tag:yaml.org,2002:{name}": yaml.SafeLoader.yaml_constructors[f"tag:yaml.org,2002:{name}"]
    for name in ("null", "bool", "int", "float", "binary", "timestamp")
}


def _scalar(node: yaml.ScalarNode) -> Any:
    """The Python value of a scalar: YAML 1.1 core types only; unknown tags keep their text."""
    if node.tag == _STR_TAG:
        return node.value
    construct = _SCALAR_CONSTRUCTORS.get(node.tag)
    if construct is None:
        return node.value  # `!Ref x`, `!!python/object:...`: never constructed
    try:
        return construct(_scalar_constructor, node)
    except Exception:  # noqa: BLE001 - PyYAML raises many types for bad tagged scalars
        return node.value  # e.g. `!!timestamp x`: keep the text


_TAB_HINT = "YAML does not allow tabs for indentation: indent with spaces"
_ALIAS_HINT = 'a bare * starts a YAML alias; quote it: file: "*"'


def _syntax_problem(exc: yaml.MarkedYAMLError, text: str) -> YamlProblem:
    mark = exc.problem_mark or exc.context_mark
    problem = (exc.problem or str(exc)).strip()
    context = f" ({exc.context.strip()})" if exc.context else ""
    lines = text.splitlines()
    bad_line = lines[mark.line] if mark is not None and mark.line < len(lines) else ""
    hint = None
    if "\t" in bad_line[: (mark.column + 1) if mark else None]:
        hint = _TAB_HINT
    elif "alias" in (exc.context or "") or "alias" in problem:
        hint = _ALIAS_HINT
    span = _mark_span(mark)
    if span.line > max(len(lines), 1):  # the end of the file: point at its last line, which exists
        span = Span(max(len(lines), 1), max(len(lines[-1]) if lines else 0, 0) + 1)
    return YamlProblem("syntax", f"invalid YAML: {problem}{context}", span, hint)


def parse_yaml(data: bytes | str) -> YamlDocument:
    """Parse one YAML document. Never raises for any input."""
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            doc = YamlDocument(text="")
            doc.problems.append(
                YamlProblem("encoding", f"not valid UTF-8 (byte {exc.start})", Span(line, 1), "save the file as UTF-8")
            )
            return doc
    else:
        text = data
    doc = YamlDocument(text=text)
    too_deep = _too_deep(text)
    if too_deep is not None:
        doc.problems.append(YamlProblem("refused", f"refused to load: nested deeper than {MAX_DEPTH} levels", too_deep))
        return doc
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        problem = _syntax_problem(exc, text)
        if "expected a single document" in problem.message:
            problem = YamlProblem("multi-document", "more than one YAML document; Proton reads only one", problem.span)
        doc.problems.append(problem)
        return doc
    except (yaml.YAMLError, RecursionError, ValueError) as exc:
        doc.problems.append(YamlProblem("syntax", f"invalid YAML: {exc}", Span(1, 1)))
        return doc
    if node is None:
        return doc
    try:
        doc.data = _Builder(doc).build(node, ())
    except _TooBig as exc:
        doc.data = None
        doc.problems.append(YamlProblem("refused", f"refused to load: {exc.reason}", _span(exc.node)))
    return doc


#: libyaml's composer recurses in C; far deeper input than this would overflow the C stack.
_SAFE_BOUND = 2000


def _too_deep(text: str) -> Span | None:
    """Where nesting passes MAX_DEPTH, checked with the (iterative) event parser.

    Block nesting needs one character of indent or indicator per level on a line, flow nesting
    one bracket per level, so the cheap bound below rules out nearly every real file at once.
    """
    bound = text.count("[") + text.count("{") + max(map(len, text.splitlines()), default=0)
    if bound < _SAFE_BOUND:
        return None
    depth = 0
    try:
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    return _mark_span(event.start_mark)
            elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                depth -= 1
    except yaml.YAMLError:
        return None  # the composer reports the syntax error itself
    return None


#: Parsed documents by content, for one run: template repositories repeat the same manifest in
#: many bundles. Documents are shared between bundles, so rules must not modify them.
_PARSED: dict[bytes, YamlDocument] = {}


def parse_yaml_shared(data: bytes) -> YamlDocument:
    """``parse_yaml``, parsing each distinct content once per run (see ``clear_shared``)."""
    doc = _PARSED.get(data)
    if doc is None:
        doc = _PARSED[data] = parse_yaml(data)
    return doc


def clear_shared() -> None:
    """Forget the documents of the last run."""
    _PARSED.clear()
