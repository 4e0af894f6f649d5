"""queue-worker-svc: two instances on two environments and a pipeline, updated and cancelled."""

from __future__ import annotations

import yaml

INSTANCE_OUTPUTS = {"QueueUrl", "QueueArn", "DeadLetterQueueUrl", "FunctionName"}


def _environments(proton_env, vpc_template):
    # The sample spec puts its instances on vpc-env-dev and vpc-env-prod: make both.
    return proton_env(vpc_template, basename="vpc-env-dev"), proton_env(vpc_template, basename="vpc-env-prod")


def test_two_instances_and_a_pipeline(proton_env, proton_service, vpc_template, worker_template):
    dev, prod = _environments(proton_env, vpc_template)
    service = proton_service(worker_template)  # spec/spec.yaml; instances mapped onto dev and prod
    assert service.status == "ACTIVE"
    instances = service.instances
    assert set(instances) == {"orders-worker-dev", "orders-worker-prod"}
    assert instances["orders-worker-dev"].environment_name == dev.name
    assert instances["orders-worker-prod"].environment_name == prod.name
    assert all(i.status == "SUCCEEDED" for i in instances.values())
    assert service.pipeline is not None and service.pipeline.status == "SUCCEEDED"


def test_outputs_of_instances(proton_env, proton_service, vpc_template, worker_template):
    """Each instance exposes its queue and function (the stack's Outputs)."""
    _environments(proton_env, vpc_template)
    service = proton_service(worker_template)
    for instance in service.instances.values():
        assert set(instance.outputs) >= INSTANCE_OUTPUTS


def test_instances_on_one_environment(proton_service, shared_env, worker_template):
    service = proton_service(worker_template, environments=shared_env)
    assert {i.environment_name for i in service.instances.values()} == {shared_env.name}


def test_update_instance_inputs(proton_service, shared_env, worker_template):
    service = proton_service(worker_template, environments=shared_env)
    instance = service.instances["orders-worker-prod"]
    instance.update({"lambda_memory": 1024})
    assert instance.status == "SUCCEEDED"


def test_add_an_instance(proton_service, shared_env, worker_template):
    service = proton_service(worker_template, environments=shared_env)
    spec = yaml.safe_load(service.describe()["spec"])
    spec["instances"].append({"name": "orders-worker-extra", "environment": shared_env.name})
    service.update(spec, environments=shared_env)
    assert "orders-worker-extra" in service.instances


def test_cancel_an_instance_deployment(proton_service, shared_env, worker_template, proton_controls):
    service = proton_service(worker_template, environments=shared_env)
    instance = service.instances["orders-worker-dev"]
    with proton_controls.holding():
        instance.update({"lambda_memory": 2048}, wait=False)
        assert instance.status == "IN_PROGRESS"
        instance.cancel()
    assert instance.status == "CANCELLED"
