"""Environment and service templates: CRUD, idempotency, validation and pagination."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from pytest_proton.emulator.clock import ManualClock, use_clock

from .conftest import ACCOUNT, REGION, error_of


@dataclass(frozen=True)
class Kind:
    noun: str  # "environment_template"
    key: str  # "environmentTemplate"
    arn_type: str
    provisioning: str

    def call(self, client: Any, verb: str, **params: Any) -> dict[str, Any]:
        return getattr(client, f"{verb}_{self.noun}")(**params)

    def list(self, client: Any, **params: Any) -> dict[str, Any]:
        return getattr(client, f"list_{self.noun}s")(**params)


KINDS = [
    Kind("environment_template", "environmentTemplate", "environment-template", "provisioning"),
    Kind("service_template", "serviceTemplate", "service-template", "pipelineProvisioning"),
]


@pytest.fixture(params=KINDS, ids=lambda kind: kind.noun)
def kind(request: pytest.FixtureRequest) -> Kind:
    return request.param


def test_create_get_update_delete(proton: Any, kind: Kind) -> None:
    created = kind.call(
        proton, "create", name="web", displayName="Web", description="d", **{kind.provisioning: "CUSTOMER_MANAGED"}
    )[kind.key]
    assert created["arn"] == f"arn:aws:proton:{REGION}:{ACCOUNT}:{kind.arn_type}/web"
    assert isinstance(created["createdAt"], datetime)
    assert created["createdAt"] == created["lastModifiedAt"]
    assert created[kind.provisioning] == "CUSTOMER_MANAGED"
    assert kind.call(proton, "get", name="web")[kind.key] == created

    updated = kind.call(proton, "update", name="web", description="new")[kind.key]
    assert updated["description"] == "new"
    assert updated["displayName"] == "Web"
    assert updated["lastModifiedAt"] >= created["lastModifiedAt"]

    summaries = kind.list(proton)["templates"]
    assert [summary["name"] for summary in summaries] == ["web"]
    assert "encryptionKey" not in summaries[0]  # not a member of the summary shape

    deleted = kind.call(proton, "delete", name="web")[kind.key]
    assert deleted["arn"] == created["arn"]
    with pytest.raises(ClientError) as excinfo:
        kind.call(proton, "get", name="web")
    assert error_of(excinfo)[0] == "ResourceNotFoundException"


@pytest.mark.parametrize("verb", ["get", "update"])
def test_unknown_template_is_not_found(proton: Any, kind: Kind, verb: str) -> None:
    with pytest.raises(ClientError) as excinfo:
        kind.call(proton, verb, name="missing")
    code, message = error_of(excinfo)
    assert code == "ResourceNotFoundException"
    assert "missing" in message


def test_create_retry_returns_the_original(proton: Any, kind: Kind) -> None:
    tags = [{"key": "a", "value": "1"}, {"key": "b", "value": "2"}]
    first = kind.call(proton, "create", name="web", description="d", tags=tags)[kind.key]
    again = kind.call(proton, "create", name="web", description="d", tags=list(reversed(tags)))[kind.key]
    assert again == first
    assert len(kind.list(proton)["templates"]) == 1


def test_create_retry_after_modification_conflicts(proton: Any, kind: Kind) -> None:
    kind.call(proton, "create", name="web", description="d")
    kind.call(proton, "update", name="web", description="changed")
    with pytest.raises(ClientError) as excinfo:
        kind.call(proton, "create", name="web", description="d")
    assert error_of(excinfo)[0] == "ConflictException"


def test_create_retry_with_other_parameters_is_a_mismatch(proton: Any, kind: Kind) -> None:
    kind.call(proton, "create", name="web", description="d")
    with pytest.raises(ClientError) as excinfo:
        kind.call(proton, "create", name="web", description="other")
    code, message = error_of(excinfo)
    assert code == "ValidationException"
    assert "IdempotentParameterMismatch" in message


def test_delete_is_idempotent(proton: Any, kind: Kind) -> None:
    arn = kind.call(proton, "create", name="web")[kind.key]["arn"]
    kind.call(proton, "delete", name="web")
    assert kind.call(proton, "delete", name="web")[kind.key]["arn"] == arn  # retry: the deleted metadata
    assert kind.key not in kind.call(proton, "delete", name="never")  # never existed: empty
    recreated = kind.call(proton, "create", name="web", description="new")[kind.key]
    assert recreated["description"] == "new"


@pytest.mark.parametrize(
    ("params", "field", "fragment"),
    [
        ({"name": "bad name"}, "name", "regular expression pattern"),
        ({"name": "a" * 101}, "name", "length less than or equal to 100"),
        ({"name": "ok", "description": "x" * 501}, "description", "length less than or equal to 500"),
        ({"name": "ok", "encryptionKey": "not-an-arn"}, "encryptionKey", "regular expression pattern"),
    ],
)
def test_validation_names_the_field(proton: Any, kind: Kind, params: dict[str, Any], field: str, fragment: str) -> None:
    with pytest.raises(ClientError) as excinfo:
        kind.call(proton, "create", **params)
    code, message = error_of(excinfo)
    assert code == "ValidationException"
    assert f"at '{field}'" in message
    assert fragment in message


def test_server_side_validation_without_client_checks(proton: Any, kind: Kind) -> None:
    """Clients that skip botocore's checks still get the service's answers (enum, required, min)."""
    import boto3

    raw = boto3.client("proton", region_name=REGION, config=Config(parameter_validation=False))
    with pytest.raises(ClientError) as excinfo:
        kind.call(raw, "create", name="", **{kind.provisioning: "SELF"})
    code, message = error_of(excinfo)
    assert code == "ValidationException"
    assert message.startswith("3 validation errors detected")  # name: min length and pattern
    assert "at 'name'" in message
    assert f"at '{kind.provisioning}'" in message
    assert "enum value set: [CUSTOMER_MANAGED]" in message
    with pytest.raises(ClientError) as excinfo:
        kind.list(raw, maxResults=0)
    assert "at 'maxResults'" in error_of(excinfo)[1]


def test_pagination_is_stable_and_complete(proton: Any, kind: Kind) -> None:
    names = [f"t{index:02d}" for index in range(7)]
    for name in reversed(names):
        kind.call(proton, "create", name=name)
    page = kind.list(proton, maxResults=3)
    seen = [template["name"] for template in page["templates"]]
    assert seen == names[:3]
    kind.call(proton, "delete", name="t04")  # a change between pages does not break the walk
    while "nextToken" in page:
        page = kind.list(proton, maxResults=3, nextToken=page["nextToken"])
        seen += [template["name"] for template in page["templates"]]
    assert seen == [name for name in names if name != "t04"]

    paginator = proton.get_paginator(f"list_{kind.noun}s")
    pages = list(paginator.paginate(PaginationConfig={"PageSize": 2}))
    assert [len(page["templates"]) for page in pages] == [2, 2, 2]


@pytest.mark.parametrize("token", ["bm90LWEtdG9rZW4=", "abc", "eyJvcCI6Ikxpc3RYIiwiYWZ0ZXIiOiJhIn0="])
def test_bad_next_token_is_a_validation_error(proton: Any, kind: Kind, token: str) -> None:
    with pytest.raises(ClientError) as excinfo:
        kind.list(proton, nextToken=token)
    code, message = error_of(excinfo)
    assert code == "ValidationException"
    assert "at 'nextToken'" in message


def test_max_results_above_100_is_refused(proton: Any, kind: Kind) -> None:
    with pytest.raises(ClientError) as excinfo:
        kind.list(proton, maxResults=101)
    assert "Value 101 at 'maxResults' failed to satisfy constraint" in error_of(excinfo)[1]


def test_timestamps_follow_the_injected_clock(proton: Any, kind: Kind) -> None:
    clock = ManualClock()
    with use_clock(clock):
        created = kind.call(proton, "create", name="web")[kind.key]
        clock.advance(hours=8, seconds=1)
        updated = kind.call(proton, "update", name="web", displayName="W")[kind.key]
    assert created["createdAt"] == datetime(2026, 1, 1, tzinfo=timezone.utc)
    assert (updated["lastModifiedAt"] - created["createdAt"]).total_seconds() == 8 * 3600 + 1


def test_unknown_and_unimplemented_operations_are_aws_errors(proton: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from pytest_proton.emulator.operations import HANDLERS, load_all

    load_all()
    # Every operation may be implemented by now: unregister one to see the answer to a missing handler.
    monkeypatch.delitem(HANDLERS, "GetResourcesSummary")
    with pytest.raises(ClientError) as excinfo:
        proton.get_resources_summary()
    assert error_of(excinfo)[0] == "UnknownOperationException"


def test_region_without_proton_is_an_aws_error(proton: Any) -> None:
    import boto3

    other = boto3.client("proton", region_name="eu-north-1")
    with pytest.raises(ClientError) as excinfo:
        other.list_environment_templates()
    code, message = error_of(excinfo)
    assert code == "UnknownOperationException"
    assert "eu-north-1" in message
