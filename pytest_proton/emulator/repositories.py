"""Linked repositories (CreateRepository): a git repository Proton reaches through a CodeStar connection."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

PROVIDERS = ("GITHUB", "GITHUB_ENTERPRISE", "BITBUCKET")
# AWS CodeStar Connections was renamed AWS CodeConnections; both ARN service names are accepted.
CONNECTION_SERVICES = ("codestar-connections", "codeconnections")


def repository_id(provider: str, name: str) -> str:
    """The ARN resource id: ``<provider in lower case>:<owner/repo>`` (``…:repository/github:owner/repo``)."""
    return f"{provider.lower()}:{name}"


@dataclass
class Repository:
    provider: str
    name: str
    arn: str
    connection_arn: str
    encryption_key: str | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (self.provider, self.name)

    def to_dict(self) -> dict[str, Any]:
        """The ``Repository`` shape (``RepositorySummary`` is the subset without ``encryptionKey``)."""
        return {
            "arn": self.arn,
            "name": self.name,
            "provider": self.provider,
            "connectionArn": self.connection_arn,
            "encryptionKey": self.encryption_key,
        }

    def branch(self, branch: str) -> dict[str, str]:
        """The ``RepositoryBranch`` shape for ``branch`` of this repository."""
        return {"arn": self.arn, "name": self.name, "provider": self.provider, "branch": branch}
