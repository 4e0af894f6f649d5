"""The real outputs a step reads: its environment's, its component's, its instances'.

Read with CloudFormation ``DescribeStacks`` from the upstream steps' stacks (or from the stack an
inventory entry names, or found by Proton's tags), never made up. ``None`` means the upstream is a
step of the plan whose stack does not exist yet: the step is rendered by ``--apply`` once it does.
An upstream that is not a step and cannot be found is a :class:`MigrateError` naming it.
"""

from __future__ import annotations

from dataclasses import dataclass

from proton_lint.migrate import templates
from proton_lint.migrate.errors import MigrateError
from proton_lint.migrate.plan import ENVIRONMENT, EnvironmentRef, Plan, find_stack, proton_arn
from proton_lint.migrate.stacks import Aws


@dataclass(frozen=True)
class Outputs:
    """Outputs and where they came from (for messages: ``stack X (environment dev)``)."""

    values: dict[str, str]
    origin: str
    account_id: str = ""


class Upstream:
    def __init__(self, plan: Plan, aws: Aws) -> None:
        self.plan = plan
        self.aws = aws
        self._cache: dict[str, Outputs | None] = {}

    def forget(self, step_id: str) -> None:
        """The step was just deployed: read its stack again."""
        self._cache.pop(step_id, None)

    def of_step(self, step_id: str) -> Outputs | None:
        if step_id not in self._cache:
            self._cache[step_id] = self._read_step(step_id)
        return self._cache[step_id]

    def _read_step(self, step_id: str) -> Outputs | None:
        step = self.plan.step(step_id)
        what = f"{step.kind.replace('_', ' ')} {step.name}"
        if step.engine == templates.TERRAFORM:
            given = self._terraform_outputs(step_id)
            if given is None:
                raise MigrateError(
                    f"{step.id} is deployed with Terraform, so its outputs are in Terraform's state: copy them "
                    "(terraform output) under 'outputs:' (environments) or 'instance_outputs:' (services) "
                    "in the inventory"
                )
            return Outputs(given, f"the inventory's outputs of {what}")
        if not step.stack_exists or step.stack_name is None:
            return None
        stack = self.aws.describe(step.stack_name)
        if stack is None:
            return None
        return Outputs(stack.outputs, f"stack {stack.name} ({what})", stack.account_id)

    def _terraform_outputs(self, step_id: str) -> dict[str, str] | None:
        step = self.plan.step(step_id)
        if step.kind == ENVIRONMENT:
            return self.plan.environments[step.name].outputs
        service = self.plan.services.get(str(step.service))
        return service.instance_outputs.get(step.name) if service is not None else None

    def environment(self, name: str) -> Outputs | None:
        ref = self.plan.environments[name]
        if ref.outputs is not None:
            return Outputs(ref.outputs, f"the inventory's outputs of environment {name}", ref.account_id)
        if ref.step is not None:
            return self.of_step(ref.step)
        return self._external(ref)

    def _external(self, ref: EnvironmentRef) -> Outputs:
        if ref.stack is not None:
            stack = self.aws.describe(ref.stack)
            if stack is None:
                raise MigrateError(f"{ref.at}: stack {ref.stack} of environment {ref.name} does not exist")
        else:
            arn = proton_arn(self.plan.region, ref.account_id, f"environment/{ref.name}")
            stack, _ = find_stack(self.aws, ENVIRONMENT, arn, ref.name, f"environment {ref.name}")
            if stack is None:
                raise MigrateError(
                    f"{ref.at}: environment {ref.name}: no stack tagged proton:environment={arn} nor named "
                    f"AWSProton-{ref.name}-cloudformation-*; give its stack with 'stack:' "
                    "or its outputs with 'outputs:'"
                )
        return Outputs(stack.outputs, f"stack {stack.name} (environment {ref.name})", stack.account_id)
