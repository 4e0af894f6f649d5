"""The Bundle: one Proton template bundle (or component), whatever it was read from.

A bundle is a set of files addressed by POSIX paths relative to the bundle root
(``schema/schema.yaml``, ``infrastructure/manifest.yaml``), read lazily from a folder or from an
archive held in memory. YAML files are parsed once and cached.
"""

from __future__ import annotations

import contextlib
import enum
import errno
import os
import posixpath
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Protocol

from proton_lint.files import read_regular, refusal, unreadable_message
from proton_lint.source import YamlDocument, parse_yaml_shared

SCHEMA_FILE = "schema/schema.yaml"
ENV_INFRA = "infrastructure"
INSTANCE_INFRA = "instance_infrastructure"
PIPELINE_INFRA = "pipeline_infrastructure"
INFRA_DIRS = (ENV_INFRA, INSTANCE_INFRA, PIPELINE_INFRA)
#: Pre-GA folder names that Proton no longer accepts (BND-08).
LEGACY_INFRA_DIRS = ("pipeline",)
#: Folders that never belong to a bundle: version control, dependencies, caches, build output.
SKIP_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        "node_modules",
        ".venv",
        "venv",
        "__pycache__",
        ".terraform",
        "cdk.out",
        ".tox",
        ".nox",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".idea",
        ".vscode",
    }
)


class BundleKind(enum.Enum):
    ENVIRONMENT = "environment"
    SERVICE = "service"
    COMPONENT = "component"
    UNKNOWN = "unknown"

    def __str__(self) -> str:
        return self.value


class FileSource(Protocol):
    """Where a bundle's files come from."""

    def sizes(self) -> dict[str, int]: ...
    def read(self, rel: str) -> bytes: ...
    def skipped_links(self) -> dict[str, str]: ...
    def unread(self) -> dict[str, str]: ...
    def display(self, rel: str = "") -> str: ...


def display_path(path: Path) -> str:
    """``path`` relative to the working directory, as findings show it."""
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)


def project_path(shown: str, root: Path | None) -> str:
    """A displayed path (``a/b``, ``x.tar.gz!/y``) relative to the project root, POSIX style.

    Settings that name paths (excludes, per-path ignores, customer-managed globs, baselines) are
    matched against this form, so they mean the same from whichever folder proton-lint runs.
    """
    outer, sep, inner = shown.partition("!/")
    if root is not None:
        with contextlib.suppress(ValueError):  # another drive on Windows: keep it as shown
            outer = os.path.relpath(os.path.abspath(outer), root)
    return outer.replace(os.sep, "/") + (sep + inner if sep else "")


def _link_problem(path: str, exc: OSError) -> str:
    """What is wrong with a link whose target cannot be reached."""
    target = os.readlink(path)
    if exc.errno == errno.ELOOP:
        return f"a link to {target!r} that loops (the chain of links never reaches a file)"
    if exc.errno == errno.ENOENT:
        return f"a link to {target!r}, which does not exist"
    return f"a link to {target!r} that cannot be followed ({exc.strerror or exc})"


@dataclass
class _Tree:
    """What walking a bundle folder found (see :attr:`DirSource._walk`)."""

    real_root: str
    files: dict[str, int] = field(default_factory=dict)
    links: dict[str, str] = field(default_factory=dict)
    unread: dict[str, str] = field(default_factory=dict)

    def add(self, rel: str, entry: os.DirEntry) -> str | None:
        """File the entry under what it is; returns ``rel`` when it is a folder to walk."""
        try:
            if entry.is_symlink() and not self._link_kept(rel, entry):
                return None
            if entry.is_dir(follow_symlinks=False):
                return rel if entry.name not in SKIP_DIRS else None
            st = entry.stat()
        except OSError as exc:
            self.unread[rel] = unreadable_message(entry.path, exc)
            return None
        why = refusal(st)
        if why:
            self.unread[rel] = f"it is {why}"
        else:
            self.files[rel] = st.st_size
        return None

    def _link_kept(self, rel: str, entry: os.DirEntry) -> bool:
        """A link is read as a file only when it reaches a file inside the bundle."""
        try:
            os.stat(entry.path)
        except OSError as exc:
            if exc.errno == errno.ENAMETOOLONG:
                raise
            self.links[rel] = _link_problem(entry.path, exc)
            return False
        target = os.path.realpath(entry.path)
        if os.path.commonpath([self.real_root, target]) != self.real_root:
            self.links[rel] = f"a link to {os.readlink(entry.path)!r}, outside the bundle"
            return False
        if os.path.isdir(target):
            self.links[rel] = "a link to a folder; folder links are not followed"
            return False
        return True


class DirSource:
    """Files of a bundle folder on disk (VCS, dependency and cache folders left out)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._root_str = str(root)
        self._display = display_path(root)

    @cached_property
    def _walk(self) -> _Tree:
        """Every entry of the folder: files with sizes, links not followed, entries not read.

        Folder links are never followed (loops, trees outside the bundle); file links are read
        only when their target lies inside the bundle, so a repository cannot make the linter
        print a file from elsewhere on the machine. Only regular files within the file-size
        budget are read: a FIFO would block the run, a device would never end.
        """
        tree = _Tree(real_root=os.path.realpath(self.root))
        stack = [("", str(self.root))]
        while stack:
            prefix, folder = stack.pop()
            try:
                entries = list(os.scandir(folder))
            except OSError as exc:
                tree.unread[prefix.rstrip("/") or "."] = unreadable_message(folder, exc)
                continue
            for entry in entries:
                subfolder = tree.add(prefix + entry.name, entry)
                if subfolder:
                    stack.append((subfolder + "/", entry.path))
        tree.files = dict(sorted(tree.files.items()))
        return tree

    def sizes(self) -> dict[str, int]:
        return self._walk.files

    def skipped_links(self) -> dict[str, str]:
        """Links in the bundle that were not followed, and why."""
        return self._walk.links

    def unread(self) -> dict[str, str]:
        """Entries that are not read (special files, files over the size budget, paths too long), and why."""
        return self._walk.unread

    def read(self, rel: str) -> bytes:
        if rel not in self._walk.files and not rel.startswith("../"):
            raise FileNotFoundError(f"{rel} is not a file of the bundle")
        return read_regular(os.path.join(self._root_str, rel))

    def display(self, rel: str = "") -> str:
        if not rel:
            return self._display
        return rel if self._display == "." else f"{self._display}/{rel}"


class MemorySource:
    """Files of a bundle read from an archive; displayed as ``archive.tar.gz!/prefix/file``."""

    def __init__(
        self, files: dict[str, bytes], archive_display: str, prefix: str = "", others: tuple[str, ...] = ()
    ) -> None:
        self.prefix = prefix.strip("/")
        self.archive_display = archive_display
        cut = len(self.prefix) + 1 if self.prefix else 0
        # the files of other bundles nested below this one's folder are theirs, not this one's
        nested = tuple(
            o + "/" for o in others if o != self.prefix and (not self.prefix or o.startswith(self.prefix + "/"))
        )
        self._files = {
            name[cut:]: data
            for name, data in files.items()
            if (not self.prefix or name.startswith(self.prefix + "/")) and not name.startswith(nested)
        }

    def sizes(self) -> dict[str, int]:
        return {name: len(data) for name, data in self._files.items()}

    def skipped_links(self) -> dict[str, str]:
        return {}  # archive members that are links are reported by discovery (PL104)

    def unread(self) -> dict[str, str]:
        return {}  # so are archive members that are not regular files

    def read(self, rel: str) -> bytes:
        return self._files[rel]

    def display(self, rel: str = "") -> str:
        inner = "/".join(p for p in (self.prefix, rel) if p)
        return f"{self.archive_display}!/{inner}" if inner else self.archive_display


@dataclass
class Bundle:
    """One bundle: its files, what kind it is, and where it sits in a template-sync layout."""

    source: FileSource
    kind: BundleKind = BundleKind.UNKNOWN
    #: "sync" (<template>/vN/), "flat" (pre-sync folder or repository root), "archive", "component"
    layout: str = "flat"
    template_name: str | None = None
    version_dir: str | None = None
    major: int | None = None
    #: set by discovery when an explicit path or config says so
    declared_customer_managed: bool | None = None
    #: the run's repository (proton_lint.repo.Repository), set by the engine
    repo: Any = field(default=None, repr=False, compare=False)
    _docs: dict[str, YamlDocument] = field(default_factory=dict, repr=False)
    _inferred: dict[str, list[dict]] = field(default_factory=dict, repr=False)

    def __getstate__(self) -> dict:
        # Sent to worker processes: parsed documents are cheaper to re-parse than to pickle,
        # and the repository is sent once per worker, not with every bundle.
        state = dict(self.__dict__)
        state["_docs"] = {}
        state["repo"] = None
        state.pop("schema_nodes", None)
        return state

    # -- files -------------------------------------------------------------------------------
    @property
    def files(self) -> dict[str, int]:
        """Every file in the bundle with its size in bytes."""
        return self.source.sizes()

    def has(self, rel: str) -> bool:
        return rel in self.files

    @cached_property
    def _dirs(self) -> frozenset[str]:
        """Every folder that holds a file, at any depth (``a``, ``a/b`` for ``a/b/c.yaml``)."""
        dirs = set()
        for name in self.files:
            parts = name.split("/")[:-1]
            for i in range(1, len(parts) + 1):
                dirs.add("/".join(parts[:i]))
        return frozenset(dirs)

    def has_dir(self, rel: str) -> bool:
        return rel.rstrip("/") in self._dirs

    def files_in(self, rel_dir: str) -> list[str]:
        """Files directly inside ``rel_dir`` (not in its subfolders)."""
        prefix = rel_dir.rstrip("/") + "/" if rel_dir else ""
        return [n for n in self.files if n.startswith(prefix) and "/" not in n[len(prefix) :]]

    def read_text(self, rel: str) -> str:
        return self.source.read(rel).decode("utf-8", errors="replace")

    def yaml(self, rel: str) -> YamlDocument | None:
        """The parsed YAML file, or None if the bundle has no such file."""
        if rel not in self._docs:
            if not self.has(rel):
                return None
            try:
                self._docs[rel] = parse_yaml_shared(self.source.read(rel))
            except OSError as exc:
                doc = YamlDocument(text="")
                from proton_lint.findings import Span
                from proton_lint.source import YamlProblem

                doc.problems.append(YamlProblem("encoding", f"cannot read the file: {exc.strerror}", Span(1, 1)))
                self._docs[rel] = doc
        return self._docs[rel]

    def display(self, rel: str = "") -> str:
        return self.source.display(rel)

    @property
    def root(self) -> str:
        return self.source.display()

    # -- structure ---------------------------------------------------------------------------
    @cached_property
    def infra_dirs(self) -> list[str]:
        """Infrastructure folders present, in Proton's order, legacy names included."""
        return [d for d in (*INFRA_DIRS, *LEGACY_INFRA_DIRS) if self.has_dir(d)]

    @cached_property
    def manifests(self) -> list[str]:
        """Paths of the manifest files this bundle has (or should have)."""
        if self.kind is BundleKind.COMPONENT:
            return ["manifest.yaml"]
        return [f"{d}/manifest.yaml" for d in self.infra_dirs if self.has(f"{d}/manifest.yaml")]

    @property
    def schema(self) -> YamlDocument | None:
        return self.yaml(SCHEMA_FILE)

    @property
    def schema_root(self) -> dict:
        """The mapping under the schema file's ``schema:`` key, or {} if there is none."""
        doc = self.schema
        if doc is None or not isinstance(doc.data, dict):
            return {}
        root = doc.data.get("schema")
        return root if isinstance(root, dict) else {}

    @property
    def customer_managed(self) -> bool:
        """A customer-managed environment: an environment bundle that is only a schema."""
        if self.declared_customer_managed is not None:
            return self.declared_customer_managed
        return self.kind is BundleKind.ENVIRONMENT and not self.infra_dirs and self.has(SCHEMA_FILE)

    def manifest_entries(self, rel: str) -> list[dict]:
        """The ``infrastructure.templates`` entries of a manifest that are mappings."""
        doc = self.yaml(rel)
        if doc is None or not isinstance(doc.data, dict):
            return []
        infra = doc.data.get("infrastructure")
        templates = infra.get("templates") if isinstance(infra, dict) else None
        return [t for t in templates if isinstance(t, dict)] if isinstance(templates, list) else []

    @cached_property
    def schema_nodes(self) -> list[tuple[tuple, dict]]:
        """Every type and property definition of the schema, with its logical path."""
        from proton_lint.schema import type_nodes

        return list(type_nodes(self.schema_root))

    def iac_entries(self, rel: str) -> list[dict]:
        """The template entries that say which IaC files beside manifest ``rel`` to check, and how.

        The manifest's own entries when one names an engine Proton knows; else, for a manifest
        that does not parse, is empty or names no known engine, the entries
        :func:`inferred_entries` reads from its folder, so that one broken file hides no other check.
        """
        entries = self.manifest_entries(rel)
        if any(names_known_engine(e) for e in entries) or not self.has(rel):
            return entries
        if rel not in self._inferred:
            self._inferred[rel] = inferred_entries(self, posixpath.dirname(rel))
        return self._inferred[rel]

    def manifest_inferred(self, rel: str) -> bool:
        """The IaC entries of manifest ``rel`` were inferred from its folder (see :meth:`iac_entries`)."""
        return self.has(rel) and not any(names_known_engine(e) for e in self.manifest_entries(rel))

    def engines(self) -> set[str]:
        """Every rendering engine of the bundle's IaC entries (legacy ``engine`` too; inferred for broken manifests)."""
        found = set()
        for rel in self.manifests:
            for entry in self.iac_entries(rel):
                engine = entry_engine(entry)
                if isinstance(engine, str):
                    found.add(engine)
        return found


#: The rendering engines Proton knows.
ENGINES = frozenset({"jinja", "hcl", "codebuild"})
#: Extensions of files that may be Jinja CloudFormation templates.
CFN_SUFFIXES = (".yaml", ".yml", ".json")
#: A CloudFormation template's top-level keys, in YAML or JSON (``Resources`` is the one it must have).
_CFN_KEY = re.compile(r'^(?:AWSTemplateFormatVersion|Resources)\s*:|"(?:AWSTemplateFormatVersion|Resources)"\s*:', re.M)


def entry_engine(entry: dict) -> Any:
    """The engine of a manifest entry: ``rendering_engine``, or the legacy ``engine``."""
    return entry.get("rendering_engine", entry.get("engine"))


def names_known_engine(entry: dict) -> bool:
    """The entry names an engine Proton knows (a list or a mapping where a name belongs names none)."""
    engine = entry_engine(entry)
    return isinstance(engine, str) and engine in ENGINES


def inferred_entries(bundle: Bundle, folder: str) -> list[dict]:
    """Manifest entries for the IaC files of ``folder``, as if its manifest had named them.

    Terraform's engine is known from the ``.tf`` files (one ``"*"`` entry, as Proton's own
    examples write it); a ``.yaml``, ``.yml`` or ``.json`` file that holds a CloudFormation
    ``Resources`` (or ``AWSTemplateFormatVersion``) key is taken for a Jinja template. Files
    over the ``file-size`` budget are not read.
    """
    from proton_lint import budgets

    limit = budgets.current().file_size
    names = sorted(posixpath.basename(n) for n in bundle.files_in(folder))
    entries: list[dict] = []
    if any(n.endswith(".tf") for n in names):
        entries.append({"file": "*", "rendering_engine": "hcl"})
    for name in names:
        rel = posixpath.join(folder, name) if folder else name
        if name == "manifest.yaml" or not name.endswith(CFN_SUFFIXES) or bundle.files[rel] > limit:
            continue
        try:
            text = bundle.read_text(rel)
        except OSError:
            continue
        if _CFN_KEY.search(text):
            entries.append({"file": name, "rendering_engine": "jinja"})
    return entries


def detect_kind(bundle: Bundle) -> BundleKind:
    """What the bundle is: from the schema's input types when they agree, else from its folders."""
    root = bundle.schema_root
    has_env = "environment_input_type" in root
    has_service = "service_input_type" in root or "pipeline_input_type" in root
    if has_env != has_service:
        return BundleKind.ENVIRONMENT if has_env else BundleKind.SERVICE
    dirs = bundle.infra_dirs
    if INSTANCE_INFRA in dirs or PIPELINE_INFRA in dirs or "pipeline" in dirs:
        return BundleKind.SERVICE
    if ENV_INFRA in dirs or has_env:
        return BundleKind.ENVIRONMENT
    return BundleKind.UNKNOWN
