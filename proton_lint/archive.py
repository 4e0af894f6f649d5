"""Reading ``.tar.gz`` bundles safely, into memory, without extracting anything to disk.

Members that could escape the bundle (absolute paths, ``..``, links leaving the bundle) or that are
not regular files (devices, FIFOs) are skipped and reported. Sizes are bounded twice: an archive
whose compressed size is far beyond Proton's 5 MB bundle limit is refused before it is opened,
and decompression stops once the unpacked size passes a hard cap (a gzip bomb).
"""

from __future__ import annotations

import io
import posixpath
import tarfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

#: Proton's own limit for a whole bundle (BND-03); above it is a finding, not a refusal.
PROTON_BUNDLE_LIMIT = 5 * 1024 * 1024
#: Far beyond anything Proton accepts: refuse to open or to keep unpacking.
HARD_COMPRESSED_LIMIT = 20 * PROTON_BUNDLE_LIMIT
HARD_UNPACKED_LIMIT = 40 * PROTON_BUNDLE_LIMIT
MAX_MEMBERS = 10_000


class ArchiveRefused(Exception):
    """The archive cannot be read at all; the message says why and what to do."""


@dataclass
class ArchiveContents:
    files: dict[str, bytes] = field(default_factory=dict)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (member name, reason)
    unpacked_size: int = 0


def _clean_name(name: str) -> str | None:
    """The member's path inside the bundle, or None if it would leave the bundle."""
    if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        return None
    normal = posixpath.normpath(name.replace("\\", "/"))
    if normal in (".", "") or normal == ".." or normal.startswith("../"):
        return None if normal != "." else ""
    return normal


def _unsafe_reason(member: tarfile.TarInfo, clean: str | None) -> str | None:
    if clean is None:
        return "its path is absolute or climbs out of the bundle with '..'"
    if member.issym() or member.islnk():
        target = member.linkname
        base = posixpath.dirname(clean) if member.issym() else ""
        joined = posixpath.normpath(posixpath.join(base, target))
        if target.startswith("/") or joined == ".." or joined.startswith("../"):
            return f"it is a link to {target!r}, outside the bundle"
        return "it is a link; Proton bundles hold regular files only"
    if member.isdev() or member.isfifo() or not (member.isfile() or member.isdir()):
        return "it is a device, FIFO or other special file"
    return None


def read_archive(path: Path) -> ArchiveContents:
    """Read every safe regular file of a gzipped tar into memory."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ArchiveRefused(f"cannot read the archive: {exc.strerror}") from None
    if size > HARD_COMPRESSED_LIMIT:
        raise ArchiveRefused(
            f"the archive is {size / 1048576:.1f} MB compressed, far beyond Proton's 5 MB bundle limit; not opened"
        )
    try:
        with path.open("rb") as handle:
            return _read(handle)
    except OSError as exc:
        raise ArchiveRefused(f"cannot read the archive: {exc.strerror}") from None


def read_archive_bytes(data: bytes) -> ArchiveContents:
    """Read every safe regular file of a gzipped tar held in memory (an S3 object, an upload)."""
    if len(data) > HARD_COMPRESSED_LIMIT:
        raise ArchiveRefused(
            f"the archive is {len(data) / 1048576:.1f} MB compressed, far beyond Proton's 5 MB bundle limit; not opened"
        )
    return _read(io.BytesIO(data))


def _read(fileobj: BinaryIO) -> ArchiveContents:
    contents = ArchiveContents()
    try:
        with tarfile.open(fileobj=fileobj, mode="r:gz") as tar:
            for count, member in enumerate(tar):
                if count >= MAX_MEMBERS:
                    raise ArchiveRefused(f"more than {MAX_MEMBERS} members; not a Proton bundle")
                # Every member counts, kept or not: reading past a skipped member decompresses it too.
                contents.unpacked_size += member.size
                if contents.unpacked_size > HARD_UNPACKED_LIMIT:
                    raise ArchiveRefused(
                        f"unpacks to more than {HARD_UNPACKED_LIMIT // 1048576} MB (a gzip bomb?); stopped"
                    )
                clean = _clean_name(member.name)
                reason = _unsafe_reason(member, clean)
                if reason:
                    contents.skipped.append((member.name, reason))
                    continue
                if member.isdir() or not clean:
                    continue
                handle = tar.extractfile(member)
                if handle is not None:
                    contents.files[clean] = handle.read()
    except (tarfile.TarError, EOFError, OSError, ValueError, zlib.error) as exc:
        raise ArchiveRefused(f"not a readable .tar.gz ({exc}); build it with 'tar -czf'") from None
    return contents
