"""Plug the emulator into moto with two data-only hooks (reference §2.5), no function replaced.

moto resolves a service in two steps, in-process (``mock_aws``) and in server mode alike:

1. ``moto.backend_index.backend_url_patterns``, a list read on every request, maps a URL to a
   service name; we append ``("proton", <proton URL pattern>)``.
2. ``moto.backends.get_backend("proton")`` does ``import_module("moto.proton")`` and reads its
   ``proton_backends``; we make ``sys.modules["moto.proton"]`` this package.

:func:`register` then checks that moto really resolves Proton to our backend and raises
:class:`RegistrationError` otherwise, so a moto release that changes these internals fails loudly
instead of silently not mocking Proton (which would send calls to real AWS).

If a future moto ships its own ``moto/proton`` package, ``register()`` keeps ours only when asked
(``prefer="emulator"``, the default) and warns either way, naming the backend that is used.
"""

from __future__ import annotations

import importlib.machinery
import re
import sys
import warnings
from dataclasses import dataclass
from types import ModuleType
from typing import Literal

MOTO_MODULE = "moto.proton"
SERVICE = "proton"


class RegistrationError(RuntimeError):
    """moto's internals no longer work the way the registration relies on."""


class BackendChoiceWarning(UserWarning):
    """moto ships a Proton backend of its own; the warning says which one is used."""


@dataclass(frozen=True)
class Registration:
    backend: Literal["emulator", "moto"]  # which Proton backend moto now uses
    module: str  # the module behind it


def _our_package() -> ModuleType:
    import pytest_proton.emulator as package

    return package


def _moto_ships_proton() -> bool:
    """True if moto has a real ``moto/proton`` package (looked up on disk, not in sys.modules)."""
    import moto

    return importlib.machinery.PathFinder.find_spec(SERVICE, list(moto.__path__)) is not None


def register(prefer: Literal["emulator", "moto"] = "emulator") -> Registration:
    """Make moto serve Proton from this emulator (idempotent); return which backend is used."""
    import moto.backend_index as index

    from pytest_proton.emulator.urls import URL_PATTERN

    package = _our_package()
    patterns = getattr(index, "backend_url_patterns", None)
    if not isinstance(patterns, list):
        raise RegistrationError(
            "moto.backend_index.backend_url_patterns is no longer a list; the Proton emulator cannot register"
        )
    if _moto_ships_proton() and sys.modules.get(MOTO_MODULE) is not package:
        if prefer == "moto":
            warnings.warn(
                "moto ships its own Proton backend; using moto's, not pytest_proton's",
                BackendChoiceWarning,
                stacklevel=2,
            )
            return Registration("moto", MOTO_MODULE)
        warnings.warn(
            "moto ships its own Proton backend; pytest_proton's emulator replaces it"
            " (call register(prefer='moto') to keep moto's)",
            BackendChoiceWarning,
            stacklevel=2,
        )
    current = sys.modules.get(MOTO_MODULE)
    if current is not None and current is not package and not _moto_ships_proton():
        raise RegistrationError(f"{MOTO_MODULE} is already taken by {current.__name__}; refusing to shadow it")
    sys.modules[MOTO_MODULE] = package
    if not any(name == SERVICE for name, _ in patterns):
        patterns.append((SERVICE, re.compile(URL_PATTERN)))
    self_check()
    # moto_gaps.py (CloudFormation handlers moto lacks) is applied by the provisioners when they are
    # first built, not here: registering stays data-only and does not import moto's EC2 models.
    return Registration("emulator", package.__name__)


def self_check() -> None:
    """Fail loudly unless moto resolves Proton URLs and backends to this emulator."""
    import moto.backend_index as index
    from moto import backends
    from moto.core.base_backend import BackendDict

    package = _our_package()
    url = "https://proton.us-east-1.amazonaws.com/"
    matches = [name for name, pattern in index.backend_url_patterns if pattern.match(url)]
    if not matches or matches[0] != SERVICE:
        raise RegistrationError(f"moto routes {url} to {matches or 'nothing'}, not to 'proton'")
    try:
        resolved = backends.get_backend(SERVICE)  # type: ignore[call-overload]
    except Exception as error:  # any failure here means moto's lookup changed
        raise RegistrationError(f"moto.backends.get_backend('proton') failed: {error!r}") from error
    if resolved is not package.proton_backends:
        raise RegistrationError("moto.backends.get_backend('proton') does not return the emulator's backends")
    if not isinstance(resolved, BackendDict) or not callable(getattr(BackendDict, "reset", None)):
        raise RegistrationError("moto's BackendDict changed: Proton state would not be reset by mock_aws")
    backend = resolved["123456789012"]["us-east-1"]
    if not backend.urls:
        raise RegistrationError("moto no longer finds the emulator's urls.py (BaseBackend._url_module changed)")
