"""Discovery: layouts, kinds, half bundles, components, archives, single files, excludes."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest

from proton_lint import budgets
from proton_lint.archive import ArchiveRefused, read_archive
from proton_lint.bundle import BundleKind
from proton_lint.discover import DiscoveryError, discover
from proton_lint.testing import BASES

from .bundles import write_bundle


def kinds(found) -> dict[str, tuple]:
    return {
        b.root.rsplit("/", 2)[-2] + "/" + b.root.rsplit("/", 1)[-1]: (b.kind, b.layout, b.template_name, b.major)
        for b in found.bundles
    }


def test_sync_layout_gives_template_name_and_major(tmp_path: Path) -> None:
    write_bundle(tmp_path / "templates" / "vpc-env" / "v2")
    write_bundle(tmp_path / "templates" / "api-svc" / "v1", "service")
    found = kinds(discover([tmp_path]))
    assert found["vpc-env/v2"] == (BundleKind.ENVIRONMENT, "sync", "vpc-env", 2)
    assert found["api-svc/v1"] == (BundleKind.SERVICE, "sync", "api-svc", 1)


def test_pre_sync_layout_and_repository_root(tmp_path: Path) -> None:
    write_bundle(tmp_path / "legacy" / "environment")
    (bundle,) = discover([tmp_path / "legacy" / "environment"]).bundles
    assert (bundle.kind, bundle.layout, bundle.template_name) == (BundleKind.ENVIRONMENT, "flat", None)
    root = write_bundle(tmp_path / "root-bundle")
    (at_root,) = discover([root]).bundles
    assert at_root.kind is BundleKind.ENVIRONMENT


def test_kinds_from_folders_and_schema(tmp_path: Path) -> None:
    write_bundle(tmp_path / "cm" / "v1", "customer-managed-environment")
    write_bundle(tmp_path / "nopipe" / "v1", "service-no-pipeline")
    write_bundle(tmp_path / "cb" / "v1", "codebuild-environment")
    bundles = {b.template_name: b for b in discover([tmp_path]).bundles}
    assert bundles["cm"].customer_managed and bundles["cm"].kind is BundleKind.ENVIRONMENT
    assert bundles["nopipe"].kind is BundleKind.SERVICE and not bundles["nopipe"].has_dir("pipeline_infrastructure")
    assert bundles["cb"].engines() == {"codebuild"}


def test_half_bundles_are_found_not_skipped(tmp_path: Path, linter) -> None:
    write_bundle(tmp_path / "no-schema" / "v1", overrides={"schema/schema.yaml": None})
    findings = linter.run([tmp_path]).findings
    assert [f.rule for f in findings] == ["PL101"]


def test_components_and_stray_manifests(tmp_path: Path) -> None:
    write_bundle(tmp_path / "components" / "bucket", "component")
    codebuild = BASES["codebuild-environment"]["infrastructure/manifest.yaml"]
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "manifest.yaml").write_text(codebuild)
    found = discover([tmp_path])
    assert [b.kind for b in found.bundles] == [BundleKind.COMPONENT]
    assert [n.rule for n in found.notes] == ["PL107"]


def test_vcs_and_dependency_folders_and_excludes_are_skipped(tmp_path: Path) -> None:
    write_bundle(tmp_path / "node_modules" / "pkg" / "v1")
    write_bundle(tmp_path / ".git" / "x" / "v1")
    write_bundle(tmp_path / "drafts" / "old" / "v1")
    write_bundle(tmp_path / "live" / "v1")
    found = discover([tmp_path], excludes=("drafts",))
    assert [b.template_name for b in found.bundles] == ["live"]


def test_single_files_map_to_one_bundle(tmp_path: Path) -> None:
    root = write_bundle(tmp_path / "env" / "v1")
    (tmp_path / ".git").mkdir()
    (tmp_path / "README.md").write_text("hi")
    found = discover(
        [root / "schema" / "schema.yaml", root / "infrastructure" / "manifest.yaml", tmp_path / "README.md"]
    )
    assert (len(found.bundles) == 1 and found.unmatched_files == [str(Path("README.md"))]) or found.unmatched_files[
        0
    ].endswith("README.md")


def test_missing_path_raises(tmp_path: Path) -> None:
    with pytest.raises(DiscoveryError):
        discover([tmp_path / "nope"])


# -- archives ---------------------------------------------------------------------------------------------
def _tar(path: Path, members: list[tuple[tarfile.TarInfo, bytes | None]]) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for info, data in members:
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    return path


def _file(name: str, data: bytes) -> tuple[tarfile.TarInfo, bytes]:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    return info, data


def _special(name: str, kind: bytes, target: str = "") -> tuple[tarfile.TarInfo, None]:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = target
    return info, None


def test_archive_bundle_at_root_or_in_a_folder(tmp_path: Path, linter) -> None:
    members = [_file(f"env/{rel}", text.encode()) for rel, text in BASES["environment"].items()]
    archive = _tar(tmp_path / "env.tar.gz", members)
    (bundle,) = discover([archive]).bundles
    assert bundle.kind is BundleKind.ENVIRONMENT and bundle.display("schema/schema.yaml").endswith(
        "env.tar.gz!/env/schema/schema.yaml"
    )
    assert linter.run([archive]).findings == []


def test_hostile_archive_members_are_skipped_and_reported(tmp_path: Path, linter) -> None:
    members = [_file(rel, text.encode()) for rel, text in BASES["environment"].items()]
    members += [
        _file("/etc/evil", b"x"),
        _file("../../escape.txt", b"x"),
        _special("link", tarfile.SYMTYPE, "/etc/passwd"),
        _special("hard", tarfile.LNKTYPE, "../outside"),
        _special("dev", tarfile.CHRTYPE),
        _special("fifo", tarfile.FIFOTYPE),
    ]
    archive = _tar(tmp_path / "evil.tar.gz", members)
    contents = read_archive(archive)
    assert set(contents.files) == set(BASES["environment"])
    assert len(contents.skipped) == 6
    findings = linter.run([archive]).findings
    assert sorted(f.rule for f in findings) == ["PL104"] * 6
    assert not (tmp_path.parent / "escape.txt").exists()


def test_archive_far_too_large_is_refused_before_reading(tmp_path: Path) -> None:
    big = tmp_path / "big.tar.gz"
    with big.open("wb") as handle:
        handle.truncate(budgets.defaults().archive_compressed + 1)
    with pytest.raises(ArchiveRefused, match="not opened"):
        read_archive(big)


def test_not_an_archive(tmp_path: Path, linter) -> None:
    bad = tmp_path / "bad.tar.gz"
    bad.write_bytes(b"not gzip at all")
    (finding,) = linter.run([bad]).findings
    assert finding.rule == "PL104" and "not a readable .tar.gz" in finding.message


def test_bundle_over_proton_limit_is_a_finding(tmp_path: Path, linter) -> None:
    import os

    members = [_file(rel, text.encode()) for rel, text in BASES["environment"].items()]
    members += [_file(f"infrastructure/blob{i}.bin", os.urandom(190 * 1024)) for i in range(28)]
    archive = _tar(tmp_path / "big.tar.gz", members)
    rules = {f.rule for f in linter.run([archive]).findings}
    assert "PL103" in rules and "PL104" not in rules


def test_links_are_not_followed_out_of_the_bundle_or_into_loops(tmp_path: Path, linter) -> None:
    secret = tmp_path / "secret.env"
    secret.write_text("SECRET_TOKEN=abc123\n")
    root = write_bundle(tmp_path / "repo" / "env" / "v1", overrides={"schema/schema.yaml": None})
    (root / "schema").mkdir(exist_ok=True)
    (root / "schema" / "schema.yaml").symlink_to(secret)
    (root / "loop_a").symlink_to(".")
    (root / "loop_b").symlink_to(".")
    findings = linter.run([tmp_path / "repo"]).findings
    assert not any("SECRET_TOKEN" in f.message for f in findings)
    assert sorted(f.rule for f in findings if f.rule == "PL117") == ["PL117"] * 3
    assert "PL101" in {f.rule for f in findings}  # the linked schema is not read: the bundle has none


def test_a_component_template_file_maps_to_its_component(tmp_path: Path) -> None:
    root = write_bundle(tmp_path / "components" / "bucket", "component")
    (tmp_path / ".git").mkdir()
    (bundle,) = discover([root / "cloudformation.yaml"]).bundles
    assert bundle.kind is BundleKind.COMPONENT


def test_an_archive_without_a_bundle_is_an_error(tmp_path: Path, linter) -> None:
    archive = _tar(tmp_path / "nothing.tar.gz", [_file("readme.txt", b"hello")])
    (finding,) = linter.run([archive]).findings
    assert finding.rule == "PL101"


def test_skipped_members_count_towards_the_unpacked_limit(tmp_path: Path) -> None:
    info = tarfile.TarInfo("../bomb")
    info.size = 4 * 1024 * 1024 + 1
    archive = tmp_path / "bomb.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.addfile(info, _Zeros(info.size))
    with budgets.using(archive_unpacked=4 * 1024 * 1024), pytest.raises(ArchiveRefused, match="gzip bomb"):
        read_archive(archive)


class _Zeros(io.RawIOBase):
    """A stream of n zero bytes, without holding them in memory."""

    def __init__(self, n: int) -> None:
        self.left = n

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = min(len(buffer), self.left)
        buffer[:n] = b"\0" * n
        self.left -= n
        return n


def test_sync_files_do_not_count_as_template_files(tmp_path: Path, linter) -> None:
    extra = {f"infrastructure/m{i}.tf": "# x\n" for i in range(8)}
    extra[".compatible-envs"] = "vpc-env:1\n"
    write_bundle(tmp_path / "env" / "v1", "terraform-environment", extra)
    assert "PL109" not in {f.rule for f in linter.run([tmp_path]).findings}
