"""Environment account connections: request, accept, reject, update, delete (across accounts).

A mixin of :class:`~pytest_proton.emulator.models.ProtonBackend`, whose state it reads and changes.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from pytest_proton.emulator.connections import (
    CONNECTED,
    PENDING,
    REJECTED,
    EnvironmentAccountConnection,
)
from pytest_proton.emulator.exceptions import (
    ConflictException,
    ResourceNotFoundException,
    ServiceQuotaExceededException,
)
from pytest_proton.emulator.tags import tags_to_dict

if TYPE_CHECKING:
    from pytest_proton.emulator.models import ProtonBackend

    _Base = ProtonBackend
else:
    _Base = object


class ConnectionsMixin(_Base):
    def _peer_backends(self) -> list[ProtonBackend]:
        """This Region's backends of every account moto has built so far (this one first)."""
        peers: list[ProtonBackend] = [self]
        from pytest_proton.emulator.models import proton_backends

        for account_id in list(proton_backends.keys()):
            if account_id == self.account_id:
                continue
            regions = proton_backends[account_id]
            if self.region_name in regions:
                peers.append(regions[self.region_name])
        return peers

    def _find_connection(self, connection_id: str) -> EnvironmentAccountConnection | None:
        """A connection this account can see: made here, or naming this account as management account."""
        if connection_id in self.connections:
            return self.connections[connection_id]
        for peer in self._peer_backends()[1:]:
            connection = peer.connections.get(connection_id)
            if connection is not None and connection.management_account_id == self.account_id:
                return connection
        return None

    def _owner_of(self, connection: EnvironmentAccountConnection) -> ProtonBackend:
        for peer in self._peer_backends():
            if peer.connections.get(connection.id) is connection:
                return peer
        return self

    def _connection_alive(self, connection: EnvironmentAccountConnection) -> bool:
        return self.connections.get(connection.id) is connection

    def create_connection(self, params: dict[str, Any]) -> EnvironmentAccountConnection:
        operation = "CreateEnvironmentAccountConnection"
        now = self.now()
        original = self.client_tokens.lookup(operation, params, now, self._connection_alive)
        if original is not None:
            return original  # type: ignore[no-any-return]
        if len(self.connections) >= self.connection_quota:
            raise ServiceQuotaExceededException(
                f"This environment account already has {self.connection_quota} environment account connections "
                f"in {self.region_name}"
            )
        connection_id = str(uuid.uuid4())
        connection = EnvironmentAccountConnection(
            id=connection_id,
            arn=self.arn("environment-account-connection", connection_id),
            environment_account_id=self.account_id,
            environment_name=params["environmentName"],
            management_account_id=params["managementAccountId"],
            requested_at=now,
            last_modified_at=now,
            role_arn=params.get("roleArn"),
            codebuild_role_arn=params.get("codebuildRoleArn"),
            component_role_arn=params.get("componentRoleArn"),
        )
        self.tags.set(connection.arn, tags_to_dict(params.get("tags")))
        self.connections[connection_id] = connection
        self.client_tokens.remember(operation, params, now, connection, self._connection_alive)
        return connection

    def get_connection(self, connection_id: str) -> EnvironmentAccountConnection:
        connection = self._find_connection(connection_id)
        if connection is None:
            raise ResourceNotFoundException(f"The environment account connection '{connection_id}' was not found")
        return connection

    def list_connections(self, params: dict[str, Any]) -> list[EnvironmentAccountConnection]:
        if params["requestedBy"] == "ENVIRONMENT_ACCOUNT":
            candidates = list(self.connections.values())
        else:
            candidates = [
                connection
                for peer in self._peer_backends()
                for connection in peer.connections.values()
                if connection.management_account_id == self.account_id
            ]
        statuses = params.get("statuses")
        environment_name = params.get("environmentName")
        return [
            connection
            for connection in candidates
            if (not statuses or connection.status in statuses)
            and (environment_name is None or connection.environment_name == environment_name)
        ]

    def update_connection(self, params: dict[str, Any]) -> EnvironmentAccountConnection:
        connection = self.connections.get(params["id"])
        if connection is None:
            # Updates are made in the environment account.
            raise ResourceNotFoundException(f"The environment account connection '{params['id']}' was not found")
        for member, attribute in (
            ("roleArn", "role_arn"),
            ("codebuildRoleArn", "codebuild_role_arn"),
            ("componentRoleArn", "component_role_arn"),
        ):
            if member in params:
                setattr(connection, attribute, params[member])
        connection.last_modified_at = self.now()
        return connection

    def delete_connection(self, connection_id: str) -> EnvironmentAccountConnection | None:
        connection = self.connections.get(connection_id)
        if connection is None:
            return self.deleted_connections.get(connection_id)
        in_use = self._environments_using(connection)
        if in_use:
            raise ConflictException(
                f"The environment account connection '{connection_id}' is used by the environment '{in_use[0]}'"
            )
        del self.connections[connection_id]
        self.deleted_connections[connection_id] = connection
        self.tags.drop(connection.arn)
        return connection

    def _environments_using(self, connection: EnvironmentAccountConnection) -> list[str]:
        for peer in self._peer_backends():
            if peer.account_id == connection.management_account_id:
                return [
                    environment.name
                    for environment in peer.environments.values()
                    if environment.environment_account_connection_id == connection.id
                ]
        return []

    def _managed_connection(self, connection_id: str) -> EnvironmentAccountConnection:
        """A connection whose management account is this one (Accept and Reject are made there)."""
        connection = self._find_connection(connection_id)
        if connection is None or connection.management_account_id != self.account_id:
            raise ResourceNotFoundException(f"The environment account connection '{connection_id}' was not found")
        return connection

    def accept_connection(self, connection_id: str) -> EnvironmentAccountConnection:
        connection = self._managed_connection(connection_id)
        if connection.status == REJECTED:
            raise ConflictException(
                f"The environment account connection '{connection_id}' was rejected and cannot be accepted"
            )
        if connection.status == PENDING:
            connection.status = CONNECTED
            connection.last_modified_at = self.now()
        return connection

    def reject_connection(self, connection_id: str) -> EnvironmentAccountConnection:
        connection = self._managed_connection(connection_id)
        in_use = self._environments_using(connection)
        if in_use:
            raise ConflictException(
                f"The environment account connection '{connection_id}' is connected to the environment "
                f"'{in_use[0]}' and cannot be rejected"
            )
        if connection.status != REJECTED:
            connection.status = REJECTED
            connection.last_modified_at = self.now()
        return connection
