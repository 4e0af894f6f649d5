"""The inventory: what a team deployed with Proton, read from YAML and checked at file:line.

Two passes, each reporting every problem it finds (one line each, ``file:line:column: where: what``):

1. the shape, against ``inventory.schema.json`` (JSON Schema 2020-12, shipped with the package);
2. what the shape cannot say: the repository, template folders, spec and component files exist,
   names are unique, and every service instance's environment is in the inventory.

The specs themselves are checked against their template's schema when the plan renders them
(:mod:`proton_lint.migrate.templates`), again at their own file:line.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from proton_lint.migrate.errors import MigrateError
from proton_lint.source import parse_yaml

SCHEMA_FILE = Path(__file__).with_name("inventory.schema.json")


class InventoryError(MigrateError):
    """The inventory cannot be used; the message lists each problem at its file:line."""


@dataclass(frozen=True)
class EnvironmentEntry:
    name: str
    at: tuple  # the entry's path in the inventory document, for messages
    template: str | None = None
    major: int | None = None
    spec: Path | None = None
    stack: str | None = None
    account_id: str | None = None
    outputs: dict[str, str] | None = None

    @property
    def deployed_here(self) -> bool:
        """Whether the inventory renders and deploys it (else it only provides outputs)."""
        return self.template is not None


@dataclass(frozen=True)
class ServiceEntry:
    name: str
    at: tuple
    template: str
    major: int
    spec: Path
    instance_stacks: dict[str, str] = field(default_factory=dict)
    pipeline_stack: str | None = None
    instance_outputs: dict[str, dict[str, str]] = field(default_factory=dict)
    repository_connection_arn: str = ""
    repository_id: str = ""
    branch_name: str = ""


@dataclass(frozen=True)
class ComponentEntry:
    name: str
    at: tuple
    environment: str
    folder: Path
    service: str | None = None
    instance: str | None = None
    stack: str | None = None


@dataclass
class Inventory:
    path: Path
    repository: Path
    environments: list[EnvironmentEntry]
    services: list[ServiceEntry]
    components: list[ComponentEntry]
    doc: Any = field(repr=False, default=None)

    def where(self, at: tuple, *, key: bool = False) -> str:
        """``file:line:column`` of the node at ``at``."""
        return where(self.path, self.doc, at, key=key)

    def environment(self, name: str) -> EnvironmentEntry | None:
        return next((e for e in self.environments if e.name == name), None)


def where(path: Path, doc: Any, at: tuple, *, key: bool = False) -> str:
    span = doc.span_of(tuple(at), key=key) if doc is not None else None
    return f"{path}:{span.line}:{span.column}" if span is not None else str(path)


def dotted(at: tuple) -> str:
    """``services[0].major`` for ("services", 0, "major")."""
    out = ""
    for part in at:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "the inventory"


@lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _shape_problems(path: Path, doc: Any) -> list[tuple[int, str]]:
    from jsonschema import Draft202012Validator

    problems = []
    for error in Draft202012Validator(schema()).iter_errors(doc.data):
        at = tuple(error.absolute_path)
        span = doc.span_of(at)
        message = error.message
        if error.validator == "additionalProperties":
            message = f"{message}; the keys are described in the inventory schema (README, 'Leaving Proton')"
        problems.append((span.line, f"{path}:{span.line}:{span.column}: {dotted(at)}: {message}"))
    return problems


def load(path: Path) -> Inventory:
    """Read and check the inventory at ``path``; InventoryError listing every problem at its file:line."""
    data = _read(path)
    doc = parse_yaml(data)
    if doc.problems:
        first = doc.problems[0]
        raise InventoryError(f"{path}:{first.span.line}:{first.span.column}: {first.message}")
    if not isinstance(doc.data, dict):
        raise InventoryError(f"{path}:1:1: the inventory must be a mapping with 'repository:' (see the README)")
    problems = _shape_problems(path, doc)
    if problems:
        raise InventoryError(_listed([text for _, text in sorted(problems)]))
    inventory = _build(path, doc)
    problems = _meaning_problems(inventory)
    if problems:
        raise InventoryError(_listed(problems))
    return inventory


#: problems shown at most; the rest are counted
SHOWN = 50


def _listed(problems: list[str]) -> str:
    more = len(problems) - SHOWN
    return "\n".join(problems[:SHOWN] + ([f"... and {more} more problems"] if more > 0 else []))


def _read(path: Path) -> bytes:
    """The file's bytes, refused unread past ``limits.inventory-size``."""
    from proton_lint import budgets

    limit = budgets.current().inventory_size
    try:
        size = path.stat().st_size
        if size > limit:
            raise InventoryError(
                f"{path}: {size} bytes is more than an inventory holds (limits.inventory-size is {limit})"
            )
        return path.read_bytes()
    except OSError as error:
        raise InventoryError(f"{path}: cannot read the inventory ({error.strerror or error})") from None


def _build(path: Path, doc: Any) -> Inventory:
    base = path.parent
    data = doc.data
    environments = [
        EnvironmentEntry(
            name=e["name"],
            at=("environments", i),
            template=e.get("template"),
            major=e.get("major"),
            spec=base / e["spec"] if "spec" in e else None,
            stack=e.get("stack"),
            account_id=e.get("account_id"),
            outputs={str(k): _text(v) for k, v in e["outputs"].items()} if "outputs" in e else None,
        )
        for i, e in enumerate(data.get("environments") or [])
    ]
    services = [
        ServiceEntry(
            name=s["name"],
            at=("services", i),
            template=s["template"],
            major=s["major"],
            spec=base / s["spec"],
            instance_stacks=dict(s.get("instance_stacks") or {}),
            pipeline_stack=s.get("pipeline_stack"),
            instance_outputs={
                str(k): {str(n): _text(v) for n, v in o.items()} for k, o in (s.get("instance_outputs") or {}).items()
            },
            repository_connection_arn=s.get("repository_connection_arn", ""),
            repository_id=s.get("repository_id", ""),
            branch_name=s.get("branch_name", ""),
        )
        for i, s in enumerate(data.get("services") or [])
    ]
    repository = base / data["repository"]
    components = [
        ComponentEntry(
            name=c["name"],
            at=("components", i),
            environment=c["environment"],
            folder=repository / c["template"],
            service=c.get("service"),
            instance=c.get("instance"),
            stack=c.get("stack"),
        )
        for i, c in enumerate(data.get("components") or [])
    ]
    return Inventory(path, repository, environments, services, components, doc)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _meaning_problems(inventory: Inventory) -> list[str]:
    problems: list[str] = []
    if not inventory.repository.is_dir():
        problems.append(f"{inventory.where(('repository',))}: {inventory.repository} is not a folder")
        return problems
    for kind, entries in (
        ("environment", inventory.environments),
        ("service", inventory.services),
        ("component", inventory.components),
    ):
        seen: set[str] = set()
        for entry in entries:
            if entry.name in seen:
                problems.append(f"{inventory.where((*entry.at, 'name'))}: a second {kind} named {entry.name!r}")
            seen.add(entry.name)
    for entry in [*inventory.environments, *inventory.services]:
        problems += _template_problems(inventory, entry)
    for component in inventory.components:
        if not (component.folder / "manifest.yaml").is_file():
            problems.append(
                f"{inventory.where((*component.at, 'template'))}: {component.folder} has no manifest.yaml "
                "(a directly defined component's folder holds manifest.yaml and its IaC file)"
            )
        if inventory.environment(component.environment) is None:
            problems.append(
                f"{inventory.where((*component.at, 'environment'))}: no environment {component.environment!r} "
                "in the inventory's environments"
            )
    return problems


def _template_problems(inventory: Inventory, entry: EnvironmentEntry | ServiceEntry) -> list[str]:
    if entry.template is None:
        return []
    problems = []
    if find_template(inventory.repository, entry.template, entry.major or 0) is None:
        problems.append(
            f"{inventory.where((*entry.at, 'template'))}: no folder {entry.template}/v{entry.major}/ in "
            f"{inventory.repository} (nor one level down, as in environment-templates/{entry.template}/v{entry.major}/)"
        )
    if entry.spec is not None and not entry.spec.is_file():
        problems.append(f"{inventory.where((*entry.at, 'spec'))}: {entry.spec} is not a file")
    return problems


def find_template(repository: Path, template: str, major: int) -> Path | None:
    """``<repository>/<template>/v<major>``, or one level down (``environment-templates/...``)."""
    direct = repository / template / f"v{major}"
    if direct.is_dir():
        return direct
    for child in sorted(repository.iterdir()):
        nested = child / template / f"v{major}"
        if child.is_dir() and nested.is_dir():
            return nested
    return None
