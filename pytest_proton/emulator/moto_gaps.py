"""CloudFormation handlers moto 5.2 lacks or gets wrong, filled in so common stacks update and delete.

Found by the pytest_proton examples suite (issue 6), whose ``vpc-env`` is a plain public VPC:

* ``AWS::EC2::RouteTable`` has no CloudFormation delete in moto: deleting a stack skips the route
  table silently, then its VPC cannot be deleted (``DependencyViolation``), so *every* stack with a
  route table fails to delete. :func:`apply` gives moto's ``RouteTable`` the ``delete`` method that
  moto's stack deletion calls first (it deletes the table through moto's own EC2 backend, which
  still refuses while subnets are associated: the stack deletion retries it after them).
* ``AWS::EC2::VPC`` has no CloudFormation update in moto: any change to a VPC's properties (a tag)
  drops the VPC from the stack (``Fn::GetAtt references undefined resource VPC``). The update
  added here changes its tags in place, as CloudFormation does (moto's create ignores the DNS
  attributes, so does this); a new ``CidrBlock`` replaces the VPC, as in CloudFormation, except that
  moto leaves the stack's other resources (subnets) in the old VPC, which then stays.

* ``AWS::Lambda::Function``'s CloudFormation update hands an inline ``Code: ZipFile`` (plain source
  text in CloudFormation) to moto's ``update_function_code``, which expects base64 (``Incorrect
  padding``): any update of such a function fails. moto's own create converts the text into a
  zip first; the update is wrapped to do the same, then calls moto's.

The first two are added only where moto defines nothing, so a moto release that implements them
wins; the Lambda wrapper only rewrites its argument. This module can go when moto has all three
(another branch works on moto fidelity in the provisioners).
"""

from __future__ import annotations

import contextlib
from typing import Any

_applied = False


def _route_table_delete(self: Any, account_id: str, region_name: str) -> None:
    from moto.ec2.models import ec2_backends

    ec2_backends[account_id][region_name].delete_route_table(self.id)


def _vpc_update(  # noqa: PLR0917 - moto calls it with keywords, but defines it positionally
    cls: Any,
    original_resource: Any,
    new_resource_name: str,
    cloudformation_json: dict[str, Any],
    account_id: str,
    region_name: str,
) -> Any:
    from moto.ec2.models import ec2_backends

    properties = cloudformation_json.get("Properties", {})
    backend = ec2_backends[account_id][region_name]
    if properties.get("CidrBlock", original_resource.cidr_block) != original_resource.cidr_block:
        # A replacement, as in CloudFormation: a new VPC, then the old one deleted if it can be (moto
        # does not move the stack's dependents, e.g. subnets, which keep the old VPC alive in moto).
        replacement = cls.create_from_cloudformation_json(
            new_resource_name, cloudformation_json, account_id, region_name
        )
        with contextlib.suppress(Exception):  # best effort: a leftover VPC in a mock harms nothing
            backend.delete_vpc(original_resource.id)
        return replacement
    # CloudFormation sets the template's tags on the VPC; keep the aws:* tags it manages itself.
    for tag in original_resource.get_tags():
        if not str(tag["key"]).startswith("aws:"):
            backend.delete_tags([original_resource.id], {tag["key"]: None})
    for tag in properties.get("Tags", []):
        original_resource.add_tag(tag["Key"], tag["Value"])
    return original_resource


def _wrap_lambda_update(function_class: Any) -> None:
    import base64
    import copy

    moto_update = function_class.update_from_cloudformation_json.__func__

    def update(cls: Any, *args: Any, **kwargs: Any) -> Any:
        template = kwargs.get("cloudformation_json")
        code = (template or {}).get("Properties", {}).get("Code") or {}
        if isinstance(code.get("ZipFile"), str):
            template = copy.deepcopy(template)
            plain = template["Properties"]["Code"]["ZipFile"]
            template["Properties"]["Code"]["ZipFile"] = base64.b64encode(cls._create_zipfile_from_plaintext_code(plain))
            kwargs["cloudformation_json"] = template
        return moto_update(cls, *args, **kwargs)

    update.pytest_proton_wrapped = True  # type: ignore[attr-defined]
    function_class.update_from_cloudformation_json = classmethod(update)


def apply() -> None:
    """Add the missing handlers once (idempotent)."""
    global _applied
    if _applied:
        return
    from moto.awslambda.models import LambdaFunction
    from moto.ec2.models.route_tables import RouteTable
    from moto.ec2.models.vpcs import VPC

    if "delete" not in RouteTable.__dict__:
        RouteTable.delete = _route_table_delete  # type: ignore[attr-defined]
    if getattr(VPC.update_from_cloudformation_json, "__isabstractmethod__", False):
        VPC.update_from_cloudformation_json = classmethod(_vpc_update)  # type: ignore[method-assign,assignment]
    if not getattr(LambdaFunction.update_from_cloudformation_json, "pytest_proton_wrapped", False):
        _wrap_lambda_update(LambdaFunction)
    _applied = True
