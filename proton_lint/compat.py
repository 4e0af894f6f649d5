"""Minor-version compatibility of schemas (SCH-40, SCH-41).

Template sync publishes a change to ``<template>/vN/`` as a new minor version of major N, and Proton
refuses a minor version whose schema is not backward compatible: existing environments and
services must keep working without new information. Proton calls its check "best effort" and does
not document it; ``breaking_changes`` implements the catalogue's heuristics:

* a new required input without a default; an input that became required without a default;
* an input removed or renamed;
* a changed ``type``;
* an ``enum`` added or narrowed; a ``pattern`` added or changed; ``minLength``/``minimum``/``minItems``
  raised or added, ``maxLength``/``maximum``/``maxItems`` lowered or added; exclusive bounds added;
* a ``default`` removed from a required input;
* a changed ``*_input_type`` name; ``pipeline_input_type`` added or removed.

``read_base_schemas`` reads each bundle's schema as it was at the base: a git revision (one
``git cat-file --batch`` per repository, read-only, without the network) or a folder holding a
copy of the repository (a checkout of the base branch, for shallow CI clones).
"""

from __future__ import annotations

import contextlib
import difflib
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from proton_lint.bundle import SCHEMA_FILE, Bundle
from proton_lint.schema import ref_target

INPUT_TYPE_KEYS = ("environment_input_type", "service_input_type", "pipeline_input_type")
#: Seconds one git command may take.
GIT_TIMEOUT = 60
#: Nesting depth followed through items, nested properties and ``$ref``.
MAX_DEPTH = 12


@dataclass(frozen=True)
class Change:
    """One backward-incompatible change, at a node of the new schema file."""

    message: str
    at: tuple
    key: bool = False


# -- comparing two schemas -----------------------------------------------------------------------
def breaking_changes(old_root: dict, new_root: dict) -> list[Change]:
    """Changes from ``old_root`` to ``new_root`` (both the mapping under ``schema:``) that break a minor version."""
    out: list[Change] = []
    old_types = old_root.get("types") if isinstance(old_root.get("types"), dict) else {}
    new_types = new_root.get("types") if isinstance(new_root.get("types"), dict) else {}
    for key in INPUT_TYPE_KEYS:
        old_name, new_name = old_root.get(key), new_root.get(key)
        if old_name is None and new_name is None:
            continue
        if old_name is None:
            what = "adds a pipeline" if key == "pipeline_input_type" else f"adds {key}"
            out.append(Change(f"{key} {new_name!r} is new: the schema {what}", ("schema", key), key=True))
            continue
        if new_name is None:
            what = "removes the pipeline" if key == "pipeline_input_type" else f"removes {key}"
            out.append(Change(f"{key} {old_name!r} is gone: the schema {what}", ("schema",), key=True))
            continue
        if old_name != new_name:
            out.append(Change(f"{key} changed from {old_name!r} to {new_name!r}", ("schema", key)))
        old_node = _deref(old_types.get(old_name) if isinstance(old_name, str) else None, old_types)
        new_node = _deref(new_types.get(new_name) if isinstance(new_name, str) else None, new_types)
        if isinstance(old_node, dict) and isinstance(new_node, dict) and isinstance(new_name, str):
            label = "pipeline input" if key == "pipeline_input_type" else "input"
            comparer = _Comparer(old_types, new_types, out)
            comparer.object(old_node, new_node, ("schema", "types", new_name), label, 0)
    return out


def _deref(node: Any, types: dict) -> Any:
    seen: set[str] = set()
    while isinstance(node, dict) and "$ref" in node:
        target = ref_target(node["$ref"])
        if target is None or target in seen:
            return node
        seen.add(target)
        node = types.get(target)
    return node


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


@dataclass
class _Comparer:
    old_types: dict
    new_types: dict
    out: list[Change]
    seen: set = field(default_factory=set)

    def add(self, message: str, at: tuple, key: bool = False) -> None:
        self.out.append(Change(message, at, key))

    def object(self, old: dict, new: dict, at: tuple, label: str, depth: int) -> None:
        old_props = old.get("properties") if isinstance(old.get("properties"), dict) else {}
        new_props = new.get("properties") if isinstance(new.get("properties"), dict) else {}
        old_req = (
            {r for r in old.get("required") or [] if isinstance(r, str)}
            if isinstance(old.get("required"), list)
            else set()
        )
        new_req = (
            {r for r in new.get("required") or [] if isinstance(r, str)}
            if isinstance(new.get("required"), list)
            else set()
        )
        added = [n for n in new_props if n not in old_props]
        for name in old_props:
            if name in new_props:
                continue
            close = difflib.get_close_matches(str(name), [str(a) for a in added], n=1, cutoff=0.6)
            renamed = f" (renamed to {close[0]!r}?)" if close else ""
            where = (*at, "properties") if new_props else at
            self.add(
                f"{label} {name!r} was removed{renamed}: specs and deployments that set it no longer fit", where, True
            )
        for name in added:
            prop = _deref(new_props[name], self.new_types)
            if name in new_req and not (isinstance(prop, dict) and "default" in prop):
                self.add(
                    f"new {label} {name!r} is required and has no default: existing deployments have no value for it",
                    (*at, "properties", name),
                    True,
                )
        for name, new_raw in new_props.items():
            if name not in old_props:
                continue
            old_prop = _deref(old_props[name], self.old_types)
            new_prop = _deref(new_raw, self.new_types)
            if not (isinstance(old_prop, dict) and isinstance(new_prop, dict)):
                continue
            where = (*at, "properties", name)
            if name in new_req and "default" not in new_prop:
                if name not in old_req and "default" not in old_prop:
                    self.add(f"{label} {name!r} became required and has no default", where, True)
                elif "default" in old_prop:
                    self.add(
                        f"{label} {name!r} is required and lost its default {old_prop['default']!r}: deployments "
                        "that relied on it have no value",
                        where,
                        True,
                    )
            self.property(old_prop, new_prop, where, f"{label} {name!r}", depth + 1)

    def property(self, old: dict, new: dict, at: tuple, what: str, depth: int) -> None:
        if depth > MAX_DEPTH or (id(old), id(new)) in self.seen:
            return
        self.seen.add((id(old), id(new)))
        old_type, new_type = old.get("type"), new.get("type")
        if new_type is not None and old_type != new_type:
            before = "no type" if old_type is None else f"type {old_type!r}"
            self.add(f"{what} changed from {before} to type {new_type!r}", (*at, "type"))
            return  # the other constraints of another type are not comparable
        self.enum(old, new, at, what)
        old_pattern, new_pattern = old.get("pattern"), new.get("pattern")
        if new_pattern is not None and new_pattern != old_pattern:
            if old_pattern is None:
                self.add(
                    f"{what} has a new pattern {new_pattern!r}: values given before may not match", (*at, "pattern")
                )
            else:
                self.add(
                    f"{what} changed its pattern from '{old_pattern}' to '{new_pattern}': values given before may "
                    "not match",
                    (*at, "pattern"),
                )
        for key, raise_breaks in (
            ("minLength", True),
            ("maxLength", False),
            ("minimum", True),
            ("maximum", False),
            ("minItems", True),
            ("maxItems", False),
        ):
            self.bound(old, new, at, what, key=key, raise_breaks=raise_breaks)
        for key, bound in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
            if new.get(key) is True and old.get(key) is not True and _number(new.get(bound)) is not None:
                self.add(f"{what} made its {bound} {new.get(bound)} exclusive", (*at, key))
        if new.get("uniqueItems") is True and old.get("uniqueItems") is not True:
            self.add(f"{what} now needs unique items", (*at, "uniqueItems"))
        if old.get("nullable") is True and new.get("nullable") is not True:
            self.add(f"{what} is no longer nullable", at, True)
        old_items, new_items = _deref(old.get("items"), self.old_types), _deref(new.get("items"), self.new_types)
        if isinstance(old_items, dict) and isinstance(new_items, dict):
            self.property(old_items, new_items, (*at, "items"), f"the items of {what}", depth + 1)
        if isinstance(old.get("properties"), dict) and isinstance(new.get("properties"), dict):
            self.object(old, new, at, f"{what}: property", depth + 1)

    def enum(self, old: dict, new: dict, at: tuple, what: str) -> None:
        new_enum = new.get("enum")
        if not isinstance(new_enum, list):
            return
        old_enum = old.get("enum")
        if not isinstance(old_enum, list):
            self.add(f"{what} has a new enum {new_enum!r}: other values given before are now refused", (*at, "enum"))
            return
        dropped = [v for v in old_enum if v not in new_enum]
        if dropped:
            self.add(f"{what} no longer allows {', '.join(repr(v) for v in dropped)}", (*at, "enum"))

    def bound(self, old: dict, new: dict, at: tuple, what: str, *, key: str, raise_breaks: bool) -> None:
        new_value = _number(new.get(key))
        if new_value is None:
            return
        old_value = _number(old.get(key))
        if old_value is None:
            if raise_breaks and key in ("minLength", "minItems") and new_value <= 0:
                return
            self.add(f"{what} has a new {key} of {new.get(key)}: values given before may be refused", (*at, key))
        elif (new_value > old_value) if raise_breaks else (new_value < old_value):
            verb = "raised" if raise_breaks else "lowered"
            self.add(f"{what} {verb} its {key} from {old.get(key)} to {new.get(key)}", (*at, key))


# -- reading the base ----------------------------------------------------------------------------
@dataclass
class BaseSchemas:
    """Schema file contents at the base, by ``id(bundle)`` (absent: no schema there, or unreadable)."""

    contents: dict[int, bytes] = field(default_factory=dict)
    #: (path to show, message) for problems worth reporting, e.g. an unknown revision
    notes: list[tuple[str, str]] = field(default_factory=list)
    #: "git" or "folder"
    mode: str = "git"


def _git_toplevel(folder: Path) -> Path | None:
    for candidate in (folder, *folder.parents):
        if (candidate / ".git").exists():
            return candidate
    return None


def _bundle_folder(bundle: Bundle) -> Path | None:
    root = getattr(bundle.source, "root", None)
    return Path(os.path.abspath(root)) if root is not None else None


def _base_folder(base: str, roots: list[Path]) -> Path | None:
    """``base`` as a folder: absolute, relative to the working directory, or to a linted folder."""
    path = Path(base).expanduser()
    if path.is_dir():
        return Path(os.path.abspath(path))
    if not path.is_absolute():
        for root in roots:
            top = root if root.is_dir() else root.parent
            if (top / path).is_dir():
                return Path(os.path.abspath(top / path))
    return None


def read_base_schemas(base: str, bundles: list[Bundle], roots: list[Path]) -> BaseSchemas:
    """The schema of each bundle (on disk) at ``base``: a folder holding the base tree, or a git revision."""
    abs_roots = [Path(os.path.abspath(r)) for r in roots]
    folder = _base_folder(base, abs_roots)
    if folder is not None:
        return _from_folder(folder, bundles, abs_roots)
    return _from_git(base, bundles)


def _from_folder(base: Path, bundles: list[Bundle], roots: list[Path]) -> BaseSchemas:
    result = BaseSchemas(mode="folder")
    cwd = Path(os.path.abspath(os.getcwd()))
    for bundle in bundles:
        folder = _bundle_folder(bundle)
        if folder is None or folder == base or base in folder.parents:
            continue  # the base's own bundles are not compared with themselves
        anchors = [a for a in (_git_toplevel(folder), cwd, *roots) if a is not None]
        for anchor in anchors:
            if anchor != folder and anchor not in folder.parents:
                continue
            candidate = base / folder.relative_to(anchor) / SCHEMA_FILE
            if candidate.is_file():
                with contextlib.suppress(OSError):
                    result.contents[id(bundle)] = candidate.read_bytes()
                break
    return result


def _git(toplevel: Path, *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    """Run a read-only git command in ``toplevel``: no hooks, no fsmonitor, no network, no prompts."""
    env = {**os.environ, "GIT_NO_LAZY_FETCH": "1", "GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0"}
    env.pop("GIT_DIR", None)
    env.pop("GIT_WORK_TREE", None)
    command = ["git", "-c", "core.fsmonitor=false", "-c", "protocol.allow=never", "-C", str(toplevel), *args]
    return subprocess.run(command, input=stdin, capture_output=True, timeout=GIT_TIMEOUT, env=env, check=False)


def _from_git(rev: str, bundles: list[Bundle]) -> BaseSchemas:
    result = BaseSchemas(mode="git")
    groups: dict[Path, list[tuple[Bundle, str]]] = {}
    for bundle in bundles:
        folder = _bundle_folder(bundle)
        top = _git_toplevel(folder) if folder is not None else None
        if folder is None or top is None:
            continue
        rel = folder.relative_to(top).as_posix()
        path = f"{rel}/{SCHEMA_FILE}" if rel != "." else SCHEMA_FILE
        if "\n" in path:
            continue
        groups.setdefault(top, []).append((bundle, path))
    for top, members in groups.items():
        if rev.startswith("-") or "\n" in rev:
            result.notes.append((str(top), f"--compat-base {rev!r} is not a commit of the git repository here"))
            continue
        try:
            check = _git(top, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}")
            if check.returncode == 1:
                result.notes.append((str(top), f"--compat-base {rev!r} is not a commit of the git repository here"))
                continue
            if check.returncode != 0:
                continue  # not a repository git will read (ownership, corruption): skip quietly
            names = b"".join(f"{rev}:{path}\n".encode() for _bundle, path in members)
            batch = _git(top, "cat-file", "--batch", stdin=names)
        except (OSError, subprocess.SubprocessError):
            return result  # no git, or it hung: compare nothing
        if batch.returncode != 0:
            continue
        for (bundle, _path), content in zip(members, _parse_batch(batch.stdout), strict=False):
            if content is not None:
                result.contents[id(bundle)] = content
    return result


def _parse_batch(output: bytes) -> list[bytes | None]:
    """Objects from ``git cat-file --batch`` output, in order; None for missing ones."""
    found: list[bytes | None] = []
    pos = 0
    while pos < len(output):
        end = output.find(b"\n", pos)
        if end < 0:
            break
        header = output[pos:end].split()
        pos = end + 1
        if len(header) == 3 and header[2].isdigit():
            size = int(header[2])
            body = output[pos : pos + size]
            pos += size + 1  # the object and its trailing newline
            found.append(body if header[1] == b"blob" else None)
        else:
            found.append(None)  # "<name> missing" or "ambiguous"
    return found
