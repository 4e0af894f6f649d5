"""Family 1: the YAML files Proton reads must be YAML (manifests, schema, registration file)."""

from __future__ import annotations

from collections.abc import Iterable

from proton_lint.bundle import SCHEMA_FILE, Bundle
from proton_lint.findings import Finding, Severity
from proton_lint.rules import Example, Rule

REGISTRATION_FILE = ".template-registration.yaml"


def proton_yaml_files(bundle: Bundle) -> list[str]:
    """The YAML files of a bundle that Proton parses itself (Jinja IaC is YAML only once rendered)."""
    files = [SCHEMA_FILE] if bundle.has(SCHEMA_FILE) else []
    files += bundle.manifests
    if bundle.has(REGISTRATION_FILE):
        files.append(REGISTRATION_FILE)
    return files


class InvalidYaml(Rule):
    id = "PL106"
    slug = "invalid-yaml"
    severity = Severity.ERROR
    proton_refuses = "registration"
    proton_refuses_source = "BND-04: UG:template-considerations.md (each file of the bundle must be valid YAML)"
    summary = "A manifest, schema or registration file is not valid YAML."
    what = (
        "Parses `schema/schema.yaml`, every `manifest.yaml` and `.template-registration.yaml`, and reports "
        "syntax errors at their line, tabs used for indentation, non-UTF-8 files, several documents in one "
        "file, and files refused because they expand past a safe size (alias bombs) or nest too deep."
    )
    why = (
        "Proton parses these files when it registers the version; a YAML error fails registration. A "
        "bare `*` (meant as Terraform's wildcard) is a YAML alias and a classic cause."
    )
    fix = "Fix the YAML at the reported line; quote values that start with `*`, `&`, `!`, `{`, `[` or contain `: `."
    source = "BND-04, MAN-05, [DOC] UG:template-considerations.md"
    base = "terraform-environment"
    bad = Example(
        files={
            "infrastructure/manifest.yaml": """\
            infrastructure:
              templates:
                - file: *
                  rendering_engine: hcl
                  template_language: terraform
            """
        }
    )
    good = Example(files={})

    def check(self, bundle: Bundle) -> Iterable[Finding]:
        for rel in proton_yaml_files(bundle):
            doc = bundle.yaml(rel)
            for problem in doc.problems if doc else ():
                if problem.kind != "duplicate-key":
                    yield self.finding(bundle, rel, problem.message, span=problem.span, hint=problem.hint)


class DuplicateKey(Rule):
    id = "PL108"
    slug = "duplicate-key"
    severity = Severity.ERROR
    summary = "A mapping in a manifest, schema or registration file has the same key twice."
    what = "Reports every repeated key, at the repetition, naming the line of the first one."
    why = (
        "YAML parsers disagree on duplicates: most keep the last value silently, some reject the file. "
        "Either way one of the two values is lost, usually the one you edited."
    )
    fix = "Remove or merge one of the two keys."
    source = "BND-04, YAML 1.2 §3.2.1.1 (keys are unique)"
    bad = Example(
        files={
            "infrastructure/manifest.yaml": """\
            infrastructure:
              templates:
                - file: "cloudformation.yaml"
                  rendering_engine: jinja
                  template_language: cloudformation
                  file: "other.yaml"
            """
        }
    )
    good = Example(files={})

    def check(self, bundle: Bundle) -> Iterable[Finding]:
        for rel in proton_yaml_files(bundle):
            doc = bundle.yaml(rel)
            for problem in doc.problems if doc else ():
                if problem.kind == "duplicate-key":
                    yield self.finding(bundle, rel, problem.message, span=problem.span, hint=problem.hint)


RULES = (InvalidYaml, DuplicateKey)
