"""Fuzzing the headers that precede a tar member: GNU long names and links, PAX headers.

Beside tests/test_fuzz.py (same style and ``PROTON_LINT_FUZZ_SCALE``), with hypothesis:
chains of long-name, long-link, PAX, global PAX and Solaris headers, each with a declared size
that is true, a lie, absurd (1 GiB, 2**40) or just past :data:`MAX_HEADER`, and a body of raw
bytes or PAX-shaped records (wrong lengths, long digit runs, ``hdrcharset``), optionally followed
by a member. ``read_archive_bytes`` must raise nothing but ``ArchiveRefused``, allocate little
whatever the headers declare, and return only safe contents.
"""

from __future__ import annotations

import gzip
import os
import tarfile
import tracemalloc

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from proton_lint import budgets
from proton_lint.archive import MAX_HEADER, MAX_HEADER_CHAIN, ArchiveRefused, read_archive_bytes

SCALE = max(1, int(os.environ.get("PROTON_LINT_FUZZ_SCALE", "1")))
FUZZ = settings(max_examples=300 * SCALE, deadline=None, suppress_health_check=[HealthCheck.too_slow])
#: What one read may allocate here: a few headers and the budget below, nowhere near what they declare.
PEAK_BYTES = 8 * 1024 * 1024
UNPACKED_BUDGET = 1024 * 1024

_TYPES = {
    "longname": tarfile.GNUTYPE_LONGNAME,
    "longlink": tarfile.GNUTYPE_LONGLINK,
    "pax": tarfile.XHDTYPE,
    "global": tarfile.XGLTYPE,
    "solaris": tarfile.SOLARIS_XHDTYPE,
}
_PAX_KEYS = ["path", "linkpath", "size", "mtime", "hdrcharset", "comment", "GNU.sparse.map", "SCHILY.xattr.user.x"]


def _record(key: str, value: bytes, skew: int) -> bytes:
    """A PAX record ``"%d %s=%s\\n"``, its length off by ``skew``."""
    body = b" " + key.encode() + b"=" + value + b"\n"
    length = len(body) + len(str(len(body)))
    length += len(str(length)) - len(str(len(body)))
    return str(max(length + skew, 0)).encode() + body


_value = st.binary(max_size=40) | st.text("0123456789", min_size=1, max_size=120).map(str.encode)
_records = st.lists(st.builds(_record, st.sampled_from(_PAX_KEYS), _value, st.integers(-2, 2)), max_size=4)
_header = st.fixed_dictionaries(
    {
        "type": st.sampled_from(sorted(_TYPES)),
        # None: the body's true length
        "declared": st.none()
        | st.sampled_from([0, 1, 511, 512, 513, MAX_HEADER, MAX_HEADER + 1, 2**30, 2**33])
        | st.integers(0, 2**40),
        "body": st.binary(max_size=700) | _records.map(b"".join) | st.just(b"7" * 5000),
    }
)


def _block(data: bytes) -> bytes:
    return data + b"\0" * (-len(data) % tarfile.BLOCKSIZE)


def _archive(headers: list[dict], then_member: bool) -> bytes:
    out = []
    for header in headers:
        body = header["body"]
        info = tarfile.TarInfo("././@LongLink")
        info.type = _TYPES[header["type"]]
        info.size = len(body) if header["declared"] is None else header["declared"]
        out.append(info.tobuf(format=tarfile.GNU_FORMAT) + _block(body))
    if then_member:
        info = tarfile.TarInfo("schema/schema.yaml")
        info.size = 5
        out.append(info.tobuf(format=tarfile.GNU_FORMAT) + _block(b"hello"))
    out.append(b"\0" * 2 * tarfile.BLOCKSIZE)
    return gzip.compress(b"".join(out))


def _read(payload: bytes) -> tuple[bool, int]:
    """(refused, peak bytes allocated) of one bounded read."""
    tracemalloc.start()
    try:
        with budgets.using(archive_unpacked=UNPACKED_BUDGET):
            contents = read_archive_bytes(payload)
    except ArchiveRefused as exc:
        assert str(exc)
        return True, tracemalloc.get_traced_memory()[1]
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    for name, data in contents.files.items():
        assert isinstance(data, bytes) and name and not name.startswith("/") and ".." not in name.split("/")
    return False, peak


@FUZZ
@given(st.lists(_header, min_size=1, max_size=12), st.booleans())
@example([{"type": "longname", "declared": 2**30, "body": b"a" * 600}], True)
@example([{"type": "pax", "declared": None, "body": b"7" * 5000}], True)
def test_hostile_header_chains(headers: list[dict], then_member: bool) -> None:
    _, peak = _read(_archive(headers, then_member))
    assert peak < PEAK_BYTES, f"{peak:,} bytes allocated for {len(headers)} headers"


@pytest.mark.parametrize("kind", sorted(_TYPES))
@pytest.mark.parametrize("declared", [MAX_HEADER + 1, 2**30, 2**40])
def test_an_absurd_first_header_is_refused_unread(kind: str, declared: int) -> None:
    refused, peak = _read(_archive([{"type": kind, "declared": declared, "body": b"x" * 100}], True))
    assert refused and peak < PEAK_BYTES


def test_a_header_chain_longer_than_tar_writes_is_refused() -> None:
    chain = [{"type": "longname", "declared": None, "body": b"name"}] * (MAX_HEADER_CHAIN + 1)
    refused, _ = _read(_archive(chain, True))
    assert refused


@pytest.mark.parametrize("kind", ["longname", "pax"])
def test_honest_headers_are_read(kind: str) -> None:
    body = b"x" * 300 + b"\0" if kind == "longname" else _record("path", b"x" * 300, 0)
    refused, _ = _read(_archive([{"type": kind, "declared": None, "body": body}], True))
    assert not refused
