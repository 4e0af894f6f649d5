"""TagResource, UntagResource and ListTagsForResource on templates."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from .conftest import ACCOUNT, REGION, error_of


@pytest.fixture
def arn(proton: Any) -> str:
    return proton.create_service_template(name="svc", tags=[{"key": "team", "value": "a"}])["serviceTemplate"]["arn"]


def test_tag_untag_list(proton: Any, arn: str) -> None:
    assert proton.list_tags_for_resource(resourceArn=arn)["tags"] == [{"key": "team", "value": "a"}]
    proton.tag_resource(resourceArn=arn, tags=[{"key": "team", "value": "b"}, {"key": "cost", "value": "1"}])
    assert proton.list_tags_for_resource(resourceArn=arn)["tags"] == [
        {"key": "cost", "value": "1"},
        {"key": "team", "value": "b"},
    ]
    proton.untag_resource(resourceArn=arn, tagKeys=["team", "absent"])
    assert proton.list_tags_for_resource(resourceArn=arn)["tags"] == [{"key": "cost", "value": "1"}]


def test_tags_page(proton: Any, arn: str) -> None:
    proton.tag_resource(resourceArn=arn, tags=[{"key": f"k{index:02d}", "value": "v"} for index in range(10)])
    pages = list(
        proton.get_paginator("list_tags_for_resource").paginate(resourceArn=arn, PaginationConfig={"PageSize": 4})
    )
    keys = [tag["key"] for page in pages for tag in page["tags"]]
    assert keys == sorted(keys) and len(keys) == 11


def test_aws_prefix_is_reserved(proton: Any, arn: str) -> None:
    with pytest.raises(ClientError) as excinfo:
        proton.tag_resource(resourceArn=arn, tags=[{"key": "aws:owner", "value": "x"}])
    code, message = error_of(excinfo)
    assert code == "ValidationException"
    assert "tags.1.member.key" in message
    with pytest.raises(ClientError) as excinfo:
        proton.create_environment_template(name="e", tags=[{"key": "AWS:x", "value": "y"}])
    assert error_of(excinfo)[0] == "ValidationException"


def test_at_most_50_tags(proton: Any, arn: str) -> None:
    proton.tag_resource(resourceArn=arn, tags=[{"key": f"k{index}", "value": "v"} for index in range(49)])
    with pytest.raises(ClientError) as excinfo:
        proton.tag_resource(resourceArn=arn, tags=[{"key": "one", "value": "v"}, {"key": "two", "value": "v"}])
    code, message = error_of(excinfo)
    assert code == "ValidationException"
    assert "at 'tags'" in message
    assert len(proton.list_tags_for_resource(resourceArn=arn, maxResults=100)["tags"]) == 50  # unchanged


@pytest.mark.parametrize(
    "resource_arn",
    [
        f"arn:aws:proton:{REGION}:{ACCOUNT}:service-template/nothing",
        f"arn:aws:proton:{REGION}:{ACCOUNT}:environment/svc",
        f"arn:aws:proton:eu-west-1:{ACCOUNT}:service-template/svc",
    ],
)
def test_unknown_resource_is_not_found(proton: Any, arn: str, resource_arn: str) -> None:
    for call in (
        lambda: proton.list_tags_for_resource(resourceArn=resource_arn),
        lambda: proton.tag_resource(resourceArn=resource_arn, tags=[{"key": "k", "value": "v"}]),
        lambda: proton.untag_resource(resourceArn=resource_arn, tagKeys=["k"]),
    ):
        with pytest.raises(ClientError) as excinfo:
            call()
        assert error_of(excinfo)[0] == "ResourceNotFoundException"


def test_tags_go_with_the_resource(proton: Any, arn: str) -> None:
    proton.delete_service_template(name="svc")
    proton.create_service_template(name="svc")
    assert proton.list_tags_for_resource(resourceArn=arn)["tags"] == []
