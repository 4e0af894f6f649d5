"""Linked repositories, template sync, service sync (Proton Ops), sync status and sync blockers."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from pytest_proton.emulator import proton_backends
from pytest_proton.emulator.exceptions import ConflictException, ResourceNotFoundException

from .conftest import ACCOUNT, REGION, error_of

CONNECTION = f"arn:aws:codestar-connections:{REGION}:{ACCOUNT}:connection/0a1b2c3d"
KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
ENV_SOURCE = {"s3": {"bucket": "bundles", "key": "env.tar.gz"}}
SVC_SOURCE = {"s3": {"bucket": "bundles", "key": "svc.tar.gz"}}
ROLE = f"arn:aws:iam::{ACCOUNT}:role/proton"
SPEC = """proton: ServiceSpec
pipeline:
  unit_test_command: make test
instances:
  - name: one
    environment: dev
  - name: two
    environment: dev
"""


def _backend() -> Any:
    return proton_backends[ACCOUNT][REGION]


def _link(client: Any, name: str = "org/templates", provider: str = "GITHUB", **params: Any) -> dict[str, Any]:
    params.setdefault("connectionArn", CONNECTION)
    return client.create_repository(name=name, provider=provider, **params)["repository"]  # type: ignore[no-any-return]


def _code(excinfo: pytest.ExceptionInfo[ClientError]) -> str:
    return error_of(excinfo)[0]


def _template_sync(client: Any, name: str = "envt", **params: Any) -> dict[str, Any]:
    params.setdefault("templateType", "ENVIRONMENT")
    params.setdefault("repositoryProvider", "GITHUB")
    params.setdefault("repositoryName", "org/templates")
    params.setdefault("branch", "main")
    return client.create_template_sync_config(templateName=name, **params)["templateSyncConfig"]  # type: ignore[no-any-return]


@pytest.fixture
def client(proton: Any) -> Any:
    """An environment template with a published version, a service template, a linked repository."""
    proton.create_environment_template(name="envt")
    proton.create_environment_template_version(templateName="envt", source=ENV_SOURCE)
    proton.update_environment_template_version(
        templateName="envt", majorVersion="1", minorVersion="0", status="PUBLISHED"
    )
    proton.create_service_template(name="svct")
    proton.create_service_template_version(
        templateName="svct",
        source=SVC_SOURCE,
        compatibleEnvironmentTemplates=[{"templateName": "envt", "majorVersion": "1"}],
    )
    proton.update_service_template_version(templateName="svct", majorVersion="1", minorVersion="0", status="PUBLISHED")
    _link(proton)
    return proton


@pytest.fixture
def service(client: Any) -> Any:
    """Adds the environment 'dev' and the service 'web' (instances 'one' and 'two', a pipeline)."""
    client.create_environment(
        name="dev",
        templateName="envt",
        templateMajorVersion="1",
        spec="proton: EnvironmentSpec\n",
        protonServiceRoleArn=ROLE,
    )
    client.get_environment(name="dev")
    client.create_service(
        name="web",
        templateName="svct",
        templateMajorVersion="1",
        spec=SPEC,
        repositoryConnectionArn=CONNECTION,
        repositoryId="org/app",
        branchName="main",
    )
    client.get_service(name="web")
    return client


def _service_sync(client: Any, **params: Any) -> dict[str, Any]:
    params.setdefault("serviceName", "web")
    params.setdefault("repositoryProvider", "GITHUB")
    params.setdefault("repositoryName", "org/templates")
    params.setdefault("branch", "main")
    params.setdefault("filePath", "configuration/proton-ops.yaml")
    return client.create_service_sync_config(**params)["serviceSyncConfig"]  # type: ignore[no-any-return]


# Repositories ------------------------------------------------------------------------------------


def test_create_get_repository(proton: Any) -> None:
    created = _link(proton, "org/repo", "BITBUCKET", encryptionKey=KEY)
    assert created == {
        "arn": f"arn:aws:proton:{REGION}:{ACCOUNT}:repository/bitbucket:org/repo",
        "name": "org/repo",
        "provider": "BITBUCKET",
        "connectionArn": CONNECTION,
        "encryptionKey": KEY,
    }
    assert proton.get_repository(name="org/repo", provider="BITBUCKET")["repository"] == created
    with pytest.raises(ClientError) as excinfo:
        proton.get_repository(name="org/repo", provider="GITHUB")  # same name, other provider
    assert _code(excinfo) == "ResourceNotFoundException"


def test_create_repository_is_idempotent_and_refuses_a_different_link(proton: Any) -> None:
    first = _link(proton)
    assert _link(proton) == first
    other = f"arn:aws:codeconnections:{REGION}:{ACCOUNT}:connection/other"
    with pytest.raises(ClientError) as excinfo:
        _link(proton, connectionArn=other)
    assert _code(excinfo) == "ConflictException"
    assert len(proton.list_repositories()["repositories"]) == 1


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"name": "no-slash"}, "name"),
        ({"provider": "GITLAB"}, "provider"),
        ({"connectionArn": f"arn:aws:iam::{ACCOUNT}:role/x"}, "connectionArn"),
        ({"connectionArn": f"arn:aws:codestar-connections:{REGION}:210987654321:connection/x"}, "connectionArn"),
        ({"connectionArn": f"arn:aws:codestar-connections:eu-west-1:{ACCOUNT}:connection/x"}, "connectionArn"),
        ({"encryptionKey": f"arn:aws:s3:::{ACCOUNT}:bucket"}, "encryptionKey"),
    ],
)
def test_create_repository_validation(proton: Any, params: dict[str, Any], field: str) -> None:
    request = {"name": "org/repo", "provider": "GITHUB", "connectionArn": CONNECTION, **params}
    with pytest.raises(ClientError) as excinfo:
        proton.create_repository(**request)
    code, message = error_of(excinfo)
    assert code == "ValidationException"
    assert f"at '{field}'" in message


def test_codeconnections_arn_is_accepted(proton: Any) -> None:
    arn = f"arn:aws:codeconnections:{REGION}:{ACCOUNT}:connection/new"
    assert _link(proton, connectionArn=arn)["connectionArn"] == arn


def test_list_repositories_paginates(proton: Any) -> None:
    for index in range(5):
        _link(proton, f"org/repo{index}")
    page = proton.list_repositories(maxResults=2)
    assert [r["name"] for r in page["repositories"]] == ["org/repo0", "org/repo1"]
    assert "encryptionKey" not in page["repositories"][0]
    names = [
        r["name"]
        for p in proton.get_paginator("list_repositories").paginate(PaginationConfig={"PageSize": 2})
        for r in p["repositories"]
    ]
    assert names == [f"org/repo{index}" for index in range(5)]
    with pytest.raises(ClientError) as excinfo:
        proton.list_repositories(nextToken="bm90IG91cnM=")
    assert _code(excinfo) == "ValidationException"


def test_delete_repository(proton: Any) -> None:
    created = _link(proton)
    assert proton.delete_repository(name="org/templates", provider="GITHUB")["repository"] == created
    with pytest.raises(ClientError) as excinfo:
        proton.get_repository(name="org/templates", provider="GITHUB")
    assert _code(excinfo) == "ResourceNotFoundException"
    with pytest.raises(ClientError) as excinfo:
        proton.delete_repository(name="org/templates", provider="GITHUB")
    assert _code(excinfo) == "ResourceNotFoundException"


def test_repository_tags(proton: Any) -> None:
    arn = _link(proton, tags=[{"key": "team", "value": "platform"}])["arn"]
    proton.tag_resource(resourceArn=arn, tags=[{"key": "env", "value": "prod"}])
    tags = proton.list_tags_for_resource(resourceArn=arn)["tags"]
    assert tags == [{"key": "env", "value": "prod"}, {"key": "team", "value": "platform"}]
    proton.untag_resource(resourceArn=arn, tagKeys=["env"])
    assert proton.list_tags_for_resource(resourceArn=arn)["tags"] == [{"key": "team", "value": "platform"}]
    proton.delete_repository(name="org/templates", provider="GITHUB")
    with pytest.raises(ClientError) as excinfo:
        proton.list_tags_for_resource(resourceArn=arn)
    assert _code(excinfo) == "ResourceNotFoundException"


def test_repository_in_use_cannot_be_deleted(service: Any) -> None:
    _template_sync(service)
    with pytest.raises(ClientError) as excinfo:
        service.delete_repository(name="org/templates", provider="GITHUB")
    code, message = error_of(excinfo)
    assert code == "ConflictException"
    assert "template sync configuration" in message
    service.delete_template_sync_config(templateName="envt", templateType="ENVIRONMENT")
    _service_sync(service)
    with pytest.raises(ClientError) as excinfo:
        service.delete_repository(name="org/templates", provider="GITHUB")
    assert "service sync configuration" in error_of(excinfo)[1]
    service.delete_service_sync_config(serviceName="web")
    service.delete_repository(name="org/templates", provider="GITHUB")


# Template sync -----------------------------------------------------------------------------------


def test_template_sync_config_lifecycle(client: Any) -> None:
    created = _template_sync(client, subdirectory="templates")
    assert created == {
        "templateName": "envt",
        "templateType": "ENVIRONMENT",
        "repositoryProvider": "GITHUB",
        "repositoryName": "org/templates",
        "branch": "main",
        "subdirectory": "templates",
    }
    assert _template_sync(client, subdirectory="templates") == created  # idempotent retry
    got = client.get_template_sync_config(templateName="envt", templateType="ENVIRONMENT")["templateSyncConfig"]
    assert got == created
    _link(client, "org/other", "GITHUB_ENTERPRISE")
    updated = client.update_template_sync_config(
        templateName="envt",
        templateType="ENVIRONMENT",
        repositoryProvider="GITHUB_ENTERPRISE",
        repositoryName="org/other",
        branch="release",
    )["templateSyncConfig"]
    assert (updated["repositoryName"], updated["branch"], updated.get("subdirectory")) == ("org/other", "release", None)
    deleted = client.delete_template_sync_config(templateName="envt", templateType="ENVIRONMENT")
    assert deleted["templateSyncConfig"] == updated
    for call in (client.get_template_sync_config, client.delete_template_sync_config):
        with pytest.raises(ClientError) as excinfo:
            call(templateName="envt", templateType="ENVIRONMENT")
        assert _code(excinfo) == "ResourceNotFoundException"


def test_template_sync_config_errors(client: Any) -> None:
    with pytest.raises(ClientError) as excinfo:
        _template_sync(client, "missing")
    code, message = error_of(excinfo)
    assert (code, "at 'templateName'" in message) == ("ValidationException", True)
    with pytest.raises(ClientError) as excinfo:
        _template_sync(client, "envt", templateType="SERVICE")  # no service template 'envt'
    assert _code(excinfo) == "ValidationException"
    with pytest.raises(ClientError) as excinfo:
        _template_sync(client, repositoryName="org/unlinked")
    code, message = error_of(excinfo)
    assert (code, "at 'repositoryName'" in message) == ("ValidationException", True)
    _template_sync(client)
    with pytest.raises(ClientError) as excinfo:
        _template_sync(client, branch="dev")  # one repository per template
    assert _code(excinfo) == "ConflictException"
    with pytest.raises(ClientError) as excinfo:
        client.update_template_sync_config(
            templateName="envt",
            templateType="ENVIRONMENT",
            repositoryProvider="GITHUB",
            repositoryName="org/unlinked",
            branch="main",
        )
    assert _code(excinfo) == "ValidationException"
    with pytest.raises(ClientError) as excinfo:
        client.update_template_sync_config(
            templateName="svct",
            templateType="SERVICE",
            repositoryProvider="GITHUB",
            repositoryName="org/templates",
            branch="main",
        )
    assert _code(excinfo) == "ResourceNotFoundException"


def test_synced_template_cannot_be_deleted(proton: Any) -> None:
    proton.create_service_template(name="bare")
    _link(proton)
    _template_sync(proton, "bare", templateType="SERVICE")
    with pytest.raises(ClientError) as excinfo:
        proton.delete_service_template(name="bare")
    code, message = error_of(excinfo)
    assert code == "ConflictException"
    assert "DeleteTemplateSyncConfig" in message
    proton.delete_template_sync_config(templateName="bare", templateType="SERVICE")
    assert proton.delete_service_template(name="bare")["serviceTemplate"]["name"] == "bare"


def test_template_sync_status(client: Any) -> None:
    _template_sync(client, subdirectory="templates")
    status = client.get_template_sync_status(templateName="envt", templateType="ENVIRONMENT", templateVersion="1")
    assert {k for k in status if k != "ResponseMetadata"} == set()  # never synced
    backend = _backend()
    backend.record_template_sync("envt", "ENVIRONMENT", "1", "abc123")
    status = client.get_template_sync_status(templateName="envt", templateType="ENVIRONMENT", templateVersion="1")
    revision = {
        "repositoryProvider": "GITHUB",
        "repositoryName": "org/templates",
        "branch": "main",
        "directory": "templates/envt/v1",
        "sha": "abc123",
    }
    assert status["latestSync"]["status"] == "SUCCEEDED"
    assert status["latestSync"]["target"] == "envt"
    assert status["latestSync"]["targetRevision"] == revision
    assert status["latestSync"]["initialRevision"] == revision
    assert status["latestSuccessfulSync"] == status["latestSync"]
    assert status["desiredState"] == revision
    backend.record_template_sync(
        "envt", "ENVIRONMENT", "1", "def456", status="FAILED", events=[{"type": "ERROR", "event": "bad schema"}]
    )
    status = client.get_template_sync_status(templateName="envt", templateType="ENVIRONMENT", templateVersion="1")
    assert status["latestSync"]["status"] == "FAILED"
    assert status["latestSync"]["initialRevision"]["sha"] == "abc123"
    assert status["latestSync"]["targetRevision"]["sha"] == "def456"
    assert [(e["type"], e["event"]) for e in status["latestSync"]["events"]] == [("ERROR", "bad schema")]
    assert status["latestSuccessfulSync"]["targetRevision"]["sha"] == "abc123"
    assert status["desiredState"]["sha"] == "def456"
    other = client.get_template_sync_status(templateName="envt", templateType="ENVIRONMENT", templateVersion="2")
    assert "latestSync" not in other  # each major version syncs on its own
    with pytest.raises(ClientError) as excinfo:
        client.get_template_sync_status(templateName="svct", templateType="SERVICE", templateVersion="1")
    assert _code(excinfo) == "ResourceNotFoundException"  # not synced
    with pytest.raises(ClientError) as excinfo:
        client.get_template_sync_status(templateName="envt", templateType="ENVIRONMENT", templateVersion="01")
    assert _code(excinfo) == "ValidationException"
    # Deleting the configuration forgets the sync history.
    client.delete_template_sync_config(templateName="envt", templateType="ENVIRONMENT")
    _template_sync(client)
    status = client.get_template_sync_status(templateName="envt", templateType="ENVIRONMENT", templateVersion="1")
    assert "latestSync" not in status


def test_record_template_sync_control_errors(client: Any) -> None:
    backend = _backend()
    with pytest.raises(ResourceNotFoundException):
        backend.record_template_sync("envt", "ENVIRONMENT", "1", "abc")  # no sync configuration
    _template_sync(client)
    with pytest.raises(ValueError, match="status"):
        backend.record_template_sync("envt", "ENVIRONMENT", "1", "abc", status="QUEUED")
    with pytest.raises(ValueError, match="major"):
        backend.record_template_sync("envt", "ENVIRONMENT", "v1", "abc")


def test_repository_sync_status(client: Any) -> None:
    params = {"repositoryName": "org/templates", "repositoryProvider": "GITHUB", "branch": "main"}
    status = client.get_repository_sync_status(syncType="TEMPLATE_SYNC", **params)
    assert "latestSync" not in status
    _template_sync(client)
    _backend().record_template_sync("envt", "ENVIRONMENT", "1", "abc", status="IN_PROGRESS")
    latest = client.get_repository_sync_status(syncType="TEMPLATE_SYNC", **params)["latestSync"]
    assert latest["status"] == "IN_PROGRESS"
    assert [e["type"] for e in latest["events"]] == ["CLONE_STARTED", "CONFIG_UPDATED", "STARTING_SYNC"]
    assert latest["events"][2]["externalId"] == "abc"
    assert "externalId" not in latest["events"][0]
    assert "latestSync" not in client.get_repository_sync_status(syncType="SERVICE_SYNC", **params)
    _backend().record_repository_sync(
        "GITHUB", "org/templates", "main", "TEMPLATE_SYNC", status="QUEUED", events=[{"type": "X", "event": "queued"}]
    )
    latest = client.get_repository_sync_status(syncType="TEMPLATE_SYNC", **params)["latestSync"]
    assert latest["status"] == "QUEUED"
    assert latest["events"][0]["event"] == "queued"
    with pytest.raises(ClientError) as excinfo:
        client.get_repository_sync_status(syncType="TEMPLATE_SYNC", **{**params, "repositoryName": "org/unlinked"})
    assert _code(excinfo) == "ResourceNotFoundException"


def test_list_repository_sync_definitions(service: Any) -> None:
    def definitions(sync_type: str, name: str = "org/templates") -> list[dict[str, str]]:
        result = service.list_repository_sync_definitions(
            repositoryName=name, repositoryProvider="GITHUB", syncType=sync_type
        )
        assert "nextToken" not in result
        return result["syncDefinitions"]  # type: ignore[no-any-return]

    assert definitions("TEMPLATE_SYNC") == []
    _template_sync(service, subdirectory="templates")
    _template_sync(service, "svct", templateType="SERVICE", branch="dev")
    _service_sync(service)
    assert definitions("TEMPLATE_SYNC") == [
        {"parent": "org/templates", "target": "envt", "branch": "main", "directory": "templates"},
        {"parent": "org/templates", "target": "svct", "branch": "dev", "directory": "/"},
    ]
    assert definitions("SERVICE_SYNC") == [
        {"parent": "org/templates", "target": "web", "branch": "main", "directory": "configuration/proton-ops.yaml"}
    ]
    assert definitions("TEMPLATE_SYNC", "org/unknown") == []  # the model lists no ResourceNotFoundException


# Service sync ------------------------------------------------------------------------------------


def test_service_sync_config_lifecycle(service: Any) -> None:
    created = _service_sync(service)
    assert created == {
        "serviceName": "web",
        "repositoryProvider": "GITHUB",
        "repositoryName": "org/templates",
        "branch": "main",
        "filePath": "configuration/proton-ops.yaml",
    }
    assert _service_sync(service) == created
    with pytest.raises(ClientError) as excinfo:
        _service_sync(service, branch="other")
    assert _code(excinfo) == "ConflictException"
    assert service.get_service_sync_config(serviceName="web")["serviceSyncConfig"] == created
    updated = service.update_service_sync_config(
        serviceName="web",
        repositoryProvider="GITHUB",
        repositoryName="org/templates",
        branch="release",
        filePath="ops/custom-proton-ops.yaml",
    )["serviceSyncConfig"]
    assert (updated["branch"], updated["filePath"]) == ("release", "ops/custom-proton-ops.yaml")
    assert service.delete_service_sync_config(serviceName="web")["serviceSyncConfig"] == updated
    for call in (service.get_service_sync_config, service.delete_service_sync_config):
        with pytest.raises(ClientError) as excinfo:
            call(serviceName="web")
        assert _code(excinfo) == "ResourceNotFoundException"


def test_service_sync_config_errors(service: Any) -> None:
    with pytest.raises(ClientError) as excinfo:
        _service_sync(service, serviceName="nope")
    code, message = error_of(excinfo)
    assert (code, "at 'serviceName'" in message) == ("ValidationException", True)
    with pytest.raises(ClientError) as excinfo:
        _service_sync(service, repositoryName="org/unlinked")
    code, message = error_of(excinfo)
    assert (code, "at 'repositoryName'" in message) == ("ValidationException", True)
    with pytest.raises(ClientError) as excinfo:
        service.update_service_sync_config(
            serviceName="web", repositoryProvider="GITHUB", repositoryName="org/templates", branch="b", filePath="f"
        )
    assert _code(excinfo) == "ResourceNotFoundException"
    with pytest.raises(ClientError) as excinfo:
        service.get_service_sync_config(serviceName="nope")
    assert _code(excinfo) == "ResourceNotFoundException"


def test_service_instance_sync_status(service: Any) -> None:
    status = service.get_service_instance_sync_status(serviceName="web", serviceInstanceName="one")
    assert "latestSync" not in status
    _service_sync(service)
    backend = _backend()
    backend.record_service_instance_sync("web", "one", "c0ffee")
    status = service.get_service_instance_sync_status(serviceName="web", serviceInstanceName="one")
    assert status["latestSync"]["status"] == "SUCCEEDED"
    assert status["latestSync"]["target"] == "one"
    assert status["desiredState"] == {
        "repositoryProvider": "GITHUB",
        "repositoryName": "org/templates",
        "branch": "main",
        "directory": "configuration/proton-ops.yaml",
        "sha": "c0ffee",
    }
    assert status["latestSuccessfulSync"]["targetRevision"]["sha"] == "c0ffee"
    assert "latestSync" not in service.get_service_instance_sync_status(serviceName="web", serviceInstanceName="two")
    latest = service.get_repository_sync_status(
        repositoryName="org/templates", repositoryProvider="GITHUB", branch="main", syncType="SERVICE_SYNC"
    )["latestSync"]
    assert latest["status"] == "SUCCEEDED"
    for params in (
        {"serviceName": "web", "serviceInstanceName": "zzz"},
        {"serviceName": "x", "serviceInstanceName": "one"},
    ):
        with pytest.raises(ClientError) as excinfo:
            service.get_service_instance_sync_status(**params)
        assert _code(excinfo) == "ResourceNotFoundException"


def test_sync_blockers(service: Any) -> None:
    backend = _backend()
    with pytest.raises(ResourceNotFoundException):
        backend.add_service_sync_blocker("web")  # the service is not synced
    _service_sync(service)
    summary = service.get_service_sync_blocker_summary(serviceName="web")["serviceSyncBlockerSummary"]
    assert summary == {"serviceName": "web", "latestBlockers": []}
    service_blocker = backend.add_service_sync_blocker(
        "web", created_reason="Manual update", contexts=[{"key": "resource", "value": "web"}]
    )
    instance_blocker = backend.add_service_sync_blocker("web", "one", created_reason="Instance changed by hand")

    summary = service.get_service_sync_blocker_summary(serviceName="web")["serviceSyncBlockerSummary"]
    assert [b["id"] for b in summary["latestBlockers"]] == [service_blocker.id]
    blocker = summary["latestBlockers"][0]
    assert (blocker["type"], blocker["status"], blocker["createdReason"]) == ("AUTOMATED", "ACTIVE", "Manual update")
    assert blocker["contexts"] == [{"key": "resource", "value": "web"}]
    summary = service.get_service_sync_blocker_summary(serviceName="web", serviceInstanceName="one")
    assert summary["serviceSyncBlockerSummary"]["serviceInstanceName"] == "one"
    assert [b["id"] for b in summary["serviceSyncBlockerSummary"]["latestBlockers"]] == [instance_blocker.id]

    # An active blocker blocks the sync.
    with pytest.raises(ConflictException):
        backend.record_service_instance_sync("web", "two", "abc")

    resolved = service.update_service_sync_blocker(id=service_blocker.id, resolvedReason="Reviewed")
    assert resolved["serviceName"] == "web"
    assert "serviceInstanceName" not in resolved
    assert resolved["serviceSyncBlocker"]["status"] == "RESOLVED"
    assert resolved["serviceSyncBlocker"]["resolvedReason"] == "Reviewed"
    assert "resolvedAt" in resolved["serviceSyncBlocker"]
    assert (
        service.get_service_sync_blocker_summary(serviceName="web")["serviceSyncBlockerSummary"]["latestBlockers"] == []
    )
    backend.record_service_instance_sync("web", "two", "abc")  # no blocker on 'two' any more
    with pytest.raises(ConflictException):
        backend.record_service_instance_sync("web", "one", "abc")  # 'one' still blocked

    with pytest.raises(ClientError) as excinfo:
        service.update_service_sync_blocker(id=service_blocker.id, resolvedReason="again")
    assert _code(excinfo) == "ConflictException"
    with pytest.raises(ClientError) as excinfo:
        service.update_service_sync_blocker(id="no-such-blocker", resolvedReason="x")
    assert _code(excinfo) == "ResourceNotFoundException"
    with pytest.raises(ClientError) as excinfo:
        service.update_service_sync_blocker(id=instance_blocker.id, resolvedReason="  ")
    code, message = error_of(excinfo)
    assert (code, "at 'resolvedReason'" in message) == ("ValidationException", True)
    resolved = service.update_service_sync_blocker(id=instance_blocker.id, resolvedReason="ok")
    assert resolved["serviceInstanceName"] == "one"
    for params in ({"serviceName": "nope"}, {"serviceName": "web", "serviceInstanceName": "zzz"}):
        with pytest.raises(ClientError) as excinfo:
            service.get_service_sync_blocker_summary(**params)
        assert _code(excinfo) == "ResourceNotFoundException"


def test_deleting_the_service_drops_its_sync_state(service: Any) -> None:
    _service_sync(service)
    blocker = _backend().add_service_sync_blocker("web")
    service.delete_service(name="web")
    with pytest.raises(ClientError):
        for _ in range(5):
            service.get_service(name="web")
    with pytest.raises(ClientError) as excinfo:
        service.update_service_sync_blocker(id=blocker.id, resolvedReason="gone")
    assert _code(excinfo) == "ResourceNotFoundException"
    service.delete_repository(name="org/templates", provider="GITHUB")  # no longer in use


def test_a_manual_update_of_a_synced_service_raises_a_blocker(service: Any) -> None:
    """OPS-06: updating an instance or the pipeline through the API while service sync is on blocks the sync."""
    service.update_service_instance(serviceName="web", name="one", deploymentType="CURRENT_VERSION")
    service.get_service_instance(serviceName="web", name="one")
    assert (
        service.get_service_sync_blocker_summary(serviceName="web", serviceInstanceName="one")[
            "serviceSyncBlockerSummary"
        ]["latestBlockers"]
        == []
    )  # not synced: no blocker
    _service_sync(service)
    service.update_service_instance(serviceName="web", name="one", deploymentType="CURRENT_VERSION")
    summary = service.get_service_sync_blocker_summary(serviceName="web", serviceInstanceName="one")
    (blocker,) = summary["serviceSyncBlockerSummary"]["latestBlockers"]
    assert (blocker["type"], blocker["status"]) == ("AUTOMATED", "ACTIVE")
    assert "service instance 'one'" in blocker["createdReason"]
    with pytest.raises(ConflictException):
        _backend().record_service_instance_sync("web", "one", "abc")
    service.update_service_sync_blocker(id=blocker["id"], resolvedReason="reviewed")
    _backend().record_service_instance_sync("web", "one", "abc")
    service.get_service(name="web")
    service.update_service_pipeline(serviceName="web", deploymentType="CURRENT_VERSION", spec="unit_test_command: x\n")
    (pipeline_blocker,) = service.get_service_sync_blocker_summary(serviceName="web")["serviceSyncBlockerSummary"][
        "latestBlockers"
    ]
    assert "pipeline of service 'web'" in pipeline_blocker["createdReason"]
