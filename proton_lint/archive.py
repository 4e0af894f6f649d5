"""Reading ``.tar.gz`` bundles safely, into memory, without extracting anything to disk.

Members that could escape the bundle (absolute paths, ``..``, links leaving the bundle) or that are
not regular files (devices, FIFOs) are skipped and reported. Sizes are bounded by the run's budgets
(:mod:`proton_lint.budgets`): an archive whose compressed size is far beyond Proton's 5 MB bundle
limit is refused before it is opened, and every decompressed byte (member data and headers: GNU
long names, PAX headers) is counted as it is read, so decompression stops at the unpacked cap (a
gzip bomb). A long-name or PAX header declaring more than :data:`MAX_HEADER` bytes is refused
before it is read, whatever the budget.
"""

from __future__ import annotations

import gzip
import io
import os
import posixpath
import re
import tarfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from proton_lint import budgets
from proton_lint.files import FileRefused, describe, open_regular

#: Proton's own limit for a whole bundle (BND-03); above it is a finding, not a refusal.
PROTON_BUNDLE_LIMIT = 5 * 1024 * 1024
#: Largest GNU long-name or PAX header read: a path is at most a few KB; POSIX tar writes far less.
MAX_HEADER = 64 * 1024
#: Headers that may precede one member (tar writes at most a long name, a long link and a PAX
#: header); each one is a recursive call in tarfile, so a chain of thousands would overflow the stack.
MAX_HEADER_CHAIN = 32
#: Long-name and PAX header bytes of all members together. Each such header costs tarfile a regex
#: pass; capping their total bounds the time an archive of headers alone can take.
MAX_HEADER_TOTAL = 4 * 1024 * 1024
#: Longest run of digits a PAX header may hold. Before 3.11.10 / 3.12.6, tarfile finds
#: ``hdrcharset`` with a regex that is quadratic in digit runs (CVE-2024-6232): 64 KB of digits
#: took 13 s. No PAX record holds a number this long (a time in nanoseconds has 10 and 9).
MAX_PAX_DIGITS = 32
_PAX_DIGIT_RUN = re.compile(rb"[0-9]{%d}" % (MAX_PAX_DIGITS + 1))
_MB = 1024 * 1024
_PAX_TYPES = (tarfile.XHDTYPE, tarfile.XGLTYPE, tarfile.SOLARIS_XHDTYPE)
_HEADER_TYPES = (tarfile.GNUTYPE_LONGNAME, tarfile.GNUTYPE_LONGLINK, *_PAX_TYPES)


class ArchiveRefused(Exception):
    """The archive cannot be read at all; the message says why and what to do."""


@dataclass
class ArchiveContents:
    files: dict[str, bytes] = field(default_factory=dict)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (member name, reason)
    unpacked_size: int = 0


class _CountingReader(io.RawIOBase):
    """The decompressed stream, refusing to hand out more than ``cap`` bytes in all."""

    def __init__(self, inner: BinaryIO, cap: int) -> None:
        self.inner, self.cap, self.count = inner, cap, 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        # never ask the decompressor for more than is left: a bomb stops at the cap, not after it
        left = self.cap - self.count
        want = left + 1 if size is None or size < 0 else min(size, left + 1)
        data = self.inner.read(want)
        self.count += len(data)
        if self.count > self.cap:
            raise ArchiveRefused(f"unpacks to more than {_mb(self.cap)} (a gzip bomb?); stopped")
        return data

    def readinto(self, buffer) -> int:  # type: ignore[override]
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


class _BoundedTarInfo(tarfile.TarInfo):
    """tarfile's member header, refusing long-name and PAX headers of absurd size or content.

    tarfile reads such a header's data in one ``read(size)``; checking ``size`` first means a 1 GiB
    long name in a 1 MB archive costs nothing. Headers that precede a member are each a recursive
    call in tarfile, so their chain is bounded too.
    """

    def _proc_member(self, tarfile_: tarfile.TarFile):  # type: ignore[override]
        if self.type not in _HEADER_TYPES:
            tarfile_._header_chain = 0  # type: ignore[attr-defined]
            return super()._proc_member(tarfile_)
        chain = getattr(tarfile_, "_header_chain", 0) + 1
        total = getattr(tarfile_, "_header_total", 0) + self.size
        tarfile_._header_chain, tarfile_._header_total = chain, total  # type: ignore[attr-defined]
        kind = "PAX" if self.type in _PAX_TYPES else "GNU long-name"
        if chain > MAX_HEADER_CHAIN:
            raise ArchiveRefused(f"more than {MAX_HEADER_CHAIN} headers precede one member; not a bundle tar writes")
        if self.size > MAX_HEADER:
            raise ArchiveRefused(
                f"a {kind} header declares {self.size:,} bytes (at most {MAX_HEADER:,} are read); "
                "not a bundle tar writes"
            )
        if total > MAX_HEADER_TOTAL:
            raise ArchiveRefused(
                f"long-name and PAX headers pass {MAX_HEADER_TOTAL // _MB} MB in all; not a bundle tar writes"
            )
        return super()._proc_member(tarfile_)

    def _proc_pax(self, tarfile_: tarfile.TarFile):  # type: ignore[override]
        """Look at the PAX data before tarfile's regexes do, then let tarfile parse it."""
        data = tarfile_.fileobj.read(self._block(self.size))
        if _PAX_DIGIT_RUN.search(data, 0, self.size):
            raise ArchiveRefused(
                f"a PAX header holds a number of more than {MAX_PAX_DIGITS} digits; not a bundle tar writes"
            )
        return super()._proc_pax(_Replay(tarfile_, data))


class _Replay:
    """A TarFile whose stream hands out ``first`` on its next read, then goes on as before.

    Attributes are read from and written to the real TarFile, so tarfile's own code runs unchanged.
    """

    def __init__(self, tar: tarfile.TarFile, first: bytes) -> None:
        object.__setattr__(self, "_tar", tar)
        object.__setattr__(self, "fileobj", _ReplayStream(tar.fileobj, first))

    def __getattr__(self, name: str):
        return getattr(self._tar, name)

    def __setattr__(self, name: str, value) -> None:
        setattr(self._tar, name, value)


class _ReplayStream:
    def __init__(self, stream, first: bytes) -> None:
        self._stream, self._first = stream, first

    def read(self, size: int) -> bytes:
        if self._first is not None:
            data, self._first = self._first, None
            return data
        return self._stream.read(size)

    def __getattr__(self, name: str):
        return getattr(self._stream, name)


def _mb(size: int) -> str:
    return f"{size / _MB:.1f} MB" if size % _MB else f"{size // _MB} MB"


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
    if member.size > budgets.current().file_size:
        return f"it is {_mb(member.size)}, over the file-size limit of {_mb(budgets.current().file_size)}; not read"
    return None


def _refuse_compressed(size: int) -> None:
    limit = budgets.current().archive_compressed
    if size > limit:
        raise ArchiveRefused(
            f"the archive is {size / _MB:.1f} MB compressed (the limit is {_mb(limit)}), far beyond "
            "Proton's 5 MB bundle limit; not opened"
        )


def read_archive(path: Path) -> ArchiveContents:
    """Read every safe regular file of a gzipped tar into memory (a FIFO or device is refused unopened)."""
    try:
        special = describe(os.stat(path).st_mode)
        if special:
            raise ArchiveRefused(f"it is {special}, not a regular file; not opened")
        _refuse_compressed(os.stat(path).st_size)
        with open_regular(path, budgets.current().archive_compressed) as handle:
            return _read(handle)
    except FileRefused as exc:
        raise ArchiveRefused(f"not read: {exc.strerror}") from None
    except OSError as exc:
        raise ArchiveRefused(f"cannot read the archive: {exc.strerror}") from None


def read_archive_bytes(data: bytes) -> ArchiveContents:
    """Read every safe regular file of a gzipped tar held in memory (an S3 object, an upload)."""
    _refuse_compressed(len(data))
    return _read(io.BytesIO(data))


def _read(fileobj: BinaryIO) -> ArchiveContents:
    limits = budgets.current()
    contents = ArchiveContents()
    stream = _CountingReader(gzip.GzipFile(fileobj=fileobj, mode="rb"), limits.archive_unpacked)
    try:
        # stream mode ("r|"): every byte, skipped members too, is read through the counting reader
        with tarfile.open(fileobj=stream, mode="r|", tarinfo=_BoundedTarInfo) as tar:
            for count, member in enumerate(tar):
                if count >= limits.archive_members:
                    raise ArchiveRefused(f"more than {limits.archive_members:,} members; not a Proton bundle")
                _keep(tar, member, contents, limits.archive_unpacked)
    except (tarfile.TarError, EOFError, OSError, ValueError, zlib.error) as exc:
        raise ArchiveRefused(f"not a readable .tar.gz ({exc}); build it with 'tar -czf'") from None
    return contents


def _keep(tar: tarfile.TarFile, member: tarfile.TarInfo, contents: ArchiveContents, cap: int) -> None:
    """Read one member into ``contents`` or note why it was skipped."""
    # Every member counts, kept or not: reading past a skipped member decompresses it too, and a
    # sparse member's declared size is what it would unpack to.
    contents.unpacked_size += member.size
    if contents.unpacked_size > cap:
        raise ArchiveRefused(f"unpacks to more than {_mb(cap)} (a gzip bomb?); stopped")
    clean = _clean_name(member.name)
    reason = _unsafe_reason(member, clean)
    if reason:
        contents.skipped.append((member.name, reason))
        return
    if member.isdir() or not clean:
        return
    handle = tar.extractfile(member)
    if handle is not None:
        contents.files[clean] = handle.read()
