"""botocore's Proton model, loaded once: the source of truth for inputs, outputs and paginators."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import botocore.session
from botocore.model import OperationModel, OperationNotFoundError, ServiceModel

SERVICE_NAME = "proton"


@lru_cache(maxsize=1)
def _session() -> botocore.session.Session:
    return botocore.session.get_session()


@lru_cache(maxsize=1)
def service_model() -> ServiceModel:
    return _session().get_service_model(SERVICE_NAME)


@lru_cache(maxsize=1)
def paginators() -> dict[str, dict[str, Any]]:
    """``paginators-1.json`` keyed by operation name."""
    loaded = _session().get_component("data_loader").load_service_model(SERVICE_NAME, "paginators-1")
    return dict(loaded["pagination"])


def operation_model(name: str) -> OperationModel | None:
    """The operation called ``name``, or None when the model has no such operation."""
    try:
        return service_model().operation_model(name)
    except OperationNotFoundError:
        return None


def target_prefix() -> str:
    return str(service_model().metadata["targetPrefix"])
