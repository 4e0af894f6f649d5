"""The plan: every resource of the inventory as a step, in the order Proton deployed them.

Environments first, then directly defined components (they read their environment's outputs and
their instance's inputs, never its outputs), then service instances (they read their environment's
and their component's outputs), then pipelines (they read every instance's outputs). Each step
knows its live stack, found in this order:

1. the inventory's ``stack:`` (``instance_stacks:``, ``pipeline_stack:``);
2. Proton's tags: the stack tagged ``proton:environment`` / ``proton:service-instance`` /
   ``proton:service`` (or the ``aws:proton:`` form) with the resource's ARN;
3. Proton's name: one stack named ``AWSProton-<label>-cloudformation-...``.

A step whose stack is not found gets a new stack, ``AWSProton-<label>-migrate``, tagged as Proton
tagged its stacks, so that a rerun finds it by its tags; the plan says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from proton_lint.migrate import templates
from proton_lint.migrate.errors import MigrateError
from proton_lint.migrate.inventory import ComponentEntry, EnvironmentEntry, Inventory, ServiceEntry, find_template
from proton_lint.migrate.stacks import Aws, Stack
from proton_lint.render import TemplateKind

ENVIRONMENT = "environment"
SERVICE_INSTANCE = "service_instance"
SERVICE_PIPELINE = "service_pipeline"
COMPONENT = "component"


@dataclass
class Step:
    id: str  # "environment/dev", "service_instance/api/one", "service_pipeline/api", "component/cache"
    kind: str
    name: str
    source: templates.Source = field(repr=False)
    arn: str = ""
    service: str | None = None
    environment: str | None = None  # the environment an instance or component lives in
    component: str | None = None  # the component attached to an instance
    instances: list[str] = field(default_factory=list)  # a pipeline's instance names
    inputs: dict[str, Any] = field(default_factory=dict)
    depends_on: list[str] = field(default_factory=list)
    stack_name: str | None = None
    stack_exists: bool | None = None
    found_by: str = ""  # "inventory", "tags", "name" or "new"
    tags: dict[str, str] = field(default_factory=dict)  # the tags Proton put on such a stack
    stack_tags: dict[str, str] = field(default_factory=dict)  # the live stack's tags (kept by updates)
    template: str | None = None  # the rendered template's path inside DIR (None: pending)
    note: str = ""

    @property
    def engine(self) -> str:
        return self.source.engine

    @property
    def label(self) -> str:
        """The resource as Proton named its stacks: ``dev``, ``api-one``, ``api`` (pipeline)."""
        if self.kind == SERVICE_INSTANCE:
            return f"{self.service}-{self.name}"
        if self.kind == COMPONENT:
            return f"component-{self.name}"
        return self.name

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "kind": self.kind, "name": self.name}
        if self.service is not None:
            out["service"] = self.service
        out.update(
            engine=self.engine,
            stack_name=self.stack_name,
            stack_exists=self.stack_exists,
            template=self.template,
            depends_on=list(self.depends_on),
        )
        if self.note:
            out["note"] = self.note
        return out


@dataclass
class EnvironmentRef:
    """An environment as its dependants see it: its step, or outputs given some other way."""

    name: str
    account_id: str
    step: str | None = None  # its step's id when the plan deploys it
    stack: str | None = None  # a live stack that only provides outputs
    outputs: dict[str, str] | None = None  # outputs given in the inventory (Terraform, customer-managed)
    at: str = ""  # its entry's file:line


@dataclass
class Plan:
    inventory: Inventory
    region: str
    steps: list[Step] = field(default_factory=list)
    environments: dict[str, EnvironmentRef] = field(default_factory=dict)
    services: dict[str, ServiceEntry] = field(default_factory=dict)

    def step(self, step_id: str) -> Step:
        return next(s for s in self.steps if s.id == step_id)

    def to_json(self) -> dict[str, Any]:
        return {"version": 1, "steps": [s.to_json() for s in self.steps]}


# -- ARNs and tags -----------------------------------------------------------------------------
def _partition(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def proton_arn(region: str, account: str, resource: str) -> str:
    return f"arn:{_partition(region)}:proton:{region}:{account}:{resource}"


#: tag that identifies each kind's stack (the propagated form of Proton's AWS managed tags)
IDENTIFYING_TAG = {
    ENVIRONMENT: "environment",
    SERVICE_INSTANCE: "service-instance",
    SERVICE_PIPELINE: "service",
    COMPONENT: "component",
}


def _tag(tags: dict[str, str], key: str) -> str | None:
    return tags.get(f"proton:{key}", tags.get(f"aws:proton:{key}"))


def tagged_for(stack: Stack, kind: str, arn: str) -> bool:
    """Whether the stack carries Proton's tags for the resource ``arn`` of ``kind`` (a pipeline's
    stack is tagged with its service's ARN)."""
    if kind == SERVICE_PIPELINE:
        arn = arn.removesuffix("/pipeline")
    if _tag(stack.tags, IDENTIFYING_TAG[kind]) != arn:
        return False
    if kind == ENVIRONMENT:
        return _tag(stack.tags, "service") is None and _tag(stack.tags, "component") is None
    if kind == SERVICE_PIPELINE:
        return _tag(stack.tags, "service-instance") is None and _tag(stack.tags, "environment") is None
    return True


def find_stack(aws: Aws, kind: str, arn: str, label: str, what: str) -> tuple[Stack | None, str]:
    """The live stack of a resource, by Proton's tags, then by Proton's name; and how it was found."""
    stacks = aws.stacks()
    for found_by, matches in (
        ("tags", [s for s in stacks if tagged_for(s, kind, arn)]),
        ("name", [s for s in stacks if proton_name(label).fullmatch(s.name)]),
    ):
        if len(matches) > 1:
            names = ", ".join(sorted(s.name for s in matches))
            raise MigrateError(
                f"{what}: several stacks match by {found_by} ({names}); "
                "name the right one with 'stack:' in the inventory"
            )
        if matches:
            return matches[0], found_by
    return None, "new"


# -- building ----------------------------------------------------------------------------------
def build(inventory: Inventory, aws: Aws) -> Plan:
    """The plan for ``inventory``, with each step's stack located (specs checked on the way)."""
    plan = Plan(inventory, aws.region)
    account = aws.account_id
    for env in inventory.environments:
        _add_environment(plan, env, account)
    for component in inventory.components:
        _add_component(plan, component, account)
    pipelines = []
    for service in inventory.services:
        plan.services[service.name] = service
        pipelines += _add_service(plan, service, account)
    plan.steps += pipelines
    for step in plan.steps:
        if step.engine == templates.CLOUDFORMATION:
            _locate(step, _given_stack(plan, step), aws)
    return plan


def _bundle(inventory: Inventory, entry: EnvironmentEntry | ServiceEntry) -> Any:
    folder = find_template(inventory.repository, str(entry.template), int(entry.major or 0))
    return templates.load_bundle(folder, template=entry.template, major=entry.major)  # type: ignore[arg-type]


def _add_environment(plan: Plan, env: EnvironmentEntry, account: str) -> None:
    ref = EnvironmentRef(env.name, env.account_id or account, stack=env.stack, outputs=env.outputs)
    ref.at = plan.inventory.where(env.at)
    plan.environments[env.name] = ref
    if not env.deployed_here:
        return
    bundle = _bundle(plan.inventory, env)
    inputs = templates.environment_inputs(bundle, env.spec)  # type: ignore[arg-type]
    source = templates.source(bundle, TemplateKind.ENVIRONMENT)
    if source is None:  # customer-managed: its spec's inputs are its outputs
        ref.outputs = {k: str(v) for k, v in inputs.items()} if ref.outputs is None else ref.outputs
        return
    arn = proton_arn(plan.region, account, f"environment/{env.name}")
    step = Step(f"environment/{env.name}", ENVIRONMENT, env.name, source, arn, inputs=inputs)
    template_arn = proton_arn(plan.region, account, f"environment-template/{env.template}")
    step.tags = {"proton:template": template_arn, "proton:environment": arn}
    ref.step = step.id
    plan.steps.append(step)


def _add_component(plan: Plan, entry: ComponentEntry, account: str) -> None:
    bundle = templates.load_bundle(entry.folder)
    source = templates.source(bundle, TemplateKind.COMPONENT)
    if source is None or source.engine != templates.CLOUDFORMATION:
        raise MigrateError(
            f"{plan.inventory.where((*entry.at, 'template'))}: migrate covers CloudFormation components only"
        )
    arn = proton_arn(plan.region, account, f"component/{entry.name}")
    step = Step(f"component/{entry.name}", COMPONENT, entry.name, source, arn, environment=entry.environment)
    step.service = entry.service
    env = plan.environments[entry.environment]
    step.depends_on = [env.step] if env.step else []
    step.tags = {
        "proton:environment": proton_arn(plan.region, account, f"environment/{env.name}"),
        "proton:component": arn,
    }
    plan.steps.append(step)


def _add_service(plan: Plan, service: ServiceEntry, account: str) -> list[Step]:
    """The service's instance steps (added to the plan) and its pipeline step (returned: pipelines go last)."""
    bundle = _bundle(plan.inventory, service)
    spec = templates.service_spec(bundle, service.spec)
    source = templates.source(bundle, TemplateKind.SERVICE_INSTANCE)
    if source is None:
        raise MigrateError(f"{bundle.display()}: the service template has no instance_infrastructure/manifest.yaml")
    service_arn = proton_arn(plan.region, account, f"service/{service.name}")
    template_arn = proton_arn(plan.region, account, f"service-template/{service.template}")
    instance_ids = []
    for instance in spec.instances:
        step = _instance_step(plan, service, instance, source, account)
        step.tags = {
            "proton:template": template_arn,
            "proton:environment": proton_arn(plan.region, account, f"environment/{step.environment}"),
            "proton:service": service_arn,
            "proton:service-instance": step.arn,
        }
        plan.steps.append(step)
        instance_ids.append(step.id)
    pipeline_source = templates.source(bundle, TemplateKind.PIPELINE)
    if pipeline_source is None or spec.pipeline_inputs is None:
        return []
    arn = f"{service_arn}/pipeline"
    step = Step(f"service_pipeline/{service.name}", SERVICE_PIPELINE, service.name, pipeline_source, arn)
    step.service, step.inputs = service.name, spec.pipeline_inputs
    step.instances = [i.name for i in spec.instances]
    step.depends_on = instance_ids
    step.tags = {"proton:template": template_arn, "proton:service": service_arn}
    return [step]


def _instance_step(
    plan: Plan, service: ServiceEntry, instance: templates.InstanceSpec, source: templates.Source, account: str
) -> Step:
    env = plan.environments.get(instance.environment)
    if env is None:
        raise MigrateError(
            f"{templates.spec_line(service.spec, (*instance.at, 'environment'))}: instance {instance.name} "
            f"runs in environment {instance.environment!r}, which the inventory's environments do not list "
            "(add it; with only 'name:' and 'stack:' when this inventory does not deploy it)"
        )
    arn = proton_arn(plan.region, account, f"service/{service.name}/service-instance/{instance.name}")
    step = Step(f"service_instance/{service.name}/{instance.name}", SERVICE_INSTANCE, instance.name, source, arn)
    step.service, step.environment, step.inputs = service.name, env.name, instance.inputs
    step.depends_on = [env.step] if env.step else []
    attached = [c for c in plan.inventory.components if (c.service, c.instance) == (service.name, instance.name)]
    if attached:
        step.component = attached[0].name
        step.depends_on.append(f"component/{attached[0].name}")
    return step


def _given_stack(plan: Plan, step: Step) -> str | None:
    if step.kind == ENVIRONMENT:
        return plan.inventory.environment(step.name).stack  # type: ignore[union-attr]
    if step.kind == COMPONENT:
        return next(c.stack for c in plan.inventory.components if c.name == step.name)
    service = plan.services[str(step.service)]
    return service.pipeline_stack if step.kind == SERVICE_PIPELINE else service.instance_stacks.get(step.name)


def _locate(step: Step, given: str | None, aws: Aws) -> None:
    if given is not None:
        stack = aws.describe(given)
        step.stack_name, step.stack_exists, step.found_by = given, stack is not None, "inventory"
        step.stack_tags = stack.tags if stack is not None else {}
        if stack is None:
            step.note = f"the inventory names stack {given}, which does not exist: --apply creates it"
        return
    stack, found_by = find_stack(aws, step.kind, step.arn, step.label, step.id)
    if stack is not None:
        step.stack_name, step.stack_exists, step.found_by = stack.name, True, found_by
        step.stack_tags = stack.tags
        return
    step.stack_name, step.stack_exists, step.found_by = new_stack_name(step.label), False, "new"
    step.note = (
        f"no stack tagged proton:{IDENTIFYING_TAG[step.kind]}={step.arn.removesuffix('/pipeline')} nor named "
        f"AWSProton-{step.label}-cloudformation-*: --apply creates {step.stack_name}; "
        "if Proton deployed this resource, name its stack with 'stack:'"
    )


def proton_name(label: str) -> re.Pattern[str]:
    """The names Proton gave stacks of ``label`` (``AWSProton-dev-cloudformation--ABCDEFGHIJKLMNO``)."""
    return re.compile(rf"AWSProton-{re.escape(_clean(label))}-cloudformation-+[A-Za-z0-9]+")


def new_stack_name(label: str) -> str:
    """A stack name for a resource Proton never deployed: Proton's prefix keeps IAM policies scoped
    to ``stack/AWSProton-*`` (Proton's service role) working."""
    return f"AWSProton-{_clean(label)[: 128 - len('AWSProton--migrate')]}-migrate"


def _clean(label: str) -> str:
    return re.sub(r"[^A-Za-z0-9-]+", "-", label).strip("-") or "resource"
