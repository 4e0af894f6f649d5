"""What ``proton-lint migrate`` reports instead of a traceback.

A :class:`MigrateError` is something the user can fix or must know (a bad inventory, a missing stack
or output, a change set CloudFormation refused or that would replace a resource): its message is
printed as is and the command exits 1. Anything else is an internal error (exit 2).
"""

from __future__ import annotations


class MigrateError(Exception):
    """A problem the user can act on; the message names the file and line, stack, output or resource."""


def needs_boto3() -> MigrateError:
    return MigrateError("it talks to CloudFormation through boto3, which is not installed: pip install boto3")
