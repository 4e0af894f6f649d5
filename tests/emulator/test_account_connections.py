"""Environment account connections: create (client token), read, list, update, delete, accept, reject."""

from __future__ import annotations

import re
from typing import Any

import pytest
from botocore.exceptions import ClientError

from .conftest import ACCOUNT, REGION, error_of

ROLE = f"arn:aws:iam::{ACCOUNT}:role/proton"
OTHER_ROLE = f"arn:aws:iam::{ACCOUNT}:role/other"
SOURCE = {"s3": {"bucket": "bundles", "key": "env.tar.gz"}}
SPEC = "proton: EnvironmentSpec\nspec:\n  size: small\n"
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def _connect(client: Any, environment: str = "dev", **params: Any) -> dict[str, Any]:
    params.setdefault("managementAccountId", ACCOUNT)
    params.setdefault("roleArn", ROLE)
    result = client.create_environment_account_connection(environmentName=environment, **params)
    return result["environmentAccountConnection"]  # type: ignore[no-any-return]


def test_create_and_get(proton: Any) -> None:
    created = _connect(proton, codebuildRoleArn=OTHER_ROLE)
    assert UUID.match(created["id"])
    assert created["status"] == "PENDING"
    assert created["arn"] == f"arn:aws:proton:{REGION}:{ACCOUNT}:environment-account-connection/{created['id']}"
    assert created["environmentAccountId"] == ACCOUNT
    assert created["managementAccountId"] == ACCOUNT
    assert created["codebuildRoleArn"] == OTHER_ROLE
    fetched = proton.get_environment_account_connection(id=created["id"])["environmentAccountConnection"]
    assert fetched == created


def test_client_token(proton: Any) -> None:
    first = _connect(proton, clientToken="tok")
    assert _connect(proton, clientToken="tok")["id"] == first["id"]
    with pytest.raises(ClientError) as excinfo:
        _connect(proton, "prod", clientToken="tok")
    code, message = error_of(excinfo)
    assert code == "ValidationException"
    assert "IdempotentParameterMismatch" in message
    proton.delete_environment_account_connection(id=first["id"])
    assert _connect(proton, clientToken="tok")["id"] != first["id"]


def test_quota(proton: Any) -> None:
    for index in range(5):
        _connect(proton, f"env{index}")
    with pytest.raises(ClientError) as excinfo:
        _connect(proton, "env5")
    assert error_of(excinfo)[0] == "ServiceQuotaExceededException"


def test_unknown_connection(proton: Any) -> None:
    with pytest.raises(ClientError) as excinfo:
        proton.get_environment_account_connection(id="a" * 8 + "-0000-0000-0000-" + "0" * 12)
    assert error_of(excinfo)[0] == "ResourceNotFoundException"


def test_list_filters(proton: Any) -> None:
    dev = _connect(proton, "dev")
    prod = _connect(proton, "prod")
    proton.accept_environment_account_connection(id=prod["id"])

    def ids(**params: Any) -> set[str]:
        result = proton.list_environment_account_connections(**params)
        return {connection["id"] for connection in result["environmentAccountConnections"]}

    assert ids(requestedBy="ENVIRONMENT_ACCOUNT") == {dev["id"], prod["id"]}
    assert ids(requestedBy="MANAGEMENT_ACCOUNT") == {dev["id"], prod["id"]}
    assert ids(requestedBy="MANAGEMENT_ACCOUNT", statuses=["CONNECTED"]) == {prod["id"]}
    assert ids(requestedBy="ENVIRONMENT_ACCOUNT", environmentName="dev") == {dev["id"]}
    page = proton.list_environment_account_connections(requestedBy="ENVIRONMENT_ACCOUNT", maxResults=1)
    assert len(page["environmentAccountConnections"]) == 1
    assert "nextToken" in page


def test_update(proton: Any) -> None:
    created = _connect(proton)
    updated = proton.update_environment_account_connection(id=created["id"], roleArn=OTHER_ROLE)
    assert updated["environmentAccountConnection"]["roleArn"] == OTHER_ROLE


def test_delete_is_idempotent(proton: Any) -> None:
    created = _connect(proton)
    deleted = proton.delete_environment_account_connection(id=created["id"])
    assert deleted["environmentAccountConnection"]["id"] == created["id"]
    retried = proton.delete_environment_account_connection(id=created["id"])
    assert retried["environmentAccountConnection"]["id"] == created["id"]
    never = proton.delete_environment_account_connection(id="b" * 8 + "-0000-0000-0000-" + "0" * 12)
    assert "environmentAccountConnection" not in never
    with pytest.raises(ClientError) as excinfo:
        proton.get_environment_account_connection(id=created["id"])
    assert error_of(excinfo)[0] == "ResourceNotFoundException"


def test_accept_and_reject(proton: Any) -> None:
    created = _connect(proton)
    accepted = proton.accept_environment_account_connection(id=created["id"])["environmentAccountConnection"]
    assert accepted["status"] == "CONNECTED"
    other = _connect(proton, "prod")
    rejected = proton.reject_environment_account_connection(id=other["id"])["environmentAccountConnection"]
    assert rejected["status"] == "REJECTED"
    with pytest.raises(ClientError) as excinfo:
        proton.accept_environment_account_connection(id=other["id"])
    assert error_of(excinfo)[0] == "ConflictException"


def test_tags(proton: Any) -> None:
    created = _connect(proton, tags=[{"key": "team", "value": "a"}])
    tags = proton.list_tags_for_resource(resourceArn=created["arn"])["tags"]
    assert tags == [{"key": "team", "value": "a"}]


def _environment(client: Any, connection_id: str) -> dict[str, Any]:
    client.create_environment_template(name="tmpl")
    version = client.create_environment_template_version(templateName="tmpl", source=SOURCE)
    version = version["environmentTemplateVersion"]
    client.update_environment_template_version(
        templateName="tmpl",
        majorVersion=version["majorVersion"],
        minorVersion=version["minorVersion"],
        status="PUBLISHED",
    )
    result = client.create_environment(
        name="dev",
        templateName="tmpl",
        templateMajorVersion="1",
        spec=SPEC,
        environmentAccountConnectionId=connection_id,
    )
    return result["environment"]  # type: ignore[no-any-return]


def test_environment_with_connected_connection(proton: Any) -> None:
    created = _connect(proton)
    proton.accept_environment_account_connection(id=created["id"])
    environment = _environment(proton, created["id"])
    assert environment["environmentAccountConnectionId"] == created["id"]
    assert environment["environmentAccountId"] == ACCOUNT
    with pytest.raises(ClientError) as excinfo:
        proton.reject_environment_account_connection(id=created["id"])
    assert error_of(excinfo)[0] == "ConflictException"


def test_environment_with_pending_connection(proton: Any) -> None:
    created = _connect(proton)
    with pytest.raises(ClientError) as excinfo:
        _environment(proton, created["id"])
    code, message = error_of(excinfo)
    assert code == "ValidationException"
    assert "environmentAccountConnectionId" in message
