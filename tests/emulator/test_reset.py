"""moto's reset clears Proton state, in-process and over HTTP; the process-wide clock survives it.

What survives a reset (documented in docs/emulator.md):

- reset: every Proton resource, client token and tag, and the per-backend knobs (``ProtonBackend``
  attributes: ``clock``, ``environment_quota``, ``service_quota``, ...), because moto rebuilds each
  backend from ``__init__``;
- kept: the process-wide clock installed with ``clock.set_clock``/``use_clock`` (it is not backend
  state), and ``state_manager`` transitions (moto's reset does not touch them).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone

import pytest
from botocore.exceptions import ClientError
from moto.moto_api import state_manager

from pytest_proton.emulator import proton_backends
from pytest_proton.emulator.clock import ManualClock, get_clock, use_clock
from pytest_proton.emulator.provisioning import DEPLOYMENT_MODEL

from .servers import TARGETS, Target

SOURCE = {"s3": {"bucket": "bundles", "key": "env.tar.gz"}}


@pytest.fixture(params=sorted(TARGETS))
def target(request: pytest.FixtureRequest, aws_credentials: None) -> Iterator[Target]:
    with TARGETS[request.param]() as target:
        target.stock_bundles()
        yield target


def test_reset_clears_proton_state(target: Target) -> None:
    client = target.client
    created = client.create_environment_template(name="envt", tags=[{"key": "k", "value": "v"}])
    arn = created["environmentTemplate"]["arn"]
    client.create_environment_template_version(templateName="envt", source=SOURCE, clientToken="tok")
    target.reset()
    assert client.list_environment_templates()["templates"] == []
    with pytest.raises(ClientError) as excinfo:
        client.get_environment_template(name="envt")
    assert excinfo.value.response["Error"]["Code"] == "ResourceNotFoundException"
    # recreated from scratch: no old tags, and the old client token no longer returns the old version
    again = client.create_environment_template(name="envt")["environmentTemplate"]
    assert again["arn"] == arn
    assert client.list_tags_for_resource(resourceArn=arn)["tags"] == []
    target.stock_bundles()  # the reset emptied S3 too
    version = client.create_environment_template_version(templateName="envt", source=SOURCE, clientToken="tok")
    assert version["environmentTemplateVersion"]["majorVersion"] == "1"
    assert len(client.list_environment_template_versions(templateName="envt")["templateVersions"]) == 1


def test_reset_keeps_the_process_clock_and_drops_backend_knobs(target: Target) -> None:
    clock = ManualClock(datetime(2030, 5, 1, tzinfo=timezone.utc))
    with use_clock(clock):
        target.client.create_environment_template(name="before")
        backend = proton_backends["123456789012"]["us-east-1"]
        backend.environment_quota = 1
        backend.clock = ManualClock(datetime(2040, 1, 1, tzinfo=timezone.utc))
        state_manager.set_transition(DEPLOYMENT_MODEL, {"progression": "manual", "times": 3})
        try:
            target.reset()
            assert get_clock() is clock  # the process-wide clock survives
            fresh = proton_backends["123456789012"]["us-east-1"]
            assert fresh.clock is None  # the per-backend clock does not
            assert fresh.environment_quota > 1  # nor do quota knobs
            assert state_manager.get_transition(DEPLOYMENT_MODEL) == {"progression": "manual", "times": 3}
            created = target.client.create_environment_template(name="after")["environmentTemplate"]
            assert created["createdAt"] == datetime(2030, 5, 1, tzinfo=timezone.utc)
        finally:
            state_manager.unset_transition(DEPLOYMENT_MODEL)


def test_reset_through_the_moto_api_url_in_process(proton: object) -> None:
    """Inside ``mock_aws()`` moto intercepts ``requests`` too: the documented reset URL works in-process."""
    import requests

    proton.create_environment_template(name="envt")  # type: ignore[attr-defined]
    response = requests.post("http://motoapi.amazonaws.com/moto-api/reset", timeout=10)
    assert response.status_code == 200
    assert proton.list_environment_templates()["templates"] == []  # type: ignore[attr-defined]
