"""Specs from files, YAML text or dicts; service instances mapped onto the test's environments.

A spec argument may be a path (``Path`` or a string naming an existing file), YAML text, or a dict.
A dict without a ``proton:`` key is taken as the inputs: ``{"vpc_cidr": "10.0.0.0/16"}`` becomes
``proton: EnvironmentSpec`` + ``spec: {...}``.

Service specs name environments by the names the template authors wrote (``vpc-env-dev``). The
fixtures give every environment a unique name, so each instance's ``environment:`` is rewritten:
from ``environments=`` (a handle for every instance, a list of handles matched by their logical
name, or a dict ``{spec name: handle or name}``), else from the environments the test (or the
session) made with that logical name.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml


def load(spec: Any) -> dict[str, Any]:
    if isinstance(spec, dict):
        return copy.deepcopy(spec)  # never change the caller's dict
    if isinstance(spec, Path) or (isinstance(spec, str) and "\n" not in spec and Path(spec).is_file()):
        text = Path(spec).read_text(encoding="utf-8")
    elif isinstance(spec, str):
        text = spec
    else:
        raise TypeError(f"a spec is a path, YAML text or a dict, not {type(spec).__name__}")
    document = yaml.safe_load(text) or {}
    if not isinstance(document, dict):
        raise ValueError(f"the spec is not a YAML mapping: {text[:200]!r}")
    return document


def sample_inputs(path: Path, kind: str) -> dict[str, Any] | None:
    """An EnvironmentSpec from a ``proton-inputs.json`` / ``proton.auto.tfvars.json`` sample's
    ``environment.inputs`` (None for other samples: a service spec also needs its environments)."""
    import json

    if kind != "environment":
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    environment = data.get("environment") if isinstance(data, dict) else None
    inputs = environment.get("inputs") if isinstance(environment, dict) else None
    return {"proton": "EnvironmentSpec", "spec": dict(inputs)} if isinstance(inputs, dict) else None


def environment_spec(spec: Any) -> str:
    document = load(spec)
    if "proton" not in document:
        document = {"proton": "EnvironmentSpec", "spec": document}
    return yaml.safe_dump(document, sort_keys=False)


def _environment_name(value: Any) -> str:
    return value if isinstance(value, str) else value.name


def service_spec(spec: Any, lifecycle: Any, environments: Any = None) -> str:
    document = load(spec)
    if "proton" not in document:
        document = {"proton": "ServiceSpec", **document}
    for entry in document.get("instances") or []:
        wanted = entry.get("environment")
        entry["environment"] = resolve_environment(wanted, entry.get("name"), lifecycle, environments)
    return yaml.safe_dump(document, sort_keys=False)


def resolve_environment(wanted: str | None, instance: str | None, lifecycle: Any, environments: Any) -> str:
    if environments is not None and not isinstance(environments, (dict, list, tuple)):
        return _environment_name(environments)  # one environment for every instance
    if isinstance(environments, dict):
        if wanted in environments:
            return _environment_name(environments[wanted])
    elif isinstance(environments, (list, tuple)):
        for env in environments:
            if getattr(env, "logical_name", None) == wanted or _environment_name(env) == wanted:
                return _environment_name(env)
        if len(environments) == 1:
            return _environment_name(environments[0])
    found = lifecycle.find_environment(wanted) if wanted else None
    if found is not None:
        return found.name
    made = [env.logical_name for env in lifecycle.all_environments()]
    raise LookupError(
        f"service instance {instance!r} wants environment {wanted!r}, which this test did not make "
        f"(it made: {', '.join(made) or 'none'}); create it with proton_env(..., name={wanted!r}) "
        "or pass environments={...} to map the spec's names onto environments"
    )
