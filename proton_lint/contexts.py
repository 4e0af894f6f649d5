"""Render contexts: every way a bundle's Jinja templates would be rendered by Proton.

For each IaC file a jinja bundle's manifests name, and each sample spec of the bundle (or the
schema's defaults when it has none), this builds the values Proton would pass:

* inputs from the spec, then the schema's defaults, then synthetic values (proton_lint.spec);
* ``environment.outputs`` from the compatible environment templates of the same repository
  (their CloudFormation ``Outputs`` keys), else the outputs the template itself reads; values are
  fake but shaped like real ones (``vpc-0a1b...``, ``subnet-...``, ARNs), unique per output, so
  that cfn-lint judges the template and not the placeholders;
* for pipelines, ``service_instances[i].outputs`` from rendering the instance template's
  ``Outputs`` with that instance's inputs; every instance of a service spec is rendered.

Results are memoised per bundle for the run (``Bundle`` objects live for one run).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

from proton_lint.bundle import Bundle, BundleKind
from proton_lint.render import (
    ComponentValues,
    EnvironmentValues,
    InstanceValues,
    RenderResult,
    RenderValues,
    ServiceValues,
    TemplateKind,
    analyse,
    build_context,
    render,
)
from proton_lint.source import parse_yaml

ACCOUNT_ID = "123456789012"
REGION = "us-east-1"


@dataclass
class Rendering:
    """One rendering of one IaC file with one set of values."""

    bundle: Bundle
    rel: str  # the IaC file, relative to the bundle root
    kind: TemplateKind
    #: where the values came from: "defaults", "spec/spec.yaml", "spec/spec.yaml, instance api"
    label: str
    values: RenderValues
    result: RenderResult
    context: dict = field(default_factory=dict, repr=False)
    #: the sample spec used (None: the schema's defaults) and the service instance rendered
    spec: Any = None
    instance: str | None = None
    #: input values the linter made up for this rendering (proton_lint.fitting.Invented)
    invented: list = field(default_factory=list)


# -- fake outputs ------------------------------------------------------------------------------
def _hex(seed: str, n: int) -> str:
    return hashlib.sha256(seed.encode()).hexdigest()[:n]


_ARN_SERVICES = (
    ("role", "iam", "role/{n}"),
    ("policy", "iam", "policy/{n}"),
    ("cluster", "ecs", "cluster/{n}"),
    ("topic", "sns", "{n}"),
    ("queue", "sqs", "{n}"),
    ("function", "lambda", "function:{n}"),
    ("lambda", "lambda", "function:{n}"),
    ("table", "dynamodb", "table/{n}"),
    ("bucket", "s3", "{n}"),
    ("secret", "secretsmanager", "secret:{n}"),
    ("key", "kms", "key/{n}"),
    ("loadbalancer", "elasticloadbalancing", "loadbalancer/app/{n}/{h}"),
    ("listener", "elasticloadbalancing", "listener/app/{n}/{h}/{h}"),
    ("targetgroup", "elasticloadbalancing", "targetgroup/{n}/{h}"),
    ("repository", "ecr", "repository/{n}"),
    ("log", "logs", "log-group:{n}"),
    ("statemachine", "states", "stateMachine:{n}"),
    ("eventbus", "events", "event-bus/{n}"),
)


def fake_output(name: str, owner: str = "") -> str:
    """A value shaped like what an output of this name holds, unique per name and owner."""
    key = name.lower().replace("_", "").replace("-", "")
    seed = f"{owner}:{name}"
    short = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40] or "output"
    if "arn" in key:
        for word, service, resource in _ARN_SERVICES:
            if word in key:
                region = "" if service in ("iam", "s3") else REGION
                account = "" if service == "s3" else ACCOUNT_ID
                tail = resource.format(n=f"{short}-{_hex(seed, 6)}", h=_hex(seed, 16))
                return f"arn:aws:{service}:{region}:{account}:{tail}"
        return f"arn:aws:iam::{ACCOUNT_ID}:role/{short}-{_hex(seed, 6)}"
    if "cidr" in key:
        return "10.0.0.0/16"
    if key.endswith("role"):
        return f"arn:aws:iam::{ACCOUNT_ID}:role/{short}-{_hex(seed, 6)}"
    if "subnet" in key:
        if key.endswith(("subnets", "subnetids", "subnetlist")):
            return f"subnet-0{_hex(seed + '1', 16)},subnet-0{_hex(seed + '2', 16)}"
        return f"subnet-0{_hex(seed, 16)}"
    if "securitygroup" in key or key.endswith("sg") or key.endswith("sgid"):
        return f"sg-0{_hex(seed, 16)}"
    if "vpc" in key and ("id" in key or key == "vpc"):
        return f"vpc-0{_hex(seed, 16)}"
    if "url" in key or "endpoint" in key or "dns" in key:
        return f"https://{short}-{_hex(seed, 6)}.example.com"
    if "hostedzone" in key or "zoneid" in key:
        return f"Z{_hex(seed, 12).upper()}"
    if "port" in key:
        return "8080"
    return f"{short}-{_hex(seed, 8)}"


def _connection_arn(seed: str) -> str:
    uuid = f"{_hex(seed, 8)}-0000-4000-8000-{_hex(seed, 12)}"
    return f"arn:aws:codestar-connections:{REGION}:{ACCOUNT_ID}:connection/{uuid}"


def fake_outputs(names: list[str], owner: str) -> dict[str, str]:
    return {name: fake_output(name, owner) for name in names}


# -- what templates read -----------------------------------------------------------------------
def _read_names(source: str, *prefix: str | None) -> list[str]:
    """Names a template reads under ``prefix`` (``environment.outputs`` -> ``VpcId``).

    ``None`` in the prefix stands for any list index (a loop item or ``[0]``).
    """
    out: list[str] = []
    for ref in analyse(source).references:
        path = tuple(ref.path)
        if len(path) <= len(prefix) or not isinstance(path[len(prefix)], str):
            continue
        if all(want is None or want == got for want, got in zip(prefix, path, strict=False)):
            name = path[len(prefix)]
            if name not in out:
                out.append(name)
    return out


def _outputs_of_rendered(text: str | None) -> dict[str, str | None]:
    """The ``Outputs`` of a rendered CloudFormation template: name -> its value when the value is
    a plain string or number (known before deployment), else None (an intrinsic function)."""
    if text is None:
        return {}
    doc = parse_yaml(text)
    data = doc.data if doc.ok else None
    outputs = data.get("Outputs") if isinstance(data, dict) else None
    if not isinstance(outputs, dict):
        return {}
    found: dict[str, str | None] = {}
    for name, body in outputs.items():
        value = body.get("Value") if isinstance(body, dict) else None
        plain = isinstance(value, (str, int, float)) and not isinstance(value, bool)
        found[str(name)] = str(value) if plain else None
    return found


# -- the templates of a bundle -----------------------------------------------------------------
def jinja_templates(bundle: Bundle) -> list[tuple[str, TemplateKind]]:
    """(IaC file, kind) for every jinja template the bundle's manifests name and the bundle has."""
    from proton_lint.render import jinja_files

    return [(f.rel, f.kind) for f in jinja_files(bundle)]


def _specs(bundle: Bundle) -> list[Any]:
    """The bundle's sample specs (named ones first, then the nearest), or [None] for defaults only."""
    from proton_lint.spec import specs_for

    return specs_for(bundle) or [None]


def _label(spec: Any, extra: str = "") -> str:
    base = spec.display if spec is not None else "schema defaults"
    return f"{base}, {extra}" if extra else base


def _template_name(bundle: Bundle) -> str:
    return bundle.template_name or bundle.root.rstrip("/").rsplit("/", 1)[-1]


def environment_outputs(bundle: Bundle, sources: list[str]) -> dict[str, str]:
    """``environment.outputs`` for a service or component bundle.

    The union of the ``Outputs`` of its compatible environment templates found in the repository;
    when none is found, the outputs its templates read (so that rendering tests the template).
    """
    names: list[str] = []
    repo = bundle.repo
    if repo is not None and bundle.kind is BundleKind.SERVICE:
        from proton_lint.sync_files import compatible_environments

        for name, major in compatible_environments(bundle):
            env = repo.template_version(name, major, BundleKind.ENVIRONMENT)
            if env is not None:
                for rendering in renderings(env):
                    names += [n for n in _outputs_of_rendered(rendering.result.text) if n not in names]
    for source in sources:
        names += [n for n in _read_names(source, "environment", "outputs") if n not in names]
        names += [n for n in _read_names(source, "service_instances", None, "environment", "outputs") if n not in names]
    return fake_outputs(names, owner=f"env:{_template_name(bundle)}")


def environment_output_names(env: Bundle) -> set[str] | None:
    """The outputs an environment template provides, or None when they cannot be known.

    Known for CloudFormation environments that render (their ``Outputs`` keys) and for
    customer-managed ones (the schema's inputs are the outputs).
    """
    if env.customer_managed:
        _, type_node = _input_type(env.schema_root)
        props = type_node.get("properties") if isinstance(type_node, dict) else None
        return {str(k) for k in props} if isinstance(props, dict) else None
    rendered = renderings(env)
    if not rendered or not all(r.result.ok for r in rendered):
        return None
    names: set[str] = set()
    for rendering in rendered:
        names |= set(_outputs_of_rendered(rendering.result.text))
    return names


def _input_type(schema_root: dict) -> tuple[str | None, dict | None]:
    from proton_lint.spec import input_type

    return input_type(schema_root, "environment_input_type")


def _render(
    bundle: Bundle,
    rel: str,
    kind: TemplateKind,
    label: str,
    values: RenderValues,
    *,
    spec: Any = None,
    instance: str | None = None,
    invented: list | None = None,
) -> Rendering:
    context = build_context(kind, values)
    result = render(bundle.read_text(rel), context, template_name=bundle.display(rel))
    return Rendering(bundle, rel, kind, label, values, result, context, spec, instance, list(invented or ()))


def renderings(bundle: Bundle) -> list[Rendering]:
    """Every rendering of every jinja template of ``bundle`` (memoised on the bundle)."""
    cached = bundle.__dict__.get("_renderings")
    if cached is not None:
        return cached
    bundle.__dict__["_renderings"] = []  # a cycle (env -> env) ends here instead of recursing
    schema = bundle.schema
    if bundle.kind is not BundleKind.COMPONENT and (schema is None or not schema.ok or not bundle.schema_root):
        return []  # without a readable schema the inputs are unknown: PL101/PL106 say why
    templates = jinja_templates(bundle)
    out = _render_templates(bundle, templates, {})
    if any(r.invented for r in out):
        from proton_lint.fitting import fits

        fitted = fits(out, bundle.schema_root, _region(bundle))
        if fitted:  # again, with invented values that suit the properties they land in
            out = _render_templates(bundle, templates, fitted)
    bundle.__dict__["_renderings"] = out
    return out


def _render_templates(bundle: Bundle, templates: list[tuple[str, TemplateKind]], fits: dict) -> list[Rendering]:
    if not templates:
        return []
    if bundle.kind is BundleKind.ENVIRONMENT:
        return _environment_renderings(bundle, templates, fits)
    if bundle.kind is BundleKind.SERVICE:
        return _service_renderings(bundle, templates, fits)
    if bundle.kind is BundleKind.COMPONENT:
        return _component_renderings(bundle, templates)
    return []


def _region(bundle: Bundle) -> str:
    """The first region the run checks templates for (cfn-lint's resource schemas differ a little)."""
    options = bundle.repo.options if bundle.repo is not None else None
    regions = getattr(options, "regions", None)
    return regions[0] if regions else REGION


def _environment_renderings(bundle: Bundle, templates: list[tuple[str, TemplateKind]], fits: dict) -> list[Rendering]:
    from proton_lint.fitting import invented
    from proton_lint.spec import resolve_spec

    out = []
    for spec in _specs(bundle):
        resolved = resolve_spec(bundle, spec, fits=fits)
        env = EnvironmentValues(name=f"{_template_name(bundle)}-env", inputs=resolved.environment or {})
        made = invented(resolved.invented_environment, "environment_input_type")
        for rel, kind in templates:
            if kind is TemplateKind.ENVIRONMENT:
                values = RenderValues(environment=env)
                out.append(_render(bundle, rel, kind, _label(spec), values, spec=spec, invented=made))
    return out


def _service_renderings(bundle: Bundle, templates: list[tuple[str, TemplateKind]], fits: dict) -> list[Rendering]:
    from proton_lint.fitting import invented
    from proton_lint.spec import PIPELINE_TYPE_KEY, resolve_spec

    instance_templates = [(r, k) for r, k in templates if k is TemplateKind.SERVICE_INSTANCE]
    pipeline_templates = [(r, k) for r, k in templates if k is TemplateKind.PIPELINE]
    sources = [bundle.read_text(rel) for rel, _ in templates]
    env_outputs = environment_outputs(bundle, sources)
    name = _template_name(bundle)
    service = ServiceValues(
        name=f"{name}-svc",
        repository_id="my-org/my-repo" if pipeline_templates else "",
        branch_name="main" if pipeline_templates else "",
        repository_connection_arn=_connection_arn(name) if pipeline_templates else "",
    )
    components = _attachable_components(bundle, sources)
    out: list[Rendering] = []
    for spec in _specs(bundle):
        resolved = resolve_spec(bundle, spec, fits=fits)
        instances: list[InstanceValues] = []
        in_pipeline = invented(resolved.invented_pipeline, PIPELINE_TYPE_KEY)
        for inst in resolved.instances:
            env = EnvironmentValues(name=inst.environment or f"{name}-env", outputs=env_outputs)
            values = InstanceValues(name=inst.name, inputs=inst.inputs, environment=env)
            made = invented(inst.invented, "service_input_type")
            in_pipeline += invented(inst.invented, "service_input_type", "service_instances[].inputs")
            rendered: dict[str, str | None] = {}
            for rel, kind in instance_templates:
                rendering = _render(
                    bundle,
                    rel,
                    kind,
                    _label(spec, f"instance {inst.name}"),
                    RenderValues(environment=env, service=service, service_instance=values),
                    spec=spec,
                    instance=inst.name,
                    invented=made,
                )
                out.append(rendering)
                rendered.update(_outputs_of_rendered(rendering.result.text))
                for component in components:  # again with a component attached: the other branches
                    attached = InstanceValues(inst.name, inst.inputs, env, component=component)
                    label = _label(spec, f"instance {inst.name} with component {component.name}")
                    values_with = RenderValues(environment=env, service=service, service_instance=attached)
                    out.append(
                        _render(bundle, rel, kind, label, values_with, spec=spec, instance=inst.name, invented=made)
                    )
            for source in sources:
                for read in _read_names(source, "service_instances", None, "outputs"):
                    rendered.setdefault(read, None)
            owner = f"instance:{inst.name}"
            values.outputs = {k: v if v is not None else fake_output(k, owner) for k, v in rendered.items()}
            instances.append(values)
        for rel, kind in pipeline_templates:
            values = RenderValues(service=service, pipeline_inputs=resolved.pipeline or {}, service_instances=instances)
            out.append(_render(bundle, rel, kind, _label(spec, "pipeline"), values, spec=spec, invented=in_pipeline))
    return out


def _attachable_components(bundle: Bundle, sources: list[str]) -> list[ComponentValues]:
    """A directly defined component of the repository to attach, for services that read one.

    Its outputs come from rendering its template (plain values kept, the rest shaped by name),
    like a pipeline's instance outputs. One component is enough to exercise the branches that
    read ``service_instance.components.default``; none when the repository has none.
    """
    if bundle.repo is None or not any("components" in source for source in sources):
        return []
    for other in bundle.repo.bundles:
        if other.kind is not BundleKind.COMPONENT:
            continue
        rendered = [r for r in renderings(other) if r.result.ok]
        if not rendered:
            continue
        outputs: dict[str, str | None] = {}
        for rendering in rendered:
            outputs.update(_outputs_of_rendered(rendering.result.text))
        name = _template_name(other)
        values = {k: v if v is not None else fake_output(k, f"component:{name}") for k, v in outputs.items()}
        return [ComponentValues(name=name, outputs=values)]
    return []


def _service_defaults(bundle: Bundle) -> dict[str, Any]:
    """Defaults of the service inputs that service templates of the repository declare."""
    from proton_lint.spec import resolve_inputs

    found: dict[str, Any] = {}
    for other in bundle.repo.bundles if bundle.repo is not None else ():
        if other.kind is BundleKind.SERVICE and other.schema is not None and other.schema.ok:
            for key, value in resolve_inputs(other.schema_root, "service_input_type", None).items():
                found.setdefault(key, value)
    return found


def _component_renderings(bundle: Bundle, templates: list[tuple[str, TemplateKind]]) -> list[Rendering]:
    """A component attached to a service instance (the usual case; PL506 covers detached use).

    The instance's inputs are the ones the component reads that service templates of the repository
    give defaults; the others are left out, so that ``| default(...)`` applies (and a reference
    without one fails to render, which PL506 reports as a warning).
    """
    sources = [bundle.read_text(rel) for rel, _ in templates]
    name = _template_name(bundle)
    env = EnvironmentValues(name=f"{name}-env", outputs=environment_outputs(bundle, sources))
    defaults = _service_defaults(bundle)
    read: list[str] = []
    for source in sources:
        read += [n for n in _read_names(source, "service_instance", "inputs") if n not in read]
    inputs = {n: defaults[n] for n in read if n in defaults}
    values = RenderValues(
        environment=env,
        service=ServiceValues(name=f"{name}-svc"),
        service_instance=InstanceValues(name=f"{name}-instance", inputs=inputs, environment=env),
        component=ComponentValues(name=name),
    )
    return [
        _render(bundle, rel, kind, "the component attached to a service instance", values)
        for rel, kind in templates
        if kind is TemplateKind.COMPONENT
    ]
