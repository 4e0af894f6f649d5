"""The plugin finds bundles and specs as the linter does: on every bundle of ../shared/corpus (issue 12).

The linter's side is a lint's view: ``discover`` over a whole repository of the corpus and the spec
index built for all of its bundles. The plugin's side is ``bundle_upload.locate`` on one bundle
folder, as a test calls ``proton_template(path)``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from proton_lint import api
from proton_lint.discover import discover
from proton_lint.repo import Repository
from proton_lint.spec import build_index
from proton_lint.sync_files import compatible_environments
from pytest_proton import bundle_upload
from pytest_proton.errors import BundleNotFound
from tests.conftest import CORPUS


def _corpus() -> Path:
    for candidate in (CORPUS, Path(os.environ.get("PROTON_CORPUS", "/nonexistent"))):
        if candidate.is_dir():
            return candidate
    pytest.skip("../shared/corpus is not here (a fresh clone; PROTON_CORPUS may name it)")


def _repositories() -> list[Path]:
    corpus = _corpus()
    return sorted(p for p in corpus.iterdir() if p.is_dir())


def _linter_view(repository: Path) -> dict[Path, tuple]:
    found = discover([repository])
    repo = Repository(found.bundles, [repository])
    index = build_index(repo)
    view = {}
    for bundle in found.bundles:
        root = getattr(bundle.source, "root", None)
        if root is None:
            continue
        folder = Path(os.path.abspath(root))
        specs = tuple(s.path for s in index.for_bundle(bundle) if s.path is not None)
        compatible = tuple(compatible_environments(bundle))
        view[folder] = (str(bundle.kind), bundle.template_name or folder.name, bundle.major, specs, compatible)
    return view


def _plugin_view(folder: Path) -> tuple | str:
    try:
        bundle = bundle_upload.locate(folder)
    except BundleNotFound:
        return "unknown"
    return (bundle.kind, bundle.logical_name, bundle.major, bundle.specs, bundle.compatible_environments)


def test_plugin_and_linter_agree_on_every_corpus_bundle() -> None:
    """Kind, template name, major version, the specs found (in the linter's order) and the
    compatible environments of the registration file."""
    api.forget()
    compared, elsewhere, disagreements = 0, 0, []
    for repository in _repositories():
        for folder, (kind, name, major, specs, compatible) in _linter_view(repository).items():
            expected: tuple | str = "unknown" if kind == "unknown" else (kind, name, major, specs, compatible)
            got = _plugin_view(folder)
            compared += 1
            elsewhere += any(s.parent.name != "spec" or s.name != "spec.yaml" for s in specs)
            if got != expected:
                disagreements.append(f"{folder}: linter {expected}, plugin {got}")
    assert not disagreements, "\n".join(disagreements)
    assert compared >= 60  # 71 bundles in seven repositories when this was written
    assert elsewhere >= 10  # specs the old spec/spec.yaml-only lookup missed (specs/ folders, other names)
