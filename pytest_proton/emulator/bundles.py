"""Template bundle registration: the seam where a new template version leaves REGISTRATION_IN_PROGRESS.

A version is created ``REGISTRATION_IN_PROGRESS`` and settles on its next read (Get, List, Update,
Delete) through :func:`register_bundle`. For now no bundle is read: registration always succeeds
with status ``DRAFT`` and no schema.

Issue 5 plugs in here: read ``version.source["s3"]`` (bucket, key) from moto's S3 backend for
``backend.account_id`` / ``backend.region_name``, unpack and lint the bundle, return the schema
text, and for a minor version compare the schema with the previous minor's (proton-rules §3.4).
Any problem -> ``RegistrationOutcome(REGISTRATION_FAILED, message)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from pytest_proton.emulator.versions import DRAFT

if TYPE_CHECKING:
    from pytest_proton.emulator.models import ProtonBackend
    from pytest_proton.emulator.versions import TemplateVersion


@dataclass(frozen=True)
class RegistrationOutcome:
    status: str  # DRAFT or REGISTRATION_FAILED
    message: str | None = None
    schema: str | None = None


def register_bundle(backend: ProtonBackend, version: TemplateVersion) -> RegistrationOutcome:  # noqa: ARG001
    """Register ``version``'s bundle; no bundle processing yet, so it always succeeds."""
    return RegistrationOutcome(DRAFT)
