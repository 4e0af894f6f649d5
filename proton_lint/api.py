"""What other tools (the pytest_proton plugin) may ask the linter, without running a lint.

One function, :func:`describe_bundle`: the bundle at a path as the linter sees it when it lints the
repository that holds it: kind, template name and major version (the template-sync layout), the
sample specs found for it (``spec/`` and ``specs/`` folders in and above it, ``spec.yaml`` files,
specs named in the configuration), its ``proton-inputs.json`` / ``proton.auto.tfvars.json``
samples, and what its registration file says (compatible environments, component sources), with
the problems of each entry in the linter's words. Nothing else in ``proton_lint`` is promised to
callers outside the package.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

__all__ = ["BundleInfo", "BundleNotFound", "describe_bundle", "forget"]


class BundleNotFound(ValueError):
    """The path holds no bundle the linter recognises (the message says what it found)."""


@dataclass(frozen=True)
class BundleInfo:
    """One bundle on disk, as the linter sees it."""

    #: the bundle folder (absolute): it holds ``schema/``, the infrastructure folders or a component manifest
    path: Path
    #: ``environment``, ``service``, ``component`` or ``unknown``
    kind: str
    #: the template-sync folder name (``vpc-env`` for ``vpc-env/v1/``), else the bundle folder's name
    template_name: str
    #: the major version of a ``<template>/vN/`` folder; None outside the template-sync layout
    major: int | None
    #: sample specs (YAML) for this bundle, in the linter's order: named in the config first, then nearest
    specs: tuple[Path, ...] = ()
    #: ``proton-inputs.json`` / ``proton.auto.tfvars.json`` samples (in the bundle or its template folder)
    input_samples: tuple[Path, ...] = ()
    #: well-formed compatible environments of a service template: (template name, major version)
    compatible_environments: tuple[tuple[str, int], ...] = ()
    #: the registration entries the linter refuses, each as ``file:line: what is wrong``
    registration_problems: tuple[str, ...] = ()
    #: ``supported_component_sources`` of ``.template-registration.yaml``
    supported_component_sources: tuple[str, ...] = ()
    #: a service template with a pipeline (``pipeline_infrastructure/`` or ``pipeline_input_type``)
    has_pipeline: bool = False
    #: every file of the bundle, relative to ``path`` (POSIX), sorted
    files: tuple[str, ...] = field(default=(), repr=False)


_LOCK = threading.Lock()
_INDEXES: dict[tuple[str, ...], tuple[Any, Any]] = {}


def forget() -> None:
    """Forget the repositories already read (after files changed on disk)."""
    with _LOCK:
        _INDEXES.clear()


def describe_bundle(path: str | Path) -> BundleInfo:
    """The bundle at ``path``: a bundle folder, or a template folder whose highest ``vN/`` is taken.

    Specs are assigned as in a lint of the repository: the folders searched are those the linter
    searches for this bundle (up to four folders up, not past the VCS root), together with every
    bundle below them that could compete for a spec, so the answer is the linter's.
    """
    from proton_lint.discover import DiscoveryError, discover

    folder = Path(os.path.abspath(path))
    if not folder.is_dir():
        raise BundleNotFound(f"{path}: no such folder")
    try:
        found = discover([folder])
    except DiscoveryError as error:
        raise BundleNotFound(str(error)) from None
    mine = [b for b in found.bundles if _folder(b) is not None]
    if not mine:
        raise BundleNotFound(
            f"{path} holds no bundle: no schema/schema.yaml, no infrastructure folder with a manifest.yaml, "
            "no component manifest.yaml"
        )
    bundle = _choose(mine, path)
    return _describe(_folder(bundle))  # type: ignore[arg-type]


def _folder(bundle: Any) -> Path | None:
    root = getattr(bundle.source, "root", None)
    return Path(os.path.abspath(root)) if root is not None else None


def _choose(bundles: list[Any], path: str | Path) -> Any:
    """One bundle: the only one, or the highest major version of one template."""
    if len(bundles) == 1:
        return bundles[0]
    names = {b.template_name for b in bundles}
    if len(names) == 1 and None not in names and all(b.major is not None for b in bundles):
        return max(bundles, key=lambda b: b.major)
    listed = ", ".join(str(_folder(b)) for b in bundles[:5])
    raise BundleNotFound(f"{path} holds {len(bundles)} bundles ({listed}); give the folder of one of them")


def _describe(folder: Path) -> BundleInfo:
    from proton_lint import sync_files

    repo, index = _index_for(folder)
    bundle = next(b for b in repo.bundles if _folder(b) == folder)
    refs = (
        sync_files.registration_refs(bundle)
        if bundle.has(sync_files.REGISTRATION_FILE)
        else sync_files.legacy_refs(bundle)
    )
    problems = tuple(
        f"{bundle.display(ref.file)}:{ref.span.line}: {ref.problem or 'not a <template>:<major> entry'}"
        for ref in refs
        if not ref.ok
    )
    return BundleInfo(
        path=folder,
        kind=str(bundle.kind),
        template_name=bundle.template_name or folder.name,
        major=bundle.major,
        specs=tuple(s.path for s in index.for_bundle(bundle) if s.path is not None),
        input_samples=tuple(
            s.path for s, owners in index.samples if s.path is not None and any(b is bundle for b, _ in owners)
        ),
        compatible_environments=tuple(sync_files.compatible_environments(bundle)),
        registration_problems=problems,
        supported_component_sources=_component_sources(bundle),
        has_pipeline=_has_pipeline(bundle),
        files=tuple(sorted(bundle.files)),
    )


def _component_sources(bundle: Any) -> tuple[str, ...]:
    doc = bundle.yaml(".template-registration.yaml") if bundle.has(".template-registration.yaml") else None
    data = doc.data if doc is not None and isinstance(doc.data, dict) else {}
    sources = data.get("supported_component_sources")
    return tuple(s for s in sources if isinstance(s, str)) if isinstance(sources, list) else ()


def _has_pipeline(bundle: Any) -> bool:
    from proton_lint.spec import has_pipeline

    return str(bundle.kind) == "service" and has_pipeline(bundle)


def _search_root(folder: Path) -> Path:
    """The highest folder whose specs the linter would consider for a bundle in ``folder``.

    That is the highest of the bundle's spec-search folders holding a ``spec``/``specs`` folder,
    and at least the template folder (whose input samples belong to it), so that every bundle that
    competes for those specs is read too.
    """
    from proton_lint.spec import SPEC_DIRS, _ancestors

    levels = _ancestors(folder)
    root = levels[1] if len(levels) > 1 else folder
    for level in levels:
        if any((level / name).is_dir() for name in SPEC_DIRS):
            root = level if len(level.parts) < len(root.parts) else root
    return root


def _index_for(folder: Path) -> tuple[Any, Any]:
    """The repository below the search root and its spec index (kept until :func:`forget`)."""
    from proton_lint import config as config_mod
    from proton_lint.discover import discover
    from proton_lint.repo import Repository
    from proton_lint.spec import build_index

    root = _search_root(folder)
    try:
        config = config_mod.load(None, start=folder)
    except config_mod.ConfigError:
        config = config_mod.load(None, isolated=True)  # the lint gate reports a broken config
    roots = [root] + ([config.root] if config.root is not None and config.root != root else [])
    key = tuple(str(r) for r in roots)
    with _LOCK:
        if key in _INDEXES:
            return _INDEXES[key]
    # what build_index reads of a run's LintOptions (the engine itself is not needed here)
    options = SimpleNamespace(
        specs=tuple((k, tuple(v)) for k, v in config["specs"].items()),
        spec_files=(),
        exclude=tuple(config["exclude"]) + tuple(config["extend-exclude"]),
        project_root=config.root,
    )
    found = discover([root], options.exclude, options.project_root)
    repo = Repository(found.bundles, roots, options)
    entry = (repo, build_index(repo))
    with _LOCK:
        _INDEXES[key] = entry
    return entry
