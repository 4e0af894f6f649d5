"""The operation table: ``X-Amz-Target`` operation name -> handler(backend, params) -> result dict.

A handler receives parameters already validated against the model and returns a camelCase dict
(datetimes allowed); the response layer shapes it by the model's output shape. Adding an operation
is one decorated function in the module of its resource group.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pytest_proton.emulator.models import ProtonBackend

Handler = Callable[["ProtonBackend", dict[str, Any]], "dict[str, Any] | None"]
HANDLERS: dict[str, Handler] = {}


def operation(name: str) -> Callable[[Handler], Handler]:
    """Register ``handler`` for the model operation ``name``."""

    def decorate(handler: Handler) -> Handler:
        if name in HANDLERS:
            raise RuntimeError(f"operation {name} registered twice")
        HANDLERS[name] = handler
        return handler

    return decorate


def load_all() -> dict[str, Handler]:
    """Import every resource-group module (each registers its handlers) and return the table."""
    from pytest_proton.emulator.operations import (  # noqa: F401
        account,
        components,
        connections,
        environments,
        repositories,
        services,
        sync,
        tagging,
        template_versions,
        templates,
    )

    return HANDLERS
