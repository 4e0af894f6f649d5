"""Family 1: Proton's size and count limits for bundles and components."""

from __future__ import annotations

from collections.abc import Iterable

from proton_lint.archive import PROTON_BUNDLE_LIMIT
from proton_lint.bundle import SCHEMA_FILE, Bundle, BundleKind
from proton_lint.findings import Finding, Severity
from proton_lint.rules import Example, Rule

KB = 1024
MANIFEST_LIMIT = 50 * KB
SCHEMA_LIMIT = 50 * KB
SCHEMA_API_CHARS = 51_200
TEMPLATE_FILE_LIMIT = 200 * KB
TEMPLATE_FILE_COUNT = 10
#: template-sync files that live in the version folder but are not part of the registered bundle
SYNC_FILES = frozenset({".compatible-envs", ".template-registration.yaml"})
COMPONENT_MANIFEST_CHARS = 1_024
COMPONENT_TEMPLATE_CHARS = 51_200


def _size(n: int) -> str:
    return f"{n / KB:.1f} KB" if n < 1024 * KB else f"{n / (1024 * KB):.2f} MB"


class BundleSizeLimit(Rule):
    id = "PL103"
    slug = "bundle-size-limit"
    severity = Severity.ERROR
    proton_refuses = "registration"
    proton_refuses_source = (
        "BND-03: UG:ag-limits.md (bundle, manifest, schema and file sizes, not adjustable); "
        "SM:TemplateSchema (51,200 characters)"
    )
    summary = "The bundle or one of its files is over Proton's size limits."
    what = (
        "Checks Proton's fixed limits: the whole bundle at most 5 MB, the manifest and the schema at most "
        "50 KB each (the API also caps a schema at 51,200 characters), and every other template file at "
        "most 200 KB."
    )
    why = "None of these limits can be raised; registration fails when one is passed."
    fix = "Split large templates (nested stacks, modules), and keep build output and dependencies out of the bundle."
    source = "BND-03, MAN-18, API-08, [DOC] UG:ag-limits.md"
    bad = Example(files={"infrastructure/cloudformation.yaml": "# padding\n" + "#" * (201 * KB) + "\n"})
    good = Example(files={})

    def check(self, bundle: Bundle) -> Iterable[Finding]:
        sizes = bundle.files
        total = sum(sizes.values())
        if total > PROTON_BUNDLE_LIMIT:
            yield self.finding(bundle, "", f"the bundle is {_size(total)}; Proton's limit is 5 MB")
        for rel, size in sizes.items():
            if rel == SCHEMA_FILE:
                if size > SCHEMA_LIMIT:
                    yield self.finding(bundle, rel, f"the schema is {_size(size)}; the limit is 50 KB")
                elif size > 40 * KB and len(bundle.read_text(rel)) > SCHEMA_API_CHARS:
                    yield self.finding(
                        bundle, rel, f"the schema has more than {SCHEMA_API_CHARS:,} characters (the API's limit)"
                    )
            elif rel.endswith("manifest.yaml") and rel.count("/") <= 1:
                if size > MANIFEST_LIMIT:
                    yield self.finding(bundle, rel, f"the manifest is {_size(size)}; the limit is 50 KB")
            elif size > TEMPLATE_FILE_LIMIT:
                yield self.finding(
                    bundle, rel, f"the file is {_size(size)}; Proton's limit per template file is 200 KB"
                )


class TooManyTemplateFiles(Rule):
    id = "PL109"
    slug = "too-many-template-files"
    severity = Severity.WARNING
    summary = "More than 10 template files in a bundle (CodeBuild bundles excepted)."
    what = (
        "Counts the files of a bundle besides the schema, the manifests and the template-sync files "
        "(`.compatible-envs`, `.template-registration.yaml`), and warns above Proton's "
        "documented 10 template files. CodeBuild bundles are not counted: AWS's own CodeBuild samples "
        "ship more files and register."
    )
    why = "The quota is documented as not adjustable; whether it covers every file is unclear, hence a warning."
    fix = "Move files that Proton does not need (docs, tests, build output) out of the bundle."
    source = "BND-03, BND-41, [DOC] UG:ag-limits.md; [SAMPLE] proton-codebuild-provisioning-examples"
    base = "terraform-environment"
    bad = Example(files={f"infrastructure/module{i}.tf": "# module\n" for i in range(10)})
    good = Example(files={})

    def applies(self, bundle: Bundle) -> bool:
        return "codebuild" not in bundle.engines()

    def check(self, bundle: Bundle) -> Iterable[Finding]:
        templates = [
            n for n in bundle.files if n != SCHEMA_FILE and not n.endswith("manifest.yaml") and n not in SYNC_FILES
        ]
        if len(templates) > TEMPLATE_FILE_COUNT:
            yield self.finding(
                bundle, "", f"the bundle has {len(templates)} template files; Proton allows {TEMPLATE_FILE_COUNT}"
            )


class ComponentLimits(Rule):
    id = "PL116"
    slug = "component-size-limit"
    severity = Severity.ERROR
    proton_refuses = "registration"
    proton_refuses_source = (
        "BND-30: SM:TemplateManifestContents (1,024), SM:TemplateFileContents (51,200): CreateComponent "
        "refuses longer ones"
    )
    summary = "A component's manifest is at most 1,024 characters and its IaC file at most 51,200."
    what = "Checks the two members a directly defined component is created from."
    why = (
        "A component is not a bundle: CreateComponent takes `manifest` (at most 1,024 characters) and "
        "`templateFile` (at most 51,200 characters) inline, and rejects longer values."
    )
    fix = "Remove comments and extra entries from the manifest; split a large component template."
    source = "BND-30, MAN-18, API-09, API-10, [API] SM:TemplateManifestContents, SM:TemplateFileContents"
    base = "component"
    bad = Example(
        files={
            "manifest.yaml": "# "
            + "x" * 1100
            + "\n"
            + (
                'infrastructure:\n  templates:\n    - file: "cloudformation.yaml"\n      rendering_engine: jinja\n'
                "      template_language: cloudformation\n"
            )
        }
    )
    good = Example(files={})

    def applies(self, bundle: Bundle) -> bool:
        return bundle.kind is BundleKind.COMPONENT

    def check(self, bundle: Bundle) -> Iterable[Finding]:
        if bundle.has("manifest.yaml"):
            chars = len(bundle.read_text("manifest.yaml"))
            if chars > COMPONENT_MANIFEST_CHARS:
                yield self.finding(
                    bundle, "manifest.yaml", f"the component manifest has {chars:,} characters; the limit is 1,024"
                )
        for entry in bundle.manifest_entries("manifest.yaml"):
            name = entry.get("file")
            if isinstance(name, str) and bundle.has(name):
                chars = len(bundle.read_text(name))
                if chars > COMPONENT_TEMPLATE_CHARS:
                    yield self.finding(
                        bundle, name, f"the component template has {chars:,} characters; the limit is 51,200"
                    )


RULES = (BundleSizeLimit, TooManyTemplateFiles, ComponentLimits)
