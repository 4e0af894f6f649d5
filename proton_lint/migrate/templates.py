"""Template versions and specs, read as Proton read them.

A template version is a bundle folder (``<template>/vN``, or a component's folder); each kind of
resource deploys the IaC of one of its folders, with the engine its manifest names: Jinja
CloudFormation (``rendering_engine: jinja``) or Terraform (``hcl``). A spec gives the inputs,
checked against the bundle's schema exactly as Proton checked them (unknown inputs accepted; a
required input without a value refused), then completed with the schema's defaults.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from proton_lint.bundle import Bundle, BundleKind, DirSource, detect_kind
from proton_lint.migrate.errors import MigrateError
from proton_lint.render import TemplateKind, jinja_files
from proton_lint.source import parse_yaml
from proton_lint.spec import CURRENT_VAL, PIPELINE_TYPE_KEY, input_issues, resolve_inputs

CLOUDFORMATION = "cloudformation"
TERRAFORM = "terraform"

FOLDERS = {
    TemplateKind.ENVIRONMENT: "infrastructure",
    TemplateKind.SERVICE_INSTANCE: "instance_infrastructure",
    TemplateKind.PIPELINE: "pipeline_infrastructure",
    TemplateKind.COMPONENT: "",
}
INPUT_TYPES = {
    TemplateKind.ENVIRONMENT: "environment_input_type",
    TemplateKind.SERVICE_INSTANCE: "service_input_type",
    TemplateKind.PIPELINE: PIPELINE_TYPE_KEY,
}


@dataclass(frozen=True)
class Source:
    """The IaC one kind of resource deploys from a bundle."""

    bundle: Bundle
    kind: TemplateKind
    engine: str  # CLOUDFORMATION or TERRAFORM
    files: tuple[str, ...]  # bundle-relative: one Jinja template, or the Terraform folder's files

    def text(self) -> str:
        return self.bundle.read_text(self.files[0])


def load_bundle(folder: Path, *, template: str | None = None, major: int | None = None) -> Bundle:
    if template is None:
        return Bundle(source=DirSource(folder), kind=BundleKind.COMPONENT, layout="component")
    bundle = Bundle(source=DirSource(folder), layout="sync", template_name=template, version_dir=folder.name)
    bundle.major = major
    bundle.kind = detect_kind(bundle)
    return bundle


def source(bundle: Bundle, kind: TemplateKind) -> Source | None:
    """What ``kind`` deploys from ``bundle``; None when the bundle has nothing for it (no pipeline,
    or a customer-managed environment); MigrateError for engines migrate does not run."""
    folder = FOLDERS[kind]
    manifest = posixpath.join(folder, "manifest.yaml") if folder else "manifest.yaml"
    if not bundle.has(manifest):
        return None
    engines = {str(e.get("rendering_engine", e.get("engine"))) for e in bundle.iac_entries(manifest)}
    if "hcl" in engines:
        files = tuple(sorted(f for f in bundle.files if f.startswith(f"{folder}/" if folder else "") and f != manifest))
        return Source(bundle, kind, TERRAFORM, files)
    if "jinja" in engines:
        found = [f.rel for f in jinja_files(bundle) if f.kind is kind]
        if found:
            return Source(bundle, kind, CLOUDFORMATION, (found[0],))
    named = ", ".join(sorted(engines)) or "none"
    raise MigrateError(
        f"{bundle.display(manifest)}: rendering_engine {named} is not migrated (CodeBuild provisioning runs "
        "your own commands: run them yourself); migrate covers jinja (CloudFormation) and hcl (Terraform)"
    )


# -- specs -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class InstanceSpec:
    name: str
    environment: str
    inputs: dict[str, Any]
    at: tuple  # the instance's path in the spec document


@dataclass
class ServiceSpec:
    instances: list[InstanceSpec] = field(default_factory=list)
    pipeline_inputs: dict[str, Any] | None = None  # None: the template has no pipeline


def _document(path: Path) -> Any:
    from proton_lint import budgets

    limit = budgets.current().spec_size
    if path.stat().st_size > limit:
        raise MigrateError(f"{path}: more than {limit} bytes, refused unparsed (limits.spec-size)")
    doc = parse_yaml(path.read_bytes())
    if doc.problems:
        first = doc.problems[0]
        raise MigrateError(f"{path}:{first.span.line}:{first.span.column}: {first.message}")
    if not isinstance(doc.data, dict):
        raise MigrateError(f"{path}:1:1: a spec is a YAML mapping with 'proton:'")
    return doc


def _expect(path: Path, doc: Any, kind: str) -> None:
    if doc.data.get("proton") != kind:
        span = doc.span_of(("proton",))
        raise MigrateError(f"{path}:{span.line}:{span.column}: expected 'proton: {kind}' in this spec")


def _inputs(path: Path, doc: Any, bundle: Bundle, kind: TemplateKind, *, values: Any, at: tuple, what: str) -> dict:
    """The resolved inputs, or MigrateError listing what Proton would have refused at file:line."""
    root = bundle.schema_root
    key = INPUT_TYPES[kind]
    given = values if isinstance(values, dict) else None
    if given is not None and any(v == CURRENT_VAL for v in given.values()):
        span = doc.span_of(at)
        raise MigrateError(
            f"{path}:{span.line}:{span.column}: {CURRENT_VAL} needs Proton's record of the current value; "
            "write the value itself into the spec"
        )
    issues = [
        i
        for i in input_issues(root, key, given, at, context=what, absent=f"{what} gives no inputs")
        if i.code != "unknown"
    ]
    if issues:
        lines = []
        for issue in issues:
            span = doc.span_of(issue.at, key=issue.key)
            lines.append(f"{path}:{span.line}:{span.column}: {issue.message.replace('{where}', '')}")
        raise MigrateError("\n".join(lines))
    return resolve_inputs(root, key, given) if key in root else dict(given or {})


def environment_inputs(bundle: Bundle, path: Path) -> dict[str, Any]:
    doc = _document(path)
    _expect(path, doc, "EnvironmentSpec")
    values = doc.data.get("spec")
    what = "the environment spec"
    return _inputs(path, doc, bundle, TemplateKind.ENVIRONMENT, values=values, at=("spec",), what=what)


def service_spec(bundle: Bundle, path: Path) -> ServiceSpec:
    doc = _document(path)
    _expect(path, doc, "ServiceSpec")
    out = ServiceSpec()
    instances = doc.data.get("instances")
    if not isinstance(instances, list) or not instances:
        span = doc.span_of(("instances",))
        raise MigrateError(f"{path}:{span.line}:{span.column}: a ServiceSpec lists its instances under 'instances:'")
    for index, entry in enumerate(instances):
        at = ("instances", index)
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) or not entry.get("environment"):
            span = doc.span_of(at)
            raise MigrateError(f"{path}:{span.line}:{span.column}: each instance has a 'name:' and an 'environment:'")
        name = entry["name"]
        kind = TemplateKind.SERVICE_INSTANCE
        inputs = _inputs(path, doc, bundle, kind, values=entry.get("spec"), at=(*at, "spec"), what=f"instance {name}")
        out.instances.append(InstanceSpec(name, str(entry["environment"]), inputs, at))
    if source(bundle, TemplateKind.PIPELINE) is not None:
        values = doc.data.get("pipeline")
        out.pipeline_inputs = _inputs(
            path, doc, bundle, TemplateKind.PIPELINE, values=values, at=("pipeline",), what="the pipeline"
        )
    return out


def spec_line(path: Path, at: tuple) -> str:
    """``file:line:column`` of ``at`` in the spec at ``path`` (for messages after loading)."""
    doc = parse_yaml(path.read_bytes())
    span = doc.span_of(at)
    return f"{path}:{span.line}:{span.column}"
