"""``nextToken`` / ``maxResults`` paging with a stable order.

A token records the operation and the sort key of the last item returned, so paging stays stable
when items are created or deleted between pages. Tokens use the standard base64 alphabet, which is
what the model's ``NextToken`` pattern (``^[A-Za-z0-9+=/]+$``) allows.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from typing import TypeVar

from pytest_proton.emulator.validation import validation_error

T = TypeVar("T")
DEFAULT_PAGE_SIZE = 100


def encode_token(operation: str, last_key: str) -> str:
    raw = json.dumps({"op": operation, "after": last_key}, separators=(",", ":"))
    return base64.b64encode(raw.encode("utf-8")).decode("ascii")


def decode_token(operation: str, token: str) -> str:
    """The sort key a token resumes after; ValidationException for a token we did not issue."""
    try:
        data = json.loads(base64.b64decode(token.encode("ascii"), validate=True))
        if isinstance(data, dict) and data.get("op") == operation and isinstance(data.get("after"), str):
            return data["after"]
    except (binascii.Error, UnicodeError, ValueError):
        pass
    raise validation_error("nextToken", "The pagination token is invalid", token)


def paginate(
    items: Sequence[T],
    key: Callable[[T], str],
    *,
    operation: str,
    max_results: int | None,
    next_token: str | None,
) -> tuple[list[T], str | None]:
    """One page of ``items`` (sorted by ``key`` here) and the token for the next, if any."""
    ordered = sorted(items, key=key)
    if next_token:
        after = decode_token(operation, next_token)
        ordered = [item for item in ordered if key(item) > after]
    limit = max_results or DEFAULT_PAGE_SIZE
    page = ordered[:limit]
    token = encode_token(operation, key(page[-1])) if len(ordered) > limit else None
    return page, token
