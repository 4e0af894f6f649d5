"""Family 5: references and namespaces in Jinja IaC files (catalogue §4.1-4.2, §4.4, OUT-05).

Every rule reads the syntax tree of each ``rendering_engine: jinja`` file that a manifest names
(components included), so every branch is checked, not only the one a sample spec renders.
References go through loop variables (``{% for service_instance in service_instances %}``) and
``set`` aliases. A file's findings are computed once per content, kind and schema, and shared by
the rules below.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from proton_lint.bundle import SCHEMA_FILE, Bundle
from proton_lint.findings import Finding, Severity, Span
from proton_lint.render import (
    ALL_NAMESPACES,
    DYNAMIC,
    MAPPING_FILTERS,
    NAMESPACE_SHAPES,
    PROTON_FILTERS,
    JinjaFile,
    Leaf,
    Reference,
    TemplateKind,
    analyse,
    column_of,
    jinja_files,
    known_filters,
    path_text,
    scan,
)
from proton_lint.rules import Example, Rule
from proton_lint.testing import BASES

INPUT_LEAVES = (Leaf.ENV_INPUTS, Leaf.SERVICE_INPUTS, Leaf.PIPELINE_INPUTS)
COMPONENT_SLOT = ("service_instance", "components", "default")

# -- the schema's inputs --------------------------------------------------------------------------


@dataclass(frozen=True)
class InputType:
    """One ``*_input_type`` of the schema: its type name and its properties with their types."""

    key: str  # environment_input_type, ...
    name: str | None  # the type name; None when the schema does not say
    properties: tuple[tuple[str, str], ...] | None  # (name, type); None when unknown

    def has(self, prop: str) -> bool:
        return self.properties is None or any(p == prop for p, _ in self.properties)

    def type_of(self, prop: str) -> str | None:
        return next((t for p, t in self.properties or () if p == prop), None)

    def close(self, prop: str) -> str | None:
        names = [p for p, _ in self.properties or ()]
        found = difflib.get_close_matches(prop, names, n=1, cutoff=0.6)
        return found[0] if found else None


def input_types(bundle: Bundle) -> dict[Leaf, InputType]:
    """The schema's input types, for the leaves of the namespaces that read them."""
    out: dict[Leaf, InputType] = {}
    doc = bundle.schema
    usable = doc is not None and doc.ok
    root = bundle.schema_root if usable else {}
    types = root.get("types") if isinstance(root.get("types"), dict) else {}
    for leaf in INPUT_LEAVES:
        name = root.get(leaf.value)
        node = types.get(name) if isinstance(name, str) else None
        props = node.get("properties") if isinstance(node, dict) else None
        if isinstance(props, dict):
            pairs = tuple(
                (str(p), str(v.get("type")) if isinstance(v, dict) and "$ref" not in v else "object")
                for p, v in props.items()
            )
            out[leaf] = InputType(leaf.value, name, pairs)
        elif isinstance(node, dict) and node.get("type") == "object" and "properties" not in node:
            out[leaf] = InputType(leaf.value, name, ())
        else:
            out[leaf] = InputType(leaf.value, name if isinstance(name, str) else None, None)
    return out


# -- classifying references -----------------------------------------------------------------------


@dataclass(frozen=True)
class Issue:
    """One finding in a Jinja file, before it is turned into a Finding by its rule."""

    rule: str
    line: int
    column: int
    message: str
    severity: Severity | None = None  # None: the rule's own


#: Pre-GA top-level names and their replacements (NS-06).
LEGACY_TOP = {
    "service_name": "service.name",
    "service_instance_name": "service_instance.name",
}
LEGACY_SOURCE = {
    "repository": "service.repository_id",
    "branch": "service.branch_name",
    "connection_arn": "service.repository_connection_arn",
}
#: The keys Proton's namespaces have in any kind; other attributes of these are pre-GA forms.
_ENV_KEYS = {"name", "inputs", "outputs", "account_id"}
_INSTANCE_KEYS = {"name", "inputs", "components", "environment", "outputs"}

_OUT_OF_SCOPE_HINT = {
    TemplateKind.ENVIRONMENT: "environment templates read only environment.name and environment.inputs "
    "(no outputs of other resources are available to them)",
    TemplateKind.SERVICE_INSTANCE: "service instance templates read environment.{name, account_id, outputs}, "
    "service.* and service_instance.*",
    TemplateKind.PIPELINE: "pipeline templates read service.*, pipeline.inputs and, per instance, "
    "service_instances (e.g. {% for service_instance in service_instances %})",
    TemplateKind.COMPONENT: "components read environment.{name, account_id, outputs}, component.name and, "
    "while attached, service.name and service_instance.{name, inputs}",
}


def _exists_elsewhere(path: tuple, kind: TemplateKind) -> TemplateKind | None:
    """Another kind whose namespaces have ``path`` (indexes as ``*``), if any."""
    for other, shape in NAMESPACE_SHAPES.items():
        if other is kind:
            continue
        node: Any = shape
        for seg in path:
            if isinstance(node, list):
                if seg == DYNAMIC or isinstance(seg, int):
                    node = node[0]
                    continue
                node = None
            if not isinstance(node, dict) or seg not in node:
                node = None
                break
            node = node[seg]
        if node is not None:
            return other
    return None


@dataclass
class _Resolved:
    """What a reference's path reaches in the kind's namespaces."""

    issues: list[tuple[str, str, Severity | None]]  # (rule, message, severity)
    end: Any = None  # the shape node or Leaf reached; None when unknown
    leaf_rest: tuple = ()  # the path segments after a Leaf


def resolve(path: tuple, kind: TemplateKind, written: str, inputs: dict[Leaf, InputType]) -> _Resolved:
    """Classify a reference: fine, pre-GA, out of scope, unknown, or an input not in the schema."""
    shape = NAMESPACE_SHAPES[kind]
    head = path[0]
    shown = written or path_text(path)
    if head not in shape:
        if head in LEGACY_TOP:
            return _Resolved([("PL507", f"{shown}: pre-GA namespace; use {LEGACY_TOP[head]}", None)])
        if head == "source":
            new = LEGACY_SOURCE.get(str(path[1])) if len(path) > 1 else None
            use = f"use {new}" if new else "use service.repository_id, service.branch_name or ..."
            return _Resolved([("PL507", f"{shown}: pre-GA namespace; {use}", None)])
        if head in ALL_NAMESPACES:
            return _Resolved([("PL506", f"{shown} is not available here: {_OUT_OF_SCOPE_HINT[kind]}", None)])
        close = difflib.get_close_matches(str(head), sorted(shape), n=1)
        tip = f"; did you mean {close[0]!r}?" if close else f" ({_OUT_OF_SCOPE_HINT[kind]})"
        return _Resolved(
            [("PL512", f"{head!r} is neither a Proton parameter namespace nor set in the template{tip}", None)]
        )
    node: Any = shape[head]
    for i in range(1, len(path)):
        seg = path[i]
        if isinstance(node, Leaf):
            return _check_leaf(node, path, i, shown, inputs)
        if isinstance(node, list):
            if seg == DYNAMIC or isinstance(seg, int):
                node = node[0]
                continue
            prefix = path_text(path[:i])
            return _Resolved(
                [("PL512", f"{shown}: {prefix} is a list; use {prefix}[0].{seg} or a for loop over it", None)]
            )
        if seg == DYNAMIC:
            return _Resolved([], None)
        if seg in node:
            node = node[seg]
            continue
        return _Resolved([_attribute_miss(path, i, kind, shown, node)])
    if isinstance(node, Leaf):
        return _check_leaf(node, path, len(path), shown, inputs)
    return _Resolved([], node)


def _check_leaf(leaf: Leaf, path: tuple, i: int, shown: str, inputs: dict[Leaf, InputType]) -> _Resolved:
    rest = tuple(path[i:])
    resolved = _Resolved([], leaf, rest)
    if leaf in INPUT_LEAVES and rest and isinstance(rest[0], str) and rest[0] != DYNAMIC:
        itype = inputs.get(leaf)
        if itype is not None and itype.properties is not None and not itype.has(rest[0]):
            close = itype.close(rest[0])
            tip = f"; did you mean {close!r}?" if close else ""
            what = f"{itype.key} {itype.name!r}" if itype.name else itype.key
            resolved.issues.append(("PL503", f"{shown}: {rest[0]!r} is not an input of the schema's {what}{tip}", None))
    return resolved


def _attribute_miss(path: tuple, i: int, kind: TemplateKind, shown: str, node: dict) -> tuple:
    seg, prefix = path[i], path[:i]
    norm = tuple(DYNAMIC if isinstance(p, int) else p for p in prefix)
    typo = difflib.get_close_matches(str(seg), sorted(node), n=1, cutoff=0.8)
    if typo:  # `environment.nam`: a misspelt key, not a pre-GA input name
        return (
            "PL512",
            f"{shown}: {path_text(prefix)} has no {seg!r}; did you mean {path_text((*prefix, typo[0]))}?",
            None,
        )
    if norm == ("environment",) and seg not in _ENV_KEYS:
        where = "inputs" if kind is TemplateKind.ENVIRONMENT else "outputs"
        return ("PL507", f"{shown}: pre-GA namespace; use environment.{where}.{seg}", None)
    if norm in (("service_instance",), ("service_instances", DYNAMIC)) and seg == "spec":
        return (
            "PL507",
            f"{shown}: pre-GA namespace; read the instance's outputs: {path_text(prefix)}.outputs.<name>",
            None,
        )
    if norm in (("service_instance",), ("service_instances", DYNAMIC)) and seg not in _INSTANCE_KEYS:
        return ("PL507", f"{shown}: pre-GA namespace; use {path_text(prefix)}.inputs.{seg}", None)
    if norm == ("pipeline",) and seg != "inputs":
        return ("PL507", f"{shown}: pre-GA namespace; use pipeline.inputs.{seg}", None)
    if kind is TemplateKind.SERVICE_INSTANCE and norm == ("service_instance",) and seg == "environment":
        return (
            "PL506",
            f"{shown}: service_instance.environment appears only in doc comments; "
            "instance templates read the environment as environment.*",
            Severity.WARNING,
        )
    if kind is TemplateKind.ENVIRONMENT and norm == ("environment",) and seg == "account_id":
        return (
            "PL506",
            f"{shown}: environment.account_id is not documented for environment templates "
            "(Proton's generated environment variables have only name and inputs)",
            Severity.WARNING,
        )
    other = _exists_elsewhere((*norm, seg), kind)
    if other is not None:
        if kind is TemplateKind.COMPONENT and norm == ("service",):
            return ("PL506", f"{shown}: a component's service namespace has only name", None)
        return ("PL506", f"{shown} is only available in {other.label}s; {_OUT_OF_SCOPE_HINT[kind]}", None)
    close = difflib.get_close_matches(str(seg), sorted(node), n=1)
    tip = f"; did you mean {path_text((*prefix, close[0]))}?" if close else f" (it has {', '.join(sorted(node))})"
    return ("PL512", f"{shown}: {path_text(prefix)} has no {seg!r}{tip}", None)


# -- one file -------------------------------------------------------------------------------------


def _column(line_text: str, ref_text: str) -> int:
    """1-based column of ``ref_text`` (dotted, as written) in a line; 1 if not found."""
    parts = [p for p in re.split(r"[.\[\]']+", ref_text) if p]
    if not parts:
        return 1
    head = re.search(r"(?<![\w.])" + re.escape(parts[0]) + r"\b", line_text)
    return head.start() + 1 if head else 1


_YAML_BLOCK_SCALAR = re.compile(r"^(\s*)(?:-\s+)?(?:[^#\s][^#]*?:\s*)?(?:!\S+\s+)?[|>][-+0-9]*\s*(?:#.*)?$")
_VALUE_PREFIX = re.compile(r"^\s*(?:-\s+)*(?:[^\s#'\"{\[&*!|>%@`-][^#'\"{}\[\]]*?:\s+|-\s+)(?:!\S+\s+)?$")


def _block_scalar_lines(lines: list[str]) -> set[int]:
    """1-based numbers of the lines inside YAML block scalars (``key: |``, ``key: >-``)."""
    inside: set[int] = set()
    indent: int | None = None
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if indent is not None:
            if not stripped or len(line) - len(line.lstrip(" ")) > indent or stripped.startswith("{%"):
                inside.add(number)
                continue
            indent = None
        match = _YAML_BLOCK_SCALAR.match(line)
        if match and ("|" in line or ">" in line):
            indent = len(match.group(1))
    return inside


def _unquoted_values(source: str) -> Iterator[tuple[int, int, str]]:
    """``key: {{ x }}`` and ``- {{ x }}``: unquoted Jinja where YAML expects a scalar (NS-01)."""
    lines = source.split("\n")
    scalars: set[int] | None = None
    for seg in scan(source):
        if seg.kind != "var":
            continue
        start = source.rfind("\n", 0, seg.start) + 1
        prefix = source[start : seg.start]
        if not prefix.strip() or not _VALUE_PREFIX.match(prefix):
            continue
        line = source.count("\n", 0, seg.start) + 1
        if scalars is None:
            scalars = _block_scalar_lines(lines)
        if line in scalars:
            continue
        yield line, column_of(source, seg.start), source[seg.start : seg.end].split("\n", maxsplit=1)[0]


_SIMPLE_EXPR = re.compile(
    r"^\{\{[-+]?\s*(?P<path>[A-Za-z_]\w*(?:\s*\.\s*\w+|\[\s*(?:'[^']*'|\"[^\"]*\"|\d+)\s*\])*)"
    r"(?P<filters>(?:\s*\|\s*\w+(?:\(\s*\))?)*)\s*[-+]?\}\}$"
)
_NUMERIC_FILTERS = frozenset({"int", "float", "abs", "round", "length", "count"})
_NUMERIC_TYPES = frozenset({"number", "integer", "boolean"})


def _numeric(expression: str, kind: TemplateKind, inputs: dict[Leaf, InputType]) -> bool:
    """True when an expression renders a number or a boolean (safe unquoted in YAML)."""
    match = _SIMPLE_EXPR.match(expression.strip())
    if match is None:
        return False
    filters = re.findall(r"\|\s*(\w+)", match.group("filters"))
    if filters and filters[-1] in _NUMERIC_FILTERS:
        return True
    if filters:
        return False
    parts: list = []
    for attr, key in re.findall(r"(?:^|\.)\s*(\w+)|\[\s*['\"]?([^'\"\]]*?)['\"]?\s*\]", match.group("path")):
        parts.append(attr or (int(key) if key.isdigit() else key))
    resolved = resolve(tuple(parts), kind, "", inputs)
    if resolved.issues or resolved.end not in INPUT_LEAVES or len(resolved.leaf_rest) != 1:
        return False
    itype = inputs.get(resolved.end)
    return itype is not None and itype.type_of(str(resolved.leaf_rest[0])) in _NUMERIC_TYPES


def _scalar_end(resolved: _Resolved, inputs: dict[Leaf, InputType]) -> bool:
    """True when a reference reaches a single value (a name, one output, one scalar input)."""
    end, rest = resolved.end, resolved.leaf_rest
    if end is Leaf.SCALAR:
        return True
    if end is Leaf.OUTPUTS:
        return bool(rest) and rest[0] != DYNAMIC
    if end in INPUT_LEAVES and rest and rest[0] != DYNAMIC:
        itype = inputs.get(end)
        kind = itype.type_of(str(rest[0])) if itype else None
        return kind in ("string", "number", "integer", "boolean") and len(rest) == 1
    return False


@lru_cache(maxsize=1024)
def file_issues(text: str, kind: TemplateKind, inputs_key: tuple) -> tuple[Issue, ...]:
    """Every family-5 issue of one Jinja file (memoised per content, kind and schema inputs)."""
    inputs = dict(inputs_key)
    analysis = analyse(text)
    source = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = source.split("\n")
    out: list[Issue] = []

    def add(rule: str, line: int, message: str, column: int = 1, severity: Severity | None = None) -> None:
        out.append(Issue(rule, line, column, message, severity))

    for hit in analysis.resolves:
        short = hit.text if len(hit.text) <= 60 else hit.text[:57] + "..."
        add(
            "PL502",
            hit.line,
            f"{short} is read as Jinja and fails rendering: escape it",
            hit.column,
        )
    if analysis.syntax_error is not None:
        err = analysis.syntax_error
        line = err.line or 1
        text_line = lines[line - 1] if line <= len(lines) else ""
        tag = min((i for i in (text_line.find("{%"), text_line.find("{{")) if i >= 0), default=0)
        add("PL501", line, f"Jinja syntax error: {err.message}", tag + 1)
    for line, column, text_ in _unquoted_values(source):
        if not _numeric(text_, kind, inputs):
            add("PL513", line, f"unquoted {text_} where YAML expects a value: quote it", column)
    if analysis.syntax_error is not None:
        return tuple(out)

    for hyphen in analysis.hyphenated:
        parent, last = hyphen.intended[:-1], hyphen.intended[-1]
        add(
            "PL511",
            hyphen.line,
            f"{hyphen.text} reads as {path_text((*parent, last.split('-')[0]))} minus "
            f"{' minus '.join(last.split('-')[1:])}: write {path_text(parent)}[{last!r}]",
            _column(lines[hyphen.line - 1], path_text(parent)),
        )
    seen: set[tuple] = set()
    for ref in analysis.references:
        resolved = resolve(ref.path, kind, ref.written, inputs)
        column = _column(lines[ref.line - 1] if ref.line <= len(lines) else "", ref.written)
        for rule, message, severity in resolved.issues:
            sev, text_ = severity, message
            if ref.guarded:  # `| default(...)` or `is defined`: rendering takes the fallback
                sev = Severity.WARNING
                text_ += " (it is guarded, so the fallback always applies)"
            key = (rule, ref.line, text_)
            if key not in seen:
                seen.add(key)
                add(rule, ref.line, text_, column, sev)
        if not resolved.issues:
            _attachment_issues(ref, kind, add, column)

    names = known_filters()
    for use in analysis.filters:
        if use.name not in names:
            pool = PROTON_FILTERS if use.name.startswith("proton") else sorted(names)
            close = difflib.get_close_matches(use.name, pool, n=1, cutoff=0.6)
            tip = f"; did you mean {close[0]!r}?" if close else ""
            what = "Proton has" if use.name.startswith("proton") else "Jinja and Proton have"
            add("PL508", use.line, f"{what} no filter named {use.name!r}{tip}", _column(lines[use.line - 1], use.name))
        elif use.name in MAPPING_FILTERS:
            scalar = use.literal in ("str", "int", "float", "bool", "list")
            shown = f"a {use.literal} literal" if scalar else ""
            if use.target is not None:
                resolved = resolve(use.target, kind, "", inputs)
                if not resolved.issues and _scalar_end(resolved, inputs):
                    scalar, shown = True, f"{path_text(use.target)}, a single value"
            if scalar:
                add(
                    "PL509",
                    use.line,
                    f"{use.name} formats a mapping (such as service_instance.components.default.outputs) "
                    f"but gets {shown}",
                    _column(lines[use.line - 1], use.name),
                )
    return tuple(out)


def _attachment_issues(ref: Reference, kind: TemplateKind, add: Any, column: int) -> None:
    """Values that exist only with an attached component (NS-14) or while attached (NS-13)."""
    path = ref.path
    if ref.guarded:
        return
    if kind is TemplateKind.SERVICE_INSTANCE and path[:3] == COMPONENT_SLOT:
        rest = path[3:]
        if (len(rest) >= 2 and rest[0] == "outputs") or (rest and rest[0] == "name"):
            add(
                "PL510",
                ref.line,
                f"{ref.written} fails rendering when no component is attached or it lacks this output: "
                "add | default(...) or guard it with {% if ... is defined %}",
                column,
            )
    if kind is TemplateKind.COMPONENT and path[0] in ("service", "service_instance") and len(path) > 1:
        add(
            "PL506",
            ref.line,
            f"{ref.written} renders only while the component is attached to a service instance: add | default(...)",
            column,
            Severity.WARNING,
        )


def _inputs_key(bundle: Bundle) -> tuple:
    return tuple(sorted(input_types(bundle).items(), key=lambda kv: kv[0].value))


def bundle_issues(bundle: Bundle) -> Iterator[tuple[JinjaFile, Issue]]:
    """Every family-5 issue of every Jinja file of the bundle."""
    key = _inputs_key(bundle)
    for jf in jinja_files(bundle):
        try:
            text = bundle.read_text(jf.rel)
        except OSError:
            continue
        for issue in file_issues(text, jf.kind, key):
            yield jf, issue


# -- rules ----------------------------------------------------------------------------------------


class JinjaRule(Rule):
    """A rule reported from the shared per-file issues of the bundle's Jinja files."""

    def applies(self, bundle: Bundle) -> bool:
        return "jinja" in bundle.engines()

    def check(self, bundle: Bundle) -> Iterable[Finding]:
        for jf, issue in bundle_issues(bundle):
            if issue.rule == self.id:
                yield self.finding(
                    bundle,
                    jf.rel,
                    issue.message,
                    span=Span(issue.line, issue.column),
                    severity=issue.severity,
                )


#: The service base bundle's schema, without the range of ``port``.
_SVC_SCHEMA = BASES["service"][SCHEMA_FILE].replace("          minimum: 0\n          maximum: 65535\n", "")
_ENV_CFN_HEAD = "Resources:\n  VPC:\n    Type: AWS::EC2::VPC\n    Properties:\n"


def _env_cfn(cidr_line: str, extra: str = "") -> dict[str, str]:
    body = _ENV_CFN_HEAD + f"      {cidr_line}\n" + extra + "Outputs:\n  VpcId:\n    Value: !Ref VPC\n"
    return {"infrastructure/cloudformation.yaml": body}


def _svc(instance: str, pipeline: str = "Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n") -> dict[str, str]:
    return {
        "instance_infrastructure/cloudformation.yaml": instance,
        "pipeline_infrastructure/cloudformation.yaml": pipeline,
    }


def _queue(props: str) -> str:
    lines = "".join(f"      {line}\n" for line in props.strip("\n").splitlines())
    return "Resources:\n  Queue:\n    Type: AWS::SQS::Queue\n    Properties:\n" + lines


class JinjaSyntaxError(JinjaRule):
    id = "PL501"
    slug = "jinja-syntax-error"
    severity = Severity.ERROR
    proton_refuses = "deployment"
    proton_refuses_source = "NS-04: UG:parameters.md (Proton renders the IaC file with Jinja when it deploys)"
    summary = "A Jinja IaC file that Jinja cannot parse."
    what = (
        "Parses every `rendering_engine: jinja` file a manifest names with Jinja and reports the syntax "
        "error at the line where the mistake is: a tag that is not closed on its own line is reported at "
        "its first line, a block that is never closed (`{% if %}` without `{% endif %}`) at its opening tag. "
        "A template nested too deeply for Jinja's parser (thousands of nested blocks or brackets, a sum of "
        "100,000 terms) is reported here too, at its deepest line."
    )
    why = "Proton renders the file with Jinja before it deploys it: a syntax error fails every deployment."
    fix = "Close the tag (`%}`, `}}`) or the block (`{% endif %}`, `{% endfor %}`) Jinja names."
    source = "NS-04, [DOC] UG:parameters.md (Jinja); [SAMPLE] aws-proton-template-checker-action fixtures"
    bad = Example(
        files=_env_cfn(
            "CidrBlock: '{{ environment.inputs.vpc_cidr }}'",
            "      {% if environment.inputs.vpc_cidr == '10.0.0.0/16'\n"
            "      EnableDnsSupport: true\n      {% endif %}\n",
        )
    )
    good = Example(
        files=_env_cfn(
            "CidrBlock: '{{ environment.inputs.vpc_cidr }}'",
            "      {% if environment.inputs.vpc_cidr == '10.0.0.0/16' %}\n"
            "      EnableDnsSupport: true\n      {% endif %}\n",
        )
    )


class UnescapedDynamicReference(JinjaRule):
    id = "PL502"
    slug = "unescaped-dynamic-reference"
    severity = Severity.ERROR
    proton_refuses = "deployment"
    proton_refuses_source = "NS-03: UG:ag-troubleshooting.md (unescaped dynamic references make the deployment fail)"
    summary = "A CloudFormation dynamic reference `{{resolve:...}}` that Jinja reads as an expression."
    what = (
        "Finds `{{resolve:...}}` in the text of Jinja files outside `{% raw %}` blocks, comments and Jinja "
        "string literals."
    )
    why = (
        "Jinja parses `{{resolve:ssm:...}}` as an expression and stops at the colon: rendering fails and the "
        "deployment with it. The docs require escaping dynamic references."
    )
    fix = (
        "Write `{{ '{{resolve:secretsmanager:S:SecretString:password}}' }}`, or wrap it in `{% raw %}...{% endraw %}`."
    )
    source = "NS-03, [DOC] UG:ag-troubleshooting.md, UG:parameters.md"
    bad = Example(
        files=_env_cfn(
            "CidrBlock: '{{ environment.inputs.vpc_cidr }}'",
            "      Tags:\n        - Key: owner\n          Value: '{{resolve:ssm:/org/owner}}'\n",
        )
    )
    good = Example(
        files=_env_cfn(
            "CidrBlock: '{{ environment.inputs.vpc_cidr }}'",
            "      Tags:\n        - Key: owner\n          Value: \"{{ '{{resolve:ssm:/org/owner}}' }}\"\n"
            "        - Key: team\n          Value: '{% raw %}{{resolve:ssm:/org/team}}{% endraw %}'\n",
        )
    )


class InputNotInSchema(JinjaRule):
    id = "PL503"
    slug = "input-not-in-schema"
    severity = Severity.ERROR
    proton_refuses = "deployment"
    proton_refuses_source = "NS-07: UG:parameters.md (AWS Proton checks input parameter names against your schema file)"
    summary = "An `*.inputs.<name>` reference that the schema's input type does not define."
    what = (
        "Checks `environment.inputs.X` against `environment_input_type`, `service_instance.inputs.X` and "
        "`service_instances[i].inputs.X` (loop variables too) against `service_input_type`, and "
        "`pipeline.inputs.X` against `pipeline_input_type`, in every branch of the template, with a "
        "suggestion for near names. A reference guarded by `| default` or `is defined` is a warning."
    )
    why = (
        "Proton checks input names against the schema; an input the schema lacks never gets a value, so "
        "rendering fails (or, guarded, always takes the fallback). A plain Jinja renderer would print an "
        "empty string instead and hide the typo."
    )
    fix = "Correct the name, or add the property to the input type in schema/schema.yaml."
    source = "NS-07, [DOC] UG:parameters.md"
    bad = Example(files=_env_cfn("CidrBlock: '{{ environment.inputs.vpc_cdir }}'"))
    good = Example(files=_env_cfn("CidrBlock: '{{ environment.inputs.vpc_cidr }}'"))


class NamespaceOutOfScope(JinjaRule):
    id = "PL506"
    slug = "namespace-out-of-scope"
    severity = Severity.ERROR
    proton_refuses = "deployment"
    proton_refuses_source = (
        "NS-10 to NS-14: UG:env-parameters.md, UG:svc-parameters.md, UG:comp-parameters.md (the "
        "namespaces each IaC file gets)"
    )
    summary = "A namespace that Proton does not give this kind of IaC file."
    what = (
        "Environment files read `environment.name` and `environment.inputs`; service instance files "
        "`environment.{name,account_id,outputs}`, `service.*`, `service_instance.*`; pipeline files "
        "`service.*`, `pipeline.inputs` and `service_instances` (per instance through a loop or an index); "
        "components `environment.*`, `component.name` and, only while attached, `service.name` and "
        "`service_instance.{name,inputs}` (a warning unless guarded with `| default`). "
        "`service_instance.environment` in an instance file and `environment.account_id` in an environment "
        "file are warnings (seen only in doc comments and generated files)."
    )
    why = "A namespace the kind does not have is undefined when Proton renders the file: rendering fails."
    fix = "Use a namespace the kind has (see the rule's source), or move the logic to the template that has it."
    source = "NS-10, NS-11, NS-12, NS-13, [DOC] UG:env-parameters.md, UG:svc-parameters.md, UG:comp-parameters.md"
    bad = Example(
        files=_env_cfn(
            "CidrBlock: '{{ environment.inputs.vpc_cidr }}'",
            "      Tags:\n        - Key: cluster\n          Value: '{{ environment.outputs.ClusterName }}'\n",
        )
    )
    good = Example(
        files=_env_cfn(
            "CidrBlock: '{{ environment.inputs.vpc_cidr }}'",
            "      Tags:\n        - Key: environment\n          Value: '{{ environment.name }}'\n",
        )
    )


class LegacyNamespace(JinjaRule):
    id = "PL507"
    slug = "legacy-namespace"
    severity = Severity.ERROR
    proton_refuses = "deployment"
    proton_refuses_source = "NS-06: AG:ga-api-migration.md (pre-GA namespaces are rejected)"
    summary = "A pre-GA namespace (`service_name`, `environment.<input>`, `pipeline.<input>`, `source.*`, ...)."
    what = (
        "Finds the namespaces of Proton's preview that the GA release dropped: `service_name`, "
        "`service_instance_name`, `source.repository|branch|connection_arn`, inputs read without "
        "`.inputs` (`environment.vpc_cidr`, `service_instance.port`, `pipeline.dockerfile`) and "
        "`service_instances[i].spec`."
    )
    why = "Proton no longer provides these names: rendering fails."
    fix = "Use the GA name the message gives (`service.name`, `environment.inputs.vpc_cidr`, ...)."
    source = "NS-06, [DOC] AG:ga-api-migration.md"
    base = "service"
    bad = Example(files=_svc(_queue("QueueName: '{{ service_name }}-{{ service_instance.inputs.port }}'")))
    good = Example(files=_svc(_queue("QueueName: '{{ service.name }}-{{ service_instance.inputs.port }}'")))


class UnknownFilter(JinjaRule):
    id = "PL508"
    slug = "unknown-filter"
    severity = Severity.ERROR
    proton_refuses = "deployment"
    proton_refuses_source = (
        "UG:parameter-filters.md (the filters Proton provides; Jinja refuses any other when it renders)"
    )
    summary = "A filter that neither Jinja nor Proton provides (`proton_cfn_sanitise`)."
    what = (
        "Checks every filter of every branch against Jinja's built-in filters and Proton's four "
        "(`proton_cfn_ecs_task_definition_formatted_env_vars`, `proton_cfn_lambda_function_formatted_env_vars`, "
        "`proton_cfn_iam_policy_arns`, `proton_cfn_sanitize`), with a suggestion for near names."
    )
    why = "Jinja refuses a template with an unknown filter: rendering fails."
    fix = "Correct the filter name."
    source = "NS-25, FLT-01..05, [DOC] UG:parameter-filters.md"
    base = "service"
    bad = Example(files=_svc(_queue("QueueName: '{{ service.name | proton_cfn_sanitise }}'")))
    good = Example(files=_svc(_queue("QueueName: '{{ service.name | proton_cfn_sanitize }}'")))


class FilterOnScalar(JinjaRule):
    id = "PL509"
    slug = "filter-on-scalar"
    severity = Severity.WARNING
    summary = "A `proton_cfn_*` list or mapping filter applied to a single value."
    what = (
        "`proton_cfn_ecs_task_definition_formatted_env_vars`, `proton_cfn_lambda_function_formatted_env_vars` "
        "and `proton_cfn_iam_policy_arns` format a mapping such as "
        "`service_instance.components.default.outputs`; this flags them on one output, one input, a name "
        "or a literal."
    )
    why = "The filters iterate a mapping; given a single value they fail or produce nothing useful."
    fix = "Apply the filter to the whole outputs mapping, or use `proton_cfn_sanitize` for a single value."
    source = "NS-26, FLT-01..03, [DOC] UG:parameter-filters.md"
    base = "service"
    bad = Example(
        files=_svc(
            "Resources:\n  Role:\n    Type: AWS::IAM::Role\n    Properties:\n      ManagedPolicyArns:\n"
            "        {{ service_instance.components.default.outputs.PolicyArn | default('') "
            "| proton_cfn_iam_policy_arns }}\n"
        )
    )
    good = Example(
        files=_svc(
            "Resources:\n  Role:\n    Type: AWS::IAM::Role\n    Properties:\n      ManagedPolicyArns:\n"
            "        - !Ref AWS::NoValue\n"
            "        {{ service_instance.components.default.outputs | proton_cfn_iam_policy_arns }}\n"
        )
    )


class ComponentOutputWithoutDefault(JinjaRule):
    id = "PL510"
    slug = "component-output-without-default"
    severity = Severity.WARNING
    summary = "A component output read without `| default(...)` or an `is defined` guard."
    what = (
        "Flags `service_instance.components.default.outputs.<name>` and `...default.name` in service "
        "instance files unless they are filtered with `default`, tested with `is defined` (or "
        "`'name' in ...outputs`), or inside a branch guarded that way."
    )
    why = (
        "Developers attach (or do not attach) directly defined components; without a component, or without "
        "that output, Proton fails to render the service instance. The whole `outputs` mapping is safe: it "
        "renders as `{}`."
    )
    fix = 'Add `| default("...")`, or guard the use with `{% if ...outputs.Name is defined %}`.'
    source = "NS-14, NS-15, [DOC] UG:parameter-filters.md, UG:ag-components-iac.md"
    base = "service"
    bad = Example(files=_svc(_queue("QueueName: '{{ service_instance.components.default.outputs.QueueName }}'")))
    good = Example(
        files=_svc(
            _queue("QueueName: '{{ service_instance.components.default.outputs.QueueName | default(service.name) }}'")
        )
    )


class HyphenatedName(JinjaRule):
    id = "PL511"
    slug = "hyphenated-name"
    severity = Severity.ERROR
    summary = "A hyphenated name after a dot (`outputs.vpc-id`), which Jinja reads as a subtraction."
    what = "Finds `a.b-c` where `c` is not a name the template defines: Jinja reads `a.b - c`."
    why = (
        "The docs show hyphenated output names (`outputs.env-outputs`), but Jinja parses `-` as minus: "
        "`vpc` and `id` are looked up separately and rendering fails."
    )
    fix = "Use subscript syntax (`environment.outputs['vpc-id']`), or rename the output without hyphens."
    source = "OUT-05, SCH-20, [INFERRED] from Jinja's grammar"
    base = "service"
    bad = Example(files=_svc(_queue("QueueName: '{{ environment.outputs.queue-name }}'")))
    good = Example(files=_svc(_queue("QueueName: \"{{ environment.outputs['queue-name'] }}\"")))


class UnknownName(JinjaRule):
    id = "PL512"
    slug = "unknown-name"
    severity = Severity.ERROR
    summary = "A name or attribute that no Proton namespace has and the template does not set."
    what = (
        "Flags top-level names that are not Proton namespaces and are not set in the template (`set`, "
        "`for`, macros), and attributes that a namespace does not have (`service.nmae`), with a suggestion."
    )
    why = "Proton renders with strict undefined values: an unknown name fails rendering, it never renders empty."
    fix = "Correct the name, or set it in the template before use."
    source = "NS-07, §4.2, [DOC] UG:parameters.md"
    base = "service"
    bad = Example(files=_svc(_queue("QueueName: '{{ service.nmae }}-{{ service_instance.name }}'")))
    good = Example(files=_svc(_queue("QueueName: '{{ service.name }}-{{ service_instance.name }}'")))


class UnquotedJinjaValue(JinjaRule):
    id = "PL513"
    slug = "unquoted-jinja-value"
    severity = Severity.WARNING
    summary = "An unquoted `{{ ... }}` where YAML expects a value (`key: {{ x }}`)."
    what = (
        "Flags Jinja expressions that start a YAML value in block context (`key: {{ x }}`, `- {{ x }}`), "
        "outside block scalars and flow collections. Numbers and booleans (a `number`, `integer` or "
        "`boolean` input, or a value ending in `| int`, `| float`, `| length`) are left alone."
    )
    why = (
        "YAML reads `{{` as the start of a flow mapping, so the file is not YAML until it is rendered: "
        "editors and YAML tools reject it, and a rendered value that holds `: `, `#` or a leading `*` "
        "breaks the template after rendering."
    )
    fix = "Quote the value: `CidrBlock: '{{ environment.inputs.vpc_cidr }}'`."
    source = "NS-01, [DOC] UG:parameters.md, UG:env-parameters.md"
    bad = Example(files=_env_cfn("CidrBlock: {{ environment.inputs.vpc_cidr }}"))
    good = Example(files=_env_cfn("CidrBlock: '{{ environment.inputs.vpc_cidr }}'"))


# -- schema inputs the templates never read (SCH-07) -----------------------------------------------

#: which kinds of file read each input type
_CONSUMERS = {
    Leaf.ENV_INPUTS: (TemplateKind.ENVIRONMENT,),
    Leaf.SERVICE_INPUTS: (TemplateKind.SERVICE_INSTANCE, TemplateKind.PIPELINE),
    Leaf.PIPELINE_INPUTS: (TemplateKind.PIPELINE,),
}
_CONSUMER_FOLDERS = {
    TemplateKind.ENVIRONMENT: ("infrastructure",),
    TemplateKind.SERVICE_INSTANCE: ("instance_infrastructure",),
    TemplateKind.PIPELINE: ("pipeline_infrastructure", "pipeline"),
}


@lru_cache(maxsize=1024)
def _inputs_read(text: str, kind: TemplateKind) -> tuple[tuple[Leaf, str], ...] | None:
    """(input leaf, input name) pairs a file reads; name ``*`` for the whole mapping; None if unparsable."""
    analysis = analyse(text)
    if analysis.syntax_error is not None:
        return None
    out: set[tuple[Leaf, str]] = set()
    paths = [r.path for r in analysis.references] + [h.intended for h in analysis.hyphenated]
    for path in paths:
        resolved = resolve(path, kind, "", {})
        if resolved.end in INPUT_LEAVES or resolved.end is Leaf.ANY_INPUTS:
            rest = resolved.leaf_rest
            out.add((resolved.end, str(rest[0]) if rest and rest[0] != DYNAMIC else DYNAMIC))
    return tuple(sorted(out, key=lambda p: (p[0].value, p[1])))


def inputs_read(bundle: Bundle) -> dict[Leaf, set[str]] | None:
    """Input names the bundle's Jinja files read, per input type; None when it cannot be known
    (a consumer is not Jinja, or a file does not parse)."""
    files = jinja_files(bundle)
    jinja_rels = {f.rel for f in files}
    for manifest in bundle.manifests:
        if bundle.manifest_inferred(manifest):
            return None  # which files Proton reads is a guess: no verdict on unread inputs
        for entry in bundle.manifest_entries(manifest):
            if entry.get("rendering_engine", entry.get("engine")) != "jinja":
                return None
    if not jinja_rels:
        return None
    out: dict[Leaf, set[str]] = {leaf: set() for leaf in (*INPUT_LEAVES, Leaf.ANY_INPUTS)}
    for jf in files:
        try:
            found = _inputs_read(bundle.read_text(jf.rel), jf.kind)
        except OSError:
            return None
        if found is None:
            return None
        for leaf, name in found:
            out[leaf].add(name)
    return out


def supports_components(bundle: Bundle) -> bool:
    """The service template's ``.template-registration.yaml`` allows directly defined components."""
    doc = bundle.yaml(".template-registration.yaml")
    data = doc.data if doc is not None and doc.ok else None
    sources = data.get("supported_component_sources") if isinstance(data, dict) else None
    return isinstance(sources, list) and "DIRECTLY_DEFINED" in sources


def component_reads(bundle: Bundle) -> set[str] | None:
    """Service inputs that components may read: none when the template allows no components; the
    inputs the repository's components read; None (unknown) when they are elsewhere or not Jinja."""
    if not supports_components(bundle):
        return set()
    components = [b for b in getattr(bundle.repo, "bundles", ()) if b.kind.value == "component"]
    if not components:
        return None  # developers keep directly defined components in their own repositories
    names: set[str] = set()
    for component in components:
        read = inputs_read(component)
        if read is None:
            return None
        names |= read[Leaf.ANY_INPUTS]
    return names


class SchemaInputRule(Rule):
    def applies(self, bundle: Bundle) -> bool:
        return bundle.kind.value in ("environment", "service") and "jinja" in bundle.engines()

    def unread(self, bundle: Bundle) -> Iterator[tuple[Leaf, InputType, list[str], bool]]:
        """(leaf, input type, unread property names, nothing read at all) per input type."""
        read = inputs_read(bundle)
        if read is None:
            return
        present = {f.kind for f in jinja_files(bundle)}
        for leaf, itype in input_types(bundle).items():
            if itype.name is None or not itype.properties:
                continue
            consumers = _CONSUMERS[leaf]
            if not any(kind in present for kind in consumers):
                continue
            names = set(read[leaf])
            if leaf is Leaf.SERVICE_INPUTS:
                by_components = component_reads(bundle)
                if by_components is None:
                    continue
                names |= by_components
            if DYNAMIC in names:
                continue
            unread = [p for p, _ in itype.properties if p not in names]
            if unread:
                yield leaf, itype, unread, len(unread) == len(itype.properties)


def _readers(leaf: Leaf) -> str:
    return " and ".join(kind.label + "s" for kind in _CONSUMERS[leaf])


class SchemaInputUnused(SchemaInputRule):
    id = "PL504"
    slug = "schema-input-unused"
    severity = Severity.INFO
    summary = "A schema input that no Jinja IaC file of the bundle reads."
    what = (
        "Lists the properties of each input type that no branch of the files that read it references "
        "(`environment_input_type`: the environment files; `service_input_type`: instance and pipeline "
        "files; `pipeline_input_type`: pipeline files). When `.template-registration.yaml` allows directly "
        "defined components, what the repository's components read counts too, and service inputs are "
        "not reported when the repository holds no component. Silent when a file reads the inputs as a "
        "whole, when a file does not parse, and when some IaC of the bundle is not Jinja."
    )
    why = "An input nobody reads asks users for a value that changes nothing; it is often a leftover or a typo."
    fix = "Remove the property, or reference it where it was meant to be used."
    source = "SCH-07, [DOC] UG:ag-schema.md"
    bad = Example(
        files={
            "schema/schema.yaml": _SVC_SCHEMA + '        build_args:\n          type: string\n          default: ""\n',
            **_svc(
                _queue("QueueName: '{{ service.name }}-{{ service_instance.inputs.port }}'"),
                _queue("QueueName: '{{ pipeline.inputs.dockerfile }}'"),
            ),
        },
    )
    base = "service"
    good = Example(
        files={
            "schema/schema.yaml": _SVC_SCHEMA,
            **_svc(
                _queue("QueueName: '{{ service.name }}-{{ service_instance.inputs.port }}'"),
                _queue("QueueName: '{{ pipeline.inputs.dockerfile }}'"),
            ),
        }
    )

    def check(self, bundle: Bundle) -> Iterable[Finding]:
        for leaf, itype, unread, nothing in self.unread(bundle):
            if nothing:
                continue  # PL505 reports the type as a whole
            for prop in unread:
                yield self.finding(
                    bundle,
                    SCHEMA_FILE,
                    f"input {prop!r} of {itype.name} is not read by the {_readers(leaf)}",
                    at=("schema", "types", itype.name, "properties", prop),
                    key=True,
                )


class SchemaInputsNoneUsed(SchemaInputRule):
    id = "PL505"
    slug = "schema-inputs-none-used"
    severity = Severity.WARNING
    summary = "An input type none of whose properties the IaC files read."
    what = (
        "Flags an input type when no property of it is referenced by the Jinja files that read it "
        "(in any branch). The docs require at least one to match a parameter the IaC file references."
    )
    why = "A schema that matches nothing the templates read is almost always attached to the wrong templates."
    fix = "Reference the inputs in the IaC files (`{{ environment.inputs.<name> }}`), or remove the input type."
    source = "SCH-07, [DOC] UG:ag-schema.md"
    bad = Example(files=_env_cfn("CidrBlock: 10.0.0.0/16"))
    good = Example(files=_env_cfn("CidrBlock: '{{ environment.inputs.vpc_cidr }}'"))

    def check(self, bundle: Bundle) -> Iterable[Finding]:
        for leaf, itype, _unread, nothing in self.unread(bundle):
            if nothing:
                yield self.finding(
                    bundle,
                    SCHEMA_FILE,
                    f"no input of {itype.name} is read by the {_readers(leaf)}",
                    at=("schema", "types", itype.name),
                    key=True,
                )


RULES = (
    JinjaSyntaxError,
    UnescapedDynamicReference,
    InputNotInSchema,
    SchemaInputUnused,
    SchemaInputsNoneUsed,
    NamespaceOutOfScope,
    LegacyNamespace,
    UnknownFilter,
    FilterOnScalar,
    ComponentOutputWithoutDefault,
    HyphenatedName,
    UnknownName,
    UnquotedJinjaValue,
)
