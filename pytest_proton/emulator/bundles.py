"""Template bundle registration: the seam where a new template version leaves REGISTRATION_IN_PROGRESS.

A version is created ``REGISTRATION_IN_PROGRESS`` and settles on its next read (Get, List, Update,
Delete) through :func:`register_bundle`.

* At the Create call, :func:`check_source` reads ``source.s3`` from moto's S3 in the same account
  (bundle_store.py): a missing bucket or object is a ``ValidationException`` there and then.
* At registration, the archive is unpacked with the linter's safe reader and checked with the
  linter's rules that Proton refused at registration (:func:`registration_rules`: the rules whose
  ``proton_refuses`` metadata is "registration", with its source; errors only). A defect only the
  linter finds (PL310, say) does not stop registration. Any error, a bundle of the wrong kind (a service bundle for an
  environment template), or an archive holding several bundles ends ``REGISTRATION_FAILED`` with a
  ``statusMessage`` naming every problem at its file and line.
* A minor version (``minor > 0``) is compared with the previous registered minor of its major
  with the linter's SCH-41 heuristics (proton_lint.compat): a breaking change fails registration.
* ``schema`` is the text of ``schema/schema.yaml``, as Proton returned it.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pytest_proton.emulator import bundle_store
from pytest_proton.emulator.exceptions import with_article
from pytest_proton.emulator.templates import ENVIRONMENT_TEMPLATE
from pytest_proton.emulator.versions import DRAFT, PUBLISHED, REGISTRATION_FAILED

if TYPE_CHECKING:
    from proton_lint.bundle import Bundle
    from proton_lint.engine import Linter
    from pytest_proton.emulator.models import ProtonBackend
    from pytest_proton.emulator.versions import TemplateVersion

#: What Proton refused at registration: the rules whose ``proton_refuses`` is "registration" (the rule
#: metadata names the source; see proton_lint.rules.Rule). The linter is stricter than Proton: a rule
#: marked "deployment" or "never" (PL310, a default shorter than its minLength) registers here.
REFUSED_AT = "registration"
#: At most this many problems are listed in a statusMessage.
MAX_LISTED = 10

_linter: Linter | None = None
_lint_lock = threading.Lock()
#: sha256 of archives whose bundle already passed proton-lint's full check in this process (``vouch``)
_vouched: set[str] = set()


def vouch(archive: bytes) -> None:
    """Note that this archive's bundle passed proton-lint with every rule (the pytest plugin's lint
    gate, in the same process): its registration need not lint it again with the subset of rules.
    Only ever called in-process; an emulator reached over HTTP lints every bundle itself."""
    _vouched.add(hashlib.sha256(archive).hexdigest())


@dataclass(frozen=True)
class RegistrationOutcome:
    status: str  # DRAFT or REGISTRATION_FAILED
    message: str | None = None
    schema: str | None = None


def check_source(backend: ProtonBackend, version: TemplateVersion) -> None:
    """Read the version's bundle from moto's S3 now (ValidationException when absent) and keep it."""
    bundle_store.remember(backend, version, bundle_store.fetch_source(backend, version.source))


def registration_rules() -> tuple[str, ...]:
    """The IDs of the built-in rules marked as refused at registration."""
    from proton_lint.plugins import build_registry, plugin_manager

    registry = build_registry(plugin_manager(entry_points=False))
    return tuple(rule.id for rule in registry if rule.proton_refuses == REFUSED_AT)


def _registration_linter() -> Linter:
    global _linter
    if _linter is None:
        from proton_lint.engine import Linter, LintOptions

        _linter = Linter(LintOptions(select=registration_rules(), entry_points=False))
    return _linter


def _failed(stored: bundle_store.StoredBundle | None, problems: list[str]) -> RegistrationOutcome:
    where = stored.where if stored is not None else "the template bundle"
    listed = problems[:MAX_LISTED]
    more = f"; and {len(problems) - MAX_LISTED} more" if len(problems) > MAX_LISTED else ""
    return RegistrationOutcome(
        REGISTRATION_FAILED, f"The template bundle {where} is invalid: {'; '.join(listed)}{more}"
    )


def _where(finding: Any) -> str:
    path = str(finding.path).split("!/", 1)[-1] if "!/" in str(finding.path) else ""
    line = f":{finding.span.line}" if finding.span is not None and path else ""
    return f"{path}{line}: " if path else ""


def register_bundle(backend: ProtonBackend, version: TemplateVersion) -> RegistrationOutcome:
    """Unpack and check ``version``'s bundle; DRAFT with its schema, or REGISTRATION_FAILED naming the problems."""
    from proton_lint.bundle import SCHEMA_FILE, BundleKind
    from proton_lint.findings import Severity

    stored = bundle_store.stored_bundle(backend, version)
    if stored is None:
        return _failed(None, ["no bundle was read for this version"])
    discovery = bundle_store.unpack(stored)
    kind = version.kind
    wanted = BundleKind.ENVIRONMENT if kind is ENVIRONMENT_TEMPLATE else BundleKind.SERVICE
    if not discovery.bundles:
        return _failed(stored, [note.message for note in discovery.notes] or ["the archive holds no bundle"])
    if len(discovery.bundles) > 1:
        roots = ", ".join(b.root.split("!/", 1)[-1] if "!/" in b.root else "(root)" for b in discovery.bundles)
        return _failed(stored, [f"the archive holds {len(discovery.bundles)} bundles ({roots}); Proton expects one"])
    bundle = discovery.bundles[0]
    template = backend.templates[kind].get(version.template_name)
    if kind is ENVIRONMENT_TEMPLATE and template is not None and template.provisioning == "CUSTOMER_MANAGED":
        bundle.declared_customer_managed = True
    problems: list[str] = []
    if bundle.kind is not wanted:
        problems.append(
            f"{with_article(kind.label)} needs {with_article(wanted.value)} bundle, but this one is "
            + (
                f"{with_article(bundle.kind.value)} bundle"
                if bundle.kind is not BundleKind.UNKNOWN
                else "of no known kind"
            )
        )
    if hashlib.sha256(stored.data).hexdigest() not in _vouched:
        with _lint_lock:
            result = _registration_linter().run([], discovery)
        for finding in result.findings:
            if finding.severity >= Severity.ERROR:
                problems.append(f"{_where(finding)}{finding.message} [{finding.rule}]")
    if problems:
        return _failed(stored, problems)
    breaking = _breaking_changes(backend, version, bundle)
    if breaking:
        return _failed(
            stored,
            [
                f"the schema of minor version {version.label} is not backward compatible with "
                f"{breaking[0]}: {'; '.join(breaking[1:])}"
            ],
        )
    stored.bundle = bundle
    stored.engines = _engines(bundle)
    return RegistrationOutcome(DRAFT, schema=bundle.read_text(SCHEMA_FILE) if bundle.has(SCHEMA_FILE) else None)


def _engines(bundle: Bundle) -> dict[str, str]:
    """The rendering engine of each infrastructure folder (first entry of its manifest)."""
    engines: dict[str, str] = {}
    for manifest in bundle.manifests:
        folder = manifest.rsplit("/", 1)[0]
        for entry in bundle.manifest_entries(manifest):
            engine = entry.get("rendering_engine")
            if isinstance(engine, str):
                engines.setdefault(folder, engine)
    return engines


def _breaking_changes(backend: ProtonBackend, version: TemplateVersion, bundle: Bundle) -> list[str]:
    """``[previous label, change, ...]`` when the schema breaks the previous minor's; [] when compatible."""
    from proton_lint.compat import breaking_changes

    if version.minor == 0:
        return []
    template = backend.templates[version.kind].get(version.template_name)
    if template is None:
        return []
    earlier = [v for v in template.versions.values() if v.major == version.major and v.minor < version.minor]
    previous = [v for v in earlier if backend.settle_version(v).status in (DRAFT, PUBLISHED)]
    for candidate in sorted(previous, key=lambda v: v.minor, reverse=True):
        old = bundle_store.bundle_of(backend, candidate)
        if old is None:
            continue
        changes = breaking_changes(old.schema_root, bundle.schema_root)
        if not changes:
            return []
        return [candidate.label, *(change.message for change in changes)]
    return []
