"""The plugin manager: built-in rules, installed packs (entry points) and local packs (``--rules``)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pluggy

from proton_lint import hookspecs
from proton_lint.datarules import load_pack, pack_files
from proton_lint.errors import UserError
from proton_lint.rules import Rule, RuleRegistry

ENTRY_POINT_GROUP = "proton_lint"


class PluginError(UserError):
    """A plugin or local rule pack that cannot be loaded (exit code 2)."""


def _import_local_module(path: Path) -> ModuleType:
    name = f"proton_lint_local_{abs(hash(str(path.resolve())))}_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise PluginError(f"{path}: cannot import")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:  # noqa: BLE001 - a user's module: any error is theirs to fix
        raise PluginError(f"{path}: importing the rule module failed: {type(exc).__name__}: {exc}") from None
    return module


class _LocalPack:
    """Adapts a local rule folder: its YAML packs and, when allowed, the rules of its Python modules.

    Python modules are imported only for folders named on the command line (``--rules``): a
    folder named in a repository's config file is data only, so linting a pull request can never
    run the code it brings.
    """

    def __init__(self, folder: Path, allow_python: bool = True) -> None:
        self.folder = folder
        self.allow_python = allow_python

    @hookspecs.hookimpl
    def proton_lint_rule_packs(self) -> list[Path]:
        return [self.folder] if any(self.folder.glob("*.y*ml")) else []

    @hookspecs.hookimpl
    def proton_lint_rules(self) -> list[Rule]:
        rules: list[Rule] = []
        if not self.allow_python:
            return rules
        for path in sorted(self.folder.glob("*.py")):
            module = _import_local_module(path)
            for value in vars(module).values():
                defined_here = isinstance(value, type) and value.__module__ == module.__name__
                if defined_here and issubclass(value, Rule) and getattr(value, "id", None):
                    rule = value()
                    rule.origin = str(path)
                    rules.append(rule)
        return rules


def plugin_manager(
    local_rule_dirs: list[Path] = (), *, entry_points: bool = True, pack_dirs: list[Path] = ()
) -> pluggy.PluginManager:
    """Built-ins, installed plugins, ``--rules`` folders (YAML and Python) and config packs (YAML only)."""
    from proton_lint import builtin

    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    pm.register(builtin, name="proton-lint")
    if entry_points:
        try:
            pm.load_setuptools_entrypoints(ENTRY_POINT_GROUP)
        except Exception as exc:  # noqa: BLE001 - a broken third-party package is not our crash
            raise PluginError(
                f"loading a '{ENTRY_POINT_GROUP}' entry point failed: {type(exc).__name__}: {exc}"
            ) from None
    for folder in local_rule_dirs:
        if not folder.is_dir():
            raise PluginError(f"{folder}: --rules needs a folder of *.yaml packs or *.py rule modules")
        pm.register(_LocalPack(folder), name=f"local:{folder}")
    for folder in pack_dirs:
        if not folder.is_dir():
            raise PluginError(f"{folder}: the config's `rules` names a folder of *.yaml rule packs; it does not exist")
        if folder not in local_rule_dirs:
            pm.register(_LocalPack(folder, allow_python=False), name=f"config:{folder}")
    return pm


def build_registry(pm: pluggy.PluginManager) -> RuleRegistry:
    """Every rule from every plugin, checked for ID and slug clashes."""
    registry = RuleRegistry()
    try:
        for impl_rules in pm.hook.proton_lint_rules():
            for rule in impl_rules or ():
                registry.add(rule)
        for packs in pm.hook.proton_lint_rule_packs():
            for location in packs or ():
                for pack in pack_files(location):
                    origin = _pack_origin(pack)
                    for rule in load_pack(pack, origin=origin, checked=origin == "proton-lint"):
                        registry.add(rule)
    except ValueError as exc:
        raise PluginError(str(exc)) from None
    return registry


def _pack_origin(pack: object) -> str:
    name = str(pack)
    marker = "proton_lint/rules/"
    return "proton-lint" if marker in name.replace("\\", "/") else name


def reporters(pm: pluggy.PluginManager) -> dict[str, type]:
    found: dict[str, type] = {}
    for table in reversed(pm.hook.proton_lint_reporters()):
        found.update(table or {})
    return found
