"""Environment and service template versions: numbering, lifecycle, idempotency, deletion, paging."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from botocore.exceptions import ClientError

from pytest_proton.emulator.clock import ManualClock, use_clock

from .conftest import ACCOUNT, REGION, error_of

SOURCE = {"s3": {"bucket": "bundles", "key": "web.tar.gz"}}  # a service bundle
ENV_SOURCE = {"s3": {"bucket": "bundles", "key": "env.tar.gz"}}
COMPATIBLE = [{"templateName": "env", "majorVersion": "1"}]


@dataclass(frozen=True)
class Kind:
    noun: str  # "environment_template"
    key: str  # "environmentTemplateVersion"
    arn_type: str

    def call(self, client: Any, verb: str, **params: Any) -> dict[str, Any]:
        return getattr(client, f"{verb}_{self.noun}_version")(**params)

    def create(self, client: Any, **params: Any) -> dict[str, Any]:
        params.setdefault("templateName", "web")
        params.setdefault("source", ENV_SOURCE if self.noun == "environment_template" else SOURCE)
        if self.noun == "service_template":
            params.setdefault("compatibleEnvironmentTemplates", COMPATIBLE)
        return self.call(client, "create", **params)[self.key]

    def list(self, client: Any, **params: Any) -> dict[str, Any]:
        params.setdefault("templateName", "web")
        return getattr(client, f"list_{self.noun}_versions")(**params)

    def template(self, client: Any) -> dict[str, Any]:
        key = "environmentTemplate" if self.noun == "environment_template" else "serviceTemplate"
        return getattr(client, f"get_{self.noun}")(name="web")[key]


KINDS = [
    Kind("environment_template", "environmentTemplateVersion", "environment-template"),
    Kind("service_template", "serviceTemplateVersion", "service-template"),
]


@pytest.fixture(params=KINDS, ids=lambda kind: kind.noun)
def kind(request: pytest.FixtureRequest, proton: Any) -> Kind:
    # An environment template with major 1, which service template versions declare compatible.
    proton.create_environment_template(name="env")
    proton.create_environment_template_version(templateName="env", source=SOURCE)
    getattr(proton, f"create_{request.param.noun}")(name="web")
    return request.param


def _version(kind: Kind, client: Any, major: str, minor: str, **params: Any) -> dict[str, Any]:
    return kind.call(client, "get", templateName="web", majorVersion=major, minorVersion=minor, **params)[kind.key]


def _publish(kind: Kind, client: Any, major: str, minor: str) -> dict[str, Any]:
    return kind.call(client, "update", templateName="web", majorVersion=major, minorVersion=minor, status="PUBLISHED")[
        kind.key
    ]


def _delete(kind: Kind, client: Any, major: str, minor: str) -> dict[str, Any]:
    return kind.call(client, "delete", templateName="web", majorVersion=major, minorVersion=minor)


def test_create_registers_then_drafts(proton: Any, kind: Kind) -> None:
    created = kind.create(proton, description="first")
    assert created["arn"] == f"arn:aws:proton:{REGION}:{ACCOUNT}:{kind.arn_type}/web:1.0"
    assert (created["majorVersion"], created["minorVersion"]) == ("1", "0")
    assert created["status"] == "REGISTRATION_IN_PROGRESS"
    got = _version(kind, proton, "1", "0")
    assert got["status"] == "DRAFT"
    assert got["description"] == "first"
    if kind.noun == "service_template":
        assert got["compatibleEnvironmentTemplates"] == COMPATIBLE
    waiter = proton.get_waiter(f"{kind.noun}_version_registered")
    waiter.wait(templateName="web", majorVersion="1", minorVersion="0")


def test_major_and_minor_numbering(proton: Any, kind: Kind) -> None:
    assert kind.create(proton)["minorVersion"] == "0"
    assert kind.create(proton, majorVersion="1")["minorVersion"] == "1"
    second = kind.create(proton)
    assert (second["majorVersion"], second["minorVersion"]) == ("2", "0")
    assert kind.create(proton, majorVersion="1")["minorVersion"] == "2"
    with pytest.raises(ClientError) as excinfo:
        kind.create(proton, majorVersion="7")
    assert error_of(excinfo)[0] == "ResourceNotFoundException"


def test_unknown_template_and_version_are_not_found(proton: Any, kind: Kind) -> None:
    with pytest.raises(ClientError) as excinfo:
        kind.create(proton, templateName="missing")
    assert error_of(excinfo)[0] == "ResourceNotFoundException"
    with pytest.raises(ClientError) as excinfo:
        _version(kind, proton, "1", "0")
    code, message = error_of(excinfo)
    assert code == "ResourceNotFoundException"
    assert "web:1.0" in message
    with pytest.raises(ClientError) as excinfo:
        kind.list(proton, templateName="missing")
    assert error_of(excinfo)[0] == "ResourceNotFoundException"


def test_publish_sets_recommended_version(proton: Any, kind: Kind) -> None:
    kind.create(proton)
    kind.create(proton, majorVersion="1")
    kind.create(proton)
    assert "recommendedVersion" not in kind.template(proton)
    published = _publish(kind, proton, "1", "1")
    assert published["status"] == "PUBLISHED"
    assert published["recommendedMinorVersion"] == "1"
    assert kind.template(proton)["recommendedVersion"] == "1.1"
    _publish(kind, proton, "1", "0")
    assert kind.template(proton)["recommendedVersion"] == "1.1"  # the highest published wins
    _publish(kind, proton, "2", "0")
    assert kind.template(proton)["recommendedVersion"] == "2.0"
    with pytest.raises(ClientError) as excinfo:
        kind.call(proton, "update", templateName="web", majorVersion="2", minorVersion="0", status="DRAFT")
    assert error_of(excinfo)[0] == "ConflictException"  # no un-publish
    with pytest.raises(ClientError) as excinfo:
        kind.call(
            proton, "update", templateName="web", majorVersion="2", minorVersion="0", status="REGISTRATION_FAILED"
        )
    assert error_of(excinfo)[0] == "ValidationException"
    updated = kind.call(proton, "update", templateName="web", majorVersion="2", minorVersion="0", description="x")
    assert updated[kind.key]["description"] == "x"


def test_client_token_retry_returns_the_original(proton: Any, kind: Kind) -> None:
    first = kind.create(proton, clientToken="tok", description="d")
    again = kind.create(proton, clientToken="tok", description="d")
    assert again["arn"] == first["arn"]
    assert len(kind.list(proton)["templateVersions"]) == 1
    with pytest.raises(ClientError) as excinfo:
        kind.create(proton, clientToken="tok", description="other")
    code, message = error_of(excinfo)
    assert code == "ValidationException"
    assert "IdempotentParameterMismatch" in message
    assert kind.create(proton, clientToken="other", description="d")["minorVersion"] == "0"  # a new major
    assert len(kind.list(proton)["templateVersions"]) == 2


def test_client_token_expires_after_8_hours(proton: Any, kind: Kind) -> None:
    clock = ManualClock()
    with use_clock(clock):
        first = kind.create(proton, clientToken="tok")
        clock.advance(hours=7, minutes=59)
        assert kind.create(proton, clientToken="tok")["arn"] == first["arn"]
        clock.advance(minutes=1)
        assert kind.create(proton, clientToken="tok")["majorVersion"] == "2"


def test_client_token_retry_after_delete_creates_anew(proton: Any, kind: Kind) -> None:
    first = kind.create(proton, clientToken="tok")
    _delete(kind, proton, "1", "0")
    again = kind.create(proton, clientToken="tok")
    assert again["status"] == "REGISTRATION_IN_PROGRESS"
    assert again["createdAt"] >= first["createdAt"]
    assert len(kind.list(proton)["templateVersions"]) == 1


def test_deletion_rules(proton: Any, kind: Kind) -> None:
    for major in ("1", "2"):
        kind.create(proton)
        kind.create(proton, majorVersion=major)
    _publish(kind, proton, "1", "1")
    _publish(kind, proton, "2", "0")
    # 2.0 is the template's Recommended version: not while other versions exist.
    with pytest.raises(ClientError) as excinfo:
        _delete(kind, proton, "2", "0")
    assert error_of(excinfo)[0] == "ConflictException"
    # 1.1 is the Recommended minor of major 1: not while 1.0 exists.
    with pytest.raises(ClientError) as excinfo:
        _delete(kind, proton, "1", "1")
    assert error_of(excinfo)[0] == "ConflictException"
    # Non-recommended versions go.
    assert _delete(kind, proton, "1", "0")[kind.key]["minorVersion"] == "0"
    _delete(kind, proton, "1", "1")  # now the last minor of its major
    _delete(kind, proton, "2", "1")
    assert kind.template(proton)["recommendedVersion"] == "2.0"
    # The template cannot go while versions remain.
    with pytest.raises(ClientError) as excinfo:
        getattr(proton, f"delete_{kind.noun}")(name="web")
    assert error_of(excinfo)[0] == "ConflictException"
    deleted = _delete(kind, proton, "2", "0")[kind.key]
    assert "recommendedVersion" not in kind.template(proton)
    # Idempotent deletes: a retry returns the metadata; a never-seen version gives an empty response.
    assert _delete(kind, proton, "2", "0")[kind.key]["arn"] == deleted["arn"]
    assert kind.key not in _delete(kind, proton, "9", "9")
    getattr(proton, f"delete_{kind.noun}")(name="web")


def test_list_filters_by_major_and_pages(proton: Any, kind: Kind) -> None:
    kind.create(proton)
    for _ in range(11):
        kind.create(proton, majorVersion="1")
    kind.create(proton)
    listed = kind.list(proton)["templateVersions"]
    assert [(v["majorVersion"], v["minorVersion"]) for v in listed] == [("1", str(n)) for n in range(12)] + [("2", "0")]
    assert all(v["status"] == "DRAFT" for v in listed)
    assert "schema" not in listed[0]
    assert [v["minorVersion"] for v in kind.list(proton, majorVersion="2")["templateVersions"]] == ["0"]
    paginator = proton.get_paginator(f"list_{kind.noun}_versions")
    pages = list(paginator.paginate(templateName="web", majorVersion="1", PaginationConfig={"PageSize": 5}))
    assert [len(page["templateVersions"]) for page in pages] == [5, 5, 2]
    walked = [v["minorVersion"] for page in pages for v in page["templateVersions"]]
    assert walked == [str(n) for n in range(12)]


def test_versions_are_taggable(proton: Any, kind: Kind) -> None:
    arn = kind.create(proton, tags=[{"key": "team", "value": "a"}])["arn"]
    assert proton.list_tags_for_resource(resourceArn=arn)["tags"] == [{"key": "team", "value": "a"}]
    _delete(kind, proton, "1", "0")
    with pytest.raises(ClientError) as excinfo:
        proton.list_tags_for_resource(resourceArn=arn)
    assert error_of(excinfo)[0] == "ResourceNotFoundException"


def test_service_version_compatible_templates_must_exist(proton: Any) -> None:
    proton.create_environment_template(name="env")
    proton.create_service_template(name="web")
    with pytest.raises(ClientError) as excinfo:
        proton.create_service_template_version(
            templateName="web", source=SOURCE, compatibleEnvironmentTemplates=COMPATIBLE
        )
    code, message = error_of(excinfo)
    assert code == "ResourceNotFoundException"
    assert "env" in message
    proton.create_environment_template_version(templateName="env", source=SOURCE)
    created = proton.create_service_template_version(
        templateName="web",
        source=SOURCE,
        compatibleEnvironmentTemplates=COMPATIBLE,
        supportedComponentSources=["DIRECTLY_DEFINED"],
    )["serviceTemplateVersion"]
    assert created["supportedComponentSources"] == ["DIRECTLY_DEFINED"]
    with pytest.raises(ClientError) as excinfo:
        proton.update_service_template_version(
            templateName="web",
            majorVersion="1",
            minorVersion="0",
            compatibleEnvironmentTemplates=[{"templateName": "env", "majorVersion": "2"}],
        )
    assert error_of(excinfo)[0] == "ResourceNotFoundException"
    with pytest.raises(ClientError) as excinfo:
        proton.create_service_template_version(
            templateName="web", source=SOURCE, compatibleEnvironmentTemplates=COMPATIBLE * 11
        )
    assert error_of(excinfo)[0] == "ValidationException"
