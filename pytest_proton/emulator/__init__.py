"""The AWS Proton emulator: a moto backend that lives outside moto.

moto finds a backend by importing ``moto.<service>`` and reading ``<service>_backends``;
:func:`pytest_proton.emulator.registration.register` makes this package answer as ``moto.proton``,
which is why it exposes ``proton_backends`` at the top level.
"""

from pytest_proton.emulator.models import ProtonBackend, proton_backends
from pytest_proton.emulator.registration import register

__all__ = ["ProtonBackend", "proton_backends", "register"]
