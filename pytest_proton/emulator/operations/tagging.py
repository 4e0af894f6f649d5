"""TagResource, UntagResource and ListTagsForResource."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pytest_proton.emulator.operations import operation
from pytest_proton.emulator.pagination import paginate
from pytest_proton.emulator.tags import dict_to_tags

if TYPE_CHECKING:
    from pytest_proton.emulator.models import ProtonBackend


@operation("TagResource")
def tag_resource(backend: ProtonBackend, params: dict[str, Any]) -> dict[str, Any]:
    backend.tag_resource(params["resourceArn"], params["tags"])
    return {}


@operation("UntagResource")
def untag_resource(backend: ProtonBackend, params: dict[str, Any]) -> dict[str, Any]:
    backend.untag_resource(params["resourceArn"], params["tagKeys"])
    return {}


@operation("ListTagsForResource")
def list_tags_for_resource(backend: ProtonBackend, params: dict[str, Any]) -> dict[str, Any]:
    page, token = paginate(
        dict_to_tags(backend.list_tags(params["resourceArn"])),
        key=lambda tag: tag["key"],
        operation="ListTagsForResource",
        max_results=params.get("maxResults"),
        next_token=params.get("nextToken"),
    )
    return {"tags": page, "nextToken": token}
