"""Fixtures for the Proton emulator: fake credentials, moto's mock and a Proton client."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from pytest_proton.emulator import register

from . import bundles

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
    """A boto3 Proton client served by the emulator inside ``mock_aws()``.

    Small valid bundles are in moto's S3 at ``s3://bundles/{env,svc,web}.tar.gz`` (tests/emulator/bundles.py).
    """
    register()
    with mock_aws():
        bundles.stock(boto3.client("s3", region_name=REGION))
        yield boto3.client("proton", region_name=REGION)


@pytest.fixture
def s3(proton: Any) -> Any:
    """A boto3 S3 client of the same mock as ``proton``."""
    return boto3.client("s3", region_name=REGION)


@pytest.fixture
def cloudformation(proton: Any) -> Any:
    """A boto3 CloudFormation client of the same mock as ``proton``."""
    return boto3.client("cloudformation", region_name=REGION)


def error_of(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    """``(code, message)`` of a ClientError."""
    error = excinfo.value.response["Error"]
    return error["Code"], error["Message"]
