"""Sync files: what a service template says about its compatible environments, and ``proton-ops.yaml``.

Template sync reads two files from each major-version folder of a service template
(``<template>/vN/``): ``.template-registration.yaml`` (the current format) and ``.compatible-envs``
(the legacy one, one ``env-template:major`` per line). Service sync reads a "Proton Ops" file, by
convention ``proton-ops.yaml``. This module parses them into plain data with a line for every
entry; the rules in proton_lint.checks.sync report on them, and other rules call
:func:`compatible_environments` to learn which environment templates a service template runs in.

Nothing here raises for bad input: a broken file yields fewer entries, and its problems are
reported by the sync rules (or, for YAML syntax, by PL106/PL108).
"""

from __future__ import annotations

import difflib
import fnmatch
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from proton_lint.bundle import SKIP_DIRS, BundleKind, display_path
from proton_lint.files import read_regular
from proton_lint.findings import Span

if TYPE_CHECKING:
    from proton_lint.bundle import Bundle
    from proton_lint.repo import Repository

REGISTRATION_FILE = ".template-registration.yaml"
LEGACY_FILE = ".compatible-envs"
SYNC_FILES = (REGISTRATION_FILE, LEGACY_FILE)

COMPATIBLE_KEY = "compatible_environments"
COMPONENT_SOURCES_KEY = "supported_component_sources"
REGISTRATION_KEYS = (COMPATIBLE_KEY, COMPONENT_SOURCES_KEY)
#: SM:ServiceTemplateSupportedComponentSourceType
COMPONENT_SOURCES = ("DIRECTLY_DEFINED",)

#: SM:ResourceName (API-01): template, service, instance names.
RESOURCE_NAME = re.compile(r"^[0-9A-Za-z]+[0-9A-Za-z_\-]*$")
RESOURCE_NAME_MAX = 100
#: SM:TemplateVersionPart (API-03): a major version, no leading zeros, 1-20 characters.
MAJOR_VERSION = re.compile(r"^(0|[1-9][0-9]*)$")
MAJOR_VERSION_MAX = 20
#: SM:CompatibleEnvironmentTemplateInputList (API-24).
MAX_COMPATIBLE = 10


# -- compatible environments ----------------------------------------------------------------------
@dataclass(frozen=True)
class EnvRef:
    """One compatible-environment entry, as written, with where it is.

    ``name`` and ``major`` are set when the entry is well formed (``major`` is None otherwise);
    ``problem`` says what is wrong with it, in words for a finding.
    """

    file: str  #: REGISTRATION_FILE or LEGACY_FILE
    text: str  #: the entry as written (repr of non-strings)
    span: Span
    at: tuple = ()  #: logical path in the YAML file; () for the legacy file
    name: str | None = None
    major: int | None = None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None and self.name is not None and self.major is not None


def check_env_ref(text: str) -> tuple[str | None, int | None, str | None]:
    """Split ``"name:major"``: (name, major, None) when valid, else what is wrong."""
    if ":" not in text:
        return (
            None,
            None,
            f"{text!r} has no major version: write <environment-template>:<major>, e.g. {text.strip() or 'my-env'}:1",
        )
    name, _, major = text.rpartition(":")
    if name != name.strip() or major != major.strip():
        return None, None, f"{text!r} has spaces around the colon or at an end: write {name.strip()}:{major.strip()}"
    if not name:
        return None, None, f"{text!r} names no environment template before the colon"
    if not RESOURCE_NAME.match(name):
        return None, None, f"{name!r} is not a valid template name (letters, digits, - and _, starting alphanumeric)"
    if len(name) > RESOURCE_NAME_MAX:
        return None, None, f"template name {name[:20]}... has {len(name)} characters; the limit is 100"
    if not major:
        return None, None, f"{text!r} has no major version after the colon"
    if not MAJOR_VERSION.match(major) or len(major) > MAJOR_VERSION_MAX:
        digits = major.lstrip("vV").split(".")[0].lstrip("0") or "0"
        if major[:1] in "vV" and digits.isdigit():
            why = f"the major version is a number: write {name}:{digits}, not {major}"
        elif "." in major and digits.isdigit():
            why = f"give only the major version: {name}:{digits}, not {major}"
        elif major.isdigit():
            why = f"a major version has no leading zeros: write {name}:{digits}"
        else:
            why = f"{major!r} is not a major version number (0, 1, 2, ...)"
        return None, None, why
    return name, int(major), None


def registration_refs(bundle: Bundle, *, lenient: bool = True) -> list[EnvRef]:
    """The entries of ``compatible_environments`` in the bundle's ``.template-registration.yaml``.

    With ``lenient``, entries under a misspelt key (``compatible_environment:``) count too: the
    misspelling is reported once by its own rule, not again by every rule that needs the list.
    """
    doc = bundle.yaml(REGISTRATION_FILE)
    if doc is None or not doc.ok or not isinstance(doc.data, dict):
        return []
    key = compatible_key(doc.data, lenient=lenient)
    if key is None:
        return []
    value = doc.data[key]
    items = value if isinstance(value, list) else [value] if isinstance(value, str) else []
    refs = []
    for i, item in enumerate(items):
        at = (key, i) if isinstance(value, list) else (key,)
        span = doc.span_of(at)
        if isinstance(item, str):
            name, major, problem = check_env_ref(item)
            refs.append(EnvRef(REGISTRATION_FILE, item, span, at, name, major, problem))
        elif isinstance(item, dict) and len(item) == 1:
            ((k, v),) = item.items()
            written = f"{k}: {v}"
            problem = f"YAML reads `{written}` as a mapping: remove the space after the colon ({k}:{v})"
            refs.append(EnvRef(REGISTRATION_FILE, written, span, at, problem=problem))
        else:
            text = repr(item)
            problem = f'entry {text} is not a "<environment-template>:<major>" string'
            if isinstance(item, int) and not isinstance(item, bool):
                problem += " (YAML read it as a number: quote it)"
            refs.append(EnvRef(REGISTRATION_FILE, text, span, at, problem=problem))
    return refs


_YAML_LIST_ITEM = re.compile(r"^-\s+")


def legacy_refs(bundle: Bundle) -> list[EnvRef]:
    """The entries of the bundle's ``.compatible-envs``: one ``name:major`` per non-blank line.

    Lines starting with ``#`` are skipped (Proton's handling of them is undocumented).
    """
    if not bundle.has(LEGACY_FILE):
        return []
    try:
        text = bundle.source.read(LEGACY_FILE).decode("utf-8-sig", errors="replace")
    except OSError:
        return []
    return parse_legacy(text)


def parse_legacy(text: str) -> list[EnvRef]:
    refs = []
    for number, raw in enumerate(text.splitlines(), start=1):
        entry = raw.strip()
        if not entry or entry.startswith("#"):
            continue
        start = raw.index(entry[0]) + 1
        span = Span(number, start, number, start + len(entry) - 1)
        if _YAML_LIST_ITEM.match(entry) or entry.endswith(":") or entry.startswith(COMPATIBLE_KEY):
            problem = (
                f"{entry!r} looks like YAML: {LEGACY_FILE} is plain text, one <environment-template>:<major> "
                f"per line (or move the list to {REGISTRATION_FILE})"
            )
            refs.append(EnvRef(LEGACY_FILE, entry, span, problem=problem))
            continue
        name, major, problem = check_env_ref(entry)
        refs.append(EnvRef(LEGACY_FILE, entry, span, (), name, major, problem))
    return refs


def compatible_environments(bundle: Bundle) -> list[tuple[str, int]]:
    """The environment templates and majors a service template bundle declares itself compatible with.

    Read from ``.template-registration.yaml`` when the bundle has one (entries under a misspelt
    ``compatible_environment:`` key count, see :func:`registration_refs`), else from the legacy
    ``.compatible-envs``. Only well-formed entries are returned, in file order, without
    duplicates: ``[("fargate-env", 1), ("fargate-env", 2)]``. Empty when the bundle has neither
    file (a bundle outside template sync, or an environment bundle).
    """
    refs = registration_refs(bundle) if bundle.has(REGISTRATION_FILE) else legacy_refs(bundle)
    seen: dict[tuple[str, int], None] = {}
    for ref in refs:
        if ref.ok:
            seen[(ref.name, ref.major)] = None  # type: ignore[index]
    return list(seen)


def compatible_environment_bundles(bundle: Bundle) -> list[Bundle]:
    """The environment template bundles of the run that :func:`compatible_environments` names.

    Each ``name:major`` is looked up as ``<name>/v<major>/`` among the run's environment bundles
    (``bundle.repo.template_version``); entries the repository does not hold are left out (PL707
    reports them). Empty when the bundle is not part of a run.
    """
    repo = bundle.repo
    if repo is None:
        return []
    pairs = compatible_environments(bundle)
    found = (repo.template_version(name, major, BundleKind.ENVIRONMENT) for name, major in pairs)
    return [env for env in found if env is not None]


def assumed_environment_bundles(bundle: Bundle) -> list[Bundle]:
    """The environment templates a service template that declares none may run in: the run's
    environment bundles nearest to it (in the closest folder that holds any), within its
    repository (the closest folder above it that holds ``.git``, when there is one).

    For a service template without ``.template-registration.yaml`` or ``.compatible-envs`` (or with
    a misnamed one, which Proton does not read) this is the best guess of where it deploys.
    """
    repo = bundle.repo
    if repo is None:
        return []
    here = _location(bundle)
    top = _repository_top(here)
    candidates = [
        (_shared_depth(here, there), env)
        for env in repo.bundles
        if env.kind is BundleKind.ENVIRONMENT and (there := _location(env))[:top] == here[:top]
    ]
    nearest = max((depth for depth, _ in candidates), default=0)
    return [env for depth, env in candidates if depth == nearest]


def _shared_depth(a: tuple[str, ...], b: tuple[str, ...]) -> int:
    """How many leading path components ``a`` and ``b`` share."""
    depth = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        depth += 1
    return depth


def _location(bundle: Bundle) -> tuple[str, ...]:
    """The folders (and, in an archive, members) down to the bundle's root, from the filesystem root."""
    outer, sep, inner = bundle.root.partition("!/")
    parts = Path(os.path.abspath(outer)).parts
    return parts + tuple(p for p in inner.split("/") if p) if sep else parts


def _repository_top(parts: tuple[str, ...]) -> int:
    """How many leading ``parts`` make the path of the closest folder holding ``.git`` (0: none)."""
    for depth in range(len(parts), 0, -1):
        if os.path.exists(os.path.join(*parts[:depth], ".git")):
            return depth
    return 0


# -- registration file keys ------------------------------------------------------------------------
def _normal_key(key: str) -> str:
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", key)
    return re.sub(r"[\s\-_.]+", "_", snake).strip("_").lower()


def suggest_key(key: Any) -> str | None:
    """The registration key that ``key`` is most likely a misspelling of, or None."""
    if not isinstance(key, str) or key in REGISTRATION_KEYS:
        return None
    norm = _normal_key(key)
    for known in REGISTRATION_KEYS:
        if norm == known:
            return known
    close = difflib.get_close_matches(norm, REGISTRATION_KEYS, n=1, cutoff=0.6)
    if close:
        return close[0]
    if "compat" in norm or "env" in norm:
        return COMPATIBLE_KEY
    if "component" in norm:
        return COMPONENT_SOURCES_KEY
    return None


def intended_key(data: dict, known: str, *, lenient: bool = True) -> str | None:
    """The key of ``data`` that holds ``known``: the exact one, or (lenient) its first misspelling."""
    if known in data:
        return known
    if lenient:
        for key in data:
            if suggest_key(key) == known:
                return key
    return None


def compatible_key(data: dict, *, lenient: bool = True) -> str | None:
    """The key that holds the compatible environments: the exact one, or (lenient) a misspelling."""
    return intended_key(data, COMPATIBLE_KEY, lenient=lenient)


# -- misnamed and misplaced files -----------------------------------------------------------------
_VARIANT_SUFFIXES = (".yaml", ".yml", ".txt", ".json", ".yaml.txt")


@lru_cache(maxsize=4096)
def sync_file_variant(filename: str) -> str | None:
    """The sync file that ``filename`` looks like a misnamed copy of (None if it is exact or unrelated).

    ``.template-registration.yml``, ``template-registration.yaml``, ``.compatible-env``,
    ``.compatible-envs.txt``, ``compatible_envs`` ...
    """
    if filename in SYNC_FILES:
        return None
    stem = filename.lower().lstrip(".")
    suffix = ""
    for candidate in sorted(_VARIANT_SUFFIXES, key=len, reverse=True):
        if stem.endswith(candidate):
            stem, suffix = stem[: -len(candidate)], candidate
            break
    if "." in stem:
        return None  # another extension: a backup, a README ...
    norm = re.sub(r"[\s\-_]+", "-", stem)
    if _similar(norm, "template-registration"):
        return REGISTRATION_FILE
    if norm.startswith("compatible-env") or _similar(norm, "compatible-envs"):
        return REGISTRATION_FILE if suffix in (".yaml", ".yml") else LEGACY_FILE
    return None


def _similar(text: str, target: str, cutoff: float = 0.85) -> bool:
    matcher = difflib.SequenceMatcher(None, text, target)
    return matcher.real_quick_ratio() >= cutoff and matcher.quick_ratio() >= cutoff and matcher.ratio() >= cutoff


# -- repositories ---------------------------------------------------------------------------------
def repository_root(path: Path, roots: list[Path], cache: dict[Path, Path] | None = None) -> Path:
    """The root of the repository that holds ``path``: the nearest folder with ``.git``, else the lint root.

    Lint roots are the folders the user asked to lint; when several checkouts are linted at once,
    each ``.git`` folder separates them.
    """
    start = Path(os.path.abspath(path))
    tops = sorted({Path(os.path.abspath(r if r.is_dir() else r.parent)) for r in roots}, key=lambda p: -len(p.parts))
    seen = []
    folder = start
    while True:
        if cache is not None and folder in cache:
            found = cache[folder]
            break
        seen.append(folder)
        if (folder / ".git").exists():
            found = folder
            break
        if folder.parent == folder:
            found = next((t for t in tops if start == t or t in start.parents), start)
            break
        folder = folder.parent
    if cache is not None:
        for item in seen:
            cache[item] = found
    return found


# -- proton-ops.yaml ------------------------------------------------------------------------------
#: Ops file names: proton-ops.yaml and *-proton-ops.yaml (the docs' custom-proton-ops.yaml).
OPS_FILE_NAME = re.compile(r"(?:^|[-_.])proton[-_]ops\.ya?ml$", re.IGNORECASE)
OPS_INSTANCE_KEYS = ("branch", "spec")


def _excluded(path: Path, excludes: tuple[str, ...]) -> bool:
    if not excludes:
        return False
    rel = display_path(path).replace(os.sep, "/")
    return any(fnmatch.fnmatch(rel, pat) or fnmatch.fnmatch(path.name, pat) for pat in excludes)


def find_ops_files(repo: Repository) -> Iterator[Path]:
    """Service-sync ops files under the run's roots, each once, in a stable order.

    Files named ``proton-ops.yaml`` or ``*-proton-ops.yaml`` (``.yml`` too); a file given
    explicitly is an ops file when its name matches or it is YAML with a top-level ``sync:`` key.
    Version-control, dependency and cache folders and ``--exclude`` globs are skipped.
    """
    excludes = tuple(getattr(repo.options, "exclude", ()) or ())
    seen: set[Path] = set()
    for top in repo.roots:
        if top.is_file():
            if top.suffix in (".yaml", ".yml") and (OPS_FILE_NAME.search(top.name) or _has_sync_key(top)):
                key = top.resolve()
                if key not in seen:
                    seen.add(key)
                    yield top
            continue
        for dirpath, dirnames, filenames in os.walk(top):
            dirnames[:] = sorted(
                d for d in dirnames if d not in SKIP_DIRS and not (excludes and _excluded(Path(dirpath) / d, excludes))
            )
            for name in sorted(n for n in filenames if OPS_FILE_NAME.search(n)):
                path = Path(dirpath) / name
                key = path.resolve()
                if key not in seen and not _excluded(path, excludes):
                    seen.add(key)
                    yield path


def _has_sync_key(path: Path) -> bool:
    try:
        head = read_regular(path)[:65536].decode("utf-8", errors="replace")
    except OSError:
        return False
    return re.search(r"^sync\s*:", head, re.MULTILINE) is not None


@dataclass(frozen=True)
class OpsInstance:
    """One ``service -> instance -> {branch, spec}`` entry of an ops file, with logical paths."""

    service: str
    instance: str
    at: tuple  #: logical path of the instance mapping
    branch: Any = None
    spec: Any = None


def ops_entries(data: Any) -> list[OpsInstance]:
    """The instances an ops document names, reading leniently (lists of one-key mappings too)."""
    out: list[OpsInstance] = []
    sync = data.get("sync") if isinstance(data, dict) else None
    services = sync.get("services") if isinstance(sync, dict) else None
    for service, svc_at, instances in named_items(services, ("sync", "services")):
        for instance, inst_at, value in named_items(instances, svc_at):
            body = value if isinstance(value, dict) else {}
            out.append(OpsInstance(str(service), str(instance), inst_at, body.get("branch"), body.get("spec")))
    return out


def named_items(value: Any, at: tuple) -> Iterator[tuple[Any, tuple, Any]]:
    """(name, logical path, value) of a mapping, or of a list of one-key mappings (a common mistake)."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield key, (*at, key), item
    elif isinstance(value, list):
        for i, entry in enumerate(value):
            if isinstance(entry, dict) and len(entry) == 1:
                ((key, item),) = entry.items()
                yield key, (*at, i, key), item


def resolve_spec(spec: str, ops_file: Path, root: Path) -> tuple[Path | None, bool]:
    """Where an ops file's ``spec:`` path points: (path or None, whether it stays inside ``root``).

    Proton reads spec paths from the repository root (the docs keep ``./configuration/proton-ops.yaml``
    beside ``./frontend-svc/...``). Paths relative to the ops file's folder, or to any folder between
    it and the root, are accepted as well, so an unusual layout is never a false error.
    """
    rel = spec.strip().lstrip("/")
    root = Path(os.path.abspath(root))
    folder = Path(os.path.abspath(ops_file)).parent
    bases = [root]
    while folder != root and root in folder.parents:
        bases.append(folder)
        folder = folder.parent
    inside = False
    for base in bases:
        candidate = Path(os.path.normpath(base / rel))
        if candidate != root and root not in candidate.parents:
            continue
        inside = True
        if candidate.is_file():
            return candidate, True
    return None, inside


#: Characters git never allows in a ref name (git check-ref-format).
_REF_FORBIDDEN = re.compile(r"[\x00-\x20\x7f~^:?*\[\\]")


def branch_problem(branch: str) -> str | None:
    """Why ``branch`` cannot be a git branch name (``git check-ref-format --branch``), or None."""
    bad = _REF_FORBIDDEN.search(branch)
    if bad:
        char = bad.group()
        shown = "a space" if char == " " else "a control character" if char < " " or char == "\x7f" else repr(char)
        return f"contains {shown}"
    if branch.startswith("-"):
        return "starts with '-'"
    if branch == "@" or "@{" in branch:
        return "is '@' or contains '@{'"
    if ".." in branch:
        return "contains '..'"
    if branch.startswith("/") or branch.endswith("/") or "//" in branch:
        return "has an empty path component ('/' at an end or '//')"
    if branch.endswith("."):
        return "ends with '.'"
    for part in branch.split("/"):
        if part.startswith("."):
            return f"has a component starting with '.' ({part})"
        if part.endswith(".lock"):
            return f"has a component ending with '.lock' ({part})"
    return None
