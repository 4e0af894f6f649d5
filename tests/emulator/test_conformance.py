"""Model-driven conformance: every operation of botocore's Proton model, called and checked.

For each of the model's operations a valid call is built on a populated account (``world.py``) and
made through boto3 under ``mock_aws()``; the response is walked along the operation's output shape:
every required member present, the right types, enum values from the enum, timestamps parsed,
strings within the model's length and pattern constraints, Proton ARNs of this account and region.
No call may answer an error (500, InternalServerException, an unknown or unimplemented operation).

Also driven by the model: an unknown target and an unsupported region give a proper AWS error, and
every paginated List operation (``paginators-1.json``) rejects ``maxResults`` 0 and 101 (where the
paginator has a limit key) and a ``nextToken`` the service never issued.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import boto3
import pytest
import regex
import requests
from botocore import xform_name
from botocore.config import Config
from botocore.exceptions import ClientError
from botocore.model import ListShape, MapShape, Shape, StructureShape
from moto import mock_aws

from pytest_proton.emulator import register
from pytest_proton.emulator.models import proton_backends
from pytest_proton.emulator.servicemodel import paginators, service_model

from .world import (
    ACCOUNT,
    CONNECTION,
    ENV_SOURCE,
    ENV_SPEC,
    INSTANCE_SPEC,
    PIPELINE_SPEC,
    REGION,
    REPO_NAME,
    ROLE,
    SVC_SOURCE,
    World,
    build_world,
    hold_deployments,
    release_deployments,
)

MODEL = service_model()
OPERATIONS = sorted(MODEL.operation_names)
PROTON_ARN = regex.compile(rf"^arn:aws:proton:{REGION}:{ACCOUNT}:[a-z-]+/.+$")
# The resource type each ARN shape names (the part before the first "/").
ARN_TYPES = {
    "ComponentArn": "component",
    "DeploymentArn": "deployment",
    "EnvironmentAccountConnectionArn": "environment-account-connection",
    "EnvironmentArn": "environment",
    "EnvironmentTemplateArn": "environment-template",
    "EnvironmentTemplateVersionArn": "environment-template",
    "RepositoryArn": "repository",
    "ServiceArn": "service",
    "ServiceInstanceArn": "service",
    "ServiceTemplateArn": "service-template",
    "ServiceTemplateVersionArn": "service-template",
}
NO_RETRIES = Config(retries={"max_attempts": 1, "mode": "standard"})
UNVALIDATED = Config(retries={"max_attempts": 1, "mode": "standard"}, parameter_validation=False)


def _held(
    update: Callable[[World], Any], params: dict[str, Any], prepare: Callable[[World], Any] = lambda _: None
) -> Callable[[World], dict[str, Any]]:
    """Params for a Cancel*Deployment: ``prepare``, then run ``update`` while deployments are held IN_PROGRESS."""

    def build(world: World) -> dict[str, Any]:
        prepare(world)
        hold_deployments()
        update(world)
        return params

    return build


def _second_env_deployment(world: World) -> dict[str, Any]:
    """A deployment that is no longer the environment's latest, so that it may be deleted."""
    world.client.update_environment(name="dev", deploymentType="CURRENT_VERSION", spec=ENV_SPEC)
    world.client.get_environment(name="dev")
    return {"id": world.ids["env_deployment"]}


def _codebuild_environment(world: World) -> dict[str, Any]:
    """An environment provisioned through CodeBuild waits IN_PROGRESS for a notification."""
    arn = world.client.create_environment(
        name="cb", templateName="envt", templateMajorVersion="1", spec=ENV_SPEC, codebuildRoleArn=ROLE
    )["environment"]["arn"]
    return {"resourceArn": arn, "status": "SUCCEEDED", "outputs": [{"key": "vpc", "valueString": "vpc-1"}]}


def _sync_blocker(world: World) -> dict[str, Any]:
    """An active sync blocker, made through the emulator's control (real ones come from failed syncs)."""
    world.service_sync()
    proton_backends[ACCOUNT][REGION].add_service_sync_blocker("web", created_reason="manual override")
    summary = world.client.get_service_sync_blocker_summary(serviceName="web")["serviceSyncBlockerSummary"]
    active = [b for b in summary.get("latestBlockers", []) if b["status"] == "ACTIVE"]
    assert active, "the emulator should expose a way to produce a service sync blocker (none is active)"
    return {"id": active[0]["id"], "resolvedReason": "fixed"}


def _environment_without_services(world: World) -> dict[str, Any]:
    """An environment can only be deleted once nothing is deployed in it: delete service ``web`` first."""
    world.client.delete_service(name="web")
    world.client.list_services()  # a read settles the deletion
    assert world.client.list_services()["services"] == []
    return {"name": "dev"}


def _version_params(template: str, minor: str = "1") -> dict[str, Any]:
    return {"templateName": template, "majorVersion": "1", "minorVersion": minor}


SVC = {"serviceName": "web"}
INSTANCE = {"serviceName": "web", "serviceInstanceName": "one"}
TEMPLATE_SYNC = {"templateName": "envt", "templateType": "ENVIRONMENT"}
REPO = {"repositoryName": REPO_NAME, "repositoryProvider": "GITHUB"}
SERVICE_SYNC_CONFIG = {"serviceName": "web", **REPO, "branch": "main", "filePath": "proton/web.yaml"}

# A valid call per operation: a function of the populated world returning the parameters (it may
# create what the call needs first). Keys must be exactly the model's operation names.
CALLS: dict[str, Callable[[World], dict[str, Any]]] = {
    "AcceptEnvironmentAccountConnection": lambda w: {"id": w.connection()},
    "CancelComponentDeployment": _held(
        lambda w: w.client.update_component(name="comp", deploymentType="CURRENT_VERSION", description="held"),
        {"componentName": "comp"},
        prepare=World.component,
    ),
    "CancelEnvironmentDeployment": _held(
        lambda w: w.client.update_environment(name="dev", deploymentType="CURRENT_VERSION", spec=ENV_SPEC),
        {"environmentName": "dev"},
    ),
    "CancelServiceInstanceDeployment": _held(
        lambda w: w.client.update_service_instance(
            serviceName="web", name="one", deploymentType="CURRENT_VERSION", spec=INSTANCE_SPEC
        ),
        INSTANCE,
    ),
    "CancelServicePipelineDeployment": _held(
        lambda w: w.client.update_service_pipeline(
            serviceName="web", deploymentType="CURRENT_VERSION", spec=PIPELINE_SPEC
        ),
        SVC,
    ),
    "CreateComponent": lambda w: {
        "name": "comp2",
        "environmentName": "dev",
        "manifest": "infrastructure:\n  templates:\n    - file: cloudformation.yaml\n",
        "templateFile": "Resources: {}\n",
        "clientToken": "tok",
        "tags": [{"key": "k", "value": "v"}],
    },
    "CreateEnvironment": lambda w: {
        "name": "prod",
        "templateName": "envt",
        "templateMajorVersion": "1",
        "spec": ENV_SPEC,
        "protonServiceRoleArn": ROLE,
    },
    "CreateEnvironmentAccountConnection": lambda w: {
        "environmentName": "dev",
        "managementAccountId": ACCOUNT,
        "roleArn": ROLE,
        "clientToken": "tok",
    },
    "CreateEnvironmentTemplate": lambda w: {
        "name": "other",
        "displayName": "Other",
        "provisioning": "CUSTOMER_MANAGED",
    },
    "CreateEnvironmentTemplateVersion": lambda w: {"templateName": "envt", "source": ENV_SOURCE, "clientToken": "tok"},
    "CreateRepository": lambda w: {"name": "org/other", "provider": "GITHUB", "connectionArn": CONNECTION},
    "CreateService": lambda w: {
        "name": "api",
        "templateName": "svct",
        "templateMajorVersion": "1",
        "spec": "proton: ServiceSpec\npipeline:\n  unit_test_command: make\ninstances:\n"
        "  - name: a\n    environment: dev\n",
        "repositoryConnectionArn": CONNECTION,
        "repositoryId": REPO_NAME,
        "branchName": "main",
    },
    "CreateServiceInstance": lambda w: {
        "serviceName": "web",
        "name": "two",
        "spec": "name: two\nenvironment: dev\n",
        "clientToken": "tok",
    },
    "CreateServiceSyncConfig": lambda w: (w.repository(), SERVICE_SYNC_CONFIG)[1],
    "CreateServiceTemplate": lambda w: {"name": "other", "pipelineProvisioning": "CUSTOMER_MANAGED"},
    "CreateServiceTemplateVersion": lambda w: {
        "templateName": "svct",
        "source": SVC_SOURCE,
        "compatibleEnvironmentTemplates": [{"templateName": "envt", "majorVersion": "1"}],
        "clientToken": "tok",
    },
    "CreateTemplateSyncConfig": lambda w: (w.repository(), {**TEMPLATE_SYNC, **REPO, "branch": "main"})[1],
    "DeleteComponent": lambda w: {"name": w.component()},
    "DeleteDeployment": _second_env_deployment,
    "DeleteEnvironment": _environment_without_services,
    "DeleteEnvironmentAccountConnection": lambda w: {"id": w.connection()},
    "DeleteEnvironmentTemplate": lambda w: (w.client.create_environment_template(name="spare"), {"name": "spare"})[1],
    "DeleteEnvironmentTemplateVersion": lambda w: _version_params("envt"),
    "DeleteRepository": lambda w: {"name": w.repository(), "provider": "GITHUB"},
    "DeleteService": lambda w: {"name": "web"},
    "DeleteServiceSyncConfig": lambda w: {"serviceName": w.service_sync()},
    "DeleteServiceTemplate": lambda w: (w.client.create_service_template(name="spare"), {"name": "spare"})[1],
    "DeleteServiceTemplateVersion": lambda w: _version_params("svct"),
    "DeleteTemplateSyncConfig": lambda w: (w.template_sync(), TEMPLATE_SYNC)[1],
    "GetAccountSettings": lambda w: {},
    "GetComponent": lambda w: {"name": w.component()},
    "GetDeployment": lambda w: {"id": w.ids["env_deployment"]},
    "GetEnvironment": lambda w: {"name": "dev"},
    "GetEnvironmentAccountConnection": lambda w: {"id": w.connection()},
    "GetEnvironmentTemplate": lambda w: {"name": "envt"},
    "GetEnvironmentTemplateVersion": lambda w: _version_params("envt", "0"),
    "GetRepository": lambda w: {"name": w.repository(), "provider": "GITHUB"},
    "GetRepositorySyncStatus": lambda w: (
        w.template_sync(),
        {**REPO, "branch": "main", "syncType": "TEMPLATE_SYNC"},
    )[1],
    "GetResourcesSummary": lambda w: {},
    "GetService": lambda w: {"name": "web"},
    "GetServiceInstance": lambda w: {"serviceName": "web", "name": "one"},
    "GetServiceInstanceSyncStatus": lambda w: (w.service_sync(), INSTANCE)[1],
    "GetServiceSyncBlockerSummary": lambda w: {"serviceName": w.service_sync()},
    "GetServiceSyncConfig": lambda w: {"serviceName": w.service_sync()},
    "GetServiceTemplate": lambda w: {"name": "svct"},
    "GetServiceTemplateVersion": lambda w: _version_params("svct", "0"),
    "GetTemplateSyncConfig": lambda w: (w.template_sync(), TEMPLATE_SYNC)[1],
    "GetTemplateSyncStatus": lambda w: (w.template_sync(), {**TEMPLATE_SYNC, "templateVersion": "1"})[1],
    "ListComponentOutputs": lambda w: {"componentName": w.component()},
    "ListComponentProvisionedResources": lambda w: {"componentName": w.component()},
    "ListComponents": lambda w: (w.component(), {"environmentName": "dev"})[1],
    "ListDeployments": lambda w: {"environmentName": "dev"},
    "ListEnvironmentAccountConnections": lambda w: (w.connection(), {"requestedBy": "ENVIRONMENT_ACCOUNT"})[1],
    "ListEnvironmentOutputs": lambda w: {"environmentName": "dev"},
    "ListEnvironmentProvisionedResources": lambda w: {"environmentName": "dev"},
    "ListEnvironmentTemplateVersions": lambda w: {"templateName": "envt"},
    "ListEnvironmentTemplates": lambda w: {},
    "ListEnvironments": lambda w: {"environmentTemplates": [{"templateName": "envt", "majorVersion": "1"}]},
    "ListRepositories": lambda w: (w.repository(), {})[1],
    "ListRepositorySyncDefinitions": lambda w: (w.template_sync(), {**REPO, "syncType": "TEMPLATE_SYNC"})[1],
    "ListServiceInstanceOutputs": lambda w: INSTANCE,
    "ListServiceInstanceProvisionedResources": lambda w: INSTANCE,
    "ListServiceInstances": lambda w: {"serviceName": "web", "sortBy": "name", "sortOrder": "ASCENDING"},
    "ListServicePipelineOutputs": lambda w: SVC,
    "ListServicePipelineProvisionedResources": lambda w: SVC,
    "ListServiceTemplateVersions": lambda w: {"templateName": "svct", "majorVersion": "1"},
    "ListServiceTemplates": lambda w: {},
    "ListServices": lambda w: {},
    "ListTagsForResource": lambda w: {"resourceArn": w.ids["env_arn"]},
    "NotifyResourceDeploymentStatusChange": _codebuild_environment,
    "RejectEnvironmentAccountConnection": lambda w: {"id": w.connection()},
    "TagResource": lambda w: {"resourceArn": w.ids["env_arn"], "tags": [{"key": "team", "value": "a"}]},
    "UntagResource": lambda w: {"resourceArn": w.ids["env_arn"], "tagKeys": ["team"]},
    "UpdateAccountSettings": lambda w: (
        w.repository(),
        {
            "pipelineServiceRoleArn": ROLE,
            "pipelineProvisioningRepository": {"name": REPO_NAME, "provider": "GITHUB", "branch": "main"},
        },
    )[1],
    "UpdateComponent": lambda w: {"name": w.component(), "deploymentType": "NONE", "description": "changed"},
    "UpdateEnvironment": lambda w: {"name": "dev", "deploymentType": "CURRENT_VERSION", "spec": ENV_SPEC},
    "UpdateEnvironmentAccountConnection": lambda w: {"id": w.connection(), "codebuildRoleArn": ROLE},
    "UpdateEnvironmentTemplate": lambda w: {"name": "envt", "description": "changed"},
    "UpdateEnvironmentTemplateVersion": lambda w: {**_version_params("envt"), "status": "PUBLISHED"},
    "UpdateService": lambda w: {"name": "web", "description": "changed"},
    "UpdateServiceInstance": lambda w: {
        "serviceName": "web",
        "name": "one",
        "deploymentType": "CURRENT_VERSION",
        "spec": INSTANCE_SPEC,
        "clientToken": "tok",
    },
    "UpdateServicePipeline": lambda w: {
        "serviceName": "web",
        "deploymentType": "CURRENT_VERSION",
        "spec": PIPELINE_SPEC,
    },
    "UpdateServiceSyncBlocker": _sync_blocker,
    "UpdateServiceSyncConfig": lambda w: (w.service_sync(), {**SERVICE_SYNC_CONFIG, "filePath": "proton/other.yaml"})[
        1
    ],
    "UpdateServiceTemplate": lambda w: {"name": "svct", "displayName": "Service"},
    "UpdateServiceTemplateVersion": lambda w: {**_version_params("svct"), "description": "draft"},
    "UpdateTemplateSyncConfig": lambda w: (w.template_sync(), {**TEMPLATE_SYNC, **REPO, "branch": "release"})[1],
}


@pytest.fixture
def world(aws_credentials: None) -> Iterator[World]:
    register()
    with mock_aws():
        try:
            yield build_world(boto3.client("proton", region_name=REGION, config=NO_RETRIES))
        finally:
            release_deployments()


def test_the_table_covers_the_model() -> None:
    assert len(OPERATIONS) == 87
    assert sorted(CALLS) == OPERATIONS


# Output checking ----------------------------------------------------------------------------------


def check_shape(shape: Shape, value: Any, path: str, problems: list[str]) -> None:
    """Append to ``problems`` every way ``value`` (as botocore parsed it) breaks ``shape``."""
    kind = shape.type_name
    if isinstance(shape, StructureShape):
        if not isinstance(value, dict):
            problems.append(f"{path}: expected a structure, got {type(value).__name__}")
            return
        for name in shape.required_members:
            if value.get(name) is None:
                problems.append(f"{path}.{name}: required member missing")
        for name, member in shape.members.items():
            if value.get(name) is not None:
                check_shape(member, value[name], f"{path}.{name}", problems)
                if name in ("arn", "targetArn") and member.type_name == "string":
                    _check_arn(member, value[name], f"{path}.{name}", problems)
    elif isinstance(shape, ListShape):
        if not isinstance(value, list):
            problems.append(f"{path}: expected a list, got {type(value).__name__}")
            return
        for index, item in enumerate(value):
            check_shape(shape.member, item, f"{path}[{index}]", problems)
    elif isinstance(shape, MapShape):
        if not isinstance(value, dict):
            problems.append(f"{path}: expected a map, got {type(value).__name__}")
            return
        for key, item in value.items():
            check_shape(shape.key, key, f"{path}<key>", problems)
            check_shape(shape.value, item, f"{path}[{key!r}]", problems)
    elif kind == "string":
        _check_string(shape, value, path, problems)
    elif kind == "timestamp":
        if not isinstance(value, datetime) or value.tzinfo is None:
            problems.append(f"{path}: expected an aware datetime, got {value!r}")
    elif kind in ("integer", "long"):
        if not isinstance(value, int) or isinstance(value, bool):
            problems.append(f"{path}: expected an integer, got {value!r}")
        else:
            _check_range(shape, value, path, problems)
    elif kind == "boolean":
        if not isinstance(value, bool):
            problems.append(f"{path}: expected a boolean, got {value!r}")
    elif kind in ("double", "float"):
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            problems.append(f"{path}: expected a number, got {value!r}")
    elif kind == "blob":
        if not isinstance(value, bytes):
            problems.append(f"{path}: expected bytes, got {type(value).__name__}")
    else:  # pragma: no cover - the Proton model has no other shape types
        problems.append(f"{path}: unexpected shape type {kind}")


def _check_string(shape: Shape, value: Any, path: str, problems: list[str]) -> None:
    if not isinstance(value, str):
        problems.append(f"{path}: expected a string, got {type(value).__name__}")
        return
    meta = shape.metadata
    if meta.get("enum") and value not in meta["enum"]:
        problems.append(f"{path}: {value!r} is not one of {meta['enum']}")
        return
    _check_range(shape, len(value), path, problems)
    pattern = meta.get("pattern")
    if pattern and not regex.compile(pattern).fullmatch(value):
        problems.append(f"{path}: {value!r} does not match the model's pattern {pattern}")


def _check_range(shape: Shape, size: int, path: str, problems: list[str]) -> None:
    meta = shape.metadata
    if "min" in meta and size < meta["min"]:
        problems.append(f"{path}: {size} < min {meta['min']}")
    if "max" in meta and size > meta["max"]:
        problems.append(f"{path}: {size} > max {meta['max']}")


def _check_arn(shape: Shape, value: str, path: str, problems: list[str]) -> None:
    if not PROTON_ARN.match(value):
        problems.append(f"{path}: {value!r} is not a Proton ARN of {REGION}/{ACCOUNT}")
        return
    expected = ARN_TYPES.get(shape.name)
    resource_type = value.split(":", 5)[5].split("/", 1)[0]
    if expected and resource_type != expected:
        problems.append(f"{path}: {value!r} should name a {expected}")


def test_the_checker_catches_problems() -> None:
    """The output walker itself: a missing member, a bad enum, a bad ARN and a bad type are reported."""
    shape = MODEL.operation_model("GetEnvironment").output_shape
    problems: list[str] = []
    check_shape(
        shape,
        {
            "environment": {
                "name": "dev",
                "arn": "arn:aws:iam::123456789012:role/x",
                "deploymentStatus": "DONE",
                "createdAt": "yesterday",
            }
        },
        "GetEnvironment",
        problems,
    )
    text = "\n".join(problems)
    assert "environment.templateName: required member missing" in text
    assert "'DONE' is not one of" in text
    assert "is not a Proton ARN" in text
    assert "createdAt: expected an aware datetime" in text


@pytest.mark.parametrize("operation", OPERATIONS)
def test_operation_conforms(world: World, operation: str) -> None:
    operation_model = MODEL.operation_model(operation)
    params = CALLS[operation](world)
    method = getattr(world.client, xform_name(operation))
    try:
        response = method(**params)
    except ClientError as error:
        details = error.response.get("Error", {})
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        pytest.fail(f"{operation}({params}) answered {status} {details.get('Code')}: {details.get('Message')}")
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 200
    body = {key: value for key, value in response.items() if key != "ResponseMetadata"}
    problems: list[str] = []
    if operation_model.output_shape is not None:
        check_shape(operation_model.output_shape, body, operation, problems)
    assert not problems, "\n".join(problems)


# Errors for what is not a valid call ----------------------------------------------------------------


def _raw_call(target: str, region: str, body: dict[str, Any] | None = None) -> requests.Response:
    """A JSON 1.0 request through moto's in-process interception (``requests`` is patched by mock_aws)."""
    headers = {
        "Content-Type": "application/x-amz-json-1.0",
        "X-Amz-Target": target,
        "Authorization": f"AWS4-HMAC-SHA256 Credential=testing/20260101/{region}/proton/aws4_request, "
        "SignedHeaders=host, Signature=00",
    }
    return requests.post(f"https://proton.{region}.amazonaws.com/", data=json.dumps(body or {}), headers=headers)


def test_unknown_target_is_an_aws_error(world: World) -> None:
    for target in ("AwsProton20200720.NoSuchOperation", "SomethingElse.ListEnvironments", "garbage"):
        response = _raw_call(target, REGION)
        assert response.status_code == 400, (target, response.status_code, response.text)
        body = response.json()
        assert body["__type"] == "UnknownOperationException"
        assert body["message"]


def test_unsupported_region_is_an_aws_error(world: World) -> None:
    # Proton was never offered in sa-east-1 (nor in ap-south-1): moto builds no backend there.
    for region in ("sa-east-1", "ap-south-1"):
        client = boto3.client("proton", region_name=region, config=NO_RETRIES)
        with pytest.raises(ClientError) as excinfo:
            client.list_environment_templates()
        error = excinfo.value.response
        assert error["ResponseMetadata"]["HTTPStatusCode"] == 400
        assert error["Error"]["Code"] == "UnknownOperationException"
        assert region in error["Error"]["Message"]


PAGINATED = sorted(paginators())


def test_paginators_are_all_list_operations() -> None:
    assert len(PAGINATED) == 21
    assert all(name.startswith("List") for name in PAGINATED)


@pytest.mark.parametrize("operation", PAGINATED)
def test_pagination_parameters_are_validated(world: World, operation: str) -> None:
    params = CALLS[operation](world)
    client = boto3.client("proton", region_name=REGION, config=UNVALIDATED)
    method = getattr(client, xform_name(operation))
    paginator = paginators()[operation]
    bad: list[dict[str, Any]] = [{"nextToken": "garbage"}, {"nextToken": "bm90IGEgdG9rZW4="}, {"nextToken": "!!"}]
    if paginator.get("limit_key"):
        bad += [{paginator["limit_key"]: 0}, {paginator["limit_key"]: 101}, {paginator["limit_key"]: -1}]
    for extra in bad:
        with pytest.raises(ClientError) as excinfo:
            method(**params, **extra)
        error = excinfo.value.response["Error"]
        assert error["Code"] == "ValidationException", (operation, extra, error)
        field = next(iter(extra))
        assert field in error["Message"], (operation, extra, error)
    if paginator.get("limit_key"):
        assert method(**params, **{paginator["limit_key"]: 1})["ResponseMetadata"]["HTTPStatusCode"] == 200
        assert method(**params, **{paginator["limit_key"]: 100})["ResponseMetadata"]["HTTPStatusCode"] == 200
