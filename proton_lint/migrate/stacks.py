"""CloudFormation, as migrate reads it: stacks, their outputs and tags, found by name or by Proton's tags.

boto3 is imported here, lazily: a light install of proton_lint without it still lints and renders,
and ``migrate`` says in one line what to install. Every AWS error becomes a :class:`MigrateError`
that names the call, the stack and AWS's own code and message.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from proton_lint.migrate.errors import MigrateError, needs_boto3

#: Statuses of a stack that can be updated (anything else is busy, failed or gone).
STABLE = frozenset(
    {"CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE", "IMPORT_COMPLETE", "IMPORT_ROLLBACK_COMPLETE"}
)


@dataclass
class Stack:
    name: str
    stack_id: str
    status: str
    outputs: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    parameters: tuple[str, ...] = ()
    reason: str = ""

    @property
    def account_id(self) -> str:
        """The account, from the stack's ARN (``arn:aws:cloudformation:<region>:<account>:stack/...``)."""
        parts = self.stack_id.split(":")
        return parts[4] if len(parts) > 5 else ""


@contextmanager
def aws_errors(doing: str) -> Iterator[None]:
    """Turn boto3's failures into a MigrateError naming what was being done."""
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, NoRegionError, ProfileNotFound
    from botocore.parsers import ResponseParserError

    try:
        yield
    except ResponseParserError:
        raise MigrateError(f"{doing}: the endpoint answered with something that is not an AWS response") from None
    except ClientError as error:
        details = error.response.get("Error", {})
        raise MigrateError(f"{doing}: {details.get('Code', 'Error')}: {details.get('Message', '')}") from None
    except NoRegionError:
        raise MigrateError(f"{doing}: no AWS region; give --region or set AWS_REGION") from None
    except NoCredentialsError:
        raise MigrateError(f"{doing}: no AWS credentials; give --profile or set them in the environment") from None
    except ProfileNotFound as error:
        raise MigrateError(f"{doing}: {error}") from None
    except BotoCoreError as error:
        raise MigrateError(f"{doing}: {error}") from None


class Aws:
    """The CloudFormation (and STS) clients of one run, with the stacks listed once."""

    def __init__(self, *, region: str | None = None, profile: str | None = None, endpoint_url: str | None = None):
        try:
            import boto3
        except ImportError:
            raise needs_boto3() from None
        with aws_errors("opening the AWS session"):
            session = boto3.Session(profile_name=profile, region_name=region)
            self.cloudformation = session.client("cloudformation", endpoint_url=endpoint_url)
            self._sts = session.client("sts", endpoint_url=endpoint_url)
        self.region: str = self.cloudformation.meta.region_name
        self._listed: list[Stack] | None = None
        self._account: str | None = None

    @property
    def account_id(self) -> str:
        if self._account is None:
            with aws_errors("reading the account (sts get-caller-identity)"):
                self._account = str(self._sts.get_caller_identity()["Account"])
        return self._account

    def describe(self, name: str) -> Stack | None:
        """The stack named ``name``, or None when it does not exist."""
        from botocore.exceptions import ClientError

        try:
            found = self.cloudformation.describe_stacks(StackName=name)["Stacks"]
        except ClientError as error:
            if "does not exist" in str(error.response.get("Error", {}).get("Message", "")):
                return None
            with aws_errors(f"describing stack {name}"):
                raise
        return _stack(found[0]) if found else None

    def stacks(self) -> list[Stack]:
        """Every live stack of the account and region (listed once per run)."""
        if self._listed is None:
            with aws_errors("listing the stacks (cloudformation describe-stacks)"):
                pages = self.cloudformation.get_paginator("describe_stacks").paginate()
                self._listed = [_stack(s) for page in pages for s in page["Stacks"]]
        return [s for s in self._listed if s.status != "DELETE_COMPLETE"]

    def forget(self) -> None:
        """Stacks changed: list them again next time."""
        self._listed = None


def _stack(data: dict[str, Any]) -> Stack:
    return Stack(
        name=data["StackName"],
        stack_id=data.get("StackId", ""),
        status=data.get("StackStatus", ""),
        outputs={o["OutputKey"]: str(o.get("OutputValue", "")) for o in data.get("Outputs") or []},
        tags={t["Key"]: t["Value"] for t in data.get("Tags") or []},
        parameters=tuple(p["ParameterKey"] for p in data.get("Parameters") or []),
        reason=data.get("StackStatusReason", "") or "",
    )
