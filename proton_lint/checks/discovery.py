"""Rules reported while bundles are being found (archives, stray manifests).

Their findings come from proton_lint.discover as notes; the classes here carry the metadata and
docs, so these IDs are selected, suppressed and documented like any other rule.
"""

from __future__ import annotations

from proton_lint.findings import Severity
from proton_lint.rules import Example, Rule


class DiscoveryRule(Rule):
    target = "discovery"


class ArchiveUnsafe(DiscoveryRule):
    id = "PL104"
    slug = "archive-unsafe"
    severity = Severity.ERROR
    proton_refuses = "registration"
    proton_refuses_source = "BND-01: UG:template-considerations.md (a bundle is a gzipped tar archive)"
    summary = "A `.tar.gz` bundle is unreadable, far too large, or has members that could escape it."
    what = (
        "Archives are read in memory, never extracted. Members with absolute paths, `..`, links, "
        "devices or FIFOs are skipped and reported; an archive far beyond Proton's 5 MB limit, one "
        "that unpacks past a hard cap (a gzip bomb: every decompressed byte, headers included, is "
        "counted as it is read), one with absurd long-name or PAX headers, and a FIFO or device named "
        "like an archive are refused without being unpacked."
    )
    why = (
        "Proton bundles hold regular files only. A member that climbs out of the bundle is how "
        "malicious archives overwrite files (tar slip), and no tool should unpack one."
    )
    fix = "Rebuild the archive from the bundle folder: `tar -czf bundle.tar.gz -C my-template/v1 .`"
    source = "BND-01, BND-03, [DOC] UG:template-considerations.md"
    base = "environment"
    bad = Example(files={"../escape.txt": "outside\n"}, archive=True)
    good = Example(files={}, archive=True)


class ArchiveMultipleBundles(DiscoveryRule):
    id = "PL105"
    slug = "archive-multiple-bundles"
    severity = Severity.WARNING
    summary = "An archive holds more than one `schema/schema.yaml`; Proton expects one bundle."
    what = (
        "Finds the folder holding `schema/schema.yaml` in an archive (at the root or in a folder; AWS's "
        "samples pack both ways and both register) and warns when there is more than one."
    )
    why = "Proton picks one bundle per template version; which one it takes is not documented."
    fix = "Pack one bundle per archive."
    source = "BND-05, [SAMPLE] protonizer bundle.go; sample READMEs"
    bad = Example(files={"old/schema/schema.yaml": "schema: {}\n"}, archive=True)
    good = Example(files={}, archive=True)


class StrayManifest(DiscoveryRule):
    id = "PL107"
    slug = "stray-manifest"
    severity = Severity.INFO
    summary = "A `manifest.yaml` outside any bundle that names no IaC file (not a bundle, not a component)."
    what = (
        "Reports a `manifest.yaml` in a folder that is neither an infrastructure folder of a bundle nor "
        "a directly defined component (a component's manifest names its IaC file)."
    )
    why = (
        "Such a file is never registered as it is. Often it is a shared copy that a script puts into "
        "bundles; then this is expected, and a per-path ignore says so."
    )
    fix = "Move it into the bundle's infrastructure folder, or ignore the path in the config."
    source = "BND-10, BND-20, BND-30"
    base = "none"
    bad = Example(
        files={
            "manifest.yaml": """\
            infrastructure:
              templates:
                - rendering_engine: codebuild
                  settings:
                    image: aws/codebuild/amazonlinux2-x86_64-standard:4.0
                    runtimes: {nodejs: 16}
                    provision: ["npx cdk deploy"]
                    deprovision: ["npx cdk destroy --force"]
            """
        },
        location="shared",
    )
    good = Example(files={"README.md": "shared files\n"}, location="shared")


RULES = (ArchiveUnsafe, ArchiveMultipleBundles, StrayManifest)
