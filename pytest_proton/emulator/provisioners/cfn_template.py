"""Reading a rendered CloudFormation template before it is deployed, and standing in for what moto lacks.

:func:`parse` reads the rendered text with cfn-lint's decoder (YAML or JSON, short-form tags such as
``!Ref`` and ``!GetAtt``); a template that does not parse is a :class:`TemplateError` at its line.

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
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
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
    from cfnlint.decode import decode_str

    template, matches = decode_str(text)
    if matches or template is None:
        first = matches[0] if matches else None
        message = first.message if first is not None else "the template is empty"
        line = getattr(first, "linenumber", None) if first is not None else None
        raise TemplateError(f"the rendered template is not valid YAML: {message}", line)
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
