"""Family 1: the bundle's folders, and how they agree with its schema."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from proton_lint.bundle import (
    ENV_INFRA,
    INFRA_DIRS,
    INSTANCE_INFRA,
    PIPELINE_INFRA,
    SCHEMA_FILE,
    Bundle,
    BundleKind,
)
from proton_lint.findings import Finding, Severity
from proton_lint.rules import Example, Rule
from proton_lint.snippets import CFN_MANIFEST, EMPTY_CFN, HCL_MANIFEST

_SCHEMA_NO_PIPELINE = """\
schema:
  format:
    openapi: "3.0.0"
  service_input_type: "ServiceInput"
  types:
    ServiceInput:
      type: object
      properties:
        port: {type: number, default: 80}
"""


def _top_dirs(bundle: Bundle) -> set[str]:
    return {name.split("/", 1)[0] for name in bundle.files if "/" in name}


class SchemaFileMissing(Rule):
    id = "PL101"
    slug = "schema-file-missing"
    severity = Severity.ERROR
    proton_refuses = "registration"
    proton_refuses_source = (
        "BND-02: UG:ag-template-authoring.md (AWS Proton requires an input parameter schema file), UG:ag-schema.md"
    )
    summary = "Every template bundle needs `schema/schema.yaml`."
    what = (
        "Reports a bundle (an infrastructure folder with a manifest, or a `schema/` folder) that has no "
        "`schema/schema.yaml`: half a bundle is reported, never skipped."
    )
    why = "Proton requires an input parameter schema file in every template bundle; registration fails without it."
    fix = "Add `schema/schema.yaml` beside the infrastructure folder."
    source = "BND-02, [DOC] UG:ag-template-authoring.md, UG:ag-schema.md"
    bad = Example(files={"schema/schema.yaml": None, "schema/schema.yml": "schema: {}\n"})
    good = Example(files={})

    def applies(self, bundle: Bundle) -> bool:
        return bundle.kind is not BundleKind.COMPONENT

    def check(self, bundle: Bundle) -> Iterable[Finding]:
        if bundle.has(SCHEMA_FILE):
            return
        others = [n for n in bundle.files if n.startswith("schema/")]
        extra = f"; found {', '.join(others)} (the file must be named schema.yaml)" if others else ""
        yield self.finding(bundle, "", f"the bundle has no {SCHEMA_FILE}{extra}")


class InfrastructureMissing(Rule):
    id = "PL102"
    slug = "infrastructure-missing"
    severity = Severity.ERROR
    proton_refuses = "registration"
    proton_refuses_source = "BND-10, BND-20: UG:ag-wrap-up.md (the folders and manifest each kind of bundle holds)"
    summary = "A bundle lacks the infrastructure folder (or its manifest) that its kind needs."
    what = (
        "A service bundle needs `instance_infrastructure/manifest.yaml`; a standard environment needs "
        "`infrastructure/manifest.yaml`; every infrastructure folder needs a `manifest.yaml`. A schema-only "
        "environment bundle is a customer-managed environment and is fine."
    )
    why = "Proton finds the IaC through the manifest of each infrastructure folder; without it registration fails."
    fix = "Add the folder and its manifest.yaml, or remove the empty folder."
    source = "BND-10, BND-12, BND-20, [DOC] UG:ag-wrap-up.md"
    base = "service"
    bad = Example(
        files={"instance_infrastructure/manifest.yaml": None, "instance_infrastructure/cloudformation.yaml": None}
    )
    good = Example(files={})

    def check(self, bundle: Bundle) -> Iterable[Finding]:
        for folder in bundle.infra_dirs:
            if not bundle.has(f"{folder}/manifest.yaml"):
                yield self.finding(bundle, folder, f"{folder}/ has no manifest.yaml")
        if bundle.kind is BundleKind.SERVICE and not bundle.has_dir(INSTANCE_INFRA) and not bundle.has_dir(ENV_INFRA):
            yield self.finding(bundle, "", "the service bundle has no instance_infrastructure/ folder")
        if bundle.kind is BundleKind.UNKNOWN and not bundle.infra_dirs and bundle.has(SCHEMA_FILE):
            yield self.finding(
                bundle,
                SCHEMA_FILE,
                "the bundle has a schema but no infrastructure folder, and its schema names no input type, "
                "so it is neither a customer-managed environment nor a service",
            )


class LegacyFolderLayout(Rule):
    id = "PL110"
    slug = "legacy-folder-layout"
    severity = Severity.ERROR
    proton_refuses = "registration"
    proton_refuses_source = "BND-08: AG:ga-api-migration.md (bundles in the pre-GA format are rejected)"
    summary = "A service bundle uses pre-GA folder names (`infrastructure/`, `pipeline/`)."
    what = (
        "Service bundles use `instance_infrastructure/` and `pipeline_infrastructure/`. The preview's "
        "`infrastructure/` (for instances) and `pipeline/` are reported."
    )
    why = "Proton rejects bundles in the pre-GA format."
    fix = "Rename `infrastructure/` to `instance_infrastructure/` and `pipeline/` to `pipeline_infrastructure/`."
    source = "BND-08, [DOC] AG:ga-api-migration.md"
    base = "service"
    bad = Example(
        files={
            "pipeline_infrastructure/manifest.yaml": None,
            "pipeline_infrastructure/cloudformation.yaml": None,
            "pipeline/manifest.yaml": CFN_MANIFEST,
            "pipeline/cloudformation.yaml": EMPTY_CFN,
        }
    )
    good = Example(files={})

    def applies(self, bundle: Bundle) -> bool:
        return bundle.kind is BundleKind.SERVICE

    def check(self, bundle: Bundle) -> Iterable[Finding]:
        if bundle.has_dir("pipeline"):
            yield self.finding(
                bundle, "pipeline", "pipeline/ is the pre-GA name; rename it to pipeline_infrastructure/"
            )
        if bundle.has_dir(ENV_INFRA):
            yield self.finding(
                bundle,
                ENV_INFRA,
                "a service bundle's instance template lives in instance_infrastructure/, not infrastructure/ "
                "(the pre-GA name)",
            )


class WrongInfrastructureFolder(Rule):
    id = "PL111"
    slug = "infrastructure-folder-name"
    severity = Severity.ERROR
    summary = "An infrastructure folder that does not fit the bundle's kind, or a misspelt one."
    what = (
        "Environment bundles have `infrastructure/`; service bundles have `instance_infrastructure/` and "
        "`pipeline_infrastructure/`. Reports the service folders in an environment bundle, and top-level "
        "folders whose names are close to these (`instance-infrastructure`, `Infrastructure`, `infra`)."
    )
    why = "Proton looks for exactly these names; anything else is ignored, so the IaC is never deployed."
    fix = "Rename the folder to the exact name."
    source = "BND-10, BND-20, [DOC] UG:ag-wrap-up.md"
    base = "service"
    bad = Example(
        files={
            "instance_infrastructure/manifest.yaml": None,
            "instance_infrastructure/cloudformation.yaml": None,
            "instance-infrastructure/manifest.yaml": CFN_MANIFEST,
            "instance-infrastructure/cloudformation.yaml": EMPTY_CFN,
        }
    )
    good = Example(files={})

    _KNOWN = (*INFRA_DIRS, "schema", "pipeline", "spec", "specs")

    def check(self, bundle: Bundle) -> Iterable[Finding]:
        if bundle.kind is BundleKind.ENVIRONMENT:
            for folder in (INSTANCE_INFRA, PIPELINE_INFRA):
                if bundle.has_dir(folder):
                    yield self.finding(
                        bundle, folder, f"{folder}/ belongs to service bundles; an environment uses infrastructure/"
                    )
        for folder in sorted(_top_dirs(bundle) - set(self._KNOWN)):
            normal = folder.lower().replace("-", "_")
            close = difflib.get_close_matches(normal, INFRA_DIRS, n=1, cutoff=0.75)
            if normal in ("infra", "pipeline_infra", "instance_infra"):
                close = close or [f"{normal}structure"]
            if close:
                yield self.finding(
                    bundle, folder, f"folder {folder}/ is not a Proton folder name; did you mean {close[0]}/?"
                )


class CustomerManagedHasInfrastructure(Rule):
    id = "PL112"
    slug = "customer-managed-has-infrastructure"
    severity = Severity.ERROR
    proton_refuses = "registration"
    proton_refuses_source = (
        "BND-12: UG:ag-wrap-up.md, UG:ag-env-customer-managed.md (an infrastructure folder makes Proton throw an error)"
    )
    summary = "A bundle declared customer-managed carries an infrastructure folder."
    what = (
        "For bundles listed under `customer-managed` in the configuration (environment templates created "
        "with `provisioning=CUSTOMER_MANAGED`), reports any infrastructure folder, manifest or IaC file."
    )
    why = "A customer-managed environment template is only a schema; Proton throws an error for anything else."
    fix = "Remove `infrastructure/`, or drop the bundle from `customer-managed` in the configuration."
    source = "BND-12, [DOC] UG:ag-wrap-up.md, UG:ag-env-customer-managed.md"
    base = "customer-managed-environment"
    bad = Example(
        files={
            "infrastructure/manifest.yaml": CFN_MANIFEST,
            "infrastructure/cloudformation.yaml": EMPTY_CFN,
        },
        options={"customer_managed": ("*my-template/v1",)},
    )
    good = Example(files={}, options={"customer_managed": ("*my-template/v1",)})

    def applies(self, bundle: Bundle) -> bool:
        return bundle.declared_customer_managed is True

    def check(self, bundle: Bundle) -> Iterable[Finding]:
        for folder in bundle.infra_dirs:
            yield self.finding(
                bundle, folder, f"{folder}/ in a customer-managed environment bundle; it may hold only schema/"
            )


class PipelineSchemaMismatch(Rule):
    id = "PL113"
    slug = "pipeline-schema-mismatch"
    severity = Severity.ERROR
    proton_refuses = "registration"
    proton_refuses_source = (
        "BND-23: [ISSUE] aws-samples/aws-proton-cloudformation-sample-templates#9 (registration failed: "
        "'Service template schema is not valid: Missing property [pipelineInputType]'); UG:ag-schema.md"
    )
    summary = "`pipeline_infrastructure/` and `pipeline_input_type` must come together."
    what = (
        "A service template with a pipeline needs both the `pipeline_infrastructure/` folder and "
        "`pipeline_input_type` in its schema; a template without a pipeline has neither."
    )
    why = (
        'Registration fails with "Service template schema is not valid: Missing property '
        '[pipelineInputType]" when the folder has no input type, and a pipeline input type without a '
        "pipeline template has nothing to feed."
    )
    fix = "Add `pipeline_input_type` (and its type) to the schema, or remove the pipeline folder."
    source = "BND-22, BND-23, BND-24, SCH-03, [ISSUE] aws-proton-cloudformation-sample-templates#9"
    base = "service"
    bad = Example(files={"schema/schema.yaml": _SCHEMA_NO_PIPELINE})
    good = Example(files={})

    def applies(self, bundle: Bundle) -> bool:
        return bundle.kind is BundleKind.SERVICE and bundle.schema is not None

    def check(self, bundle: Bundle) -> Iterable[Finding]:
        has_type = "pipeline_input_type" in bundle.schema_root
        has_dir = bundle.has_dir(PIPELINE_INFRA) or bundle.has_dir("pipeline")
        if has_dir and not has_type:
            yield self.finding(
                bundle,
                SCHEMA_FILE,
                "the bundle has a pipeline folder but the schema has no pipeline_input_type "
                '(Proton: "Missing property [pipelineInputType]")',
                at=("schema",),
                key=True,
            )
        elif has_type and not has_dir:
            yield self.finding(
                bundle,
                SCHEMA_FILE,
                "the schema has pipeline_input_type but the bundle has no pipeline_infrastructure/ folder",
                at=("schema", "pipeline_input_type"),
                key=True,
            )


class MixedProvisioning(Rule):
    id = "PL114"
    slug = "mixed-provisioning"
    severity = Severity.WARNING
    summary = "The instance and pipeline manifests of one bundle use different rendering engines."
    what = "Compares the `rendering_engine` of every manifest in a bundle."
    why = (
        "Proton forbids mixing provisioning methods within a template; each method also needs its own "
        "account settings (pipeline role, CodeBuild role or provisioning repository)."
    )
    fix = "Use the same rendering engine for the instance and the pipeline."
    source = "BND-25, [DOC] UG:ag-infrastructure-tmp-files.md, UG:ag-works-prov-methods.md"
    base = "service"
    bad = Example(
        files={
            "pipeline_infrastructure/manifest.yaml": HCL_MANIFEST,
            "pipeline_infrastructure/cloudformation.yaml": None,
            "pipeline_infrastructure/main.tf": 'resource "aws_s3_bucket" "b" {}\n',
        }
    )
    good = Example(files={})

    def check(self, bundle: Bundle) -> Iterable[Finding]:
        engines: dict[str, str] = {}
        for rel in bundle.manifests:
            for i, entry in enumerate(bundle.manifest_entries(rel)):
                engine = entry.get("rendering_engine")
                if isinstance(engine, str):
                    engines.setdefault(engine, rel)
                    if len(engines) > 1 and engines[engine] == rel and engine != next(iter(engines)):
                        first, where = next(iter(engines.items()))
                        yield self.finding(
                            bundle,
                            rel,
                            f"rendering_engine {engine} here, but {first} in {where}; one bundle uses one method",
                            at=("infrastructure", "templates", i, "rendering_engine"),
                        )


class LinkNotFollowed(Rule):
    id = "PL117"
    slug = "link-not-followed"
    severity = Severity.WARNING
    summary = "A symbolic link in a bundle folder was not followed (it leaves the bundle, or is a folder link)."
    what = (
        "Reports links in a bundle folder that proton-lint does not read: links whose target is outside the "
        "bundle, links to folders (never followed, so loops cannot hang the run), links that loop "
        "(`a -> b -> a`, `loop -> loop`) and links to nothing."
    )
    why = (
        "A bundle is packaged as regular files. A link that leaves the bundle would package (or, in CI, print) "
        "a file from elsewhere on the machine, and a folder link can loop forever."
    )
    fix = "Replace the link with the file itself, or move the target into the bundle."
    source = "BND-01, BND-05 (bundles are plain archives of regular files)"
    bad = Example(links={"infrastructure/shared.yaml": "/etc/hostname"})
    good = Example(files={"infrastructure/shared.yaml": "# a copy, not a link\n"})

    def check(self, bundle: Bundle) -> Iterable[Finding]:
        for rel, why in bundle.source.skipped_links().items():
            yield self.finding(bundle, rel, f"{rel} is {why}; it is not read")


class FileNotRead(Rule):
    id = "PL120"
    slug = "file-not-read"
    severity = Severity.ERROR
    summary = "A path in a bundle folder (or given to check) is not read: not a regular file, too large, or too long."
    what = (
        "Reports entries that proton-lint refuses to open: FIFOs, devices and sockets; files over the "
        "`file-size` limit (`limits` table, 50 MB by default); paths or names longer than the system "
        "allows; folders that cannot be listed. Each is skipped, and the rest of the bundle is checked."
    )
    why = (
        "Proton bundles hold regular files only. Opening a FIFO blocks until something writes to it and a "
        "device can be read forever, so a CI run would hang; a path the system cannot open would pass unchecked."
    )
    fix = "Remove the entry from the bundle (or shorten the path); keep large build output out of template folders."
    source = "BND-01, BND-03, BND-05 (bundles are plain archives of regular files)"
    bad = Example(fifos=("infrastructure/pipe",))
    good = Example(files={"infrastructure/notes.txt": "a regular file\n"})

    def check(self, bundle: Bundle) -> Iterable[Finding]:
        for rel, why in bundle.source.unread().items():
            yield self.finding(bundle, "" if rel == "." else rel, why)


RULES = (
    SchemaFileMissing,
    InfrastructureMissing,
    LegacyFolderLayout,
    WrongInfrastructureFolder,
    CustomerManagedHasInfrastructure,
    PipelineSchemaMismatch,
    MixedProvisioning,
    LinkNotFollowed,
    FileNotRead,
)
