"""Reading a rendered CloudFormation template before it is deployed, and standing in for what moto lacks.

:func:`parse` reads the rendered text (YAML or JSON, short-form tags such as ``!Ref`` and ``!GetAtt``)
with :mod:`.cfn_yaml`, not cfn-lint's decoder, whose import alone takes seconds; a template that does
not parse is a :class:`TemplateError` at its line.

:func:`stand_in` handles resource types that moto's CloudFormation cannot create. moto skips them
with a warning and then fails on any ``!GetAtt`` to them, so the emulator (a documented choice):

* leaves each such resource out of the stack and records its logical ID and type;
* replaces ``Ref`` and ``Fn::GetAtt`` to it, and ``${Name}`` / ``${Name.Attr}`` in ``Fn::Sub``, with a
  placeholder shaped like the real value (``arn:aws:...`` for ``Arn`` attributes, IDs otherwise),
  unique per resource and attribute and stable across deployments;
* drops it from ``DependsOn`` lists.

and gives ``Fn::GetAZs`` of the stack's own Region the Region's name (moto reads ``!Ref AWS::Region``
there as a literal).

The stack then holds every resource moto supports, and outputs that read an unsupported resource
hold its placeholder. What was left out is reported (``skipped``), so tests can see it.

:func:`prepare` is what the emulator deploys into moto: before :func:`stand_in`, it does what
CloudFormation itself does and moto does not:

* :func:`expand_sam` runs the ``AWS::Serverless-2016-10-31`` transform (moto has no transforms) with
  ``samtranslator``, the translator CloudFormation's SAM transform is built from (and cfn-lint's
  dependency), with the managed-policy map cfn-lint ships: ``AWS::Serverless::Function`` becomes a real
  ``AWS::Lambda::Function`` and its role. A template SAM refuses fails as CloudFormation's transform
  does (``Transform AWS::Serverless-2016-10-31 failed with: ...``). A local ``CodeUri`` is refused
  too: CloudFormation only takes ``s3://`` locations (``sam package`` uploads code first).
* :func:`coerce` gives scalar property values the types the resource's CloudFormation schema declares
  (the provider schemas cfn-lint ships): a rendered ``DesiredCount: '1'`` becomes the integer 1, as
  CloudFormation converts it; moto passes strings through and its models fail on them.
* :func:`cfn_defaults` fills what CloudFormation's own resource handlers do and moto's do not:
  an ``AWS::ECR::Repository`` without ``RepositoryName`` is named
  ``<stack name>-<logical ID>-<12 characters>``, lowercased as CloudFormation's ECR handler lowercases
  generated names (moto keeps the stack name's case, which ECR refuses); an inline
  ``SecurityGroupIngress`` rule for all protocols (``IpProtocol: -1``) without ports gets
  ``FromPort``/``ToPort`` ``-1`` (EC2 ignores ports for ``-1``; moto's model needs them).
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any


class TemplateError(Exception):
    """The rendered template is not a readable CloudFormation template."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


@dataclass
class Prepared:
    body: str  # the template to deploy (JSON)
    skipped: dict[str, str] = field(default_factory=dict)  # logical ID -> type moto lacks


@lru_cache(maxsize=1)
def moto_types() -> frozenset[str]:
    """The resource types moto's CloudFormation can create."""
    from moto.cloudformation.parsing import get_model_map

    return frozenset(get_model_map())


def parse(text: str) -> dict[str, Any]:
    """The template as data; TemplateError (with the rendered line) when it is not a template."""
    from pytest_proton.emulator.provisioners import cfn_yaml

    try:
        template = cfn_yaml.load(text)
    except cfn_yaml.CfnYamlError as error:
        raise TemplateError(f"the rendered template is not valid YAML: {error.message}", error.line) from None
    if template is None:
        raise TemplateError("the rendered template is not valid YAML: the template is empty")
    if not isinstance(template, dict):
        raise TemplateError("the rendered template is not a mapping")
    resources = template.get("Resources")
    if not isinstance(resources, dict) or not resources:
        raise TemplateError("the rendered template has no Resources; CloudFormation needs at least one")
    return template


def _placeholder(logical_id: str, type_name: str, attribute: str | None) -> str:
    from proton_lint.contexts import fake_output

    label = f"{logical_id}{attribute or 'Id'}"
    if attribute is None:
        seed = hashlib.sha256(f"{type_name}:{logical_id}".encode()).hexdigest()[:12]
        return f"{re.sub(r'[^a-z0-9]+', '-', logical_id.lower()).strip('-')}-{seed}"
    return fake_output(label, owner=f"{type_name}:{logical_id}")


def stand_in(template: dict[str, Any], region: str, supported: frozenset[str] | None = None) -> Prepared:
    """The template with resources of types moto lacks replaced by placeholders (see the module docs).

    Also ``Fn::GetAZs`` of the stack's own Region (``""`` or ``!Ref AWS::Region``), which moto reads
    as a literal Region name, is given ``region``.
    """
    supported = moto_types() if supported is None else supported
    resources = template.get("Resources") if isinstance(template.get("Resources"), dict) else {}
    skipped = {
        str(name): str(body.get("Type"))
        for name, body in resources.items()
        if isinstance(body, dict) and body.get("Type") not in supported
    }

    def value(name: str, attribute: str | None) -> str:
        return _placeholder(name, skipped[name], attribute)

    sub_pattern = re.compile(r"\$\{([A-Za-z0-9]+)(?:\.([A-Za-z0-9.]+))?\}")

    def sub_text(text: str) -> str:
        def replace(match: re.Match[str]) -> str:
            name, attribute = match.group(1), match.group(2)
            return value(name, attribute) if name in skipped else match.group(0)

        return sub_pattern.sub(replace, text)

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            if len(node) == 1:
                ((key, arg),) = node.items()
                if key == "Fn::GetAZs" and (arg in ("", None) or arg == {"Ref": "AWS::Region"}):
                    return {"Fn::GetAZs": region}
                if key == "Ref" and isinstance(arg, str) and arg in skipped:
                    return value(arg, None)
                if key == "Fn::GetAtt":
                    parts = arg.split(".", 1) if isinstance(arg, str) else arg
                    if isinstance(parts, list) and len(parts) == 2 and parts[0] in skipped:
                        return value(str(parts[0]), str(parts[1]))
                if key == "Fn::Sub":
                    if isinstance(arg, str):
                        return {"Fn::Sub": sub_text(arg)}
                    if isinstance(arg, list) and arg and isinstance(arg[0], str):
                        return {"Fn::Sub": [sub_text(arg[0]), *(walk(a) for a in arg[1:])]}
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(item) for item in node]
        return node

    out = {k: v for k, v in template.items() if k != "Resources"}
    kept: dict[str, Any] = {}
    for name, body in resources.items():
        if name in skipped:
            continue
        walked = walk(body)
        depends = walked.get("DependsOn") if isinstance(walked, dict) else None
        if isinstance(depends, str) and depends in skipped:
            walked.pop("DependsOn")
        elif isinstance(depends, list):
            walked["DependsOn"] = [d for d in depends if d not in skipped]
        kept[name] = walked
    if not kept:
        # moto needs one resource to make a stack: a wait condition handle stands for the template.
        kept["ProtonEmulatorPlaceholder"] = {"Type": "AWS::CloudFormation::WaitConditionHandle"}
    out["Resources"] = kept
    for section in ("Outputs", "Conditions", "Mappings"):
        if section in out:
            out[section] = walk(out[section])
    return Prepared(json.dumps(out, default=str), skipped)


# -- what the emulator hands to moto -------------------------------------------------------------
SAM_TRANSFORM = "AWS::Serverless-2016-10-31"


def prepare(
    template: dict[str, Any], region: str, stack_name: str, supported: frozenset[str] | None = None
) -> Prepared:
    """The template as CloudFormation would deploy it, for moto (see the module docs)."""
    expanded = expand_sam(template, region)
    return stand_in(cfn_defaults(coerce(expanded, region), stack_name), region, supported)


def _plain(node: Any) -> Any:
    """A copy made of plain dicts, lists and scalars (cfn-lint's decoder hands out subclasses)."""
    if isinstance(node, dict):
        return {str(k): _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    if isinstance(node, str):
        return str(node)
    return node


def _transforms(template: dict[str, Any]) -> list[Any]:
    declared = template.get("Transform")
    if declared is None:
        return []
    return list(declared) if isinstance(declared, list) else [declared]


@lru_cache(maxsize=1)
def _managed_policies() -> dict[str, str]:
    from cfnlint.data import Serverless
    from cfnlint.helpers import load_resource

    return dict(load_resource(Serverless, "ManagedPolicies.json"))


_sam_lock = threading.Lock()


@lru_cache(maxsize=8)
def _session(region: str) -> Any:
    """A boto3 session that only names the Region: the translator reads the Region (and partition) from it."""
    import boto3

    return boto3.session.Session(region_name=region)


def expand_sam(template: dict[str, Any], region: str) -> dict[str, Any]:
    """The template with the SAM transform applied (unchanged when it does not declare it)."""
    transforms = _transforms(template)
    if SAM_TRANSFORM not in transforms:
        return template
    from samtranslator.parser import parser
    from samtranslator.public.exceptions import InvalidDocumentException
    from samtranslator.translator.arn_generator import ArnGenerator
    from samtranslator.translator.translator import Translator

    source = _plain(template)
    with _sam_lock:  # the translator reads the Region from a class attribute
        previous = ArnGenerator.BOTO_SESSION_REGION_NAME
        ArnGenerator.BOTO_SESSION_REGION_NAME = region
        try:
            translated = Translator(_managed_policies(), parser.Parser(), boto_session=_session(region)).translate(
                copy.deepcopy(source), parameter_values={}, passthrough_metadata=True
            )
        except InvalidDocumentException as error:
            causes = "; ".join(str(getattr(c, "message", c)) for c in error.causes)
            raise TemplateError(f"Transform {SAM_TRANSFORM} failed with: {error.message} {causes}".strip()) from None
        except Exception as error:  # noqa: BLE001 - any translator failure is the transform's
            raise TemplateError(f"Transform {SAM_TRANSFORM} failed with: {error}") from None
        finally:
            ArnGenerator.BOTO_SESSION_REGION_NAME = previous
    rest = [t for t in transforms if t != SAM_TRANSFORM]
    translated.pop("Transform", None)
    if rest:
        translated["Transform"] = rest
    return dict(translated)


# -- scalar types, as CloudFormation converts them ---------------------------------------------------
_INTEGER = re.compile(r"[+-]?\d+")
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_FALLBACK_REGION = "us-east-1"


@lru_cache(maxsize=1)
def _cfnlint_schemas() -> Path | None:
    """cfn-lint's ``data/schemas`` folder, found without importing cfn-lint (which takes seconds)."""
    import importlib.util

    spec = importlib.util.find_spec("cfnlint")
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    for location in locations:
        folder = Path(location) / "data" / "schemas"
        if (folder / "providers").is_dir() and (folder / "resources").is_dir():
            return folder
    return None


_TYPE_ENTRY = re.compile(r'^\s*"([A-Za-z0-9:]+)":\s*"([0-9a-f]+)",?\s*$', re.MULTILINE)


@lru_cache(maxsize=32)
def _region_types(region: str) -> dict[str, str] | None:
    """cfn-lint's ``providers/<region>.py`` table of resource type -> schema file, read as text
    (its ``"AWS::X::Y": "<hash>",`` lines; parsing the module with ``ast`` takes a third of a second)."""
    folder = _cfnlint_schemas()
    if folder is None:
        return None
    try:
        text = (folder / "providers" / f"{region.replace('-', '_')}.py").read_text(encoding="utf-8")
    except OSError:
        return None
    table = dict(_TYPE_ENTRY.findall(text))
    return table or None


def _schema_file(region: str, type_name: str) -> dict[str, Any] | None:
    table = _region_types(region)
    folder = _cfnlint_schemas()
    if table is None or folder is None or type_name not in table:
        return None
    try:
        return dict(json.loads((folder / "resources" / f"{table[type_name]}.json").read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return None


@lru_cache(maxsize=512)
def _schema(region: str, type_name: str) -> dict[str, Any] | None:
    """The CloudFormation provider schema of ``type_name`` (cfn-lint's copy), None when it has none.

    Read from cfn-lint's data files directly; cfn-lint's schema manager (and its import) only when
    they are not where this cfn-lint version keeps them."""
    if _cfnlint_schemas() is not None:
        for where in (region, _FALLBACK_REGION):
            found = _schema_file(where, type_name)
            if found is not None:
                return found
        if _region_types(region) is not None:
            return None
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

    for where in (region, _FALLBACK_REGION):
        try:
            return dict(PROVIDER_SCHEMA_MANAGER.get_resource_schema(where, type_name).schema)
        except Exception:  # noqa: BLE001 - an unknown Region or type: try the next, else no schema
            continue
    return None


def _resolve(schema: Any, root: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with its local ``$ref`` (``#/definitions/...``) followed."""
    seen = 0
    while isinstance(schema, dict) and isinstance(schema.get("$ref"), str) and seen < 32:
        ref = schema["$ref"]
        if not ref.startswith("#/"):
            return {}
        node: Any = root
        for part in ref[2:].split("/"):
            node = node.get(part) if isinstance(node, dict) else None
        schema = node
        seen += 1
    return schema if isinstance(schema, dict) else {}


def _branches(schema: dict[str, Any], root: dict[str, Any]) -> list[dict[str, Any]]:
    out = [schema]
    for key in ("allOf", "anyOf", "oneOf"):
        for branch in schema.get(key) or []:
            out.append(_resolve(branch, root))
    return out


def _scalar_type(schema: dict[str, Any], root: dict[str, Any]) -> str | None:
    """integer, number or boolean when the schema allows only that (never when it allows a string)."""
    types: set[str] = set()
    for branch in _branches(schema, root):
        declared = branch.get("type")
        types.update(declared if isinstance(declared, list) else [declared] if isinstance(declared, str) else [])
    if "string" in types or not types:
        return None
    if types <= {"integer"}:
        return "integer"
    if types <= {"integer", "number"}:
        return "number"
    if types == {"boolean"}:
        return "boolean"
    return None


def _convert(text: str, kind: str) -> Any:
    value = text.strip()
    if kind == "boolean":
        lowered = value.lower()
        return {"true": True, "false": False}.get(lowered, text)
    if _INTEGER.fullmatch(value):
        return int(value)
    if kind == "number" and _NUMBER.fullmatch(value):
        return float(value)
    return text  # CloudFormation would refuse it; moto says what it makes of it


def _is_function(node: dict[str, Any]) -> bool:
    if len(node) != 1:
        return False
    (key,) = node
    return key == "Ref" or key.startswith("Fn::")


def _coerce_value(value: Any, schema: dict[str, Any], root: dict[str, Any], depth: int = 0) -> Any:
    if depth > 64:
        return value
    if isinstance(value, str):
        kind = _scalar_type(schema, root)
        return _convert(value, kind) if kind is not None else value
    if isinstance(value, dict):
        if _is_function(value):
            ((key, arg),) = value.items()
            if key == "Fn::If" and isinstance(arg, list) and len(arg) == 3:
                branches = [_coerce_value(a, schema, root, depth + 1) for a in arg[1:]]
                return {key: [arg[0], *branches]}
            return value  # resolved by CloudFormation (moto) later: left alone
        properties: dict[str, Any] = {}
        patterns: dict[str, Any] = {}
        for branch in _branches(schema, root):
            for name, sub in (branch.get("properties") or {}).items():
                properties.setdefault(name, sub)
            for pattern, sub in (branch.get("patternProperties") or {}).items():
                patterns.setdefault(pattern, sub)
        out = {}
        for name, item in value.items():
            sub = properties.get(name)
            if sub is None:
                sub = next((s for p, s in patterns.items() if re.search(p, name)), None)
            out[name] = _coerce_value(item, _resolve(sub, root), root, depth + 1) if sub is not None else item
        return out
    if isinstance(value, list):
        items = next((b.get("items") for b in _branches(schema, root) if isinstance(b.get("items"), dict)), None)
        if items is None:
            return value
        item_schema = _resolve(items, root)
        return [_coerce_value(item, item_schema, root, depth + 1) for item in value]
    return value


def coerce(template: dict[str, Any], region: str) -> dict[str, Any]:
    """The template with resource property values of the declared integer, number and boolean types
    converted from strings (recursively; intrinsic functions are left alone, ``Fn::If`` branches
    converted), per the CloudFormation provider schemas cfn-lint ships for ``region``."""
    resources = template.get("Resources")
    if not isinstance(resources, dict):
        return template
    out_resources: dict[str, Any] = {}
    for name, body in resources.items():
        type_name = body.get("Type") if isinstance(body, dict) else None
        properties = body.get("Properties") if isinstance(body, dict) else None
        schema = _schema(region, type_name) if isinstance(type_name, str) and isinstance(properties, dict) else None
        if schema is None:
            out_resources[name] = body
            continue
        out_resources[name] = {**body, "Properties": _coerce_value(properties, schema, schema)}
    return {**template, "Resources": out_resources}


# -- what CloudFormation's handlers fill in and moto's do not ----------------------------------------
_ECR_NAME_LENGTH = 256


def generated_name(stack_name: str, logical_id: str, limit: int = 256) -> str:
    """A physical name as CloudFormation generates one: ``<stack>-<logical ID>-<12 characters>``,
    stable for a stack and resource (an update must not rename, hence replace, the resource)."""
    suffix = hashlib.sha256(f"{stack_name}/{logical_id}".encode()).hexdigest()[:12].upper()
    head = f"{stack_name}-{logical_id}"[: limit - len(suffix) - 1]
    return f"{head}-{suffix}"


def cfn_defaults(template: dict[str, Any], stack_name: str) -> dict[str, Any]:
    """ECR repositories named as CloudFormation names them; all-protocol ingress rules with ports -1."""
    resources = template.get("Resources")
    if not isinstance(resources, dict):
        return template
    out_resources: dict[str, Any] = {}
    for name, body in resources.items():
        out_resources[name] = _with_defaults(str(name), body, stack_name)
    return {**template, "Resources": out_resources}


def _with_defaults(name: str, body: Any, stack_name: str) -> Any:
    properties = body.get("Properties") if isinstance(body, dict) else None
    type_name = body.get("Type") if isinstance(body, dict) else None
    if type_name == "AWS::ECR::Repository" and "RepositoryName" not in (properties or {}):
        generated = generated_name(stack_name, name, _ECR_NAME_LENGTH).lower()
        return {**body, "Properties": {**(properties or {}), "RepositoryName": generated}}
    if type_name == "AWS::EC2::SecurityGroup" and isinstance(properties, dict):
        rules = properties.get("SecurityGroupIngress")
        if isinstance(rules, list):
            return {**body, "Properties": {**properties, "SecurityGroupIngress": [_all_ports(r) for r in rules]}}
    return body


def _all_ports(rule: Any) -> Any:
    if not isinstance(rule, dict) or str(rule.get("IpProtocol")) not in ("-1", "all"):
        return rule
    return {**rule, "FromPort": rule.get("FromPort", -1), "ToPort": rule.get("ToPort", -1)}
