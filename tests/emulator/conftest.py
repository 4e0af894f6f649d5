"""Fixtures for the Proton emulator: fake credentials, moto's mock and a Proton client."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from pytest_proton.emulator import register

REGION = "us-east-1"
ACCOUNT = "123456789012"


@pytest.fixture
def aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials, so that nothing can ever reach real AWS."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SECURITY_TOKEN": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)


@pytest.fixture
def proton(aws_credentials: None) -> Iterator[Any]:
    """A boto3 Proton client served by the emulator inside ``mock_aws()``."""
    register()
    with mock_aws():
        yield boto3.client("proton", region_name=REGION)


def error_of(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    """``(code, message)`` of a ClientError."""
    error = excinfo.value.response["Error"]
    return error["Code"], error["Message"]
