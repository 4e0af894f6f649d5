"""Family 0: rules about the linter itself (crashes, suppressions)."""

from __future__ import annotations

from proton_lint.findings import Severity
from proton_lint.rules import Example, Rule


class InternalError(Rule):
    id = "PL000"
    slug = "internal-error"
    severity = Severity.ERROR
    summary = "A rule crashed; the run went on without it for this bundle, and exits with code 2."
    what = "Reports an exception raised inside a rule (built-in or plugin), with where it was raised."
    why = (
        "A crash must not hide the findings of every other rule, nor pass silently: CI sees exit code 2 "
        "and this finding, never a traceback."
    )
    fix = "Report it to the rule's author with the message; suppress the rule with --ignore meanwhile."
    target = "engine"


class UnusedSuppression(Rule):
    id = "PL001"
    slug = "unused-suppression"
    severity = Severity.WARNING
    summary = "A `proton-lint: ignore[...]` comment that silenced nothing."
    what = (
        "Reports suppression comments whose rules ran but found nothing at the covered node. "
        "Suppressions for rules that were not selected are not reported."
    )
    why = "Stale suppressions hide the next real problem at that spot and mislead readers."
    fix = "Delete the comment, or correct the rule IDs it names."
    target = "engine"
    bad = Example(
        files={
            "infrastructure/manifest.yaml": """\
            infrastructure:
              templates:
                - file: "cloudformation.yaml"  # proton-lint: ignore[PL203] kept from the preview
                  rendering_engine: jinja
                  template_language: cloudformation
            """
        }
    )
    good = Example(
        files={
            "infrastructure/manifest.yaml": """\
            infrastructure:
              templates:
                - file: "cloudformation.yaml"
                  engine: jinja  # proton-lint: ignore[PL203] registered before GA, migrating in Q3
                  template_language: cloudformation
                  rendering_engine: jinja
            """
        }
    )


RULES = (InternalError, UnusedSuppression)
