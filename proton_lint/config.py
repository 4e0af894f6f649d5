"""Configuration: ``[tool.proton-lint]`` in pyproject.toml or ``.proton-lint.yaml``.

Searched from the working directory upward, stopping at the VCS root (the first folder holding
``.git``, ``.hg`` or ``.svn``). The first folder with either file wins; if it has both,
``.proton-lint.yaml`` wins. Values merge in this order, later wins: defaults < config file <
command line. Every value remembers where it came from, for ``--show-config``. Unknown keys
and wrong types are errors (exit code 2) that name the file, the line and the key.
"""

from __future__ import annotations

import difflib
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from proton_lint import budgets
from proton_lint.errors import UserError
from proton_lint.files import read_regular

CONFIG_YAML = ".proton-lint.yaml"
PYPROJECT = "pyproject.toml"
VCS_MARKERS = (".git", ".hg", ".svn")

_LIST = {"type": "array", "items": {"type": "string"}}
CONFIG_SCHEMA: dict = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "select": _LIST,
        "extend-select": _LIST,
        "ignore": _LIST,
        "per-path-ignores": {"type": "object", "additionalProperties": _LIST},
        "exclude": _LIST,
        "extend-exclude": _LIST,
        "fail-level": {"enum": ["error", "warning", "info", "none"]},
        "format": {"type": "string"},
        "rules": _LIST,
        "baseline": {"type": "string"},
        "jobs": {"type": "integer", "minimum": 0},
        "customer-managed": _LIST,
        "compat-base": {"type": "string"},
        "specs": {"type": "object", "additionalProperties": _LIST},
        "regions": {"type": "array", "items": {"type": "string"}, "minItems": 1},
        "limits": budgets.CONFIG_SCHEMA,
    },
}

DEFAULTS: dict[str, Any] = {
    "select": ["ALL"],
    "extend-select": [],
    "ignore": [],
    "per-path-ignores": {},
    "exclude": [],
    "extend-exclude": [],
    "fail-level": "error",
    "format": "text",
    "rules": [],
    "baseline": None,
    "jobs": 0,
    "customer-managed": [],
    "compat-base": None,
    "specs": {},
    "regions": ["us-east-1"],
    "limits": {},
}

#: Keys whose values are paths, resolved against the folder of the file that set them.
PATH_KEYS = ("rules", "baseline")


class ConfigError(UserError):
    """An invalid configuration file (exit code 2)."""


@dataclass
class Config:
    values: dict[str, Any] = field(default_factory=lambda: dict(DEFAULTS))
    origins: dict[str, str] = field(default_factory=lambda: dict.fromkeys(DEFAULTS, "default"))
    file: Path | None = None
    #: the folder that path settings are relative to: the config file's, else None (the cwd)
    root: Path | None = None

    def set(self, key: str, value: Any, origin: str) -> None:
        self.values[key] = value
        self.origins[key] = origin

    def __getitem__(self, key: str) -> Any:
        return self.values[key]


def find_config(start: Path) -> Path | None:
    """The nearest config file from ``start`` upward, not beyond the VCS root."""
    folder = start.resolve()
    while True:
        candidate = folder / CONFIG_YAML
        if candidate.is_file():
            return candidate
        pyproject = folder / PYPROJECT
        if pyproject.is_file() and _pyproject_has_section(pyproject):
            return pyproject
        if any((folder / marker).exists() for marker in VCS_MARKERS) or folder.parent == folder:
            return None
        folder = folder.parent


def _pyproject_has_section(path: Path) -> bool:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return False
    return "[tool.proton-lint" in text or '[tool."proton-lint"' in text


def _load_toml(path: Path) -> dict:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from None
    section = data.get("tool", {}).get("proton-lint", {})
    if not isinstance(section, dict):
        raise ConfigError(f"{path}: [tool.proton-lint] should be a table")
    return section


def _line_of(path: Path, key: str) -> int | None:
    try:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            stripped = line.strip().strip('"')
            if stripped.startswith(key) and stripped[len(key) :].lstrip('"').lstrip()[:1] in ("=", ":"):
                return number
    except OSError:
        pass
    return None


def _load_yaml(path: Path) -> dict:
    from proton_lint.source import parse_yaml

    try:
        doc = parse_yaml(read_regular(path))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    if doc.problems:
        problem = doc.problems[0]
        raise ConfigError(f"{path}:{problem.span.line}: {problem.message}")
    if doc.data is None:
        return {}
    if not isinstance(doc.data, dict):
        raise ConfigError(f"{path}:1: the configuration should be a mapping of keys to values")
    return doc.data


def validate(data: dict, path: Path) -> None:
    """Raise ConfigError for the first problem, naming file, line and key."""
    from jsonschema import Draft202012Validator

    for key in data:
        if key not in CONFIG_SCHEMA["properties"]:
            close = difflib.get_close_matches(str(key), list(CONFIG_SCHEMA["properties"]), n=1)
            tip = f" (did you mean '{close[0]}'?)" if close else ""
            line = _line_of(path, str(key))
            where = f"{path}:{line}" if line else str(path)
            raise ConfigError(f"{where}: unknown key '{key}'{tip}; see 'proton-lint check --help'")
    errors = sorted(Draft202012Validator(CONFIG_SCHEMA).iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        error = errors[0]
        key = str(error.absolute_path[0]) if error.absolute_path else ""
        line = _line_of(path, key) if key else None
        where = f"{path}:{line}" if line else str(path)
        raise ConfigError(f"{where}: '{key}': {error.message}")


def load(path: Path | None, *, isolated: bool = False, start: Path | None = None) -> Config:
    """The merged defaults and config file (command-line values are set by the caller)."""
    config = Config()
    if isolated:
        return config
    path = path or find_config(start or Path.cwd())
    if path is None:
        return config
    config.root = path.resolve().parent
    if not path.is_file():
        raise ConfigError(f"{path}: no such configuration file")
    data = _load_toml(path) if path.name.endswith(".toml") else _load_yaml(path)
    validate(data, path)
    config.file = path
    for key, value in data.items():
        resolved = value
        if key in PATH_KEYS and value is not None:
            resolved = [_inside(path, v, key) for v in value] if isinstance(value, list) else _inside(path, value, key)
        elif key == "specs":  # bundle glob -> spec files: the files are paths in the project
            resolved = {glob: [_inside(path, v, key) for v in files] for glob, files in value.items()}
        config.set(key, resolved, str(path))
    return config


def _inside(config_file: Path, value: str, key: str) -> str:
    """A path from the config, resolved against its folder; it may not point outside that folder.

    The config file comes with the repository being linted, so its paths stay in the repository.
    """
    base = config_file.parent.resolve()
    target = (base / value).resolve()
    if target != base and base not in target.parents:
        line = _line_of(config_file, key)
        where = f"{config_file}:{line}" if line else str(config_file)
        raise ConfigError(f"{where}: '{key}' points outside the project ({value}); use a path inside {base}")
    return str(target)
