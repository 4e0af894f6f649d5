"""``--apply``: deploy the plan through CloudFormation, step by step, in order.

For each step the template is rendered again with the outputs the previous steps' stacks have now.
An existing stack is updated through a change set: a change set that would replace or remove a
resource stops the plan (unless ``--allow-replacement``), one without changes counts as done. A
missing stack is created, with Proton's tags. The stack's tags are kept. A failed step stops the
plan with CloudFormation's reason; a rerun after a fix finds the finished steps unchanged.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TextIO

from proton_lint.migrate import templates
from proton_lint.migrate.errors import MigrateError
from proton_lint.migrate.plan import Plan, Step
from proton_lint.migrate.rendering import Pending, render_step
from proton_lint.migrate.replacement import parse_template, refusals
from proton_lint.migrate.stacks import STABLE, Aws, aws_errors
from proton_lint.migrate.upstream import Upstream

CAPABILITIES = ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"]
#: CloudFormation's limit for a template passed in the request (larger ones must come from S3)
TEMPLATE_BODY_LIMIT = 51_200
#: how CloudFormation says a change set has nothing to do
NO_CHANGES = ("didn't contain changes", "No updates are to be performed")


@dataclass
class Waiting:
    """How long to wait for CloudFormation (seconds): first poll, longest poll, give up after."""

    first: float = 2.0
    longest: float = 15.0
    timeout: float = 3 * 3600.0
    sleep: Callable[[float], None] = time.sleep


class Applier:
    def __init__(
        self,
        plan: Plan,
        aws: Aws,
        upstream: Upstream,
        *,
        out: TextIO,
        allow_replacement: bool = False,
        wrote: Callable[[Step, Any], None] | None = None,
        waiting: Waiting | None = None,
    ) -> None:
        self.plan, self.aws, self.upstream, self.out = plan, aws, upstream, out
        self.allow_replacement = allow_replacement
        self.wrote = wrote or (lambda _step, _rendered: None)
        self.waiting = waiting or Waiting()

    @property
    def cfn(self) -> Any:
        return self.aws.cloudformation

    def run(self) -> None:
        total = len(self.plan.steps)
        for index, step in enumerate(self.plan.steps, 1):
            prefix = f"[{index}/{total}] {step.id}"
            rendered = render_step(step, self.plan, self.upstream)
            if isinstance(rendered, Pending):  # its upstream was not deployed by an earlier step
                raise MigrateError(f"{prefix}: needs {rendered.waits_for}, which has no stack")
            self.wrote(step, rendered)
            if step.engine == templates.TERRAFORM:
                self.out.write(f"{prefix}: Terraform, not applied: run terraform plan in {step.template}\n")
                continue
            self.out.write(f"{prefix}: stack {step.stack_name} ...\n")
            self.out.flush()
            apply = self._update if step.stack_exists else self._create
            result = apply(step, rendered.template)
            step.stack_exists = True
            self.upstream.forget(step.id)
            self.aws.forget()
            self.out.write(f"{prefix}: {result}\n")

    # -- update ------------------------------------------------------------------------------
    def _update(self, step: Step, template: str) -> str:
        name = str(step.stack_name)
        stack = self.aws.describe(name)
        if stack is None:
            raise MigrateError(f"{step.id}: stack {name} no longer exists")
        if stack.status not in STABLE:
            raise MigrateError(f"{step.id}: stack {name} is {stack.status}; it must be stable before an update")
        _fits_body(step, template)
        tags = [{"Key": k, "Value": v} for k, v in stack.tags.items() if not k.startswith("aws:")]
        new = parse_template(template)
        parameters = [
            {"ParameterKey": p, "UsePreviousValue": True}
            for p in stack.parameters
            if p in (new.get("Parameters") or {})
        ]
        change_set = f"proton-lint-migrate-{uuid.uuid4().hex[:12]}"
        with aws_errors(f"{step.id}: creating a change set for stack {name}"):
            created = self.cfn.create_change_set(
                StackName=name,
                ChangeSetName=change_set,
                ChangeSetType="UPDATE",
                TemplateBody=template,
                Capabilities=CAPABILITIES,
                Tags=tags,
                Parameters=parameters,
                Description="proton-lint migrate: the Proton template rendered with its spec and real outputs",
            )
        described = self._wait_change_set(step, created["Id"], name)
        if described.get("Status") == "FAILED":
            self._delete_change_set(created["Id"], name)
            reason = str(described.get("StatusReason", ""))
            if any(words in reason for words in NO_CHANGES):
                return "unchanged"
            raise MigrateError(f"{step.id}: CloudFormation refused the change set for stack {name}: {reason}")
        changes = self._changes(created["Id"], name, described)
        self._refuse_replacements(step, name, changes, new, created["Id"])
        with aws_errors(f"{step.id}: executing the change set of stack {name}"):
            self.cfn.execute_change_set(ChangeSetName=created["Id"], StackName=name)
        status = self._wait_stack(step, stack.stack_id or name)
        if status != "UPDATE_COMPLETE":
            raise MigrateError(f"{step.id}: the update of stack {name} ended {status}: {self._failure(stack.stack_id)}")
        return f"updated ({len(changes)} resource change{'s' if len(changes) != 1 else ''})"

    def _refuse_replacements(
        self, step: Step, name: str, changes: list[dict], new: dict[str, Any], change_set: str
    ) -> None:
        with aws_errors(f"{step.id}: reading the template of stack {name}"):
            body = self.cfn.get_template(StackName=name, TemplateStage="Original")["TemplateBody"]
        refused = refusals(changes, parse_template(body), new, self.plan.region)
        if not refused:
            return
        if self.allow_replacement:
            for refusal in refused:
                self.out.write(f"  replacing or removing (allowed): {refusal}\n")
            return
        self._delete_change_set(change_set, name)
        listed = "\n".join(f"  - {r}" for r in refused)
        raise MigrateError(
            f"{step.id}: stopped before changing stack {name}: its change set would replace or remove:\n{listed}\n"
            "Nothing was changed. Rerun with --allow-replacement to accept that, or change the spec back."
        )

    def _changes(self, change_set: str, name: str, first: dict[str, Any]) -> list[dict[str, Any]]:
        changes = list(first.get("Changes") or [])
        token = first.get("NextToken")
        while token:
            with aws_errors(f"reading the change set of stack {name}"):
                page = self.cfn.describe_change_set(ChangeSetName=change_set, StackName=name, NextToken=token)
            changes += page.get("Changes") or []
            token = page.get("NextToken")
        return changes

    def _delete_change_set(self, change_set: str, name: str) -> None:
        with aws_errors(f"deleting the change set of stack {name}"):
            self.cfn.delete_change_set(ChangeSetName=change_set, StackName=name)

    # -- create ------------------------------------------------------------------------------
    def _create(self, step: Step, template: str) -> str:
        name = str(step.stack_name)
        _fits_body(step, template)
        with aws_errors(f"{step.id}: creating stack {name}"):
            created = self.cfn.create_stack(
                StackName=name,
                TemplateBody=template,
                Capabilities=CAPABILITIES,
                Tags=[{"Key": k, "Value": v} for k, v in step.tags.items()],
                OnFailure="DELETE",
            )
        status = self._wait_stack(step, created["StackId"])
        if status != "CREATE_COMPLETE":
            raise MigrateError(f"{step.id}: creating stack {name} ended {status}: {self._failure(created['StackId'])}")
        return "created"

    # -- waiting -----------------------------------------------------------------------------
    def _poll(self, step: Step, read: Callable[[], tuple[bool, Any]]) -> Any:
        waited, delay = 0.0, self.waiting.first
        while True:
            done, value = read()
            if done:
                return value
            if waited >= self.waiting.timeout:
                raise MigrateError(f"{step.id}: CloudFormation did not finish within {int(self.waiting.timeout)} s")
            self.waiting.sleep(delay)
            waited += delay
            delay = min(delay * 2, self.waiting.longest)

    def _wait_change_set(self, step: Step, change_set: str, name: str) -> dict[str, Any]:
        def read() -> tuple[bool, Any]:
            with aws_errors(f"{step.id}: reading the change set of stack {name}"):
                found = self.cfn.describe_change_set(ChangeSetName=change_set, StackName=name)
            return found.get("Status") in ("CREATE_COMPLETE", "FAILED"), found

        return self._poll(step, read)  # type: ignore[no-any-return]

    def _wait_stack(self, step: Step, stack_id: str) -> str:
        def read() -> tuple[bool, Any]:
            with aws_errors(f"{step.id}: reading stack {step.stack_name}"):
                found = self.cfn.describe_stacks(StackName=stack_id)["Stacks"][0]
            status = str(found.get("StackStatus", ""))
            return not status.endswith("_IN_PROGRESS"), status

        return self._poll(step, read)  # type: ignore[no-any-return]

    def _failure(self, stack_id: str) -> str:
        """CloudFormation's reason: the first resource that failed, from the stack's events."""
        try:
            with aws_errors("reading the stack's events"):
                events = self.cfn.describe_stack_events(StackName=stack_id).get("StackEvents") or []
        except MigrateError as error:
            return str(error)
        for event in reversed(events):  # oldest first
            if str(event.get("ResourceStatus", "")).endswith("_FAILED") and event.get("ResourceStatusReason"):
                return (
                    f"{event.get('LogicalResourceId')} ({event.get('ResourceType')}): {event['ResourceStatusReason']}"
                )
        return "CloudFormation gave no reason (see the stack's events in the console)"


def _fits_body(step: Step, template: str) -> None:
    size = len(template.encode("utf-8"))
    if size > TEMPLATE_BODY_LIMIT:
        raise MigrateError(
            f"{step.id}: the rendered template has {size} bytes; CloudFormation takes at most {TEMPLATE_BODY_LIMIT} "
            "in a request and larger ones from S3, which migrate does not upload: deploy it with deploy.sh "
            "(aws cloudformation deploy --s3-bucket BUCKET)"
        )
