"""Family 7: template-sync and service-sync files (§6.1-6.3).

``.template-registration.yaml`` and the legacy ``.compatible-envs`` of service templates, their
misnamed and misplaced variants, the template-sync layout across the repository (one template
name in one place, one kind per template), and service sync's ``proton-ops.yaml``. Parsing lives
in proton_lint.sync_files, which other rules use to learn a service's compatible environments.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from proton_lint.bundle import Bundle, BundleKind, display_path
from proton_lint.files import read_regular
from proton_lint.findings import Finding, Severity, Span, logical_path
from proton_lint.rules import Example, Rule
from proton_lint.source import YamlDocument, parse_yaml_shared
from proton_lint.sync_files import (
    COMPATIBLE_KEY,
    COMPONENT_SOURCES,
    COMPONENT_SOURCES_KEY,
    LEGACY_FILE,
    MAX_COMPATIBLE,
    OPS_INSTANCE_KEYS,
    REGISTRATION_FILE,
    REGISTRATION_KEYS,
    RESOURCE_NAME,
    RESOURCE_NAME_MAX,
    SYNC_FILES,
    EnvRef,
    OpsInstance,
    branch_problem,
    find_ops_files,
    intended_key,
    legacy_refs,
    named_items,
    ops_entries,
    registration_refs,
    repository_root,
    resolve_spec,
    suggest_key,
    sync_file_variant,
)
from proton_lint.testing import BASES

# -- example material -----------------------------------------------------------------------------
_SERVICE = BASES["service-no-pipeline"]
#: The smallest environment bundle: a schema (a customer-managed environment template).
_ENVIRONMENT = BASES["customer-managed-environment"]


def _bundle_at(prefix: str, files: dict[str, str]) -> dict[str, str]:
    """``files`` of a bundle placed at ``prefix`` (relative to the example bundle, e.g. ``../v2``)."""
    return {f"{prefix}/{rel}": text for rel, text in files.items()}


def _compatible(*envs: str) -> str:
    """A ``.template-registration.yaml`` listing ``envs`` as the compatible environments."""
    return "compatible_environments:\n" + "".join(f"  - {env}\n" for env in envs)


#: The registration file of the examples: the one environment the template is compatible with.
_MY_ENV = _compatible("my-env:1")
_REGISTRATION = _MY_ENV + "supported_component_sources:\n  - DIRECTLY_DEFINED\n"
#: Another service template of the repository that uses template sync: evidence for PL701.
_SYNCED_SERVICE = _bundle_at("../../other-svc/v1", {**_SERVICE, REGISTRATION_FILE: _REGISTRATION})
#: An environment template of the repository, so that PL707 knows which ones exist.
_OTHER_ENV = _bundle_at("../../other-env/v1", _ENVIRONMENT)

_OPS = "../../configuration/proton-ops.yaml"
_OPS_SPEC = "../../frontend-svc/prod/frontend-spec.yaml"
_SPEC_TEXT = """\
proton: ServiceSpec
instances:
  - name: prod-one
    environment: prod-env
  - name: prod-two
    environment: prod-env
"""
_OPS_GOOD = """\
sync:
  services:
    frontend-svc:
      prod-one:
        branch: main
        spec: ./frontend-svc/prod/frontend-spec.yaml
      prod-two:
        branch: main
        spec: ./frontend-svc/prod/frontend-spec.yaml
"""


def _ops_example(ops_text: str = _OPS_GOOD) -> Example:
    """An example with ``ops_text`` as the repository's proton-ops.yaml, beside the spec it points at."""
    return Example(files={_OPS: ops_text, _OPS_SPEC: _SPEC_TEXT})


# -- helpers --------------------------------------------------------------------------------------
#: Values computed once per repository (per run and process): (repository, value) by name.
_PER_REPO: dict[str, tuple[Any, Any]] = {}


def _per_repo(repo: Any, name: str, build: Any) -> Any:
    """``build(repo)``, computed once for the run's repository and shared by the rules that need it."""
    held = _PER_REPO.get(name)
    if held is None or held[0] is not repo:
        held = _PER_REPO[name] = (repo, build(repo))
    return held[1]


def _sync_root(bundle: Bundle) -> Path | None:
    """The absolute folder of a bundle read from disk (None for archives)."""
    root = getattr(bundle.source, "root", None)
    return Path(os.path.abspath(root)) if root is not None else None


def _template_folders(repo: Any) -> dict[Path, list[Bundle]]:
    """Bundles of the template-sync layout by template folder (``<template>/``), in a stable order."""
    folders: dict[Path, list[Bundle]] = {}
    for b in sorted(repo.bundles, key=lambda b: b.root):
        root = _sync_root(b)
        if b.layout == "sync" and b.template_name is not None and root is not None:
            folders.setdefault(root.parent, []).append(b)
    return folders


def _keyed(finding: Finding, key: str) -> Finding:
    """``finding`` with a logical path, so that baselines key it by ``key`` rather than its message."""
    return replace(finding, logical_path=key)


def _ref_finding(rule: Rule, bundle: Bundle, ref: EnvRef, message: str) -> Finding:
    if ref.file == REGISTRATION_FILE:
        return rule.finding(bundle, ref.file, message, at=ref.at, span=ref.span)
    return rule.finding(bundle, ref.file, message, span=ref.span)


def _registration_doc(bundle: Bundle) -> YamlDocument | None:
    doc = bundle.yaml(REGISTRATION_FILE)
    return doc if doc is not None and doc.ok else None


class RegistrationRule(Rule):
    """A rule over the sync files of a service template bundle (or one of unknown kind)."""

    def applies(self, bundle: Bundle) -> bool:
        return bundle.kind in (BundleKind.SERVICE, BundleKind.UNKNOWN)


# -- REG-01 ---------------------------------------------------------------------------------------
class RegistrationFileMissing(RegistrationRule):
    id = "PL701"
    slug = "registration-file-missing"
    severity = Severity.WARNING
    summary = "A service template's major-version folder has no `.template-registration.yaml` (nor `.compatible-envs`)."
    what = (
        "In the template-sync layout (`<template>/vN/`), reports a service bundle without "
        "`.template-registration.yaml` and without the legacy `.compatible-envs`, when the repository "
        "uses template sync for service templates: at least one other service bundle of the run has "
        "one of these files. A lone service bundle is not reported, since it may be registered by hand "
        "(the compatible environments are then given to `create-service-template-version`)."
    )
    why = (
        "Template sync creates a service template version only with the compatible environments that this "
        "file lists (they are required); without it the sync of this major version fails. It is a warning, "
        "not an error, because the linter cannot see whether the template is synced or registered by hand."
    )
    fix = "Add `.template-registration.yaml` to the major-version folder, listing `compatible_environments`."
    source = "REG-01, SYNC-01, [DOC] UG:ag-template-sync-configs.md, UG:create-template-sync.md"
    base = "service"
    bad = Example(files=_SYNCED_SERVICE)
    good = Example(files={**_SYNCED_SERVICE, REGISTRATION_FILE: _REGISTRATION})

    def applies(self, bundle: Bundle) -> bool:
        return bundle.kind is BundleKind.SERVICE and bundle.layout == "sync"

    def check(self, bundle: Bundle) -> Iterable[Finding]:
        if any(bundle.has(name) for name in SYNC_FILES) or bundle.repo is None:
            return
        if _has_stray_sync_file(bundle):
            return  # PL708 reports the misnamed or misplaced file
        synced = _per_repo(bundle.repo, "synced", _synced_services)
        others = [root for root in synced if root != bundle.root]
        if not others:
            return
        here = bundle.root.split("/")
        others.sort(key=lambda root: (-_common_prefix(here, root.split("/")), root))  # the nearest first
        finding = self.finding(
            bundle,
            "",
            f"service template {bundle.template_name} has no {REGISTRATION_FILE} in {bundle.version_dir}/ "
            f"(other service templates here have one, e.g. {others[0]}); template sync cannot create this "
            "version without its compatible environments",
        )
        yield _keyed(finding, "sync-file:missing")


def _has_stray_sync_file(bundle: Bundle) -> bool:
    """A misnamed sync file in the bundle, or a sync file in a subfolder or in the template folder."""
    for rel in bundle.files:
        name = rel.rpartition("/")[2]
        if sync_file_variant(name) or (name in SYNC_FILES and "/" in rel):
            return True
    root = _sync_root(bundle)
    if root is None:
        return False
    try:
        return any(name in SYNC_FILES or sync_file_variant(name) for name in os.listdir(root.parent))
    except OSError:
        return False


def _common_prefix(a: list[str], b: list[str]) -> int:
    count = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        count += 1
    return count


def _synced_services(repo: Any) -> list[str]:
    return [b.root for b in repo.bundles if b.kind is BundleKind.SERVICE and any(b.has(name) for name in SYNC_FILES)]


# -- REG-02 ---------------------------------------------------------------------------------------
class CompatibleEnvironmentsInvalid(RegistrationRule):
    id = "PL702"
    slug = "compatible-environments-invalid"
    severity = Severity.ERROR
    summary = 'The compatible environments must be 1-10 `"<environment-template>:<major>"` entries.'
    what = (
        "Checks `compatible_environments` in `.template-registration.yaml` (and each line of the legacy "
        "`.compatible-envs`): it is required, a list of 1 to 10 strings `name:major`, the name a valid "
        "template name and the major a plain number (`1`, not `v1`, `1.0` or `01`). Entries under a "
        "misspelt key (PL704) are checked too. Also reports `- my-env: 1` (a space after the colon makes "
        "YAML read a mapping) and YAML dashes in the plain-text `.compatible-envs`."
    )
    why = (
        "Template sync turns each entry into a compatible environment template and major version "
        "(`CompatibleEnvironmentTemplateInput`: a ResourceName and a TemplateVersionPart, 1-10 of them); "
        "an entry that is not of this form fails the registration of the service template version."
    )
    fix = "List each environment template as `name:major`, e.g. `- fargate-env:1`."
    source = (
        "REG-02, API-01, API-03, API-24, [DOC] UG:create-template-sync.md; "
        "[API] SM:CompatibleEnvironmentTemplateInputList"
    )
    base = "service"
    bad = Example(files={REGISTRATION_FILE: _compatible("my-env", "my-env:v2")})
    good = Example(files={REGISTRATION_FILE: _compatible("my-env:1", "my-env:2")})

    def check(self, bundle: Bundle) -> Iterable[Finding]:
        doc = _registration_doc(bundle)
        if doc is not None:
            yield from self._registration(bundle, doc)
        if bundle.has(LEGACY_FILE):
            yield from self._entries(bundle, legacy_refs(bundle), LEGACY_FILE)

    def _registration(self, bundle: Bundle, doc: YamlDocument) -> Iterator[Finding]:
        data = doc.data
        if data is None:
            yield self.finding(bundle, REGISTRATION_FILE, f"the file is empty; it needs {COMPATIBLE_KEY}:")
            return
        if not isinstance(data, dict):
            yield self.finding(
                bundle, REGISTRATION_FILE, f"the file must be a mapping with {COMPATIBLE_KEY}: (a list of name:major)"
            )
            return
        key = intended_key(data, COMPATIBLE_KEY)
        if key is None:
            yield self.finding(
                bundle,
                REGISTRATION_FILE,
                f'{COMPATIBLE_KEY} is missing; it is required: a list of "<environment-template>:<major>"',
            )
            return
        value = data[key]
        if value is None or value == []:
            yield self.finding(
                bundle, REGISTRATION_FILE, f"{key} lists no environment template; list 1 to 10", at=(key,), key=True
            )
            return
        if not isinstance(value, list):
            shown = f" {value!r}" if isinstance(value, (str, int, float)) else ""
            yield self.finding(
                bundle,
                REGISTRATION_FILE,
                f'{key} must be a list of "<environment-template>:<major>" strings, not a single value{shown}: '
                "write each entry on its own `- ` line",
                at=(key,),
            )
            return
        yield from self._entries(bundle, registration_refs(bundle), REGISTRATION_FILE)

    def _entries(self, bundle: Bundle, refs: list[EnvRef], rel: str) -> Iterator[Finding]:
        if not refs and rel == LEGACY_FILE:
            yield self.finding(
                bundle, rel, f"{LEGACY_FILE} lists no environment template (one name:major per line)", span=Span(1, 1)
            )
            return
        for ref in refs:
            if ref.problem:
                yield _ref_finding(self, bundle, ref, ref.problem)
        if len(refs) > MAX_COMPATIBLE:
            extra = refs[MAX_COMPATIBLE]
            yield _ref_finding(
                self,
                bundle,
                extra,
                f"{len(refs)} compatible environments; Proton accepts at most {MAX_COMPATIBLE} per service "
                "template version",
            )


# -- REG-03 ---------------------------------------------------------------------------------------
class ComponentSourcesInvalid(RegistrationRule):
    id = "PL703"
    slug = "component-sources-invalid"
    severity = Severity.ERROR
    summary = "`supported_component_sources` may only list `DIRECTLY_DEFINED`."
    what = (
        "Checks the optional `supported_component_sources` of `.template-registration.yaml`: a list whose "
        "only allowed value is `DIRECTLY_DEFINED` (upper case). Values under a misspelt key are checked too."
    )
    why = (
        "The value is an enum of the API (`ServiceTemplateSupportedComponentSourceType`); any other value "
        "fails the registration. Leaving the key out means components cannot be attached to the service."
    )
    fix = "Write `supported_component_sources: [DIRECTLY_DEFINED]`, or remove the key."
    source = "REG-03, API-25, [DOC] UG:create-template-sync.md; [API] SM:ServiceTemplateSupportedComponentSourceType"
    base = "service"
    bad = Example(files={REGISTRATION_FILE: _MY_ENV + "supported_component_sources:\n  - directly_defined\n"})
    good = Example(files={REGISTRATION_FILE: _REGISTRATION})

    def check(self, bundle: Bundle) -> Iterable[Finding]:
        doc = _registration_doc(bundle)
        if doc is None or not isinstance(doc.data, dict):
            return
        key = intended_key(doc.data, COMPONENT_SOURCES_KEY)
        if key is None or doc.data[key] is None:
            return
        value = doc.data[key]
        if not isinstance(value, list):
            yield self.finding(
                bundle,
                REGISTRATION_FILE,
                f"{key} must be a list, e.g. `- DIRECTLY_DEFINED`, not {value!r}",
                at=(key,),
            )
            return
        for i, item in enumerate(value):
            if item in COMPONENT_SOURCES:
                continue
            hint = ""
            if isinstance(item, str) and item.strip().upper().replace("-", "_").replace(" ", "_") == "DIRECTLY_DEFINED":
                hint = " (the value is upper case: DIRECTLY_DEFINED)"
            yield self.finding(
                bundle,
                REGISTRATION_FILE,
                f"{item!r} is not a component source; the only one is DIRECTLY_DEFINED{hint}",
                at=(key, i),
            )


# -- REG-04 ---------------------------------------------------------------------------------------
class RegistrationKeyUnknown(RegistrationRule):
    id = "PL704"
    slug = "registration-key-misspelt"
    severity = Severity.ERROR
    summary = (
        "`.template-registration.yaml` has a key other than `compatible_environments` and "
        "`supported_component_sources`."
    )
    what = (
        "Key spelling is exact. A key that is close to one of the two (`compatible_environment:`, "
        "`compatibleEnvironments:`, `supported_components:`) is an error with a suggestion; any other "
        "key is a warning."
    )
    why = (
        "Proton looks the two keys up by name. Under a misspelt key the compatible environments are not "
        "found, and the registration fails (`compatible_environment:`, singular, was a real bug in an AWS "
        "sample); a misspelt component-sources key silently disables components."
    )
    fix = "Rename the key to `compatible_environments` (or `supported_component_sources`)."
    source = "REG-04, [ISSUE] aws-containers/proton-codebuild-provisioning-examples 35378f2, c655b1e"
    base = "service"
    bad = Example(files={REGISTRATION_FILE: "compatible_environment:\n  - my-env:1\n"})
    good = Example(files={REGISTRATION_FILE: _MY_ENV})

    def check(self, bundle: Bundle) -> Iterable[Finding]:
        doc = _registration_doc(bundle)
        if doc is None or not isinstance(doc.data, dict):
            return
        for key in doc.data:
            if key in REGISTRATION_KEYS:
                continue
            known = suggest_key(key)
            if known is not None:
                if known in doc.data:
                    effect = f"{known} is also present, so this one is ignored"
                elif known == COMPATIBLE_KEY:
                    effect = "Proton does not read it, so the template lists no compatible environment"
                else:
                    effect = "Proton does not read it, so components cannot be attached"
                yield self.finding(
                    bundle,
                    REGISTRATION_FILE,
                    f"unknown key {key!r}: did you mean {known}? ({effect})",
                    at=(key,),
                    key=True,
                )
            else:
                yield self.finding(
                    bundle,
                    REGISTRATION_FILE,
                    f"unknown key {key!r}: the file holds only {COMPATIBLE_KEY} and {COMPONENT_SOURCES_KEY}",
                    at=(key,),
                    key=True,
                    severity=Severity.WARNING,
                )


# -- REG-05 ---------------------------------------------------------------------------------------
class LegacyCompatibleEnvs(RegistrationRule):
    id = "PL705"
    slug = "legacy-compatible-envs"
    severity = Severity.INFO
    summary = "The service template uses the legacy `.compatible-envs` instead of `.template-registration.yaml`."
    what = (
        "Notes a major-version folder whose compatible environments come from `.compatible-envs` alone. "
        "It is a note, not a warning: Proton still reads the file, AWS's own CloudFormation and Terraform "
        "sample templates use it, and it works as long as no component sources are needed."
    )
    why = (
        "Proton keeps `.compatible-envs` for backward compatibility but no longer recommends it: it cannot "
        "express newer settings such as `supported_component_sources`, so services built from this version "
        "cannot have directly defined components."
    )
    fix = (
        "Replace `.compatible-envs` with `.template-registration.yaml`: `compatible_environments:` and one "
        "`- name:major` line per former line."
    )
    source = (
        "REG-05, [DOC] UG:create-template-sync.md (note on .compatible-envs); [SAMPLE] cloudformation-sample-templates"
    )
    base = "service"
    bad = Example(files={LEGACY_FILE: "my-env:1\n"})
    good = Example(files={REGISTRATION_FILE: _MY_ENV})

    def check(self, bundle: Bundle) -> Iterable[Finding]:
        if bundle.has(LEGACY_FILE) and not bundle.has(REGISTRATION_FILE):
            finding = self.finding(
                bundle,
                LEGACY_FILE,
                f"{LEGACY_FILE} is the legacy format; {REGISTRATION_FILE} replaces it and can also allow "
                "components (supported_component_sources)",
                span=Span(1, 1),
            )
            yield _keyed(finding, "sync-file:legacy")


class RegistrationFilesConflict(RegistrationRule):
    id = "PL706"
    slug = "registration-files-conflict"
    severity = Severity.WARNING
    summary = "A major-version folder has both `.template-registration.yaml` and `.compatible-envs`."
    what = "Reports the legacy file when both exist, and says whether the two list the same environments."
    why = (
        "Which of the two files Proton reads when both exist is not documented, so a change to one of them "
        "may have no effect; two lists of the same thing also drift apart."
    )
    fix = "Delete `.compatible-envs` and keep `.template-registration.yaml`."
    source = "REG-05, [DOC] UG:create-template-sync.md"
    base = "service"
    bad = Example(files={REGISTRATION_FILE: _MY_ENV, LEGACY_FILE: "my-env:1\n"})
    good = Example(files={REGISTRATION_FILE: _MY_ENV})

    def check(self, bundle: Bundle) -> Iterable[Finding]:
        if not (bundle.has(LEGACY_FILE) and bundle.has(REGISTRATION_FILE)):
            return
        new = {(r.name, r.major) for r in registration_refs(bundle) if r.ok}
        old = {(r.name, r.major) for r in legacy_refs(bundle) if r.ok}
        if new == old:
            same = "they list the same environments"
        else:

            def show(refs: set) -> str:
                return ", ".join(f"{n}:{m}" for n, m in sorted(refs)) or "nothing valid"

            same = f"and they disagree: {show(new)} there, {show(old)} here"
        finding = self.finding(
            bundle,
            LEGACY_FILE,
            f"both {REGISTRATION_FILE} and {LEGACY_FILE} exist; which one Proton reads is undocumented, {same}",
            span=Span(1, 1),
        )
        yield _keyed(finding, "sync-file:both")


# -- REG-06 ---------------------------------------------------------------------------------------
class CompatibleEnvironmentNotFound(RegistrationRule):
    id = "PL707"
    slug = "compatible-environment-not-found"
    severity = Severity.WARNING
    summary = "A compatible environment template or major version does not exist in the repository."
    what = (
        "Looks up each compatible environment (`name:major`) among the environment templates of the "
        "template-sync layout (`<name>/v<major>/`) of the run. Only runs when the repository holds "
        "environment templates at all, so linting a lone service bundle stays quiet."
    )
    why = (
        "Proton accepts only existing environment template majors as compatible (it may be created in the "
        "same commit). A typo in the name or major fails the sync, or makes the service unusable in the "
        "environments it was meant for; the environment outputs the service reads cannot be checked either."
    )
    fix = (
        "Fix the name or major, or add the environment template's `vN/` folder (or ignore this if it lives "
        "in another repository)."
    )
    source = "REG-06, [DOC] UG:ag-template-sync-configs.md"
    base = "service"
    bad = Example(files={**_OTHER_ENV, REGISTRATION_FILE: _MY_ENV})
    good = Example(files={**_OTHER_ENV, REGISTRATION_FILE: _compatible("other-env:1")})

    def check(self, bundle: Bundle) -> Iterable[Finding]:
        if bundle.repo is None:
            return
        envs, services = _per_repo(bundle.repo, "templates", _template_index)
        if not envs:
            return
        refs = registration_refs(bundle) if bundle.has(REGISTRATION_FILE) else legacy_refs(bundle)
        for ref in refs:
            if not ref.ok or bundle.repo.template_version(ref.name, ref.major, BundleKind.ENVIRONMENT):
                continue
            if ref.name in envs:
                majors = ", ".join(f"v{m}" for m in sorted(envs[ref.name])) or "none named vN"
                message = (
                    f"environment template {ref.name} has no major version {ref.major} here "
                    f"(its major-version folders: {majors})"
                )
            elif ref.name in services:
                message = f"{ref.name} is a service template here, not an environment template"
            else:
                close = difflib.get_close_matches(ref.name, list(envs), n=1)
                tip = f"; did you mean {close[0]}?" if close else ""
                message = f"no environment template {ref.name} in the repository{tip}"
            yield _ref_finding(self, bundle, ref, message)


def _template_index(repo: Any) -> tuple[dict[str, set[int]], set[str]]:
    envs: dict[str, set[int]] = {}
    services: set[str] = set()
    for b in repo.bundles:
        if b.template_name is None:
            continue
        if b.kind is BundleKind.ENVIRONMENT:
            envs.setdefault(b.template_name, set())
            if b.major is not None:
                envs[b.template_name].add(b.major)
        elif b.kind is BundleKind.SERVICE:
            services.add(b.template_name)
    return envs, services


# -- misnamed, misplaced --------------------------------------------------------------------------
class SyncFileMisnamed(RegistrationRule):
    id = "PL708"
    slug = "sync-file-misnamed"
    severity = Severity.ERROR
    summary = "A misnamed or misplaced `.template-registration.yaml` / `.compatible-envs` that Proton never reads."
    what = (
        "Finds files named like the sync files but not exactly (`.template-registration.yml`, "
        "`template-registration.yaml`, `.compatible-env`, `.compatible-envs.txt`, ...) in a service "
        "bundle, and exact names in the wrong folder (a subfolder of the bundle, or the template folder "
        "above `vN/`). An error when the major-version folder has no correctly named file; a warning "
        "when it has one (the stray file is then just dead), or outside the template-sync layout."
    )
    why = (
        "Proton reads exactly `<template>/vN/.template-registration.yaml` (or `.compatible-envs`); any "
        "other name or place is ignored, so the compatible environments are missing and the sync fails."
    )
    fix = "Rename (or move) the file to `vN/.template-registration.yaml`."
    source = "REG-01, REG-05, [DOC] UG:ag-template-sync-configs.md, UG:create-template-sync.md"
    base = "service"
    bad = Example(files={".template-registration.yml": _MY_ENV})
    good = Example(files={REGISTRATION_FILE: _MY_ENV})

    def check(self, bundle: Bundle) -> Iterable[Finding]:
        has_exact = any(bundle.has(name) for name in SYNC_FILES)
        level = Severity.ERROR if bundle.layout == "sync" and not has_exact else Severity.WARNING
        for rel in bundle.files:
            folder, _, name = rel.rpartition("/")
            canonical = sync_file_variant(name) if name not in SYNC_FILES else (name if folder else None)
            if canonical is None:
                continue
            where = f"{bundle.version_dir}/" if bundle.version_dir else "the bundle's top folder"
            if name in SYNC_FILES:
                message = f"{rel} is in a subfolder; Proton reads {name} only from {where}"
            else:
                target = f"{folder}/{canonical}" if folder else canonical
                message = f"{name} is not read by Proton: the file must be named exactly {canonical}"
                if folder:
                    message += f" and sit in {where}"
                if has_exact:
                    message += " (a correctly named file exists too; delete this one)"
                elif not folder:
                    message += f"; rename it to {target}"
            yield _keyed(self.finding(bundle, rel, message, severity=level, span=Span(1, 1)), "sync-file:misnamed")
        yield from self._template_folder(bundle)

    def _template_folder(self, bundle: Bundle) -> Iterator[Finding]:
        """Sync files one level up, in ``<template>/`` itself: reported once per template folder."""
        if bundle.layout != "sync" or bundle.repo is None:
            return
        firsts = _per_repo(bundle.repo, "firsts", _first_bundle_per_template_folder)
        folder = firsts.get(id(bundle))
        if folder is None:
            return
        try:
            names = sorted(os.listdir(folder))
        except OSError:
            return
        siblings = _per_repo(bundle.repo, "folders", _template_folders)[folder]
        lacking = any(not any(b.has(n) for n in SYNC_FILES) for b in siblings)
        for name in names:
            canonical = name if name in SYNC_FILES else sync_file_variant(name)
            if canonical is None or not (folder / name).is_file():
                continue
            yield Finding(
                rule=self.id,
                name=self.slug,
                severity=Severity.ERROR if lacking else Severity.WARNING,
                message=(
                    f"{name} sits in the template folder {folder.name}/; Proton reads {canonical} only "
                    f"from each major-version folder ({folder.name}/vN/{canonical})"
                ),
                path=display_path(folder / name),
                span=Span(1, 1),
                logical_path="sync-file:misplaced",
                hint=self.fix,
            )


def _first_bundle_per_template_folder(repo: Any) -> dict[int, Path]:
    """Template folders by the id of the bundle that reports their stray sync files (the first service major)."""
    firsts: dict[int, Path] = {}
    for folder, bundles in _per_repo(repo, "folders", _template_folders).items():
        first = next((b for b in bundles if b.kind in (BundleKind.SERVICE, BundleKind.UNKNOWN)), None)
        if first is not None:
            firsts[id(first)] = folder
    return firsts


class RegistrationFileNotService(Rule):
    id = "PL709"
    slug = "registration-file-not-service"
    severity = Severity.WARNING
    summary = "`.template-registration.yaml` or `.compatible-envs` in an environment template or a component."
    what = "Reports the service-template sync files in environment bundles and directly defined components."
    why = (
        "Only service templates have compatible environments; Proton ignores these files elsewhere. The "
        "file is usually a copy-paste leftover, or a sign that the bundle is not the kind you meant "
        "(a service bundle whose folders make it look like an environment)."
    )
    fix = "Delete the file, or fix the bundle's folders if it was meant to be a service template."
    source = "REG-01, [DOC] UG:ag-template-sync-configs.md"
    base = "environment"
    bad = Example(files={REGISTRATION_FILE: _MY_ENV})
    good = Example(files={})

    def applies(self, bundle: Bundle) -> bool:
        return bundle.kind in (BundleKind.ENVIRONMENT, BundleKind.COMPONENT)

    def check(self, bundle: Bundle) -> Iterable[Finding]:
        what = "an environment template" if bundle.kind is BundleKind.ENVIRONMENT else "a component"
        for name in SYNC_FILES:
            if bundle.has(name):
                finding = self.finding(
                    bundle, name, f"{name} belongs to service templates; Proton ignores it in {what}", span=Span(1, 1)
                )
                yield _keyed(finding, "sync-file:not-service")


# -- SYNC-06 and kinds across the repository ------------------------------------------------------
class TemplateNameAmbiguous(Rule):
    id = "PL710"
    slug = "template-name-ambiguous"
    severity = Severity.WARNING
    summary = "The same template name is the folder of `vN/` bundles in several places of one repository."
    what = (
        "Groups the template folders of the template-sync layout by name within each repository (the "
        "folder holding `.git`, else the linted folder) and reports each name found in more than one place."
    )
    why = (
        "Without a `subdirectory` in the template sync configuration, Proton syncs from the first folder "
        "whose name matches the template name; which one that is depends on the scan, so the other copy is "
        "silently ignored (or the wrong kind of bundle is synced into the template)."
    )
    fix = "Set `subdirectory` in the template sync configuration of this template, or rename one of the folders."
    source = "SYNC-06, [DOC] UG:create-template-sync.md, UG:ag-getting-started-cli.md"
    target = "repository"
    base = "environment"
    bad = Example(files=_bundle_at("../../archive/my-template/v1", _ENVIRONMENT))
    good = Example(files=_bundle_at("../../archive/old-template/v1", _ENVIRONMENT))

    def check_repository(self, repo: Any) -> Iterable[Finding]:
        cache: dict[Path, Path] = {}
        by_name: dict[tuple[Path, str], list[Path]] = {}
        for folder, bundles in _per_repo(repo, "folders", _template_folders).items():
            key = (repository_root(folder, repo.roots, cache), bundles[0].template_name)
            by_name.setdefault(key, []).append(folder)
        for (_, name), folders in sorted(by_name.items()):
            if len(folders) < 2:
                continue
            shown = [display_path(f) for f in folders]
            for here in shown:
                others = ", ".join(s for s in shown if s != here)
                yield Finding(
                    rule=self.id,
                    name=self.slug,
                    severity=self.severity,
                    message=(
                        f"template name {name} is also the folder of {others}; template sync without a "
                        f"subdirectory uses the first folder named {name} it finds"
                    ),
                    path=here,
                    logical_path=f"template:{name}",
                    hint=self.fix,
                )


class TemplateKindMixed(Rule):
    id = "PL711"
    slug = "template-kind-mixed"
    severity = Severity.ERROR
    summary = "The major-version folders of one template hold both environment and service bundles."
    what = (
        "Within one template folder (`<template>/v1/`, `<template>/v2/`, ...), every bundle must be of the "
        "template's kind. Reports the bundles whose kind differs from the lowest major's."
    )
    why = (
        "A template is either an environment template or a service template, and template sync registers "
        "every `vN/` folder as a version of that one template; a bundle of the other kind fails registration."
    )
    fix = "Move the bundle to a template folder of its own kind (or fix its folders if its kind is wrong)."
    source = "SYNC-01, API-27, [DOC] UG:ag-template-sync-configs.md"
    target = "repository"
    base = "environment"
    bad = Example(files=_bundle_at("../v2", _SERVICE))
    good = Example(files=_bundle_at("../v2", _ENVIRONMENT))

    def check_repository(self, repo: Any) -> Iterable[Finding]:
        kinds = (BundleKind.ENVIRONMENT, BundleKind.SERVICE)
        for bundles in _per_repo(repo, "folders", _template_folders).values():
            typed = [b for b in bundles if b.kind in kinds]
            if len({b.kind for b in typed}) < 2:
                continue
            typed.sort(key=lambda b: (b.major is None, b.major or 0, b.root))
            first = typed[0]
            for b in typed[1:]:
                if b.kind is not first.kind:
                    finding = self.finding(
                        b,
                        "",
                        f"{b.template_name}/{b.version_dir} is {_a(b.kind)} bundle, but "
                        f"{first.template_name}/{first.version_dir} is {_a(first.kind)} bundle; all major "
                        "versions of one template have its kind",
                    )
                    yield _keyed(finding, "template:kind")


def _a(kind: BundleKind) -> str:
    return "an environment" if kind is BundleKind.ENVIRONMENT else f"a {kind}"


# -- proton-ops.yaml ------------------------------------------------------------------------------
class _OpsFile:
    """One ops file of the run: its path, document, and the repository it belongs to."""

    def __init__(self, path: Path, root: Path) -> None:
        self.path = path
        self.root = root
        self.shown = display_path(path)
        try:
            self.doc: YamlDocument = parse_yaml_shared(read_regular(path))
        except OSError as exc:
            self.doc = YamlDocument(text="")
            from proton_lint.source import YamlProblem

            self.doc.problems.append(YamlProblem("encoding", f"cannot read the file: {exc.strerror}", Span(1, 1)))


def _ops_files(repo: Any) -> list[_OpsFile]:
    cache: dict[Path, Path] = {}
    return [_OpsFile(path, repository_root(path.parent, repo.roots, cache)) for path in find_ops_files(repo)]


class OpsRule(Rule):
    target = "repository"
    base = "service"

    def ops_finding(
        self,
        ops: _OpsFile,
        message: str,
        at: tuple = (),
        *,
        key: bool = False,
        span: Span | None = None,
        severity: Severity | None = None,
        hint: str | None = None,
    ) -> Finding:
        return Finding(
            rule=self.id,
            name=self.slug,
            severity=severity or self.severity,
            message=message,
            path=ops.shown,
            span=span or ops.doc.span_of(at, key=key),
            logical_path=logical_path(at),
            hint=hint or (self.fix.split("\n")[0] if self.fix else None),
        )

    def check_repository(self, repo: Any) -> Iterable[Finding]:
        for ops in _per_repo(repo, "ops", _ops_files):
            yield from self.check_ops(ops)

    def check_ops(self, ops: _OpsFile) -> Iterable[Finding]:  # noqa: ARG002
        return ()


def _entries(ops: _OpsFile) -> list[OpsInstance]:
    """The instances of a readable ops file (read leniently; PL712 reports the shape)."""
    return ops_entries(ops.doc.data) if ops.doc.ok else []


class OpsFileStructure(OpsRule):
    id = "PL712"
    slug = "ops-file-structure"
    severity = Severity.ERROR
    summary = (
        "A service-sync ops file (`proton-ops.yaml`) is not `sync: services: <service>: <instance>: {branch, spec}`."
    )
    what = (
        "Finds ops files (`proton-ops.yaml`, `*-proton-ops.yaml`) anywhere in the linted folders and "
        "checks their shape: `sync:` → `services:` → a mapping keyed by service name → a mapping keyed by "
        "instance name → `branch:` and `spec:`, both required. Lists where mappings belong, missing keys "
        "(with a suggestion for near misses) and YAML errors are errors; other unknown keys are warnings."
    )
    why = "Service sync reads the file by this structure; a file it cannot read syncs nothing."
    fix = "Write `sync: services: <service>: <instance>: {branch: <branch>, spec: <path of the spec file>}`."
    source = "OPS-01, [DOC] UG:ag-service-sync-configs.md; AWS Containers blog 2023-04-06"
    bad = _ops_example(
        """\
            sync:
              services:
                - frontend-svc:
                    prod-one:
                      spec: ./frontend-svc/prod/frontend-spec.yaml
            """
    )
    good = _ops_example()

    def check_ops(self, ops: _OpsFile) -> Iterable[Finding]:
        doc = ops.doc
        for problem in doc.problems:
            yield self.ops_finding(ops, problem.message, span=problem.span, hint=problem.hint)
        if not doc.ok:
            return
        data = doc.data
        if not isinstance(data, dict) or "sync" not in data:
            near = _near_key(data, "sync") if isinstance(data, dict) else None
            tip = f" (found {near!r}: the key is lower case sync)" if near else ""
            yield self.ops_finding(
                ops, f"the ops file has no top-level sync: key{tip}", (near,) if near else (), key=bool(near)
            )
            return
        sync = data["sync"]
        if not isinstance(sync, dict):
            yield self.ops_finding(ops, "sync must be a mapping with services:", ("sync",))
            return
        for key in sync:
            if key != "services":
                yield self.ops_finding(
                    ops,
                    _unknown(key, ("services",), "sync"),
                    ("sync", key),
                    key=True,
                    severity=None if suggest_ops_key(key, ("services",)) else Severity.WARNING,
                )
        if "services" not in sync:
            yield self.ops_finding(
                ops, "sync has no services: mapping (service name -> instances)", ("sync",), key=True
            )
            return
        yield from self._services(ops, sync["services"])

    def _services(self, ops: _OpsFile, services: Any) -> Iterator[Finding]:
        at = ("sync", "services")
        if isinstance(services, list):
            yield self.ops_finding(
                ops,
                "services is a list; it must be a mapping keyed by service name (remove the `- ` before each "
                "service name)",
                at,
            )
        elif not isinstance(services, dict):
            yield self.ops_finding(ops, "services must be a mapping keyed by service name", at)
            return
        if not services:
            yield self.ops_finding(ops, "services lists no service; nothing is synced", at, severity=Severity.WARNING)
        if isinstance(services, list):
            for i, item in enumerate(services):
                if not (isinstance(item, dict) and len(item) == 1):
                    yield self.ops_finding(
                        ops, f"services entry {item!r} is not a service name with instances", (*at, i)
                    )
        for service, svc_at, instances in named_items(services, at):
            yield from self._instances(ops, service, svc_at, instances)

    def _instances(self, ops: _OpsFile, service: Any, at: tuple, instances: Any) -> Iterator[Finding]:
        if isinstance(instances, list):
            yield self.ops_finding(
                ops,
                f"the instances of service {service} are a list; they must be a mapping keyed by instance name",
                at,
            )
        elif not isinstance(instances, dict) or not instances:
            yield self.ops_finding(
                ops, f"service {service} lists no instance (instance name -> branch and spec)", at, key=True
            )
            return
        for instance, inst_at, body in named_items(instances, at):
            yield from self._body(ops, instance, inst_at, body)

    def _body(self, ops: _OpsFile, instance: Any, at: tuple, body: Any) -> Iterator[Finding]:
        if not isinstance(body, dict):
            yield self.ops_finding(ops, f"instance {instance} must be a mapping with branch: and spec:", at, key=True)
            return
        for key in body:
            if key not in OPS_INSTANCE_KEYS:
                near = suggest_ops_key(key, OPS_INSTANCE_KEYS)
                yield self.ops_finding(
                    ops,
                    _unknown(key, OPS_INSTANCE_KEYS, f"instance {instance}"),
                    (*at, key),
                    key=True,
                    severity=None if near and near not in body else Severity.WARNING,
                )
        for required in OPS_INSTANCE_KEYS:
            value = body.get(required)
            if required not in body:
                near = next((k for k in body if suggest_ops_key(k, OPS_INSTANCE_KEYS) == required), None)
                if near is None:  # a near miss is reported above, at its key
                    yield self.ops_finding(
                        ops, f"instance {instance} has no {required}: (it is required)", at, key=True
                    )
            elif value is None or value == "" or isinstance(value, (dict, list)):
                yield self.ops_finding(
                    ops, f"{required} of instance {instance} must be a non-empty string", (*at, required)
                )


def _near_key(data: dict, wanted: str) -> str | None:
    return next((k for k in data if isinstance(k, str) and k.strip().lower() == wanted), None)


def suggest_ops_key(key: Any, known: tuple[str, ...]) -> str | None:
    if not isinstance(key, str):
        return None
    close = difflib.get_close_matches(key.strip().lower(), known, n=1, cutoff=0.6)
    return close[0] if close else None


def _unknown(key: Any, known: tuple[str, ...], where: str) -> str:
    near = suggest_ops_key(key, known)
    if near:
        return f"unknown key {key!r} in {where}: did you mean {near}?"
    return f"unknown key {key!r} in {where}: service sync reads only {', '.join(known)}"


class OpsSpecMismatch(OpsRule):
    id = "PL713"
    slug = "ops-spec-mismatch"
    severity = Severity.ERROR
    summary = "An ops file's `spec:` is missing, is not a `ServiceSpec`, or does not list the instance."
    what = (
        "For each instance of an ops file, finds its `spec:` file (paths are relative to the repository "
        "root; relative to the ops file's folder is accepted too) and checks that it exists inside the "
        "repository, is a `proton: ServiceSpec` file, and lists an instance with that name."
    )
    why = (
        "Service sync creates or updates each instance from its entry in the named spec file; a missing "
        "file, another kind of spec or a missing instance makes the sync of that instance fail."
    )
    fix = "Point `spec:` at the service spec that lists the instance, or add the instance to it."
    source = "OPS-02, [DOC] UG:ag-service-sync-configs.md"
    bad = _ops_example(_OPS_GOOD.replace("prod-two", "gamma"))
    good = _ops_example()

    def check_ops(self, ops: _OpsFile) -> Iterable[Finding]:
        specs: dict[Path, YamlDocument] = {}
        for entry in _entries(ops):
            instance, at, spec = entry.instance, entry.at, entry.spec
            if spec is None or isinstance(spec, (dict, list)) or str(spec).strip() == "":
                continue
            spec = str(spec)
            path, inside = resolve_spec(spec, ops.path, ops.root)
            where = (*at, "spec")
            if path is None:
                if not inside:
                    message = f"spec {spec} points outside the repository ({display_path(ops.root)})"
                else:
                    message = f"spec file {spec} does not exist (paths are relative to the repository root)"
                yield self.ops_finding(ops, message, where)
                continue
            if path not in specs:
                try:
                    specs[path] = parse_yaml_shared(read_regular(path))
                except OSError as exc:
                    yield self.ops_finding(ops, f"cannot read spec file {spec}: {exc.strerror}", where)
                    continue
            message = _spec_problem(specs[path], str(instance), spec)
            if message:
                yield self.ops_finding(ops, message, where)


def _spec_problem(doc: YamlDocument, instance: str, spec: str) -> str | None:
    if not doc.ok:
        return f"spec file {spec} is not valid YAML ({doc.problems[0].message}, line {doc.problems[0].span.line})"
    data = doc.data
    kind = data.get("proton") if isinstance(data, dict) else None
    if not isinstance(kind, str) or kind.lower() != "servicespec":
        found = f"proton: {kind}" if kind is not None else "no proton: key"
        return f"spec file {spec} is not a service spec ({found}; service sync needs proton: ServiceSpec)"
    instances = data.get("instances")
    names = [i.get("name") for i in instances if isinstance(i, dict)] if isinstance(instances, list) else []
    if instance in [str(n) for n in names if n is not None]:
        return None
    listed = ", ".join(str(n) for n in names if n is not None) or "none"
    close = difflib.get_close_matches(instance, [str(n) for n in names if n is not None], n=1)
    tip = f"; did you mean {close[0]}?" if close else ""
    return f"spec file {spec} lists no instance named {instance} (it lists: {listed}){tip}"


class OpsValueInvalid(OpsRule):
    id = "PL714"
    slug = "ops-value-invalid"
    severity = Severity.ERROR
    summary = (
        "An ops file's branch is not a valid git branch name or is too long (1-200), or the file's path is too long."
    )
    what = (
        "Checks the limits of the service-sync API: the branch (`GitBranchName`) is 1 to 200 characters "
        "and a valid git branch name (no spaces, `..`, `~^:?*[\\`, no leading `-`, no `.lock` "
        "component); the ops file's path in the repository (`OpsFilePath`) is 1 to 4,096 characters."
    )
    why = "Proton refuses values past these limits, and a branch name git cannot have never matches a push."
    fix = "Use the exact name of an existing branch."
    source = "OPS-04, API-17, API-19, [API] SM:GitBranchName, SM:OpsFilePath; git check-ref-format"
    bad = _ops_example(_OPS_GOOD.replace("branch: main", "branch: release 1.0"))
    good = _ops_example()

    def check_ops(self, ops: _OpsFile) -> Iterable[Finding]:
        rel = os.path.relpath(os.path.abspath(ops.path), ops.root).replace(os.sep, "/")
        if len(rel) > 4096:
            yield self.ops_finding(ops, f"the ops file's path has {len(rel)} characters; the limit is 4,096")
        for entry in _entries(ops):
            instance, at, branch = entry.instance, entry.at, entry.branch
            if branch is None or isinstance(branch, (dict, list)) or branch == "":
                continue  # PL712
            name = str(branch)
            where = (*at, "branch")
            if len(name) > 200:
                yield self.ops_finding(
                    ops, f"branch of instance {instance} has {len(name)} characters; the limit is 200", where
                )
                continue
            problem = branch_problem(name)
            if problem:
                yield self.ops_finding(
                    ops, f"branch {name!r} of instance {instance} is not a valid git branch name: it {problem}", where
                )


class OpsNameInvalid(OpsRule):
    id = "PL715"
    slug = "ops-name-invalid"
    severity = Severity.ERROR
    summary = "A service or instance name in an ops file is not a valid Proton resource name."
    what = (
        "Service and instance names (the keys of `services:` and of each service) must match "
        "`^[0-9A-Za-z]+[0-9A-Za-z_-]*$` and have at most 100 characters."
    )
    why = "Proton cannot create or find a service or instance with any other name, so it is never synced."
    fix = "Use letters, digits, `-` and `_`, starting with a letter or digit (no spaces or dots)."
    source = "OPS-05, API-01, [API] SM:ResourceName"
    bad = _ops_example(_OPS_GOOD.replace("frontend-svc:", "Frontend Svc:"))
    good = _ops_example()

    def check_ops(self, ops: _OpsFile) -> Iterable[Finding]:
        data = ops.doc.data
        if not ops.doc.ok or not isinstance(data, dict) or not isinstance(data.get("sync"), dict):
            return
        seen: set[tuple] = set()
        for service, svc_at, instances in named_items(data["sync"].get("services"), ("sync", "services")):
            yield from self._name(ops, "service", service, svc_at, seen)
            for instance, inst_at, _body in named_items(instances, svc_at):
                yield from self._name(ops, f"instance (of {service})", instance, inst_at, seen)

    def _name(self, ops: _OpsFile, what: str, name: Any, at: tuple, seen: set) -> Iterator[Finding]:
        if at in seen:
            return
        seen.add(at)
        text = str(name)
        if not isinstance(name, str) or not RESOURCE_NAME.match(text):
            yield self.ops_finding(
                ops,
                f"{what} name {text!r} is not a valid name (letters, digits, - and _, starting alphanumeric)",
                at,
                key=True,
            )
        elif len(text) > RESOURCE_NAME_MAX:
            yield self.ops_finding(ops, f"{what} name has {len(text)} characters; the limit is 100", at, key=True)


RULES = (
    RegistrationFileMissing,
    CompatibleEnvironmentsInvalid,
    ComponentSourcesInvalid,
    RegistrationKeyUnknown,
    LegacyCompatibleEnvs,
    RegistrationFilesConflict,
    CompatibleEnvironmentNotFound,
    SyncFileMisnamed,
    RegistrationFileNotService,
    TemplateNameAmbiguous,
    TemplateKindMixed,
    OpsFileStructure,
    OpsSpecMismatch,
    OpsValueInvalid,
    OpsNameInvalid,
)
