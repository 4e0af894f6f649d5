"""Reading files from disk that a repository controls: regular files only, within the file-size budget.

Opening a FIFO blocks until something writes to it, and reading a device (``/dev/zero``) never
ends, so a path is checked with ``stat`` before it is opened, opened without blocking, and checked
again on the open descriptor (it may have been swapped in between). A file over
``budgets.current().file_size`` is refused unread. Both refusals are :class:`FileRefused`, an
``OSError``, so code that already reports unreadable files reports these too.
"""

from __future__ import annotations

import errno
import os
import stat
import sys
from pathlib import Path
from typing import BinaryIO

from proton_lint import budgets

#: What the OS calls a name or path it cannot handle (a name over 255 bytes, a path over PATH_MAX).
TOO_LONG = errno.ENAMETOOLONG
#: For files the user names (a baseline, rule packs): regular files only, of any size.
NO_LIMIT = sys.maxsize
_CHUNK = 64 * 1024


class FileRefused(OSError):
    """A file that is deliberately not read; ``strerror`` says why."""


def describe(mode: int) -> str | None:
    """What a non-regular file is (for findings), or None for a regular file or a folder."""
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a special file"


def refusal(st: os.stat_result, limit: int | None = None) -> str | None:
    """Why a file with this ``stat`` is not read, or None.

    Not regular, or over ``limit`` bytes (default: the file-size budget).
    """
    special = describe(st.st_mode)
    if special or stat.S_ISDIR(st.st_mode):
        return f"{special or 'a folder'}, not a regular file; not opened"
    limit = budgets.current().file_size if limit is None else limit
    if st.st_size > limit:
        return f"{st.st_size:,} bytes, over the file-size limit of {limit:,} (limits.file-size); not read"
    return None


def too_long_message(path: str | Path) -> str:
    """What to say about a path the OS refused as too long."""
    name_bytes = max((len(os.fsencode(part)) for part in Path(path).parts), default=0)
    if name_bytes > 255:
        return f"a name in this path is {name_bytes} bytes; the system allows 255; it is not read"
    return f"the path is {len(os.fsencode(os.path.abspath(path)))} bytes, longer than the system allows; it is not read"


def unreadable_message(path: str | Path, exc: OSError) -> str:
    """Why ``path`` could not be looked at, for a finding about that path."""
    if exc.errno == TOO_LONG:
        return too_long_message(path)
    if exc.errno == errno.ELOOP:
        return "it is a link that loops (the chain of links never reaches a file); it is not read"
    return f"it cannot be read ({exc.strerror or exc})"


def open_regular(path: str | Path, limit: int | None = None) -> BinaryIO:
    """Open a regular file of at most ``limit`` bytes (default: the file-size budget) for reading.

    Never blocks on a FIFO nor opens a device.
    """
    why = refusal(os.stat(path), limit)
    if why:
        raise FileRefused(errno.EINVAL, why, str(path))
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        why = refusal(os.fstat(fd), limit)  # swapped for a FIFO or grown since the stat above
        if why:
            raise FileRefused(errno.EINVAL, why, str(path))
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_regular(path: str | Path, limit: int | None = None) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes (default: the file-size budget).

    Else :class:`FileRefused`. Reads what ``fstat`` announced, then on in chunks if the file grew.
    """
    limit = budgets.current().file_size if limit is None else limit
    with open_regular(path, limit) as handle:
        data = handle.read(os.fstat(handle.fileno()).st_size + 1)
        while len(data) <= limit and (more := handle.read(_CHUNK)):
            data += more
    if len(data) > limit:
        raise FileRefused(errno.EFBIG, f"grew past the file-size limit of {limit:,} while read", str(path))
    return data
