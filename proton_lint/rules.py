"""Rules: metadata, docs, the registry, and selection by ID, prefix or slug.

A rule is an object with class-level metadata (``id``, ``slug``, ``severity``, ``summary``), a doc
(what, why, fix, source, and a bad and a good example that the test suite runs), and ``check``.
Rules that are data (YAML + JSON Schema) and rules that are code share this base class, register
through the same pluggy hook, and live in one ID space.
"""

from __future__ import annotations

import difflib
import re
import textwrap
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from proton_lint.errors import UserError
from proton_lint.findings import Finding, Severity, Span, logical_path

if TYPE_CHECKING:
    from proton_lint.bundle import Bundle

#: the values of Rule.proton_refuses, and how `proton-lint rule ID` shows them
PROTON_REFUSES = {
    "registration": "Proton refuses it **at registration**: the template version ends REGISTRATION_FAILED.",
    "deployment": "Proton refuses it **at deployment**: the call that deploys refuses it, or the deployment FAILS.",
    "never": "Proton refuses it: **never**, as far as the evidence goes (the linter is stricter than Proton).",
}
RULE_ID = re.compile(r"^(?:[A-Z]{2,}[0-9]{3,4}|CFN:[EWI][0-9]{4})$")
SLUG = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
#: what may follow a sub-rule prefix such as ``CFN:`` in a selector: nothing, E, E3, ..., E3002
SUBRULE_ID = re.compile(r"^([EWI][0-9]{0,4})?$")

#: The base bundles that rule examples are laid over (see proton_lint.testing).
EXAMPLE_BASES = (
    "environment",
    "service",
    "service-no-pipeline",
    "customer-managed-environment",
    "terraform-environment",
    "codebuild-environment",
    "component",
    "none",
)


@dataclass(frozen=True)
class Example:
    """Files laid over a base bundle: ``None`` deletes a file of the base."""

    files: dict[str, str | None] = field(default_factory=dict)
    #: where the bundle sits in the repository, e.g. ``My Env/v1``; None: the base's usual place
    location: str | None = None
    #: True when the bundle is to be linted as a .tar.gz archive
    archive: bool = False
    #: LintOptions fields the example needs (e.g. ``customer_managed``)
    options: dict = field(default_factory=dict)
    #: symbolic links to create: path in the bundle -> link target
    links: dict[str, str] = field(default_factory=dict)
    #: FIFOs (named pipes) to create, by path in the bundle
    fifos: tuple[str, ...] = ()


class Rule:
    """Base class of every rule. Subclasses set the class attributes and implement ``check``."""

    id: ClassVar[str]
    slug: ClassVar[str]
    severity: ClassVar[Severity]
    summary: ClassVar[str]
    #: Markdown paragraphs for the doc page.
    what: ClassVar[str] = ""
    why: ClassVar[str] = ""
    fix: ClassVar[str] = ""
    source: ClassVar[str] = ""
    #: Where AWS Proton itself refused what the rule finds (one of PROTON_REFUSES): "registration"
    #: (the template version ends REGISTRATION_FAILED), "deployment" (the call that deploys refuses
    #: it or the deployment FAILS), or "never" (no evidence that Proton refused it: the linter is
    #: stricter). The default is "never": a rule claims a refusal only with a source. The emulator
    #: refuses at registration exactly the bundle rules marked "registration".
    proton_refuses: ClassVar[str] = "never"
    #: the evidence for ``proton_refuses``: the API reference, the user guide (UG:<page>) or the
    #: botocore model (SM:<shape>), as in the rule catalogue
    proton_refuses_source: ClassVar[str] = ""
    #: what the examples are laid over; see EXAMPLE_BASES
    base: ClassVar[str] = "environment"
    bad: ClassVar[Example] = Example()
    good: ClassVar[Example] = Example()
    #: "bundle": ``check(bundle)`` per bundle; "repository": ``check_repository(repo)`` once per run;
    #: "discovery" and "engine": reported by discovery or by the engine itself
    target: ClassVar[str] = "bundle"
    #: where the rule came from: "proton-lint", a plugin name, or a rule pack path
    origin: str = "proton-lint"
    #: for rules whose findings carry IDs of another tool behind a prefix (``CFN:`` for cfn-lint):
    #: selectors with that prefix select this rule, and the rule filters its findings by them
    subrule_prefix: ClassVar[str | None] = None

    def applies(self, bundle: Bundle) -> bool:  # noqa: ARG002 - subclasses narrow it
        return True

    def check(self, bundle: Bundle) -> Iterable[Finding]:  # noqa: ARG002
        return ()

    def check_repository(self, repo: Any) -> Iterable[Finding]:  # noqa: ARG002
        """For ``target = "repository"`` rules: findings about the repository as a whole."""
        return ()

    def reset(self) -> None:
        """Called at the start of every run: drop anything memoised from the last one."""

    # -- helpers for subclasses ----------------------------------------------------------------
    def finding(
        self,
        bundle: Bundle,
        rel: str,
        message: str,
        *,
        at: tuple = (),
        key: bool = False,
        span: Span | None = None,
        hint: str | None = None,
        severity: Severity | None = None,
    ) -> Finding:
        """A finding in file ``rel`` of ``bundle`` at the node with logical path ``at``."""
        if span is None and rel:
            doc = bundle.yaml(rel) if rel.endswith((".yaml", ".yml")) else None
            if doc is not None:
                span = doc.span_of(at, key=key)
        return Finding(
            rule=self.id,
            name=self.slug,
            severity=severity or self.severity,
            message=message,
            path=bundle.display(rel),
            span=span,
            logical_path=logical_path(at),
            hint=hint or (self.fix.split("\n")[0] if self.fix else None),
        )

    # -- docs ------------------------------------------------------------------------------------
    def doc_markdown(self, level: int = 1) -> str:
        """The page that ``proton-lint rule ID`` prints; docs/rules.md nests it at ``level`` 2."""
        top, section = "#" * level, "#" * (level + 1)
        parts = [
            f"{top} {self.slug} ({self.id})",
            f"Severity: **{self.severity}** · origin: {self.origin}",
            self.summary,
            self._refusal_markdown(),
        ]
        for title, text in (("What it does", self.what), ("Why is this bad?", self.why)):
            if text:
                parts += [f"{section} {title}", textwrap.dedent(text).strip()]
        if self.bad.files or self.bad.links or self.bad.location:
            parts += [f"{section} Example", _example_markdown(self.bad)]
        if self.good.files or self.good.location or self.good.options:
            parts += ["Use instead:", _example_markdown(self.good)]
        for title, text in (("How to fix", self.fix), ("Source", self.source)):
            if text:
                parts += [f"{section} {title}", textwrap.dedent(text).strip()]
        return "\n\n".join(parts) + "\n"

    def _refusal_markdown(self) -> str:
        source = f" Source: {self.proton_refuses_source}" if self.proton_refuses_source else ""
        return PROTON_REFUSES[self.proton_refuses] + source

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "name": self.slug,
            "severity": str(self.severity),
            "summary": self.summary,
            "origin": self.origin,
            "proton_refuses": self.proton_refuses,
            "proton_refuses_source": self.proton_refuses_source,
        }


def _language(path: str) -> str:
    if path.endswith((".yaml", ".yml")):
        return "yaml"
    if path.endswith(".json"):
        return "json"
    if path.endswith(".tf"):
        return "hcl"
    return ""


def _example_markdown(example: Example) -> str:
    blocks = []
    for name, value in example.options.items():
        shown = list(value) if isinstance(value, tuple) else value
        blocks.append(f"With the configuration `{name.replace('_', '-')} = {shown!r}`.")
    for path, target in example.links.items():
        blocks.append(f"`{path}`: a link to `{target}`")
    for path in example.fifos:
        blocks.append(f"`{path}`: a FIFO (named pipe, `mkfifo`)")
    if example.location or example.archive:
        where = f"In `{example.location}/`" if example.location else "In the bundle"
        blocks.append(where + (" (packed as a .tar.gz)" if example.archive else "") + ":")
    for path, text in example.files.items():
        if text is None:
            blocks.append(f"`{path}`: absent")
        else:
            body = "\n".join(
                line if len(line) <= 200 else f"{line[:40]}... ({len(line):,} characters)"
                for line in textwrap.dedent(text).strip().splitlines()
            )
            blocks.append(f"`{path}`:\n```{_language(path)}\n{body}\n```")
    return "\n\n".join(blocks)


class SelectionError(UserError, ValueError):
    """An unknown rule selector (exit code 2)."""


class RuleRegistry:
    """Every known rule, by ID and slug."""

    def __init__(self) -> None:
        self._by_id: dict[str, Rule] = {}
        self._by_slug: dict[str, Rule] = {}

    def add(self, rule: Rule) -> None:
        for attr in ("id", "slug", "severity", "summary"):
            if not hasattr(rule, attr):
                raise ValueError(f"rule {type(rule).__name__} from {rule.origin} has no {attr}")
        if not RULE_ID.match(rule.id):
            raise ValueError(f"rule ID {rule.id!r} from {rule.origin} is not of the form PL123")
        if not SLUG.match(rule.slug):
            raise ValueError(f"rule slug {rule.slug!r} ({rule.id}) is not kebab-case")
        if rule.proton_refuses not in PROTON_REFUSES:
            raise ValueError(
                f"rule {rule.id}: proton_refuses is {rule.proton_refuses!r}; use one of {', '.join(PROTON_REFUSES)}"
            )
        for table, key in ((self._by_id, rule.id), (self._by_slug, rule.slug)):
            other = table.get(key)
            if other is not None and other is not rule:
                raise ValueError(f"{key} is defined twice: by {other.origin} and by {rule.origin}")
        self._by_id[rule.id] = rule
        self._by_slug[rule.slug] = rule

    def __iter__(self) -> Iterator[Rule]:
        return iter(sorted(self._by_id.values(), key=lambda r: r.id))

    def __len__(self) -> int:
        return len(self._by_id)

    def get(self, key: str) -> Rule | None:
        return self._by_id.get(key.upper()) or self._by_id.get(key) or self._by_slug.get(key.lower())

    def knows(self, selector: str) -> bool:
        """Whether a selector (ID, ID prefix, slug, ``ALL``, ``CFN:...``) names any rule."""
        sel = selector.strip()
        upper = sel.upper()
        return (
            upper == "ALL"
            or any(r.subrule_prefix and upper.startswith(r.subrule_prefix.rstrip(":")) for r in self._by_id.values())
            or sel.lower() in self._by_slug
            or any(rid.upper().startswith(upper) for rid in self._by_id)
        )

    def matching(self, selector: str) -> list[Rule]:
        """Rules a selector names: ``ALL``, an ID, an ID prefix (``PL2``, ``CFN:``) or a slug."""
        sel = selector.strip()
        if sel.upper() == "ALL":
            return list(self)
        by_prefix = [r for r in self if r.subrule_prefix and sel.upper().startswith(r.subrule_prefix.rstrip(":"))]
        if by_prefix:
            tail = sel.upper()[len(by_prefix[0].subrule_prefix.rstrip(":")) :].lstrip(":")
            if not SUBRULE_ID.match(tail):
                raise SelectionError(
                    f"{selector!r} is not a {by_prefix[0].subrule_prefix}<ID> selector; use e.g. "
                    f"{by_prefix[0].subrule_prefix}E3002 or a prefix such as {by_prefix[0].subrule_prefix}E3"
                )
            return by_prefix
        if sel.lower() in self._by_slug:
            return [self._by_slug[sel.lower()]]
        upper = sel.upper()
        hits = [r for r in self if r.id.upper().startswith(upper)]
        if not hits:
            choices = [*self._by_id, *self._by_slug]
            close = difflib.get_close_matches(sel, choices, n=1)
            tip = f" (did you mean {close[0]}?)" if close else ""
            raise SelectionError(f"no rule matches {selector!r}{tip}; 'proton-lint rules' lists them")
        return hits

    def select(
        self,
        select: Iterable[str] = ("ALL",),
        extend_select: Iterable[str] = (),
        ignore: Iterable[str] = (),
    ) -> list[Rule]:
        """Rules to run: (select + extend_select) - ignore. Unselected rules never run."""
        chosen: dict[str, Rule] = {}
        for selector in [*select, *extend_select]:
            for rule in self.matching(selector):
                chosen[rule.id] = rule
        for selector in ignore:
            for rule in self.matching(selector):
                if not (rule.subrule_prefix and selector.strip().upper().startswith(rule.subrule_prefix)):
                    chosen.pop(rule.id, None)  # `--ignore CFN:E2533` narrows the rule, it does not drop it
        return sorted(chosen.values(), key=lambda r: r.id)
