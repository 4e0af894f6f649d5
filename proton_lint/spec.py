"""Sample specs and input samples: finding them, checking them against a bundle's schema, resolving inputs.

Real template repositories keep sample specs in several places (see ``../shared/corpus``):

* inside the bundle: ``spec/``, ``specs/``, ``spec.yaml``;
* beside the version folder or the template folder: ``<template>/spec/spec.yaml``,
  ``lambda-multi-svc/specs/svc-spec.yaml`` beside ``lambda-multi-svc/service-crud/v1/``, or further up
  (``public-private-fargate-microservices/specs/`` for ``microservices-svc/private-fargate-svc/v1``);
* named in the configuration (``specs = {"bundle glob" = ["spec paths"]}``) or with ``--spec FILE``.

A discovered spec belongs to the bundles of its kind (``proton: EnvironmentSpec`` or ``ServiceSpec``)
below the folder that holds its spec folder, unless a bundle has a nearer spec of that kind. Several
candidates are narrowed by name (``svc-private-spec.yaml`` is for ``private-fargate-svc``), then by
which schemas the spec fits; a spec that fits none of them is checked against all of them.

``proton-inputs.json`` (CodeBuild) and ``proton.auto.tfvars.json`` (Terraform) samples imitate what
Proton writes for a deployment (CB-02..05); they are found in the bundle and in the template folder
(``<template>/dev-resources/``) and checked against the schema too.

``resolve_inputs`` and ``resolve_spec`` give the inputs a deployment would get: the spec's values,
the schema's defaults, and deterministic synthetic values for required inputs that have neither.
"""

from __future__ import annotations

import datetime
import difflib
import fnmatch
import json
import math
import os
import re
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from proton_lint import budgets
from proton_lint.bundle import PIPELINE_INFRA, SKIP_DIRS, Bundle, BundleKind, display_path
from proton_lint.cache import record_read
from proton_lint.files import read_regular
from proton_lint.findings import Span
from proton_lint.schema import ref_target, to_json_schema, validator_for
from proton_lint.source import YamlDocument, YamlProblem, parse_yaml_shared

SPEC_KINDS = {"EnvironmentSpec": BundleKind.ENVIRONMENT, "ServiceSpec": BundleKind.SERVICE}
KIND_SPEC = {kind: name for name, kind in SPEC_KINDS.items()}
#: The value that keeps an input's current value on update (SPEC-16): accepted for any input.
CURRENT_VAL = "${Proton::CURRENT_VAL}"
#: ``SM:SpecContents``: 1-51,200 characters (SPEC-04, SPEC-18).
MAX_SPEC_CHARS = 51_200
#: UG:ag-limits.md: 20 instances per service (SPEC-13).
MAX_INSTANCES = 20
#: ``SM:ResourceName`` (API-01).
RESOURCE_NAME = re.compile(r"^[0-9A-Za-z]+[0-9A-Za-z_\-]*$")
RESOURCE_NAME_MAX = 100
SPEC_DIRS = ("spec", "specs")
SPEC_FILE_NAMES = ("spec.yaml", "spec.yml")
CODEBUILD_INPUTS = "proton-inputs.json"
TERRAFORM_INPUTS = "proton.auto.tfvars.json"
INPUTS_FILE_NAMES = (CODEBUILD_INPUTS, TERRAFORM_INPUTS)
INPUT_TYPE_KEY = {BundleKind.ENVIRONMENT: "environment_input_type", BundleKind.SERVICE: "service_input_type"}
PIPELINE_TYPE_KEY = "pipeline_input_type"
#: Folders above a bundle searched for spec folders (the template folder, its parent, ...).
ANCESTOR_LEVELS = 4
#: Words that do not tell one template from another when matching spec file names to templates.
_GENERIC_WORDS = frozenset(
    {
        "",
        "spec",
        "specs",
        "svc",
        "service",
        "services",
        "env",
        "environment",
        "environments",
        "template",
        "templates",
        "sample",
        "samples",
        "example",
        "proton",
        "yaml",
        "yml",
        "json",
        "instance",
        "instances",
    }
)

_INFRA_ROLE = {"infrastructure": "environment", "instance_infrastructure": "instance", PIPELINE_INFRA: "pipeline"}
_ROLE_KIND = {"environment": BundleKind.ENVIRONMENT, "instance": BundleKind.SERVICE, "pipeline": BundleKind.SERVICE}


# -- files ---------------------------------------------------------------------------------------
@dataclass(eq=False)
class SpecFile:
    """One sample spec: where it is, its parsed YAML, and the kind of template it is for."""

    display: str
    doc: YamlDocument
    #: ENVIRONMENT or SERVICE; UNKNOWN when the file does not say (a broken ``proton:`` value)
    kind: BundleKind
    #: "bundle" (inside the bundle), "beside" (a spec folder above it), "config" or "cli"
    origin: str
    #: the file on disk (absolute), None inside an archive
    path: Path | None = None
    #: the folder whose bundles a discovered spec is for
    scope: Path | None = None

    @property
    def data(self) -> Any:
        return self.doc.data

    @property
    def name(self) -> str:
        return self.display.replace("\\", "/").rsplit("/", 1)[-1]

    @property
    def explicit(self) -> bool:
        return self.origin in ("config", "cli")


@dataclass(eq=False)
class InputsFile:
    """A ``proton-inputs.json`` or ``proton.auto.tfvars.json`` sample."""

    display: str
    doc: YamlDocument
    #: "codebuild" (inputs keep their JSON types) or "terraform" (inputs are map(string))
    flavour: str
    path: Path | None = None
    #: the role its infrastructure folder implies ("environment", "instance", "pipeline"), if in a bundle
    folder_role: str | None = None


@dataclass(frozen=True)
class Issue:
    """A problem in a spec or sample. ``message`` may hold ``{where}``: the templates it holds for."""

    #: "structure", "size", "instances", "pipeline", "invalid", "missing", "unknown", "sample"
    code: str
    message: str
    at: tuple = ()
    key: bool = False
    span: Span | None = None
    #: what to do, when the rule's general fix does not fit this issue
    hint: str | None = None


@dataclass(frozen=True)
class Report:
    """An issue placed in its file, with ``{where}`` filled in."""

    code: str
    display: str
    message: str
    at: tuple
    span: Span
    hint: str | None = None


def spec_kind(data: Any) -> BundleKind | None:
    """The kind of template a spec is for; None when the data does not look like a spec at all."""
    if not isinstance(data, dict):
        return None
    proton = data.get("proton")
    if isinstance(proton, str):
        if proton in SPEC_KINDS:
            return SPEC_KINDS[proton]
        folded = {name.lower(): kind for name, kind in SPEC_KINDS.items()}
        if proton.strip().lower() in folded:
            return folded[proton.strip().lower()]
        close = difflib.get_close_matches(proton.strip(), list(SPEC_KINDS), n=1, cutoff=0.6)
        if close:
            return SPEC_KINDS[close[0]]
    if "instances" in data:
        return BundleKind.SERVICE
    if "spec" in data:
        return BundleKind.ENVIRONMENT
    return BundleKind.UNKNOWN if "proton" in data else None


def _read_doc(path: Path) -> YamlDocument:
    """The parsed file; one far over Proton's limit is not parsed (the ``spec-size`` budget)."""
    try:
        size, limit = path.stat().st_size, budgets.current().spec_size
        if size > limit:
            doc = YamlDocument(text="")
            message = (
                f"the spec has {size:,} bytes; Proton accepts at most {MAX_SPEC_CHARS:,} characters "
                f"(not read: over the spec-size limit of {limit:,} bytes)"
            )
            doc.problems.append(YamlProblem(TOO_LARGE, message, Span(1, 1)))
            return doc
        record_read(path)
        return parse_yaml_shared(read_regular(path))
    except OSError as exc:
        doc = YamlDocument(text="")
        doc.problems.append(YamlProblem("encoding", f"cannot read the file: {exc.strerror}", Span(1, 1)))
        return doc


def load_spec(path: Path, origin: str, scope: Path | None = None) -> SpecFile:
    """A spec file on disk (any file: its kind is UNKNOWN when it does not look like a spec)."""
    doc = _read_doc(path)
    kind = spec_kind(doc.data) or BundleKind.UNKNOWN
    return SpecFile(display_path(path), doc, kind, origin, Path(os.path.abspath(path)), scope)


def _looks_like_spec_name(name: str) -> bool:
    return "spec" in name.lower()


def _parse_json_doc(data: bytes) -> YamlDocument:
    """A JSON file: validity from ``json`` (YAML accepts trailing commas), line numbers from the YAML parser."""
    text = data.decode("utf-8-sig", errors="replace")
    try:
        parsed = json.loads(text)
    except ValueError as exc:
        broken = YamlDocument(text=text)
        line, column = getattr(exc, "lineno", 1) or 1, getattr(exc, "colno", 1) or 1
        broken.problems.append(YamlProblem("syntax", str(exc), Span(line, column)))
        return broken
    doc = parse_yaml_shared(data)
    if _readable(doc) and doc.data == parsed:
        return doc
    return YamlDocument(text=text, data=parsed)  # no line numbers, but the data JSON means


# -- where bundles are ---------------------------------------------------------------------------
def bundle_dir(bundle: Bundle) -> Path | None:
    """The absolute folder of a bundle on disk; None for archives."""
    root = getattr(bundle.source, "root", None)
    return Path(os.path.abspath(root)) if root is not None else None


def bundle_label(bundle: Bundle) -> str:
    """A short name for messages: ``template/v1`` in the sync layout, else the folder name."""
    if bundle.layout == "sync" and bundle.template_name:
        return f"{bundle.template_name}/{bundle.version_dir}"
    folder = bundle_dir(bundle)
    return folder.name if folder is not None else bundle.root


def _within(path: Path, folder: Path) -> bool:
    """``path`` is ``folder`` or below it (both absolute)."""
    inner, outer = str(path), str(folder)
    return inner == outer or inner.startswith(outer if outer.endswith(os.sep) else outer + os.sep)


def _words(text: str) -> set[str]:
    return {w for w in re.split(r"[^a-z0-9]+", text.lower()) if w not in _GENERIC_WORDS and not w.isdigit()}


def _name_words(bundle: Bundle) -> set[str]:
    if bundle.template_name:
        return _words(bundle.template_name)
    folder = bundle_dir(bundle)
    return _words(folder.name) if folder is not None else set()


def has_pipeline(bundle: Bundle) -> bool:
    return PIPELINE_TYPE_KEY in bundle.schema_root or bundle.has_dir(PIPELINE_INFRA)


# -- validation of inputs ------------------------------------------------------------------------
def input_type(schema_root: dict, key: str) -> tuple[str | None, dict | None]:
    """The name and definition of the type that ``schema[key]`` names (None when unusable)."""
    name = schema_root.get(key)
    types = schema_root.get("types")
    if not isinstance(name, str) or not isinstance(types, dict):
        return (name if isinstance(name, str) else None), None
    node = types.get(name)
    seen = set()
    while isinstance(node, dict) and "$ref" in node and ref_target(node["$ref"]) not in seen:
        target = ref_target(node["$ref"])
        seen.add(target)
        node = types.get(target) if target else None
    return name, node if isinstance(node, dict) else None


def _properties(type_node: dict) -> dict:
    props = type_node.get("properties")
    return props if isinstance(props, dict) else {}


def _required(type_node: dict) -> list[str]:
    req = type_node.get("required")
    return [r for r in req if isinstance(r, str)] if isinstance(req, list) else []


@lru_cache(maxsize=2048)
def _validator(translated_json: str) -> Any:
    return validator_for(json.loads(translated_json))


def _property_errors(prop: Any, types: dict, value: Any) -> list[Any]:
    """jsonschema errors of ``value`` against one property (annotations stripped, ``$ref`` followed)."""
    if not isinstance(prop, dict):
        return []
    try:
        translated = json.dumps(to_json_schema(prop, types), sort_keys=True, default=str)
        return sorted(_validator(translated).iter_errors(value), key=lambda e: list(e.path))
    except Exception:  # noqa: BLE001 - an unusable property schema is the schema rules' business
        return []


def _plain(value: Any) -> Any:
    """YAML timestamps as the text they were written as (a schema knows strings, not dates)."""
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _constraint(error: Any) -> str:
    """The limit behind a length error (jsonschema's text names the limit for the other keywords)."""
    if error.validator in ("minLength", "maxLength", "minItems", "maxItems"):
        return f" ({error.validator}: {error.validator_value})"
    return ""


def _tip(name: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, [str(c) for c in choices], n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def input_issues(
    schema_root: dict,
    key: str,
    values: dict | None,
    at: tuple,
    *,
    what: str = "input",
    context: str = "the spec",
    absent: str | None = None,
    names_only: bool = False,
    sample: bool = False,
) -> list[Issue]:
    """Check input values against the type that ``schema_root[key]`` names.

    ``values`` None means the block is absent: every input takes its default (``absent`` then
    describes that in messages). Unknown names (with a suggestion), values that fail their
    property (type, enum, pattern, lengths, ranges; ``${Proton::CURRENT_VAL}`` passes), and
    required inputs without a default that are not given. ``names_only`` skips value checks
    (Terraform samples hold every input as a string). ``sample``: every issue has code "sample".
    """
    type_name, node = input_type(schema_root, key)
    if node is None:
        return []
    types = schema_root.get("types") if isinstance(schema_root.get("types"), dict) else {}
    props = _properties(node)
    issues: list[Issue] = []

    def code(kind: str) -> str:
        return "sample" if sample else kind

    given = values if isinstance(values, dict) else {}
    for name, value in given.items():
        if name not in props:
            issues.append(
                Issue(
                    code("unknown"),
                    f"{what} {name!r} is not in the schema ({key} {type_name}{{where}}){_tip(str(name), props)}",
                    (*at, name),
                    key=True,
                )
            )
            continue
        if names_only or value == CURRENT_VAL:
            continue
        for error in _property_errors(props[name], types, _plain(value))[:1]:
            text = error.message
            if error.validator == "pattern" and " does not match " in text:
                text = f"{error.instance!r} does not match the pattern {error.validator_value}"
            issues.append(
                Issue(
                    code("invalid"),
                    f"{what} {name!r}: {text}{_constraint(error)} ({type_name}{{where}})",
                    (*at, name, *tuple(error.path)),
                )
            )
    for name in _required(node):
        prop = props.get(name)
        if name in given or not isinstance(prop, dict) or "default" in prop:
            continue
        if values is None and absent:
            message = (
                f"{absent}, so every {what} takes its default, but {what} {name!r} is required and has no "
                f"default ({type_name}{{where}})"
            )
        else:
            message = f"{what} {name!r} is required and has no default: add it to {context} ({type_name}{{where}})"
        issues.append(Issue(code("missing"), message, at, key=bool(at)))
    return issues


# -- spec checks that do not depend on the bundle ------------------------------------------------
#: A spec file over the ``spec-size`` budget, left unparsed.
TOO_LARGE = "too-large"
_FATAL_YAML = ("syntax", "refused", "encoding", "multi-document", TOO_LARGE)


def _readable(doc: YamlDocument) -> bool:
    return not any(p.kind in _FATAL_YAML for p in doc.problems)


def spec_issues(spec: SpecFile) -> list[Issue]:
    """Problems of the spec file itself: YAML, size, ``proton:``, shape, instances, unknown keys."""
    doc = spec.doc
    issues = [
        Issue("size", p.message, span=p.span)
        if p.kind == TOO_LARGE
        else Issue("structure", f"the spec is not readable: {p.message}", span=p.span)
        for p in doc.problems
        if p.kind in _FATAL_YAML
    ]
    text = doc.text
    if len(text) > MAX_SPEC_CHARS:
        issues.append(
            Issue("size", f"the spec has {len(text):,} characters; Proton accepts at most {MAX_SPEC_CHARS:,}")
        )
    elif _readable(doc) and not text.strip():
        issues.append(Issue("size", "the spec is empty; Proton needs at least `proton:` and the inputs"))
    issues += [
        Issue("structure", p.message, span=p.span, hint=p.hint or "Remove or merge one of the two keys.")
        for p in doc.problems
        if p.kind == "duplicate-key"
    ]
    if not _readable(doc) or any(i.code == "size" for i in issues):
        return issues
    data = doc.data
    if not isinstance(data, dict):
        return [Issue("structure", "a spec is a YAML mapping with `proton:` and the inputs")]
    proton = data.get("proton")
    expected = KIND_SPEC.get(spec.kind)
    if "proton" not in data:
        want = expected or "EnvironmentSpec or ServiceSpec"
        issues.append(Issue("structure", f"the spec has no `proton:` key; start it with `proton: {want}`"))
    elif proton not in SPEC_KINDS:
        want = f"exactly `{expected}`" if expected else "`EnvironmentSpec` or `ServiceSpec`"
        issues.append(Issue("structure", f"proton: {proton!r} should be {want} (case-sensitive)", ("proton",)))
    if spec.kind is BundleKind.ENVIRONMENT:
        issues += _unknown_keys(data, (), ("proton", "spec"), "key")
        if data.get("spec") is not None and not isinstance(data["spec"], dict):
            issues.append(Issue("structure", "`spec:` should be a mapping of input names to values", ("spec",)))
    elif spec.kind is BundleKind.SERVICE:
        issues += _unknown_keys(data, (), ("proton", "instances", "pipeline"), "key")
        issues += _instances_issues(data)
        if data.get("pipeline") is not None and not isinstance(data["pipeline"], dict):
            issues.append(
                Issue("structure", "`pipeline:` should be a mapping of pipeline input names to values", ("pipeline",))
            )
    return issues


def _unknown_keys(mapping: dict, at: tuple, known: tuple[str, ...], what: str) -> list[Issue]:
    out = []
    for name, value in mapping.items():
        if name in known:
            continue
        tip = _tip(str(name), known)
        if not tip and "spec" in known and "spec" not in mapping and isinstance(value, dict):
            tip = "; did you mean 'spec'?"
        where = "the spec" if not at else f"instance {at[-1] + 1}"
        out.append(
            Issue(
                "unknown",
                f"{what} {name!r} is not part of {where} (Proton knows {', '.join(known)}){tip}",
                (*at, name),
                key=True,
            )
        )
    return out


def _instances_issues(data: dict) -> list[Issue]:
    if "instances" not in data:
        return [Issue("instances", "a ServiceSpec needs an `instances:` list (at least one instance)")]
    instances = data["instances"]
    if not isinstance(instances, list):
        return [Issue("instances", "`instances:` should be a list of instances", ("instances",))]
    issues = []
    if not instances:
        issues.append(
            Issue("instances", "`instances:` is empty; a service needs at least one instance", ("instances",))
        )
    elif len(instances) > MAX_INSTANCES:
        issues.append(
            Issue(
                "instances",
                f"{len(instances):,} instances; a service has at most {MAX_INSTANCES} (UG: quotas), so Proton "
                f"refuses the spec (only the first {MAX_INSTANCES} are checked and rendered)",
                ("instances", MAX_INSTANCES),
            )
        )
    seen: dict[str, int] = {}
    for i, inst in enumerate(counted(instances)):
        at = ("instances", i)
        if not isinstance(inst, dict):
            issues.append(Issue("instances", "an instance should be a mapping with name, environment and spec", at))
            continue
        issues += _unknown_keys(inst, at, ("name", "environment", "spec"), "key")
        for field_name in ("name", "environment"):
            value = inst.get(field_name)
            what = "instance name" if field_name == "name" else "environment name"
            if field_name not in inst:
                issues.append(Issue("instances", f"instance {i + 1} has no `{field_name}:`", at))
            elif not isinstance(value, str):
                issues.append(Issue("instances", f"the {what} should be a string, not {value!r}", (*at, field_name)))
            elif not RESOURCE_NAME.match(value) or len(value) > RESOURCE_NAME_MAX:
                issues.append(
                    Issue(
                        "instances",
                        f"{what} {value!r} is not a valid Proton name: letters, digits, '-' and '_', starting "
                        f"with a letter or digit, at most {RESOURCE_NAME_MAX} characters",
                        (*at, field_name),
                    )
                )
        name = inst.get("name")
        if isinstance(name, str):
            if name in seen:
                issues.append(
                    Issue(
                        "instances",
                        f"instance name {name!r} is used twice (first by instance {seen[name] + 1}); names are "
                        "unique within a service",
                        (*at, "name"),
                    )
                )
            else:
                seen[name] = i
        if inst.get("spec") is not None and not isinstance(inst["spec"], dict):
            issues.append(Issue("structure", "an instance's `spec:` should be a mapping of inputs", (*at, "spec")))
    return issues


def counted(instances: Any) -> list:
    """The instances Proton could accept: the first MAX_INSTANCES (past them the whole spec is refused).

    Checking or rendering thousands of instances would only repeat one finding thousands of times,
    for minutes; the count itself is the finding (PL406).
    """
    return instances[:MAX_INSTANCES] if isinstance(instances, list) else []


def instance_name(inst: Any, index: int) -> str:
    name = inst.get("name") if isinstance(inst, dict) else None
    return name if isinstance(name, str) and name else f"instance-{index + 1}"


# -- spec checks against one bundle --------------------------------------------------------------
def bundle_issues(spec: SpecFile, bundle: Bundle) -> list[Issue]:
    """Problems of the spec as a spec for ``bundle``: its inputs against the bundle's schema."""
    if not _readable(spec.doc) or not isinstance(spec.data, dict):
        return []
    if spec.kind is not bundle.kind:
        if spec.explicit and spec.kind in KIND_SPEC and bundle.kind in KIND_SPEC:
            return [
                Issue(
                    "structure",
                    f"this {KIND_SPEC[spec.kind]} is named for {bundle_label(bundle)}, a {bundle.kind} template "
                    f"that takes a {KIND_SPEC[bundle.kind]}",
                    ("proton",),
                )
            ]
        return []
    root = bundle.schema_root
    if not root:
        return []
    data = spec.data
    if spec.kind is BundleKind.ENVIRONMENT:
        values = data.get("spec")
        if values is not None and not isinstance(values, dict):
            return []
        return input_issues(
            root,
            "environment_input_type",
            values,
            ("spec",) if values is not None else (),
            absent="the spec has no `spec:` mapping",
        )
    issues: list[Issue] = []
    instances = data.get("instances")
    for i, inst in enumerate(counted(instances)):
        if not isinstance(inst, dict):
            continue
        name = instance_name(inst, i)
        values = inst.get("spec")
        if values is not None and not isinstance(values, dict):
            continue
        issues += input_issues(
            root,
            "service_input_type",
            values,
            ("instances", i, "spec") if values is not None else ("instances", i),
            context=f"the spec of instance {name!r}",
            absent=f"instance {name!r} has no `spec:`",
        )
    pipeline = data.get("pipeline")
    if "pipeline" in data and not has_pipeline(bundle):
        issues.append(
            Issue(
                "pipeline",
                "the spec has a `pipeline:` block, but the template has no pipeline (no pipeline_input_type, no "
                "pipeline_infrastructure/{where})",
                ("pipeline",),
                key=True,
            )
        )
    elif PIPELINE_TYPE_KEY in root and (pipeline is None or isinstance(pipeline, dict)):
        issues += input_issues(
            root,
            PIPELINE_TYPE_KEY,
            pipeline,
            ("pipeline",) if pipeline is not None else (),
            what="pipeline input",
            context="`pipeline:`",
            absent="the spec has no `pipeline:` block",
        )
    return issues


# -- input samples -------------------------------------------------------------------------------
def sample_role(data: Any) -> str | None:
    """What a ``proton-inputs.json`` / ``proton.auto.tfvars.json`` is for, from its shape (CB-02..04)."""
    if not isinstance(data, dict):
        return None
    if "pipeline" in data:
        return "pipeline"
    if "service_instance" in data:
        return "instance"
    if isinstance(data.get("environment"), dict) and "inputs" in data["environment"]:
        return "environment"
    return None


def _block(data: dict, key: str, at: tuple, issues: list[Issue]) -> dict | None:
    value = data.get(key)
    if not isinstance(value, dict):
        found = "missing" if key not in data else f"a {type(value).__name__}"
        issues.append(Issue("sample", f"`{'.'.join(map(str, (*at, key)))}` should be an object ({found})", at))
        return None
    return value


def _outputs_strings(block: Any, at: tuple, issues: list[Issue]) -> None:
    outputs = block.get("outputs") if isinstance(block, dict) else None
    if not isinstance(outputs, dict):
        return
    for name, value in outputs.items():
        if not isinstance(value, str):
            issues.append(
                Issue(
                    "sample",
                    f"output {name!r} is {value!r}; Proton passes every output as a string",
                    (*at, "outputs", name),
                )
            )


def sample_issues(sample: InputsFile, bundle: Bundle, *, near: bool = False) -> list[Issue] | None:
    """Problems of an input sample as one for ``bundle``; None when it is not a sample for it."""
    found = _sample_issues(sample, bundle, near=near)
    if found is None:
        return None
    duplicates = [
        Issue(
            "sample",
            f"{p.message.split(';')[0]}; JSON readers differ on which value wins",
            span=p.span,
            hint="Remove or merge one of the two keys.",
        )
        for p in sample.doc.problems
        if p.kind == "duplicate-key"
    ]
    return duplicates + found


def _sample_issues(sample: InputsFile, bundle: Bundle, *, near: bool) -> list[Issue] | None:
    doc = sample.doc
    if not doc.ok:
        problem = next((p for p in doc.problems if p.kind in _FATAL_YAML), None)
        what = problem.message if problem else "unreadable"
        return [Issue("sample", f"the sample is not valid JSON ({what})", span=problem.span if problem else None)]
    data = doc.data
    role = sample_role(data)
    if role is None:
        if near:
            return None
        return [
            Issue(
                "sample",
                "the sample has none of environment.inputs, service_instance.inputs or pipeline.inputs, the shapes "
                "Proton writes (CB-02..04)",
            )
        ]
    if _ROLE_KIND[role] is not bundle.kind:
        if near:
            return None
        return [
            Issue("sample", f"the sample holds {role} inputs, but {bundle_label(bundle)} is a {bundle.kind} template")
        ]
    if sample.folder_role and sample.folder_role != role:
        return [Issue("sample", f"the sample holds {role} inputs, but its folder is for {sample.folder_role} inputs")]
    root = bundle.schema_root
    if not root:
        return []
    terraform = sample.flavour == "terraform"
    issues: list[Issue] = []

    def check(values: dict, key: str, at: tuple, what: str = "input") -> None:
        issues.extend(
            input_issues(
                root,
                key,
                values,
                at,
                what=what,
                context="`" + ".".join(str(a) for a in at) + "`",
                names_only=terraform,
                sample=True,
            )
        )

    if role == "environment":
        env = data["environment"]
        inputs = _block(env, "inputs", ("environment",), issues)
        if inputs is not None:
            check(inputs, "environment_input_type", ("environment", "inputs"))
        return issues
    if role == "instance":
        _outputs_strings(data.get("environment"), ("environment",), issues)
        inst = _block(data, "service_instance", (), issues)
        inputs = _block(inst, "inputs", ("service_instance",), issues) if inst is not None else None
        if inputs is not None:
            check(inputs, "service_input_type", ("service_instance", "inputs"))
        return issues
    pipeline = _block(data, "pipeline", (), issues)
    inputs = _block(pipeline, "inputs", ("pipeline",), issues) if pipeline is not None else None
    if inputs is not None:
        if PIPELINE_TYPE_KEY in root:
            check(inputs, PIPELINE_TYPE_KEY, ("pipeline", "inputs"), "pipeline input")
        else:
            issues.append(
                Issue("sample", "pipeline inputs for a template without a pipeline_input_type", ("pipeline",))
            )
    instances = data.get("service_instances")
    if instances is not None and not isinstance(instances, list):
        issues.append(Issue("sample", "`service_instances` should be a list", ("service_instances",)))
        instances = []
    for i, inst in enumerate(instances or []):
        at = ("service_instances", i)
        if not isinstance(inst, dict):
            issues.append(Issue("sample", "a service instance should be an object", at))
            continue
        _outputs_strings(inst, at, issues)
        _outputs_strings(inst.get("environment"), (*at, "environment"), issues)
        inputs = _block(inst, "inputs", at, issues)
        if inputs is not None:
            check(inputs, "service_input_type", (*at, "inputs"))
    return issues


# -- the index of one run ------------------------------------------------------------------------
@dataclass
class SpecIndex:
    """Every spec and input sample of a repository, and the bundles each one is for."""

    specs: list[SpecFile] = field(default_factory=list)
    #: spec -> the bundles it is checked against (and rendered with)
    assigned: dict[int, list[Bundle]] = field(default_factory=dict)
    samples: list[tuple[InputsFile, list[tuple[Bundle, bool]]]] = field(default_factory=list)
    #: problems with the run's options (a spec file named in the config that does not exist)
    notes: list[Report] = field(default_factory=list)
    _bundle_issues: dict[tuple[int, int], list[Issue]] = field(default_factory=dict)
    _reports: list[Report] | None = None

    def bundles_for(self, spec: SpecFile) -> list[Bundle]:
        return self.assigned.get(id(spec), [])

    def for_bundle(self, bundle: Bundle) -> list[SpecFile]:
        """The specs for a bundle: named ones (--spec, config) first, then discovered ones, nearest first."""
        found = [s for s in self.specs if any(b is bundle for b in self.bundles_for(s))]
        order = {"cli": 0, "config": 1, "bundle": 2, "beside": 3}

        def depth(spec: SpecFile) -> int:
            return -len(spec.scope.parts) if spec.scope is not None else 0

        return sorted(found, key=lambda s: (order.get(s.origin, 9), depth(s), s.display))

    def issues_for(self, spec: SpecFile, bundle: Bundle) -> list[Issue]:
        key = (id(spec), id(bundle))
        if key not in self._bundle_issues:
            self._bundle_issues[key] = bundle_issues(spec, bundle)
        return self._bundle_issues[key]

    def reports(self) -> list[Report]:
        """Every issue of every spec and sample, merged across the bundles they hold for (computed once)."""
        if self._reports is None:
            self._reports = self._collect()
        return self._reports

    def _collect(self) -> list[Report]:
        out: list[Report] = list(self.notes)
        for spec in self.specs:
            for issue in spec_issues(spec):
                out.append(_place(issue, spec.display, spec.doc, []))
            out += _merged(spec.display, spec.doc, [(b, self.issues_for(spec, b)) for b in self.bundles_for(spec)])
        for sample, owners in self.samples:
            per_bundle = []
            for bundle, near in owners:
                found = sample_issues(sample, bundle, near=near)
                if found is not None:
                    per_bundle.append((bundle, found))
            out += _merged(sample.display, sample.doc, per_bundle)
        return out


#: Issue codes that make Proton refuse a spec (PL401-PL403, PL405, PL406); the others are warnings.
REFUSED_CODES = frozenset({"structure", "invalid", "missing", "size", "instances"})


def spec_errors(index: SpecIndex, spec: SpecFile, bundles: list[Bundle]) -> list[Report]:
    """Why Proton would refuse ``spec`` for any of ``bundles`` (its own problems first); [] if it would not."""
    found = [r for r in index.notes if r.display == spec.display]
    found += [_place(issue, spec.display, spec.doc, []) for issue in spec_issues(spec)]
    for bundle in index.bundles_for(spec):
        if any(bundle is b for b in bundles):
            labels = [bundle_label(bundle)]
            found += [_place(i, spec.display, spec.doc, labels) for i in index.issues_for(spec, bundle)]
    return [r for r in found if r.code in REFUSED_CODES]


def _where(labels: list[str]) -> str:
    if not labels:
        return ""
    return f"; template {labels[0]}" if len(labels) == 1 else f"; templates {', '.join(labels)}"


def _place(issue: Issue, display: str, doc: YamlDocument, labels: list[str]) -> Report:
    span = issue.span or doc.span_of(issue.at, key=issue.key)
    message = issue.message.replace("{where}", _where(labels))
    return Report(issue.code, display, message, issue.at, span, issue.hint)


def _merged(display: str, doc: YamlDocument, per_bundle: list[tuple[Bundle, list[Issue]]]) -> list[Report]:
    groups: dict[Issue, list[str]] = {}
    for bundle, issues in per_bundle:
        for issue in issues:
            labels = groups.setdefault(issue, [])
            label = bundle_label(bundle)
            if label not in labels:
                labels.append(label)
    return [_place(issue, display, doc, labels) for issue, labels in groups.items()]


class _Walker:
    """Directory listings, read once per run."""

    def __init__(self) -> None:
        self._entries: dict[Path, tuple[list[str], list[str]]] = {}

    def entries(self, folder: Path) -> tuple[list[str], list[str]]:
        """(subfolders, files) of a folder, sorted; empty when it cannot be read."""
        if folder not in self._entries:
            dirs, files = [], []
            try:
                with os.scandir(folder) as it:
                    for entry in it:
                        try:
                            if entry.is_dir():
                                dirs.append(entry.name)
                            elif entry.is_file():
                                files.append(entry.name)
                        except OSError:
                            continue
            except OSError:
                pass
            self._entries[folder] = (sorted(dirs), sorted(files))
        return self._entries[folder]

    def files_below(self, top: Path, names: tuple[str, ...], max_depth: int = 6) -> Iterator[Path]:
        stack = [(top, 0)]
        while stack:
            folder, depth = stack.pop()
            dirs, files = self.entries(folder)
            for name in files:
                if name in names:
                    yield folder / name
            if depth < max_depth:
                stack.extend((folder / d, depth + 1) for d in reversed(dirs) if d not in SKIP_DIRS)


def _ancestors(folder: Path) -> list[Path]:
    """The bundle folder and up to ANCESTOR_LEVELS folders above it, stopping at a VCS root."""
    out = [folder]
    current = folder
    for _ in range(ANCESTOR_LEVELS):
        if (current / ".git").exists() or current.parent == current:
            break
        current = current.parent
        out.append(current)
    return out


def build_index(repo: Any) -> SpecIndex:
    """Find every spec and input sample for the bundles of ``repo`` (a proton_lint.repo.Repository)."""
    bundles: list[Bundle] = [b for b in getattr(repo, "bundles", []) if b.kind in KIND_SPEC]
    options = getattr(repo, "options", None)
    roots = [Path(os.path.abspath(r)) for r in getattr(repo, "roots", [])]
    walker = _Walker()
    index = SpecIndex()
    dirs = {id(b): bundle_dir(b) for b in bundles}

    # Discovered specs: spec folders and spec.yaml files in and above each bundle.
    by_path: dict[Path, SpecFile] = {}
    for bundle in bundles:
        folder = dirs[id(bundle)]
        if folder is None:
            _archive_specs(bundle, index)
            continue
        template_folder = folder.parent if bundle.layout == "sync" else folder
        for level in _ancestors(folder):
            subdirs, files = walker.entries(level)
            candidates = [
                level / name for name in SPEC_FILE_NAMES if name in files and level in (folder, template_folder)
            ]
            for sub in SPEC_DIRS:
                if sub in subdirs:
                    candidates += [
                        level / sub / name
                        for name in walker.entries(level / sub)[1]
                        if name.endswith((".yaml", ".yml"))
                    ]
            for path in candidates:
                if Path(os.path.abspath(path)) not in by_path:
                    spec = load_spec(path, "bundle" if level == folder else "beside", level)
                    if spec.kind is BundleKind.UNKNOWN and not (
                        _looks_like_spec_name(path.name)
                        and (
                            not _readable(spec.doc)
                            or not spec.doc.text.strip()
                            or (isinstance(spec.data, dict) and "proton" in spec.data)
                        )
                    ):
                        continue  # sample outputs, policies and other YAML in a spec folder
                    by_path[Path(os.path.abspath(path))] = spec
    discovered = sorted(by_path.values(), key=lambda s: s.display)
    index.specs += discovered
    for spec in discovered:
        if spec.kind not in KIND_SPEC or spec.scope is None:
            continue
        candidates = [
            b for b in bundles if b.kind is spec.kind and dirs[id(b)] is not None and _within(dirs[id(b)], spec.scope)
        ]
        candidates = [
            b
            for b in candidates
            if not any(
                other.kind is spec.kind
                and other.scope is not None
                and other.scope != spec.scope
                and _within(other.scope, spec.scope)
                and _within(dirs[id(b)], other.scope)
                for other in discovered
            )
        ]
        index.assigned[id(spec)] = _narrow(index, spec, candidates)

    # Named specs: the configuration's mapping and --spec. A named file that was also discovered
    # is one spec, checked against the union of its bundles.
    def named(path: Path, origin: str) -> SpecFile:
        absolute = Path(os.path.abspath(path))
        spec = by_path.get(absolute)
        if spec is None:
            spec = by_path[absolute] = load_spec(path, origin)
            index.specs.append(spec)
        spec.origin = origin
        return spec

    def assign(spec: SpecFile, more: list[Bundle]) -> None:
        have = index.assigned.setdefault(id(spec), [])
        have.extend(b for b in more if not any(b is h for h in have))

    for pattern, paths in getattr(options, "specs", ()) or ():
        matched = [b for b in bundles if _bundle_matches(b, pattern, dirs[id(b)], roots)]
        for raw in paths:
            path = _resolve_path(raw, roots)
            if path is None:
                message = f"the spec {raw} named in the configuration for {pattern!r} does not exist"
                index.notes.append(Report("structure", str(raw), message, (), Span(1, 1)))
                continue
            assign(named(path, "config"), matched)
    for raw in getattr(options, "spec_files", ()) or ():
        path = _resolve_path(str(raw), roots)
        if path is None:
            index.notes.append(Report("structure", str(raw), f"the spec file {raw} does not exist", (), Span(1, 1)))
            continue
        spec = named(path, "cli")
        assign(spec, _narrow(index, spec, [b for b in bundles if b.kind is spec.kind]))
        if not index.bundles_for(spec):
            index.notes += _fits_nothing(spec, bundles)

    _find_samples(index, bundles, dirs, walker)
    return index


def _fits_nothing(spec: SpecFile, bundles: list[Bundle]) -> list[Report]:
    """A ``--spec`` that no bundle being linted takes: reported, never silently unused.

    A spec whose kind is unknown already has a PL401 finding about its ``proton:`` value or shape.
    """
    if spec.kind not in KIND_SPEC:
        return []
    labels = sorted({bundle_label(b) for b in bundles})
    shown = ", ".join(labels[:5]) + (f" and {len(labels) - 5} more" if len(labels) > 5 else "")
    # every linted template is of the other kind: one of the spec's kind would have taken it
    given = "no environment or service template was given"
    if bundles:
        given = f"they are {bundles[0].kind} templates ({shown})"
    message = f"this {KIND_SPEC[spec.kind]} fits none of the templates given: {given}"
    hint = f"Lint the {spec.kind} template the spec is for (give its folder too), or pass the spec of the right kind."
    span = spec.doc.span_of(("proton",), key=True) if isinstance(spec.data, dict) and "proton" in spec.data else None
    return [Report("structure", spec.display, message, ("proton",), span or Span(1, 1), hint)]


def _archive_specs(bundle: Bundle, index: SpecIndex) -> None:
    for rel in bundle.files:
        parts = rel.split("/")
        in_dir = len(parts) == 2 and parts[0] in SPEC_DIRS and parts[1].endswith((".yaml", ".yml"))
        if not (in_dir or rel in SPEC_FILE_NAMES):
            continue
        doc = bundle.yaml(rel)
        if doc is None:
            continue
        kind = spec_kind(doc.data)
        if kind is None:
            continue
        spec = SpecFile(bundle.display(rel), doc, kind, "bundle")
        index.specs.append(spec)
        index.assigned[id(spec)] = [bundle] if kind is bundle.kind else []


def _narrow(index: SpecIndex, spec: SpecFile, candidates: list[Bundle]) -> list[Bundle]:
    """The candidates a spec is meant for: by file name, then by the schemas it fits."""
    if len(candidates) <= 1:
        return candidates
    words = _words(spec.name.rsplit(".", 1)[0])
    scores = [len(words & _name_words(b)) for b in candidates]
    if max(scores) > 0:
        candidates = [b for b, s in zip(candidates, scores, strict=True) if s == max(scores)]
    if len(candidates) > 1:
        clean = [b for b in candidates if not index.issues_for(spec, b)]
        if clean:
            candidates = clean
    return candidates


def _bundle_matches(bundle: Bundle, pattern: str, folder: Path | None, roots: list[Path]) -> bool:
    pattern = pattern.rstrip("/")
    names = {bundle.root.replace(os.sep, "/").rstrip("/")}
    if bundle.template_name:
        names.add(f"{bundle.template_name}/{bundle.version_dir}")
        names.add(bundle.template_name)
    if folder is not None:
        names.add(folder.as_posix())
        for root in roots:
            if _within(folder, root):
                names.add(folder.relative_to(root).as_posix())
    return any(fnmatch.fnmatch(name, pattern) for name in names)


def _resolve_path(raw: str, roots: list[Path]) -> Path | None:
    path = Path(raw).expanduser()
    if path.is_file():
        return path
    if not path.is_absolute():
        for root in roots:
            base = root if root.is_dir() else root.parent
            if (base / path).is_file():
                return base / path
    return None


def _find_samples(index: SpecIndex, bundles: list[Bundle], dirs: dict[int, Path | None], walker: _Walker) -> None:
    owners: dict[str, tuple[InputsFile, list[tuple[Bundle, bool]]]] = {}
    bundle_dirs = {d for d in dirs.values() if d is not None}
    for bundle in bundles:
        folder = dirs[id(bundle)]
        for rel in bundle.files:
            name = rel.rsplit("/", 1)[-1]
            if name not in INPUTS_FILE_NAMES:
                continue
            display = bundle.display(rel)
            if display not in owners:
                try:
                    data = bundle.source.read(rel)
                except OSError:
                    continue
                flavour = "codebuild" if name == CODEBUILD_INPUTS else "terraform"
                top = rel.split("/", 1)[0] if "/" in rel else ""
                sample = InputsFile(
                    display,
                    _parse_json_doc(data),
                    flavour,
                    (folder / rel) if folder is not None else None,
                    _INFRA_ROLE.get(top),
                )
                owners[display] = (sample, [])
            owners[display][1].append((bundle, False))
        if folder is None or bundle.layout != "sync":
            continue
        home = folder.parent
        for path in walker.files_below(home, INPUTS_FILE_NAMES):
            if _within(path, folder) or any(_within(path, d) for d in bundle_dirs if d != folder and _within(d, home)):
                continue  # in this bundle (seen above) or in another bundle
            display = display_path(path)
            if display not in owners:
                try:
                    data = read_regular(path)
                    record_read(path)
                except OSError:
                    continue
                flavour = "codebuild" if path.name == CODEBUILD_INPUTS else "terraform"
                owners[display] = (InputsFile(display, _parse_json_doc(data), flavour, path), [])
            owners[display][1].append((bundle, True))
    index.samples = [owners[k] for k in sorted(owners)]


_INDEX: list[tuple[Any, SpecIndex]] = []


def index_for(repo: Any) -> SpecIndex:
    """The run's SpecIndex, built once per repository (``clear_index`` forgets it)."""
    if _INDEX and _INDEX[0][0] is repo:
        return _INDEX[0][1]
    index = build_index(repo)
    _INDEX[:] = [(repo, index)]
    return index


def clear_index() -> None:
    _INDEX.clear()
    _validator.cache_clear()


def specs_for(bundle: Bundle) -> list[SpecFile]:
    """The sample specs for one bundle (named ones first); works without a repository too."""
    repo = bundle.repo
    if repo is None:
        from proton_lint.repo import Repository

        folder = bundle_dir(bundle)
        repo = Repository([bundle], [folder] if folder is not None else [])
    return index_for(repo).for_bundle(bundle)


# -- resolving inputs ----------------------------------------------------------------------------
@dataclass
class InstanceInputs:
    name: str
    environment: str | None
    inputs: dict
    #: logical path of the instance in the spec (for messages)
    at: tuple = ()
    #: the inputs that were invented (no given value, no default): dotted name -> value
    invented: dict = field(default_factory=dict)


@dataclass
class ResolvedSpec:
    """The inputs a deployment of one bundle would get from one spec (or from defaults alone)."""

    kind: BundleKind
    spec: SpecFile | None = None
    #: environment bundles: the environment's inputs
    environment: dict | None = None
    #: service bundles: one entry per instance (one synthetic instance without a spec)
    instances: list[InstanceInputs] = field(default_factory=list)
    #: service bundles with a pipeline: the pipeline's inputs; None without a pipeline
    pipeline: dict | None = None
    #: invented values of the environment's and the pipeline's inputs: dotted name -> value
    invented_environment: dict = field(default_factory=dict)
    invented_pipeline: dict = field(default_factory=dict)


#: Values to use instead of synthetic ones, per input type key and dotted input name (see
#: proton_lint.fitting: values that suit the CloudFormation property an input lands in).
Fits = dict[str, dict[str, Any]]


def resolve_spec(
    bundle: Bundle, spec: SpecFile | None = None, *, seed: int = 0, fits: Fits | None = None
) -> ResolvedSpec:
    """Resolved inputs of ``bundle`` for ``spec``: every instance of a service spec, and the pipeline.

    Invented values are recorded (``invented*``); ``fits`` replaces some of them.
    """
    root = bundle.schema_root
    data = spec.data if spec is not None and isinstance(spec.data, dict) else {}
    fits = fits or {}

    def resolve(key: str, values: Any, invented: dict) -> dict:
        given = values if isinstance(values, dict) else None
        return resolve_inputs(root, key, given, seed=seed, invented=invented, fits=fits.get(key))

    if bundle.kind is BundleKind.ENVIRONMENT:
        resolved = ResolvedSpec(bundle.kind, spec)
        resolved.environment = resolve("environment_input_type", data.get("spec"), resolved.invented_environment)
        return resolved
    resolved = ResolvedSpec(bundle.kind, spec)
    instances = data.get("instances")
    if isinstance(instances, list) and instances:
        for i, inst in enumerate(counted(instances)):
            if not isinstance(inst, dict):
                continue
            env = inst.get("environment")
            invented: dict = {}
            inputs = resolve("service_input_type", inst.get("spec"), invented)
            name = instance_name(inst, i)
            env_name = env if isinstance(env, str) else None
            resolved.instances.append(InstanceInputs(name, env_name, inputs, ("instances", i), invented))
    if not resolved.instances:
        invented = {}
        inputs = resolve("service_input_type", None, invented)
        resolved.instances.append(InstanceInputs("instance-1", None, inputs, invented=invented))
    if PIPELINE_TYPE_KEY in root:
        resolved.pipeline = resolve(PIPELINE_TYPE_KEY, data.get("pipeline"), resolved.invented_pipeline)
    return resolved


def resolve_inputs(
    schema_root: dict,
    input_type_key: str,
    given: dict | None,
    *,
    seed: int = 0,
    fill_optional: bool = False,
    invented: dict | None = None,
    fits: dict | None = None,
) -> dict:
    """Inputs as Proton would pass them: given values, then defaults, then synthetic values.

    Synthetic values are made for required inputs without a default (and, with ``fill_optional``,
    for every other input without one). They satisfy the property's type, enum, pattern, lengths
    and range, and depend only on the schema, the input's name and ``seed``. A given
    ``${Proton::CURRENT_VAL}`` stands for an existing value, so it resolves like an absent input.
    Each synthetic value is recorded in ``invented`` by dotted name (``network.vpc_id``); a value
    in ``fits`` under that name is used instead of the synthetic one.
    """
    _name, node = input_type(schema_root, input_type_key)
    given = dict(given or {})
    if node is None:
        return {k: v for k, v in given.items() if v != CURRENT_VAL}
    types = schema_root.get("types") if isinstance(schema_root.get("types"), dict) else {}
    made = _Invention({} if invented is None else invented, fits or {})
    return _resolve_object(node, types, given, seed=seed, fill_optional=fill_optional, prefix="", made=made)


@dataclass
class _Invention:
    """Where synthetic values are recorded, and the fitted values that replace some of them."""

    invented: dict
    fits: dict


def _resolve_object(
    node: dict,
    types: dict,
    given: dict,
    *,
    seed: int,
    fill_optional: bool,
    prefix: str,
    made: _Invention | None = None,
) -> dict:
    props = _properties(node)
    required = set(_required(node))
    out: dict = {}
    for name, value in given.items():
        if value != CURRENT_VAL:
            out[name] = value
    for name, raw in props.items():
        if name in out:
            continue
        prop = _deref(raw, types)
        if not isinstance(prop, dict):
            continue
        if "default" in prop:
            out[name] = prop["default"]
        elif name in required or fill_optional:
            key = f"{prefix}{name}"
            if made is not None and key in made.fits:
                out[name] = made.fits[key]
            else:
                out[name] = synthetic_value(prop, types, key, seed=seed, made=made)
            if made is not None and not isinstance(out[name], dict):
                made.invented[key] = out[name]  # objects: their members are recorded one by one
    return out


def _deref(node: Any, types: dict, depth: int = 0) -> Any:
    while isinstance(node, dict) and "$ref" in node and depth < 16:
        target = ref_target(node["$ref"])
        node = types.get(target) if target else None
        depth += 1
    return node


def _rng(name: str, seed: int) -> Any:
    import random

    return random.Random(zlib.crc32(f"{seed}:{name}".encode()))


def synthetic_value(
    prop: dict,
    types: dict | None = None,
    name: str = "value",
    *,
    seed: int = 0,
    depth: int = 0,
    made: _Invention | None = None,
) -> Any:
    """A value that satisfies a property: enum, type, pattern, lengths, range; deterministic per name and seed."""
    types = types or {}
    prop = _deref(prop, types)
    if not isinstance(prop, dict):
        return f"sample-{_slug(name)}"
    if isinstance(prop.get("enum"), list) and prop["enum"]:
        return prop["enum"][0]
    kind = prop.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    if kind is None:
        kind = "object" if "properties" in prop else "array" if "items" in prop else "string"
    if kind == "boolean":
        return False
    if kind in ("number", "integer"):
        return _number(prop, kind == "integer")
    if kind == "array":
        count = int(prop.get("minItems") or 0) if isinstance(prop.get("minItems"), (int, float)) else 0
        items = prop.get("items") if isinstance(prop.get("items"), dict) else {"type": "string"}
        if depth > 8:
            return []
        values = []
        for i in range(count):
            values.append(synthetic_value(items, types, f"{name}[{i}]", seed=seed, depth=depth + 1))
        return values
    if kind == "object":
        if depth > 8:
            return {}
        return _resolve_object(prop, types, {}, seed=seed, fill_optional=False, prefix=f"{name}.", made=made)
    return synthetic_string(prop, name, seed=seed)


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "value"


def _number(prop: dict, integer: bool) -> int | float:
    def number(value: Any) -> float | None:
        return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None

    low, high = number(prop.get("minimum")), number(prop.get("maximum"))
    excl_low, excl_high = prop.get("exclusiveMinimum") is True, prop.get("exclusiveMaximum") is True
    if number(prop.get("exclusiveMinimum")) is not None:  # JSON Schema's numeric form
        low, excl_low = number(prop.get("exclusiveMinimum")), True
    if number(prop.get("exclusiveMaximum")) is not None:
        high, excl_high = number(prop.get("exclusiveMaximum")), True
    value = 1.0
    if low is not None:
        value = low + 1 if excl_low else low
    if high is not None and (value > high or (excl_high and value >= high)):
        value = high - 1 if excl_high else high
        if low is not None and (value < low or (excl_low and value <= low)):
            value = (low + high) / 2
    step = number(prop.get("multipleOf"))
    if step and step > 0:
        value = math.ceil(value / step) * step
    if integer:
        return math.ceil(value) if low is not None else math.floor(value)
    return int(value) if float(value).is_integer() else value


def synthetic_string(prop: dict, name: str = "value", *, seed: int = 0) -> str:
    """A string meeting ``pattern`` (ECMA-262 semantics, searched unanchored), minLength and maxLength."""
    low = prop.get("minLength") if isinstance(prop.get("minLength"), int) else 0
    high = prop.get("maxLength") if isinstance(prop.get("maxLength"), int) else None
    pattern = prop.get("pattern") if isinstance(prop.get("pattern"), str) else None
    base = _fit(f"sample-{_slug(name)}", low, high)
    if pattern is None:
        return base
    if _matches(pattern, base):
        return base
    found = _from_pattern(pattern, name, seed, low, high)
    return found if found is not None else base


def _fit(text: str, low: int, high: int | None) -> str:
    if high is not None and len(text) > high:
        text = text[: max(high, 0)].rstrip("-") or text[: max(high, 0)]
    if len(text) < low:
        text = text + "x" * (low - len(text))
    return text


def _matches(pattern: str, value: str) -> bool:
    from proton_lint.schema import MATCH_TIMEOUT, _matcher, ecma_regex_error

    if ecma_regex_error(pattern) is not None:
        return True  # PL311 reports the pattern; nothing can be judged against it
    compiled = _matcher(pattern)
    if compiled is None:
        return True
    try:
        return compiled.search(value, timeout=MATCH_TIMEOUT) is not None
    except TimeoutError:
        return False


def _from_pattern(pattern: str, name: str, seed: int, low: int, high: int | None) -> str | None:
    """A string generated from the pattern (rstr's xeger), checked with ECMA semantics and the lengths."""
    try:
        from rstr.xeger import Xeger
    except ImportError:  # pragma: no cover - rstr is a dependency
        return None

    class _ShortXeger(Xeger):  # unbounded repeats (*, +) stay short, so lengths are easier to meet
        spread = 6

        def _handle_repeat(self, start_range: int, end_range: int, value: Any) -> str:
            return super()._handle_repeat(start_range, min(end_range, start_range + self.spread), value)

    python_pattern = re.sub(r"\(\?<([A-Za-z_][A-Za-z0-9_]*)>", r"(?P<\1>", pattern)  # ECMA named groups
    python_pattern = re.sub(r"\\k<([A-Za-z_][A-Za-z0-9_]*)>", r"(?P=\1)", python_pattern)
    generator = _ShortXeger(_rng(name, seed))
    best = None
    for attempt in range(60):
        # short repeats first; longer ones when the lengths ask for more
        generator.spread = 6 if attempt < 20 else max(12, low) if attempt < 40 else max(40, 2 * low)
        try:
            candidate = generator.xeger(python_pattern)
        except Exception:  # noqa: BLE001 - sre_parse refuses some ECMA syntax; fall back below
            return None
        if not _matches(pattern, candidate):
            continue
        if len(candidate) >= low and (high is None or len(candidate) <= high):
            return candidate
        if len(candidate) < low and best is None:
            best = candidate
    if best is not None:
        padded = best + "x" * (low - len(best))
        if (high is None or len(padded) <= high) and _matches(pattern, padded):
            return padded
    return None
