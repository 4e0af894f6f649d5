"""Rules that are data: YAML rule packs whose rules are JSON Schemas over one target document.

A pack is a YAML file with a ``rules:`` list. Each rule::

    - id: PL203
      slug: manifest-legacy-engine-key
      severity: error
      summary: The manifest uses the pre-GA key `engine:`.
      target: manifest            # manifest | schema | schema-node | component-manifest
      when: {kind: [service]}     # optional: kind, engine, customer_managed, layout
      message: "`engine:` was replaced by `rendering_engine:`"   # {error} {key} {value} {missing} {expected} {count}
      messages: {required: "..."}   # per JSON Schema keyword, overrides message
      empty: "the manifest is empty"   # optional: the finding for a document with no content
      schema: {...}               # JSON Schema (2020-12) the target document must satisfy
      what/why/fix/source: ...    # the doc
      proton_refuses: registration  # registration | deployment | never (default; see rules.Rule)
      proton_refuses_source: "..."  # the evidence: API reference, user guide or botocore model
      base: environment
      bad: {files: {...}}
      good: {files: {...}}

Every validation error becomes one finding, located at the failing node (for ``propertyNames``
errors, at the offending key). Target ``schema-node`` applies the JSON Schema to every type and
property definition of the schema file (at any depth), so rules about keywords need no recursion.
A document with no content (empty, a byte-order mark, only comments or ``null``) is reported, at
line 1, by the rules that give an ``empty:`` message; the others skip it.

Results are memoised per document text within a run: real repositories repeat the same manifest in
many bundles, and a document's findings depend only on its text and the bundle's kind.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cached_property
from pathlib import Path
from typing import Any

from proton_lint.bundle import SCHEMA_FILE, Bundle, BundleKind
from proton_lint.errors import UserError
from proton_lint.files import NO_LIMIT, read_regular
from proton_lint.findings import Finding, Severity, Span
from proton_lint.rules import EXAMPLE_BASES, Example, Rule
from proton_lint.schema import type_nodes
from proton_lint.source import parse_yaml

TARGETS = ("manifest", "schema", "schema-node", "component-manifest")

#: The shape of a rule pack entry, checked before any rule of the pack is used.
PACK_SCHEMA: dict = {
    "type": "object",
    "required": ["rules"],
    "properties": {
        "rules": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "slug", "severity", "summary", "target", "schema"],
                "additionalProperties": False,
                "properties": {
                    "id": {"type": "string"},
                    "slug": {"type": "string"},
                    "severity": {"enum": ["error", "warning", "info"]},
                    "summary": {"type": "string"},
                    "target": {"enum": list(TARGETS)},
                    "when": {
                        "type": "object",
                        "additionalProperties": False,
                        "properties": {
                            "kind": {"type": "array", "items": {"enum": [k.value for k in BundleKind]}},
                            "engine": {"type": "array", "items": {"type": "string"}},
                            "customer_managed": {"type": "boolean"},
                            "layout": {"type": "array", "items": {"type": "string"}},
                        },
                    },
                    "message": {"type": "string"},
                    "messages": {"type": "object", "additionalProperties": {"type": "string"}},
                    "empty": {"type": "string"},
                    "schema": {"type": ["object", "boolean"]},
                    "what": {"type": "string"},
                    "why": {"type": "string"},
                    "fix": {"type": "string"},
                    "source": {"type": "string"},
                    "proton_refuses": {"enum": ["registration", "deployment", "never"]},
                    "proton_refuses_source": {"type": "string"},
                    "base": {"enum": list(EXAMPLE_BASES)},
                    "bad": {"$ref": "#/$defs/example"},
                    "good": {"$ref": "#/$defs/example"},
                },
            },
        }
    },
    "$defs": {
        "example": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "files": {"type": "object", "additionalProperties": {"type": ["string", "null"]}},
                "location": {"type": "string"},
                "archive": {"type": "boolean"},
            },
        }
    },
}


class RulePackError(UserError, ValueError):
    """A rule pack that cannot be loaded (exit code 2)."""


def _example(data: dict | None) -> Example:
    data = data or {}
    return Example(
        files=dict(data.get("files", {})),
        location=data.get("location"),
        archive=bool(data.get("archive", False)),
    )


class DataRule(Rule):
    """A rule defined by a JSON Schema over a manifest or schema file."""

    def __init__(self, spec: dict, origin: str, *, checked: bool = False) -> None:
        """``checked``: the rule's JSON Schema is known to be valid (built-in packs, checked by the tests)."""
        from jsonschema import Draft202012Validator

        self.id = spec["id"]
        self.slug = spec["slug"]
        self.severity = Severity.parse(spec["severity"])
        self.summary = spec["summary"]
        self.rule_target = spec["target"]
        self.when = spec.get("when", {})
        self.message = spec.get("message", "{error}")
        #: per JSON Schema keyword (``required``, ``enum``, ...): a message template for its errors
        self.messages = spec.get("messages", {})
        #: the message for a document with no content; None: such a document is not this rule's business
        self.empty: str | None = spec.get("empty")
        self.what = spec.get("what", "")
        self.why = spec.get("why", "")
        self.fix = spec.get("fix", "")
        self.source = spec.get("source", "")
        self.proton_refuses = spec.get("proton_refuses", "never")
        self.proton_refuses_source = spec.get("proton_refuses_source", "")
        self.base = spec.get("base", "environment")
        self.bad = _example(spec.get("bad"))
        self.good = _example(spec.get("good"))
        self.origin = origin
        if not checked:
            Draft202012Validator.check_schema(spec["schema"])
        self.schema = spec["schema"]
        self.validator = Draft202012Validator(spec["schema"])
        self._memo: dict[str, list[tuple[tuple, bool, str]]] = {}

    @cached_property
    def is_valid(self) -> Any:
        """A fast yes/no check, compiled on first use (a run that hits the cache never needs it)."""
        return _fast_is_valid(self.schema) or self.validator.is_valid

    def applies(self, bundle: Bundle) -> bool:
        when = self.when
        if "kind" in when and bundle.kind.value not in when["kind"]:
            return False
        if "customer_managed" in when and bundle.customer_managed != when["customer_managed"]:
            return False
        if "layout" in when and bundle.layout not in when["layout"]:
            return False
        return not ("engine" in when and not (bundle.engines() & set(when["engine"])))

    def _documents(self, bundle: Bundle) -> list[str]:
        if self.rule_target in ("schema", "schema-node"):
            return [SCHEMA_FILE] if bundle.has(SCHEMA_FILE) else []
        if self.rule_target == "component-manifest":
            return bundle.manifests if bundle.kind is BundleKind.COMPONENT else []
        return bundle.manifests

    def _targets(self, data: Any) -> Iterable[tuple[tuple, Any]]:
        """The (logical path, instance) pairs to validate in one document."""
        if self.rule_target != "schema-node":
            yield (), data
            return
        root = data.get("schema") if isinstance(data, dict) else None
        if isinstance(root, dict):
            yield from type_nodes(root)

    def _errors(self, data: Any) -> list[tuple[tuple, bool, str]]:
        """(path, points at a key, message) for every error in one document."""
        out: list[tuple[tuple, bool, str]] = []
        for base, instance in self._targets(data):
            if self.is_valid(instance):
                continue
            for error in self.validator.iter_errors(instance):
                path = (*base, *error.absolute_path)
                on_key = "propertyNames" in error.absolute_schema_path
                if on_key:
                    path = (*path, error.instance)
                key = path[-1] if path else ""
                template = self.messages.get(str(error.validator), self.message)
                message = template.format(
                    error=error.message,
                    key=key,
                    value=_short(error.instance),
                    missing=_missing(error),
                    expected=_expected(error),
                    count=len(error.instance) if isinstance(error.instance, (list, dict, str)) else "",
                )
                item = (path, on_key or _is_key_error(error), message)
                if item not in out:
                    out.append(item)
        return out

    def check(self, bundle: Bundle) -> Iterable[Finding]:
        for rel in self._documents(bundle):
            doc = bundle.yaml(rel)
            if doc is not None and doc.ok and doc.data is None and self.empty:
                yield self.finding(bundle, rel, self.empty, span=Span(1, 1))
                continue
            if doc is None or not doc.ok or doc.data is None:
                continue  # PL106 reports unreadable YAML; schemas cannot judge it
            cached = self._memo.get(doc.text)
            if cached is None:
                cached = self._memo[doc.text] = self._errors(doc.data)
            for path, on_key, message in cached:
                yield self.finding(bundle, rel, message, at=path, key=on_key)

    def reset(self) -> None:
        """Forget memoised results (called at the start of every run)."""
        self._memo.clear()


#: Keywords newer than draft 7, which fastjsonschema would silently ignore.
_NEWER_KEYWORDS = frozenset(
    {
        "minContains",
        "maxContains",
        "dependentRequired",
        "dependentSchemas",
        "prefixItems",
        "unevaluatedItems",
        "unevaluatedProperties",
        "$dynamicRef",
        "$dynamicAnchor",
        "$anchor",
    }
)


def _keywords(schema: Any) -> set[str]:
    if isinstance(schema, dict):
        found = set(schema)
        for value in schema.values():
            found |= _keywords(value)
        return found
    if isinstance(schema, list):
        return set().union(*(_keywords(v) for v in schema)) if schema else set()
    return set()


def _fast_is_valid(schema: Any) -> Any:
    """A compiled yes/no validator for the common case (a valid document), or None.

    Most documents are valid, and jsonschema's interpreter is slow; fastjsonschema compiles the
    schema to Python once. Only schemas within draft 7 are compiled, so that a "valid" answer is
    never wrong; errors are still reported (with paths) by jsonschema.
    """
    if _keywords(schema) & _NEWER_KEYWORDS:
        return None
    import fastjsonschema

    try:
        check = fastjsonschema.compile({"$schema": "http://json-schema.org/draft-07/schema#", **schema})
    except Exception:  # noqa: BLE001 - anything fastjsonschema cannot compile uses jsonschema
        return None

    def is_valid(instance: Any) -> bool:
        try:
            check(instance)
        except fastjsonschema.JsonSchemaException:
            return False
        except Exception:  # noqa: BLE001 - e.g. unhashable values: let jsonschema decide
            return False
        return True

    return is_valid


def _is_key_error(error: Any) -> bool:
    """Errors about a forbidden key point at the key, not at its value."""
    return error.validator in ("not", "false") or error.schema is False


_YAML_TYPE_NAMES = {
    "object": "mapping",
    "array": "list",
    "string": "string",
    "number": "number",
    "integer": "whole number",
    "boolean": "boolean",
    "null": "null",
}


def _expected(error: Any) -> str:
    """For ``type`` errors: what was expected, in YAML's words (a mapping, a list)."""
    if error.validator != "type":
        return ""
    wanted = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
    return " or ".join(_YAML_TYPE_NAMES.get(str(t), str(t)) for t in wanted)


def _missing(error: Any) -> str:
    """For ``required`` errors: the missing property's name."""
    if error.validator == "required":
        return str(error.message).split("'")[1] if "'" in error.message else ""
    return ""


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def load_pack(path: Path | Any, origin: str | None = None, *, checked: bool = False) -> list[DataRule]:
    """Load one YAML rule pack (a Path or an importlib.resources Traversable).

    ``checked``: the pack is proton-lint's own, validated by its test suite, so loading skips the
    schema checks (they cost a third of a second at every start).
    """
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError

    name = str(path)
    try:  # a pack in the repository could be a FIFO: read regular files only
        doc = parse_yaml(read_regular(path, NO_LIMIT) if isinstance(path, Path) else path.read_bytes())
    except OSError as exc:
        raise RulePackError(f"{name}: cannot read the rule pack: {exc.strerror}") from None
    if doc.problems:
        problem = doc.problems[0]
        raise RulePackError(f"{name}:{problem.span.line}: {problem.message}")
    validator = Draft202012Validator(PACK_SCHEMA)
    errors = [] if checked else sorted(validator.iter_errors(doc.data), key=lambda e: list(e.absolute_path))
    if errors:
        err = errors[0]
        line = doc.span_of(tuple(err.absolute_path)).line
        raise RulePackError(f"{name}:{line}: {err.message}")
    rules = []
    for i, spec in enumerate(doc.data["rules"]):
        try:
            rules.append(DataRule(spec, origin or name, checked=checked))
        except SchemaError as exc:
            line = doc.span_of(("rules", i, "schema")).line
            raise RulePackError(f"{name}:{line}: rule {spec['id']} has an invalid JSON Schema: {exc.message}") from None
    return rules


def pack_files(location: Path | Any) -> list[Any]:
    """The ``*.yaml`` files of a pack location (a file, or a folder's files in name order)."""
    if location.is_file():
        return [location]
    return sorted((p for p in location.iterdir() if p.name.endswith((".yaml", ".yml"))), key=lambda p: p.name)
