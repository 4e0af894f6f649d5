"""Proton's schema files: walking their type definitions, and translating them to JSON Schema.

Proton's ``schema/schema.yaml`` is an OpenAPI 3.0 "Data Models" subset: types under
``schema.types``, properties with OpenAPI keywords, references written ``$ref: "#/TypeName"``.
``to_json_schema`` turns a type or property into JSON Schema (2020-12) so that jsonschema can
validate values; ``pattern`` is matched with ECMA-262 semantics (``regress``), as OpenAPI says.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import Any

Path = tuple[str | int, ...]

#: Keywords that describe but never constrain a value.
_ANNOTATIONS = frozenset(
    {"title", "description", "example", "readOnly", "writeOnly", "deprecated", "discriminator", "xml", "externalDocs"}
)


def schema_nodes(node: Any, path: Path) -> Iterator[tuple[Path, dict]]:
    """Every schema mapping at and below ``node``: nested properties, items and combinators."""
    if not isinstance(node, dict):
        return
    yield path, node
    props = node.get("properties")
    if isinstance(props, dict):
        for name, child in props.items():
            yield from schema_nodes(child, (*path, "properties", name))
    if "items" in node:
        yield from schema_nodes(node["items"], (*path, "items"))
    for keyword in ("allOf", "anyOf", "oneOf"):
        if isinstance(node.get(keyword), list):
            for i, child in enumerate(node[keyword]):
                yield from schema_nodes(child, (*path, keyword, i))


def type_nodes(schema_root: dict) -> Iterator[tuple[Path, dict]]:
    """Every schema mapping of every type under ``schema.types``, with its logical path."""
    types = schema_root.get("types")
    if not isinstance(types, dict):
        return
    for name, node in types.items():
        yield from schema_nodes(node, ("schema", "types", name))


@lru_cache(maxsize=1024)
def ecma_regex_error(pattern: str) -> str | None:
    """Why ``pattern`` is not a valid ECMA-262 regular expression, or None if it is."""
    import regress

    try:
        regress.Regex(pattern)
    except Exception as exc:  # noqa: BLE001 - regress raises its own error types
        return str(exc) or type(exc).__name__
    return None


def ref_target(ref: Any) -> str | None:
    """The type name of a Proton reference ``#/TypeName``; None for any other form."""
    if isinstance(ref, str) and ref.startswith("#/") and "/" not in ref[2:] and len(ref) > 2:
        return ref[2:]
    return None


def to_json_schema(node: Any, types: dict | None = None) -> Any:
    """Translate an OpenAPI 3.0 schema node (Proton's subset) to JSON Schema 2020-12."""
    types = types or {}
    defs: dict[str, Any] = {}

    def convert(value: Any) -> Any:
        if isinstance(value, list):
            return [convert(v) for v in value]
        if not isinstance(value, dict):
            return value
        out: dict[str, Any] = {}
        for key, child in value.items():
            if key in _ANNOTATIONS or (isinstance(key, str) and key.startswith("x-")) or key == "nullable":
                continue
            if key == "$ref":
                name = ref_target(child)
                if name is not None and name in types and isinstance(types[name], dict):
                    if name not in defs:
                        defs[name] = {}
                        defs[name] = convert(types[name])
                    out["$ref"] = f"#/$defs/{name}"
                continue
            if key in ("exclusiveMinimum", "exclusiveMaximum") and isinstance(child, bool):
                bound = value.get("minimum" if key == "exclusiveMinimum" else "maximum")
                if child and isinstance(bound, (int, float)):
                    out[key] = bound
                continue
            if key == "properties" and isinstance(child, dict):
                out[key] = {name: convert(sub) for name, sub in child.items()}
            elif key in ("items", "not", "additionalProperties") or key in ("allOf", "anyOf", "oneOf"):
                out[key] = convert(child)
            else:
                out[key] = child
        if value.get("nullable") is True and isinstance(out.get("type"), str):
            out["type"] = [out["type"], "null"]
        if value.get("exclusiveMinimum") is True and "exclusiveMinimum" in out:
            out.pop("minimum", None)
        if value.get("exclusiveMaximum") is True and "exclusiveMaximum" in out:
            out.pop("maximum", None)
        return out

    result = convert(node)
    if defs and isinstance(result, dict):
        result["$defs"] = defs
    return result


#: Seconds one pattern match may take. Patterns come from untrusted repositories, and a
#: backtracking pattern such as ``^(a+)+$`` must not hang the linter.
MATCH_TIMEOUT = 0.25


@lru_cache(maxsize=1024)
def _matcher(pattern: str) -> Any:
    """A compiled pattern whose ``search`` takes a timeout (the ``regex`` module), or None.

    regress decides whether a pattern is valid ECMA-262; matching uses ``regex``, whose syntax
    agrees with ECMA for the patterns schemas use (classes, groups, quantifiers, anchors) and
    which, unlike regress and ``re``, can stop a runaway match.
    """
    import regex

    try:
        return regex.compile(pattern, regex.V0)
    except (regex.error, ValueError, OverflowError, RecursionError):
        return None


@lru_cache(maxsize=1)
def _validator_class() -> Any:
    from jsonschema import Draft202012Validator, validators
    from jsonschema.exceptions import ValidationError

    def ecma_pattern(validator: Any, pattern: Any, instance: Any, _schema: Any) -> Iterator[ValidationError]:
        if not validator.is_type(instance, "string") or not isinstance(pattern, str):
            return
        if ecma_regex_error(pattern) is not None:
            return  # PL311 reports the pattern itself
        compiled = _matcher(pattern)
        if compiled is None:
            return  # valid ECMA but not expressible in the matcher: not judged
        try:
            found = compiled.search(instance, timeout=MATCH_TIMEOUT)
        except TimeoutError:
            yield ValidationError(
                f"matching {instance!r} against {pattern!r} took over {MATCH_TIMEOUT} s "
                "(catastrophic backtracking); simplify the pattern"
            )
            return
        if found is None:
            yield ValidationError(f"{instance!r} does not match {pattern!r}")

    return validators.extend(Draft202012Validator, {"pattern": ecma_pattern})


def validator_for(json_schema: Any) -> Any:
    """A jsonschema validator for a translated schema, with ECMA ``pattern`` semantics."""
    return _validator_class()(json_schema)
