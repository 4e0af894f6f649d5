"""Rules that need code, one small module per concern. ``all_rules`` collects them."""

from __future__ import annotations

from proton_lint.rules import Rule


def all_rules() -> list[Rule]:
    from proton_lint.checks import (
        codebuild,
        discovery,
        layout,
        limits,
        manifest,
        meta,
        names,
        references,
        rendered,
        schema,
        specs,
        sync,
        terraform,
        yamlfiles,
    )

    modules = (
        meta,
        discovery,
        layout,
        limits,
        yamlfiles,
        names,
        manifest,
        codebuild,
        schema,
        specs,
        references,
        rendered,
        sync,
        terraform,
    )
    return [cls() for module in modules for cls in module.RULES]
