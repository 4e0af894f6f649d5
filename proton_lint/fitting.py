"""Synthetic inputs that suit the CloudFormation property they land in.

An input with no default and no sample value is rendered with a synthetic value
(:func:`proton_lint.spec.synthetic_value`): it satisfies the input's own schema, but not what
CloudFormation expects where the template puts it (``sample-image`` as an App Runner
``ImageIdentifier``, whose pattern wants an ECR image). cfn-lint would then report the linter's
invention, not the template. This module finds, in a first rendering, the resource properties
that hold an invented value as a whole, reads those properties' constraints from cfn-lint's
resource schemas (enum, pattern, lengths, cfn-lint's ``format`` keywords) and makes a value that
meets both them and the input's schema; the bundle is then rendered again with those values.
Findings that still fall on a line holding an invented value are reported as info
(proton_lint.checks.rendered), so the two measures together keep invented values from ever
making an error.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from proton_lint.spec import Fits, _deref, _properties, input_type, synthetic_string

#: How the namespace a template reads an input type's values under is written.
NAMESPACES = {
    "environment_input_type": "environment.inputs",
    "service_input_type": "service_instance.inputs",
    "pipeline_input_type": "pipeline.inputs",
}


@dataclass(frozen=True)
class Invented:
    """One input value the linter made up for a rendering."""

    type_key: str  # the schema key of its input type: "service_input_type"
    name: str  # the dotted input name: "image", "network.vpc_id"
    shown: str  # as a template reads it: "service_instance.inputs.image"
    value: Any


def invented(values: dict, type_key: str, namespace: str | None = None) -> list[Invented]:
    """``values`` (dotted name -> value, from ``resolve_inputs(invented=...)``) as :class:`Invented`."""
    prefix = namespace or NAMESPACES.get(type_key, "inputs")
    return [Invented(type_key, name, f"{prefix}.{name}", value) for name, value in values.items()]


def texts(made: Iterable[Invented]) -> Iterator[tuple[Invented, str]]:
    """The invented values as they appear in rendered text: strings, and the members of lists."""
    for item in made:
        values = item.value if isinstance(item.value, list) else [item.value]
        for value in values:
            if isinstance(value, str) and value:
                yield item, value


# -- where an invented value lands ---------------------------------------------------------------
def landing_spots(text: str, wanted: set[str]) -> list[tuple[str, str, tuple]]:
    """(value, resource type, property path) for each resource property of the rendered template
    ``text`` whose whole value is one of ``wanted``; intrinsic functions are not looked into."""
    template = _decoded(text)
    resources = template.get("Resources") if isinstance(template, dict) else None
    found: list[tuple[str, str, tuple]] = []
    for body in resources.values() if isinstance(resources, dict) else ():
        kind = body.get("Type") if isinstance(body, dict) else None
        props = body.get("Properties") if isinstance(body, dict) else None
        if isinstance(kind, str) and isinstance(props, dict):
            found += [(value, str(kind), path) for path, value in _strings(props, ()) if value in wanted]
    return found


def node_at(text: str, path: tuple) -> Any:
    """The node at a cfn-lint path (``Resources/Bucket/Properties/BucketName``) of a rendered template."""
    node: Any = _decoded(text)
    for step in path:
        if isinstance(node, dict):
            node = node.get(step)
        elif isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node):
            node = node[step]
        else:
            return None
    return node


@lru_cache(maxsize=8)
def _decoded(text: str) -> Any:
    """The rendered template as cfn-lint reads it (intrinsic functions as ``{"Ref": ...}``), or None."""
    from cfnlint.decode.decode import decode_str

    try:
        template, errors = decode_str(text)
    except Exception:  # noqa: BLE001 - a template cfn-lint cannot read: PL602 reports it
        return None
    return None if errors else template


def _strings(node: Any, path: tuple) -> Iterator[tuple[tuple, str]]:
    if isinstance(node, str):
        yield path, str(node)
    elif isinstance(node, dict):
        if len(node) == 1 and (next(iter(node)) == "Ref" or str(next(iter(node))).startswith("Fn::")):
            return  # an intrinsic function: its arguments are not the property's value
        for key, value in node.items():
            yield from _strings(value, (*path, str(key)))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _strings(value, (*path, i))


# -- what the property wants ---------------------------------------------------------------------
def property_schema(resource_type: str, path: tuple, region: str = "us-east-1") -> dict | None:
    """The JSON Schema of a resource property in cfn-lint's resource schemas (None: unknown)."""
    schema = _resource_schema(resource_type, region)
    node: Any = schema
    for step in path:
        node = _resolve(node, schema)
        if not isinstance(node, dict):
            return None
        node = node.get("items") if isinstance(step, int) else (node.get("properties") or {}).get(step)
    node = _resolve(node, schema)
    return node if isinstance(node, dict) else None


@lru_cache(maxsize=256)
def _resource_schema(resource_type: str, region: str) -> dict | None:
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

    try:
        return PROVIDER_SCHEMA_MANAGER.get_resource_schema(region, resource_type).schema
    except Exception:  # noqa: BLE001 - an unknown or custom resource type: nothing to fit
        return None


def _resolve(node: Any, schema: dict | None) -> Any:
    """Follow local ``$ref``s (``#/definitions/X``) of a resource schema."""
    for _ in range(16):
        ref = node.get("$ref") if isinstance(node, dict) else None
        if not isinstance(ref, str) or not ref.startswith("#/") or schema is None:
            return node
        target: Any = schema
        for part in ref[2:].split("/"):
            target = target.get(part) if isinstance(target, dict) else None
        node = target
    return node


@lru_cache(maxsize=1)
def format_patterns() -> dict[str, str]:
    """cfn-lint's ``format`` keywords (``AWS::EC2::VPC.Id``) with the pattern each checks."""
    from cfnlint.rules import formats
    from cfnlint.rules.formats.FormatKeyword import FormatKeyword

    for module in pkgutil.iter_modules(formats.__path__):
        importlib.import_module(f"{formats.__name__}.{module.name}")
    found: dict[str, str] = {}
    for cls in FormatKeyword.__subclasses__():
        try:
            rule = cls()
        except Exception:  # noqa: BLE001 - a rule that needs arguments: skip it
            continue
        keyword, pattern = getattr(rule, "format_keyword", None), getattr(rule, "pattern", None)
        if isinstance(keyword, str) and isinstance(pattern, str) and pattern:
            found[keyword] = pattern
    return found


def fitted_value(target: dict, own: dict | None, name: str, hint: str = "", seed: int = 0) -> str | None:
    """A string meeting the property schema ``target`` and the input's own schema ``own``; None
    when ``target`` asks for nothing a string can show, or no such string was found.

    The enum's values come first; else a realistic value for ``hint`` (the property's name, or
    the resource its ``format`` names: ``vpc-0a1b...`` for ``AWS::EC2::VPC.Id``), else a string
    generated from the pattern.
    """
    from proton_lint.contexts import fake_output

    enum = [v for v in target.get("enum", ()) if isinstance(v, str)] if isinstance(target.get("enum"), list) else []
    candidates = list(enum)
    wanted = _wanted(target)
    if not candidates and len(wanted) > 1:
        keyword = target.get("format") if isinstance(target.get("format"), str) else ""
        hints = [keyword.rpartition("::")[2].replace(".", ""), hint] if keyword else [hint]
        candidates += [fake_output(h, owner=name) for h in hints if h]
        candidates.append(synthetic_string(wanted, name, seed=seed))
    fitting = (c for c in candidates if _meets(wanted, c) and (own is None or _meets(own, c)))
    return next(fitting, None)


def suits(target: dict, value: str) -> bool:
    """``value`` already meets the property schema ``target``."""
    enum = target.get("enum")
    return (not isinstance(enum, list) or value in enum) and _meets(_wanted(target), value)


def _wanted(target: dict) -> dict:
    """The string constraints of a property schema, its ``format`` turned into cfn-lint's pattern."""
    pattern = format_patterns().get(target["format"]) if isinstance(target.get("format"), str) else None
    pattern = pattern or (target.get("pattern") if isinstance(target.get("pattern"), str) else None)
    lengths = {k: target[k] for k in ("minLength", "maxLength") if isinstance(target.get(k), int)}
    return {"type": "string", **lengths, **({"pattern": pattern} if pattern else {})}


def _meets(prop: dict, value: str) -> bool:
    """``value`` meets the string constraints of ``prop``: enum, lengths, pattern."""
    from proton_lint.spec import _matches

    if isinstance(prop.get("enum"), list) and value not in prop["enum"]:
        return False
    if isinstance(prop.get("minLength"), int) and len(value) < prop["minLength"]:
        return False
    if isinstance(prop.get("maxLength"), int) and len(value) > prop["maxLength"]:
        return False
    pattern = prop.get("pattern")
    return not isinstance(pattern, str) or _matches(pattern, value)


def input_property(schema_root: dict, type_key: str, dotted: str) -> dict | None:
    """The schema of input ``dotted`` (``network.vpc_id``) of the input type ``type_key``."""
    types = schema_root.get("types") if isinstance(schema_root.get("types"), dict) else {}
    _name, node = input_type(schema_root, type_key)
    for part in dotted.split("."):
        node = _deref(_properties(node).get(part), types) if isinstance(node, dict) else None
    return node if isinstance(node, dict) else None


def fits(renderings: Iterable[Any], schema_root: dict, region: str = "us-east-1") -> Fits:
    """Values for the invented string inputs of ``renderings`` that suit where they land.

    A value that lands in two properties asking for different things keeps the first fit.
    """
    out: Fits = {}
    for rendering in renderings:
        text = rendering.result.text if rendering.result.ok else None
        by_text = {value: item for item, value in texts(rendering.invented) if not isinstance(item.value, list)}
        if text is None or not by_text:
            continue
        for value, resource_type, path in landing_spots(text, set(by_text)):
            item = by_text[value]
            if item.name in out.get(item.type_key, {}):
                continue
            target = property_schema(resource_type, path, region)
            if target is None or suits(target, value):
                continue
            own = input_property(schema_root, item.type_key, item.name)
            hint = next((str(step) for step in reversed(path) if isinstance(step, str)), "")
            fitted = fitted_value(target, own, item.name, hint)
            if fitted is not None and fitted != value:
                out.setdefault(item.type_key, {})[item.name] = fitted
    return out
