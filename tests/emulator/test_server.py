"""The emulator behind moto's ThreadedMotoServer, reached over HTTP by a boto3 client."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto.server import ThreadedMotoServer

from pytest_proton.emulator import register

from .conftest import REGION, error_of


@pytest.fixture
def server_client(aws_credentials: None) -> Iterator[Any]:
    register()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield boto3.client("proton", region_name=REGION, endpoint_url=f"http://{host}:{port}")
    finally:
        server.stop()


def test_templates_and_tags_over_http(server_client: Any) -> None:
    created = server_client.create_environment_template(name="net", tags=[{"key": "k", "value": "v"}])
    arn = created["environmentTemplate"]["arn"]
    assert arn.endswith(":environment-template/net")
    assert server_client.get_environment_template(name="net")["environmentTemplate"]["arn"] == arn
    assert server_client.list_tags_for_resource(resourceArn=arn)["tags"] == [{"key": "k", "value": "v"}]
    with pytest.raises(ClientError) as excinfo:
        server_client.get_environment_template(name="absent")
    assert error_of(excinfo)[0] == "ResourceNotFoundException"
    with pytest.raises(ClientError) as excinfo:
        server_client.list_environment_templates(maxResults=101)
    assert error_of(excinfo)[0] == "ValidationException"
    server_client.delete_environment_template(name="net")
