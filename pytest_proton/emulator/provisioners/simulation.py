"""Values for simulated resources: a plausible physical ID and attributes, shaped by the catalogue.

When moto cannot make a resource (cfn_template.stand_in), its ``Ref`` and ``Fn::GetAtt`` still
have to resolve. The values are derived from the resource provider schema (catalogue.py):

* ``Ref`` is the resource's primary identifier (``primaryIdentifier``): a name given in the template
  when that property is set there, else an ARN (an identifier named ``...Arn``), an ID or a name
  CloudFormation would generate (``<stack>-<logical ID>-<12 characters>``);
* an attribute (one of the schema's ``readOnlyProperties``) is a list for an ``array`` attribute,
  a number for ``integer``/``number``, an ARN for ``...Arn``, a URL or host name for
  ``...Url``/``...Endpoint``/``...DomainName``/``...DnsName``, an ID (``<prefix>-<17 hex>``) for
  ``...Id``, the generated name for ``...Name``, and an opaque token otherwise.

ARNs follow the service's usual shape: ``arn:aws:<service>:<region>:<account>:<resource>/<name>``
with the service and resource taken from the type name (``AWS::ServiceDiscovery::Service`` ->
``servicediscovery`` and ``service``). Every value is stable for a stack and logical ID, so an
update resolves to the same values.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

from pytest_proton.emulator.provisioners import catalogue


@dataclass(frozen=True)
class Simulated:
    """A resource the emulator simulates: its type, why, and the physical ID ``Ref`` gives."""

    type_name: str
    reason: str
    physical_id: str


@dataclass(frozen=True)
class Where:
    """The stack a simulated resource belongs to."""

    region: str
    account_id: str
    stack_name: str


_PARTITIONS = (("cn-", "aws-cn"), ("us-gov-", "aws-us-gov"))


def _partition(region: str) -> str:
    return next((p for prefix, p in _PARTITIONS if region.startswith(prefix)), "aws")


def _hex(seed: str, n: int) -> str:
    return hashlib.sha256(seed.encode()).hexdigest()[:n]


def _parts(type_name: str) -> tuple[str, str]:
    pieces = type_name.split("::")
    service = pieces[1].lower() if len(pieces) > 1 else "service"
    resource = pieces[2] if len(pieces) > 2 else "Resource"
    return service, resource


def _kebab(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "-", name).lower()


def generated_name(where: Where, logical_id: str, limit: int = 64) -> str:
    suffix = _hex(f"{where.stack_name}/{logical_id}", 12).upper()
    head = f"{where.stack_name}-{logical_id}"[: limit - len(suffix) - 1]
    return f"{head}-{suffix}"


def _arn(where: Where, type_name: str, name: str) -> str:
    service, resource = _parts(type_name)
    partition = _partition(where.region)
    if service == "s3":  # S3 ARNs name no Region or account (S3 User Guide, "Amazon S3 resources")
        return f"arn:{partition}:s3:::{name.lower()}"
    if service == "iam":  # IAM is global: no Region (IAM User Guide, "IAM ARNs")
        return f"arn:{partition}:iam::{where.account_id}:{_kebab(resource)}/{name}"
    return f"arn:{partition}:{service}:{where.region}:{where.account_id}:{_kebab(resource)}/{name}"


def _identifier(where: Where, logical_id: str, type_name: str) -> str:
    _, resource = _parts(type_name)
    prefix = "".join(c for c in resource if c.isupper()).lower() or resource[:3].lower()
    return f"{prefix}-{_hex(f'{where.stack_name}/{logical_id}/{type_name}', 17)}"


def _primary(where: Where, type_name: str) -> list[str]:
    found = catalogue.schema(where.region, type_name) or {}
    identifiers = found.get("primaryIdentifier") or []
    return [str(p).rsplit("/", 1)[-1] for p in identifiers]


def physical_id(where: Where, logical_id: str, type_name: str, properties: dict[str, Any]) -> str:
    """What ``Ref`` gives for the simulated resource (see the module docs)."""
    names = _primary(where, type_name)
    given = [properties.get(n) for n in names]
    if names and all(isinstance(v, str) and v for v in given):
        return "|".join(str(v) for v in given)
    first = names[0] if names else "Id"
    return _shaped(where, logical_id, type_name, first, {"type": "string"})


def attribute(where: Where, logical_id: str, type_name: str, name: str, properties: dict[str, Any]) -> Any:
    """What ``Fn::GetAtt`` gives for attribute ``name`` of the simulated resource."""
    given = properties.get(name)
    if isinstance(given, (str, int, float)) and not isinstance(given, bool):
        return given  # an attribute that echoes a property the template set (e.g. Name)
    return _shaped(where, logical_id, type_name, name, catalogue.attribute_schema(where.region, type_name, name))


def _shaped(where: Where, logical_id: str, type_name: str, name: str, shape: dict[str, Any]) -> Any:
    leaf = name.rsplit(".", 1)[-1]
    kind = shape.get("type")
    if kind == "array":
        return (
            [f"{_shaped(where, logical_id, type_name, leaf, {})}-{i}" for i in (1, 2)]
            if leaf != "NameServers"
            else [
                f"ns-{int(_hex(logical_id + str(i), 3), 16) % 2048}.awsdns-{i:02d}.{tld}"
                for i, tld in ((1, "com"), (2, "net"), (3, "org"), (4, "co.uk"))
            ]
        )
    if kind in ("integer", "number"):
        return int(_hex(f"{logical_id}/{name}", 4), 16) % 1000 + 1
    lowered = leaf.lower()
    resource_name = generated_name(where, logical_id)
    if lowered.endswith("arn"):
        return _arn(where, type_name, resource_name)
    if lowered.endswith(("url", "uri")):
        return f"https://{_host(where, logical_id, type_name)}"
    if lowered.endswith(("endpoint", "domainname", "dnsname", "address", "hostname")):
        return _host(where, logical_id, type_name)
    if lowered.endswith("name"):
        return resource_name
    if lowered.endswith("id") or lowered in ("id", "identifier"):
        return _identifier(where, logical_id, type_name)
    return f"{_kebab(leaf)}-{_hex(f'{where.stack_name}/{logical_id}/{name}', 12)}"


def _host(where: Where, logical_id: str, type_name: str) -> str:
    service, _ = _parts(type_name)
    return f"{_hex(f'{where.stack_name}/{logical_id}', 10)}.{service}.{where.region}.amazonaws.com"
