"""A test suite for AWS's CloudFormation sample templates, written as a template author would.

lambda-multi-svc's ``lambda-env`` (an environment template: a DynamoDB table and a bucket) and its
``service-crud`` (a Lambda CRUD service compatible with it through its ``.compatible-envs``, with a
pipeline), with the sample specs of ``lambda-multi-svc/specs/``, through deploy, update, cancel and
delete, using only the fixtures (and so only the documented Proton API). Run it with::

    PROTON_CORPUS=../shared/corpus pytest tests/plugin/suites/corpus_suite.py

``tests/plugin/test_corpus.py`` runs it on the moto and server targets. (The fargate-env and
load-balanced-fargate-svc pair it used first does not deploy in moto 5.2: its ECS service and ECR
repository fail in moto's models; tests/emulator/test_corpus_deployments.py lists why.)
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import yaml

SAMPLES = Path(os.environ["PROTON_CORPUS"]) / "aws-samples__aws-proton-cloudformation-sample-templates"
LAMBDA_MULTI_SVC = SAMPLES / "lambda-multi-svc"
LAMBDA_ENV = LAMBDA_MULTI_SVC / "lambda-env"
CRUD_SVC = LAMBDA_MULTI_SVC / "service-crud"
ENV_SPEC = LAMBDA_MULTI_SVC / "specs" / "env-spec.yaml"
SVC_SPEC = LAMBDA_MULTI_SVC / "specs" / "svc-spec.yaml"
INSTANCE = "front-end"  # the sample service spec's instance, on environment multi-svc-beta


def cfn_output_keys(template: Path) -> set[str]:
    """The keys under ``Outputs:`` of a (Jinja) CloudFormation file, read as text."""
    text = template.read_text(encoding="utf-8")
    block = text.split("\nOutputs:", 1)[1] if "\nOutputs:" in text else ""
    return set(re.findall(r"^  ([A-Za-z0-9]+):", block, flags=re.MULTILINE))


@pytest.fixture(scope="session")
def env_template(proton_template_factory):
    return proton_template_factory(LAMBDA_ENV)


@pytest.fixture(scope="session")
def svc_template(proton_template_factory, env_template):
    return proton_template_factory(CRUD_SVC)


@pytest.fixture
def deployed(proton_env, proton_service, env_template, svc_template):
    env = proton_env(env_template, ENV_SPEC, basename="multi-svc-beta")  # the name the sample service spec uses
    service = proton_service(svc_template, SVC_SPEC)
    return env, service


def instance_inputs(**changes):
    """The sample spec's inputs of the instance, with ``changes``."""
    (entry,) = yaml.safe_load(SVC_SPEC.read_text())["instances"]
    return {**entry["spec"], **changes}


def test_deploys(deployed, svc_template):
    env, service = deployed
    assert env.status == "SUCCEEDED"
    assert service.status == "ACTIVE"
    assert set(service.instances) == {INSTANCE}
    assert service.instances[INSTANCE].environment_name == env.name
    assert service.instances[INSTANCE].status == "SUCCEEDED"
    assert service.pipeline.status == "SUCCEEDED"
    assert service.describe()["templateName"] == svc_template.name


def test_outputs_match_the_templates_outputs(deployed):
    env, service = deployed
    expected = cfn_output_keys(LAMBDA_ENV / "v1" / "infrastructure" / "cloudformation.yaml")
    assert expected and expected <= set(env.outputs)
    assert {r["name"] for r in env.provisioned_resources} >= {"AppTable", "AppBucket"}
    instance = service.instances[INSTANCE]
    instance_keys = cfn_output_keys(CRUD_SVC / "v1" / "instance_infrastructure" / "cloudformation.yaml")
    assert instance_keys and instance_keys <= set(instance.outputs)
    assert instance.outputs["LambdaRuntime"] == "ruby2.7"  # the sample spec's runtime


def test_updates(deployed, env_template):
    env, service = deployed
    spec = yaml.safe_load(ENV_SPEC.read_text())
    spec["spec"]["ttl_attribute"] = "expires_at"
    env.update(spec)
    assert yaml.safe_load(env.describe()["spec"])["spec"]["ttl_attribute"] == "expires_at"
    minor = env_template.new_version()
    env.update(template=minor)
    assert (env.describe()["templateMajorVersion"], env.describe()["templateMinorVersion"]) == ("1", minor.minor)
    instance = service.instances[INSTANCE]
    instance.update(instance_inputs(lambda_runtime="python3.8"))
    assert instance.status == "SUCCEEDED"
    assert instance.outputs["LambdaRuntime"] == "python3.8"
    service.pipeline.update({"unit_test_command": "make check", "packaging_command": "make publish"})
    assert service.pipeline.status == "SUCCEEDED"


def test_cancels(deployed, proton_controls):
    env, service = deployed
    with proton_controls.holding():
        env.update(ENV_SPEC, wait=False)
        env.cancel()
        instance = service.instances[INSTANCE]
        instance.update(instance_inputs(lambda_memory=1024), wait=False)
        instance.cancel()
    assert env.status == "CANCELLED"
    assert instance.status == "CANCELLED"
    assert instance.outputs["LambdaRuntime"] == "ruby2.7"  # nothing of the cancelled deployment applied


def test_deletes(deployed, proton_client):
    env, service = deployed
    service.delete()
    env.delete()
    assert service.name not in {s["name"] for s in proton_client.list_services()["services"]}
    assert env.name not in {e["name"] for e in proton_client.list_environments()["environments"]}
