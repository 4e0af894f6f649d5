"""Tags per resource ARN: the ``aws:`` prefix is reserved and a resource holds at most 50 tags."""

from __future__ import annotations

from typing import Any

from pytest_proton.emulator.validation import validation_error

MAX_TAGS = 50
RESERVED_PREFIX = "aws:"


def tags_to_dict(tags: list[dict[str, Any]] | None, field: str = "tags") -> dict[str, str]:
    """Model ``[{key, value}]`` -> dict, refusing reserved keys."""
    result: dict[str, str] = {}
    for index, tag in enumerate(tags or [], start=1):
        key = tag["key"]
        if key.lower().startswith(RESERVED_PREFIX):
            raise validation_error(
                f"{field}.{index}.member.key", f"Tag keys must not start with '{RESERVED_PREFIX}'", key
            )
        result[key] = tag["value"]
    return result


def dict_to_tags(tags: dict[str, str]) -> list[dict[str, str]]:
    return [{"key": key, "value": value} for key, value in sorted(tags.items())]


class TagStore:
    """Tags of every taggable resource of one backend, keyed by ARN."""

    def __init__(self) -> None:
        self._tags: dict[str, dict[str, str]] = {}

    def get(self, arn: str) -> dict[str, str]:
        return dict(self._tags.get(arn, {}))

    def set(self, arn: str, tags: dict[str, str]) -> None:
        """Replace all tags of ``arn`` (used at creation)."""
        self._check_count(len(tags))
        self._tags[arn] = dict(tags)

    def add(self, arn: str, tags: dict[str, str]) -> None:
        merged = {**self._tags.get(arn, {}), **tags}
        self._check_count(len(merged))
        self._tags[arn] = merged

    def remove(self, arn: str, keys: list[str]) -> None:
        current = self._tags.get(arn, {})
        for key in keys:
            if key.lower().startswith(RESERVED_PREFIX):
                raise validation_error("tagKeys", f"Tag keys must not start with '{RESERVED_PREFIX}'", key)
            current.pop(key, None)

    def drop(self, arn: str) -> None:
        self._tags.pop(arn, None)

    @staticmethod
    def _check_count(count: int) -> None:
        if count > MAX_TAGS:
            raise validation_error(
                "tags", f"A resource can have at most {MAX_TAGS} tags; the request would give it {count}", count
            )
