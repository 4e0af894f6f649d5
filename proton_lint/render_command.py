"""`proton-lint render`: write templates exactly as Proton would deploy them.

The migration path from Proton to plain CloudFormation: each rendered IaC file, as the stack
Proton would have created, plus the render context as JSON. Nothing existing is overwritten
unless ``--force`` says so.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any, TextIO

from proton_lint.errors import UserError


class RenderCommandError(UserError):
    """A render request that cannot be carried out (exit code 2)."""


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-") or "render"


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def _within(child: str, parent: Path) -> bool:
    try:
        Path(child).resolve().relative_to(parent.resolve())
    except ValueError:
        return False
    return True


def run_render(args: Any, out: TextIO, err: TextIO) -> int:
    from proton_lint.contexts import renderings
    from proton_lint.discover import discover
    from proton_lint.engine import LintOptions
    from proton_lint.repo import Repository

    target: Path = args.bundle
    if not target.exists():
        raise RenderCommandError(f"{target}: no such bundle folder or archive")
    repo_root: Path = args.repo or target
    options = LintOptions(entry_points=False, spec_files=tuple(args.spec or ()))
    found = discover([repo_root])
    repo = Repository(found.bundles, [repo_root], options)
    bundles = (
        [b for b in repo.bundles if not hasattr(b.source, "root") or _within(str(b.source.root), target)]
        if target.is_dir()
        else list(repo.bundles)
    )
    if not bundles:
        raise RenderCommandError(f"{target}: no Proton bundle found there")
    chosen = []
    for bundle in bundles:
        for rendering in renderings(bundle):
            if args.spec and not any(str(s) in rendering.label or s.name in rendering.label for s in args.spec):
                continue
            if args.instance and f"instance {args.instance}" not in rendering.label:
                continue
            chosen.append(rendering)
    if not chosen:
        what = f" for instance {args.instance!r}" if args.instance else ""
        raise RenderCommandError(f"{target}: nothing to render{what} (no jinja templates, or no such instance)")
    destination: Path = args.out
    if destination.exists() and any(destination.iterdir()):
        if not args.force:
            raise RenderCommandError(f"{destination} exists and is not empty; choose another --out or add --force")
        shutil.rmtree(destination)
    failed = 0
    for rendering in chosen:
        bundle_name = _slug(rendering.bundle.template_name or Path(rendering.bundle.root).name)
        folder = destination / bundle_name / _slug(rendering.label.split("/")[-1].replace(".yaml", ""))
        if not rendering.result.ok:
            failed += 1
            for error in rendering.result.errors:
                line = f":{error.line}" if error.line else ""
                where = f"{rendering.bundle.display(rendering.rel)}{line}"
                err.write(f"{where}: cannot render ({rendering.label}): {error.message}\n")
            continue
        file = folder / rendering.rel
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(rendering.result.text or "", encoding="utf-8")
        context = folder / (rendering.rel + ".context.json")
        context.write_text(json.dumps(_jsonable(rendering.context), indent=2, sort_keys=True) + "\n", encoding="utf-8")
        out.write(f"{file}\n")
    return 1 if failed else 0


__all__ = ["RenderCommandError", "run_render"]
