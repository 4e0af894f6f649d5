"""GetAccountSettings / UpdateAccountSettings and GetResourcesSummary."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from pytest_proton.emulator import provisioning

from .conftest import ACCOUNT, REGION, error_of
from .test_services import ROLE, _publish_env, _publish_svc
from .test_services import _create as _create_service

CONNECTION = f"arn:aws:codestar-connections:{REGION}:{ACCOUNT}:connection/0a1b2c3d"
CODEBUILD_ROLE = f"arn:aws:iam::{ACCOUNT}:role/codebuild"
SVC_SOURCE = {"s3": {"bucket": "bundles", "key": "svc.tar.gz"}}
REPO_BRANCH = {"provider": "GITHUB", "name": "org/pipelines", "branch": "main"}


def _settings(client: Any, **params: Any) -> dict[str, Any]:
    return client.update_account_settings(**params)["accountSettings"]  # type: ignore[no-any-return]


def _link(client: Any, name: str = "org/pipelines") -> dict[str, Any]:
    return client.create_repository(name=name, provider="GITHUB", connectionArn=CONNECTION)["repository"]  # type: ignore[no-any-return]


# Account settings --------------------------------------------------------------------------------


def test_account_settings_start_empty(proton: Any) -> None:
    assert proton.get_account_settings()["accountSettings"] == {}


def test_roles_set_and_removed(proton: Any) -> None:
    settings = _settings(proton, pipelineServiceRoleArn=ROLE, pipelineCodebuildRoleArn=CODEBUILD_ROLE)
    assert settings == {"pipelineServiceRoleArn": ROLE, "pipelineCodebuildRoleArn": CODEBUILD_ROLE}
    assert proton.get_account_settings()["accountSettings"] == settings
    # Members left out stay as they are; an empty string removes a role.
    assert _settings(proton, pipelineServiceRoleArn="") == {"pipelineCodebuildRoleArn": CODEBUILD_ROLE}
    assert proton.get_account_settings()["accountSettings"] == {"pipelineCodebuildRoleArn": CODEBUILD_ROLE}


@pytest.mark.parametrize("member", ["pipelineServiceRoleArn", "pipelineCodebuildRoleArn"])
@pytest.mark.parametrize(
    "value",
    [f"arn:aws:iam::{ACCOUNT}:user/someone", f"arn:aws:s3:::{ACCOUNT}", "arn:aws:iam::210987654321:role/proton"],
)
def test_role_validation(proton: Any, member: str, value: str) -> None:
    with pytest.raises(ClientError) as excinfo:
        _settings(proton, **{member: value})
    code, message = error_of(excinfo)
    assert code == "ValidationException"
    assert f"at '{member}'" in message
    assert proton.get_account_settings()["accountSettings"] == {}


def test_pipeline_provisioning_repository(proton: Any) -> None:
    repository = _link(proton)
    settings = _settings(proton, pipelineProvisioningRepository=REPO_BRANCH)
    assert settings == {"pipelineProvisioningRepository": {**REPO_BRANCH, "arn": repository["arn"]}}
    # The repository is in use by the account settings.
    with pytest.raises(ClientError) as excinfo:
        proton.delete_repository(name="org/pipelines", provider="GITHUB")
    code, message = error_of(excinfo)
    assert code == "ConflictException"
    assert "pipelineProvisioningRepository" in message
    _settings(proton, pipelineProvisioningRepository={**REPO_BRANCH, "branch": "release"})
    got = proton.get_account_settings()["accountSettings"]["pipelineProvisioningRepository"]
    assert got["branch"] == "release"
    assert _settings(proton, deletePipelineProvisioningRepository=True) == {}
    assert _settings(proton, deletePipelineProvisioningRepository=True) == {}  # nothing left to remove
    proton.delete_repository(name="org/pipelines", provider="GITHUB")


def test_pipeline_provisioning_repository_errors(proton: Any) -> None:
    with pytest.raises(ClientError) as excinfo:
        _settings(proton, pipelineProvisioningRepository=REPO_BRANCH)  # not linked
    code, message = error_of(excinfo)
    assert code == "ValidationException"
    assert "pipelineProvisioningRepository.name" in message
    _link(proton)
    with pytest.raises(ClientError) as excinfo:
        _settings(proton, pipelineProvisioningRepository=REPO_BRANCH, deletePipelineProvisioningRepository=True)
    assert error_of(excinfo)[0] == "ValidationException"
    with pytest.raises(ClientError) as excinfo:
        _settings(proton, pipelineProvisioningRepository={**REPO_BRANCH, "name": "no-slash"})
    assert error_of(excinfo)[0] == "ValidationException"
    # A failed update changes nothing, not even its valid members.
    with pytest.raises(ClientError):
        _settings(proton, pipelineServiceRoleArn=ROLE, pipelineCodebuildRoleArn="arn:aws:iam::210987654321:role/x")
    assert proton.get_account_settings()["accountSettings"] == {}


def test_self_managed_environment_uses_its_repository(proton: Any) -> None:
    proton.create_environment_template(name="selfm", provisioning="CUSTOMER_MANAGED")
    proton.create_environment_template_version(
        templateName="selfm", source={"s3": {"bucket": "bundles", "key": "customer-managed-env.tar.gz"}}
    )
    proton.update_environment_template_version(
        templateName="selfm", majorVersion="1", minorVersion="0", status="PUBLISHED"
    )
    _link(proton, "org/infra")
    proton.create_environment(
        name="ops",
        templateName="selfm",
        templateMajorVersion="1",
        spec="proton: EnvironmentSpec\nspec:\n  VpcId: vpc-1\n  ClusterName: c\n",
        provisioningRepository={"provider": "GITHUB", "name": "org/infra", "branch": "main"},
    )
    with pytest.raises(ClientError) as excinfo:
        proton.delete_repository(name="org/infra", provider="GITHUB")
    code, message = error_of(excinfo)
    assert code == "ConflictException"
    assert "environment 'ops'" in message


# Resources summary -------------------------------------------------------------------------------


def _counts(client: Any) -> dict[str, Any]:
    return client.get_resources_summary()["counts"]  # type: ignore[no-any-return]


def _zero(total: int = 0, **counts: int) -> dict[str, int]:
    return {"total": total, "failed": 0, "upToDate": 0, "behindMajor": 0, "behindMinor": 0, **counts}


def test_summary_of_an_empty_account(proton: Any) -> None:
    assert _counts(proton) == {
        "environmentTemplates": {"total": 0},
        "serviceTemplates": {"total": 0},
        "environments": {"total": 0},
        "components": {"total": 0, "failed": 0},
        "services": _zero(),
        "serviceInstances": _zero(),
        "pipelines": _zero(),
    }


def test_summary_counts_and_staleness(proton: Any) -> None:
    _publish_env(proton)
    _publish_svc(proton)
    proton.create_service_template(name="unused")
    proton.create_environment(
        name="dev",
        templateName="envt",
        templateMajorVersion="1",
        spec="proton: EnvironmentSpec\n",
        protonServiceRoleArn=ROLE,
    )
    proton.get_environment(name="dev")
    counts = _counts(proton)
    assert counts["environmentTemplates"] == {"total": 1}
    assert counts["serviceTemplates"] == {"total": 2}
    assert counts["environments"] == {"total": 1}
    assert counts["services"] == _zero()

    _create_service(proton)  # 'web': one instance and a pipeline on svct 1.0
    proton.get_service(name="web")
    counts = _counts(proton)
    assert counts["services"] == _zero(1, upToDate=1)
    assert counts["serviceInstances"] == _zero(1, upToDate=1)
    assert counts["pipelines"] == _zero(1, upToDate=1)

    # A new recommended minor version makes everything on 1.0 behind by a minor version.
    proton.create_service_template_version(
        templateName="svct",
        majorVersion="1",
        source=SVC_SOURCE,
        compatibleEnvironmentTemplates=[{"templateName": "envt", "majorVersion": "1"}],
    )
    proton.update_service_template_version(templateName="svct", majorVersion="1", minorVersion="1", status="PUBLISHED")
    counts = _counts(proton)
    assert counts["serviceInstances"] == _zero(1, behindMinor=1)
    assert counts["pipelines"] == _zero(1, behindMinor=1)
    assert counts["services"] == _zero(1, behindMinor=1)

    # The pipeline moves to 1.1; the instance is still behind, so the service is too.
    proton.update_service_pipeline(serviceName="web", deploymentType="MINOR_VERSION", spec="proton: ServiceSpec\n")
    proton.get_service(name="web")
    counts = _counts(proton)
    assert counts["pipelines"] == _zero(1, upToDate=1)
    assert counts["serviceInstances"] == _zero(1, behindMinor=1)
    assert counts["services"] == _zero(1, behindMinor=1)

    # A new recommended major version: behind by a major version.
    proton.create_service_template_version(
        templateName="svct",
        source=SVC_SOURCE,
        compatibleEnvironmentTemplates=[{"templateName": "envt", "majorVersion": "1"}],
    )
    proton.update_service_template_version(templateName="svct", majorVersion="2", minorVersion="0", status="PUBLISHED")
    counts = _counts(proton)
    assert counts["serviceInstances"] == _zero(1, behindMajor=1)
    assert counts["pipelines"] == _zero(1, behindMajor=1)
    assert counts["services"] == _zero(1, behindMajor=1)


def test_summary_counts_failures_and_deletions(proton: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    _publish_env(proton)
    _publish_svc(proton)
    proton.create_environment(
        name="dev",
        templateName="envt",
        templateMajorVersion="1",
        spec="proton: EnvironmentSpec\n",
        protonServiceRoleArn=ROLE,
    )
    proton.get_environment(name="dev")
    monkeypatch.setattr(
        provisioning, "deploy", lambda backend, deployment: provisioning.DeploymentOutcome("FAILED", "boom")
    )
    _create_service(proton)
    assert proton.get_service(name="web")["service"]["status"] == "CREATE_FAILED"
    counts = _counts(proton)
    assert counts["services"] == _zero(1, failed=1, upToDate=1)
    assert counts["serviceInstances"] == _zero(1, failed=1, upToDate=1)
    assert counts["pipelines"] == _zero(1, failed=1, upToDate=1)

    proton.delete_service(name="web")
    for _ in range(5):
        if "web" not in {s["name"] for s in proton.list_services()["services"]}:
            break
    counts = _counts(proton)
    assert counts["services"] == _zero()
    assert counts["serviceInstances"] == _zero()
    assert counts["pipelines"] == _zero()
    proton.delete_environment(name="dev")
    for _ in range(5):
        if not proton.list_environments()["environments"]:
            break
    assert _counts(proton)["environments"] == {"total": 0}


def test_summary_counts_components_when_the_backend_has_them(proton: Any) -> None:
    """Components arrive on another branch as ``backend.components``: total and failed only."""
    from types import SimpleNamespace

    from pytest_proton.emulator import proton_backends

    proton.get_resources_summary()  # builds the backend
    backend = proton_backends[ACCOUNT][REGION]
    backend.components = {
        "a": SimpleNamespace(deployment_status="SUCCEEDED"),
        "b": SimpleNamespace(deployment_status="FAILED"),
    }
    assert _counts(proton)["components"] == {"total": 2, "failed": 1}
