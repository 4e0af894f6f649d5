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
    for spec in args.spec or ():
        if not spec.is_file():
            raise RenderCommandError(f"{spec}: no such spec file")
    wanted_specs = {s.resolve() for s in args.spec or ()}
    refused = _refused_specs(repo, bundles, wanted_specs, err)
    chosen = []
    for bundle in bundles:
        for rendering in renderings(bundle):
            spec_path = rendering.spec.path.resolve() if rendering.spec is not None else None
            if wanted_specs and spec_path not in wanted_specs:
                continue
            if args.instance and rendering.instance != args.instance:
                continue
            if rendering.spec is not None and id(rendering.spec) in refused:
                continue
            chosen.append(rendering)
    if not chosen and refused:
        return 1
    if not chosen:
        what = f" for instance {args.instance!r}" if args.instance else ""
        raise RenderCommandError(f"{target}: nothing to render{what} (no jinja templates, or no such instance)")
    destination: Path = args.out
    _refuse_unsafe(destination, [target, repo_root, Path.cwd()])
    if destination.exists() and any(destination.iterdir()):
        if not args.force:
            raise RenderCommandError(f"{destination} exists and is not empty; choose another --out or add --force")
        shutil.rmtree(destination)
    failed = 0
    written: set[Path] = set()
    for rendering in chosen:
        folder = destination / _output_folder(rendering)
        if folder / rendering.rel in written:
            raise RenderCommandError(
                f"two renderings would both write {folder / rendering.rel}; render them separately"
            )
        if not rendering.result.ok:
            failed += 1
            for error in rendering.result.errors:
                line = f":{error.line}" if error.line else ""
                where = f"{rendering.bundle.display(rendering.rel)}{line}"
                err.write(f"{where}: cannot render ({rendering.label}): {error.message}\n")
            continue
        file = folder / rendering.rel
        written.add(file)
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(rendering.result.text or "", encoding="utf-8")
        context = folder / (rendering.rel + ".context.json")
        context.write_text(json.dumps(_jsonable(rendering.context), indent=2, sort_keys=True) + "\n", encoding="utf-8")
        out.write(f"{file}\n")
        placeholders = _placeholders(rendering)
        if placeholders:
            err.write(
                f"proton-lint: note: {file} uses values no deployment gave it ({', '.join(placeholders)}); "
                "replace them before deploying\n"
            )
    return 1 if failed or refused else 0


def _refused_specs(repo: Any, bundles: list[Any], wanted: set[Path], err: TextIO) -> set[int]:
    """The specs (by id) that Proton would refuse: each is named on stderr with why, file:line, and not rendered.

    With ``--spec``, the named files; else the specs the bundles would be rendered with. Rendering a
    spec Proton refuses would write a stack that no deployment can produce.
    """
    from proton_lint.checks.specs import RULES as SPEC_RULES
    from proton_lint.spec import index_for, spec_errors

    index = index_for(repo)
    if wanted:
        specs = [s for s in index.specs if s.path is not None and s.path.resolve() in wanted]
    else:
        specs = list({id(s): s for b in bundles for s in index.for_bundle(b)}.values())
    rule_of = {code: rule.id for rule in SPEC_RULES for code in getattr(rule, "codes", ())}
    refused = set()
    for spec in specs:
        errors = spec_errors(index, spec, bundles)
        if not errors:
            continue
        refused.add(id(spec))
        for report in errors:
            where = f"{report.display}:{report.span.line}:{report.span.column}"
            err.write(f"{where}: {rule_of.get(report.code, 'PL401')} {report.message}\n")
        err.write(f"proton-lint: {spec.display} is not a spec Proton accepts; nothing was rendered with it\n")
    return refused


def _refuse_unsafe(destination: Path, protected: list[Path]) -> None:
    """--out must not be, contain, or lie inside what it could destroy (the bundle, the repository)."""
    out = destination.resolve()
    cwd = Path.cwd().resolve()
    for given in protected:
        place = given.resolve()
        inside_protected = place in out.parents and place != cwd
        if out == place or out in place.parents or inside_protected:
            raise RenderCommandError(f"--out {destination} overlaps {place}; choose a separate folder")


def _output_folder(rendering: Any) -> Path:
    """``<template>/<vN>/<spec path without suffix>/<instance, pipeline or environment>``.

    Unique per template version, spec file and instance; the spec path is relative to the
    template's folder, so ``spec/spec.yaml`` beside ``v1/`` gives ``spec/spec``.
    """
    bundle = rendering.bundle
    root = Path(bundle.root).resolve() if not isinstance(bundle.root, str) or "!/" not in bundle.root else None
    parts = [_slug(bundle.template_name or Path(bundle.root).name)]
    if bundle.version_dir:
        parts.append(_slug(bundle.version_dir))
    if rendering.spec is None:
        parts.append("defaults")
    else:
        base = root.parent if root is not None and bundle.version_dir else root
        spec_path = Path(rendering.spec.path).resolve().with_suffix("")
        try:
            relative = spec_path.relative_to(base) if base is not None else Path(spec_path.name)
        except ValueError:
            relative = Path(spec_path.name)
        parts += [_slug(p) for p in relative.parts if p not in ("..", ".")]
    parts.append(
        _slug(rendering.instance or ("pipeline" if rendering.label.endswith("pipeline") else rendering.kind.value))
    )
    return Path(*parts)


def _placeholders(rendering: Any) -> list[str]:
    """Values that proton-lint invented for this rendering (outputs of resources never deployed, and
    inputs with neither a default nor a sample value)."""
    values = rendering.values
    found = []
    env = values.environment or (values.service_instance.environment if values.service_instance else None)
    if env is not None and env.outputs:
        found.append("environment.outputs")
    if values.service_instances and any(i.outputs for i in values.service_instances):
        found.append("service_instances[].outputs")
    if values.service is not None and values.service.repository_connection_arn:
        found.append("service repository")
    found += list(dict.fromkeys(item.shown for item in getattr(rendering, "invented", ())))  # inputs made up
    return found


__all__ = ["RenderCommandError", "run_render"]
