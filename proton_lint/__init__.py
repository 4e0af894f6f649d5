"""proton-lint: a linter, renderer and test kit for AWS Proton template bundles."""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
__all__ = ["__version__", "hookimpl"]


def __getattr__(name: str) -> Any:
    # `from proton_lint import hookimpl` for plugins, without loading pluggy for `--version`
    if name == "hookimpl":
        from proton_lint.hookspecs import hookimpl

        return hookimpl
    raise AttributeError(f"module 'proton_lint' has no attribute {name!r}")
