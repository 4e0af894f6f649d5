"""The seed's idempotency rules for creates without a client token.

CreateEnvironmentTemplate, CreateServiceTemplate, CreateEnvironment and CreateService: a retry of a
create that succeeded returns the original resource if it is unmodified, raises ConflictException
if it was modified since, and ValidationException (IdempotentParameterMismatch) if the retry's
parameters differ from the original request's.
"""

from __future__ import annotations

from typing import Any, Protocol

from pytest_proton.emulator.exceptions import ConflictException, ValidationException


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
            f"IdempotentParameterMismatch: a {kind} named '{name}' already exists and was created with other parameters"
        )
    if existing.modified:
        raise ConflictException(f"The {kind} '{name}' was modified since it was created; the create cannot be retried")
