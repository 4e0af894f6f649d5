"""Family 2: manifest rules that look beyond the manifest itself (the files it names)."""

from __future__ import annotations

import fnmatch
import posixpath
from collections.abc import Iterable

from proton_lint.bundle import Bundle
from proton_lint.findings import Finding, Severity
from proton_lint.rules import Example, Rule


class ManifestFileMissing(Rule):
    id = "PL205"
    slug = "manifest-file-missing"
    severity = Severity.ERROR
    proton_refuses = "registration"
    proton_refuses_source = "MAN-04: UG:ag-wrap-up.md (the manifest names a file of its folder)"
    summary = 'The manifest names an IaC file that is not in its folder (or `"*"` matches no `.tf` file).'
    what = (
        "For each jinja or hcl template entry, checks that `file` exists in the manifest's folder. For "
        'Terraform\'s `"*"`, checks that the folder holds at least one `.tf` file.'
    )
    why = "Proton reads the IaC file named by the manifest; registration fails when it is not in the bundle."
    fix = "Correct the file name (it is case-sensitive) or add the file beside the manifest."
    source = "MAN-04, MAN-05, [DOC] UG:ag-wrap-up.md"
    bad = Example(
        files={"infrastructure/cloudformation.yaml": None, "infrastructure/CloudFormation.yaml": "Resources: {}\n"}
    )
    good = Example(files={})

    def check(self, bundle: Bundle) -> Iterable[Finding]:
        for rel in bundle.manifests:
            folder = posixpath.dirname(rel)
            present = {posixpath.basename(n) for n in bundle.files_in(folder)}
            # a file there that is not read (a FIFO, over the size budget) is PL120's finding, not a missing file
            for i, entry in enumerate(bundle.manifest_entries(rel)):
                name = entry.get("file")
                engine = entry.get("rendering_engine", entry.get("engine"))
                if not isinstance(name, str) or engine == "codebuild":
                    continue
                at = ("infrastructure", "templates", i, "file")
                if any(ch in name for ch in "*?["):
                    if engine == "hcl" and not [n for n in present if fnmatch.fnmatch(n, name) and n.endswith(".tf")]:
                        yield self.finding(
                            bundle, rel, f"file: {name!r} matches no .tf file in {folder or 'the component'}/", at=at
                        )
                    continue
                if name not in present and posixpath.join(folder, name) not in bundle.source.unread():
                    close = [n for n in present if n.lower() == name.lower()]
                    tip = f" (there is {close[0]}; names are case-sensitive)" if close else ""
                    where = f"{folder}/" if folder else "the component folder"
                    yield self.finding(bundle, rel, f"{name!r} is not in {where}{tip}", at=at)


RULES = (ManifestFileMissing,)
