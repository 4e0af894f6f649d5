"""Server-side input validation driven by the botocore model's shapes.

botocore checks required members, types and ``min`` on the client, but not ``pattern``, ``max`` or
enums, and other clients check nothing; the service did all of it. Messages follow the AWS form
``1 validation error detected: Value 'x' at 'name' failed to satisfy constraint: ...`` so that the
field is named; values of sensitive members are left out, as AWS does.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import regex
from botocore.model import ListShape, MapShape, Shape, StructureShape

from pytest_proton.emulator.exceptions import ValidationException
from pytest_proton.emulator.servicemodel import operation_model

_PY_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "long": (int,),
    "boolean": (bool,),
    "double": (int, float),
    "float": (int, float),
    "timestamp": (int, float, str),
    "blob": (str,),
    "structure": (dict,),
    "map": (dict,),
    "list": (list,),
}


@cache
def _pattern(text: str) -> regex.Pattern[str]:
    # The model's patterns are Java regexes matched against the whole value; `regex` accepts
    # the constructs Python's `re` lacks.
    return regex.compile(text)


def validation_error(field: str, problem: str, value: Any = None, *, show_value: bool = True) -> ValidationException:
    """A single-field ValidationException in AWS's wording."""
    return ValidationException(_summary([_describe(field, problem, value, show_value)]))


def validate_input(operation: str, params: dict[str, Any]) -> None:
    """Raise ValidationException listing every constraint ``params`` break for ``operation``."""
    model = operation_model(operation)
    if model is None or model.input_shape is None:
        return
    problems: list[str] = []
    _check_structure(model.input_shape, params, "", problems)
    if problems:
        raise ValidationException(_summary(problems))


def _summary(problems: list[str]) -> str:
    noun = "error" if len(problems) == 1 else "errors"
    return f"{len(problems)} validation {noun} detected: " + "; ".join(problems)


def _describe(path: str, problem: str, value: Any, show_value: bool) -> str:
    if not show_value:
        return f"Value at '{path}' failed to satisfy constraint: {problem}"
    shown = "null" if value is None else f"'{value}'" if isinstance(value, str) else str(value)
    return f"Value {shown} at '{path}' failed to satisfy constraint: {problem}"


def _check_structure(shape: StructureShape, value: dict[str, Any], prefix: str, problems: list[str]) -> None:
    for name in shape.required_members:
        if value.get(name) is None:
            problems.append(_describe(prefix + name, "Member must not be null", None, True))
    for name, member in shape.members.items():
        if value.get(name) is not None:
            _check(member, value[name], prefix + name, problems)


def _check(shape: Shape, value: Any, path: str, problems: list[str]) -> None:
    meta = shape.metadata
    show = not meta.get("sensitive", False)
    expected = _PY_TYPES.get(shape.type_name, (object,))
    if not isinstance(value, expected) or (shape.type_name in ("integer", "long") and isinstance(value, bool)):
        problems.append(_describe(path, f"Member must be of type {shape.type_name}", value, show))
        return
    if shape.type_name == "string":
        _check_string(meta, value, path, problems, show)
    elif shape.type_name in ("integer", "long", "double", "float"):
        _check_range(meta, value, path, problems, show, what="value")
    elif isinstance(shape, ListShape):
        _check_range(meta, len(value), path, problems, show, what="length", value=value)
        for index, item in enumerate(value, start=1):
            _check(shape.member, item, f"{path}.{index}.member", problems)
    elif isinstance(shape, MapShape):
        _check_range(meta, len(value), path, problems, show, what="length", value=value)
        for key, item in value.items():
            _check(shape.key, key, f"{path}.{key}.key", problems)
            _check(shape.value, item, f"{path}.{key}.value", problems)
    elif isinstance(shape, StructureShape):
        _check_structure(shape, value, path + ".", problems)


def _check_string(meta: dict[str, Any], value: str, path: str, problems: list[str], show: bool) -> None:
    enum = meta.get("enum")
    if enum and value not in enum:
        problems.append(_describe(path, f"Member must satisfy enum value set: [{', '.join(enum)}]", value, show))
        return
    _check_range(meta, len(value), path, problems, show, what="length", value=value)
    pattern = meta.get("pattern")
    if pattern and not _pattern(pattern).fullmatch(value):
        problems.append(_describe(path, f"Member must satisfy regular expression pattern: {pattern}", value, show))


def _check_range(
    meta: dict[str, Any], size: float, path: str, problems: list[str], show: bool, *, what: str, value: Any = None
) -> None:
    shown = size if value is None else value
    if "min" in meta and size < meta["min"]:
        problems.append(_describe(path, f"Member must have {what} greater than or equal to {meta['min']}", shown, show))
    if "max" in meta and size > meta["max"]:
        problems.append(_describe(path, f"Member must have {what} less than or equal to {meta['max']}", shown, show))
