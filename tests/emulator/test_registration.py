"""register(): data-only hooks, idempotence, the self-check and the backend choice."""

from __future__ import annotations

import sys

import moto.backend_index as index
import pytest
from moto import backends

from pytest_proton.emulator import proton_backends, register, registration


def test_register_is_idempotent_and_resolves_to_the_emulator() -> None:
    first = register()
    second = register()
    assert first == second == registration.Registration("emulator", "pytest_proton.emulator")
    assert [name for name, _ in index.backend_url_patterns].count("proton") == 1
    assert backends.get_backend("proton") is proton_backends


def test_self_check_fails_loudly_when_moto_changes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(index, "backend_url_patterns", tuple(index.backend_url_patterns))
    with pytest.raises(registration.RegistrationError, match="no longer a list"):
        register()


def test_self_check_notices_a_lost_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    register()
    monkeypatch.setattr(backends, "get_backend", lambda name: object())
    with pytest.raises(registration.RegistrationError, match="does not return the emulator"):
        registration.self_check()


def test_refuses_to_shadow_a_foreign_moto_proton(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "moto.proton", type(sys)("someone_else"))
    with pytest.raises(registration.RegistrationError, match="someone_else"):
        register()


@pytest.mark.parametrize(("prefer", "used"), [("emulator", "emulator"), ("moto", "moto")])
def test_says_which_backend_is_used_when_moto_ships_proton(
    monkeypatch: pytest.MonkeyPatch, prefer: str, used: str
) -> None:
    monkeypatch.setattr(registration, "_moto_ships_proton", lambda: True)
    monkeypatch.delitem(sys.modules, "moto.proton", raising=False)
    with pytest.warns(registration.BackendChoiceWarning, match="moto ships its own Proton backend"):
        result = register(prefer=prefer)  # type: ignore[arg-type]
    assert result.backend == used
