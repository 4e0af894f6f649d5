"""Account-wide operations: account settings and the resources summary (dashboard)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pytest_proton.emulator.operations import operation

if TYPE_CHECKING:
    from pytest_proton.emulator.models import ProtonBackend


@operation("GetAccountSettings")
def get_account_settings(backend: ProtonBackend, _params: dict[str, Any]) -> dict[str, Any]:
    return {"accountSettings": backend.account_settings.to_dict()}


@operation("UpdateAccountSettings")
def update_account_settings(backend: ProtonBackend, params: dict[str, Any]) -> dict[str, Any]:
    return {"accountSettings": backend.update_account_settings(params).to_dict()}


@operation("GetResourcesSummary")
def get_resources_summary(backend: ProtonBackend, _params: dict[str, Any]) -> dict[str, Any]:
    return {"counts": backend.resources_summary()}
