"""Each step's template, rendered exactly as Proton rendered it, with the real upstream outputs.

The values are gathered here; the rendering is the linter's own (proton_lint.render: the namespaces
Proton passed, its sandbox and ``proton_cfn_*`` filters), the same that ``proton-lint render`` and the
emulator use. Before rendering, every ``environment.outputs.X`` (``service_instances[i].outputs.X``,
``service_instance.components.default.outputs.X``) the template reads is checked against the real
outputs, so a missing one names its stack instead of failing somewhere in Jinja.

Terraform steps are not rendered: Proton passed values as variables. Their files are the module's,
plus ``proton.auto.tfvars.json`` and ``proton.<kind>.variables.tf`` shaped as Proton wrote them
(as in Proton-generated files kept in public repositories such as
aws-proton-terraform-github-actions-sample).
"""

from __future__ import annotations

import json
import posixpath
from dataclasses import dataclass, field
from typing import Any

from proton_lint.contexts import _read_names
from proton_lint.migrate import templates
from proton_lint.migrate.errors import MigrateError
from proton_lint.migrate.plan import COMPONENT, ENVIRONMENT, SERVICE_INSTANCE, SERVICE_PIPELINE, Plan, Step
from proton_lint.migrate.upstream import Outputs, Upstream
from proton_lint.render import (
    ComponentValues,
    EnvironmentValues,
    InstanceValues,
    RenderValues,
    ServiceValues,
    build_context,
    render,
)


@dataclass
class Rendered:
    """A step's files, by name inside its folder of DIR (one template, or a Terraform module)."""

    files: dict[str, str] = field(default_factory=dict)
    main: str = ""  # the CloudFormation template's name among ``files`` ("" for Terraform)

    @property
    def template(self) -> str:
        return self.files[self.main]


@dataclass(frozen=True)
class Pending:
    """A step that reads a step whose stack does not exist yet."""

    waits_for: str


def render_step(step: Step, plan: Plan, upstream: Upstream) -> Rendered | Pending:
    gathered = _gather(step, plan, upstream)
    if isinstance(gathered, Pending):
        return gathered
    values, reads = gathered
    if step.engine == templates.TERRAFORM:
        return _terraform(step, values)
    text = step.source.text()
    _check_reads(step, text, reads)
    result = render(text, build_context(step.source.kind, values), template_name=step.source.bundle.display())
    rel = step.source.files[0]
    if not result.ok:
        error = result.errors[0]
        line = f":{error.line}" if error.line else ""
        raise MigrateError(f"{step.source.bundle.display(rel)}{line}: cannot render {step.id}: {error.message}")
    return Rendered({posixpath.basename(rel): result.text or ""}, posixpath.basename(rel))


# -- values ------------------------------------------------------------------------------------
Reads = dict[tuple, Outputs]  # the read prefix ("environment", "outputs") -> the outputs it gets


def _gather(step: Step, plan: Plan, upstream: Upstream) -> tuple[RenderValues, Reads] | Pending:
    if step.kind == ENVIRONMENT:
        account = plan.environments[step.name].account_id
        return RenderValues(environment=EnvironmentValues(step.name, step.inputs, account)), {}
    if step.kind == SERVICE_PIPELINE:
        return _pipeline(step, plan, upstream)
    env = _environment(str(step.environment), plan, upstream)
    if isinstance(env, Pending):
        return env
    env_values, env_outputs = env
    reads: Reads = {("environment", "outputs"): env_outputs}
    service = _service(plan, step.service)
    if step.kind == COMPONENT:
        return _component(step, plan, env_values, service), reads
    component = None
    if step.component is not None and _read_names(step.source.text(), "service_instance", "components"):
        outputs = upstream.of_step(f"component/{step.component}")
        if outputs is None:
            return Pending(f"component/{step.component}")
        component = ComponentValues(step.component, outputs.values)
        reads[("service_instance", "components", "default", "outputs")] = outputs
    instance = InstanceValues(step.name, step.inputs, env_values, component=component)
    return RenderValues(environment=env_values, service=service, service_instance=instance), reads


def _environment(name: str, plan: Plan, upstream: Upstream) -> tuple[EnvironmentValues, Outputs] | Pending:
    outputs = upstream.environment(name)
    if outputs is None:
        return Pending(str(plan.environments[name].step))
    account = outputs.account_id or plan.environments[name].account_id
    return EnvironmentValues(name, account_id=account, outputs=dict(outputs.values)), outputs


def _service(plan: Plan, name: str | None) -> ServiceValues | None:
    entry = plan.services.get(str(name)) if name is not None else None
    if entry is None:
        return ServiceValues(name or "") if name else None
    return ServiceValues(entry.name, entry.repository_id, entry.branch_name, entry.repository_connection_arn)


def _component(step: Step, plan: Plan, env: EnvironmentValues, service: ServiceValues | None) -> RenderValues:
    component = ComponentValues(step.name)
    entry = next(c for c in plan.inventory.components if c.name == step.name)
    if entry.instance is None:
        return RenderValues(environment=env, component=component)
    wanted = (SERVICE_INSTANCE, entry.service, entry.instance)
    instance_step = next((s for s in plan.steps if (s.kind, s.service, s.name) == wanted), None)
    if instance_step is None:
        raise MigrateError(
            f"{plan.inventory.where((*entry.at, 'instance'))}: service {entry.service} has no instance {entry.instance}"
        )
    instance = InstanceValues(entry.instance, instance_step.inputs, env)
    return RenderValues(environment=env, service=service, service_instance=instance, component=component)


def _pipeline(step: Step, plan: Plan, upstream: Upstream) -> tuple[RenderValues, Reads] | Pending:
    instances = []
    reads: Reads = {}
    for name in step.instances:
        instance_id = f"service_instance/{step.service}/{name}"
        instance_step = plan.step(instance_id)
        env = _environment(str(instance_step.environment), plan, upstream)
        outputs = upstream.of_step(instance_id)
        if isinstance(env, Pending):
            return env
        if outputs is None:
            return Pending(instance_id)
        instances.append(InstanceValues(name, instance_step.inputs, env[0], outputs=dict(outputs.values)))
        reads[("service_instances", name, "outputs")] = outputs
    values = RenderValues(
        service=_service(plan, step.service), pipeline_inputs=step.inputs, service_instances=instances
    )
    return values, reads


def _check_reads(step: Step, text: str, reads: Reads) -> None:
    """Every output the template reads exists upstream; else name the stack and the output."""
    for prefix, outputs in reads.items():
        pattern = ("service_instances", None, "outputs") if prefix[0] == "service_instances" else prefix
        missing = [name for name in _read_names(text, *pattern) if name not in outputs.values]
        if missing:
            read = ".".join(p if isinstance(p, str) else "[]" for p in pattern).replace(".[]", "[]")
            have = ", ".join(sorted(outputs.values)) or "none"
            raise MigrateError(
                f"{step.source.bundle.display(step.source.files[0])}: {step.id} reads {read}.{missing[0]}, "
                f"but {outputs.origin} has no output {missing[0]} (it has: {have})"
            )


# -- Terraform ---------------------------------------------------------------------------------
#: what Proton declared in ``proton.<kind>.variables.tf`` (Proton-generated files; proton_tags per the user guide)
_ENV_OF_RESOURCE = (
    "  type = object({\n    account_id = string\n    name       = string\n    outputs    = map(string)\n  })"
)
_SERVICE = (
    "  type = object({\n    name                      = string\n    branch_name               = string\n"
    "    repository_connection_arn = string\n    repository_id             = string\n  })"
)
_TAGS = 'variable "proton_tags" {\n  type    = map(string)\n  default = null\n}\n'
VARIABLES = {
    ENVIRONMENT: (
        "environment",
        'variable "environment" {\n  type = object({\n    inputs = map(string)\n    name   = string\n  })\n'
        "  default = null\n}\n\n" + _TAGS,
    ),
    SERVICE_INSTANCE: (
        "service_instance",
        f'variable "environment" {{\n{_ENV_OF_RESOURCE}\n  default = null\n}}\n\n'
        f'variable "service" {{\n{_SERVICE}\n}}\n\n'
        'variable "service_instance" {\n  type = object({\n    name       = string\n    inputs     = map(string)\n'
        "    components = map(string)\n  })\n  default = null\n}\n\n" + _TAGS,
    ),
    SERVICE_PIPELINE: (
        "pipeline",
        f'variable "service" {{\n{_SERVICE}\n}}\n\n'
        'variable "service_instances" {\n  type = list(object({\n    name        = string\n'
        "    inputs      = map(string)\n    outputs     = map(string)\n"
        f"    environment = object({{\n      account_id = string\n      name       = string\n"
        "      outputs    = map(string)\n    })\n  }))\n  default = null\n}\n\n"
        'variable "pipeline" {\n  type = object({\n    inputs = map(string)\n  })\n  default = null\n}\n\n' + _TAGS,
    ),
}


def tfvars(step: Step, values: RenderValues) -> dict[str, Any]:
    """``proton.auto.tfvars.json`` as Proton wrote it for this step (its ``//`` key names the resource)."""
    out: dict[str, Any] = {}
    if step.kind == ENVIRONMENT and values.environment is not None:
        out["environment"] = {"name": values.environment.name, "inputs": values.environment.inputs}
    elif step.kind == SERVICE_INSTANCE and values.service_instance is not None:
        out["environment"] = _env_json(values.environment)
        out["service"] = _service_json(values.service)
        instance = values.service_instance
        out["service_instance"] = {"name": instance.name, "inputs": instance.inputs, "components": {}}
    elif step.kind == SERVICE_PIPELINE:
        out["pipeline"] = {"inputs": values.pipeline_inputs}
        out["service"] = _service_json(values.service)
        out["service_instances"] = [
            {"name": i.name, "inputs": i.inputs, "outputs": i.outputs, "environment": _env_json(i.environment)}
            for i in values.service_instances
        ]
    out["proton_tags"] = dict(step.tags)
    out["//"] = step.arn
    return out


def _env_json(env: EnvironmentValues | None) -> dict[str, Any]:
    if env is None:
        return {}
    return {"account_id": env.account_id, "name": env.name, "outputs": env.outputs}


def _service_json(service: ServiceValues | None) -> dict[str, str]:
    if service is None:
        return {}
    return {
        "name": service.name,
        "repository_connection_arn": service.repository_connection_arn,
        "repository_id": service.repository_id,
        "branch_name": service.branch_name,
    }


def _terraform(step: Step, values: RenderValues) -> Rendered:
    if step.kind not in VARIABLES:
        raise MigrateError(f"{step.id}: migrate covers Terraform environments, service instances and pipelines")
    folder = templates.FOLDERS[step.source.kind]
    files = {}
    for rel in step.source.files:
        name = rel[len(folder) + 1 :] if folder else rel
        if name != "proton.auto.tfvars.json":  # a sample in the bundle: Proton's values replace it
            files[name] = step.source.bundle.read_text(rel)
    kind_name, declarations = VARIABLES[step.kind]
    files[f"proton.{kind_name}.variables.tf"] = declarations
    files["proton.auto.tfvars.json"] = json.dumps(tfvars(step, values), indent=2) + "\n"
    return Rendered(files)
