"""Family 1 (BND-40): the files CodeBuild commands run must be in the bundle."""

from __future__ import annotations

import posixpath
import re
import shlex
from collections.abc import Iterable, Iterator
from functools import lru_cache

from proton_lint.bundle import Bundle
from proton_lint.findings import Finding, Severity
from proton_lint.rules import Example, Rule

_OPERATORS = re.compile(r"\s*(?:&&|\|\||[|;&])\s*")
_INTERPRETERS = {"bash", "sh", "zsh", ".", "source", "python", "python3", "node", "ruby", "perl"}
_SCRIPT = re.compile(r"\.(?:sh|bash|py|js|mjs|ts|rb|pl)$")


@lru_cache(maxsize=4096)
def _run_targets(command: str) -> tuple[str, ...]:
    """Relative paths that a shell command executes: ``./x.sh``, ``bash x.sh``, ``. ./env.sh``."""
    return tuple(_iter_run_targets(command))


def _iter_run_targets(command: str) -> Iterator[str]:
    for part in _OPERATORS.split(command):
        if re.match(r"^\s*cd\b", part):
            return  # later paths are relative to another folder
        try:
            words = shlex.split(part, posix=True)
        except ValueError:
            continue
        while words and "=" in words[0] and not words[0].startswith(("./", "/")):
            words = words[1:]  # VAR=value prefixes
        if not words:
            continue
        first = words[0]
        if first.startswith("./") and "$" not in first:
            yield first
        elif first in _INTERPRETERS and len(words) > 1:
            target = next((w for w in words[1:] if not w.startswith("-")), "")
            if (
                target
                and "$" not in target
                and not target.startswith("/")
                and (target.startswith("./") or _SCRIPT.search(target))
            ):
                yield target


class CodebuildFileMissing(Rule):
    id = "PL115"
    slug = "codebuild-file-missing"
    severity = Severity.ERROR
    summary = "A CodeBuild command runs a script that is not in the bundle."
    what = (
        "Reads the `provision` and `deprovision` commands and reports scripts they execute (`./deploy.sh`, "
        "`bash scripts/x.sh`, `. ./env.sh`) that are not in the manifest's folder. Commands after a `cd` are "
        "not checked."
    )
    why = (
        "CodeBuild runs the commands in a copy of the infrastructure folder; every file they need must be in "
        "the bundle, or the deployment fails at that step."
    )
    fix = "Add the script to the infrastructure folder, or correct its path."
    source = "BND-40, [DOC] UG:ag-wrap-up.md, UG:ag-infrastructure-tmp-files-codebuild.md"
    base = "codebuild-environment"
    bad = Example(files={"infrastructure/notify.sh": None})
    good = Example(files={})

    def reset(self) -> None:
        _run_targets.cache_clear()

    def applies(self, bundle: Bundle) -> bool:
        return "codebuild" in bundle.engines()

    def check(self, bundle: Bundle) -> Iterable[Finding]:
        for rel in bundle.manifests:
            folder = posixpath.dirname(rel)
            for i, entry in enumerate(bundle.manifest_entries(rel)):
                settings = entry.get("settings")
                if not isinstance(settings, dict):
                    continue
                for phase in ("provision", "deprovision"):
                    commands = settings.get(phase)
                    for j, command in enumerate(commands if isinstance(commands, list) else []):
                        if not isinstance(command, str):
                            continue
                        for target in _run_targets(command):
                            path = posixpath.normpath(posixpath.join(folder, target))
                            if not bundle.has(path):
                                yield self.finding(
                                    bundle,
                                    rel,
                                    f"{phase} runs {target}, which is not in {folder or '.'}/",
                                    at=("infrastructure", "templates", i, "settings", phase, j),
                                )


RULES = (CodebuildFileMissing,)
