"""The resource catalogue: which CloudFormation resource types exist, what they take and what they return.

It is read from the resource provider schemas cfn-lint ships (``cfnlint/data/schemas/providers``,
through cfn-lint's ``PROVIDER_SCHEMA_MANAGER``): nothing is vendored or fetched. cfn-lint loads a
Region's type list and each schema on first use and caches them; the lookups here are cached too, so
a deployment pays for the types it uses, once per process.

:func:`check` validates a template the way CloudFormation does before it creates anything, with
CloudFormation's own words:

* a type that does not exist in the Region: ``Template format error: Unrecognized resource types:
  [AWS::SQS::Queueue]`` (CreateStack refuses the template; nothing is created);
* a ``Ref``, ``Fn::GetAtt`` or ``${...}`` to a resource or parameter the template does not declare:
  ``Template format error: Unresolved resource dependencies [Name] in the Resources block of the
  template``;
* ``Fn::GetAtt`` of an attribute the type does not have (its schema's ``readOnlyProperties``):
  ``Template error: resource Zone does not support attribute type Nameservers in Fn::GetAtt``;
* a required property missing: ``Properties validation failed for resource Queue with message: #:
  required key [Name] not found``; a property the type does not have: ``Encountered unsupported
  property Nmae`` (resource errors: CloudFormation fails the resource and rolls the stack back).
* an ``AWS::Lambda::Function`` whose ``Runtime`` AWS has blocked (cfn-lint's
  ``LmbdRuntimeLifecycle.json`` dates, against the emulator's clock): Lambda's own
  ``InvalidParameterValueException`` wording. A function created after the runtime's
  ``create-block`` date fails; an existing one changed after its ``update-block`` date fails.

Resources with a ``Condition`` are not property-checked (whether CloudFormation creates them
depends on parameters); ``Custom::`` types and ``AWS::CloudFormation::CustomResource`` take any
property. :data:`ENABLED` turns the checks off (for the benchmark's before/after comparison only).
"""

from __future__ import annotations

import importlib.util
import json
import re
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

#: Validate templates against the catalogue (the benchmark turns it off to measure its cost).
ENABLED = True

_FALLBACK_REGION = "us-east-1"
_PSEUDO = frozenset(
    {
        "AWS::AccountId",
        "AWS::NotificationARNs",
        "AWS::NoValue",
        "AWS::Partition",
        "AWS::Region",
        "AWS::StackId",
        "AWS::StackName",
        "AWS::URLSuffix",
    }
)
_SUB_NAME = re.compile(r"\$\{([^!}][^}]*)\}")


class CatalogueError(Exception):
    """The template is one CloudFormation refuses; the message is CloudFormation's."""

    def __init__(self, message: str, resource: tuple[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        #: (logical ID, type) of the resource CloudFormation fails; None for a template format error
        #: (CreateStack/UpdateStack refuse the template itself)
        self.resource = resource


def _manager() -> Any:
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

    return PROVIDER_SCHEMA_MANAGER


@lru_cache(maxsize=1)
def _cfnlint_data() -> Path | None:
    """cfn-lint's ``data`` folder, found without importing cfn-lint (which takes seconds)."""
    spec = importlib.util.find_spec("cfnlint")
    for location in list(spec.submodule_search_locations or []) if spec is not None else []:
        folder = Path(location) / "data"
        if (folder / "schemas" / "providers").is_dir() and (folder / "schemas" / "resources").is_dir():
            return folder
    return None


_TYPE_ENTRY = re.compile(r'^\s*"([A-Za-z0-9:]+)":\s*"([0-9a-f]+)",?\s*$', re.MULTILINE)


@lru_cache(maxsize=32)
def _region_table(region: str) -> dict[str, str] | None:
    """cfn-lint's ``providers/<region>.py`` table of resource type -> schema file, read as text
    (its ``"AWS::X::Y": "<hash>",`` lines; importing or parsing the module takes a third of a second)."""
    folder = _cfnlint_data()
    if folder is None:
        return None
    try:
        text = (folder / "schemas" / "providers" / f"{region.replace('-', '_')}.py").read_text(encoding="utf-8")
    except OSError:
        return None
    return dict(_TYPE_ENTRY.findall(text)) or None


@lru_cache(maxsize=64)
def _region(region: str) -> str:
    """``region`` when cfn-lint ships schemas for it, else us-east-1."""
    if _region_table(region) is not None:
        return region
    if _cfnlint_data() is not None:
        return _FALLBACK_REGION
    try:
        _manager().get_resource_types(region)
    except Exception:  # noqa: BLE001 - an unknown Region: its module does not exist
        return _FALLBACK_REGION
    return region


@lru_cache(maxsize=64)
def resource_types(region: str) -> frozenset[str]:
    """Every resource type CloudFormation knows in ``region``."""
    table = _region_table(_region(region))
    if table is not None:
        return frozenset(table)
    return frozenset(_manager().get_resource_types(_region(region)))


def _schema_file(region: str, type_name: str) -> dict[str, Any] | None:
    table, folder = _region_table(region), _cfnlint_data()
    if table is None or folder is None or type_name not in table:
        return None
    try:
        return dict(json.loads((folder / "schemas" / "resources" / f"{table[type_name]}.json").read_text("utf-8")))
    except (OSError, ValueError):
        return None


def is_custom(type_name: str) -> bool:
    return type_name.startswith("Custom::") or type_name == "AWS::CloudFormation::CustomResource"


def exists(region: str, type_name: str) -> bool:
    return is_custom(type_name) or type_name.endswith("::MODULE") or type_name in resource_types(region)


@lru_cache(maxsize=1024)
def schema(region: str, type_name: str) -> dict[str, Any] | None:
    """The provider schema of ``type_name`` in ``region`` (us-east-1's when the Region lacks it), or None."""
    for where in (_region(region), _FALLBACK_REGION):
        found = _schema_file(where, type_name)
        if found is not None:
            return found
    if _region_table(_region(region)) is not None:
        return None  # cfn-lint's tables answered: no such type
    for where in (_region(region), _FALLBACK_REGION):
        try:
            return dict(_manager().get_resource_schema(where, type_name).schema)
        except Exception:  # noqa: BLE001 - an unknown type: try the next Region, else no schema
            continue
    return None


@lru_cache(maxsize=1024)
def attributes(region: str, type_name: str) -> dict[str, str]:
    """``Fn::GetAtt`` attribute names of ``type_name`` -> their JSON pointer in its schema."""
    try:
        return dict(_manager().get_type_getatts(type_name, _region(region)))
    except Exception:  # noqa: BLE001 - no schema: no attributes known
        return {}


def attribute_schema(region: str, type_name: str, attribute: str) -> dict[str, Any]:
    """The schema of one read-only attribute (its ``type``, ``pattern``...), ``{}`` when unknown."""
    root = schema(region, type_name) or {}
    pointer = attributes(region, type_name).get(attribute, "")
    node: Any = root
    for part in pointer.lstrip("/").split("/") if pointer else []:
        node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/"):
            target: Any = root
            for step in node["$ref"][2:].split("/"):
                target = target.get(step) if isinstance(target, dict) else None
            node = target
    return node if isinstance(node, dict) else {}


# -- checks ----------------------------------------------------------------------------------------
def check(template: dict[str, Any], region: str, today: date, previous: dict[str, Any] | None = None) -> None:
    """Raise :class:`CatalogueError` with CloudFormation's message for the first thing it would refuse."""
    if not ENABLED:
        return
    resources = template.get("Resources")
    if not isinstance(resources, dict):
        return
    _check_types(resources, region)
    _check_references(template, resources, region)
    before = (previous or {}).get("Resources") if isinstance(previous, dict) else None
    for name, body in resources.items():
        if isinstance(body, dict) and "Condition" not in body:
            _check_properties(str(name), body, region)
            _check_runtime(str(name), body, before if isinstance(before, dict) else {}, today)


def _check_types(resources: dict[str, Any], region: str) -> None:
    unknown: list[str] = []
    for body in resources.values():
        type_name = body.get("Type") if isinstance(body, dict) else None
        if not isinstance(type_name, str) or not type_name:
            raise CatalogueError(
                "Template format error: [/Resources] Every Resources object must contain a Type member."
            )
        if not exists(region, type_name) and type_name not in unknown:
            unknown.append(type_name)
    if unknown:
        raise CatalogueError(f"Template format error: Unrecognized resource types: [{', '.join(unknown)}]")


def _references(node: Any, depth: int = 0) -> list[tuple[str, str | None]]:
    """(name, attribute or None) of every Ref, Fn::GetAtt and ${...} in ``node``."""
    if depth > 64:
        return []
    found: list[tuple[str, str | None]] = []
    if isinstance(node, dict):
        if len(node) == 1:
            ((key, arg),) = node.items()
            if key == "Ref" and isinstance(arg, str):
                return [(arg, None)]
            if key == "Fn::GetAtt":
                parts = arg.split(".", 1) if isinstance(arg, str) else arg
                if isinstance(parts, list) and len(parts) == 2 and all(isinstance(p, str) for p in parts):
                    return [(parts[0], parts[1])]
            if key == "Fn::Sub":
                text, variables = (
                    (arg, {}) if isinstance(arg, str) else (arg[0], arg[1]) if _sub_pair(arg) else ("", {})
                )
                for match in _SUB_NAME.finditer(text):
                    name, _, attribute = match.group(1).partition(".")
                    if name not in variables:
                        found.append((name, attribute or None))
                return found + _references(variables, depth + 1)
        for value in node.values():
            found += _references(value, depth + 1)
    elif isinstance(node, list):
        for value in node:
            found += _references(value, depth + 1)
    return found


def _sub_pair(arg: Any) -> bool:
    return isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str) and isinstance(arg[1], dict)


def _depends_on(resources: dict[str, Any]) -> list[tuple[str, None]]:
    found: list[tuple[str, None]] = []
    for body in resources.values():
        depends = body.get("DependsOn") if isinstance(body, dict) else None
        for name in [depends] if isinstance(depends, str) else depends if isinstance(depends, list) else []:
            if isinstance(name, str):
                found.append((name, None))
    return found


def _check_references(template: dict[str, Any], resources: dict[str, Any], region: str) -> None:
    parameters = template.get("Parameters") if isinstance(template.get("Parameters"), dict) else {}
    declared = set(resources) | set(parameters) | _PSEUDO
    sections = [("Resources", resources), ("Outputs", template.get("Outputs"))]
    for section, node in sections:
        unresolved: list[str] = []
        references = _references(node) + (_depends_on(resources) if section == "Resources" else [])
        for name, attribute in references:
            if name not in declared and name not in unresolved:
                unresolved.append(name)
            elif attribute is not None and name in resources:
                _check_attribute(name, resources[name], attribute, region)
        if unresolved:
            raise CatalogueError(
                f"Template format error: Unresolved resource dependencies [{', '.join(unresolved)}] "
                f"in the {section} block of the template",
            )


def _check_attribute(name: str, body: Any, attribute: str, region: str) -> None:
    type_name = body.get("Type") if isinstance(body, dict) else None
    if not isinstance(type_name, str) or is_custom(type_name) or type_name.endswith("::MODULE"):
        return
    known = attributes(region, type_name)
    if known and attribute not in known and not any(_matches(k, attribute) for k in known):
        raise CatalogueError(
            f"Template error: resource {name} does not support attribute type {attribute} in Fn::GetAtt"
        )


def _matches(key: str, attribute: str) -> bool:
    """Attribute names given as patterns (``Outputs\\..*`` of a nested stack) or as a prefix."""
    if attribute.startswith(f"{key}."):
        return True
    try:
        return any(c in key for c in "\\*[") and re.fullmatch(key, attribute) is not None
    except re.error:
        return False


def _check_properties(name: str, body: dict[str, Any], region: str) -> None:
    type_name = str(body.get("Type"))
    if is_custom(type_name):
        return
    found = schema(region, type_name)
    properties = body.get("Properties", {})
    if found is None or not isinstance(properties, dict) or _is_function(properties):
        return
    allowed = found.get("properties") or {}
    if found.get("additionalProperties") is False:
        for key in properties:
            if key not in allowed:
                raise CatalogueError(f"Encountered unsupported property {key}", (name, type_name))
    for key in found.get("required") or []:
        if key not in properties:
            raise CatalogueError(
                f"Properties validation failed for resource {name} with message: #: required key [{key}] not found",
                (name, type_name),
            )
    for key, value in properties.items():
        problem = _nested_problem(value, allowed.get(key), found, f"#/{key}", 0)
        if problem is not None:
            raise CatalogueError(
                f"Properties validation failed for resource {name} with message: {problem}", (name, type_name)
            )


def _resolved(node: Any, root: dict[str, Any]) -> dict[str, Any]:
    for _ in range(16):
        if not (isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/")):
            break
        target: Any = root
        for step in node["$ref"][2:].split("/"):
            target = target.get(step) if isinstance(target, dict) else None
        node = target
    return node if isinstance(node, dict) else {}


def _nested_problem(value: Any, shape: Any, root: dict[str, Any], path: str, depth: int) -> str | None:
    """The first extraneous or missing key inside a property's objects, in CloudFormation's schema
    validation words (``#/Path: extraneous key [X] is not permitted``); intrinsic functions, and
    schemas combined with ``oneOf``/``anyOf``/``allOf`` or ``patternProperties``, are not judged."""
    schema_node = _resolved(shape, root)
    if depth > 32 or not schema_node or any(k in schema_node for k in ("oneOf", "anyOf", "allOf", "patternProperties")):
        return None
    if (
        isinstance(value, dict)
        and len(value) == 1
        and (next(iter(value)) == "Ref" or next(iter(value)).startswith("Fn::"))
    ):
        return None
    mismatch = _container_mismatch(value, schema_node.get("type"))
    if mismatch is not None:
        return f"{path}: {mismatch}"
    if isinstance(value, dict):
        known = schema_node.get("properties")
        if not isinstance(known, dict):
            return None
        if schema_node.get("additionalProperties") is False:
            for key in value:
                if key not in known:
                    return f"{path}: extraneous key [{key}] is not permitted"
        for key in schema_node.get("required") or []:
            if key not in value:
                return f"{path}: required key [{key}] not found"
        for key, item in value.items():
            found = _nested_problem(item, known.get(key), root, f"{path}/{key}", depth + 1)
            if found is not None:
                return found
    elif isinstance(value, list) and isinstance(schema_node.get("items"), dict):
        for index, item in enumerate(value):
            found = _nested_problem(item, schema_node["items"], root, f"{path}/{index}", depth + 1)
            if found is not None:
                return found
    return None


#: JSON Schema types as CloudFormation's schema validation names them ("expected type: String, found: JSONArray")
_JSON_TYPE_NAMES = {"string": "String", "integer": "Integer", "number": "Number", "boolean": "Boolean"}


def _container_mismatch(value: Any, expected: Any) -> str | None:
    """A list or object where the schema wants a scalar, in CloudFormation's words; scalars are not
    judged against each other (CloudFormation converts between strings, numbers and booleans)."""
    if not isinstance(expected, str) or expected not in _JSON_TYPE_NAMES or not isinstance(value, (list, dict)):
        return None
    found = "JSONArray" if isinstance(value, list) else "JSONObject"
    return f"expected type: {_JSON_TYPE_NAMES[expected]}, found: {found}"


def _is_function(node: dict[str, Any]) -> bool:
    return len(node) == 1 and next(iter(node)).startswith("Fn::")


# -- Lambda runtimes AWS has blocked ----------------------------------------------------------------
@lru_cache(maxsize=1)
def runtime_lifecycle() -> dict[str, dict[str, Any]]:
    """cfn-lint's Lambda runtime dates: runtime -> {deprecated, create-block, update-block, successor}."""
    folder = _cfnlint_data()
    if folder is not None and (folder / "AdditionalSpecs" / "LmbdRuntimeLifecycle.json").is_file():
        return dict(json.loads((folder / "AdditionalSpecs" / "LmbdRuntimeLifecycle.json").read_text("utf-8")))
    from cfnlint.data import AdditionalSpecs
    from cfnlint.helpers import load_resource

    return dict(load_resource(AdditionalSpecs, "LmbdRuntimeLifecycle.json"))


def _blocked_on(runtime: str, which: str) -> date | None:
    entry = runtime_lifecycle().get(runtime) or {}
    text = entry.get(which)
    try:
        return date.fromisoformat(text) if isinstance(text, str) else None
    except ValueError:
        return None


def _check_runtime(name: str, body: dict[str, Any], before: dict[str, Any], today: date) -> None:
    """AWS Lambda refuses to create (or change) functions on a runtime past its block date.

    Source: AWS Lambda Developer Guide, "Lambda runtimes", Runtime deprecation policy ("Block function
    create" / "Block function update" dates); the dates are cfn-lint's LmbdRuntimeLifecycle.json.
    """
    if body.get("Type") != "AWS::Lambda::Function":
        return
    properties = body.get("Properties")
    runtime = properties.get("Runtime") if isinstance(properties, dict) else None
    if not isinstance(runtime, str):
        return
    old = before.get(name)
    if isinstance(old, dict) and old.get("Type") == body.get("Type"):
        if old.get("Properties") == properties:
            return  # unchanged: CloudFormation does not call Lambda
        blocked = _blocked_on(runtime, "update-block")
    else:
        blocked = _blocked_on(runtime, "create-block")
    if blocked is None or today < blocked:
        return
    successor = runtime_lifecycle().get(runtime, {}).get("successor") or "a supported runtime"
    raise CatalogueError(
        f'Resource handler returned message: "The runtime parameter of {runtime} is no longer supported for '
        f"creating or updating AWS Lambda functions. We recommend you use the new runtime ({successor}) while "
        f'creating or updating functions. (Service: Lambda, Status Code: 400)"',
        (name, "AWS::Lambda::Function"),
    )
