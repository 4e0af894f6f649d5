"""A populated Proton account for the conformance and waiter tests: one of every resource, settled.

``build_world(client)`` creates, through the public API only:

- environment template ``envt`` (1.0 PUBLISHED, 1.1 DRAFT) and service template ``svct`` (1.0
  PUBLISHED with a pipeline and directly defined components allowed, 1.1 DRAFT);
- environment ``dev`` (with a component role) and its deployment, settled;
- service ``web`` with instance ``one`` on ``dev`` and a pipeline, settled;
- on first use: component ``comp`` in ``dev``, repository ``org/repo`` (GitHub), a template sync
  config for ``envt``, a service sync config for ``web``, environment account connections.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from moto.moto_api import state_manager

from pytest_proton.emulator.provisioning import DEPLOYMENT_MODEL

from .bundles import s3_for, stock

ACCOUNT = "123456789012"
REGION = "us-east-1"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/proton"
CONNECTION = f"arn:aws:codestar-connections:{REGION}:{ACCOUNT}:connection/abc"
ENV_SOURCE = {"s3": {"bucket": "bundles", "key": "env.tar.gz"}}
SVC_SOURCE = {"s3": {"bucket": "bundles", "key": "svc.tar.gz"}}
ENV_SPEC = "proton: EnvironmentSpec\n"
SVC_SPEC = """proton: ServiceSpec
pipeline:
  unit_test_command: make test
instances:
  - name: one
    environment: dev
    port: 80
"""
INSTANCE_SPEC = "name: one\nenvironment: dev\nport: 81\n"
PIPELINE_SPEC = "unit_test_command: make check\n"
REPO_NAME = "org/repo"
REPOSITORY = {"repositoryConnectionArn": CONNECTION, "repositoryId": REPO_NAME, "branchName": "main"}
MANIFEST = "infrastructure:\n  templates:\n    - file: cloudformation.yaml\n      rendering_engine: jinja\n      template_language: cloudformation\n"  # noqa: E501
TEMPLATE_FILE = "Resources:\n  Queue:\n    Type: AWS::SQS::Queue\n"


@dataclass
class World:
    """The populated account; resources of other resource groups are created on first use."""

    client: Any
    ids: dict[str, str] = field(default_factory=dict)

    def component(self) -> str:
        if "component" not in self.ids:
            self.client.create_component(
                name="comp", environmentName="dev", manifest=MANIFEST, templateFile=TEMPLATE_FILE, clientToken="comp"
            )
            self.client.get_component(name="comp")  # settles its deployment
            self.ids["component"] = "comp"
        return self.ids["component"]

    def repository(self) -> str:
        if "repository" not in self.ids:
            created = self.client.create_repository(name=REPO_NAME, provider="GITHUB", connectionArn=CONNECTION)
            self.ids["repository"] = created["repository"]["arn"]
        return REPO_NAME

    def template_sync(self) -> str:
        if "template_sync" not in self.ids:
            self.client.create_template_sync_config(
                templateName="envt",
                templateType="ENVIRONMENT",
                repositoryName=self.repository(),
                repositoryProvider="GITHUB",
                branch="main",
            )
            self.ids["template_sync"] = "envt"
        return "envt"

    def service_sync(self) -> str:
        if "service_sync" not in self.ids:
            self.client.create_service_sync_config(
                serviceName="web",
                repositoryName=self.repository(),
                repositoryProvider="GITHUB",
                branch="main",
                filePath="proton/web.yaml",
            )
            self.ids["service_sync"] = "web"
        return "web"

    def connection(self, environment: str = "dev") -> str:
        """A new PENDING environment account connection (same account as management account)."""
        created = self.client.create_environment_account_connection(
            environmentName=environment, managementAccountId=ACCOUNT, roleArn=ROLE
        )
        return str(created["environmentAccountConnection"]["id"])


def publish_templates(client: Any) -> None:
    client.create_environment_template(name="envt", description="environment template")
    client.create_environment_template_version(templateName="envt", source=ENV_SOURCE)
    client.update_environment_template_version(
        templateName="envt", majorVersion="1", minorVersion="0", status="PUBLISHED"
    )
    client.create_environment_template_version(templateName="envt", majorVersion="1", source=ENV_SOURCE)
    client.create_service_template(name="svct")
    client.create_service_template_version(
        templateName="svct",
        source=SVC_SOURCE,
        compatibleEnvironmentTemplates=[{"templateName": "envt", "majorVersion": "1"}],
        supportedComponentSources=["DIRECTLY_DEFINED"],
    )
    client.update_service_template_version(templateName="svct", majorVersion="1", minorVersion="0", status="PUBLISHED")
    client.create_service_template_version(
        templateName="svct",
        majorVersion="1",
        source=SVC_SOURCE,
        compatibleEnvironmentTemplates=[{"templateName": "envt", "majorVersion": "1"}],
    )


def build_world(client: Any) -> World:
    """Templates, environment ``dev`` and service ``web`` (instance ``one``, pipeline), all settled."""
    world = World(client)
    stock(s3_for(client))
    publish_templates(client)
    env = client.create_environment(
        name="dev",
        templateName="envt",
        templateMajorVersion="1",
        spec=ENV_SPEC,
        protonServiceRoleArn=ROLE,
        componentRoleArn=ROLE,
    )["environment"]
    world.ids["env_arn"] = env["arn"]
    world.ids["env_deployment"] = client.get_environment(name="dev")["environment"]["lastSucceededDeploymentId"]
    client.create_service(name="web", templateName="svct", templateMajorVersion="1", spec=SVC_SPEC, **REPOSITORY)
    client.get_service(name="web")
    client.get_service_instance(serviceName="web", name="one")
    return world


def hold_deployments() -> None:
    """Keep every new deployment IN_PROGRESS until :func:`release_deployments`."""
    state_manager.set_transition(DEPLOYMENT_MODEL, {"progression": "manual", "times": 10_000})


def release_deployments() -> None:
    state_manager.unset_transition(DEPLOYMENT_MODEL)
