"""Ways to reach the emulator for tests that run the same steps in-process and over HTTP.

A :class:`Target` bundles a Proton client with the moto controls a test needs: hold and release
deployments (``state_manager`` in-process, ``/moto-api/state-manager/*`` over HTTP) and reset
(``moto_api_backend.reset()`` in-process, ``POST /moto-api/reset`` over HTTP).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import boto3
import requests
from moto import mock_aws
from moto.moto_api import state_manager
from moto.server import ThreadedMotoServer

from pytest_proton.emulator import register
from pytest_proton.emulator.provisioning import DEPLOYMENT_MODEL

from .bundles import s3_for, stock

REGION = "us-east-1"
HOLD = {"progression": "manual", "times": 10_000}


@dataclass
class Target:
    kind: str  # "in-process" or "http"
    client: Any
    hold: Callable[[], None]
    release: Callable[[], None]
    reset: Callable[[], None]
    url: str | None = None

    def stock_bundles(self) -> None:
        """Put the stock bundles (tests/emulator/bundles.py) into this target's S3."""
        stock(s3_for(self.client))

    def new_client(self) -> Any:
        return boto3.client("proton", region_name=REGION, endpoint_url=self.url)


@contextmanager
def in_process() -> Iterator[Target]:
    from moto.moto_api._internal.models import moto_api_backend

    register()
    with mock_aws():
        try:
            yield Target(
                "in-process",
                boto3.client("proton", region_name=REGION),
                hold=lambda: state_manager.set_transition(DEPLOYMENT_MODEL, HOLD),
                release=lambda: state_manager.unset_transition(DEPLOYMENT_MODEL),
                reset=moto_api_backend.reset,
            )
        finally:
            state_manager.unset_transition(DEPLOYMENT_MODEL)


@contextmanager
def over_http() -> Iterator[Target]:
    register()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"

    def post(path: str, body: dict[str, Any] | None = None) -> None:
        response = requests.post(url + path, json=body, timeout=10)
        assert response.status_code in (200, 201), (path, response.status_code, response.text)

    try:
        post("/moto-api/reset")
        yield Target(
            "http",
            boto3.client("proton", region_name=REGION, endpoint_url=url),
            hold=lambda: post(
                "/moto-api/state-manager/set-transition", {"model_name": DEPLOYMENT_MODEL, "transition": HOLD}
            ),
            release=lambda: post("/moto-api/state-manager/unset-transition", {"model_name": DEPLOYMENT_MODEL}),
            reset=lambda: post("/moto-api/reset"),
            url=url,
        )
    finally:
        state_manager.unset_transition(DEPLOYMENT_MODEL)
        server.stop()


TARGETS = {"in-process": in_process, "http": over_http}
