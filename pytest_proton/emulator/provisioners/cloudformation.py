"""The ``cloudformation`` provisioner: the same stacks through a boto3 CloudFormation client.

The client is built from configuration (endpoint URL, region, credentials), so the emulator can
drive a real CloudFormation or moto in server mode (``moto.server.ThreadedMotoServer``): a
self-hosted Proton control plane. The account is the one the credentials belong to; the region is
the configured one, else the resource's. Stack operations are waited on (``stack_create_complete``
and friends); a stack that ends in a failed or rolled-back state is a :class:`ProvisioningError`
naming the stack, its status and the first failed resource's reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pytest_proton.emulator.provisioners.base import (
    ProvisioningError,
    StackResult,
    StackTarget,
    output_entries,
    resource_entry,
)


@dataclass
class CloudFormationProvisioner:
    endpoint_url: str | None = None
    region: str | None = None
    aws_access_key_id: str | None = None
    aws_secret_access_key: str | None = None
    aws_session_token: str | None = None
    #: stand in for resource types moto lacks (set it when the endpoint is moto's server)
    placeholders: bool = False
    #: seconds between polls of a stack operation, and the most polls
    delay: float = 0.2
    max_attempts: int = 300
    name: str = "cloudformation"
    _clients: dict[str, Any] = field(default_factory=dict, repr=False)

    def client(self, target: StackTarget) -> Any:
        region = self.region or target.region
        client = self._clients.get(region)
        if client is None:
            import boto3

            client = boto3.client(
                "cloudformation",
                region_name=region,
                endpoint_url=self.endpoint_url,
                aws_access_key_id=self.aws_access_key_id,
                aws_secret_access_key=self.aws_secret_access_key,
                aws_session_token=self.aws_session_token,
            )
            self._clients[region] = client
        return client

    def _wait(self, client: Any, waiter: str, name: str, what: str) -> None:
        from botocore.exceptions import WaiterError

        try:
            client.get_waiter(waiter).wait(
                StackName=name, WaiterConfig={"Delay": self.delay, "MaxAttempts": self.max_attempts}
            )
        except WaiterError:
            raise ProvisioningError(
                f"CloudFormation could not {what} the stack {name}: {self._why(client, name)}"
            ) from None

    @staticmethod
    def _why(client: Any, name: str) -> str:
        try:
            stack = client.describe_stacks(StackName=name)["Stacks"][0]
            events = client.describe_stack_events(StackName=name)["StackEvents"]
        except Exception as error:  # noqa: BLE001
            return str(error)
        failed = [e for e in events if str(e.get("ResourceStatus", "")).endswith("FAILED")]
        reason = f"; {failed[0]['LogicalResourceId']}: {failed[0].get('ResourceStatusReason')}" if failed else ""
        return f"status {stack['StackStatus']}{reason}"

    def apply(self, target: StackTarget, template: str, previous: str | None) -> StackResult:  # noqa: ARG002
        """CloudFormation rolls a failed update back itself: ``previous`` is not needed."""
        from botocore.exceptions import ClientError

        client = self.client(target)
        name = target.stack_name
        tags = [{"Key": k, "Value": v} for k, v in target.tags.items()]
        exists = self._exists(client, name)
        try:
            if not exists:
                client.create_stack(
                    StackName=name, TemplateBody=template, Tags=tags, Capabilities=["CAPABILITY_NAMED_IAM"]
                )
                self._wait(client, "stack_create_complete", name, "create")
            else:
                try:
                    client.update_stack(
                        StackName=name, TemplateBody=template, Tags=tags, Capabilities=["CAPABILITY_NAMED_IAM"]
                    )
                except ClientError as error:
                    if "No updates are to be performed" not in str(error):
                        raise
                else:
                    self._wait(client, "stack_update_complete", name, "update")
        except ClientError as error:
            verb = "update" if exists else "create"
            if not exists:
                self._discard(client, name)
            raise ProvisioningError(
                f"CloudFormation could not {verb} the stack {name}: {error.response['Error'].get('Message', error)}"
            ) from None
        except ProvisioningError:
            if not exists:
                self._discard(client, name)
            raise
        return self._result(client, name)

    def delete(self, target: StackTarget) -> None:
        client = self.client(target)
        if not self._exists(client, target.stack_name):
            return
        client.delete_stack(StackName=target.stack_name)
        self._wait(client, "stack_delete_complete", target.stack_name, "delete")

    @staticmethod
    def _exists(client: Any, name: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            stacks = client.describe_stacks(StackName=name)["Stacks"]
        except ClientError:
            return False
        return any(s.get("StackStatus") != "DELETE_COMPLETE" for s in stacks)

    @staticmethod
    def _discard(client: Any, name: str) -> None:
        try:
            client.delete_stack(StackName=name)
        except Exception:  # noqa: BLE001 - best effort: a failed create leaves nothing to keep
            return

    @staticmethod
    def _result(client: Any, name: str) -> StackResult:
        stack = client.describe_stacks(StackName=name)["Stacks"][0]
        outputs = [(o["OutputKey"], o.get("OutputValue")) for o in stack.get("Outputs") or []]
        resources = []
        paginator = client.get_paginator("list_stack_resources")
        for page in paginator.paginate(StackName=name):
            for summary in page.get("StackResourceSummaries", []):
                if summary.get("PhysicalResourceId"):
                    resources.append(resource_entry(summary["LogicalResourceId"], summary["PhysicalResourceId"]))
        return StackResult(output_entries(outputs), resources)
