"""The seed's idempotency rules for creates without a client token.

CreateEnvironmentTemplate, CreateServiceTemplate, CreateEnvironment and CreateService: a retry of a
create that succeeded returns the original resource if it is unmodified, raises ConflictException
if it was modified since, and ValidationException (IdempotentParameterMismatch) if the retry's
parameters differ from the original request's.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar

from pytest_proton.emulator.exceptions import (
    ConflictException,
    ServiceQuotaExceededException,
    ValidationException,
    with_article,
)


class IdempotentResource(Protocol):
    """What a resource keeps to answer a retried create."""

    create_request: dict[str, Any]
    modified: bool


def canonical_request(params: dict[str, Any]) -> dict[str, Any]:
    """Request parameters as compared between retries: absent and null are the same; tag order is free."""
    canonical = {key: value for key, value in params.items() if value is not None}
    if "tags" in canonical:
        canonical["tags"] = sorted((tag["key"], tag["value"]) for tag in canonical["tags"])
    return canonical


def check_retry(existing: IdempotentResource, params: dict[str, Any], kind: str, name: str) -> None:
    """Raise unless ``params`` is a harmless retry of the create that made ``existing``."""
    if canonical_request(params) != existing.create_request:
        raise ValidationException(
            f"IdempotentParameterMismatch: {with_article(kind)} named '{name}' already exists "
            "and was created with other parameters"
        )
    if existing.modified:
        raise ConflictException(f"The {kind} '{name}' was modified since it was created; the create cannot be retried")


def retried_create(
    store: dict[str, Any], settle: Callable[[Any], object], params: dict[str, Any], kind: str, quota: tuple[int, str]
) -> Any | None:
    """CreateEnvironment / CreateService: the existing resource for a harmless retry, None for a new one.

    ``store`` maps names to resources that settle asynchronously (``settle`` advances one, and may
    drop it from ``store`` once deleted); ``quota`` is (limit, message) for a new resource.
    """
    name = params["name"]
    existing = store.get(name)
    if existing is not None:
        settle(existing)
        existing = store.get(name)
    if existing is not None:
        check_retry(existing, params, kind, name)
        if existing.delete_started_at is not None:
            raise ConflictException(f"The {kind} '{name}' is being deleted")
        return existing
    limit, message = quota
    if len(store) >= limit:
        raise ServiceQuotaExceededException(message)
    return None


# Client-token creates ---------------------------------------------------------------------------
# CreateEnvironmentTemplateVersion, CreateServiceTemplateVersion, CreateEnvironmentAccountConnection:
# same token and parameters -> the original resource; same token, other parameters ->
# ValidationException (IdempotentParameterMismatch); tokens expire 8 hours after the request; once
# the original resource is deleted a retry creates a new one.

CLIENT_TOKEN_TTL = timedelta(hours=8)
#: client tokens one backend remembers at most (the oldest are forgotten first): a bound for a
#: long-running emulator, which the service's 8-hour expiry alone is not at thousands of calls a second
CLIENT_TOKENS_KEPT = 10_000
#: deleted templates, versions or connections one backend remembers, per kind, to answer a retried delete
DELETED_KEPT = 1_000

K = TypeVar("K")
V = TypeVar("V")


class Recent(OrderedDict[K, V]):
    """A mapping that keeps only its ``limit`` most recently set keys (the records of retried deletes)."""

    def __init__(self, limit: int = DELETED_KEPT) -> None:
        super().__init__()
        self.limit = limit

    def __setitem__(self, key: K, value: V) -> None:
        super().__setitem__(key, value)
        self.move_to_end(key)
        while len(self) > self.limit:
            self.popitem(last=False)


@dataclass
class _TokenEntry:
    issued_at: datetime
    request: dict[str, Any]
    resource: Any
    alive: Callable[[Any], bool]


class ClientTokens:
    """Client tokens of one backend, per operation; the resource is kept to answer retries.

    An entry is useless once its token expired or its resource is gone (a retry then creates anew),
    so such entries are swept out, every time the table has doubled since the last sweep; and at most
    :data:`CLIENT_TOKENS_KEPT` are kept. Memory therefore follows the live resources, not the calls.
    """

    def __init__(self, limit: int = CLIENT_TOKENS_KEPT) -> None:
        self._entries: OrderedDict[tuple[str, str], _TokenEntry] = OrderedDict()
        self._limit = limit
        self._sweep_at = 64

    def lookup(self, operation: str, params: dict[str, Any], now: datetime, alive: Callable[[Any], bool]) -> Any | None:
        """The resource an earlier request with this token created, or None if a new one is due.

        ``alive(resource)`` says whether that resource still exists; a mismatch raises.
        """
        token = params.get("clientToken")
        if not token:
            return None
        entry = self._entries.get((operation, token))
        if entry is None or now - entry.issued_at >= CLIENT_TOKEN_TTL or not alive(entry.resource):
            return None
        if _token_request(params) != entry.request:
            raise ValidationException(
                f"IdempotentParameterMismatch: client token '{token}' was used for a {operation} "
                "request with other parameters"
            )
        return entry.resource

    def remember(
        self, operation: str, params: dict[str, Any], now: datetime, resource: Any, alive: Callable[[Any], bool]
    ) -> None:
        """Keep the token of a request that made or changed ``resource``; ``alive`` as for :meth:`lookup`."""
        token = params.get("clientToken")
        if not token:
            return
        key = (operation, token)
        self._entries.pop(key, None)
        self._entries[key] = _TokenEntry(now, _token_request(params), resource, alive)
        if len(self._entries) >= self._sweep_at:
            self._sweep(now)
        while len(self._entries) > self._limit:
            self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)

    def _sweep(self, now: datetime) -> None:
        """Drop expired entries and those whose resource is gone; sweep again once the table doubles."""
        for key, entry in list(self._entries.items()):
            if now - entry.issued_at >= CLIENT_TOKEN_TTL or not entry.alive(entry.resource):
                del self._entries[key]
        self._sweep_at = max(64, 2 * len(self._entries))


def _token_request(params: dict[str, Any]) -> dict[str, Any]:
    return canonical_request({key: value for key, value in params.items() if key != "clientToken"})
