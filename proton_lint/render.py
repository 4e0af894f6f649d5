"""Rendering Jinja IaC files as Proton does, and reading their syntax trees.

One implementation for the linter, ``proton-lint render`` and the Proton emulator:

* **Template kinds and namespaces** (catalogue §4.2): :class:`TemplateKind` and
  :data:`NAMESPACE_SHAPES` say what each kind of IaC file may read; :func:`build_context` turns the
  caller's resolved values (:class:`RenderValues`) into the Jinja context of that shape.
* **Rendering** (:func:`render`): a sandboxed Jinja environment with strict undefined values (a
  misspelt input fails, it never renders empty), ``keep_trailing_newline``, no loader (no includes
  or imports from disk), and Proton's ``proton_cfn_*`` filters (§4.4). The result carries the text,
  a map from every rendered line to the source line that produced it, and errors as data with
  their source line, never exceptions.
* **Syntax trees** (:func:`analyse`): every namespace reference in every branch (loop variables
  and ``set`` aliases resolved), every filter, hyphenated names, unescaped ``{{resolve:...}}``
  and syntax errors, with line numbers.

jinja2 is imported lazily: importing this module costs nothing.
"""

from __future__ import annotations

import difflib
import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

# ---------------------------------------------------------------------------------------------
# Template kinds and namespaces (§4.2)
# ---------------------------------------------------------------------------------------------


class TemplateKind(enum.Enum):
    ENVIRONMENT = "environment"
    SERVICE_INSTANCE = "service_instance"
    PIPELINE = "pipeline"
    COMPONENT = "component"

    def __str__(self) -> str:
        return self.value

    @property
    def label(self) -> str:
        return {
            TemplateKind.ENVIRONMENT: "environment template",
            TemplateKind.SERVICE_INSTANCE: "service instance template",
            TemplateKind.PIPELINE: "pipeline template",
            TemplateKind.COMPONENT: "component",
        }[self]

    @classmethod
    def for_folder(cls, folder: str) -> TemplateKind | None:
        """The kind of the IaC files in a bundle folder (``""`` is a component's root)."""
        return {
            "infrastructure": cls.ENVIRONMENT,
            "instance_infrastructure": cls.SERVICE_INSTANCE,
            "pipeline_infrastructure": cls.PIPELINE,
            "pipeline": cls.PIPELINE,  # pre-GA folder name (BND-08); its files are pipeline files
            "": cls.COMPONENT,
        }.get(folder)


class Leaf(enum.Enum):
    """What sits at the end of a namespace path."""

    #: a string (a name, an ID, an ARN)
    SCALAR = "scalar"
    #: outputs: any name, string values
    OUTPUTS = "outputs"
    #: ``environment_input_type`` properties
    ENV_INPUTS = "environment_input_type"
    #: ``service_input_type`` properties
    SERVICE_INPUTS = "service_input_type"
    #: ``pipeline_input_type`` properties
    PIPELINE_INPUTS = "pipeline_input_type"
    #: inputs of the service instance a component is attached to (schema not known from the component)
    ANY_INPUTS = "inputs"


S, OUT = Leaf.SCALAR, Leaf.OUTPUTS
_ENV_OF_INSTANCE = {"name": S, "account_id": S, "outputs": OUT}
_SERVICE = {"name": S, "repository_id": S, "branch_name": S, "repository_connection_arn": S}

#: What each kind of IaC file may read. A dict has fixed keys, a one-item list is a list of such
#: items (``service_instances``), a :class:`Leaf` ends the path.
NAMESPACE_SHAPES: dict[TemplateKind, dict[str, Any]] = {
    TemplateKind.ENVIRONMENT: {"environment": {"name": S, "inputs": Leaf.ENV_INPUTS}},
    TemplateKind.SERVICE_INSTANCE: {
        "environment": _ENV_OF_INSTANCE,
        "service": _SERVICE,
        "service_instance": {
            "name": S,
            "inputs": Leaf.SERVICE_INPUTS,
            "components": {"default": {"name": S, "outputs": OUT}},
        },
    },
    TemplateKind.PIPELINE: {
        "service": _SERVICE,
        "pipeline": {"inputs": Leaf.PIPELINE_INPUTS},
        "service_instances": [
            {"name": S, "inputs": Leaf.SERVICE_INPUTS, "outputs": OUT, "environment": _ENV_OF_INSTANCE},
        ],
    },
    TemplateKind.COMPONENT: {
        "environment": _ENV_OF_INSTANCE,
        "service": {"name": S},
        "service_instance": {"name": S, "inputs": Leaf.ANY_INPUTS},
        "component": {"name": S},
    },
}

#: Every top-level namespace of any kind.
ALL_NAMESPACES = frozenset(name for shape in NAMESPACE_SHAPES.values() for name in shape)
#: The documented example account ID; a caller without a real one gets this.
SAMPLE_ACCOUNT_ID = "123456789012"


@dataclass
class EnvironmentValues:
    name: str
    inputs: dict[str, Any] = field(default_factory=dict)
    account_id: str = SAMPLE_ACCOUNT_ID
    outputs: dict[str, str] = field(default_factory=dict)


@dataclass
class ServiceValues:
    name: str
    repository_id: str = ""
    branch_name: str = ""
    repository_connection_arn: str = ""


@dataclass
class ComponentValues:
    name: str
    outputs: dict[str, str] = field(default_factory=dict)


@dataclass
class InstanceValues:
    name: str
    inputs: dict[str, Any] = field(default_factory=dict)
    #: the instance's environment (pipelines read it per instance; instance templates at the top)
    environment: EnvironmentValues | None = None
    #: the instance's outputs (pipelines read them)
    outputs: dict[str, str] = field(default_factory=dict)
    #: the directly defined component attached to the instance, if any
    component: ComponentValues | None = None


@dataclass
class RenderValues:
    """Resolved values for one rendering; each kind reads the parts it needs."""

    environment: EnvironmentValues | None = None
    service: ServiceValues | None = None
    service_instance: InstanceValues | None = None
    pipeline_inputs: dict[str, Any] = field(default_factory=dict)
    service_instances: list[InstanceValues] = field(default_factory=list)
    #: the component being rendered (component templates)
    component: ComponentValues | None = None


class Namespace(dict):
    """A mapping of the render context that knows its dotted path (for error messages).

    It renders, compares and serialises like the plain dict Proton passes. Templates cannot
    change it: the sandbox refuses mutating methods on context values, so one context can be
    rendered many times.
    """

    __slots__ = ("_proton_path__",)

    def __init__(self, data: Mapping | None = None, path: str = "") -> None:
        super().__init__(data or {})
        self._proton_path__ = path


class NamespaceList(list):
    """A list of the render context (``service_instances``); immutable to templates."""

    __slots__ = ("_proton_path__",)

    def __init__(self, data: list | None = None, path: str = "") -> None:
        super().__init__(data or [])
        self._proton_path__ = path


class _NoComponent(Namespace):
    """``service_instance.components.default`` without an attached component.

    Proton renders the whole object as ``{}`` and ``.outputs`` as an empty mapping (so
    ``outputs | length > 0`` guards work); a named output or ``.name`` is undefined (NS-14).
    """

    __slots__ = ()

    @property
    def outputs(self) -> Namespace:
        return Namespace({}, f"{self._proton_path__}.outputs")


def to_namespace(value: Any, path: str) -> Any:
    """``value`` with every mapping and list turned into Namespace / NamespaceList."""
    if isinstance(value, Mapping):
        return Namespace({k: to_namespace(v, f"{path}.{k}") for k, v in value.items()}, path)
    if isinstance(value, (list, tuple)):
        return NamespaceList([to_namespace(v, f"{path}[{i}]") for i, v in enumerate(value)], path)
    return value


def _environment(values: EnvironmentValues | None) -> dict:
    env = values or EnvironmentValues(name="")
    return {"name": env.name, "account_id": env.account_id, "outputs": dict(env.outputs)}


def _service(values: ServiceValues | None) -> dict:
    svc = values or ServiceValues(name="")
    return {
        "name": svc.name,
        "repository_id": svc.repository_id,
        "branch_name": svc.branch_name,
        "repository_connection_arn": svc.repository_connection_arn,
    }


def build_context(kind: TemplateKind, values: RenderValues) -> dict[str, Any]:
    """The Jinja context Proton gives an IaC file of ``kind`` (shapes: :data:`NAMESPACE_SHAPES`)."""
    ctx: dict[str, Any]
    if kind is TemplateKind.ENVIRONMENT:
        env = values.environment or EnvironmentValues(name="")
        ctx = {"environment": {"name": env.name, "inputs": dict(env.inputs)}}
    elif kind is TemplateKind.SERVICE_INSTANCE:
        inst = values.service_instance or InstanceValues(name="")
        ctx = {
            "environment": _environment(values.environment or inst.environment),
            "service": _service(values.service),
            "service_instance": {"name": inst.name, "inputs": dict(inst.inputs)},
        }
        out = {k: to_namespace(v, k) for k, v in ctx.items()}
        slot = "service_instance.components.default"
        default = (
            to_namespace({"name": inst.component.name, "outputs": dict(inst.component.outputs)}, slot)
            if inst.component
            else _NoComponent({}, slot)
        )
        out["service_instance"]["components"] = Namespace({"default": default}, "service_instance.components")
        return out
    elif kind is TemplateKind.PIPELINE:
        ctx = {
            "service": _service(values.service),
            "pipeline": {"inputs": dict(values.pipeline_inputs)},
            "service_instances": [
                {
                    "name": inst.name,
                    "inputs": dict(inst.inputs),
                    "outputs": dict(inst.outputs),
                    "environment": _environment(inst.environment),
                }
                for inst in values.service_instances
            ],
        }
    else:  # component
        comp = values.component or ComponentValues(name="")
        inst = values.service_instance
        attached = inst is not None and values.service is not None
        ctx = {
            "environment": _environment(values.environment or (inst.environment if inst else None)),
            "component": {"name": comp.name},
            # Detached, both are empty mappings: `service.name | default(...)` renders the default
            # and a bare `service.name` fails, as the docs describe (NS-13).
            "service": {"name": values.service.name} if attached and values.service else {},
            "service_instance": {"name": inst.name, "inputs": dict(inst.inputs)} if attached and inst else {},
        }
    return {k: to_namespace(v, k) for k, v in ctx.items()}


# ---------------------------------------------------------------------------------------------
# Proton's filters (§4.4, FLT-01..04)
# ---------------------------------------------------------------------------------------------

SAFE_VALUE = re.compile(r"^[a-zA-Z0-9_-]*$")
POLICY_ARN = re.compile(r"^arn:[a-zA-Z-]+:iam::\d{12}:policy/")
#: arn:partition:service:region:account:resource (region and account may be empty)
ARN = re.compile(r"^arn:[a-z][a-z0-9-]*:[a-zA-Z0-9-]+:[a-z0-9-]*:(\d{12})?:\S+$")
PROTON_FILTERS = (
    "proton_cfn_ecs_task_definition_formatted_env_vars",
    "proton_cfn_lambda_function_formatted_env_vars",
    "proton_cfn_iam_policy_arns",
    "proton_cfn_sanitize",
)
#: The filters that take a mapping (outputs) and write a YAML block (NS-26).
MAPPING_FILTERS = PROTON_FILTERS[:3]

#: Multi-line filter output is marked so that its lines can be indented to the column where the
#: expression stands (the rendered examples of UG:parameter-filters.md): start and continuation.
_BLOCK_START = "\ue000"
_BLOCK_NEXT = "\ue001"


class ProtonFilterError(Exception):
    """A ``proton_cfn_*`` filter refused its value: Proton's rendering fails with this message."""


def _sanitize_error(value: str, arn: bool) -> str:
    tail = " or be a valid ARN" if arn else ""
    return f'Illegal character(s) detected in "{value}". Must match regex ^[a-zA-Z0-9_-]*$' + tail


def _yaml_scalar(value: Any) -> str:
    """``value`` as a YAML scalar that reads back as the same string."""
    import yaml

    text = value if isinstance(value, str) else str(value)
    if text and "\n" not in text and text == text.strip():
        try:
            if yaml.safe_load(text) == text and not text.startswith(("!", "&", "*", "{", "[", "#", "|", ">")):
                return text
        except yaml.YAMLError:
            pass
    import json

    return json.dumps(text)


def _mapping_arg(value: Any, name: str) -> Mapping:
    from jinja2 import Undefined

    if isinstance(value, Undefined):
        value._fail_with_undefined_error()
    if not isinstance(value, Mapping):
        raise ProtonFilterError(
            f"{name} expects a mapping such as service_instance.components.default.outputs, "
            f"got {type(value).__name__} {str(value)[:60]!r}"
        )
    return value


def _checked(value: Any, raw: bool) -> str:
    text = "" if value is None else str(value)
    if not raw and not SAFE_VALUE.match(text):
        raise ProtonFilterError(_sanitize_error(text, arn=False))
    return text


def _block(lines: list[str]) -> str:
    return _BLOCK_START + ("\n" + _BLOCK_NEXT).join(lines) if lines else ""


def proton_cfn_ecs_task_definition_formatted_env_vars(value: Any, raw: bool = True) -> str:
    """dict -> YAML list of ``{Name, Value}`` items for an ECS container's ``Environment`` (FLT-01)."""
    mapping = _mapping_arg(value, "proton_cfn_ecs_task_definition_formatted_env_vars")
    lines: list[str] = []
    for key, item in mapping.items():
        lines += [f"- Name: {_yaml_scalar(str(key))}", f"  Value: {_yaml_scalar(_checked(item, raw))}"]
    return _block(lines)


def proton_cfn_lambda_function_formatted_env_vars(value: Any, raw: bool = True) -> str:
    """dict -> YAML mapping for a Lambda function's ``Environment.Variables`` (FLT-02)."""
    mapping = _mapping_arg(value, "proton_cfn_lambda_function_formatted_env_vars")
    return _block([f"{_yaml_scalar(str(k))}: {_yaml_scalar(_checked(v, raw))}" for k, v in mapping.items()])


def proton_cfn_iam_policy_arns(value: Any) -> str:
    """dict -> YAML list of the values that are IAM managed-policy ARNs; others dropped (FLT-03)."""
    mapping = _mapping_arg(value, "proton_cfn_iam_policy_arns")
    arns = [str(v) for v in mapping.values() if isinstance(v, str) and POLICY_ARN.match(v)]
    return _block([f"- {_yaml_scalar(arn)}" for arn in arns])


def proton_cfn_sanitize(value: Any) -> Any:
    """string -> string, unless it is neither ``^[a-zA-Z0-9_-]*$`` nor an ARN (FLT-04)."""
    from jinja2 import Undefined

    if isinstance(value, Undefined):
        value._fail_with_undefined_error()
    text = "" if value is None else str(value)
    if not (SAFE_VALUE.match(text) or ARN.match(text)):
        raise ProtonFilterError(_sanitize_error(text, arn=True))
    return value


FILTERS = {
    "proton_cfn_ecs_task_definition_formatted_env_vars": proton_cfn_ecs_task_definition_formatted_env_vars,
    "proton_cfn_lambda_function_formatted_env_vars": proton_cfn_lambda_function_formatted_env_vars,
    "proton_cfn_iam_policy_arns": proton_cfn_iam_policy_arns,
    "proton_cfn_sanitize": proton_cfn_sanitize,
}

# ---------------------------------------------------------------------------------------------
# The environment
# ---------------------------------------------------------------------------------------------

#: Longest rendered output accepted (far beyond any real template; stops runaway loops).
MAX_OUTPUT = 20_000_000
#: Largest string or list a template may build with ``*`` and largest exponent of ``**``.
MAX_REPEAT = 1_000_000
MAX_EXPONENT = 512


@lru_cache(maxsize=1)
def environment() -> Any:
    """The process's sandboxed Jinja environment with Proton's filters (created on first use)."""
    from jinja2 import StrictUndefined, UndefinedError
    from jinja2.sandbox import SandboxedEnvironment, SecurityError, modifies_known_mutable
    from jinja2.utils import missing

    class ProtonUndefinedError(UndefinedError):
        def __init__(self, message: str, path: str | None) -> None:
            super().__init__(message)
            self.path = path

    class ProtonUndefined(StrictUndefined):
        """Fails on any use but ``default`` and ``is defined``; names the full dotted path."""

        __slots__ = ()

        def _path(self) -> str | None:
            obj, name = self._undefined_obj, self._undefined_name
            if obj is missing:
                return str(name) if name is not None else None
            base = getattr(obj, "_proton_path__", None) if isinstance(obj, (Namespace, NamespaceList)) else None
            if base is None or name is None:
                return None
            return f"{base}[{name}]" if isinstance(name, int) else f"{base}.{name}"

        @property
        def _undefined_message(self) -> str:
            if self._undefined_hint:
                return self._undefined_hint
            path = self._path()
            obj = self._undefined_obj
            if path is None:
                return super()._undefined_message
            if obj is missing:
                return f"{path!r} is undefined"
            message = f"{path} is undefined"
            if isinstance(obj, Mapping):
                keys = [str(k) for k in obj]
                close = difflib.get_close_matches(str(self._undefined_name), keys, n=1)
                if close:
                    message += f" (did you mean {close[0]!r}?)"
                elif path.startswith("service_instance.components.default"):
                    message += (
                        " (no attached component provides it: add | default(...) or guard it with "
                        "{% if ... is defined %})"
                    )
            return message

        def _fail_with_undefined_error(self, *args: Any, **kwargs: Any) -> Any:  # noqa: ARG002
            if self._undefined_exception is SecurityError:  # an unsafe attribute, not a missing one
                raise SecurityError(self._undefined_message)
            raise ProtonUndefinedError(self._undefined_message, self._path())

        __add__ = __radd__ = __sub__ = __rsub__ = _fail_with_undefined_error
        __mul__ = __rmul__ = __div__ = __rdiv__ = _fail_with_undefined_error
        __truediv__ = __rtruediv__ = __floordiv__ = __rfloordiv__ = _fail_with_undefined_error
        __mod__ = __rmod__ = __pos__ = __neg__ = _fail_with_undefined_error
        __call__ = __getitem__ = __lt__ = __le__ = __gt__ = __ge__ = _fail_with_undefined_error
        __int__ = __float__ = __complex__ = __pow__ = __rpow__ = _fail_with_undefined_error
        __iter__ = __str__ = __len__ = __eq__ = __ne__ = __bool__ = _fail_with_undefined_error
        __hash__ = __contains__ = _fail_with_undefined_error

        def __getattr__(self, name: str) -> Any:
            if name[:2] == "__":
                raise AttributeError(name)
            return self._fail_with_undefined_error()

    class ProtonSandbox(SandboxedEnvironment):
        intercepted_binops = frozenset({"*", "**"})

        def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
            if isinstance(obj, (Namespace, NamespaceList)) and modifies_known_mutable(obj, attr):
                return False  # the context is shared between renders: templates cannot change it
            return super().is_safe_attribute(obj, attr, value)

        def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:  # noqa: ARG002
            if operator == "**":
                if isinstance(right, (int, float)) and abs(right) > MAX_EXPONENT:
                    raise SecurityError(f"exponent {right} is too large for a template")
                return left**right
            size = 0
            if isinstance(left, (str, list, tuple)) and isinstance(right, int):
                size = len(left) * right
            elif isinstance(right, (str, list, tuple)) and isinstance(left, int):
                size = len(right) * left
            if size > MAX_REPEAT:
                raise SecurityError(f"the template builds a value of {size:,} items with *")
            return left * right

    env = ProtonSandbox(
        undefined=ProtonUndefined,
        keep_trailing_newline=True,
        autoescape=False,
        loader=None,
    )
    env.filters.update(FILTERS)
    plain_tojson = env.filters["tojson"]

    def tojson(eval_ctx: Any, value: Any, indent: int | None = None) -> Any:
        if isinstance(value, StrictUndefined):
            value._fail_with_undefined_error()
        return plain_tojson(eval_ctx, value, indent)

    tojson.jinja_pass_arg = plain_tojson.jinja_pass_arg  # type: ignore[attr-defined]
    env.filters["tojson"] = tojson
    return env


def known_filters() -> frozenset[str]:
    """Every filter name the renderer knows: Jinja's built-ins and Proton's."""
    return frozenset(environment().filters)


# ---------------------------------------------------------------------------------------------
# Scanning the raw text: tags, data, raw blocks
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Segment:
    """A stretch of the source: ``data``, ``raw`` (inside {% raw %}), ``var``, ``block``, ``comment``."""

    kind: str
    start: int
    end: int  # exclusive


_RAW_BEGIN = re.compile(r"\{%[-+]?\s*raw\s*[-+]?%\}")
_RAW_END = re.compile(r"\{%[-+]?\s*endraw\s*[-+]?%\}")
_OPENERS = re.compile(r"\{[{%#]")
_CLOSERS = {"{{": "}}", "{%": "%}"}
_PAIRS = {"(": ")", "[": "]", "{": "}"}


def _tag_end(source: str, start: int, closer: str) -> int:
    """Index just past the closer of the tag opened at ``start``, like Jinja's lexer finds it:
    outside string literals and only when brackets are balanced. ``len(source)`` if unclosed."""
    i, n = start + 2, len(source)
    stack: list[str] = []
    while i < n:
        ch = source[i]
        if ch in "'\"":
            j = i + 1
            while j < n and source[j] != ch:
                j += 2 if source[j] == "\\" else 1
            i = j + 1
            continue
        if not stack and source.startswith(closer, i):
            return i + 2
        if ch in _PAIRS:
            stack.append(_PAIRS[ch])
        elif stack and ch in ")]}":
            stack.pop()
        i += 1
    return n


@lru_cache(maxsize=512)
def scan(source: str) -> tuple[Segment, ...]:
    """The source cut into data, raw, var, block and comment segments."""
    out: list[Segment] = []
    i, n = 0, len(source)
    while i < n:
        match = _OPENERS.search(source, i)
        if match is None:
            out.append(Segment("data", i, n))
            break
        j = match.start()
        if j > i:
            out.append(Segment("data", i, j))
        opener = match.group()
        if opener == "{#":
            end = source.find("#}", j + 2)
            end = n if end < 0 else end + 2
            out.append(Segment("comment", j, end))
        elif opener == "{%" and (raw := _RAW_BEGIN.match(source, j)):
            out.append(Segment("block", j, raw.end()))
            close = _RAW_END.search(source, raw.end())
            body_end = close.start() if close else n
            if body_end > raw.end():
                out.append(Segment("raw", raw.end(), body_end))
            if close:
                out.append(Segment("block", close.start(), close.end()))
            end = close.end() if close else n
        else:
            end = _tag_end(source, j, _CLOSERS[opener])
            out.append(Segment("var" if opener == "{{" else "block", j, end))
        i = end
    return tuple(out)


def _line_starts(source: str) -> list[int]:
    starts = [0]
    starts += [m.end() for m in re.finditer("\n", source)]
    return starts


def line_of(source: str, offset: int) -> int:
    """1-based line of ``offset``."""
    return source.count("\n", 0, offset) + 1


def column_of(source: str, offset: int) -> int:
    """1-based column of ``offset``."""
    return offset - (source.rfind("\n", 0, offset) + 1) + 1


def normalize_newlines(source: str) -> str:
    """``\\r\\n`` and lone ``\\r`` as ``\\n``: Jinja counts lines this way, and so do findings."""
    return source.replace("\r\n", "\n").replace("\r", "\n") if "\r" in source else source


# ---------------------------------------------------------------------------------------------
# Line markers: which source line produced each rendered line
# ---------------------------------------------------------------------------------------------

#: A marker is ``_MARK_OPEN`` + the line number in private-use digits + ``_MARK_CLOSE``. Markers are
#: not whitespace, so Jinja's ``-`` whitespace control strips exactly what it strips without them.
_MARK_OPEN, _MARK_CLOSE, _MARK_ZERO = "\ue010", "\ue011", 0xE020
_MARK = re.compile("\ue010([\ue020-\ue029]+)\ue011")
_DIGITS = str.maketrans({str(d): chr(_MARK_ZERO + d) for d in range(10)})
_UNDIGITS = str.maketrans({chr(_MARK_ZERO + d): str(d) for d in range(10)})


def _marker(line: int) -> str:
    return _MARK_OPEN + str(line).translate(_DIGITS) + _MARK_CLOSE


def _with_markers(source: str) -> str:
    """``source`` with a marker before the first non-blank character of every line that starts in
    data (or with a tag), unless that character opens a tag that strips the whitespace before it
    (``{%-``): the marker would stop the stripping."""
    segments = scan(source)
    inserts: list[tuple[int, int]] = []  # (offset, line)
    seg_index = 0
    for line, start in enumerate(_line_starts(source), start=1):
        while seg_index < len(segments) and segments[seg_index].end <= start:
            seg_index += 1
        if seg_index >= len(segments):
            break
        seg = segments[seg_index]
        if seg.kind not in ("data", "raw"):
            if seg.start == start and source[start + 2 : start + 3] != "-":
                inserts.append((start, line))
            continue  # otherwise the line starts inside a tag or a comment
        pos, end = start, seg.end
        while pos < end and source[pos] in " \t":
            pos += 1
        if pos < end:
            if source[pos] != "\n":
                inserts.append((pos, line))
        elif pos < len(source) and source[pos + 2 : pos + 3] != "-":
            inserts.append((pos, line))  # blanks, then a tag
    if not inserts:
        return source
    parts, last = [], 0
    for pos, line in inserts:
        parts += [source[last:pos], _marker(line)]
        last = pos
    parts.append(source[last:])
    return "".join(parts)


def _unmark(text: str) -> tuple[str, list[int]]:
    """Strip markers and block sentinels; return the text and the source line of each line."""
    lines = text.split("\n")
    out: list[str] = []
    line_map: list[int] = []
    current = 1
    for line in lines:
        # The line comes from the last marker before its first non-blank character (markers
        # stripped by `-%}` leave several in a row); without one, from where the last line ended.
        source_line = current
        if _MARK_OPEN in line:
            pos, blank_so_far = 0, True
            for match in _MARK.finditer(line):
                number = int(match.group(1).translate(_UNDIGITS))
                blank_so_far = blank_so_far and not line[pos : match.start()].strip()
                if blank_so_far:
                    source_line = number
                current, pos = number, match.end()
        line_map.append(source_line)
        out.append(_MARK.sub("", line) if _MARK_OPEN in line else line)
    # Indent continuation lines of multi-line filter output to the column where it started.
    column = 0
    for i, line in enumerate(out):
        fixed = " " * column + line[1:] if line.startswith(_BLOCK_NEXT) else line
        if _BLOCK_START in fixed:
            column = fixed.index(_BLOCK_START)
            fixed = fixed.replace(_BLOCK_START, "")
        out[i] = fixed
    return "\n".join(out), line_map


# ---------------------------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RenderError:
    """Why rendering failed, at a source line (None when no line applies)."""

    #: "syntax", "undefined", "filter", "security", "include", "limit" or "error"
    kind: str
    message: str
    line: int | None = None
    #: the missing name's dotted path for "undefined" (``environment.inputs.vpc_cdir``)
    name: str | None = None


@dataclass
class RenderResult:
    template_name: str
    #: the rendered text; None when rendering failed
    text: str | None = None
    #: ``line_map[i]`` is the 1-based source line of rendered line ``i + 1``
    line_map: list[int] = field(default_factory=list)
    errors: list[RenderError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.text is not None and not self.errors

    def source_line(self, rendered_line: int) -> int:
        """The source line that produced 1-based ``rendered_line`` (clamped to the text)."""
        if not self.line_map:
            return 1
        index = min(max(rendered_line, 1), len(self.line_map)) - 1
        return self.line_map[index]


@dataclass
class _Compiled:
    marked: Any = None  # jinja2.Template of the marked source
    plain: Any = None  # jinja2.Template of the source, when markers could change the output
    error: RenderError | None = None


#: Nodes whose output can be captured or transformed, so markers in their data could change it.
_CAPTURING_NODES = ("AssignBlock", "FilterBlock", "Macro", "CallBlock")
_COMPILE_CACHE_SIZE = 256
_compiled: dict[tuple[str, str], _Compiled] = {}


def _compile(source: str, template_name: str) -> _Compiled:
    key = (template_name, source)
    hit = _compiled.get(key)
    if hit is not None:
        return hit
    from jinja2 import TemplateSyntaxError, nodes

    env = environment()
    result = _Compiled()
    filename = f"<proton:{template_name}>"
    marked = _with_markers(source)
    try:
        tree = env.parse(marked, template_name, filename)
        result.marked = _template(env, env.compile(tree, template_name, filename))
        if marked != source and any(True for _ in tree.find_all(tuple(getattr(nodes, n) for n in _CAPTURING_NODES))):
            result.plain = _template(env, env.compile(source, template_name, filename))
    except TemplateSyntaxError as exc:
        result.error = syntax_error(source, exc)
    if len(_compiled) >= _COMPILE_CACHE_SIZE:
        _compiled.pop(next(iter(_compiled)))
    _compiled[key] = result
    return result


def _template(env: Any, code: Any) -> Any:
    return env.template_class.from_code(env, code, env.make_globals(None))


def render(source_text: str, context: Mapping[str, Any], *, template_name: str = "template") -> RenderResult:
    """Render ``source_text`` with ``context`` as Proton does; errors come back as data."""
    source = normalize_newlines(source_text)
    result = RenderResult(template_name)
    compiled = _compile(source, template_name)
    if compiled.error is not None:
        result.errors.append(compiled.error)
        return result
    ctx = {k: v if isinstance(v, (Namespace, NamespaceList)) else to_namespace(v, k) for k, v in context.items()}
    text, error = _run(compiled.marked, ctx, template_name)
    if error is not None:
        result.errors.append(error)
        return result
    assert text is not None
    rendered, line_map = _unmark(text)
    if compiled.plain is not None:
        plain, error = _run(compiled.plain, ctx, template_name)
        if error is None and plain is not None:
            plain_text, _ = _unmark(plain)
            if plain_text != rendered:
                line_map = _realign(rendered, line_map, plain_text)
                rendered = plain_text
    result.text = rendered
    result.line_map = line_map
    return result


def _realign(marked_text: str, marked_map: list[int], plain_text: str) -> list[int]:
    """A line map for ``plain_text`` from the marked rendering's map, by aligning the lines."""
    a, b = marked_text.split("\n"), plain_text.split("\n")
    out = [0] * len(b)
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        for k in range(j2 - j1):
            src = i1 + min(k, max(i2 - i1 - 1, 0)) if tag != "insert" else max(i1 - 1, 0)
            out[j1 + k] = marked_map[min(src, len(marked_map) - 1)] if marked_map else 1
    return out


def _run(template: Any, ctx: dict, template_name: str) -> tuple[str | None, RenderError | None]:
    chunks: list[str] = []
    size = 0
    try:
        for chunk in template.generate(ctx):
            size += len(chunk)
            if size > MAX_OUTPUT:
                return None, RenderError("limit", f"the rendered text passes {MAX_OUTPUT:,} characters", None)
            chunks.append(chunk)
    except Exception as exc:  # noqa: BLE001 - every failure of a template is data
        return None, _runtime_error(exc, template_name)
    return "".join(chunks), None


def _error_line(exc: BaseException, template_name: str) -> int | None:
    filename = f"<proton:{template_name}>"
    line = None
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == filename:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _runtime_error(exc: BaseException, template_name: str) -> RenderError:
    from jinja2 import TemplateSyntaxError, UndefinedError
    from jinja2.sandbox import SecurityError

    line = _error_line(exc, template_name)
    if isinstance(exc, TemplateSyntaxError):  # an unknown filter in a branch taken at run time
        return RenderError("syntax", exc.message or str(exc), exc.lineno or line)
    if isinstance(exc, UndefinedError):
        return RenderError("undefined", str(exc), line, getattr(exc, "path", None))
    if isinstance(exc, ProtonFilterError):
        return RenderError("filter", str(exc), line)
    if isinstance(exc, SecurityError):
        return RenderError("security", f"refused by the sandbox: {exc}", line)
    if isinstance(exc, TypeError) and "no loader" in str(exc):
        return RenderError(
            "include", "include, import and extends are not available: Proton renders each IaC file on its own", line
        )
    if isinstance(exc, RecursionError):
        return RenderError("limit", "the template recurses too deeply", line)
    return RenderError("error", f"{type(exc).__name__}: {exc}", line)


# ---------------------------------------------------------------------------------------------
# Syntax errors
# ---------------------------------------------------------------------------------------------

_BLOCK_TAG = re.compile(r"\{%[-+]?\s*(\w+)")
_OPENING_TAGS = {"if", "for", "macro", "call", "filter", "with", "block", "autoescape", "trans"}


def _unclosed_block(source: str, before_line: int) -> tuple[str, int] | None:
    """The innermost block tag still open at ``before_line`` (its name and line), if any."""
    stack: list[tuple[str, int]] = []
    for seg in scan(source):
        if seg.kind != "block":
            continue
        line = line_of(source, seg.start)
        if line > before_line:
            break
        match = _BLOCK_TAG.match(source, seg.start)
        if not match:
            continue
        tag = match.group(1)
        if tag in _OPENING_TAGS or (tag == "set" and "=" not in source[seg.start : seg.end]):
            stack.append((tag, line))
        elif tag.startswith("end") and stack and stack[-1][0] == tag[3:]:
            stack.pop()
    return stack[-1] if stack else None


def syntax_error(source: str, exc: Any) -> RenderError:
    """A TemplateSyntaxError as data, at the line where the mistake is.

    A tag that is not closed on its own line makes Jinja complain about a later line: the error is
    reported at the tag's first line. "Unexpected end of template" names the unclosed block's line.
    """
    message = (exc.message or str(exc)).strip()
    line = exc.lineno or 1
    for seg in scan(source):
        if seg.kind in ("var", "block") and line_of(source, seg.start) < line <= line_of(source, seg.end - 1):
            opened = line_of(source, seg.start)
            closer = "}}" if seg.kind == "var" else "%}"
            message += f" (line {line}; the tag opened on line {opened} is not closed with {closer} on its line)"
            line = opened
            break
    else:
        if "Unexpected end of template" in message or "Encountered unknown tag 'end" in message:
            open_block = _unclosed_block(source, line)
            if open_block is not None:
                message += f" (the {{% {open_block[0]} %}} on line {open_block[1]} is never closed)"
                line = open_block[1]
    return RenderError("syntax", message, line)


# ---------------------------------------------------------------------------------------------
# Syntax-tree analysis: references, filters, hyphenated names, {{resolve:...}}
# ---------------------------------------------------------------------------------------------

#: A path segment that stands for a computed index (``outputs[name]``, a loop item).
DYNAMIC = "*"
#: Names every template can use without defining them.
JINJA_GLOBALS = frozenset({"range", "lipsum", "dict", "cycler", "joiner", "namespace", "true", "false", "none", "self"})
_LOOP_LOCALS = frozenset({"loop"})
_MACRO_LOCALS = frozenset({"varargs", "kwargs", "caller"})

Path = tuple[str | int, ...]


def path_text(path: Path) -> str:
    """``service_instances[*].inputs.port`` style."""
    out = ""
    for part in path:
        if isinstance(part, int) or part == DYNAMIC:
            out += f"[{part}]"
        elif out and not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", str(part)):
            out += f"[{part!r}]"
        else:
            out += f".{part}" if out else str(part)
    return out


@dataclass(frozen=True, slots=True)
class Reference:
    """A read of a name that is not local to the template, resolved through loops and aliases."""

    path: Path
    line: int
    #: inside ``| default(...)``, an ``is defined`` test, or a branch guarded by one
    guarded: bool = False
    #: a method called on the value (``split`` in ``x.split(';')``), if any
    method: str | None = None
    #: the local name the reference went through (a loop variable or a ``set`` alias), if any
    via: str | None = None
    #: the path as written in the template (``service_instance.inputs.port`` for a loop variable)
    written: str = ""

    @property
    def text(self) -> str:
        return path_text(self.path)


@dataclass(frozen=True, slots=True)
class FilterUse:
    name: str
    line: int
    #: the filtered value's path when it is a reference
    target: Path | None = None
    #: the filtered value's Python type name when it is a literal (``str``, ``int``, ``dict``)
    literal: str | None = None


@dataclass(frozen=True, slots=True)
class HyphenatedName:
    """``outputs.vpc-id``: Jinja reads ``outputs.vpc - id``; ``intended`` is ``outputs['vpc-id']``."""

    intended: Path
    line: int

    @property
    def text(self) -> str:
        parent, last = self.intended[:-1], self.intended[-1]
        return f"{path_text(parent)}.{last}"


@dataclass(frozen=True, slots=True)
class ResolveReference:
    """An unescaped CloudFormation dynamic reference ``{{resolve:...}}``."""

    text: str
    line: int
    column: int


@dataclass
class TemplateAnalysis:
    references: list[Reference] = field(default_factory=list)
    filters: list[FilterUse] = field(default_factory=list)
    hyphenated: list[HyphenatedName] = field(default_factory=list)
    resolves: list[ResolveReference] = field(default_factory=list)
    #: the syntax error that stopped parsing (after blanking unescaped {{resolve:...}})
    syntax_error: RenderError | None = None
    #: names the template defines (set, for, macro, ...): never namespace references
    locals: frozenset[str] = frozenset()


_RESOLVE = re.compile(r"\{\{[-+]?\s*resolve:")


def find_resolves(source: str) -> list[ResolveReference]:
    """Unescaped ``{{resolve:...}}`` outside raw blocks, comments and Jinja string literals."""
    out = []
    for seg in scan(source):
        if seg.kind == "var" and _RESOLVE.match(source, seg.start):
            text = source[seg.start : seg.end]
            out.append(ResolveReference(text, line_of(source, seg.start), column_of(source, seg.start)))
    return out


def _blank(source: str, refs: list[ResolveReference]) -> str:
    """``source`` with each ``{{resolve:...}}`` replaced by spaces (lines kept) for parsing."""
    if not refs:
        return source
    segments = {(line_of(source, s.start), column_of(source, s.start)): s for s in scan(source) if s.kind == "var"}
    chars = list(source)
    for ref in refs:
        seg = segments.get((ref.line, ref.column))
        if seg is None:
            continue
        for i in range(seg.start, seg.end):
            if chars[i] != "\n":
                chars[i] = " "
    return "".join(chars)


@lru_cache(maxsize=512)
def analyse(source_text: str, template_name: str = "template") -> TemplateAnalysis:
    """Every reference, filter and suspicious construct of a template, from its syntax tree."""
    from jinja2 import TemplateSyntaxError

    source = normalize_newlines(source_text)
    analysis = TemplateAnalysis(resolves=find_resolves(source))
    try:
        tree = environment().parse(_blank(source, analysis.resolves), template_name)
    except TemplateSyntaxError as exc:
        analysis.syntax_error = syntax_error(source, exc)
        return analysis
    _Walker(analysis).run(tree)
    return analysis


class _Walker:
    """Walks a Jinja syntax tree: every branch, loop variables and ``set`` aliases resolved."""

    def __init__(self, analysis: TemplateAnalysis) -> None:
        from jinja2 import nodes

        self.n = nodes
        self.out = analysis
        self.assigned: set[str] = set()

    # -- entry -------------------------------------------------------------------------------
    def run(self, tree: Any) -> None:
        n = self.n
        for node in tree.find_all((n.Assign, n.AssignBlock, n.Macro, n.Import, n.FromImport)):
            if isinstance(node, (n.Assign, n.AssignBlock)):
                self.assigned |= self._target_names(node.target)
            elif isinstance(node, n.Macro):
                self.assigned.add(node.name)
            elif isinstance(node, n.Import):
                self.assigned.add(node.target)
            else:
                for name in node.names:
                    self.assigned.add(name[1] if isinstance(name, tuple) else name)
        self.out.locals = frozenset(self.assigned)
        self.stmts(tree.body, [{}], frozenset())

    def _target_names(self, target: Any) -> set[str]:
        if isinstance(target, self.n.Name):
            return {target.name}
        if isinstance(target, self.n.Tuple):
            return {name for item in target.items for name in self._target_names(item)}
        return set()  # NSRef: namespace attribute

    # -- statements --------------------------------------------------------------------------
    def stmts(self, body: list, scopes: list[dict], guards: frozenset) -> None:
        for node in body:
            self.stmt(node, scopes, guards)

    def stmt(self, node: Any, scopes: list[dict], guards: frozenset) -> None:
        n = self.n
        if isinstance(node, n.Output):
            for child in node.nodes:
                if not isinstance(child, n.TemplateData):
                    self.expr(child, scopes, guards)
        elif isinstance(node, n.If):
            inner = guards | self.guards_of(node.test, scopes)
            self.expr(node.test, scopes, guards)
            self.stmts(node.body, scopes, inner)
            for elif_ in node.elif_:
                self.stmt(elif_, scopes, inner)
            self.stmts(node.else_, scopes, inner)
        elif isinstance(node, n.For):
            self.expr(node.iter, scopes, guards)
            scope: dict[str, Any] = dict.fromkeys(_LOOP_LOCALS)
            iter_path = self.path(node.iter, scopes)
            if isinstance(node.target, n.Name) and iter_path is not None:
                scope[node.target.name] = (*iter_path[0], DYNAMIC)
            else:
                scope.update(dict.fromkeys(self._target_names(node.target)))
            inner_scopes = [*scopes, scope]
            if node.test is not None:
                self.expr(node.test, inner_scopes, guards)
            self.stmts(node.body, inner_scopes, guards)
            self.stmts(node.else_, scopes, guards)
        elif isinstance(node, n.Assign):
            self.expr(node.node, scopes, guards)
            value = self.path(node.node, scopes)
            if isinstance(node.target, n.Name) and value is not None:
                scopes[-1][node.target.name] = value[0]
        elif isinstance(node, n.AssignBlock):
            if node.filter is not None:
                self.expr(node.filter, scopes, guards)
            self.stmts(node.body, scopes, guards)
        elif isinstance(node, (n.Macro, n.CallBlock)):
            if isinstance(node, n.CallBlock):
                self.expr(node.call, scopes, guards)
            for default in node.defaults:
                self.expr(default, scopes, guards)
            scope = dict.fromkeys({a.name for a in node.args} | _MACRO_LOCALS)
            self.stmts(node.body, [*scopes, scope], guards)
        elif isinstance(node, n.FilterBlock):
            self.expr(node.filter, scopes, guards)
            self.stmts(node.body, scopes, guards)
        elif isinstance(node, n.With):
            for value in node.values:
                self.expr(value, scopes, guards)
            scope = {}
            for target, value in zip(node.targets, node.values, strict=False):
                found = self.path(value, scopes)
                for name in self._target_names(target):
                    scope[name] = found[0] if found and found[1] is None and isinstance(target, n.Name) else None
            self.stmts(node.body, [*scopes, scope], guards)
        else:
            for child in node.iter_child_nodes():
                if isinstance(child, (n.Stmt, n.Template)):
                    self.stmt(child, scopes, guards)
                elif isinstance(child, n.Expr):
                    self.expr(child, scopes, guards)
                elif isinstance(child, n.Helper):
                    for sub in child.iter_child_nodes():
                        self.expr(sub, scopes, guards)

    # -- expressions -------------------------------------------------------------------------
    def lookup(self, name: str, scopes: list[dict]) -> tuple[bool, Path | None]:
        """(is local, alias path) for ``name``."""
        for scope in reversed(scopes):
            if name in scope:
                return True, scope[name]
        if name in self.assigned or name in JINJA_GLOBALS:
            return True, None
        return False, None

    def path(self, node: Any, scopes: list[dict]) -> tuple[Path, str | None, Path] | None:
        """(resolved path, local name it went through, path as written) of a Name/Getattr/Getitem chain."""
        n = self.n
        parts: list[str | int] = []
        while True:
            if isinstance(node, n.Getattr):
                parts.append(node.attr)
                node = node.node
            elif isinstance(node, n.Getitem):
                arg = node.arg
                if isinstance(arg, n.Const) and isinstance(arg.value, (str, int)) and not isinstance(arg.value, bool):
                    parts.append(arg.value)
                elif isinstance(arg, n.Slice):
                    return None
                else:
                    parts.append(DYNAMIC)
                node = node.node
            elif isinstance(node, n.Name):
                local, alias = self.lookup(node.name, scopes)
                parts.reverse()
                if local:
                    if alias is None:
                        return None
                    return (*alias, *parts), node.name, (node.name, *parts)
                return (node.name, *parts), None, (node.name, *parts)
            else:
                return None

    def record(self, node: Any, scopes: list[dict], guarded: bool, method: str | None = None) -> bool:
        """Record ``node`` as a reference if it is one; True if it was."""
        found = self.path(node, scopes)
        if found is None:
            return False
        path, via, written = found
        self.out.references.append(Reference(path, node.lineno, guarded, method, via, path_text(written)))
        self._dynamic_args(node, scopes)
        return True

    def _dynamic_args(self, node: Any, scopes: list[dict]) -> None:
        n = self.n
        while isinstance(node, (n.Getattr, n.Getitem)):
            if isinstance(node, n.Getitem) and not isinstance(node.arg, n.Const):
                self.expr(node.arg, scopes, frozenset())
            node = node.node

    def is_guarded(self, node: Any, scopes: list[dict], guards: frozenset) -> bool:
        found = self.path(node, scopes)
        if found is None:
            return False
        path = found[0]
        return any(path[: len(g)] == g for g in guards)

    def guards_of(self, test: Any, scopes: list[dict]) -> frozenset:
        """Paths an ``if`` test proves defined: ``x is defined``, ``'k' in x``."""
        n = self.n
        found: set[Path] = set()
        for node in [test, *test.find_all((n.Test, n.Compare))]:
            if isinstance(node, n.Test) and node.name == "defined":
                got = self.path(node.node, scopes)
                if got:
                    found.add(got[0])
            elif isinstance(node, n.Compare) and isinstance(node.expr, n.Const):
                for operand in node.ops:
                    if operand.op == "in":
                        got = self.path(operand.expr, scopes)
                        if got:
                            found.add((*got[0], node.expr.value))
        return frozenset(found)

    def expr(self, node: Any, scopes: list[dict], guards: frozenset, guarded: bool = False) -> None:
        n = self.n
        if node is None:
            return
        if isinstance(node, (n.Name, n.Getattr, n.Getitem)):
            if self.record(node, scopes, guarded or self.is_guarded(node, scopes, guards)):
                return
            if isinstance(node, n.Name):
                return
            # an attribute of something computed: walk into it
            self.expr(node.node, scopes, guards)
            if isinstance(node, n.Getitem):
                self.expr(node.arg, scopes, guards)
            return
        if isinstance(node, n.Call):
            callee = node.node
            if isinstance(callee, n.Getattr) and self.record(
                callee.node, scopes, guarded or self.is_guarded(callee.node, scopes, guards), method=callee.attr
            ):
                pass
            else:
                self.expr(callee, scopes, guards)
            self._args(node, scopes, guards)
            return
        if isinstance(node, n.Filter):
            self._filter(node, scopes, guards, guarded)
            return
        if isinstance(node, n.Test):
            self.expr(node.node, scopes, guards, guarded=guarded or node.name in ("defined", "undefined"))
            self._args(node, scopes, guards)
            return
        if isinstance(node, n.Sub) and self._hyphenated(node, scopes):
            return
        if isinstance(node, n.And):
            self.expr(node.left, scopes, guards, guarded)
            self.expr(node.right, scopes, guards | self.guards_of(node.left, scopes), guarded)
            return
        if isinstance(node, n.CondExpr):
            self.expr(node.test, scopes, guards)
            inner = guards | self.guards_of(node.test, scopes)
            self.expr(node.expr1, scopes, inner, guarded)
            self.expr(node.expr2, scopes, inner, guarded)
            return
        for child in node.iter_child_nodes():
            if isinstance(child, n.Operand):
                self.expr(child.expr, scopes, guards)
            elif isinstance(child, (n.Pair, n.Keyword)):
                for sub in child.iter_child_nodes():
                    self.expr(sub, scopes, guards)
            else:
                self.expr(child, scopes, guards)

    def _args(self, node: Any, scopes: list[dict], guards: frozenset) -> None:
        for arg in node.args:
            self.expr(arg, scopes, guards)
        for kwarg in node.kwargs:
            self.expr(kwarg.value, scopes, guards)
        self.expr(node.dyn_args, scopes, guards)
        self.expr(node.dyn_kwargs, scopes, guards)

    def _filter(self, node: Any, scopes: list[dict], guards: frozenset, guarded: bool) -> None:
        n = self.n
        target = node.node
        inner = target
        while isinstance(inner, n.Filter) and inner.name in ("default", "d"):
            inner = inner.node  # `x | default('') | f` filters x (or its fallback)
        found = self.path(inner, scopes) if inner is not None else None
        literal = None
        if isinstance(target, n.Const):
            literal = type(target.value).__name__
        elif isinstance(target, n.Dict):
            literal = "dict"
        elif isinstance(target, (n.List, n.Tuple)):
            literal = "list"
        self.out.filters.append(FilterUse(node.name, node.lineno, found[0] if found else None, literal))
        self.expr(target, scopes, guards, guarded=guarded or node.name in ("default", "d"))
        self._args(node, scopes, guards)

    def _hyphenated(self, node: Any, scopes: list[dict]) -> bool:
        """``a.b-c`` (a Sub whose right side is an unknown bare name): a hyphenated name."""
        n = self.n
        names: list[str] = []
        while isinstance(node, n.Sub) and isinstance(node.right, n.Name):
            local, _ = self.lookup(node.right.name, scopes)
            if local or node.right.name in ALL_NAMESPACES:
                return False
            names.append(node.right.name)
            node = node.left
        if not names:
            return False
        found = self.path(node, scopes)
        if found is None or not found[0] or not isinstance(found[0][-1], str) or len(found[0]) < 2:
            return False
        path = found[0]
        last = "-".join([str(path[-1]), *reversed(names)])
        self.out.hyphenated.append(HyphenatedName((*path[:-1], last), node.lineno))
        return True


# ---------------------------------------------------------------------------------------------
# The Jinja IaC files of a bundle
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class JinjaFile:
    """A ``rendering_engine: jinja`` IaC file named by a manifest, and the kind that reads it."""

    rel: str  # relative to the bundle root
    kind: TemplateKind
    manifest: str  # the manifest that names it
    index: int  # its entry in ``infrastructure.templates``


def jinja_files(bundle: Any) -> list[JinjaFile]:
    """The Jinja IaC files the bundle's manifests name (legacy ``engine: jinja`` too), in order."""
    import fnmatch
    import posixpath

    out: list[JinjaFile] = []
    for manifest in bundle.manifests:
        folder = posixpath.dirname(manifest)
        kind = TemplateKind.for_folder(folder) if bundle.kind.value != "component" else TemplateKind.COMPONENT
        if kind is None:
            continue
        present = [posixpath.basename(n) for n in bundle.files_in(folder)]
        for index, entry in enumerate(bundle.template_entries(manifest)):
            if entry.get("rendering_engine", entry.get("engine")) != "jinja":
                continue
            name = entry.get("file")
            if not isinstance(name, str):
                continue
            names = [n for n in present if fnmatch.fnmatch(n, name)] if any(c in name for c in "*?[") else [name]
            for file in names:
                rel = posixpath.join(folder, file) if folder else file
                if file != "manifest.yaml" and bundle.has(rel) and all(f.rel != rel for f in out):
                    out.append(JinjaFile(rel, kind, manifest, index))
    return out
