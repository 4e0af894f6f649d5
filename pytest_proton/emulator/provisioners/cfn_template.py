"""Reading a rendered CloudFormation template before it is deployed, and standing in for what moto lacks.

:func:`parse` reads the rendered text (YAML or JSON, short-form tags such as ``!Ref`` and ``!GetAtt``)
with :mod:`.cfn_yaml`, not cfn-lint's decoder, whose import alone takes seconds; a template that does
not parse is a :class:`TemplateError` at its line.

:func:`stand_in` simulates the resources moto cannot make (types moto's CloudFormation lacks, and
those moto failed on: moto_gaps.SimulationNeeded, named in ``simulate`` with the reason):

* each is left out of moto's stack and recorded (:class:`Prepared` ``simulated``: type, reason,
  physical ID);
* ``Ref`` and ``Fn::GetAtt`` to it, and ``${Name}`` / ``${Name.Attr}`` in ``Fn::Sub``, become values
  shaped by its schema and service (simulation.py), stable across deployments;
* it is dropped from ``DependsOn`` lists.

and gives ``Fn::GetAZs`` of the stack's own Region the Region's name (moto reads ``!Ref AWS::Region``
there as a literal). The stack then holds every resource moto can make, and outputs that read a
simulated resource hold its values.

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
from typing import Any

from pytest_proton.emulator.provisioners import catalogue, simulation


class TemplateError(Exception):
    """The rendered template is not a readable CloudFormation template."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


@dataclass
class Prepared:
    body: str  # the template to deploy (JSON)
    skipped: dict[str, str] = field(default_factory=dict)  # logical ID -> type of each simulated resource
    #: logical ID -> what the emulator simulates instead of a moto resource, and why
    simulated: dict[str, simulation.Simulated] = field(default_factory=dict)


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


def stand_in(
    template: dict[str, Any],
    region: str,
    supported: frozenset[str] | None = None,
    *,
    simulate: dict[str, str] | None = None,
    account_id: str = "123456789012",
    stack_name: str = "stack",
) -> Prepared:
    """The template with the resources moto cannot make simulated (see the module docs).

    ``simulate`` names more resources to simulate, with the reason (moto failed on them while it
    created the stack: moto_gaps.SimulationNeeded). Also ``Fn::GetAZs`` of the stack's own Region
    (``""`` or ``!Ref AWS::Region``), which moto reads as a literal Region name, is given ``region``.
    """
    supported = moto_types() if supported is None else supported
    resources = template.get("Resources") if isinstance(template.get("Resources"), dict) else {}
    where = simulation.Where(region, account_id, stack_name)
    simulated: dict[str, simulation.Simulated] = {}
    for name, body in resources.items():
        if not isinstance(body, dict):
            continue
        type_name = str(body.get("Type"))
        if type_name in supported and str(name) not in (simulate or {}):
            continue
        reason = (simulate or {}).get(str(name)) or f"moto cannot create {type_name} resources"
        properties = body.get("Properties") if isinstance(body.get("Properties"), dict) else {}
        simulated[str(name)] = simulation.Simulated(
            type_name, reason, simulation.physical_id(where, str(name), type_name, properties)
        )

    def value(name: str, attribute: str | None) -> Any:
        if attribute is None:
            return simulated[name].physical_id
        body = resources[name]
        properties = body.get("Properties") if isinstance(body.get("Properties"), dict) else {}
        return simulation.attribute(where, name, simulated[name].type_name, attribute, properties)

    sub_pattern = re.compile(r"\$\{([A-Za-z0-9]+)(?:\.([A-Za-z0-9.]+))?\}")

    def sub_text(text: str) -> str:
        def replace(match: re.Match[str]) -> str:
            name, attribute = match.group(1), match.group(2)
            if name not in simulated:
                return match.group(0)
            found = value(name, attribute)
            return ",".join(str(v) for v in found) if isinstance(found, list) else str(found)

        return sub_pattern.sub(replace, text)

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            if len(node) == 1:
                ((key, arg),) = node.items()
                if key == "Fn::GetAZs" and (arg in ("", None) or arg == {"Ref": "AWS::Region"}):
                    return {"Fn::GetAZs": region}
                if key == "Ref" and isinstance(arg, str) and arg in simulated:
                    return value(arg, None)
                if key == "Fn::GetAtt":
                    parts = arg.split(".", 1) if isinstance(arg, str) else arg
                    if isinstance(parts, list) and len(parts) == 2 and parts[0] in simulated:
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
        if name in simulated:
            continue
        walked = walk(body)
        depends = walked.get("DependsOn") if isinstance(walked, dict) else None
        if isinstance(depends, str) and depends in simulated:
            walked.pop("DependsOn")
        elif isinstance(depends, list):
            walked["DependsOn"] = [d for d in depends if d not in simulated]
        kept[name] = walked
    if not kept:
        # moto needs one resource to make a stack: a wait condition handle stands for the template.
        kept["ProtonEmulatorPlaceholder"] = {"Type": "AWS::CloudFormation::WaitConditionHandle"}
    out["Resources"] = kept
    for section in ("Outputs", "Conditions", "Mappings"):
        if section in out:
            out[section] = walk(out[section])
    skipped = {name: entry.type_name for name, entry in simulated.items()}
    return Prepared(json.dumps(out, default=str), skipped, simulated)


# -- what the emulator hands to moto -------------------------------------------------------------
SAM_TRANSFORM = "AWS::Serverless-2016-10-31"


def prepare(
    template: dict[str, Any],
    region: str,
    stack_name: str,
    supported: frozenset[str] | None = None,
    *,
    simulate: dict[str, str] | None = None,
    account_id: str = "123456789012",
) -> Prepared:
    """The template as CloudFormation would deploy it, for moto (see the module docs)."""
    expanded = expand_sam(template, region)
    defaults = cfn_defaults(coerce(expanded, region), stack_name)
    return stand_in(defaults, region, supported, simulate=simulate, account_id=account_id, stack_name=stack_name)


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


_schema = catalogue.schema  # the CloudFormation provider schema of a type (cfn-lint's copy), or None


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
_SEPARATOR_RUN = re.compile(r"[-_.]{2,}")


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
        # ECR takes lowercase names with single separators; Proton's stack names hold "--"
        generated = _SEPARATOR_RUN.sub("-", generated_name(stack_name, name, _ECR_NAME_LENGTH).lower())
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
