"""Rules that need code, one small module per concern. ``all_rules`` collects them."""

from __future__ import annotations

from proton_lint.rules import Rule


def all_rules() -> list[Rule]:
    from proton_lint.checks import codebuild, discovery, layout, limits, manifest, meta, names, schema, yamlfiles

    modules = (meta, discovery, layout, limits, yamlfiles, names, manifest, codebuild, schema)
    return [cls() for module in modules for cls in module.RULES]
