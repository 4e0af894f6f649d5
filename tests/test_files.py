"""proton_lint.files: regular files only, within the file-size budget, never blocking."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from proton_lint import budgets
from proton_lint.bundle import DirSource
from proton_lint.files import FileRefused, read_regular, too_long_message


def test_a_regular_file_is_read(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_bytes(b"x: 1\n")
    assert read_regular(tmp_path / "a.yaml") == b"x: 1\n"


def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")
    with pytest.raises(FileRefused, match="FIFO"):
        read_regular(tmp_path / "pipe")


def test_a_device_is_refused_unopened() -> None:
    with pytest.raises(FileRefused, match="character device"):
        read_regular("/dev/zero")


def test_a_file_over_the_budget_is_refused_unread(tmp_path: Path) -> None:
    (tmp_path / "big").write_bytes(b"x" * 100)
    with budgets.using(file_size=99), pytest.raises(FileRefused, match="over the file-size limit of 99"):
        read_regular(tmp_path / "big")


def test_too_long_names_and_paths_are_told_apart() -> None:
    assert "255" in too_long_message("a" * 300)
    assert "longer than the system allows" in too_long_message("/".join(["a" * 200] * 30))


def test_a_bundle_folder_lists_what_it_does_not_read(tmp_path: Path) -> None:
    (tmp_path / "ok.yaml").write_text("a: 1\n")
    (tmp_path / "big.yaml").write_bytes(b"#" * 100)
    os.mkfifo(tmp_path / "pipe.yaml")
    (tmp_path / "loop").symlink_to("loop")
    (tmp_path / "gone").symlink_to("nowhere")
    with budgets.using(file_size=50):
        source = DirSource(tmp_path)
        assert source.sizes() == {"ok.yaml": 5}
        unread = source.unread()
    assert set(unread) == {"big.yaml", "pipe.yaml"}
    assert "loops" in source.skipped_links()["loop"] and "does not exist" in source.skipped_links()["gone"]
    with pytest.raises(FileNotFoundError):
        source.read("pipe.yaml")
