"""From a local bundle folder to an S3 object Proton can register: find, lint, archive, upload.

* :func:`locate` accepts the bundle folder (``vpc-env/v1``) or the template folder holding
  ``v1/``, ``v2/`` (the highest is taken) and asks the linter (``proton_lint.api``) what it is:
  kind, template name, major version, sample specs (every place ``proton-lint check`` looks) and
  registration file (``.template-registration.yaml`` or ``.compatible-envs``).
* :class:`LintGate` runs proton-lint's engine once per bundle content in the session and raises
  :class:`~pytest_proton.errors.LintGateError` with the text report on error-level findings.
* :func:`archive` makes the ``.tar.gz`` (files under one top folder, as ``tar -czf x.tar.gz dir/``
  does); :func:`upload` puts it in S3 under a key made of the template name and a content digest.
"""

from __future__ import annotations

import hashlib
import io
import tarfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pytest_proton.errors import BundleNotFound, LintGateError

ENVIRONMENT = "environment"
SERVICE = "service"
COMPONENT = "component"


@dataclass(frozen=True)
class LocalBundle:
    """A bundle folder as the linter sees it (``proton_lint.api.describe_bundle``)."""

    path: Path  # the bundle root (holds schema/ or the component manifest)
    kind: str  # environment, service or component
    logical_name: str  # the template-sync folder name, else the bundle folder's name
    major: int | None = None  # the vN folder's major version; None outside the template-sync layout
    specs: tuple[Path, ...] = ()  # sample specs, the linter's order (named in the config first, then nearest)
    input_samples: tuple[Path, ...] = ()  # proton-inputs.json / proton.auto.tfvars.json samples
    compatible_environments: tuple[tuple[str, int], ...] = ()  # (template name, major)
    registration_problems: tuple[str, ...] = ()  # registration entries the linter refuses: "file:line: why"
    supported_component_sources: tuple[str, ...] = ()
    has_pipeline: bool = False
    files: tuple[str, ...] = field(default=(), repr=False)

    @property
    def sample_spec(self) -> Path | None:
        """The spec a factory uses when the test gives none: the linter's first spec for the bundle."""
        return self.specs[0] if self.specs else None

    def digest(self) -> str:
        sha = hashlib.sha256()
        for rel in self.files:
            sha.update(rel.encode() + b"\0" + (self.path / rel).read_bytes() + b"\0")
        return sha.hexdigest()


def locate(path: str | Path) -> LocalBundle:
    """Describe the bundle at ``path`` (a bundle folder, or a template folder with ``vN/`` folders).

    Kind, template name, major version, sample specs and registration file come from the linter's
    own discovery, so the plugin finds what ``proton-lint check`` finds.
    """
    from proton_lint.api import BundleNotFound as NotABundle
    from proton_lint.api import describe_bundle

    try:
        info = describe_bundle(path)
    except NotABundle as error:
        raise BundleNotFound(str(error)) from None
    if info.kind not in (ENVIRONMENT, SERVICE, COMPONENT):
        raise BundleNotFound(
            f"{info.path} is neither an environment, a service nor a component bundle (proton-lint check says why)"
        )
    return LocalBundle(
        path=info.path,
        kind=info.kind,
        logical_name=info.template_name,
        major=info.major,
        specs=info.specs,
        input_samples=info.input_samples,
        compatible_environments=info.compatible_environments,
        registration_problems=info.registration_problems,
        supported_component_sources=info.supported_component_sources,
        has_pipeline=info.has_pipeline,
        files=info.files,
    )


class LintGate:
    """proton-lint's engine, built once, with results remembered by bundle content.

    A result is kept in memory for the session and, with a cache folder, in the linter's result
    cache under a key of the bundle's files, its sample specs and the tool versions: a re-run of an
    unchanged bundle neither builds the rule registry nor imports cfn-lint.
    """

    def __init__(self, cache_root: Path | None = None, cache_dir: Path | None = None) -> None:
        self.cache_root = cache_root  # None: no cache
        self.cache_dir = cache_dir  # the cache folder itself (None: proton_lint's default for cache_root)
        self._linter: Any = None
        self._store: Any = None
        self._results: dict[str, str | None] = {}
        self._lock = threading.Lock()

    def check(self, bundle: LocalBundle) -> None:
        """Raise LintGateError with the text report when the bundle has error-level findings."""
        __tracebackhide__ = True
        key = self._key(bundle)
        with self._lock:
            if key not in self._results:
                self._results[key] = self._remembered(key, bundle)
            report = self._results[key]
        if report is not None:
            raise LintGateError(report)

    def _key(self, bundle: LocalBundle) -> str:
        """What the gate's verdict depends on: the bundle, its specs and samples, the tools and rule plugins."""
        from proton_lint import cache

        inputs = sorted(str(p) for p in (*bundle.specs, *bundle.input_samples))
        return cache.digest(
            "gate-v1",
            cache.tool_versions(),
            _rule_plugins(),
            bundle.digest(),
            *inputs,
            *cache.file_hashes(inputs).values(),
        )

    def _remembered(self, key: str, bundle: LocalBundle) -> str | None:
        if self.cache_root is None:
            return self._lint(bundle)
        if self._store is None:
            from proton_lint.cache import ResultCache

            self._store = ResultCache(self.cache_root, self.cache_dir)
        stored = self._store.get("gate", key)
        if isinstance(stored, dict) and "report" in stored:
            return stored["report"]
        report = self._lint(bundle)
        self._store.put("gate", key, {"report": report})
        return report

    def _lint(self, bundle: LocalBundle) -> str | None:
        from proton_lint.engine import Linter, LintOptions
        from proton_lint.findings import Severity
        from proton_lint.reporters.base import ReportContext
        from proton_lint.reporters.text import TextReporter

        if self._linter is None:
            self._linter = Linter(LintOptions(cache_root=self.cache_root, cache_dir=self.cache_dir))
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


def _rule_plugins() -> str:
    """The installed rule plugins (``proton_lint`` entry points) and their versions."""
    from importlib.metadata import entry_points

    found = entry_points(group="proton_lint")  # proton_lint.plugins.ENTRY_POINT_GROUP (a heavy import)
    return ";".join(sorted(f"{ep.name}={ep.value}@{ep.dist.version if ep.dist else ''}" for ep in found))


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


def upload(s3: Any, bucket: str, bundle: LocalBundle, template_name: str, *, vouch: bool = False) -> dict[str, str]:
    """Upload the archive; return the ``source["s3"]`` of CreateXTemplateVersion.

    ``vouch``: the lint gate passed this bundle and the emulator runs in this process, so its
    registration may skip linting the same content again (``pytest_proton.emulator.bundles.vouch``).
    """
    body = archive(bundle)
    key = f"bundles/{template_name}/{hashlib.sha256(body).hexdigest()[:16]}.tar.gz"
    if vouch:
        from pytest_proton.emulator import bundles

        bundles.vouch(body)
    s3.put_object(Bucket=bucket, Key=key, Body=body)
    return {"bucket": bucket, "key": key}
