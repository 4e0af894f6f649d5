"""Proton ARNs: ``arn:<partition>:proton:<region>:<account>:<resource-type>/<id>``."""

from __future__ import annotations

from dataclasses import dataclass

from moto.utilities.utils import get_partition


@dataclass(frozen=True)
class ProtonArn:
    partition: str
    region: str
    account: str
    resource_type: str  # e.g. "environment-template"
    resource_id: str  # everything after the first "/", e.g. "web" or "web:1.0"

    def __str__(self) -> str:
        return f"arn:{self.partition}:proton:{self.region}:{self.account}:{self.resource_type}/{self.resource_id}"


def build_arn(region: str, account: str, resource_type: str, resource_id: str) -> str:
    return str(ProtonArn(get_partition(region), region, account, resource_type, resource_id))


def parse_arn(arn: str) -> ProtonArn | None:
    """The parts of a Proton ARN, or None when ``arn`` is not one."""
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or parts[2] != "proton" or "/" not in parts[5]:
        return None
    resource_type, resource_id = parts[5].split("/", 1)
    if not resource_type or not resource_id:
        return None
    return ProtonArn(parts[1], parts[3], parts[4], resource_type, resource_id)
