"""What a deployment renders: the inputs of its spec and the values of the linter's render namespaces.

The renderer is the linter's (proton_lint.render: the same sandbox, namespaces and ``proton_cfn_*``
filters); this module only gathers real values from the emulator's state, where the linter's
contexts.py makes up fake ones:

* inputs: the spec's values, ``${Proton::CURRENT_VAL}`` replaced by the resource's current value
  (the inputs of its last successful deployment), then the schema's defaults
  (proton_lint.spec.resolve_inputs); a required input that is still missing is an error;
* ``environment.outputs``: the outputs of the environment's last successful deployment;
* ``service_instances[i].outputs`` for pipelines: each instance's current outputs;
* ``service.*`` from the service (its repository, empty strings without one).

* ``service_instance.components.default.outputs``: the attached component's current outputs;
* for a component: its environment's outputs and, when attached, its service instance's inputs.

Each target type (``targetResourceType`` of the deployment) has a builder in :data:`BUILDERS`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import yaml

from proton_lint.render import (
    ComponentValues,
    EnvironmentValues,
    InstanceValues,
    RenderValues,
    ServiceValues,
    TemplateKind,
)
from proton_lint.spec import CURRENT_VAL, PIPELINE_TYPE_KEY, input_issues, resolve_inputs

if TYPE_CHECKING:
    from pytest_proton.emulator.models import ProtonBackend

ENVIRONMENT = "ENVIRONMENT"
SERVICE_INSTANCE = "SERVICE_INSTANCE"
SERVICE_PIPELINE = "SERVICE_PIPELINE"
COMPONENT = "COMPONENT"

#: The bundle folder and template kind each target type deploys.
FOLDERS = {
    ENVIRONMENT: ("infrastructure", TemplateKind.ENVIRONMENT),
    SERVICE_INSTANCE: ("instance_infrastructure", TemplateKind.SERVICE_INSTANCE),
    SERVICE_PIPELINE: ("pipeline_infrastructure", TemplateKind.PIPELINE),
    COMPONENT: ("", TemplateKind.COMPONENT),  # a component's IaC comes with the request, not a bundle
}
#: The schema input type each target type reads.
INPUT_TYPE_KEYS = {
    ENVIRONMENT: "environment_input_type",
    SERVICE_INSTANCE: "service_input_type",
    SERVICE_PIPELINE: PIPELINE_TYPE_KEY,
    COMPONENT: "component_input_type",  # never in a schema: a component has no inputs of its own
}


class InputError(Exception):
    """A spec that does not give what the schema needs; the message names the input."""


def target_type(deployment: Any) -> str:
    return str(deployment.to_dict()["targetResourceType"])


def load_spec(text: str | None) -> Any:
    if text is None:
        return None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise InputError(f"The spec is not valid YAML: {error}") from None


def given_inputs(kind: str, spec: Any, instance_name: str | None = None) -> dict | None:
    """The input values a spec gives a target (None: the block is absent, every input takes its default).

    Specs come whole (``proton: ServiceSpec`` with ``instances`` and ``pipeline``), as a
    ``proton: ...Spec`` document with ``spec:``, or as the emulator keeps them per resource (an
    instance's entry ``{name, environment, spec}``, a pipeline's section of inputs).
    """
    if not isinstance(spec, dict):
        return None
    if kind == ENVIRONMENT:
        values = spec.get("spec")
    elif kind == SERVICE_PIPELINE:
        values = spec.get("pipeline") if ("instances" in spec or "proton" in spec) else spec
    else:
        instances = spec.get("instances")
        if isinstance(instances, list):
            entry = next((i for i in instances if isinstance(i, dict) and i.get("name") == instance_name), None)
            values = entry.get("spec") if entry is not None else None
        else:
            values = spec.get("spec")
    return values if isinstance(values, dict) else None


def problems(schema_root: dict, kind: str, values: dict | None, what: str) -> list[str]:
    """What the schema refuses in ``values`` (unknown inputs are accepted, as Proton accepted them)."""
    key = INPUT_TYPE_KEYS[kind]
    if key not in schema_root:
        return []
    label = "pipeline input" if kind == SERVICE_PIPELINE else "input"
    found = input_issues(schema_root, key, values, (), what=label, context=what, absent=f"{what} gives no inputs")
    return [issue.message.replace("{where}", "") for issue in found if issue.code != "unknown"]


def resolve(schema_root: dict, kind: str, values: dict | None, current: dict | None, what: str) -> dict:
    """Resolved inputs: CURRENT_VAL from ``current``, then defaults; InputError naming a missing input."""
    given = dict(values or {})
    for name, value in list(given.items()):
        if value == CURRENT_VAL:
            if current is not None and name in current:
                given[name] = current[name]
            else:
                del given[name]
    refused = problems(schema_root, kind, given if values is not None else None, what)
    if refused:
        raise InputError(f"The spec of the {what} is invalid: {refused[0]}")
    key = INPUT_TYPE_KEYS[kind]
    if key not in schema_root:
        return given
    return resolve_inputs(schema_root, key, given)


@dataclass
class Target:
    """One deployment's resource, as rendering and provisioning see it."""

    kind: str
    resource: Any
    label: str  # "environment 'dev'", for messages
    account_id: str
    #: the environment the resource lives in (None for pipelines)
    environment: Any = None
    service: Any = None
    #: the service instance a component is attached to
    instance: Any = None


def _service_values(service: Any) -> ServiceValues:
    return ServiceValues(
        name=service.name,
        repository_id=service.repository_id or "",
        branch_name=service.branch_name or "",
        repository_connection_arn=service.repository_connection_arn or "",
    )


def _environment_values(backend: ProtonBackend, environment: Any) -> EnvironmentValues:
    outputs = {o["key"]: o["valueString"] for o in environment.outputs} if environment is not None else {}
    return EnvironmentValues(
        name=environment.name if environment is not None else "",
        account_id=(environment.environment_account_id or backend.account_id) if environment else backend.account_id,
        outputs=outputs,
    )


def environment_values(_backend: ProtonBackend, target: Target, inputs: dict, _lookup: Any) -> RenderValues:
    return RenderValues(environment=EnvironmentValues(name=target.resource.name, inputs=inputs))


def _attached_component(backend: ProtonBackend, service_name: str, instance_name: str) -> ComponentValues | None:
    """The component attached to an instance, with its current outputs (None without one)."""
    for component in backend.components.values():
        if component.state.attachment != (service_name, instance_name):  # attached as deployed
            continue
        return ComponentValues(name=component.name, outputs={o["key"]: o["valueString"] for o in component.outputs})
    return None


def instance_values(backend: ProtonBackend, target: Target, inputs: dict, _lookup: Any) -> RenderValues:
    environment = _environment_values(backend, target.environment)
    instance = InstanceValues(
        name=target.resource.name,
        inputs=inputs,
        environment=environment,
        component=_attached_component(backend, target.service.name, target.resource.name),
    )
    return RenderValues(environment=environment, service=_service_values(target.service), service_instance=instance)


def component_values(
    backend: ProtonBackend, target: Target, _inputs: dict, lookup: Callable[[Any], dict]
) -> RenderValues:
    environment = _environment_values(backend, target.environment)
    component = ComponentValues(name=target.resource.name)
    if target.instance is None:
        return RenderValues(environment=environment, component=component)
    instance = InstanceValues(name=target.instance.name, inputs=lookup(target.instance), environment=environment)
    return RenderValues(
        environment=environment,
        service=_service_values(target.service),
        service_instance=instance,
        component=component,
    )


def pipeline_values(
    backend: ProtonBackend, target: Target, inputs: dict, lookup: Callable[[Any], dict]
) -> RenderValues:
    instances = []
    for instance in target.service.instances.values():
        environment = backend.environments.get(instance.environment_name)
        instances.append(
            InstanceValues(
                name=instance.name,
                inputs=lookup(instance),
                environment=_environment_values(backend, environment),
                outputs={o["key"]: o["valueString"] for o in instance.outputs},
            )
        )
    return RenderValues(service=_service_values(target.service), pipeline_inputs=inputs, service_instances=instances)


#: target type -> (backend, target, resolved inputs, inputs of another resource) -> RenderValues
BUILDERS: dict[str, Callable[..., RenderValues]] = {
    ENVIRONMENT: environment_values,
    SERVICE_INSTANCE: instance_values,
    SERVICE_PIPELINE: pipeline_values,
    COMPONENT: component_values,
}


def find_target(backend: ProtonBackend, deployment: Any) -> Target | None:
    """The resource a deployment deploys, with its environment, service and account."""
    kind = target_type(deployment)
    if kind == ENVIRONMENT:
        environment = backend.environments.get(deployment.environment_name)
        if environment is None:
            return None
        account = environment.environment_account_id or backend.account_id
        return Target(kind, environment, f"environment '{environment.name}'", account, environment)
    if kind == COMPONENT:
        return _component_target(backend, deployment)
    service = backend.services.get(getattr(deployment, "service_name", ""))
    if service is None:
        return None
    if kind == SERVICE_INSTANCE:
        instance = service.instances.get(deployment.instance_name)
        if instance is None:
            return None
        environment = backend.environments.get(instance.environment_name)
        account = (environment.environment_account_id if environment else None) or backend.account_id
        label = f"service instance '{instance.name}' of service '{service.name}'"
        return Target(kind, instance, label, account, environment, service)
    if kind == SERVICE_PIPELINE and service.pipeline is not None:
        return Target(
            kind, service.pipeline, f"the pipeline of service '{service.name}'", backend.account_id, None, service
        )
    return None


def _component_target(backend: ProtonBackend, deployment: Any) -> Target | None:
    component = backend.components.get(deployment.component_name)
    if component is None:
        return None
    environment = backend.environments.get(component.environment_name)
    account = (environment.environment_account_id if environment else None) or backend.account_id
    attachment = deployment.target_state.attachment
    service = backend.services.get(attachment[0]) if attachment else None
    instance = service.instances.get(attachment[1]) if service is not None and attachment else None
    label = f"component '{component.name}'"
    return Target(COMPONENT, component, label, account, environment, service, instance)
