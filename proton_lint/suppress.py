"""Inline suppressions: ``# proton-lint: ignore[PL201] reason`` and friends.

Forms, in any text file of a bundle (YAML ``#`` comments, Jinja ``{# ... #}``, HCL ``#``):

* ``proton-lint: ignore[PL201,PL3] reason`` trailing a line covers that line's node and every node
  below it; alone on a line it covers the next line's node. Without ``[...]`` it covers every rule.
* ``proton-lint: ignore-file[PL201] reason`` anywhere covers the whole file.

Scope is the YAML node, not the physical line, so a comment on a mapping key also silences findings
on its children. A suppression that silenced nothing is reported as PL001 (if its rules ran).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from proton_lint.bundle import Bundle
from proton_lint.findings import Finding, Severity, Span

DIRECTIVE = re.compile(
    r"(?:#|\{#-?)\s*proton-lint:\s*(?P<kind>ignore-file|ignore)\b(?:\[(?P<ids>[^\]]*)\])?(?P<reason>[^\n]*?)(?:-?#\})?\s*$"
)
MARKER = b"proton-lint:"
TEXT_SUFFIXES = (".yaml", ".yml", ".j2", ".jinja", ".jinja2", ".tf", ".hcl", ".txt", ".tfvars", ".compatible-envs")


@dataclass
class Suppression:
    path: str  # display path of the file
    line: int  # where the comment is
    kind: str  # "ignore" or "ignore-file"
    rules: tuple[str, ...]  # empty: every rule
    target_line: int = 0
    scopes: list[str] = field(default_factory=list)  # logical paths covered
    used: bool = False

    def covers_rule(self, finding: Finding) -> bool:
        return not self.rules or any(
            finding.rule.upper().startswith(r.upper()) or finding.name == r.lower() for r in self.rules
        )

    def covers(self, finding: Finding) -> bool:
        if finding.path != self.path or not self.covers_rule(finding):
            return False
        if self.kind == "ignore-file":
            return True
        if finding.line == self.target_line:
            return True
        lp = finding.logical_path
        return bool(lp) and any(lp == s or lp.startswith((s + ".", s + "[")) for s in self.scopes)


def _next_code_line(lines: list[str], index: int) -> int:
    """1-based number of the first line after ``index`` that is not blank or a comment."""
    for j in range(index + 1, len(lines)):
        stripped = lines[j].strip()
        if stripped and not stripped.startswith(("#", "{#")):
            return j + 1
    return index + 1


def _split_ids(text: str | None) -> tuple[str, ...]:
    if not text:
        return ()
    return tuple(part.strip() for part in re.split(r"[,\s]+", text) if part.strip())


def scan_file(bundle: Bundle, rel: str) -> list[Suppression]:
    """Every suppression comment in one file of the bundle."""
    try:
        data = bundle.source.read(rel)
    except OSError:
        return []
    if MARKER not in data:
        return []
    text = data.decode("utf-8", errors="replace")
    lines = text.splitlines()
    doc = bundle.yaml(rel) if rel.endswith((".yaml", ".yml")) else None
    found = []
    for index, line in enumerate(lines):
        match = DIRECTIVE.search(line)
        if not match:
            continue
        code_before = line[: match.start()].strip()
        target = index + 1 if code_before else _next_code_line(lines, index)
        supp = Suppression(bundle.display(rel), index + 1, match["kind"], _split_ids(match["ids"]), target)
        if doc is not None and doc.ok:
            from proton_lint.findings import logical_path

            supp.scopes = [logical_path(p) for p in doc.paths_starting_on(target)]
        found.append(supp)
    return found


def scan_loose_file(path: str) -> list[Suppression]:
    """Suppressions in a file that belongs to no bundle (``path`` as findings show it)."""
    from pathlib import Path

    from proton_lint.bundle import DirSource

    file = Path(path)
    if not file.is_file():
        return []
    return scan_file(Bundle(source=DirSource(file.parent)), file.name)


def scan_bundle(bundle: Bundle) -> list[Suppression]:
    found: list[Suppression] = []
    for rel in bundle.files:
        if rel.endswith(TEXT_SUFFIXES) or "." not in rel.rsplit("/", 1)[-1]:
            found.extend(scan_file(bundle, rel))
    return found


def apply(findings: list[Finding], suppressions: list[Suppression]) -> list[Finding]:
    """Drop the findings that a suppression covers, marking those suppressions used."""
    if not suppressions:
        return findings
    kept = []
    for finding in findings:
        hit = False
        for supp in suppressions:
            if supp.covers(finding):
                supp.used = True
                hit = True
        if not hit:
            kept.append(finding)
    return kept


def unused(
    suppressions: list[Suppression], selected: dict[str, str], known: Callable[[str], bool] = lambda _: True
) -> list[Finding]:
    """PL001 findings for suppressions that name no known rule, or silenced nothing though their rules ran.

    ``selected`` maps the IDs of the rules that ran to their slugs; ``known`` tells whether a
    selector names any registered rule at all.
    """
    if "PL001" not in selected:
        return []
    slugs = set(selected.values())

    def ran(selector: str) -> bool:
        return selector.lower() in slugs or any(rid.startswith(selector.upper()) for rid in selected)

    out = []
    for supp in suppressions:
        unknown = [r for r in supp.rules if not known(r)]
        if unknown:
            message = f"this suppression names {', '.join(unknown)}, which is no rule; 'proton-lint rules' lists them"
        elif supp.used or (supp.rules and not all(ran(r) for r in supp.rules)):
            continue  # used, or for a rule that did not run (so not known to be unused)
        else:
            what = ", ".join(supp.rules) if supp.rules else "every rule"
            message = f"this suppression ({what}) silenced nothing; remove it"
        out.append(
            Finding(
                rule="PL001",
                name="unused-suppression",
                severity=Severity.WARNING,
                message=message,
                path=supp.path,
                span=Span(supp.line, 1),
                logical_path=f"suppression:{supp.line}",
                hint="delete the comment, or fix the rule IDs it names",
            )
        )
    return out
