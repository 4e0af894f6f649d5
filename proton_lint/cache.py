"""Results cached by content in ``.proton-lint-cache/``.

Two levels:

* a whole run, keyed by a digest of everything that can change its findings: proton-lint's and
  cfn-lint's versions, the options, the rules (and the contents of local rule packs), and every
  file of the linted trees. A re-run of an unchanged tree returns the stored findings without
  rendering anything or loading cfn-lint.
* cfn-lint's findings per rendered template text and regions, so that after an edit only the
  templates whose rendered text changed are linted again.

The folder sits in the project (like ``.ruff_cache``), holding a ``.gitignore`` of ``*`` so that
git never sees it; ``--cache-dir DIR`` or the ``PROTON_LINT_CACHE_DIR`` environment variable put it
elsewhere (the pytest plugin uses pytest's own cache folder). It may come with a repository, so every
entry is signed with a secret kept outside it (in the user's cache folder): an entry that a pull
request planted cannot hide findings. Anything unreadable is a miss; a cache that cannot be
written is skipped silently, so a read-only checkout still lints.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

from proton_lint import __version__
from proton_lint.bundle import SKIP_DIRS
from proton_lint.files import FileRefused, open_regular
from proton_lint.findings import Finding, Severity, Span

CACHE_DIR = ".proton-lint-cache"
#: names the cache folder itself, instead of ``<project>/.proton-lint-cache``
CACHE_DIR_ENV = "PROTON_LINT_CACHE_DIR"
FORMAT = "v1"
GITIGNORE = "# created by proton-lint: this folder is a cache\n*\n"


def cache_folder(root: Path, directory: Path | None = None) -> Path:
    """The cache folder: ``directory`` (``--cache-dir``), else ``$PROTON_LINT_CACHE_DIR``, else
    ``<root>/.proton-lint-cache``."""
    if directory is not None:
        return Path(directory)
    from_env = os.environ.get(CACHE_DIR_ENV)
    return Path(from_env) if from_env else Path(root) / CACHE_DIR


def _secret() -> bytes:
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "proton-lint"
    path = base / "cache-key"
    try:
        return path.read_bytes()
    except OSError:
        pass
    try:
        base.mkdir(parents=True, exist_ok=True, mode=0o700)
        key = secrets.token_bytes(32)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(key)
        return key
    except FileExistsError:
        return path.read_bytes()
    except OSError:
        return secrets.token_bytes(32)  # no place for a key: entries are valid for this process only


class ResultCache:
    def __init__(self, folder: Path, directory: Path | None = None) -> None:
        """``folder``: the project root; ``directory``: the cache folder itself (see :func:`cache_folder`)."""
        self.folder = cache_folder(folder, directory) / FORMAT
        self._ignored = False
        self._key = _secret()
        self.hits = 0
        self.misses = 0

    def _path(self, kind: str, key: str) -> Path:
        return self.folder / kind / key[:2] / f"{key}.json"

    def _sign(self, kind: str, key: str, body: str) -> str:
        return hmac.new(self._key, f"{kind}\0{key}\0{body}".encode(), hashlib.sha256).hexdigest()

    def get(self, kind: str, key: str) -> Any | None:
        try:
            stored = json.loads(self._path(kind, key).read_text(encoding="utf-8"))
            body = stored["body"]
            if not hmac.compare_digest(stored["sig"], self._sign(kind, key, body)):
                self.misses += 1
                return None
            self.hits += 1
            return json.loads(body)
        except (OSError, ValueError, KeyError, TypeError):
            self.misses += 1
            return None

    def put(self, kind: str, key: str, value: Any) -> None:
        body = json.dumps(value, sort_keys=True)
        path = self._path(kind, key)
        try:
            self._ignore()
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps({"body": body, "sig": self._sign(kind, key, body)}), encoding="utf-8")
            os.replace(tmp, path)
        except OSError:
            pass  # a read-only tree: lint without a cache

    def _ignore(self) -> None:
        """A ``.gitignore`` of ``*`` in the cache folder (as ruff does), also in a folder made before it had one."""
        if self._ignored:
            return
        top = self.folder.parent
        top.mkdir(parents=True, exist_ok=True)
        if not (top / ".gitignore").exists():
            (top / ".gitignore").write_text(GITIGNORE, encoding="utf-8")
        self._ignored = True


# -- keys ------------------------------------------------------------------------------------------
def digest(*parts: Any) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part if isinstance(part, bytes) else str(part).encode())
        h.update(b"\0")
    return h.hexdigest()


@lru_cache(maxsize=1)
def tool_versions() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        cfn = version("cfn-lint")
    except PackageNotFoundError:
        cfn = "none"
    return f"proton-lint {__version__}; cfn-lint {cfn}"


def tree_files(roots: Iterable[Path]) -> list[Path]:
    """Every file under the roots whose contents can change findings (VCS and caches left out)."""
    found: list[Path] = []
    for root in roots:
        if root.is_file():
            found.append(root)
            continue
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and d != CACHE_DIR)
            found += [Path(dirpath) / name for name in sorted(filenames)]
    return found


def _file_digest(path: str | Path) -> Any:
    """sha256 of a file's contents, read in chunks; a FIFO, device or oversized file is not read.

    Such files are never read by the rules either (PL120); their size and time stand in for them.
    """
    h = hashlib.sha256()
    try:
        with open_regular(path) as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                h.update(chunk)
    except FileRefused as exc:
        st = os.stat(path)
        h.update(f"refused:{exc.strerror}:{st.st_mode}:{st.st_size}:{st.st_mtime_ns}".encode())
    return h


def tree_digest(roots: Iterable[Path], extra: Iterable[Path] = ()) -> str:
    """A digest of every file (name and contents) under the roots, plus ``extra`` files."""
    h = hashlib.sha256()
    for path in [*tree_files(roots), *extra]:
        h.update(str(path).encode() + b"\0")
        try:
            if path.is_symlink():
                h.update(b"link:" + os.readlink(path).encode())
            else:
                h.update(_file_digest(path).digest())
        except OSError:
            h.update(b"unreadable")
    return h.hexdigest()


# -- findings as JSON ------------------------------------------------------------------------------
def finding_to_json(finding: Finding) -> dict:
    span = finding.span
    return {
        "rule": finding.rule,
        "name": finding.name,
        "severity": finding.severity.name,
        "message": finding.message,
        "path": finding.path,
        "span": [span.line, span.column, span.end_line, span.end_column] if span else None,
        "logical_path": finding.logical_path,
        "hint": finding.hint,
    }


def finding_from_json(data: dict) -> Finding:
    span = data.get("span")
    return Finding(
        rule=data["rule"],
        name=data["name"],
        severity=Severity[data["severity"]],
        message=data["message"],
        path=data["path"],
        span=Span(*span) if span else None,
        logical_path=data.get("logical_path", ""),
        hint=data.get("hint"),
    )


#: The cache of the current run, for cfn-lint results (set by the engine, also in workers).
active: ResultCache | None = None
#: Files read during the run besides the linted trees (specs beside them, named in the config):
#: a cached run is valid only while they are unchanged. None when nothing is recording.
reads: set[str] | None = None


def record_read(path: Path | str) -> None:
    """Note that the run's findings depend on this file (no-op when no run is recording)."""
    if reads is not None:
        reads.add(os.path.abspath(path))


def file_hashes(paths: Iterable[str]) -> dict[str, str]:
    """sha256 of each file, "" for a file that cannot be read."""
    out = {}
    for path in sorted(paths):
        try:
            out[path] = _file_digest(path).hexdigest()
        except OSError:
            out[path] = ""
    return out
