"""Hostile archives and files (issue 10, section 2), each linted in a bounded child process.

Fixtures are built at test time. Cases on a whole bundle select the family-1 rules only (no
rendering, no cfn-lint), which keeps each run near a second. Budgets are lowered through the configuration where a case
would otherwise need large files; the archive header cases use the defaults, since what they
check is that nothing near the declared size is ever allocated.
"""

from __future__ import annotations

import gzip
import os
import re
import stat
import tarfile
from pathlib import Path

import pytest

from proton_lint.archive import MAX_HEADER_CHAIN
from proton_lint.testing import BASES
from tests.hostile.harness import Outcome, lint, run_bounded

#: Far below what the headers declare (1 GiB): the archive must be refused before reading them.
MEMORY_MB = 512
#: Each case's whole run, start-up included, stays far below this.
SECONDS = 60
EXIT_FINDINGS = 1


def _block(data: bytes) -> bytes:
    return data + b"\0" * (-len(data) % tarfile.BLOCKSIZE)


def _header(name: str, kind: bytes, size: int) -> bytes:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.size = size
    return info.tobuf(format=tarfile.GNU_FORMAT)


def _header_bomb(kind: bytes, path: Path) -> Path:
    """A .tar.gz of about 1 MB whose first header declares a 1 GiB long name or PAX header."""
    body = os.urandom(1024 * 1024)  # incompressible: the archive really is 1 MB
    path.write_bytes(gzip.compress(_header("././@LongLink", kind, 1 << 30) + body))
    return path


def _environment(root: Path) -> Path:
    """The base environment bundle at root/env/v1; returns the repository folder."""
    bundle = root / "env" / "v1"
    for rel, text in BASES["environment"].items():
        (bundle / rel).parent.mkdir(parents=True, exist_ok=True)
        (bundle / rel).write_text(text, encoding="utf-8")
    (root / ".git").mkdir(exist_ok=True)  # the config search stops here
    return root


def _limits(root: Path, **limits: int) -> None:
    lines = "".join(f"  {key.replace('_', '-')}: {value}\n" for key, value in limits.items())
    (root / ".proton-lint.yaml").write_text("limits:\n" + lines, encoding="utf-8")


def _findings(outcome: Outcome, rule: str) -> list[str]:
    """The text output's lines that report ``rule``."""
    return [line for line in outcome.stdout.splitlines() if f"  {rule}  " in line]


def _assert_only(outcome: Outcome, rule: str, words: str) -> None:
    assert outcome.returncode == EXIT_FINDINGS, outcome.output
    lines = _findings(outcome, rule)
    assert lines and all(words in line for line in lines), outcome.output
    assert "PL000" not in outcome.output and "Traceback" not in outcome.output


# -- archives ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kind", "words"),
    [(tarfile.GNUTYPE_LONGNAME, "GNU long-name header declares"), (tarfile.XHDTYPE, "PAX header declares")],
    ids=["gnu-long-name-1gib", "pax-header-1gib"],
)
def test_a_1_gib_header_in_a_1_mb_archive_is_refused_unread(tmp_path: Path, kind: bytes, words: str) -> None:
    archive = _header_bomb(kind, tmp_path / "bomb.tar.gz")
    outcome = lint(archive, cwd=tmp_path, seconds=SECONDS, memory_mb=MEMORY_MB)
    _assert_only(outcome, "PL104", words)
    assert outcome.peak_mb < 200


def test_a_chain_of_long_name_headers_is_refused(tmp_path: Path) -> None:
    one = _header("././@LongLink", tarfile.GNUTYPE_LONGNAME, 5) + _block(b"name\0")
    archive = tmp_path / "chain.tar.gz"
    archive.write_bytes(gzip.compress(one * 5000))  # a recursive call in tarfile per header
    outcome = lint(archive, cwd=tmp_path, seconds=SECONDS, memory_mb=MEMORY_MB)
    _assert_only(outcome, "PL104", f"more than {MAX_HEADER_CHAIN} headers")


def test_pax_digits_that_make_tarfile_quadratic_are_refused(tmp_path: Path) -> None:
    archive = tmp_path / "redos.tar.gz"
    archive.write_bytes(gzip.compress(_header("pax", tarfile.XHDTYPE, 60_000) + _block(b"1" * 60_000)))
    outcome = lint(archive, cwd=tmp_path, seconds=SECONDS, memory_mb=MEMORY_MB)
    _assert_only(outcome, "PL104", "digits")


def test_a_gzip_bomb_stops_at_the_unpacked_budget(tmp_path: Path) -> None:
    _limits(tmp_path, archive_unpacked=2 * 1024 * 1024)
    (tmp_path / ".git").mkdir()
    zeros = 64 * 1024 * 1024
    raw = _header("schema/schema.yaml", tarfile.REGTYPE, zeros)
    archive = tmp_path / "bomb.tar.gz"
    with gzip.open(archive, "wb") as handle:
        handle.write(raw)
        for _ in range(zeros // (1 << 20)):
            handle.write(b"\0" * (1 << 20))
    outcome = lint(archive, cwd=tmp_path, seconds=SECONDS, memory_mb=MEMORY_MB)
    _assert_only(outcome, "PL104", "unpacks to more than 2 MB")


def test_a_member_count_over_budget_is_refused(tmp_path: Path) -> None:
    _limits(tmp_path, archive_members=20)
    (tmp_path / ".git").mkdir()
    archive = tmp_path / "many.tar.gz"
    raw = b"".join(_header(f"f{i}.txt", tarfile.REGTYPE, 1) + _block(b"x") for i in range(50))
    archive.write_bytes(gzip.compress(raw + b"\0" * 1024))
    outcome = lint(archive, cwd=tmp_path, seconds=SECONDS, memory_mb=MEMORY_MB)
    _assert_only(outcome, "PL104", "more than 20 members")


def test_an_archive_over_the_compressed_budget_is_not_opened(tmp_path: Path) -> None:
    _limits(tmp_path, archive_compressed=4096)
    (tmp_path / ".git").mkdir()
    archive = tmp_path / "big.tar.gz"
    archive.write_bytes(os.urandom(8192))
    outcome = lint(archive, cwd=tmp_path, seconds=SECONDS, memory_mb=MEMORY_MB)
    _assert_only(outcome, "PL104", "not opened")


# -- special files ---------------------------------------------------------------------------------
def test_a_fifo_named_like_an_archive_is_refused_unopened(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "x.tar.gz")
    outcome = lint("x.tar.gz", cwd=tmp_path, seconds=SECONDS, memory_mb=MEMORY_MB)
    _assert_only(outcome, "PL104", "FIFO")


def test_a_device_given_as_an_archive_is_refused_unopened(tmp_path: Path) -> None:
    (tmp_path / "zero.tar.gz").symlink_to("/dev/zero")
    outcome = lint("zero.tar.gz", cwd=tmp_path, seconds=SECONDS, memory_mb=MEMORY_MB)
    _assert_only(outcome, "PL104", "character device")


def test_a_fifo_given_as_the_path_is_reported(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "some.fifo")
    outcome = lint("some.fifo", cwd=tmp_path, seconds=SECONDS, memory_mb=MEMORY_MB)
    _assert_only(outcome, "PL120", "FIFO")


@pytest.mark.parametrize("cache", [False, True], ids=["no-cache", "cache"])
def test_a_fifo_in_a_bundle_folder_is_reported_and_the_rest_checked(tmp_path: Path, cache: bool) -> None:
    repo = _environment(tmp_path / "repo")
    os.mkfifo(repo / "env" / "v1" / "infrastructure" / "pipe.yaml")
    (repo / "env" / "v1" / "schema" / "schema.yaml").write_text("schema: [\n", encoding="utf-8")
    argv = ["proton_lint", "check", *([] if cache else ["--no-cache"]), "."]
    outcome = run_bounded(argv, cwd=repo, seconds=SECONDS, memory_mb=MEMORY_MB)
    assert outcome.returncode == EXIT_FINDINGS, outcome.output
    (line,) = _findings(outcome, "PL120")
    assert "FIFO" in line and "pipe.yaml" in outcome.stdout
    assert "PL000" not in outcome.output
    assert set(re.findall(r"\bPL\d{3}\b", outcome.stdout)) - {"PL120"}, "the broken schema is still reported"


def test_a_device_in_a_bundle_folder_is_reported_unopened(tmp_path: Path) -> None:
    repo = _environment(tmp_path / "repo")
    try:  # /dev/zero's numbers: read, it would never end
        os.mknod(repo / "env" / "v1" / "infrastructure" / "zero.yaml", 0o600 | stat.S_IFCHR, os.makedev(1, 5))
    except PermissionError:
        pytest.skip("creating a device needs CAP_MKNOD")
    outcome = lint("--select", "PL1", ".", cwd=repo, seconds=SECONDS, memory_mb=MEMORY_MB)
    _assert_only(outcome, "PL120", "character device")


def test_a_file_over_the_size_budget_is_refused_unread(tmp_path: Path) -> None:
    repo = _environment(tmp_path / "repo")
    _limits(repo, file_size=4096)
    with open(repo / "env" / "v1" / "infrastructure" / "cloudformation.yaml", "ab") as handle:
        handle.truncate(64 * 1024 * 1024)  # sparse: 64 MB that costs no disk
    outcome = lint(".", cwd=repo, seconds=SECONDS, memory_mb=MEMORY_MB)
    _assert_only(outcome, "PL120", "over the file-size limit of 4,096")


# -- links and paths -------------------------------------------------------------------------------
def test_symlink_loops_are_reported_as_links(tmp_path: Path) -> None:
    repo = _environment(tmp_path / "repo")
    bundle = repo / "env" / "v1"
    (bundle / "a").symlink_to("b")
    (bundle / "b").symlink_to("a")
    (bundle / "infrastructure" / "loop").symlink_to("loop")
    outcome = lint("--select", "PL1", ".", cwd=repo, seconds=SECONDS, memory_mb=MEMORY_MB)
    lines = _findings(outcome, "PL117")
    assert len(lines) == 3 and all("loops" in line for line in lines), outcome.output
    assert "PL000" not in outcome.output


def _deep_folder(parent: Path, total_bytes: int) -> str:
    """Folders nested under ``parent`` until the path passes ``total_bytes``; returns the first name."""
    name = "d" * 250
    fd = os.open(parent, os.O_RDONLY)
    try:
        for _ in range(total_bytes // 251 + 1):
            os.mkdir(name, dir_fd=fd)
            inner = os.open(name, os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = inner
        os.close(os.open("f.yaml", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd))
    finally:
        os.close(fd)
    return name


@pytest.mark.parametrize("where", ["bundle", "repository"])
def test_a_path_longer_than_the_os_allows_is_a_finding_about_it(tmp_path: Path, where: str) -> None:
    repo = _environment(tmp_path / "repo")
    _deep_folder(repo / "env" / "v1" if where == "bundle" else repo, os.pathconf("/", "PC_PATH_MAX"))
    outcome = lint("--select", "PL1", ".", cwd=repo, seconds=SECONDS, memory_mb=MEMORY_MB)
    _assert_only(outcome, "PL120", "longer than the system allows")


def test_a_name_longer_than_the_os_allows_given_as_the_path(tmp_path: Path) -> None:
    outcome = lint("n" * 300, cwd=tmp_path, seconds=SECONDS, memory_mb=MEMORY_MB)
    _assert_only(outcome, "PL120", "the system allows 255")
