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

* A change set that moto executes (``ExecuteChangeSet``) changes the stack's resources but not its
  outputs: they keep the values of the template before (or stay empty after a ``CREATE`` change
  set). The stack's template and outputs are read again from the change set's template, as
  CloudFormation does. (moto's change sets also leave out ``Replacement`` and ``Details``:
  ``proton_lint.migrate.replacement`` works replacement out when they are absent.)

The first two are added only where moto defines nothing, so a moto release that implements them
wins; the Lambda wrapper only rewrites its argument.

Where moto cannot make a resource at all, the emulator simulates it (cfn_template.stand_in); what
moto only finds out while it creates the stack is turned into :class:`SimulationNeeded` here:

* an ``Fn::GetAtt`` moto cannot answer (the model has no ``get_cfn_attribute``, as
  ``AWS::Route53::HostedZone`` for ``NameServers``, or refuses an attribute CloudFormation has);
* an internal error of moto's model while it creates or updates a resource (an
  ``AWS::SSM::Parameter`` without ``Name``: moto reads ``None.lower()``). Errors moto raises as AWS
  errors (``RESTError``: a service's validation) stay errors: they are the verdict AWS would give.

The provisioner then deploys again with that resource simulated. An internal error while moto
deletes a resource is ignored (the resource counts as deleted), as no AWS error stands behind it.
``Fn::Cidr``, which moto leaves unevaluated (its models then fail on the object), is evaluated here,
so subnets cut with it are real.

Validations where moto is stricter than AWS follow AWS here (each with its source):

* IAM policy documents without ``Version`` are accepted (moto: ``MalformedPolicyDocument``);
* ELBv2 target group names with two consecutive hyphens are accepted (moto: ``ValidationError``).
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


# -- simulation where moto falls short --------------------------------------------------------------
class SimulationNeeded(Exception):  # a signal to the provisioner, never shown to users
    """moto cannot make (or read) this resource; the emulator must simulate it."""

    def __init__(self, logical_id: str, type_name: str, reason: str) -> None:
        super().__init__(f"{logical_id} ({type_name}): {reason}")
        self.logical_id = logical_id
        self.type_name = type_name
        self.reason = reason


def _is_aws_error(error: BaseException) -> bool:
    """An error moto raises as AWS would (a service's verdict), as opposed to a bug of its model."""
    from botocore.exceptions import ClientError
    from moto.core.exceptions import ServiceException, _RESTError

    return isinstance(error, (_RESTError, ServiceException, ClientError, SimulationNeeded))


def _wrap_create(parsing: Any) -> None:
    moto_create = parsing.parse_and_create_resource

    def create(logical_id: str, resource_json: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return moto_create(logical_id, resource_json, *args, **kwargs)
        except Exception as error:
            if _is_aws_error(error):
                raise
            reason = "moto could not create it (an internal error of its model)"
            raise SimulationNeeded(logical_id, str(resource_json.get("Type")), reason) from None

    def update(logical_id: str, resource_json: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return moto_update(logical_id, resource_json, *args, **kwargs)
        except Exception as error:
            if _is_aws_error(error):
                raise
            reason = "moto could not update it (an internal error of its model)"
            raise SimulationNeeded(logical_id, str(resource_json.get("Type")), reason) from None

    moto_update = parsing.parse_and_update_resource
    create.pytest_proton_wrapped = True  # type: ignore[attr-defined]
    parsing.parse_and_create_resource = create
    parsing.parse_and_update_resource = update


def _wrap_get_att(parsing: Any) -> None:
    """``Fn::GetAtt`` of an attribute moto's model cannot give becomes :class:`SimulationNeeded`."""
    from moto.cloudformation.exceptions import UnformattedGetAttTemplateException

    moto_clean = parsing.clean_json

    def clean_json(resource_json: Any, resources_map: Any) -> Any:
        if isinstance(resource_json, dict) and set(resource_json) == {"Fn::Cidr"}:
            return _cidr(clean_json(resource_json["Fn::Cidr"], resources_map))
        if isinstance(resource_json, dict) and "Fn::GetAtt" in resource_json:
            name, attribute = resource_json["Fn::GetAtt"][0], resource_json["Fn::GetAtt"][1]
            resource = resources_map.get(name)
            if resource is not None and not isinstance(resource, (str, list, dict)):
                type_name = str(getattr(resource, "cf_resource_type", None) or "")
                try:
                    return resource.get_cfn_attribute(attribute)
                except (AttributeError, NotImplementedError, UnformattedGetAttTemplateException, KeyError):
                    reason = f"moto cannot return its {attribute} attribute"
                    raise SimulationNeeded(name, type_name, reason) from None
        return moto_clean(resource_json, resources_map)

    parsing.clean_json = clean_json


def _cidr(arguments: Any) -> list[str]:
    """``Fn::Cidr [ipBlock, count, cidrBits]``, which moto does not evaluate: the first ``count``
    blocks of ``cidrBits`` host bits in ``ipBlock`` (CloudFormation User Guide, "Fn::Cidr")."""
    import ipaddress

    block, count, bits = arguments
    network = ipaddress.ip_network(str(block), strict=False)
    prefix = network.max_prefixlen - int(bits)
    subnets = network.subnets(new_prefix=prefix)
    return [str(next(subnets)) for _ in range(int(count))]


def _wrap_delete(resource_map: Any) -> None:
    moto_delete = resource_map._delete_resource

    def delete(self: Any, parsed_resource: Any, resource_json: dict[str, Any]) -> None:
        try:
            moto_delete(self, parsed_resource, resource_json)
        except Exception as error:
            if _is_aws_error(error):
                raise  # a dependency violation: moto retries after the other resources

    resource_map._delete_resource = delete


# -- validations where moto is stricter than AWS -------------------------------------------------------
def _accept_policy_without_version(validator: Any) -> None:
    """IAM: "If you do not include a Version element, the value defaults to 2008-10-17" (IAM User Guide,
    "IAM JSON policy elements: Version"); AWS accepts such a policy. moto asserts ``2012-10-17``."""
    moto_check = validator._validate_version

    def validate_version(self: Any) -> None:
        if "Version" not in self._policy_json:
            return
        moto_check(self)

    validator._validate_version = validate_version


def _accept_double_hyphen_target_groups(backend: Any) -> None:
    """ELBv2 CreateTargetGroup, ``Name``: "can have a maximum of 32 characters, must contain only
    alphanumeric characters or hyphens, and must not begin or end with a hyphen" (Elastic Load
    Balancing API Reference, CreateTargetGroup). moto also refuses ``--``, which AWS allows: the
    group is created under a same-length name without ``--``, then given its real name and ARN."""
    import re

    moto_create = backend.create_target_group

    def create_target_group(self: Any, name: str, **kwargs: Any) -> Any:
        if "--" not in name or len(name) > 32 or not re.fullmatch(r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?", name):
            return moto_create(self, name, **kwargs)
        if any(group.name == name for group in self.target_groups.values()):
            return moto_create(self, name, **kwargs)  # moto's own DuplicateTargetGroupName
        stand_in = name.replace("--", "-x")
        group = moto_create(self, stand_in, **kwargs)
        old_arn = group.arn
        group.name = name
        group.arn = old_arn.replace(f":targetgroup/{stand_in}/", f":targetgroup/{name}/")
        self.target_groups[group.arn] = self.target_groups.pop(old_arn)
        return group

    backend.create_target_group = create_target_group


def _wrap_change_set_apply(change_set_class: Any) -> None:
    original = change_set_class.apply

    def apply_change_set(self: Any) -> None:
        original(self)
        stack = self.stack
        stack.template = self.template
        stack._parse_template()  # moto's own way to read a template into the stack
        stack.output_map = stack._create_output_map()

    apply_change_set.pytest_proton_wrapped = True  # type: ignore[attr-defined]
    change_set_class.apply = apply_change_set


def apply() -> None:
    """Add the missing handlers once (idempotent)."""
    global _applied
    if _applied:
        return
    from moto.cloudformation import parsing
    from moto.elbv2.models import ELBv2Backend
    from moto.iam.policy_validation import BaseIAMPolicyValidator

    if not getattr(parsing.parse_and_create_resource, "pytest_proton_wrapped", False):
        _wrap_create(parsing)
        _wrap_get_att(parsing)
        _wrap_delete(parsing.ResourceMap)
        _accept_policy_without_version(BaseIAMPolicyValidator)
        _accept_double_hyphen_target_groups(ELBv2Backend)
    from moto.awslambda.models import LambdaFunction
    from moto.ec2.models.route_tables import RouteTable
    from moto.ec2.models.vpcs import VPC

    if "delete" not in RouteTable.__dict__:
        RouteTable.delete = _route_table_delete  # type: ignore[attr-defined]
    if getattr(VPC.update_from_cloudformation_json, "__isabstractmethod__", False):
        VPC.update_from_cloudformation_json = classmethod(_vpc_update)  # type: ignore[method-assign,assignment]
    if not getattr(LambdaFunction.update_from_cloudformation_json, "pytest_proton_wrapped", False):
        _wrap_lambda_update(LambdaFunction)
    from moto.cloudformation.models import ChangeSet

    if not getattr(ChangeSet.apply, "pytest_proton_wrapped", False):
        _wrap_change_set_apply(ChangeSet)
    _applied = True
