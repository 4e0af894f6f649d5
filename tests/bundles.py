"""Small bundles for engine and CLI tests, built from proton_lint.testing's bases."""

from __future__ import annotations

from pathlib import Path

from proton_lint.testing import BASES

LEGACY_MANIFEST = """\
infrastructure:
  templates:
    - file: "cloudformation.yaml"
      engine: jinja
      template_language: cloudformation
"""


def write_bundle(root: Path, base: str = "environment", overrides: dict[str, str | None] | None = None) -> Path:
    files = {**BASES[base], **(overrides or {})}
    for rel, text in files.items():
        target = root / rel
        if text is None:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return root
