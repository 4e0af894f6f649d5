"""From a local bundle folder to an S3 object Proton can register: find, lint, archive, upload.

* :func:`locate` accepts the bundle folder (``vpc-env/v1``) or the template folder holding
  ``v1/``, ``v2/`` (the highest is taken), and says what kind of template it is, its logical name
  (the template-sync folder name), its sample spec (``spec/spec.yaml`` beside the version folder)
  and its registration file (``.template-registration.yaml`` or ``.compatible-envs``).
* :class:`LintGate` runs proton-lint's engine once per bundle content in the session and raises
  :class:`~pytest_proton.errors.LintGateError` with the text report on error-level findings.
* :func:`archive` makes the ``.tar.gz`` (files under one top folder, as ``tar -czf x.tar.gz dir/``
  does); :func:`upload` puts it in S3 under a key made of the template name and a content digest.
"""

from __future__ import annotations

import hashlib
import io
import re
import tarfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pytest_proton.errors import LintGateError

ENVIRONMENT = "environment"
SERVICE = "service"
COMPONENT = "component"
_VERSION_DIR = re.compile(r"^v(\d+)$")


@dataclass(frozen=True)
class LocalBundle:
    path: Path  # the bundle root (holds schema/ or the component manifest)
    kind: str  # environment, service or component
    logical_name: str
    sample_spec: Path | None = None
    compatible_environments: tuple[tuple[str, str], ...] = ()  # (template name, major)
    supported_component_sources: tuple[str, ...] = ()
    has_pipeline: bool = False
    files: tuple[str, ...] = field(default=(), repr=False)

    def digest(self) -> str:
        sha = hashlib.sha256()
        for rel in self.files:
            sha.update(rel.encode() + b"\0" + (self.path / rel).read_bytes() + b"\0")
        return sha.hexdigest()


def _bundle_files(root: Path) -> tuple[str, ...]:
    return tuple(sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()))


def _compatible_envs_file(root: Path) -> Path | None:
    """The AWS sample repositories' ``.compatible-envs`` (``name:major`` lines), in or beside the bundle."""
    for candidate in (root / ".compatible-envs", root.parent / ".compatible-envs"):
        if candidate.is_file():
            return candidate
    return None


def locate(path: str | Path) -> LocalBundle:
    """Describe the bundle at ``path`` (a bundle folder, or a template folder with ``vN/`` folders)."""
    root = Path(path).resolve()
    if not root.is_dir():
        raise FileNotFoundError(f"no bundle folder at {path}")
    if not (root / "schema").is_dir() and not (root / "manifest.yaml").is_file():
        versions = sorted((int(m.group(1)), child) for child in root.iterdir() if (m := _VERSION_DIR.match(child.name)))
        if not versions:
            raise FileNotFoundError(f"{path} holds no schema/ folder, no manifest.yaml and no v1/ folder")
        root = versions[-1][1]
    in_sync_layout = bool(_VERSION_DIR.match(root.name))
    logical = root.parent.name if in_sync_layout else root.name
    if (root / "instance_infrastructure").is_dir():
        kind = SERVICE
    elif (root / "infrastructure").is_dir():
        kind = ENVIRONMENT
    elif (root / "manifest.yaml").is_file():
        kind = COMPONENT
    else:
        raise FileNotFoundError(f"{root} is neither an environment, a service nor a component bundle")
    spec = None
    if in_sync_layout:
        for candidate in ("spec/spec.yaml", "spec/spec.yml", "specs/spec.yaml"):
            if (root.parent / candidate).is_file():
                spec = root.parent / candidate
                break
    compatible: list[tuple[str, str]] = []
    sources: tuple[str, ...] = ()
    registration = root / ".template-registration.yaml"
    if registration.is_file():
        data = yaml.safe_load(registration.read_text(encoding="utf-8")) or {}
        for entry in data.get("compatible_environments") or []:
            name, _, major = str(entry).partition(":")
            compatible.append((name, major or "1"))
        sources = tuple(data.get("supported_component_sources") or ())
    elif (listing := _compatible_envs_file(root)) is not None:
        for line in listing.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.lstrip().startswith("#"):
                name, _, major = line.strip().partition(":")
                compatible.append((name, major or "1"))
    return LocalBundle(
        path=root,
        kind=kind,
        logical_name=logical,
        sample_spec=spec,
        compatible_environments=tuple(compatible),
        supported_component_sources=sources,
        has_pipeline=(root / "pipeline_infrastructure").is_dir(),
        files=_bundle_files(root),
    )


class LintGate:
    """proton-lint's engine, built once, with results remembered by bundle content."""

    def __init__(self, cache_root: Path | None = None) -> None:
        self.cache_root = cache_root
        self._linter: Any = None
        self._results: dict[str, str | None] = {}
        self._lock = threading.Lock()

    def check(self, bundle: LocalBundle) -> None:
        """Raise LintGateError with the text report when the bundle has error-level findings."""
        __tracebackhide__ = True
        key = bundle.digest()
        with self._lock:
            if key not in self._results:
                self._results[key] = self._lint(bundle)
            report = self._results[key]
        if report is not None:
            raise LintGateError(report)

    def _lint(self, bundle: LocalBundle) -> str | None:
        from proton_lint.engine import Linter, LintOptions
        from proton_lint.findings import Severity
        from proton_lint.reporters.base import ReportContext
        from proton_lint.reporters.text import TextReporter

        if self._linter is None:
            self._linter = Linter(LintOptions(cache_root=self.cache_root))
        result = self._linter.run([bundle.path])
        errors = [f for f in result.findings if f.severity >= Severity.ERROR]
        if not errors:
            return None
        stream = io.StringIO()
        TextReporter(ReportContext(stream=stream, rules=self._linter.rules)).report(result)
        return (
            f"proton-lint refuses the bundle {bundle.path} ({len(errors)} error-level finding"
            f"{'s' if len(errors) != 1 else ''}); fix them, or pass lint=False to publish it anyway:\n\n"
            + stream.getvalue()
        )


def archive(bundle: LocalBundle) -> bytes:
    """The bundle as a reproducible ``.tar.gz`` with its files under ``<logical name>/``."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz", compresslevel=6) as tar:
        for rel in bundle.files:
            data = (bundle.path / rel).read_bytes()
            info = tarfile.TarInfo(f"{bundle.logical_name}/{rel}")
            info.size = len(data)
            info.mode = 0o644
            info.mtime = 0
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def upload(s3: Any, bucket: str, bundle: LocalBundle, template_name: str) -> dict[str, str]:
    """Upload the archive; return the ``source["s3"]`` of CreateXTemplateVersion."""
    body = archive(bundle)
    key = f"bundles/{template_name}/{hashlib.sha256(body).hexdigest()[:16]}.tar.gz"
    s3.put_object(Bucket=bucket, Key=key, Body=body)
    return {"bucket": bucket, "key": key}
