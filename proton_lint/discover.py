"""From the paths a user gives to the bundles to lint.

Folders are walked (VCS, dependency and cache folders skipped, ``--exclude`` globs honoured) and
every bundle root found is linted once: a folder with ``schema/schema.yaml`` or an infrastructure
folder holding a ``manifest.yaml``; a folder holding a ``manifest.yaml`` and its IaC file is a
directly defined component. Single files map to the bundle they belong to, and ``.tar.gz`` files
are read safely in memory. Problems found on the way are returned as notes for the rule engine.
"""

from __future__ import annotations

import errno
import fnmatch
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from proton_lint.archive import ArchiveContents, ArchiveRefused, read_archive, read_archive_bytes
from proton_lint.bundle import (
    INFRA_DIRS,
    LEGACY_INFRA_DIRS,
    SCHEMA_FILE,
    SKIP_DIRS,
    Bundle,
    BundleKind,
    DirSource,
    MemorySource,
    detect_kind,
    display_path,
    project_path,
)
from proton_lint.errors import UserError
from proton_lint.files import describe, unreadable_message
from proton_lint.findings import Span

ARCHIVE_SUFFIXES = (".tar.gz", ".tgz")
#: Anything that looks like a major-version folder, canonical (v1) or not (version1, v01, V2).
VERSION_DIR_LIKE = re.compile(r"^(?:v|ver|version|major)[-_.]?\d+(?:\.\d+)*$", re.IGNORECASE)
CANONICAL_VERSION_DIR = re.compile(r"^v(0|[1-9][0-9]*)$")
#: Folders that conventionally hold directly defined components.
COMPONENTS_FOLDER = re.compile(r"^components?([-_]templates?)?$", re.IGNORECASE)


class DiscoveryError(UserError):
    """A path the user gave cannot be used (exit code 2)."""


@dataclass(frozen=True)
class Note:
    """A problem found while discovering, reported under a discovery rule's ID."""

    rule: str
    path: str
    message: str
    span: Span | None = None


@dataclass
class Discovery:
    bundles: list[Bundle] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    unmatched_files: list[str] = field(default_factory=list)


def _is_excluded(path: Path, excludes: tuple[str, ...], root: Path | None = None) -> bool:
    if not excludes:
        return False
    rel = project_path(display_path(path), root)
    return any(fnmatch.fnmatch(rel, pat) or fnmatch.fnmatch(path.name, pat) for pat in excludes)


def _has_file(folder: Path, rel: str) -> bool:
    return os.path.isfile(os.path.join(folder, rel))


_ROOT_MARKERS = ("schema", *INFRA_DIRS)
_ROOT_MARKERS_SET = frozenset(_ROOT_MARKERS)


def is_bundle_root(folder: Path, names: set[str] | None = None) -> bool:
    """A folder that holds a schema file (or a misnamed ``schema.yml``) or an infrastructure manifest.

    ``names`` (the folder's entries, when the caller has them) saves the lookups for the many
    folders that are not bundles.
    """
    if names is not None and not any(marker in names for marker in _ROOT_MARKERS):
        return False
    if _has_file(folder, SCHEMA_FILE) or _has_file(folder, "schema/schema.yml"):
        return True
    return any(_has_file(folder, f"{d}/manifest.yaml") for d in INFRA_DIRS)


def _names_its_file(folder: Path, file: Path) -> bool:
    """A component folder whose manifest.yaml names ``file`` (a file of that folder)."""
    if file.parent.resolve() != folder or folder.name in (*INFRA_DIRS, *LEGACY_INFRA_DIRS):
        return False
    if not (folder / "manifest.yaml").is_file():
        return False
    component = Bundle(source=DirSource(folder), kind=BundleKind.COMPONENT, layout="component")
    return any(entry.get("file") == file.name for entry in component.manifest_entries("manifest.yaml"))


def _locate(bundle: Bundle, folder_name: str, parent_name: str | None) -> None:
    """Fill in the template-sync coordinates when the folder is a ``<template>/vN`` folder."""
    if VERSION_DIR_LIKE.match(folder_name) and parent_name:
        bundle.layout = "sync"
        bundle.template_name = parent_name
        bundle.version_dir = folder_name
        match = CANONICAL_VERSION_DIR.match(folder_name)
        bundle.major = int(match.group(1)) if match else None


def _folder_bundle(folder: Path) -> Bundle:
    bundle = Bundle(source=DirSource(folder))
    bundle.kind = detect_kind(bundle)
    absolute = Path(os.path.abspath(folder))
    _locate(bundle, absolute.name, absolute.parent.name if absolute.parent != absolute else None)
    return bundle


def _component_or_note(folder: Path) -> Bundle | Note:
    """A folder with a manifest.yaml of its own: a directly defined component, or a stray manifest."""
    bundle = Bundle(source=DirSource(folder), kind=BundleKind.COMPONENT, layout="component")
    entries = bundle.manifest_entries("manifest.yaml")
    names_a_file = any(isinstance(e.get("file"), str) for e in entries)
    looks_like_component = "component" in folder.name.lower() or bool(COMPONENTS_FOLDER.match(folder.parent.name))
    if names_a_file or looks_like_component or not entries:
        return bundle
    return Note(
        "PL107",
        display_path(folder / "manifest.yaml"),
        "manifest.yaml is not inside a bundle's infrastructure folder and names no IaC file, so it is "
        "neither part of a bundle nor a component",
    )


def _walk(top: Path, excludes: tuple[str, ...], found: Discovery, root: Path | None = None) -> None:
    stack = [str(top)]
    while stack:
        folder = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError as exc:
            found.notes.append(Note("PL120", display_path(Path(folder)), unreadable_message(folder, exc)))
            continue
        names = {e.name for e in entries}
        if _ROOT_MARKERS_SET & names and is_bundle_root(Path(folder), names):
            found.bundles.append(_folder_bundle(Path(folder)))
            continue
        if "manifest.yaml" in names and os.path.basename(folder) not in (*INFRA_DIRS, *LEGACY_INFRA_DIRS):
            result = _component_or_note(Path(folder))
            if isinstance(result, Bundle):
                found.bundles.append(result)
                continue
            found.notes.append(result)
        stack.extend(
            e.path
            for e in entries
            if e.is_dir(follow_symlinks=False)
            and e.name not in SKIP_DIRS
            and not (excludes and _is_excluded(Path(e.path), excludes, root))
        )


def _archive_bundles(path: Path, found: Discovery) -> None:
    shown = display_path(path)
    try:
        contents = read_archive(path)
    except ArchiveRefused as exc:
        found.notes.append(Note("PL104", shown, str(exc)))
        return
    archive_bundles(contents, shown, found)


def discover_archive(data: bytes, shown: str) -> Discovery:
    """The bundles of an archive held in memory (``shown`` names it in findings), as :func:`discover` finds them."""
    found = Discovery()
    try:
        contents = read_archive_bytes(data)
    except ArchiveRefused as exc:
        found.notes.append(Note("PL104", shown, str(exc)))
        return found
    archive_bundles(contents, shown, found)
    return found


def archive_bundles(contents: ArchiveContents, shown: str, found: Discovery) -> None:
    """Add the bundles (and notes) of an unpacked archive to ``found``."""
    for name, reason in contents.skipped:
        found.notes.append(Note("PL104", f"{shown}!/{name}", f"archive member skipped: {reason}"))
    roots = sorted(
        {
            name[: -len(SCHEMA_FILE)].rstrip("/")
            for name in contents.files
            if name == SCHEMA_FILE or name.endswith("/" + SCHEMA_FILE)
        }
    )
    if not roots:
        manifests = [
            n
            for n in contents.files
            if any(n == f"{d}/manifest.yaml" or n.endswith(f"/{d}/manifest.yaml") for d in INFRA_DIRS)
        ]
        roots = sorted({m.rsplit("/", 2)[0] if m.count("/") >= 2 else "" for m in manifests})
    if not roots:
        found.notes.append(
            Note("PL101", shown, "the archive holds no schema/schema.yaml and no infrastructure manifest")
        )
        return
    if len(roots) > 1:
        listed = ", ".join(r or "(root)" for r in roots)
        found.notes.append(
            Note("PL105", shown, f"the archive holds {len(roots)} bundles ({listed}); Proton expects one")
        )
    for root in roots:
        bundle = Bundle(source=MemorySource(contents.files, shown, root, tuple(roots)), layout="archive")
        bundle.kind = detect_kind(bundle)
        found.bundles.append(bundle)


def _bundle_root_of(file: Path) -> Path | None:
    for folder in file.resolve().parents:
        if is_bundle_root(folder):
            return folder
        if _names_its_file(folder, file):
            return folder  # a component: the manifest beside the file names it
        if (folder / ".git").exists():
            return None
    return None


def _path_problem(path: Path) -> Note | None:
    """A path given to check that cannot be linted: too long, a loop, or a FIFO or device.

    A missing path is the user's error (exit code 2); a special file named like an archive is left
    to the archive reader, which refuses it under PL104.
    """
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            raise DiscoveryError(f"{path}: no such file or folder") from None
        return Note("PL120", display_path(path), unreadable_message(path, exc))
    special = describe(mode)
    if special and not path.name.endswith(ARCHIVE_SUFFIXES):
        return Note("PL120", display_path(path), f"it is {special}, not a regular file; not opened")
    return None


def discover(paths: list[Path], excludes: tuple[str, ...] = (), root: Path | None = None) -> Discovery:
    """``root``: the project root that ``excludes`` are relative to (default: the working directory)."""
    """Find every bundle under ``paths``; each bundle appears once, in a stable order."""
    found = Discovery()
    file_roots: list[Path] = []
    for path in paths:
        problem = _path_problem(path)
        if problem:
            found.notes.append(problem)
            continue
        if _is_excluded(path, excludes, root) and not path.samefile("."):
            continue
        if path.is_dir():
            _walk(path, excludes, found, root)
            continue
        root = _bundle_root_of(path)
        if root is None and path.name.endswith(ARCHIVE_SUFFIXES):
            _archive_bundles(path, found)  # an archive inside a bundle is one of its files
        else:
            if root is None and path.name == "manifest.yaml":
                root = path.resolve().parent
                if root.name not in INFRA_DIRS:
                    result = _component_or_note(root)
                    if isinstance(result, Bundle):
                        found.bundles.append(result)
                    else:
                        found.notes.append(result)
                    continue
            if root is None:
                found.unmatched_files.append(display_path(path))
            else:
                file_roots.append(root)
    for root in dict.fromkeys(file_roots):
        if is_bundle_root(root):
            found.bundles.append(_folder_bundle(root))
        else:
            result = _component_or_note(root)
            (found.bundles if isinstance(result, Bundle) else found.notes).append(result)  # type: ignore[arg-type]
    seen: set[str] = set()
    unique = []
    for bundle in found.bundles:
        key = bundle.root if not isinstance(bundle.source, DirSource) else str(bundle.source.root.resolve())
        if key not in seen:
            seen.add(key)
            unique.append(bundle)
    found.bundles = sorted(unique, key=lambda b: b.root)
    found.notes.sort(key=lambda n: n.path)
    return found
