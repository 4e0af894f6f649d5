"""The seed's "Ensuring Idempotency" section, sentence by sentence, for every API it lists.

The four lists are read from ``shared/seed/proton-api-reference.txt`` itself, so a test fails if
the seed names an API that has no scenario here, and each sentence is one test parametrized over
the APIs of its list.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from pytest_proton.emulator.clock import ManualClock, use_clock

from .conftest import ACCOUNT, error_of

SEED = Path(__file__).resolve().parents[3] / "shared" / "seed" / "proton-api-reference.txt"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/proton"
ENV_SOURCE = {"s3": {"bucket": "bundles", "key": "env.tar.gz"}}
SVC_SOURCE = {"s3": {"bucket": "bundles", "key": "svc.tar.gz"}}
ENV_SPEC = "proton: EnvironmentSpec\n"
SVC_SPEC = "proton: ServiceSpec\ninstances:\n  - name: one\n    environment: base\n"
TEMPLATE = {"environment": "envt", "service": "svct"}
REPO = {
    "repositoryConnectionArn": f"arn:aws:codestar-connections:us-east-1:{ACCOUNT}:connection/abc",
    "repositoryId": "org/repo",
    "branchName": "main",
}


def seed_list(heading: str) -> list[str]:
    """The ``- Operation`` lines under ``heading`` in the seed's idempotency section."""
    lines = SEED.read_text(encoding="utf-8").splitlines()
    start = lines.index(heading) + 1
    names = []
    for line in lines[start:]:
        match = re.fullmatch(r"- (\w+)", line.strip())
        if not match:
            break
        names.append(match.group(1))
    return names


def _publish(client: Any, kind: str, name: str) -> None:
    """Create and publish version 1.0 of a ``kind`` ("environment" or "service") template."""
    getattr(client, f"create_{kind}_template")(name=name)
    version: dict[str, Any] = {"templateName": name, "source": ENV_SOURCE}
    if kind == "service":
        compatible = [{"templateName": "envt", "majorVersion": "1"}]
        version.update(source=SVC_SOURCE, compatibleEnvironmentTemplates=compatible)
    getattr(client, f"create_{kind}_template_version")(**version)
    getattr(client, f"get_{kind}_template_version")(templateName=name, majorVersion="1", minorVersion="0")
    getattr(client, f"update_{kind}_template_version")(
        templateName=name, majorVersion="1", minorVersion="0", status="PUBLISHED"
    )


@pytest.fixture
def client(proton: Any) -> Any:
    """Published environment and service templates and a deployed environment ``base``."""
    _publish(proton, "environment", "envt")
    _publish(proton, "service", "svct")
    proton.create_environment(
        name="base", templateName="envt", templateMajorVersion="1", spec=ENV_SPEC, protonServiceRoleArn=ROLE
    )
    proton.get_environment(name="base")
    return proton


@dataclass(frozen=True)
class Subject:
    """How to create, change, delete and count one kind of resource for the scenarios."""

    api: str
    create: Callable[..., dict[str, Any]]  # (client, *, variant: bool, **extra) -> resource
    identity: Callable[[dict[str, Any]], str]
    count: Callable[[Any], int]
    modify: Callable[[Any, dict[str, Any]], object] | None = None
    delete: Callable[[Any, dict[str, Any]], dict[str, Any]] | None = None


def _env_version(client: Any, *, variant: bool = False, **extra: Any) -> dict[str, Any]:
    description = "other" if variant else "first"
    result = client.create_environment_template_version(
        templateName="envt", majorVersion="1", source=ENV_SOURCE, description=description, **extra
    )
    return result["environmentTemplateVersion"]  # type: ignore[no-any-return]


def _svc_version(client: Any, *, variant: bool = False, **extra: Any) -> dict[str, Any]:
    description = "other" if variant else "first"
    result = client.create_service_template_version(
        templateName="svct",
        majorVersion="1",
        source=SVC_SOURCE,
        description=description,
        compatibleEnvironmentTemplates=[{"templateName": "envt", "majorVersion": "1"}],
        **extra,
    )
    return result["serviceTemplateVersion"]  # type: ignore[no-any-return]


def _connection(client: Any, *, variant: bool = False, **extra: Any) -> dict[str, Any]:
    result = client.create_environment_account_connection(
        environmentName="other" if variant else "dev", managementAccountId=ACCOUNT, roleArn=ROLE, **extra
    )
    return result["environmentAccountConnection"]  # type: ignore[no-any-return]


def _versions(kind: str) -> Callable[[Any], int]:
    def count(client: Any) -> int:
        return len(getattr(client, f"list_{kind}_template_versions")(templateName=TEMPLATE[kind])["templateVersions"])

    return count


def _delete_version(kind: str) -> Callable[[Any, dict[str, Any]], dict[str, Any]]:
    def delete(client: Any, version: dict[str, Any]) -> dict[str, Any]:
        return getattr(client, f"delete_{kind}_template_version")(  # type: ignore[no-any-return]
            templateName=version["templateName"],
            majorVersion=version["majorVersion"],
            minorVersion=version["minorVersion"],
        )

    return delete


TOKEN_SUBJECTS = {
    "CreateEnvironmentTemplateVersion": Subject(
        "CreateEnvironmentTemplateVersion",
        _env_version,
        identity=lambda v: f"{v['majorVersion']}.{v['minorVersion']}",
        count=_versions("environment"),
        delete=_delete_version("environment"),
    ),
    "CreateServiceTemplateVersion": Subject(
        "CreateServiceTemplateVersion",
        _svc_version,
        identity=lambda v: f"{v['majorVersion']}.{v['minorVersion']}",
        count=_versions("service"),
        delete=_delete_version("service"),
    ),
    "CreateEnvironmentAccountConnection": Subject(
        "CreateEnvironmentAccountConnection",
        _connection,
        identity=lambda c: c["id"],
        count=lambda client: len(
            client.list_environment_account_connections(requestedBy="ENVIRONMENT_ACCOUNT")[
                "environmentAccountConnections"
            ]
        ),
        delete=lambda client, c: client.delete_environment_account_connection(id=c["id"]),
    ),
}


def _template(kind: str) -> Subject:
    def create(client: Any, *, variant: bool = False, **extra: Any) -> dict[str, Any]:
        result = getattr(client, f"create_{kind}_template")(name="fresh", displayName="B" if variant else "A", **extra)
        return result[f"{kind}Template"]  # type: ignore[no-any-return]

    def count(client: Any) -> int:
        return len(getattr(client, f"list_{kind}_templates")()["templates"])

    def modify(client: Any, template: dict[str, Any]) -> object:
        return getattr(client, f"update_{kind}_template")(name=template["name"], description="changed")

    def delete(client: Any, template: dict[str, Any]) -> dict[str, Any]:
        return getattr(client, f"delete_{kind}_template")(name=template["name"])  # type: ignore[no-any-return]

    api = f"Create{kind.capitalize()}Template"
    return Subject(api, create, identity=lambda t: t["arn"], count=count, modify=modify, delete=delete)


def _environment(client: Any, *, variant: bool = False, **extra: Any) -> dict[str, Any]:
    result = client.create_environment(
        name="fresh",
        templateName="envt",
        templateMajorVersion="1",
        spec=ENV_SPEC,
        protonServiceRoleArn=ROLE,
        description="B" if variant else "A",
        **extra,
    )
    return result["environment"]  # type: ignore[no-any-return]


def _service(client: Any, *, variant: bool = False, **extra: Any) -> dict[str, Any]:
    result = client.create_service(
        name="fresh",
        templateName="svct",
        templateMajorVersion="1",
        spec=SVC_SPEC,
        description="B" if variant else "A",
        **REPO,
        **extra,
    )
    return result["service"]  # type: ignore[no-any-return]


PLAIN_SUBJECTS = {
    "CreateEnvironmentTemplate": _template("environment"),
    "CreateServiceTemplate": _template("service"),
    "CreateEnvironment": Subject(
        "CreateEnvironment",
        _environment,
        identity=lambda e: e["arn"],
        count=lambda client: len(client.list_environments()["environments"]),
        modify=lambda client, e: client.update_environment(name=e["name"], deploymentType="NONE", description="C"),
    ),
    "CreateService": Subject(
        "CreateService",
        _service,
        identity=lambda s: s["arn"],
        count=lambda client: len(client.list_services()["services"]),
        modify=lambda client, s: client.update_service(name=s["name"], description="C"),
    ),
}


def _settle(client: Any, subject: Subject) -> None:
    """Let a fresh environment or service finish its first deployment (a read settles it)."""
    if subject.api == "CreateEnvironment":
        client.get_environment(name="fresh")
    elif subject.api == "CreateService":
        client.get_service(name="fresh")


def _mismatch(excinfo: pytest.ExceptionInfo[ClientError]) -> bool:
    code, message = error_of(excinfo)
    return code == "ValidationException" and "IdempotentParameterMismatch" in message


# Idempotent create APIs with a client token --------------------------------------------------------


needs_seed = pytest.mark.skipif(not SEED.is_file(), reason="../shared/seed is not present")


@needs_seed
def test_the_token_list_is_the_seeds() -> None:
    assert seed_list("Idempotent create APIs with a client token:") == list(TOKEN_SUBJECTS)


@pytest.fixture(params=list(TOKEN_SUBJECTS))
def token_subject(request: pytest.FixtureRequest) -> Subject:
    return TOKEN_SUBJECTS[request.param]


def test_same_token_same_parameters_returns_the_original(client: Any, token_subject: Subject) -> None:
    before = token_subject.count(client)
    first = token_subject.create(client, clientToken="tok")
    again = token_subject.create(client, clientToken="tok")
    assert token_subject.identity(again) == token_subject.identity(first)
    assert again.get("createdAt", again.get("requestedAt")) == first.get("createdAt", first.get("requestedAt"))
    assert token_subject.count(client) == before + 1


def test_same_token_other_parameters_is_a_mismatch(client: Any, token_subject: Subject) -> None:
    before = token_subject.count(client)
    token_subject.create(client, clientToken="tok")
    with pytest.raises(ClientError) as excinfo:
        token_subject.create(client, clientToken="tok", variant=True)
    assert _mismatch(excinfo)
    assert token_subject.count(client) == before + 1


def test_an_expired_token_creates_a_new_resource(client: Any, token_subject: Subject) -> None:
    before = token_subject.count(client)
    clock = ManualClock()
    with use_clock(clock):
        first = token_subject.create(client, clientToken="tok")
        clock.advance(hours=7, minutes=59, seconds=59)
        assert token_subject.identity(token_subject.create(client, clientToken="tok")) == token_subject.identity(first)
        clock.advance(seconds=1)
        again = token_subject.create(client, clientToken="tok")
    assert token_subject.identity(again) != token_subject.identity(first)
    assert token_subject.count(client) == before + 2


def test_a_retry_after_the_original_was_deleted_creates_a_new_resource(client: Any, token_subject: Subject) -> None:
    assert token_subject.delete is not None
    before = token_subject.count(client)
    first = token_subject.create(client, clientToken="tok")
    token_subject.delete(client, first)
    assert token_subject.count(client) == before
    token_subject.create(client, clientToken="tok")
    assert token_subject.count(client) == before + 1


# Idempotent create APIs (no token) ----------------------------------------------------------------


@needs_seed
def test_the_plain_create_list_is_the_seeds() -> None:
    assert seed_list("Idempotent create APIs:") == list(PLAIN_SUBJECTS)


@pytest.fixture(params=list(PLAIN_SUBJECTS))
def plain_subject(request: pytest.FixtureRequest) -> Subject:
    return PLAIN_SUBJECTS[request.param]


def test_a_retry_of_an_unmodified_resource_returns_it(client: Any, plain_subject: Subject) -> None:
    before = plain_subject.count(client)
    first = plain_subject.create(client)
    _settle(client, plain_subject)
    again = plain_subject.create(client)
    assert plain_subject.identity(again) == plain_subject.identity(first)
    assert plain_subject.count(client) == before + 1


def test_a_retry_after_a_modification_conflicts(client: Any, plain_subject: Subject) -> None:
    assert plain_subject.modify is not None
    first = plain_subject.create(client)
    _settle(client, plain_subject)
    plain_subject.modify(client, first)
    with pytest.raises(ClientError) as excinfo:
        plain_subject.create(client)
    assert error_of(excinfo)[0] == "ConflictException"


def test_a_retry_with_other_parameters_is_a_mismatch(client: Any, plain_subject: Subject) -> None:
    before = plain_subject.count(client)
    plain_subject.create(client)
    with pytest.raises(ClientError) as excinfo:
        plain_subject.create(client, variant=True)
    assert _mismatch(excinfo)
    assert plain_subject.count(client) == before + 1


# Idempotent delete APIs ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Deletion:
    """Make a resource, delete it, and delete something that never existed."""

    make: Callable[[Any], dict[str, Any]]
    delete: Callable[[Any, dict[str, Any]], dict[str, Any]]
    key: str  # the output member holding the resource
    never_existed: Callable[[Any], dict[str, Any]]


def _template_deletion(kind: str) -> Deletion:
    def make(client: Any) -> dict[str, Any]:
        return getattr(client, f"create_{kind}_template")(name="gone")[f"{kind}Template"]  # type: ignore[no-any-return]

    def delete(client: Any, template: dict[str, Any]) -> dict[str, Any]:
        return getattr(client, f"delete_{kind}_template")(name=template["name"])  # type: ignore[no-any-return]

    return Deletion(make, delete, f"{kind}Template", lambda client: delete(client, {"name": "never"}))


def _version_deletion(kind: str, make: Callable[..., dict[str, Any]]) -> Deletion:
    delete = _delete_version(kind)
    return Deletion(
        make,
        delete,
        f"{kind}TemplateVersion",
        lambda client: delete(client, {"templateName": TEMPLATE[kind], "majorVersion": "9", "minorVersion": "0"}),
    )


DELETIONS = {
    "DeleteEnvironmentTemplate": _template_deletion("environment"),
    "DeleteEnvironmentTemplateVersion": _version_deletion("environment", _env_version),
    "DeleteServiceTemplate": _template_deletion("service"),
    "DeleteServiceTemplateVersion": _version_deletion("service", _svc_version),
    "DeleteEnvironmentAccountConnection": Deletion(
        _connection,
        lambda client, c: client.delete_environment_account_connection(id=c["id"]),
        "environmentAccountConnection",
        lambda client: client.delete_environment_account_connection(id="00000000-0000-0000-0000-000000000000"),
    ),
}


@needs_seed
def test_the_delete_list_is_the_seeds() -> None:
    assert seed_list("Idempotent delete APIs:") == list(DELETIONS)


@pytest.mark.parametrize("api", list(DELETIONS))
def test_a_retried_delete_returns_the_deleted_metadata(client: Any, api: str) -> None:
    deletion = DELETIONS[api]
    resource = deletion.make(client)
    first = deletion.delete(client, resource)
    retry = deletion.delete(client, resource)
    assert retry[deletion.key]["arn"] == first[deletion.key]["arn"] == resource["arn"]


@pytest.mark.parametrize("api", list(DELETIONS))
def test_deleting_what_never_existed_is_empty(client: Any, api: str) -> None:
    result = DELETIONS[api].never_existed(client)
    assert DELETIONS[api].key not in result


# Asynchronous idempotent delete APIs ---------------------------------------------------------------


ASYNC_DELETIONS = {
    "DeleteEnvironment": ("environment", _environment, lambda client: client.delete_environment(name="fresh")),
    "DeleteService": ("service", _service, lambda client: client.delete_service(name="fresh")),
}


@needs_seed
def test_the_async_delete_list_is_the_seeds() -> None:
    assert seed_list("Asynchronous idempotent delete APIs:") == list(ASYNC_DELETIONS)


@pytest.fixture
def held(client: Any) -> Any:
    """Deletions stay DELETE_IN_PROGRESS for three reads."""
    from moto.moto_api import state_manager

    state_manager.set_transition("proton::deployment", {"progression": "manual", "times": 3})
    yield client
    state_manager.unset_transition("proton::deployment")


@pytest.mark.parametrize("api", list(ASYNC_DELETIONS))
def test_async_delete_retry_returns_details_while_in_progress_then_nothing(held: Any, api: str) -> None:
    key, create, delete = ASYNC_DELETIONS[api]
    create(held)
    for _ in range(3):  # settle the creation
        getattr(held, f"get_{key}")(name="fresh")
    first = delete(held)
    assert first[key]["name"] == "fresh"
    retry = delete(held)  # still DELETE_IN_PROGRESS
    status = "deploymentStatus" if key == "environment" else "status"
    assert retry[key][status] == "DELETE_IN_PROGRESS"
    assert retry[key]["arn"] == first[key]["arn"]
    for _ in range(3):
        try:
            getattr(held, f"get_{key}")(name="fresh")
        except ClientError:
            break
    assert key not in delete(held)
