"""Model-driven output: keep only the members the output shape defines, check the required ones.

Timestamps go out as epoch seconds (with milliseconds): the model's JSON 1.0 protocol default
(``unixTimestamp``), which is what the service sent and what botocore turns into ``datetime``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from botocore.model import ListShape, MapShape, Shape, StructureShape

from pytest_proton.emulator.exceptions import InternalServerException
from pytest_proton.emulator.servicemodel import operation_model


def serialize_output(operation: str, result: dict[str, Any] | None) -> dict[str, Any]:
    """Shape ``result`` (camelCase dicts, datetimes) into the operation's output JSON document."""
    model = operation_model(operation)
    if model is None or model.output_shape is None:
        return {}
    return _structure(model.output_shape, result or {}, operation)


def _structure(shape: StructureShape, value: dict[str, Any], where: str) -> dict[str, Any]:
    missing = [name for name in shape.required_members if value.get(name) is None]
    if missing:
        # An emulator bug, never a client error: fail loudly so that tests catch it.
        raise InternalServerException(f"{where}: required output member(s) missing: {', '.join(missing)}")
    out: dict[str, Any] = {}
    for name, member in shape.members.items():
        if value.get(name) is not None:
            out[name] = _value(member, value[name], f"{where}.{name}")
    return out


def _value(shape: Shape, value: Any, where: str) -> Any:
    if isinstance(shape, StructureShape):
        return _structure(shape, value, where)
    if isinstance(shape, ListShape):
        return [_value(shape.member, item, where) for item in value]
    if isinstance(shape, MapShape):
        return {key: _value(shape.value, item, where) for key, item in value.items()}
    if shape.type_name == "timestamp" and isinstance(value, datetime):
        return round(value.timestamp(), 3)
    return value
