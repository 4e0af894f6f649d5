"""The Bundle: one Proton template bundle (or component), whatever it was read from.

A bundle is a set of files addressed by POSIX paths relative to the bundle root
(``schema/schema.yaml``, ``infrastructure/manifest.yaml``), read lazily from a folder or from an
archive held in memory. YAML files are parsed once and cached.
"""

from __future__ import annotations

import contextlib
import enum
import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Protocol

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


class DirSource:
    """Files of a bundle folder on disk (VCS, dependency and cache folders left out)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._root_str = str(root)
        self._display = display_path(root)

    @cached_property
    def _walk(self) -> tuple[dict[str, int], dict[str, str]]:
        """(files with sizes, links that were not followed with why).

        Folder links are never followed (loops, trees outside the bundle); file links are read
        only when their target lies inside the bundle, so a repository cannot make the linter
        print a file from elsewhere on the machine.
        """
        sizes: dict[str, int] = {}
        links: dict[str, str] = {}
        real_root = os.path.realpath(self.root)
        stack = [("", str(self.root))]
        while stack:
            prefix, folder = stack.pop()
            try:
                entries = list(os.scandir(folder))
            except OSError:
                continue
            for entry in entries:
                rel = prefix + entry.name
                try:
                    if entry.is_symlink():
                        target = os.path.realpath(entry.path)
                        if os.path.commonpath([real_root, target]) != real_root:
                            links[rel] = f"a link to {os.readlink(entry.path)!r}, outside the bundle"
                            continue
                        if os.path.isdir(target):
                            links[rel] = "a link to a folder; folder links are not followed"
                            continue
                    if entry.is_dir(follow_symlinks=False):
                        if entry.name not in SKIP_DIRS:
                            stack.append((rel + "/", entry.path))
                    else:
                        sizes[rel] = entry.stat().st_size
                except (OSError, ValueError):
                    continue  # a dangling link: nothing Proton could package either
        return dict(sorted(sizes.items())), links

    def sizes(self) -> dict[str, int]:
        return self._walk[0]

    def skipped_links(self) -> dict[str, str]:
        """Links in the bundle that were not followed, and why."""
        return self._walk[1]

    def read(self, rel: str) -> bytes:
        if rel not in self._walk[0] and not rel.startswith("../"):
            raise FileNotFoundError(f"{rel} is not a file of the bundle")
        with open(os.path.join(self._root_str, rel), "rb") as handle:
            return handle.read()

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

    def template_entries(self, rel: str) -> list[dict]:
        """The entries that say which IaC files of manifest ``rel``'s folder to check, and how.

        The manifest's own entries; when it has none (empty, unreadable, no ``templates`` list),
        entries inferred from the folder, so that the IaC files are still checked. Proton refuses
        such a manifest, and the manifest rules say so; hiding the IaC's own errors behind it
        would make fixing the manifest reveal a second round of findings.
        """
        return self.manifest_entries(rel) or self.inferred_entries(rel)

    def inferred_entries(self, rel: str) -> list[dict]:
        """Entries guessed from the files beside a manifest that has none (see ``template_entries``)."""
        if rel not in self._inferred:
            self._inferred[rel] = [] if self.manifest_entries(rel) else _infer_entries(self, rel)
        return self._inferred[rel]

    @cached_property
    def schema_nodes(self) -> list[tuple[tuple, dict]]:
        """Every type and property definition of the schema, with its logical path."""
        from proton_lint.schema import type_nodes

        return list(type_nodes(self.schema_root))

    def engines(self) -> set[str]:
        """Every ``rendering_engine`` named by the bundle's manifests (legacy ``engine`` too)."""
        found = set()
        for rel in self.manifests:
            for entry in self.template_entries(rel):
                engine = entry.get("rendering_engine", entry.get("engine"))
                if isinstance(engine, str):
                    found.add(engine)
        return found


#: What a Jinja CloudFormation template holds and other YAML beside a manifest does not.
_JINJA_OR_CFN = ("{{", "{%", "Resources", "AWSTemplateFormatVersion")
_IAC_SUFFIXES = (".yaml", ".yml", ".json", ".j2", ".jinja")
#: Input samples (proton_lint.spec) that sit beside the IaC and are not IaC.
_NOT_IAC = ("manifest.yaml", "proton-inputs.json", "proton.auto.tfvars.json")


def _infer_entries(bundle: Bundle, manifest_rel: str) -> list[dict]:
    """``"*"`` as Terraform when the folder holds ``.tf`` files; else its Jinja/CloudFormation files as Jinja."""
    folder = os.path.dirname(manifest_rel)
    names = sorted(n.rsplit("/", 1)[-1] for n in bundle.files_in(folder))
    if any(n.endswith(".tf") for n in names):
        return [{"file": "*", "rendering_engine": "hcl", "template_language": "terraform"}]
    entries = []
    for name in names:
        if name in _NOT_IAC or not name.endswith(_IAC_SUFFIXES):
            continue
        try:
            text = bundle.read_text(f"{folder}/{name}" if folder else name)
        except OSError:
            continue
        if any(marker in text for marker in _JINJA_OR_CFN):
            entries.append({"file": name, "rendering_engine": "jinja", "template_language": "cloudformation"})
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
