"""Which changes of a change set replace or remove a resource.

CloudFormation says it itself: each ``ResourceChange`` of ``DescribeChangeSet`` has ``Replacement``
(``True``, ``Conditional`` or ``False``) and ``Details`` naming the properties. moto's change sets
(moto 5.2) give only ``Action``, ``LogicalResourceId`` and ``ResourceType``. When ``Replacement`` is
absent, it is worked out from the live template and the new one: a property listed in the resource
type's ``createOnlyProperties`` (CloudFormation's resource provider schema, as cfn-lint ships it)
that changes means CloudFormation replaces the resource. That reading covers literal values only:
a value computed by an intrinsic function that changes only because another resource is replaced
(CloudFormation's ``Conditional``) is not followed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import yaml

MISSING = object()


@dataclass(frozen=True)
class Refusal:
    """A change the plan will not make without ``--allow-replacement``."""

    logical_id: str
    type_name: str
    reason: str

    def __str__(self) -> str:
        return f"{self.logical_id} ({self.type_name}): {self.reason}"


class _CfnLoader(yaml.SafeLoader):
    """YAML with CloudFormation's short-form tags (``!Ref X`` is ``{"Ref": "X"}``); dates stay strings."""


def _intrinsic(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    if suffix in {"Ref", "Condition"}:
        return {suffix: value}
    if suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {f"Fn::{suffix}": value}


_CfnLoader.add_multi_constructor("!", _intrinsic)
_CfnLoader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def parse_template(body: Any) -> dict[str, Any]:
    """A template as data (boto3 gives a JSON body already parsed, a YAML body as text)."""
    if isinstance(body, dict):
        return json.loads(json.dumps(body))  # plain dicts (boto3 may give OrderedDicts)
    text = str(body)
    try:
        data = json.loads(text)
    except ValueError:
        data = yaml.load(text, Loader=_CfnLoader)  # a SafeLoader subclass
    return data if isinstance(data, dict) else {}


def refusals(changes: list[dict[str, Any]], old: dict[str, Any], new: dict[str, Any], region: str) -> list[Refusal]:
    """The changes that replace or remove a resource, each with CloudFormation's reason (or ours)."""
    out = []
    for change in changes:
        resource = change.get("ResourceChange") or {}
        action = resource.get("Action")
        logical = str(resource.get("LogicalResourceId", ""))
        type_name = str(resource.get("ResourceType", ""))
        if action == "Remove":
            out.append(Refusal(logical, type_name, "the change set removes it (it is not in the new template)"))
        elif action == "Modify":
            out += _modify(resource, logical, type_name, old=old, new=new, region=region)
    return out


def _modify(resource: dict, logical: str, type_name: str, *, old: dict, new: dict, region: str) -> list[Refusal]:
    replacement = resource.get("Replacement")
    if replacement == "False":
        return []
    if replacement in ("True", "Conditional"):
        named = sorted(
            {
                str(d.get("Target", {}).get("Name"))
                for d in resource.get("Details") or []
                if d.get("Target", {}).get("RequiresRecreation") in ("Always", "Conditionally")
            }
            - {"None"}
        )
        because = f" (properties: {', '.join(named)})" if named else ""
        word = "replaces it" if replacement == "True" else "may replace it (Replacement: Conditional)"
        return [Refusal(logical, type_name, f"CloudFormation {word}{because}")]
    return [Refusal(logical, type_name, why) for why in computed(logical, old, new, region)]


def computed(logical: str, old: dict, new: dict, region: str) -> list[str]:
    """Why an update of ``logical`` from ``old`` to ``new`` replaces it, from the resource schema."""
    before = (old.get("Resources") or {}).get(logical) or {}
    after = (new.get("Resources") or {}).get(logical) or {}
    if before.get("Type") != after.get("Type"):
        return [f"its type changes from {before.get('Type')} to {after.get('Type')}"]
    type_name = str(after.get("Type"))
    reasons = []
    for path in create_only(type_name, region):
        was, now = _at(before.get("Properties"), path), _at(after.get("Properties"), path)
        if was != now:
            shown = "/".join(path)
            reasons.append(
                f"{shown} changes from {_show(was)} to {_show(now)}, and {type_name} cannot change {shown} "
                "without replacing the resource (createOnlyProperties of its CloudFormation resource schema)"
            )
    return reasons


def create_only(type_name: str, region: str) -> list[tuple[str, ...]]:
    from proton_lint.fitting import _resource_schema  # cfn-lint's provider schemas, read once

    schema = _resource_schema(type_name, region) or {}
    paths = schema.get("createOnlyProperties") or []
    return [tuple(p.split("/")[2:]) for p in paths if isinstance(p, str) and p.startswith("/properties/")]


def _at(node: Any, path: tuple[str, ...]) -> Any:
    for part in path:
        if not isinstance(node, dict) or part not in node:
            return MISSING
        node = node[part]
    return node


def _show(value: Any) -> str:
    return "(absent)" if value is MISSING else json.dumps(value, sort_keys=True, default=str)
