"""Template bundles: read from moto's S3, kept per template version, parsed by the linter's reader.

``fetch_source`` reads ``source.s3`` (bucket, key) from moto's S3 backend of the same account (its
partition from the Region), as Proton read it when CreateEnvironmentTemplateVersion /
CreateServiceTemplateVersion was called; a missing bucket or object is a ``ValidationException``
then. The bytes are kept (Proton copied the bundle at registration: a later change of the S3 object
does not change the version) and unpacked with the linter's safe archive reader, in memory, when
the version registers (``StoredBundle``).

The store lives on the backend object, so ``mock_aws`` and ``/moto-api/reset`` clear it with the rest
of the account's Proton state.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pytest_proton.emulator.exceptions import ValidationException

if TYPE_CHECKING:
    from proton_lint.bundle import Bundle
    from proton_lint.discover import Discovery
    from pytest_proton.emulator.models import ProtonBackend
    from pytest_proton.emulator.versions import TemplateVersion

_STORE_ATTRIBUTE = "_proton_bundle_store"


@dataclass
class StoredBundle:
    """One template version's bundle: the archive's bytes and, once registered, the parsed bundle."""

    data: bytes
    where: str  # s3://bucket/key, for messages
    discovery: Discovery | None = None
    bundle: Bundle | None = None
    #: rendering engine per infrastructure folder ("infrastructure" -> "jinja"), filled at registration
    engines: dict[str, str] = field(default_factory=dict)

    def engine(self, folder: str) -> str | None:
        return self.engines.get(folder)


def _store(backend: ProtonBackend) -> dict[str, StoredBundle]:
    store = backend.__dict__.get(_STORE_ATTRIBUTE)
    if store is None:
        store = backend.__dict__[_STORE_ATTRIBUTE] = {}
    return store  # type: ignore[no-any-return]


def fetch_source(backend: ProtonBackend, source: dict[str, Any]) -> StoredBundle:
    """The bytes of ``source.s3`` in moto's S3 of ``backend``'s account; ValidationException when absent."""
    from moto.s3.exceptions import MissingBucket
    from moto.s3.models import s3_backends
    from moto.utilities.utils import get_partition

    location = source.get("s3") if isinstance(source, dict) else None
    if not isinstance(location, dict) or not location.get("bucket") or not location.get("key"):
        raise ValidationException("source.s3 must give the bucket and key of the template bundle")
    bucket, key = location["bucket"], location["key"]
    where = f"s3://{bucket}/{key}"
    s3 = s3_backends[backend.account_id][get_partition(backend.region_name)]
    try:
        obj = s3.get_object(bucket, key)
    except MissingBucket:
        raise ValidationException(
            f"The template bundle {where} could not be read: the bucket '{bucket}' does not exist"
        ) from None
    except Exception as error:  # noqa: BLE001 - any S3 refusal (access, lock) is the caller's input problem
        raise ValidationException(f"The template bundle {where} could not be read: {error}") from None
    if obj is None:
        raise ValidationException(
            f"The template bundle {where} could not be read: the bucket '{bucket}' has no object '{key}'"
        )
    return StoredBundle(bytes(obj.value), where)


def remember(backend: ProtonBackend, version: TemplateVersion, stored: StoredBundle) -> None:
    _store(backend)[version.arn] = stored


def forget(backend: ProtonBackend, version: TemplateVersion) -> None:
    """Drop a deleted version's bundle: nothing deploys a deleted version, and a long run must not keep them."""
    _store(backend).pop(version.arn, None)


def stored_bundle(backend: ProtonBackend, version: TemplateVersion) -> StoredBundle | None:
    return _store(backend).get(version.arn)


def bundle_of(backend: ProtonBackend, version: TemplateVersion) -> Bundle | None:
    """The parsed bundle of a registered version, or None (no bundle was kept for it)."""
    stored = stored_bundle(backend, version)
    return stored.bundle if stored is not None else None


def unpack(stored: StoredBundle) -> Discovery:
    """Unpack the archive with the linter's reader (safe, in memory) and find its bundles."""
    from proton_lint.discover import discover_archive

    if stored.discovery is None:
        shown = posixpath.basename(stored.where) or "bundle.tar.gz"
        stored.discovery = discover_archive(stored.data, shown)
    return stored.discovery
