"""Terraform files of ``rendering_engine: hcl`` bundles: parsing, and what rules need from them.

Files are parsed with python-hcl2's Lark grammar (imported lazily, the first time a ``.tf`` file is
read), once per distinct text. From the parse tree we keep what the Terraform rules look at:
``variable`` declarations, local ``module`` sources, and every ``var.<name>...`` traversal with its
position, including those inside ``"${...}"`` strings and heredocs. A file that does not parse
becomes a :class:`TfError` with its line, never an exception.

Proton writes its own variables (``proton.<kind>.variables.tf``, §4.3 NS-20/NS-21) beside the
bundle's files; :data:`PROTON_VARIABLES` holds their shapes per template kind, taken from files
that Proton generated (aws-proton-terraform-github-actions-sample), the user guide and §4.2.
"""

from __future__ import annotations

import fnmatch
import os
import posixpath
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from proton_lint.bundle import ENV_INFRA, INSTANCE_INFRA, PIPELINE_INFRA, BundleKind

if TYPE_CHECKING:
    from proton_lint.bundle import Bundle

#: A step of a traversal whose key is computed (``var.x[local.k]``).
DYNAMIC = None
#: A splat step (``var.x[*]``, ``var.x.*``).
SPLAT = "*"


@dataclass(frozen=True, slots=True)
class TfError:
    message: str
    line: int
    column: int


@dataclass(frozen=True, slots=True)
class VarRef:
    """``var.<name>`` followed by ``path``: attribute names, literal keys, ints, SPLAT or DYNAMIC."""

    name: str
    path: tuple
    line: int
    column: int
    end_line: int
    end_column: int
    #: inside ``try(...)`` or ``can(...)``: a missing key or attribute falls back instead of failing
    guarded: bool = False

    @property
    def text(self) -> str:
        out = f"var.{self.name}"
        for step in self.path:
            if step is DYNAMIC:
                out += "[...]"
            elif step == SPLAT:
                out += "[*]"
            elif isinstance(step, int):
                out += f"[{step}]"
            else:
                out += f".{step}"
        return out


@dataclass(frozen=True, slots=True)
class Declaration:
    """A top-level ``variable "<name>"`` or ``module "<name>"`` block."""

    kind: str
    name: str
    line: int
    column: int
    #: variables: whether the block sets ``default``; modules: unused
    has_default: bool = False
    #: modules: the ``source`` string, when it is a literal
    source: str | None = None


@dataclass(frozen=True, slots=True)
class JinjaHit:
    text: str
    line: int
    column: int
    #: the hit names one of Proton's namespaces (``{{ environment.name }}``, ``{% if pipeline.inputs.x %}``)
    proton: bool = True


@dataclass(frozen=True)
class TfFile:
    error: TfError | None = None
    declarations: tuple[Declaration, ...] = ()
    references: tuple[VarRef, ...] = ()
    jinja: tuple[JinjaHit, ...] = ()

    @property
    def variables(self) -> tuple[Declaration, ...]:
        return tuple(d for d in self.declarations if d.kind == "variable")

    @property
    def modules(self) -> tuple[Declaration, ...]:
        return tuple(d for d in self.declarations if d.kind == "module")


# -- Proton's generated variables -----------------------------------------------------------------

#: Marks in the shape tables below.
LEAF = "leaf"  # a string: nothing below it
MAP = "map"  # map(string) / map(any): any key below it
INPUTS = "inputs"  # map(string) of the schema's input properties

_ENV_OF_RESOURCE = {"account_id": LEAF, "name": LEAF, "outputs": MAP}
_SERVICE_FULL = {"name": LEAF, "branch_name": LEAF, "repository_connection_arn": LEAF, "repository_id": LEAF}

#: Variables Proton generates, per IaC kind, with the attributes each object has (NS-21). The union
#: of what generated files show: the github-actions sample's instance file has no ``components`` and a
#: ``service`` with only ``name`` (no pipeline); other generated files have the full shapes.
PROTON_VARIABLES: dict[str, dict[str, Any]] = {
    "environment": {
        "environment": {"inputs": INPUTS, "name": LEAF},
        "proton_tags": MAP,
    },
    "service_instance": {
        "environment": _ENV_OF_RESOURCE,
        "service": _SERVICE_FULL,
        "service_instance": {"name": LEAF, "inputs": INPUTS, "components": MAP},
        "proton_tags": MAP,
    },
    "pipeline": {
        "service": _SERVICE_FULL,
        "service_instances": [
            {"name": LEAF, "inputs": INPUTS, "outputs": MAP, "environment": _ENV_OF_RESOURCE},
        ],
        "pipeline": {"inputs": INPUTS},
        "proton_tags": MAP,
    },
    "component": {
        "environment": _ENV_OF_RESOURCE,
        "service": {"name": LEAF},
        "service_instance": {"name": LEAF, "inputs": MAP},
        "component": {"name": LEAF},
        "proton_tags": MAP,
    },
}

#: Every name Proton generates for some kind of template.
ALL_PROTON_VARIABLES = frozenset(name for table in PROTON_VARIABLES.values() for name in table)

#: Which schema input type a ``<variable>.inputs`` map holds, per IaC kind.
INPUT_TYPES: dict[str, dict[str, str]] = {
    "environment": {"environment": "environment_input_type"},
    "service_instance": {"service_instance": "service_input_type"},
    "pipeline": {"pipeline": "pipeline_input_type", "service_instances": "service_input_type"},
    "component": {},  # the attached service's inputs: not known from the component itself
}

KIND_LABEL = {
    "environment": "an environment template",
    "service_instance": "a service instance template",
    "pipeline": "a pipeline template",
    "component": "a component",
}


def iac_kind(bundle: Bundle, manifest_rel: str) -> str | None:
    """What the IaC beside ``manifest_rel`` provisions: environment, service_instance, pipeline, component."""
    if bundle.kind is BundleKind.COMPONENT:
        return "component"
    folder = posixpath.dirname(manifest_rel)
    if folder == ENV_INFRA and bundle.kind is BundleKind.ENVIRONMENT:
        return "environment"
    if folder == INSTANCE_INFRA and bundle.kind is BundleKind.SERVICE:
        return "service_instance"
    if folder == PIPELINE_INFRA and bundle.kind is BundleKind.SERVICE:
        return "pipeline"
    return None


def hcl_manifests(bundle: Bundle) -> list[tuple[str, list[tuple[int, dict]]]]:
    """Manifests of the bundle with their ``rendering_engine: hcl`` entries (index, entry)."""
    out = []
    for rel in bundle.manifests:
        entries = [
            (i, e)
            for i, e in enumerate(bundle.template_entries(rel))
            if e.get("rendering_engine", e.get("engine")) == "hcl"
        ]
        if entries:
            out.append((rel, entries))
    return out


def selected_files(bundle: Bundle, manifest_rel: str, entries: list[tuple[int, dict]] | None = None) -> list[str]:
    """The ``.tf`` files (bundle-relative) that a manifest's hcl entries select: a name, or ``"*"``."""
    folder = posixpath.dirname(manifest_rel)
    present = sorted(posixpath.basename(n) for n in bundle.files_in(folder))
    if entries is None:
        entries = next((e for rel, e in hcl_manifests(bundle) if rel == manifest_rel), [])
    chosen: list[str] = []
    for _, entry in entries:
        name = entry.get("file")
        if not isinstance(name, str):
            continue
        if any(ch in name for ch in "*?["):
            chosen += [n for n in present if n.endswith(".tf") and fnmatch.fnmatchcase(n, name)]
        elif name in present:
            chosen.append(name)
    seen: dict[str, None] = {}
    for name in chosen:
        seen.setdefault(posixpath.join(folder, name) if folder else name, None)
    return list(seen)


def tf_file(bundle: Bundle, rel: str) -> TfFile:
    """The parsed file ``rel`` of ``bundle`` (memoised per content)."""
    try:
        data = bundle.source.read(rel)
    except OSError as exc:
        return TfFile(error=TfError(f"cannot read the file: {exc.strerror}", 1, 1))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return TfFile(error=TfError("the file is not UTF-8; Terraform reads UTF-8 only", line, 1))
    return parse_tf(text)


# -- parsing --------------------------------------------------------------------------------------

_PROTON_NAMESPACES = r"(?:environment|service_instances|service_instance|service|pipeline|component)"
_JINJA = re.compile(
    r"\{\{-?\s*" + _PROTON_NAMESPACES + r"\b[^}\n]*\}\}"
    r"|\{%-?\s*(?:if|elif|else|endif|for|endfor|set|raw|endraw|macro|endmacro|include|import|block|with)\b[^%\n]*%\}"
)


_NAMESPACE_WORD = re.compile(r"(?<![\w.])" + _PROTON_NAMESPACES + r"\b")


def find_jinja(text: str) -> tuple[JinjaHit, ...]:
    """Jinja that Proton's CloudFormation templates use: ``{{ environment.… }}``, ``{% if … %}``."""
    hits = []
    for match in _JINJA.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        column = match.start() - (text.rfind("\n", 0, match.start()) + 1) + 1
        hits.append(JinjaHit(match.group(0), line, column, bool(_NAMESPACE_WORD.search(match.group(0)))))
    return tuple(hits)


def _error_message(exc: Exception) -> str:
    token = getattr(exc, "token", None)
    if token is not None:
        kind = getattr(token, "type", "")
        if kind == "$END":
            return "unexpected end of file (an unclosed block, bracket or string?)"
        shown = str(token).strip() or repr(str(token))
        return f"unexpected {shown[:40]!r}"
    char = getattr(exc, "char", None)
    if char is not None:
        return f"unexpected character {char!r}"
    return str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__


def _cache_file(version: str) -> str | bool:
    """Where Lark may keep the compiled grammar: a private folder of the temporary directory, or False.

    python-hcl2's own ``parser()`` writes its cache into its installed package; the linter writes only
    below the temporary directory, in a folder that only this user can write (the cache is a pickle).
    """
    import getpass
    import stat
    import tempfile

    try:
        folder = os.path.join(tempfile.gettempdir(), f"proton-lint-{getpass.getuser()}")
        os.makedirs(folder, mode=0o700, exist_ok=True)
        info = os.lstat(folder)
        if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode) or info.st_mode & 0o077:
            return False
        if hasattr(os, "getuid") and info.st_uid != os.getuid():
            return False
    except (OSError, KeyError, ImportError):  # getpass raises KeyError/ImportError without a user name
        return False
    return os.path.join(folder, f"hcl2-{version}.lark-cache")


@lru_cache(maxsize=1)
def _parser() -> Any:
    import hcl2
    import lark
    from hcl2 import parser as hcl2_parser
    from hcl2.postlexer import PostLexer

    version = f"{getattr(hcl2, '__version__', 'unknown')}-lark-{lark.__version__}"
    return lark.Lark.open(
        "hcl2.lark",
        parser="lalr",
        rel_to=hcl2_parser.__file__,
        propagate_positions=True,
        postlex=PostLexer(),
        cache=_cache_file(version),
    )


def parse_tree(text: str) -> Any:
    """The raw Lark tree of HCL ``text`` (python-hcl2's grammar); raises on a syntax error."""
    # the trailing newline is python-hcl2's own workaround: its grammar has no end-of-file token
    return _parser().parse(text + "\n")


@lru_cache(maxsize=2048)
def parse_tf(text: str) -> TfFile:
    """Parse one ``.tf`` file's text; a file that does not parse gives a TfError, never an exception."""
    jinja = find_jinja(text)
    # Terraform accepts a UTF-8 byte order mark (hashicorp/terraform#19715) and CRLF line ends
    source = text.removeprefix("\ufeff").replace("\r\n", "\n")
    try:
        tree = parse_tree(source)
    except RecursionError:
        return TfFile(error=TfError("the file nests too deeply to parse", 1, 1), jinja=jinja)
    except ImportError:
        raise  # python-hcl2 missing: a broken installation, not a finding about this file
    except Exception as exc:  # noqa: BLE001 - Lark raises several error types; a bad file is a finding
        line = getattr(exc, "line", None)
        column = getattr(exc, "column", None)
        line = line if isinstance(line, int) and line > 0 else 1
        column = column if isinstance(column, int) and column > 0 else 1
        return TfFile(error=TfError(_error_message(exc), line, column), jinja=jinja)
    walker = _Walker()
    try:
        walker.top(tree)
    except RecursionError:
        return TfFile(error=TfError("the file nests too deeply to parse", 1, 1), jinja=jinja)
    return TfFile(declarations=tuple(walker.declarations), references=tuple(walker.refs), jinja=jinja)


_TRAVERSALS = frozenset({"get_attr_expr_term", "index_expr_term", "attr_splat_expr_term", "full_splat_expr_term"})
_GUARDS = frozenset({"try", "can"})


def _token_text(node: Any) -> str:
    """The text of an identifier-like node (``identifier``, ``keyword``, ``literal_value``)."""
    from lark import Token

    if isinstance(node, Token):
        return str(node)
    for child in getattr(node, "children", ()):
        if isinstance(child, Token):
            return str(child)
    return ""


def _string_literal(node: Any) -> str | None:
    """The value of a ``string`` node without interpolation, else None."""
    if getattr(node, "data", None) == "expr_term" and len(node.children) == 1:
        node = node.children[0]
    if getattr(node, "data", None) != "string":
        return None
    from lark import Token, Tree

    out = []
    for child in node.children:
        if isinstance(child, Tree) and child.data == "string_part":
            for part in child.children:
                if not isinstance(part, Token):
                    return None
                out.append(str(part))
        elif isinstance(child, Token) and child.type == "DBLQUOTE":
            continue
    return "".join(out)


def _direct_indexes(accessor: Any) -> list[Any]:
    """The ``[...]`` index nodes of one traversal step (a splat step may carry several)."""
    data = getattr(accessor, "data", None)
    if data == "braces_index":
        return [accessor]
    if data in ("attr_splat", "full_splat"):
        return [c for c in accessor.children if getattr(c, "data", None) == "braces_index"]
    return []


class _Walker:
    def __init__(self, line_offset: int = 0, column_offset: int = 0, guarded: bool = False) -> None:
        self.refs: list[VarRef] = []
        self.declarations: list[Declaration] = []
        self.line_offset = line_offset
        self.column_offset = column_offset
        self.guard_depth = 1 if guarded else 0

    # positions of nested heredoc expressions are shifted back to the file
    def _pos(self, line: int, column: int) -> tuple[int, int]:
        if line == 1:
            return line + self.line_offset, column + self.column_offset
        return line + self.line_offset, column

    def top(self, tree: Any) -> None:
        body = next((c for c in tree.children if getattr(c, "data", None) == "body"), None)
        for child in getattr(body, "children", ()):
            if getattr(child, "data", None) == "block":
                self._declaration(child)
        self.walk(tree)

    def _declaration(self, block: Any) -> None:
        from lark import Tree

        parts = [c for c in block.children if isinstance(c, Tree)]
        if len(parts) < 2:
            return
        kind = _token_text(parts[0])
        if kind not in ("variable", "module"):
            return
        label = _string_literal(parts[1])
        if label is None:
            label = _token_text(parts[1])
        body = next((c for c in parts if c.data == "body"), None)
        attrs: dict[str, Any] = {}
        for child in getattr(body, "children", ()):
            if getattr(child, "data", None) == "attribute":
                name_node = child.children[0]
                attrs[_token_text(name_node)] = child.children[-1]
        source = _string_literal(attrs["source"]) if "source" in attrs else None
        line, column = self._pos(block.meta.line, block.meta.column)
        self.declarations.append(Declaration(kind, label, line, column, "default" in attrs, source))

    def walk(self, node: Any) -> None:
        from lark import Token, Tree

        if isinstance(node, Token):
            if node.type in ("HEREDOC_TEMPLATE", "HEREDOC_TEMPLATE_TRIM"):
                self._heredoc(node)
            return
        if not isinstance(node, Tree):
            return
        data = node.data
        if data in _TRAVERSALS:
            self._traversal(node)
            return
        if data == "function_call":
            name = _token_text(node.children[0])
            if name in _GUARDS:
                self.guard_depth += 1
                for child in node.children[1:]:
                    self.walk(child)
                self.guard_depth -= 1
                return
        for child in node.children:
            self.walk(child)

    def _traversal(self, node: Any) -> None:
        from lark import Tree

        steps: list[Any] = []
        current = node
        while isinstance(current, Tree) and current.data in _TRAVERSALS:
            base, accessor = current.children[0], current.children[1]
            steps.append(accessor)
            inner = base
            if isinstance(inner, Tree) and inner.data == "expr_term" and len(inner.children) == 1:
                inner = inner.children[0]
            current = inner
        steps.reverse()
        is_var = isinstance(current, Tree) and current.data == "identifier" and _token_text(current) == "var"
        if not is_var:
            self.walk(current)
        path: list[Any] = []
        for accessor in steps:
            path.extend(self._steps(accessor))
            # index expressions hold their own references: var.sizes[var.service_instance.inputs.size]
            for index in _direct_indexes(accessor):
                for child in index.children:
                    if isinstance(child, Tree):
                        self.walk(child)
        if not is_var or not path or not isinstance(path[0], str) or path[0] == SPLAT:
            return
        start_line, start_col = self._pos(node.meta.line, node.meta.column)
        end_line, end_col = self._pos(node.meta.end_line, node.meta.end_column)
        self.refs.append(
            VarRef(
                name=path[0],
                path=tuple(path[1:]),
                line=start_line,
                column=start_col,
                end_line=end_line,
                end_column=max(end_col - 1, 1),
                guarded=self.guard_depth > 0,
            )
        )

    def _steps(self, accessor: Any) -> list[Any]:
        from lark import Token, Tree

        if not isinstance(accessor, Tree):
            return [DYNAMIC]
        data = accessor.data
        if data == "get_attr":
            ident = next((c for c in accessor.children if isinstance(c, Tree)), None)
            return [_token_text(ident)] if ident is not None else [DYNAMIC]
        if data == "short_index":
            token = next((c for c in accessor.children if isinstance(c, Token) and c.type == "INT_LITERAL"), None)
            return [int(token)] if token is not None else [DYNAMIC]
        if data == "braces_index":
            expr = next((c for c in accessor.children if isinstance(c, Tree)), None)
            literal = _string_literal(expr) if expr is not None else None
            if literal is not None:
                return [literal]
            if expr is not None and expr.data == "expr_term" and len(expr.children) == 1:
                inner = expr.children[0]
                if isinstance(inner, Tree) and inner.data == "int_lit":
                    try:
                        return [int(_token_text(inner))]
                    except ValueError:
                        return [DYNAMIC]
            return [DYNAMIC]
        if data in ("attr_splat", "full_splat"):
            out: list[Any] = [SPLAT]
            for child in accessor.children:
                if isinstance(child, Tree):
                    out.extend(self._steps(child))
            return out
        return [DYNAMIC]

    def _heredoc(self, token: Any) -> None:
        """``${...}`` and ``%{...}`` inside a heredoc: the grammar keeps heredocs as one token."""
        text = str(token)
        for start, expr in _interpolations(text):
            before = text[:start]
            line = token.line + before.count("\n")
            column = start - (before.rfind("\n") + 1) + 1 if "\n" in before else token.column + start
            self._nested(expr, line, column)

    def _nested(self, expr: str, line: int, column: int) -> None:
        prefix = "x = "
        try:
            tree = parse_tree(prefix + expr)
        except Exception:  # noqa: BLE001 - an unparsable interpolation is not ours to judge here
            return
        sub = _Walker(line_offset=line - 1, column_offset=column - 1 - len(prefix), guarded=self.guard_depth > 0)
        # lines after the first keep their own columns; the first is shifted by the prefix
        sub.walk(tree)
        self.refs.extend(sub.refs)


_DIRECTIVE_HEAD = re.compile(r"^\s*~?\s*(?:for\s+[A-Za-z_][\w-]*(?:\s*,\s*[A-Za-z_][\w-]*)?\s+in\s+|if\s+)")


def _interpolations(text: str) -> list[tuple[int, str]]:
    """(offset, expression) of each ``${...}`` and ``%{ if/for ... }`` in a heredoc's text."""
    out = []
    i = 0
    while True:
        i = _next_opening(text, i)
        if i < 0:
            return out
        kind = text[i]
        j = _closing(text, i + 2)
        if j < 0:
            return out
        inner = text[i + 2 : j]
        offset = i + 2
        if kind == "%":
            head = _DIRECTIVE_HEAD.match(inner)
            if head is None:
                i = j + 1
                continue
            offset += head.end()
            inner = inner[head.end() :]
        inner = inner.rstrip()
        if inner.endswith("~"):
            inner = inner[:-1]
        if inner.lstrip().startswith("~"):
            stripped = inner.lstrip()[1:]
            offset += len(inner) - len(stripped)
            inner = stripped
        if inner.strip():
            out.append((offset, inner))
        i = j + 1


def _next_opening(text: str, start: int) -> int:
    i = start
    while True:
        dollar = text.find("${", i)
        percent = text.find("%{", i)
        found = min((p for p in (dollar, percent) if p >= 0), default=-1)
        if found < 0:
            return -1
        if found > 0 and text[found - 1] == text[found]:  # $${ and %%{ are escapes
            i = found + 2
            continue
        return found


def _closing(text: str, start: int) -> int:
    """Index of the ``}`` that closes an interpolation opened just before ``start``."""
    depth = 0
    quote = False
    i = start
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 2
                continue
            if ch == '"':
                quote = False
        elif ch == '"':
            quote = True
        elif ch == "{":
            depth += 1
        elif ch == "}":
            if depth == 0:
                return i
            depth -= 1
        i += 1
    return -1


def clear_cache() -> None:
    parse_tf.cache_clear()


# -- schema inputs --------------------------------------------------------------------------------


def input_properties(bundle: Bundle, type_key: str) -> tuple[str, list[str]] | None:
    """(type name, property names) of the schema's ``type_key`` input type, or None if unknown."""
    doc = bundle.schema
    if doc is None or not doc.ok:
        return None
    root = bundle.schema_root
    name = root.get(type_key)
    types = root.get("types")
    if not isinstance(name, str) or not isinstance(types, dict):
        return None
    node = types.get(name)
    if not isinstance(node, dict):
        return None
    props = node.get("properties")
    if props is None:
        return name, []
    if not isinstance(props, dict):
        return None
    return name, [str(p) for p in props]


def did_you_mean(name: str, choices: list[str] | tuple[str, ...]) -> str:
    """`` (did you mean X?)`` for the closest choice, or an empty string."""
    import difflib

    lowered = {c.lower(): c for c in choices}
    if name.lower() in lowered:
        return f" (did you mean {lowered[name.lower()]}? names are case-sensitive)"
    close = difflib.get_close_matches(name.lower(), list(lowered), n=1, cutoff=0.6)
    if close:
        return f" (did you mean {lowered[close[0]]}?)"
    # a shared prefix of at least three characters and half the name: VpcID -> VpcConfig
    best, length = "", 0
    for choice in choices:
        common = next(
            (k for k, (x, y) in enumerate(zip(name.lower(), choice.lower(), strict=False)) if x != y),
            min(len(name), len(choice)),
        )
        if common > length:
            best, length = choice, common
    if length >= 3 and length * 2 >= len(name):
        return f" (did you mean {best}?)"
    return ""
