"""The ``moto`` provisioner (default): stacks in moto's own CloudFormation backend, in-process.

It calls ``moto.cloudformation.models.cloudformation_backends[account][region]`` directly rather
than a boto3 client: that works the same under ``mock_aws()`` and in moto's server mode (where no
mock is active in the server's threads, and a boto3 client would try real AWS). moto creates
stacks synchronously and reports template errors as Python exceptions, never as a stack status;
every one becomes a :class:`ProvisioningError`. A failed create deletes what was made; a failed
update re-applies the previous template (CloudFormation's update rollback).

A delete removes every resource of the stack, as CloudFormation does (moto 5.2 cannot delete a
route table from a stack; ``moto_gaps.py`` fills that in). A stack that cannot be
deleted stays listed, as CloudFormation's ``DELETE_FAILED`` does.
"""

from __future__ import annotations

from typing import Any

from pytest_proton.emulator.provisioners.base import (
    ProvisioningError,
    StackResult,
    StackTarget,
    output_entries,
    resource_entry,
)


def _backend(target: StackTarget) -> Any:
    from moto.cloudformation.models import cloudformation_backends

    return cloudformation_backends[target.account_id][target.region]


def _find(backend: Any, name: str) -> Any:
    for stack in backend.stacks.values():
        if stack.name == name:
            return stack
    return None


def _describe(error: BaseException) -> str:
    """An AWS error as AWS words it (its code and message); never a Python exception's text."""
    from botocore.exceptions import ClientError
    from moto.core.exceptions import ServiceException, _RESTError

    if isinstance(error, _RESTError):
        return f"{error.error_type}: {error.message}"
    if isinstance(error, ServiceException):
        return f"{error.code}: {error.message}"
    if isinstance(error, ClientError):
        details = error.response.get("Error", {})
        return f"{details.get('Code', 'Error')}: {details.get('Message', '')}"
    return "the emulator's CloudFormation (moto) failed on this template with an internal error"


def _simulate(error: BaseException) -> tuple[str, str] | None:
    from pytest_proton.emulator.moto_gaps import SimulationNeeded

    return (error.logical_id, error.reason) if isinstance(error, SimulationNeeded) else None


class MotoProvisioner:
    name = "moto"
    #: stand in for resource types moto lacks (cfn_template.stand_in)
    placeholders = True

    def apply(self, target: StackTarget, template: str, previous: str | None) -> StackResult:
        backend = _backend(target)
        stack = _find(backend, target.stack_name)
        if stack is None:
            try:
                stack = backend.create_stack(target.stack_name, template, {}, tags=dict(target.tags))
                return self._result(stack)  # moto resolves outputs lazily: their errors surface here
            except Exception as error:  # noqa: BLE001 - moto reports template errors as any exception
                self._discard(backend, target.stack_name)
                raise ProvisioningError(
                    f"CloudFormation could not create the stack {target.stack_name}: {_describe(error)}",
                    _simulate(error),
                ) from None
        try:
            backend.update_stack(target.stack_name, template, None, [], dict(target.tags))
            return self._result(stack)
        except Exception as error:  # noqa: BLE001
            self._roll_back(backend, target, previous)
            raise ProvisioningError(
                f"CloudFormation could not update the stack {target.stack_name}: {_describe(error)}; "
                "the stack was rolled back",
                _simulate(error),
            ) from None

    def delete(self, target: StackTarget) -> None:
        backend = _backend(target)
        stack = _find(backend, target.stack_name)
        if stack is None:
            return
        try:
            backend.delete_stack(stack.stack_id)
        except Exception as error:  # noqa: BLE001 - moto reports failures as any exception
            backend.stacks[stack.stack_id] = stack  # still there, as a DELETE_FAILED stack is
            raise ProvisioningError(
                f"CloudFormation could not delete the stack {target.stack_name}: {_describe(error)}"
            ) from None

    @staticmethod
    def _discard(backend: Any, name: str) -> None:
        stack = _find(backend, name)
        if stack is None:
            return
        try:
            backend.delete_stack(stack.stack_id)
        except Exception:  # noqa: BLE001 - a half-made stack is removed as far as moto can
            backend.stacks.pop(stack.stack_id, None)

    @staticmethod
    def _roll_back(backend: Any, target: StackTarget, previous: str | None) -> None:
        if previous is None:
            return
        try:
            backend.update_stack(target.stack_name, previous, None, [], dict(target.tags))
        except Exception:  # noqa: BLE001 - the previous template deployed before; moto state is best effort
            return

    @staticmethod
    def _result(stack: Any) -> StackResult:
        outputs = [(o["OutputKey"], o["OutputValue"]) for o in stack.outputs or []]
        resources = []
        for logical_id, resource in stack.resource_map.items():
            physical = getattr(resource, "physical_resource_id", None) if resource is not None else None
            if physical:
                resources.append(resource_entry(str(logical_id), str(physical)))
        return StackResult(output_entries(outputs), resources)
