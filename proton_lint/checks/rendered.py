"""Family 6: the rendered output. Templates are rendered as Proton renders them (every spec,
every instance, the pipeline with its instances' outputs), then checked as CloudFormation,
with cfn-lint; every finding is reported at the Jinja source line that produced it."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator
from typing import Any

from proton_lint.bundle import Bundle, BundleKind
from proton_lint.findings import Finding, Severity, Span
from proton_lint.render import TemplateKind
from proton_lint.rules import Example, Rule
from proton_lint.snippets import CFN_MANIFEST, env_schema


def _sanitized_prefix_example(default: str) -> Example:
    """A queue named from the input ``name_prefix`` with ``proton_cfn_sanitize``; the input defaults to ``default``."""
    return Example(
        files={
            "schema/schema.yaml": env_schema(f'name_prefix:\n  type: string\n  default: "{default}"'),
            "infrastructure/cloudformation.yaml": """\
Resources:
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: '{{ environment.inputs.name_prefix | proton_cfn_sanitize }}-queue'
""",
        }
    )


def _renderings(bundle: Bundle) -> list[Any]:
    from proton_lint.contexts import renderings

    return renderings(bundle)


def _rendered_texts(bundle: Bundle) -> Iterator[tuple[Any, str]]:
    """(rendering, rendered text) of the renderings of ``bundle`` that succeeded."""
    for rendering in _renderings(bundle):
        text = rendering.result.text
        if text is not None and rendering.result.ok:
            yield rendering, text


def _once(findings: Iterable[Finding]) -> Iterator[Finding]:
    """One finding per source location and message: several renderings often agree."""
    seen: set[tuple] = set()
    for finding in findings:
        key = (finding.path, finding.line, finding.rule, finding.message)
        if key not in seen:
            seen.add(key)
            yield finding


def _line(lines: list[str], number: int) -> str | None:
    return lines[number - 1] if 0 < number <= len(lines) else None


def _rendered_line(text: str, line: int) -> str:
    lines = text.splitlines()
    shown = lines[line - 1].strip() if 0 < line <= len(lines) else ""
    return shown if len(shown) <= 80 else shown[:77] + "..."


class RenderFailed(Rule):
    id = "PL601"
    slug = "render-failed"
    severity = Severity.ERROR
    proton_refuses = "deployment"
    proton_refuses_source = (
        "UG:parameters.md (Proton renders the template when it deploys; a rendering error fails the deployment)"
    )
    summary = "A template fails to render with the sample inputs (an undefined name, a filter that refuses a value)."
    what = (
        "Renders every jinja template of the bundle as Proton would, with each sample spec (or the schema's "
        "defaults), every instance, and fake but realistic environment and instance outputs, and reports "
        "rendering errors at the source line. Syntax errors are PL501's; this rule reports what only "
        "rendering shows: a name that is not there for these inputs, `proton_cfn_sanitize` or `raw=False` "
        "refusing a value, a loop over something that is not a list. Rendering is bounded (the `limits` "
        "of the configuration): a template that takes more steps or time than the budget, or builds a string, "
        "list or integer over `value-size`, is reported at its line, naming the limit; so is printing a "
        "function or an object instead of a value."
    )
    why = (
        "Proton renders the template when the resource is deployed; a render error fails the deployment with a "
        "generic message, long after the template was registered."
    )
    fix = "Fix the expression at the reported line, or guard it with `| default(...)`."
    source = "NS-30, FLT-01..04, [DOC] UG:parameter-filters.md; [SAMPLE] aws-proton-template-checker-action"
    bad = _sanitized_prefix_example("my::prefix")
    good = _sanitized_prefix_example("my-prefix")

    def check(self, bundle: Bundle) -> Iterable[Finding]:
        found = []
        for rendering in _renderings(bundle):
            for error in rendering.result.errors:
                if error.kind in ("syntax", "depth"):
                    continue  # PL501 reports syntax errors once, from the syntax tree
                if rendering.kind is TemplateKind.COMPONENT and (error.name or "").startswith("service"):
                    continue  # PL506: what a component reads of its service instance may be absent
                span = Span(error.line) if error.line else None
                found.append(
                    self.finding(
                        bundle,
                        rendering.rel,
                        f"rendering with {rendering.label} fails: {error.message}",
                        span=span,
                    )
                )
        yield from _once(found)


class RenderedYamlInvalid(Rule):
    id = "PL602"
    slug = "rendered-yaml-invalid"
    severity = Severity.ERROR
    proton_refuses = "deployment"
    proton_refuses_source = (
        "UG:ag-infrastructure-tmp-files-cloudformation.md (the rendered template is a CloudFormation template)"
    )
    summary = "The rendered template is not valid YAML."
    what = "Parses each rendered CloudFormation template and reports YAML errors at the source line that produced them."
    why = (
        "CloudFormation rejects the stack, and Proton shows only a generic error without the rendered file. "
        "Unquoted Jinja expressions and filter output at the wrong indentation are the usual causes."
    )
    fix = "Quote the Jinja expression ('{{ ... }}'), or fix the indentation of the block the template produces."
    source = "NS-01, NS-30, BND-04, [DOC] UG:parameters.md"
    bad = Example(
        files={
            "infrastructure/cloudformation.yaml": """\
            Resources:
              VPC:
                Type: AWS::EC2::VPC
                Properties:
                  CidrBlock: {{ environment.inputs.vpc_cidr }}: x
            """
        }
    )
    good = Example(files={})

    def check(self, bundle: Bundle) -> Iterable[Finding]:
        from proton_lint.source import parse_yaml

        found = []
        for rendering, text in _rendered_texts(bundle):
            for problem in parse_yaml(text).problems:
                line = rendering.result.source_line(problem.span.line)
                found.append(
                    self.finding(
                        bundle,
                        rendering.rel,
                        f"rendered with {rendering.label}, the template is not YAML: {problem.message} "
                        f"(rendered line {problem.span.line}: {_rendered_line(text, problem.span.line)})",
                        span=Span(line),
                    )
                )
        yield from _once(found)


class ParameterWithoutDefault(Rule):
    id = "PL603"
    slug = "cfn-parameter-without-default"
    severity = Severity.WARNING
    summary = "A CloudFormation `Parameters` entry has no `Default`; Proton passes no stack parameters."
    what = "Reports entries of the rendered template's `Parameters` section without a `Default`."
    why = (
        "Proton injects inputs by rendering; it never passes stack parameters, so a parameter without a "
        "default cannot be satisfied and the stack fails to create."
    )
    fix = "Make it a schema input and reference it with Jinja, or give the parameter a Default."
    source = "NS-31, [DOC] UG:ag-infrastructure-tmp-files-cloudformation.md"
    bad = Example(
        files={
            "infrastructure/cloudformation.yaml": """\
            Parameters:
              VpcCidr:
                Type: String
            Resources:
              VPC:
                Type: AWS::EC2::VPC
                Properties:
                  CidrBlock: !Ref VpcCidr
            Outputs:
              VpcId:
                Value: !Ref VPC
            """
        }
    )
    good = Example(files={})

    def check(self, bundle: Bundle) -> Iterable[Finding]:
        from proton_lint.source import parse_yaml

        found = []
        for rendering, text in _rendered_texts(bundle):
            doc = parse_yaml(text)
            params = doc.data.get("Parameters") if doc.ok and isinstance(doc.data, dict) else None
            for name, body in params.items() if isinstance(params, dict) else ():
                if isinstance(body, dict) and "Default" not in body:
                    line = rendering.result.source_line(doc.span_of(("Parameters", name), key=True).line)
                    found.append(
                        self.finding(
                            bundle,
                            rendering.rel,
                            f"parameter {name} has no Default, and Proton passes no stack parameters",
                            span=Span(line),
                        )
                    )
        yield from _once(found)


_LEVELS = {"error": Severity.ERROR, "warning": Severity.WARNING, "informational": Severity.INFO}


class CfnLint(Rule):
    id = "PL610"
    slug = "cfn-lint"
    severity = Severity.ERROR
    #: findings carry cfn-lint's own IDs behind this prefix, selectable like rule IDs
    subrule_prefix = "CFN:"
    summary = "cfn-lint's findings on the rendered template, as `CFN:<cfn-lint ID>`, at the source line."
    what = (
        "Runs cfn-lint (one runner per process, the configured regions) on every rendered CloudFormation "
        "template and reports each finding at the Jinja source line that produced it, with the rendered line "
        "in the message. IDs keep cfn-lint's code behind a prefix (`CFN:E3002`); select or ignore them like "
        "any rule (`--ignore CFN:E2533`, `--select CFN:E3`). The severity is cfn-lint's."
    )
    why = (
        "Most defects that reach production are only visible once a template is rendered with real inputs: "
        "cfn-lint cannot read Jinja, and Proton shows only a generic error for a template CloudFormation rejects."
    )
    fix = "Fix the template at the reported source line; `proton-lint render` writes the rendered file to inspect."
    source = "NS-30, [SAMPLE] aws-proton-template-checker-action; cfn-lint"
    bad = Example(
        files={
            "infrastructure/cloudformation.yaml": """\
            Resources:
              Bucket:
                Type: AWS::S3::Bucket
                Properties:
                  BucketEncryption:
                    ServerSideEncryptionConfiguration:
                      - ServerSideEncryptionByDefault:
                        SSEAlgorithm: AES256
              VPC:
                Type: AWS::EC2::VPC
                Properties:
                  CidrBlock: '{{ environment.inputs.vpc_cidr }}'
            """
        }
    )
    good = Example(files={})

    def check(self, bundle: Bundle) -> Iterable[Finding]:
        from proton_lint.cfn import lint_template

        options = bundle.repo.options if bundle.repo is not None else None
        regions = tuple(options.regions) if options is not None else ("us-east-1",)
        allowed = _cfn_selection(options)
        found = []
        for rendering, text in _rendered_texts(bundle):
            source_lines = bundle.read_text(rendering.rel).splitlines()
            rendered_lines = text.splitlines()
            for match in lint_template(text, regions):
                rule = f"CFN:{match.rule}"
                if not allowed(rule) or match.rule == "E0000":
                    continue  # E0000 (not YAML) is PL602's
                line = rendering.result.source_line(match.line)
                same = _line(source_lines, line) == _line(rendered_lines, match.line)
                span = Span(line, match.column, line, match.end_column) if same else Span(line)
                severity = _LEVELS.get(match.level, Severity.WARNING)
                message = (
                    f"{match.message} (rendered with {rendering.label}; rendered line {match.line}: "
                    f"{_rendered_line(text, match.line)})"
                )
                invented = _invented_at(rendering, _line(rendered_lines, match.line) or "", text, match.path)
                if invented:
                    severity = Severity.INFO
                    message += (
                        f"; the line holds a value proton-lint made up for {', '.join(invented)}, which has no "
                        "default and no sample value, so this may be the made-up value's fault, not the template's"
                    )
                finding = self.finding(bundle, rendering.rel, message, span=span, severity=severity)
                found.append(_as_cfn(finding, rule, match))
        yield from _once_per_line(found)


#: Invented values shorter than this are too common to recognise in a rendered line.
_MIN_INVENTED = 4


def _holds(text: str, value: str) -> bool:
    """A reported value (or rendered line) is the made-up one, or holds it when it is long enough to
    recognise; case aside, since templates often upper- or lower-case what they are given."""
    return value == text or (len(value) >= _MIN_INVENTED and value.lower() in text.lower())


def _invented_at(rendering: Any, rendered_line: str, text: str, path: tuple) -> list[str]:
    """The made-up inputs (``service_instance.inputs.image``) whose value the rendered line holds,
    or the node cfn-lint reports on (at ``path``) is or holds."""
    from proton_lint.fitting import node_at, texts

    made = list(texts(rendering.invented))
    found = [item.shown for item, value in made if len(value) >= _MIN_INVENTED and _holds(rendered_line, value)]
    if not found and made and path:
        node = node_at(text, path)
        if isinstance(node, str):
            found = [item.shown for item, value in made if _holds(node, value)]
    return list(dict.fromkeys(found))


def _as_cfn(finding: Finding, rule: str, match: Any) -> Finding:
    from dataclasses import replace

    path = "/".join(str(p) for p in match.path)
    return replace(finding, rule=rule, name=f"cfn-lint-{match.rule.lower()}", logical_path=f"cfn:{path}")


def _once_per_line(findings: list[Finding]) -> Iterator[Finding]:
    """cfn-lint findings: one per (source line, cfn-lint ID), the most severe of the renderings that
    produced it (the first of those), so that a made-up value in one rendering hides no real error."""
    kept: dict[tuple, Finding] = {}
    for finding in findings:
        key = (finding.path, finding.line, finding.rule)
        if key not in kept or finding.severity > kept[key].severity:
            kept[key] = finding
    yield from kept.values()


def _cfn_selection(options: Any) -> Any:
    """Whether a ``CFN:...`` ID is selected, from the run's --select/--extend-select/--ignore."""
    if options is None:
        return lambda _rule: True

    def cfn(selector: str) -> str | None:  # "CFN", "cfn:e3" -> "CFN:", "CFN:E3"
        upper = selector.strip().upper()
        return "CFN:" + upper[3:].lstrip(":") if upper.startswith("CFN") else None

    chosen = [*options.select, *options.extend_select]
    explicit = [c for c in map(cfn, chosen) if c is not None]
    whole = any(s.upper() == "ALL" or CfnLint.id.startswith(s.upper()) or s.lower() == CfnLint.slug for s in chosen)
    ignored = [c for c in map(cfn, options.ignore) if c is not None]

    def allowed(rule: str) -> bool:
        if any(rule.startswith(s) for s in ignored):
            return False
        return whole or any(rule.startswith(s) for s in explicit)

    return allowed


_REGISTRATION = "compatible_environments:\n  - my-env:1\n"
#: an environment template beside the example service (``my-template/v1`` -> ``my-env/v1``)
_MY_ENV = {
    "../../my-env/v1/schema/schema.yaml": (
        'schema:\n  format:\n    openapi: "3.0.0"\n  environment_input_type: EnvInput\n  types:\n'
        "    EnvInput:\n      type: object\n      properties:\n        cidr: {type: string, default: 10.0.0.0/16}\n"
    ),
    "../../my-env/v1/infrastructure/manifest.yaml": CFN_MANIFEST,
    "../../my-env/v1/infrastructure/cloudformation.yaml": (
        "Resources:\n  VPC:\n    Type: AWS::EC2::VPC\n    Properties:\n"
        "      CidrBlock: '{{ environment.inputs.cidr }}'\nOutputs:\n  VpcId:\n    Value: !Ref VPC\n"
    ),
}


class EnvironmentOutputMissing(Rule):
    id = "PL604"
    slug = "environment-output-missing"
    severity = Severity.WARNING
    summary = "A service template reads an environment output that no compatible environment template provides."
    what = (
        "For service templates whose compatible environment templates (`.template-registration.yaml` or "
        "`.compatible-envs`) are in the same repository and rendered with CloudFormation, compares every "
        "`environment.outputs.X` the service's templates read (in every branch, pipelines' per-instance "
        "environments too) with the `Outputs` of those environment templates. A service template that "
        "declares no compatible environment in a file Proton reads (none, or a misnamed file) is compared "
        "with the environment templates nearest to it in the repository, and the message says that "
        "compatibility was assumed."
    )
    why = (
        "A missing output renders as an error when the service instance is deployed. Output names are "
        "case-sensitive, so `VpcID` against an environment that outputs `VpcId` is a classic."
    )
    fix = "Use the output's exact name, add the output to the environment template, or guard with `| default(...)`."
    source = "OUT-04, [DOC] UG:ag-schema.md; AG:ga-api-migration.md"
    base = "service"
    bad = Example(
        files={
            ".template-registration.yaml": _REGISTRATION,
            "instance_infrastructure/cloudformation.yaml": """\
            Resources:
              Queue:
                Type: AWS::SQS::Queue
                Properties:
                  QueueName: '{{ service_instance.name }}-{{ environment.outputs.VpcID }}'
                  DelaySeconds: '{{ service_instance.inputs.port // 1000 }}'
            """,
            **_MY_ENV,
        }
    )
    good = Example(
        files={
            ".template-registration.yaml": _REGISTRATION,
            "instance_infrastructure/cloudformation.yaml": """\
            Resources:
              Queue:
                Type: AWS::SQS::Queue
                Properties:
                  QueueName: '{{ service_instance.name }}-{{ environment.outputs.VpcId }}'
                  DelaySeconds: '{{ service_instance.inputs.port // 1000 }}'
            """,
            **_MY_ENV,
        }
    )

    def applies(self, bundle: Bundle) -> bool:
        return bundle.kind is BundleKind.SERVICE

    def check(self, bundle: Bundle) -> Iterable[Finding]:
        from proton_lint.contexts import environment_output_names, jinja_templates
        from proton_lint.render import analyse
        from proton_lint.sync_files import (
            assumed_environment_bundles,
            compatible_environment_bundles,
            compatible_environments,
        )

        assumed = not compatible_environments(bundle)
        envs = assumed_environment_bundles(bundle) if assumed else compatible_environment_bundles(bundle)
        provided: set[str] = set()
        for env in envs:
            names = environment_output_names(env)
            if names is None:
                return  # an environment we cannot read the outputs of (Terraform, unrenderable): no verdict
            provided |= names
        if not envs:
            return
        labels = ", ".join(_env_label(e) for e in envs)
        which = (
            f"no environment template of the repository ({labels}) has"
            if assumed
            else f"no compatible environment template ({labels}) has"
        )
        assumption = (
            " (compatibility with them was assumed: the template declares no compatible environments in a "
            "file Proton reads, .template-registration.yaml or .compatible-envs)"
            if assumed
            else ""
        )
        found = []
        for rel, _kind in jinja_templates(bundle):
            for ref in analyse(bundle.read_text(rel)).references:
                path = tuple(ref.path)
                name = _environment_output(path)
                if name is None or name in provided or ref.guarded:
                    continue
                close = difflib.get_close_matches(name, sorted(provided), n=1)
                tip = f"; did you mean {close[0]!r}?" if close else ""
                found.append(
                    self.finding(
                        bundle,
                        rel,
                        f"environment.outputs.{name}: {which} an output {name!r}{assumption}{tip}",
                        span=Span(ref.line),
                    )
                )
        yield from _once(found)


def _env_label(env: Bundle) -> str:
    """``name:major`` of an environment template, or its folder outside template sync."""
    if env.template_name and env.major is not None:
        return f"{env.template_name}:{env.major}"
    return env.root.rstrip("/").rsplit("/", 1)[-1]


def _environment_output(path: tuple) -> str | None:
    """X for ``environment.outputs.X`` and a pipeline's ``service_instances[i].environment.outputs.X``."""
    if len(path) >= 3 and path[:2] == ("environment", "outputs") and isinstance(path[2], str):
        return path[2]
    if len(path) >= 5 and path[0] == "service_instances" and path[2:4] == ("environment", "outputs"):
        return path[4] if isinstance(path[4], str) else None
    return None


RULES = (RenderFailed, RenderedYamlInvalid, ParameterWithoutDefault, EnvironmentOutputMissing, CfnLint)
