"""CloudFormation YAML (and JSON) as plain data, without cfn-lint (whose import alone takes seconds).

Short-form intrinsic functions become their long form, as CloudFormation reads them: ``!Ref X`` is
``{"Ref": "X"}``, ``!GetAtt A.B`` is ``{"Fn::GetAtt": ["A", "B"]}``, ``!Condition C`` is
``{"Condition": "C"}`` and every other ``!Name value`` is ``{"Fn::Name": value}``. Dates stay
strings (``AWSTemplateFormatVersion: 2010-09-09``), as CloudFormation reads them.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import yaml


class CfnYamlError(ValueError):
    """The text is not YAML (or JSON); ``line`` is 1-based when known."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


def _intrinsic(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    if suffix == "Ref":
        return {"Ref": value}
    if suffix == "Condition":
        return {"Condition": value}
    if suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {f"Fn::{suffix}": value}


@lru_cache(maxsize=1)
def _loader() -> type:
    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class CfnLoader(base):  # type: ignore[misc, valid-type]
        pass

    CfnLoader.yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in base.yaml_implicit_resolvers.items()
    }
    CfnLoader.add_multi_constructor("!", _intrinsic)
    return CfnLoader


def load(text: str) -> Any:
    """The template's data; CfnYamlError at the line of a syntax error."""
    try:
        return yaml.load(text, Loader=_loader())  # a SafeLoader with CloudFormation's tags
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problem = getattr(error, "problem", None) or str(error)
        raise CfnYamlError(str(problem), mark.line + 1 if mark is not None else None) from None
