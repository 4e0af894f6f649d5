"""The repository: every bundle of one run, as context for rules that look across bundles.

A service template's compatible environments, the outputs they provide, template-sync layouts
and ``proton-ops.yaml`` files all need more than one bundle. Bundle rules reach the run's
repository through ``bundle.repo``; repository rules (``target = "repository"``) get it whole.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from proton_lint.bundle import SKIP_DIRS, Bundle, BundleKind


@dataclass
class Repository:
    bundles: list[Bundle] = field(default_factory=list)
    #: the folders the user asked to lint (for files that belong to no bundle, like proton-ops.yaml)
    roots: list[Path] = field(default_factory=list)
    #: the run's proton_lint.engine.LintOptions (compat_base, specs, spec_files, regions, ...)
    options: Any = None

    def __post_init__(self) -> None:
        for bundle in self.bundles:
            bundle.repo = self

    def __getstate__(self) -> dict:
        return {"bundles": self.bundles, "roots": self.roots, "options": self.options}

    def __setstate__(self, state: dict) -> None:
        self.bundles, self.roots, self.options = state["bundles"], state["roots"], state["options"]
        for bundle in self.bundles:
            bundle.repo = self

    def templates(self, name: str, kind: BundleKind | None = None) -> list[Bundle]:
        """Bundles of the template-sync layout whose folder names template ``name``."""
        return [b for b in self.bundles if b.template_name == name and (kind is None or b.kind is kind)]

    def template_version(self, name: str, major: int, kind: BundleKind | None = None) -> Bundle | None:
        """The bundle of ``<name>/v<major>/``, if the repository has it."""
        return next((b for b in self.templates(name, kind) if b.major == major), None)

    def files_named(self, *names: str) -> Iterator[Path]:
        """Files with one of ``names`` anywhere under the roots (VCS and dependency folders skipped)."""
        wanted = set(names)
        for top in self.roots:
            if top.is_file():
                if top.name in wanted:
                    yield top
                continue
            for dirpath, dirnames, filenames in os.walk(top):
                dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
                for name in sorted(filenames):
                    if name in wanted:
                        yield Path(dirpath) / name
