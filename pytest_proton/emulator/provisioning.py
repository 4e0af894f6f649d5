"""Provisioning: the seam where a deployment leaves IN_PROGRESS and a spec is checked.

A deployment is created ``IN_PROGRESS`` and settles on a later read of its resource (Get, List,
Update, Delete) through :func:`deploy` (or :func:`destroy` for a deletion). When it settles is
moto's public ``state_manager`` under the model name ``proton::deployment``: by default
``{"progression": "manual", "times": 1}``, so the first read after the request settles it; tests can
hold it with a larger ``times`` or ``{"progression": "time", "seconds": N}`` (read from the
emulator's clock).

* :func:`validate_spec` checks a spec against the version's schema at call time (the linter's
  proton_lint.spec): a ``ValidationException`` names the input and what is wrong.
  ``${Proton::CURRENT_VAL}`` is accepted for any input; unknown inputs are accepted (AWS's own
  samples deploy specs with inputs their schema lacks).
* :func:`deploy` renders the version's IaC for the deployment's target with the linter's renderer
  (provisioners/rendering.py gathers the values) and applies it as one CloudFormation stack with the
  configured provisioner (provisioners/) through :func:`provision`: for moto the template is first
  checked against the resource catalogue as CloudFormation checks it (catalogue.py), then prepared
  as CloudFormation would deploy it (cfn_template.prepare: SAM transform, schema types, generated
  names), and resources moto cannot make or read are simulated (simulation.py), named in the
  SUCCEEDED deployment's status message (:data:`SIMULATED_PREFIX`) and marked ``simulated`` in its
  provisioned resources. Render errors, invalid YAML and CloudFormation errors end
  the deployment FAILED with a message naming the file, the line and what broke. The stack is only
  touched when the deployment settles, so a cancelled deployment leaves the stack on its last good
  template; a failed update is rolled back to it.
* Terraform (``hcl``) templates are self-managed: :func:`awaits_notification` keeps them
  IN_PROGRESS until NotifyResourceDeploymentStatusChange. CodeBuild templates do the same unless a
  test hook supplies their outputs (provisioners.set_codebuild_hook).
* :func:`destroy` deletes the resource's stacks.

Naming and tags, as far as public sources show what Proton did (README "Leaving Proton" lists them):
stacks are ``AWSProton-<label>-cloudformation--<15 capital letters>``, the label being the
environment name, ``<service>-<instance>`` or, for a pipeline, the service name; Proton's suffix
looked random, the emulator's is derived from the resource ARN (stable across runs); Proton's
truncation of long labels is not known, so labels are kept whole. Like Proton's, names keep uppercase
letters (names CloudFormation generates from them are lowercased where the service needs it, as
for ECR repositories: cfn_template.cfn_defaults). Stacks carry the propagated form of Proton's AWS
managed tags, ``proton:template`` (template ARN), ``proton:environment``, ``proton:service``,
``proton:service-instance`` (the resource ARNs that apply; ``proton:component`` for a component is
the emulator's own choice), and the Proton resource's own tags (a service instance and pipeline also
their service's). ``GetTemplate`` returns the rendered template, as Proton submitted it, while moto
runs the prepared one (see :func:`provision`).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from moto.moto_api import state_manager

from proton_lint import budgets
from proton_lint.render import TemplateKind, build_context, jinja_files, render
from proton_lint.spec import PIPELINE_TYPE_KEY
from pytest_proton.emulator import bundle_store, controls, provisioners
from pytest_proton.emulator.components import component_manifest_entry
from pytest_proton.emulator.exceptions import ValidationException
from pytest_proton.emulator.provisioners import catalogue, cfn_template, rendering
from pytest_proton.emulator.provisioners.base import (
    ProvisioningError,
    StackResult,
    StackTarget,
    output_entries,
    resource_entry,
)
from pytest_proton.emulator.provisioners.simulation import Simulated
from pytest_proton.emulator.templates import ENVIRONMENT_TEMPLATE, SERVICE_TEMPLATE
from pytest_proton.emulator.templates import TemplateKind as ProtonTemplateKind

if TYPE_CHECKING:
    from pytest_proton.emulator.models import ProtonBackend
    from pytest_proton.emulator.versions import TemplateVersion

DEPLOYMENT_MODEL = "proton::deployment"
#: the default: a deployment (or deletion) settles on the first read after the request
FAST = {"progression": "manual", "times": 1}
state_manager.register_default_transition(DEPLOYMENT_MODEL, FAST)


def set_deployment_seconds(seconds: float | None) -> None:
    """Realistic timing: deployments and deletions take ``seconds`` on the emulator's clock (None: FAST).

    The default transition changes, so test controls (``hold``/``release``/``reset``) still work
    over it; a client sees IN_PROGRESS (and can cancel) until the time is up, then the next read
    settles. ``proton-emulator --deployment-seconds N`` and ``--proton-deployment-seconds N`` set it.
    """
    if seconds is not None and seconds < 0:
        raise ValueError(f"deployment seconds must be 0 or more, not {seconds}")
    transition = FAST if seconds is None else {"progression": "time", "seconds": float(seconds)}
    state_manager.register_default_transition(DEPLOYMENT_MODEL, transition)


SUCCEEDED = "SUCCEEDED"
FAILED = "FAILED"


@dataclass(frozen=True)
class DeploymentOutcome:
    status: str  # SUCCEEDED or FAILED
    message: str | None = None
    outputs: list[dict[str, str]] = field(default_factory=list)  # [{key, valueString}]
    # [{identifier, name, provisioningEngine}]
    provisioned_resources: list[dict[str, str]] = field(default_factory=list)


def is_due(started_at: datetime, reads: int, now: datetime) -> bool:
    """Whether a deployment started at ``started_at`` and read ``reads`` times (this one included) settles now."""
    transition = state_manager.get_transition(DEPLOYMENT_MODEL)
    progression = transition.get("progression", "manual")
    if progression == "immediate":
        return True
    if progression == "time":
        return (now - started_at).total_seconds() >= float(transition.get("seconds", 5))
    return reads >= int(transition.get("times", 1))


# -- state kept per resource -----------------------------------------------------------------------
_STATE_ATTRIBUTE = "_proton_provisioning_state"


@dataclass
class ResourceStack:
    """A resource's stack and what its last successful deployment applied."""

    target: StackTarget
    template: str | None = None  # the last good template body (what a rollback re-applies)
    inputs: dict[str, Any] = field(default_factory=dict)  # the last good resolved inputs
    #: resources the emulator simulated in the last deployment: logical ID -> type, reason, physical ID
    simulated: dict[str, Simulated] = field(default_factory=dict)
    provisioner: str = "moto"

    @property
    def skipped(self) -> dict[str, str]:
        """Logical ID -> type of each simulated resource."""
        return {name: entry.type_name for name, entry in self.simulated.items()}


def _state(backend: ProtonBackend) -> dict[str, ResourceStack]:
    state = backend.__dict__.get(_STATE_ATTRIBUTE)
    if state is None:
        state = backend.__dict__[_STATE_ATTRIBUTE] = {}
    return state  # type: ignore[no-any-return]


def stack_of(backend: ProtonBackend, arn: str) -> ResourceStack | None:
    """The stack record of a Proton resource (for tests and introspection): name, account, skipped types."""
    return _state(backend).get(arn)


# -- versions and bundles --------------------------------------------------------------------------
def _kind_of(target_kind: str) -> ProtonTemplateKind:
    return ENVIRONMENT_TEMPLATE if target_kind == rendering.ENVIRONMENT else SERVICE_TEMPLATE


def validate_spec(backend: ProtonBackend, version: TemplateVersion, spec: str | None, owner: str | None = None) -> None:
    """Check ``spec`` against ``version``'s schema; ValidationException naming the input and the problem.

    ``owner``: the environment's or service's name, so that a message names the resource.
    """
    bundle = bundle_store.bundle_of(backend, version)
    if bundle is None:
        return
    try:
        document = rendering.load_spec(spec)
    except rendering.InputError as error:
        raise ValidationException(str(error)) from None
    root = bundle.schema_root
    if version.kind is ENVIRONMENT_TEMPLATE:
        if spec is not None and not (isinstance(document, dict) and document.get("proton") == "EnvironmentSpec"):
            raise ValidationException("The spec must be a YAML mapping with 'proton: EnvironmentSpec'")
        values = rendering.given_inputs(rendering.ENVIRONMENT, document)
        what = f"the environment '{owner}'" if owner else "the environment"
        _raise_first(rendering.problems(root, rendering.ENVIRONMENT, values, what), what)
        return
    if not isinstance(document, dict):
        raise ValidationException("The spec must be a YAML mapping")
    instances = document.get("instances")
    pipeline = f"the pipeline of service '{owner}'" if owner else "the pipeline"
    if isinstance(instances, list):
        for entry in instances:
            if isinstance(entry, dict):
                values = entry.get("spec") if isinstance(entry.get("spec"), dict) else None
                what = f"the service instance '{entry.get('name')}'"
                _raise_first(rendering.problems(root, rendering.SERVICE_INSTANCE, values, what), what)
        if "pipeline" in document or PIPELINE_TYPE_KEY in root:
            values = document.get("pipeline") if isinstance(document.get("pipeline"), dict) else None
            _raise_first(rendering.problems(root, rendering.SERVICE_PIPELINE, values, pipeline), pipeline)
        return
    # One resource's spec: an instance's ({name, environment, spec} or a spec document) or a pipeline's inputs.
    if "spec" in document or "name" in document or "environment" in document or "proton" in document:
        values = rendering.given_inputs(rendering.SERVICE_INSTANCE, document)
        what = f"the service instance '{document.get('name')}'" if document.get("name") else "the service instance"
        _raise_first(rendering.problems(root, rendering.SERVICE_INSTANCE, values, what), what)
    else:
        _raise_first(rendering.problems(root, rendering.SERVICE_PIPELINE, document, pipeline), pipeline)


def _raise_first(problems: list[str], what: str) -> None:
    if problems:
        raise ValidationException(f"The spec of {what} is invalid: {problems[0]}")


# -- deploying -------------------------------------------------------------------------------------
def _stack_name(label: str, arn: str) -> str:
    digest = hashlib.sha256(arn.encode()).digest()
    suffix = "".join(chr(ord("A") + byte % 26) for byte in digest[:15])
    clean = re.sub(r"[^A-Za-z0-9-]+", "-", label).strip("-") or "resource"
    head = "AWSProton-"
    tail = f"-cloudformation--{suffix}"
    return head + clean[: 128 - len(head) - len(tail)] + tail


def _stack_target(backend: ProtonBackend, target: rendering.Target, template_arn: str | None) -> StackTarget:
    tags: dict[str, str] = {}
    if target.service is not None:
        tags.update(backend.tags.get(target.service.arn))
    tags.update(backend.tags.get(target.resource.arn))
    if template_arn is not None:
        tags["proton:template"] = template_arn
    if target.environment is not None:
        tags["proton:environment"] = target.environment.arn
    if target.service is not None:
        tags["proton:service"] = target.service.arn
    if target.kind == rendering.SERVICE_INSTANCE:
        tags["proton:service-instance"] = target.resource.arn
        label = f"{target.service.name}-{target.resource.name}"
    elif target.kind == rendering.SERVICE_PIPELINE:
        label = target.service.name
    elif target.kind == rendering.COMPONENT:
        tags["proton:component"] = target.resource.arn
        label = f"component-{target.resource.name}"
    else:
        label = target.resource.name
    return StackTarget(_stack_name(label, target.resource.arn), target.account_id, backend.region_name, tags)


def _failed(message: str) -> DeploymentOutcome:
    return DeploymentOutcome(FAILED, message)


@dataclass(frozen=True)
class RenderSource:
    """What a deployment renders: the IaC text, its engine, and the schema its inputs follow."""

    engine: str | None  # "jinja", "hcl", "codebuild", or None when there is nothing to provision
    rel: str  # the IaC file's name, for messages
    text: str | None
    template_kind: TemplateKind
    schema_root: dict[str, Any]
    template_arn: str | None  # the template's ARN (stack tag); None for a component
    template_name: str = ""
    version_label: str = ""


def _bundle_source(backend: ProtonBackend, target: rendering.Target, deployment: Any) -> RenderSource | None:
    """The source of an environment, instance or pipeline: its version's registered bundle."""
    version = backend.version_of(_kind_of(target.kind), deployment.target_state)
    stored = bundle_store.stored_bundle(backend, version) if version is not None else None
    if version is None or stored is None or stored.bundle is None:
        return None
    bundle = stored.bundle
    folder, template_kind = rendering.FOLDERS[target.kind]
    engine = stored.engine(folder)
    files = [f for f in jinja_files(bundle) if f.kind is template_kind] if engine == "jinja" else []
    rel = files[0].rel if files else f"{folder}/"
    text = bundle.read_text(rel) if files else None
    template = backend.templates[version.kind].get(version.template_name)
    template_arn = template.arn if template is not None else version.arn
    return RenderSource(
        engine, rel, text, template_kind, bundle.schema_root, template_arn, version.template_name, version.label
    )


def _component_source(target: rendering.Target, deployment: Any) -> RenderSource:
    """A component's source: the template file and manifest of its request (no bundle, no schema)."""
    entry = component_manifest_entry(target.resource.manifest)
    language = str(entry.get("template_language", "cloudformation")).lower()
    engine = "hcl" if language == "terraform" else str(entry.get("rendering_engine", "jinja")).lower()
    rel = str(entry.get("file") or "cloudformation.yaml")
    text = deployment.target_state.template_file
    return RenderSource(engine, rel, text, TemplateKind.COMPONENT, {}, None)


def deploy(backend: ProtonBackend, deployment: Any) -> DeploymentOutcome:
    """Render and provision ``deployment``'s target state; FAILED with a message saying what broke."""
    failure = controls.take_failure(backend.account_id, backend.region_name)  # controls.fail_next()
    if failure is not None:
        return _failed(failure)
    target = rendering.find_target(backend, deployment)
    if target is None:
        return _failed("The resource of this deployment no longer exists")
    if target.kind == rendering.COMPONENT:
        source: RenderSource | None = _component_source(target, deployment)
    else:
        source = _bundle_source(backend, target, deployment)
    if source is None:
        return DeploymentOutcome(SUCCEEDED)  # a version without a registered bundle deploys nothing
    records = _state(backend)
    record = records.get(target.resource.arn)
    try:
        document = rendering.load_spec(getattr(deployment.target_state, "spec", None))
        values = rendering.given_inputs(target.kind, document, getattr(target.resource, "name", None))
        inputs = rendering.resolve(
            source.schema_root, target.kind, values, record.inputs if record else None, target.label
        )
    except rendering.InputError as error:
        return _failed(str(error))
    if source.engine is None:
        # Nothing to provision (a customer-managed environment: its spec's inputs are its outputs).
        outputs = output_entries(sorted(inputs.items())) if target.kind == rendering.ENVIRONMENT else []
        _remember(records, target, None, inputs, None, {})
        return DeploymentOutcome(SUCCEEDED, outputs=outputs)
    if source.engine == "codebuild":
        return _codebuild(records, target, source, inputs)
    if source.engine != "jinja":
        return _failed(f"The {source.engine} template of {target.label} is provisioned by your own automation")
    if source.text is None:
        return _failed(f"The bundle has no CloudFormation template in {rendering.FOLDERS[target.kind][0]}/")
    render_values = rendering.BUILDERS[target.kind](backend, target, inputs, _inputs_lookup(backend, records))
    rel = source.rel
    result = render(source.text, build_context(source.template_kind, render_values), template_name=rel)
    if not result.ok:
        error = result.errors[0]
        where = f"{rel} line {error.line}" if error.line else rel
        named = f" ({error.name} is not defined)" if error.name else ""
        return _failed(f"Rendering {where} failed: {error.message}{named}")
    provisioner = provisioners.current()
    stack_target = _stack_target(backend, target, source.template_arn)
    if record is not None and record.target.stack_name:  # the stack keeps its name and place; tags follow
        stack_target = StackTarget(
            record.target.stack_name, record.target.account_id, record.target.region, stack_target.tags
        )
    try:
        parsed = cfn_template.parse(result.text or "")
    except cfn_template.TemplateError as error:
        return _failed(_template_error(error, result, rel))
    applied = provision(
        provisioner, stack_target, parsed, result.text or "", record.template if record else None, now=backend.now()
    )
    if isinstance(applied, str):
        if record is None:
            records[target.resource.arn] = ResourceStack(stack_target, provisioner=provisioner.name)
        return _failed(f"{applied} (template {rel})")
    stack, prepared = applied
    _keep_rendered_template(provisioner, stack_target, result.text or "")
    _remember(records, target, stack_target, inputs, prepared.body, prepared.simulated, provisioner.name)
    return DeploymentOutcome(
        SUCCEEDED,
        simulated_message(prepared.simulated),
        outputs=stack.outputs,
        provisioned_resources=stack.resources + simulated_entries(prepared.simulated),
    )


def _keep_rendered_template(provisioner: provisioners.Provisioner, stack_target: StackTarget, text: str) -> None:
    """Let moto's ``GetTemplate`` return the rendered template, what Proton gave CloudFormation, rather
    than the prepared one moto runs (a real stack returns what it was given)."""
    if provisioner.name != "moto":
        return
    from moto.cloudformation.models import cloudformation_backends

    backend = cloudformation_backends[stack_target.account_id][stack_target.region]
    for stack in backend.stacks.values():
        if stack.name == stack_target.stack_name:
            stack.template = text


def _template_error(error: cfn_template.TemplateError, result: Any, rel: str) -> str:
    where = (
        f" at line {result.source_line(error.line)} of {rel} (rendered line {error.line})"
        if error.line
        else f" ({rel})"
    )
    return f"{error.message[0].upper()}{error.message[1:]}{where}"


def provision(
    provisioner: provisioners.Provisioner,
    stack_target: StackTarget,
    parsed: dict[str, Any],
    text: str,
    previous: str | None,
    *,
    now: datetime,
) -> tuple[StackResult, cfn_template.Prepared] | str:
    """Apply a rendered template as one stack: the result and what was deployed, or why it failed.

    For moto (a provisioner with ``placeholders``) the template is first checked against the
    catalogue as CloudFormation checks it (catalogue.check), then prepared (cfn_template.prepare);
    when moto fails on a resource it cannot make or read (moto_gaps.SimulationNeeded), that
    resource is simulated and the stack applied again (at most once per resource).
    """
    if not getattr(provisioner, "placeholders", False):
        try:
            return provisioner.apply(stack_target, text, previous), cfn_template.Prepared(text)
        except ProvisioningError as error:
            return str(error)
    verb = "update" if previous is not None else "create"
    checked = _checked(parsed, stack_target.region, previous, now)
    if isinstance(checked, str):
        return f"CloudFormation could not {verb} the stack {stack_target.stack_name}: {checked}"
    return _apply_simulating(provisioner, stack_target, checked, previous, verb)


def _checked(parsed: dict[str, Any], region: str, previous: str | None, now: datetime) -> dict[str, Any] | str:
    """The template with its transform applied, or CloudFormation's reason to refuse it."""
    try:
        expanded = cfn_template.expand_sam(parsed, region)
        catalogue.check(cfn_template.coerce(expanded, region), region, now.date(), _previous_source(previous))
    except cfn_template.TemplateError as error:
        return error.message
    except catalogue.CatalogueError as error:
        failed = f"{error.resource[0]} ({error.resource[1]}) failed: " if error.resource else ""
        return f"{failed}{error.message}"
    return expanded


def _apply_simulating(
    provisioner: provisioners.Provisioner,
    stack_target: StackTarget,
    expanded: dict[str, Any],
    previous: str | None,
    verb: str,
) -> tuple[StackResult, cfn_template.Prepared] | str:
    """Apply the stack; each time moto fails on a resource it cannot make or read, simulate that
    resource and apply again (at most ``limits.simulated-resources`` times)."""
    simulate: dict[str, str] = {}
    resources = expanded.get("Resources") or {}
    while True:
        prepared = cfn_template.prepare(
            expanded,
            stack_target.region,
            stack_target.stack_name,
            simulate=simulate,
            account_id=stack_target.account_id,
        )
        try:
            return provisioner.apply(stack_target, prepared.body, previous), prepared
        except ProvisioningError as error:
            if error.simulate is None or error.simulate[0] in simulate or error.simulate[0] not in resources:
                return str(error)
            if len(simulate) >= budgets.current().simulated_resources:
                return (
                    f"CloudFormation could not {verb} the stack {stack_target.stack_name}: the emulator's "
                    f"CloudFormation (moto) failed on more than {len(simulate)} of its resources "
                    f"({', '.join(sorted(simulate))}, {error.simulate[0]}, ...); raise limits.simulated-resources "
                    "to simulate more"
                )
            simulate[error.simulate[0]] = error.simulate[1]


def _previous_source(previous: str | None) -> dict[str, Any] | None:
    """The template the stack was last deployed with (what moto got: for the catalogue's update checks)."""
    if previous is None:
        return None
    try:
        found = json.loads(previous)
    except ValueError:
        return None
    return found if isinstance(found, dict) else None


def simulated_message(simulated: dict[str, Simulated]) -> str | None:
    """The deployment status message that names every simulated resource and why (None: nothing simulated)."""
    if not simulated:
        return None
    named = "; ".join(f"{name} ({entry.type_name}): {entry.reason}" for name, entry in sorted(simulated.items()))
    return f"{SIMULATED_PREFIX}{named}"


#: How a SUCCEEDED deployment's status message starts when the emulator simulated resources.
SIMULATED_PREFIX = "Deployed with resources simulated by the emulator (not made in moto): "


def simulated_entries(simulated: dict[str, Simulated]) -> list[dict[str, str]]:
    """Provisioned-resource entries of the simulated resources: marked with ``simulated`` (the reason)."""
    return [
        {**resource_entry(name, entry.physical_id), "simulated": entry.reason}
        for name, entry in sorted(simulated.items())
    ]


def _remember(  # noqa: PLR0917
    records: dict[str, ResourceStack],
    target: rendering.Target,
    stack_target: StackTarget | None,
    inputs: dict[str, Any],
    body: str | None,
    simulated: dict[str, Simulated],
    provisioner: str = "none",
) -> None:
    previous = records.get(target.resource.arn)
    records[target.resource.arn] = ResourceStack(
        stack_target or (previous.target if previous else StackTarget("", target.account_id, "")),
        body,
        dict(inputs),
        dict(simulated),
        provisioner,
    )


def _inputs_lookup(backend: ProtonBackend, records: dict[str, ResourceStack]) -> Any:
    """The current inputs of a service instance (a pipeline reads its instances', a component its instance's)."""

    def lookup(instance: Any) -> dict[str, Any]:
        record = records.get(instance.arn)
        if record is not None and (record.inputs or record.template is not None):
            return dict(record.inputs)
        version = backend.version_of(SERVICE_TEMPLATE, instance.state)
        stored = bundle_store.stored_bundle(backend, version) if version is not None else None
        schema_root = stored.bundle.schema_root if stored is not None and stored.bundle is not None else {}
        try:
            document = rendering.load_spec(instance.state.spec)
            values = rendering.given_inputs(rendering.SERVICE_INSTANCE, document, instance.name)
            return rendering.resolve(
                schema_root, rendering.SERVICE_INSTANCE, values, None, f"service instance '{instance.name}'"
            )
        except rendering.InputError:
            return {}

    return lookup


def _codebuild(
    records: dict[str, ResourceStack], target: rendering.Target, source: RenderSource, inputs: dict[str, Any]
) -> DeploymentOutcome:
    hook = provisioners.codebuild_hook()
    if hook is None:  # awaits_notification keeps these IN_PROGRESS; reached only if the hook was removed
        return _failed(
            f"The CodeBuild template of {target.label} reports its result through NotifyResourceDeploymentStatusChange"
        )
    request = provisioners.CodeBuildRequest(
        target.resource.arn, target.kind, source.template_name, source.version_label, dict(inputs)
    )
    try:
        outputs = hook(request)
    except Exception as error:  # noqa: BLE001 - the hook stands for the CodeBuild run: its failure is the deployment's
        return _failed(f"The CodeBuild provisioning of {target.label} failed: {error}")
    _remember(records, target, None, inputs, None, {}, "codebuild")
    return DeploymentOutcome(SUCCEEDED, outputs=output_entries(sorted((outputs or {}).items())))


def awaits_notification(backend: ProtonBackend, resource: Any) -> bool | None:
    """True when the resource's template is provisioned outside the emulator (Terraform; CodeBuild
    without a hook), False for CodeBuild with a hook and for CloudFormation, None when unknown."""
    kind = rendering.SERVICE_INSTANCE
    if resource.__class__.__name__ == "Component":
        language = str(component_manifest_entry(resource.manifest).get("template_language", "")).lower()
        return True if language == "terraform" else None  # CloudFormation: as its environment decides
    if resource.__class__.__name__ == "Environment":
        kind = rendering.ENVIRONMENT
    elif resource.__class__.__name__ == "ServicePipeline":
        kind = rendering.SERVICE_PIPELINE
    deployment = backend.deployments.get(resource.last_attempted_deployment_id or "")
    state = deployment.target_state if deployment is not None else resource.state
    version = backend.version_of(_kind_of(kind), state)
    stored = bundle_store.stored_bundle(backend, version) if version is not None else None
    if stored is None or stored.bundle is None:
        return None
    engine = stored.engine(rendering.FOLDERS[kind][0])
    if engine == "hcl":
        return True
    if engine == "codebuild":
        return provisioners.codebuild_hook() is None
    if engine == "jinja" and getattr(resource, "provisioning_repository", None) is None:
        return False
    return None


def destroy(backend: ProtonBackend, resource: Any) -> DeploymentOutcome:
    """Delete the stacks of a resource being deleted (a service: its instances' and pipeline's)."""
    arns = [resource.arn]
    if hasattr(resource, "instances"):
        arns = [instance.arn for instance in resource.instances.values()]
        if resource.pipeline is not None:
            arns.append(resource.pipeline.arn)
    records = _state(backend)
    for arn in arns:
        record = records.get(arn)
        if record is None or not record.target.stack_name:
            continue
        try:
            if record.provisioner in ("moto", "cloudformation"):
                provisioners.current().delete(record.target)
        except ProvisioningError as error:
            return _failed(str(error))
        del records[arn]
    return DeploymentOutcome(SUCCEEDED)
