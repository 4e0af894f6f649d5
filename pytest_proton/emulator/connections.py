"""Environment account connections: made in an environment account, accepted in a management account."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

PENDING = "PENDING"
CONNECTED = "CONNECTED"
REJECTED = "REJECTED"

MAX_CONNECTIONS_PER_ENVIRONMENT_ACCOUNT = 5  # proton-rules §8 API-32


@dataclass
class EnvironmentAccountConnection:
    id: str
    arn: str
    environment_account_id: str
    environment_name: str
    management_account_id: str
    requested_at: datetime
    last_modified_at: datetime
    role_arn: str | None = None
    codebuild_role_arn: str | None = None
    component_role_arn: str | None = None
    status: str = PENDING

    def to_dict(self) -> dict[str, Any]:
        """The ``EnvironmentAccountConnection`` shape (the summary is a subset)."""
        return {
            "id": self.id,
            "arn": self.arn,
            "environmentAccountId": self.environment_account_id,
            "environmentName": self.environment_name,
            "managementAccountId": self.management_account_id,
            "requestedAt": self.requested_at,
            "lastModifiedAt": self.last_modified_at,
            # Required in the output shape though optional on input.
            "roleArn": self.role_arn or "",
            "codebuildRoleArn": self.codebuild_role_arn,
            "componentRoleArn": self.component_role_arn,
            "status": self.status,
        }
