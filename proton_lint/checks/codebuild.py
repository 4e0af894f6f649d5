"""CodeBuild provisioning: the files commands run (family 1, BND-40) and the manifest's semantics
(family 8: MAN-13..16, CB-01, CB-10, CB-11): project properties, the input file's name, the inputs
the commands read, and how outputs reach Proton."""

from __future__ import annotations

import posixpath
import re
import shlex
from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import Any

from proton_lint.bundle import Bundle
from proton_lint.findings import Finding, Severity, Span
from proton_lint.rules import Example, Rule
from proton_lint.snippets import codebuild_manifest

_OPERATORS = re.compile(r"\s*(?:&&|\|\||[|;&])\s*")
_INTERPRETERS = {"bash", "sh", "zsh", ".", "source", "python", "python3", "node", "ruby", "perl"}
_SCRIPT = re.compile(r"\.(?:sh|bash|py|js|mjs|ts|rb|pl)$")


@lru_cache(maxsize=4096)
def _run_targets(command: str) -> tuple[str, ...]:
    """Relative paths that a shell command executes: ``./x.sh``, ``bash x.sh``, ``. ./env.sh``."""
    return tuple(_iter_run_targets(command))


def _iter_run_targets(command: str) -> Iterator[str]:
    for part in _OPERATORS.split(command):
        if re.match(r"^\s*cd\b", part):
            return  # later paths are relative to another folder
        try:
            words = shlex.split(part, posix=True)
        except ValueError:
            continue
        while words and "=" in words[0] and not words[0].startswith(("./", "/")):
            words = words[1:]  # VAR=value prefixes
        if not words:
            continue
        first = words[0]
        if first.startswith("./") and "$" not in first:
            yield first
        elif first in _INTERPRETERS and len(words) > 1:
            target = next((w for w in words[1:] if not w.startswith("-")), "")
            if (
                target
                and "$" not in target
                and not target.startswith("/")
                and (target.startswith("./") or _SCRIPT.search(target))
            ):
                yield target


class CodebuildFileMissing(Rule):
    id = "PL115"
    slug = "codebuild-file-missing"
    severity = Severity.ERROR
    proton_refuses = "deployment"
    proton_refuses_source = (
        "BND-40: UG:ag-infrastructure-tmp-files-codebuild.md (the commands run in CodeBuild with the "
        "bundle's folder only)"
    )
    summary = "A CodeBuild command runs a script that is not in the bundle."
    what = (
        "Reads the `provision` and `deprovision` commands and reports scripts they execute (`./deploy.sh`, "
        "`bash scripts/x.sh`, `. ./env.sh`) that are not in the manifest's folder. Commands after a `cd` are "
        "not checked."
    )
    why = (
        "CodeBuild runs the commands in a copy of the infrastructure folder; every file they need must be in "
        "the bundle, or the deployment fails at that step."
    )
    fix = "Add the script to the infrastructure folder, or correct its path."
    source = "BND-40, [DOC] UG:ag-wrap-up.md, UG:ag-infrastructure-tmp-files-codebuild.md"
    base = "codebuild-environment"
    bad = Example(files={"infrastructure/notify.sh": None})
    good = Example(files={})

    def reset(self) -> None:
        _run_targets.cache_clear()

    def applies(self, bundle: Bundle) -> bool:
        return "codebuild" in bundle.engines()

    def check(self, bundle: Bundle) -> Iterable[Finding]:
        for rel in bundle.manifests:
            folder = posixpath.dirname(rel)
            for i, entry in enumerate(bundle.manifest_entries(rel)):
                settings = entry.get("settings")
                if not isinstance(settings, dict):
                    continue
                for phase in ("provision", "deprovision"):
                    commands = settings.get(phase)
                    for j, command in enumerate(commands if isinstance(commands, list) else []):
                        if not isinstance(command, str):
                            continue
                        for target in _run_targets(command):
                            path = posixpath.normpath(posixpath.join(folder, target))
                            if not bundle.has(path):
                                yield self.finding(
                                    bundle,
                                    rel,
                                    f"{phase} runs {target}, which is not in {folder or '.'}/",
                                    at=("infrastructure", "templates", i, "settings", phase, j),
                                )


# -- family 8: CodeBuild manifest semantics ---------------------------------------------------------

_NOTIFY = (
    "aws proton notify-resource-deployment-status-change --resource-arn $RESOURCE_ARN --outputs file://./outputs.json"
)


_GOOD_PROVISION = ["npm ci", "npx cdk deploy --require-approval never", "./notify.sh", _NOTIFY]


def _manifest_example(provision: list[str], extra: str = "") -> Example:
    """An example that replaces the base bundle's CodeBuild manifest with one running ``provision``."""
    return Example(files={"infrastructure/manifest.yaml": codebuild_manifest(provision, extra)})


def _project_properties(vpc_id_key: str) -> str:
    """The ``project_properties`` lines of a manifest, with the VPC id under ``vpc_id_key``."""
    return (
        "        project_properties:\n"
        "          TimeoutInMinutes: 30\n"
        "          VpcConfig:\n"
        f"            {vpc_id_key}: vpc-0a1b2c3d\n"
    )


def _codebuild_settings(bundle: Bundle) -> Iterator[tuple[str, int, dict]]:
    """(manifest, entry index, settings) of every codebuild entry with a settings mapping."""
    for rel in bundle.manifests:
        for i, entry in enumerate(bundle.manifest_entries(rel)):
            if entry.get("rendering_engine", entry.get("engine")) != "codebuild":
                continue
            settings = entry.get("settings")
            if isinstance(settings, dict):
                yield rel, i, settings


def _commands(settings: dict, phases: tuple[str, ...] = ("provision", "deprovision")) -> Iterator[tuple[str, int, str]]:
    for phase in phases:
        commands = settings.get(phase)
        for j, command in enumerate(commands if isinstance(commands, list) else []):
            if isinstance(command, str):
                yield phase, j, command


def _scripts(bundle: Bundle, folder: str, commands: Iterable[str]) -> list[tuple[str, str]]:
    """(bundle path, text) of the scripts in the bundle that ``commands`` run, each once."""
    seen: dict[str, str] = {}
    for command in commands:
        for target in _run_targets(command):
            path = posixpath.normpath(posixpath.join(folder, target))
            if path in seen or not bundle.has(path) or bundle.files[path] > 512_000:
                continue
            try:
                seen[path] = bundle.read_text(path)
            except OSError:
                continue
    return list(seen.items())


def _position(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _scripts_run_by(bundle: Bundle, rel: str, commands: list[tuple[str, int, str]]) -> list[tuple[str, str]]:
    """(bundle path, text) of the scripts that the ``_commands`` of manifest ``rel`` run."""
    return _scripts(bundle, posixpath.dirname(rel), (c for _, _, c in commands))


def _match_line_and_span(text: str, match: re.Match) -> tuple[int, Span]:
    """The line of a regex match in a script's text, and the span the match covers."""
    line, column = _position(text, match.start())
    return line, Span(line, column, line, column + len(match.group(0)) - 1)


def _command_matches(commands: list[tuple[str, int, str]], pattern: re.Pattern) -> Iterator[tuple[str, int, re.Match]]:
    """(phase, command index, match) of every match of ``pattern`` in the ``_commands``."""
    for phase, j, command in commands:
        for match in pattern.finditer(command):
            yield phase, j, match


def _script_matches(
    bundle: Bundle, rel: str, commands: list[tuple[str, int, str]], pattern: re.Pattern
) -> Iterator[tuple[str, re.Match, int, Span]]:
    """(script path, match, line, span) of every match of ``pattern`` in the scripts the commands run."""
    for path, text in _scripts_run_by(bundle, rel, commands):
        for match in pattern.finditer(text):
            line, span = _match_line_and_span(text, match)
            yield path, match, line, span


def _trivial(text: str) -> bool:
    """A script with nothing but a shebang, comments and blank lines (or an emptied file)."""
    return all(not line.strip() or line.lstrip().startswith("#") for line in text.splitlines())


@lru_cache(maxsize=4)
def _project_schema(region: str) -> dict | None:
    """AWS::CodeBuild::Project from cfn-lint's bundled provider schemas (imported only when needed)."""
    try:
        from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

        schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema(region, "AWS::CodeBuild::Project").schema
    except Exception:  # noqa: BLE001 - a missing or different cfn-lint means no check, not a crash
        return None
    return schema if isinstance(schema, dict) else None


def _resolve(schema: dict, node: Any) -> Any:
    for _ in range(20):
        if not isinstance(node, dict) or "$ref" not in node:
            return node
        ref = node["$ref"]
        if not isinstance(ref, str) or not ref.startswith("#/"):
            return node
        target: Any = schema
        for part in ref[2:].split("/"):
            target = target.get(part) if isinstance(target, dict) else None
        node = target
    return node


class CodebuildProjectProperties(Rule):
    id = "PL821"
    slug = "codebuild-project-properties"
    severity = Severity.WARNING
    summary = "`settings.project_properties` holds a key that `AWS::CodeBuild::Project` does not have."
    what = (
        "Checks the keys of `project_properties`, and of the mappings below it, against the "
        "`AWS::CodeBuild::Project` resource schema that cfn-lint ships, with a suggestion for near names "
        "(`VpcID` -> `VpcId`). Read-only properties (`Arn`, `Id`) are flagged too. Values are not checked: "
        'they may be Jinja (`"{{ environment.inputs.subnets }}"`) that Proton renders first.'
    )
    why = (
        "Proton merges `project_properties` into the CloudFormation stack that creates the CodeBuild project. "
        "An unknown or misspelt property fails that stack (or, nested, is rejected by CloudFormation's schema "
        "validation), and the deployment stops before your commands run."
    )
    fix = "Use the property names of AWS::CodeBuild::Project exactly (they are case-sensitive), e.g. `VpcConfig.VpcId`."
    source = "MAN-13, [DOC] UG:vpc-codebuild-custom-support.md; cfn-lint's AWS::CodeBuild::Project schema"
    base = "codebuild-environment"
    bad = _manifest_example(_GOOD_PROVISION, extra=_project_properties("VpcID"))
    good = _manifest_example(_GOOD_PROVISION, extra=_project_properties("VpcId"))

    def applies(self, bundle: Bundle) -> bool:
        return any("project_properties" in settings for _, _, settings in _codebuild_settings(bundle))

    def check(self, bundle: Bundle) -> Iterable[Finding]:
        options = bundle.repo.options if bundle.repo is not None else None
        regions = getattr(options, "regions", None) or ("us-east-1",)
        for rel, i, settings in _codebuild_settings(bundle):
            props = settings.get("project_properties")
            at = ("infrastructure", "templates", i, "settings", "project_properties")
            if props is None:
                continue
            if not isinstance(props, dict):
                yield self.finding(
                    bundle, rel, "project_properties must be a mapping of CodeBuild project properties", at=at
                )
                continue
            schema = _project_schema(regions[0])
            if schema is None:
                return
            read_only = {p.rsplit("/", 1)[-1] for p in schema.get("readOnlyProperties", ()) if isinstance(p, str)}
            for key in props:
                if key in read_only:
                    yield self.finding(
                        bundle,
                        rel,
                        f"{key} is a read-only attribute of AWS::CodeBuild::Project, not a property you can set",
                        at=(*at, key),
                        key=True,
                    )
            walk = _SchemaWalk(self, bundle, rel, schema)
            yield from walk(schema, props, at, "AWS::CodeBuild::Project", read_only)


class _SchemaWalk:
    """Walks project_properties alongside the resource schema, reporting unknown keys."""

    def __init__(self, rule: Rule, bundle: Bundle, rel: str, schema: dict) -> None:
        self.rule, self.bundle, self.rel, self.schema = rule, bundle, rel, schema

    def __call__(
        self, node: Any, value: Any, at: tuple, where: str, skip: frozenset[str] | set[str] = frozenset()
    ) -> Iterator[Finding]:
        bundle, rel, schema = self.bundle, self.rel, self.schema
        node = _resolve(schema, node)
        if not isinstance(node, dict):
            return
        if isinstance(value, list) and isinstance(node.get("items"), dict):
            for k, item in enumerate(value):
                yield from self(node["items"], item, (*at, k), where)
            return
        properties = node.get("properties")
        if not isinstance(value, dict) or not isinstance(properties, dict):
            return
        for key, sub in value.items():
            if key in skip:
                continue
            if key in properties:
                yield from self(properties[key], sub, (*at, key), f"{where}.{key}")
            elif node.get("additionalProperties") is False or where == "AWS::CodeBuild::Project":
                yield self.rule.finding(
                    bundle,
                    rel,
                    f"{key!r} is not a property of {where}{self._suggest(str(key), properties)}",
                    at=(*at, key),
                    key=True,
                )

    def _suggest(self, key: str, properties: dict) -> str:
        """A near property name, or one level down (``VpcID`` -> ``VpcConfig.VpcId``)."""
        from proton_lint.terraform import did_you_mean

        for name, sub in properties.items():
            nested = _resolve(self.schema, sub)
            inner = nested.get("properties") if isinstance(nested, dict) else None
            if isinstance(inner, dict):
                match = next((p for p in inner if p.lower() == key.lower()), None)
                if match is not None:
                    return f" (did you mean {name}.{match}?)"
        return did_you_mean(key, sorted(properties))


_INPUT_FILE = re.compile(r"(?<![\w.-])proton[-_]?inputs?\.(?:json|ya?ml)(?![\w-])")
_CANONICAL_INPUT_FILE = "proton-inputs.json"


class CodebuildInputFileName(Rule):
    id = "PL822"
    slug = "codebuild-input-file-name"
    severity = Severity.WARNING
    summary = "A command reads `proton-input.json` (or another variant); Proton writes `proton-inputs.json`."
    what = (
        "Looks for variants of the input file's name (`proton-input.json`, `proton_inputs.json`, "
        "`proton-inputs.yaml`, ...) in the `provision` and `deprovision` commands and in the scripts they run."
    )
    why = (
        "One page of the user guide names the file `proton-input.json`; every other page and every AWS sample "
        "read `proton-inputs.json`, which is what Proton writes. A command reading the other name finds no "
        "file, so the build fails or runs with no inputs."
    )
    fix = "Read `proton-inputs.json`."
    source = (
        "CB-01, [DOC] UG:ag-wrap-up.md vs UG:ag-infrastructure-tmp-files-codebuild.md; "
        "[SAMPLE] proton-codebuild-provisioning-examples"
    )
    base = "codebuild-environment"
    bad = _manifest_example(["export ENV_NAME=$(jq -r '.environment.name' proton-input.json)", *_GOOD_PROVISION])
    good = _manifest_example(["export ENV_NAME=$(jq -r '.environment.name' proton-inputs.json)", *_GOOD_PROVISION])

    def applies(self, bundle: Bundle) -> bool:
        return "codebuild" in bundle.engines()

    def check(self, bundle: Bundle) -> Iterable[Finding]:
        for rel, i, settings in _codebuild_settings(bundle):
            commands = list(_commands(settings))
            for phase, j, match in _command_matches(commands, _INPUT_FILE):
                if match.group(0) != _CANONICAL_INPUT_FILE:
                    yield self.finding(
                        bundle,
                        rel,
                        f"{phase} reads {match.group(0)}; Proton writes {_CANONICAL_INPUT_FILE}",
                        at=("infrastructure", "templates", i, "settings", phase, j),
                    )
            for path, match, line, span in _script_matches(bundle, rel, commands, _INPUT_FILE):
                if match.group(0) != _CANONICAL_INPUT_FILE:
                    yield self.finding(
                        bundle,
                        path,
                        f"reads {match.group(0)}; Proton writes {_CANONICAL_INPUT_FILE}",
                        at=(f"input-file:{line}",),
                        span=span,
                    )


_NOTIFY_MARKERS = (
    "notify-resource-deployment-status-change",
    "notify_resource_deployment_status_change",
    "NotifyResourceDeploymentStatusChange",
)
_SCAN_SUFFIXES = (".sh", ".bash", ".py", ".js", ".mjs", ".cjs", ".ts", ".go", ".rb", ".ps1", ".json", ".mk")


def _notifies_somewhere(bundle: Bundle, folder: str) -> bool:
    """Whether any script-like file of the manifest's folder (any depth) mentions the notify call."""
    prefix = folder.rstrip("/") + "/" if folder else ""
    for name, size in bundle.files.items():
        if not name.startswith(prefix) or size > 512_000:
            continue
        base = posixpath.basename(name)
        if not (base.endswith(_SCAN_SUFFIXES) or base in ("Makefile", "Dockerfile")):
            continue
        try:
            text = bundle.read_text(name)
        except OSError:
            continue
        if any(marker in text for marker in _NOTIFY_MARKERS):
            return True
    return False


class CodebuildNoOutputNotify(Rule):
    id = "PL823"
    slug = "codebuild-no-output-notify"
    severity = Severity.WARNING
    summary = (
        "The `provision` commands never call `notify-resource-deployment-status-change`, so no outputs reach Proton."
    )
    what = (
        "Looks for `aws proton notify-resource-deployment-status-change` (or the SDK call) in the `provision` "
        "commands, in the scripts they run and in the other script files of the manifest's folder. When a "
        "script that a command runs is empty or only comments it cannot be judged, and nothing is reported. "
        "Reported as a warning for environments and service instances, whose outputs other templates read "
        "(`environment.outputs`, `service_instances[i].outputs`), and as a note for pipelines."
    )
    why = (
        "CodeBuild provisioning reports its outputs only through this call (with `--resource-arn $RESOURCE_ARN` "
        "and `--outputs`). The build's own result already sets the deployment status (AWS dropped `--status` "
        "from its samples), so a template without the call deploys fine but publishes no outputs: services "
        "built on the environment then fail on missing `environment.outputs`."
    )
    fix = f"End `provision` with `{_NOTIFY}`, after writing the outputs as a JSON list of {{key, valueString}}."
    source = (
        "MAN-16, CB-10, [DOC] UG:parameters-codebuild.md, UG:ag-wrap-up.md; "
        "[SAMPLE] proton-codebuild-provisioning-examples 15b086e"
    )
    base = "codebuild-environment"
    bad = _manifest_example(["npm ci", "npx cdk deploy --require-approval never"])
    good = _manifest_example(["npm ci", "npx cdk deploy --require-approval never", _NOTIFY])

    def applies(self, bundle: Bundle) -> bool:
        return "codebuild" in bundle.engines()

    def check(self, bundle: Bundle) -> Iterable[Finding]:
        from proton_lint.terraform import iac_kind

        for rel, i, settings in _codebuild_settings(bundle):
            provision = [c for _, _, c in _commands(settings, ("provision",))]
            if not isinstance(settings.get("provision"), list) or not provision:
                continue  # PL208/PL213 report a missing or malformed list
            if any(marker in c for c in provision for marker in _NOTIFY_MARKERS):
                continue
            folder = posixpath.dirname(rel)
            scripts = _scripts(bundle, folder, provision)
            if any(_trivial(text) for _, text in scripts) or _notifies_somewhere(bundle, folder):
                continue
            kind = iac_kind(bundle, rel)
            severity = Severity.INFO if kind == "pipeline" else self.severity
            consumer = {
                "environment": "service instances cannot read environment.outputs",
                "service_instance": "the pipeline cannot read service_instances[i].outputs",
                "pipeline": "the pipeline reports no outputs",
            }.get(kind or "", "the template reports no outputs")
            yield self.finding(
                bundle,
                rel,
                "provision never calls aws proton notify-resource-deployment-status-change with $RESOURCE_ARN; "
                f"{consumer}",
                at=("infrastructure", "templates", i, "settings", "provision"),
                severity=severity,
            )


_NOTIFY_CALL = re.compile(r"notify-resource-deployment-status-change\b")
_STATUSES = ("IN_PROGRESS", "FAILED", "SUCCEEDED")


def _notify_calls(text: str) -> Iterator[tuple[int, dict[str, str | None]]]:
    """(offset, {option: value}) for each ``aws proton notify-resource-deployment-status-change`` call.

    A call's arguments run to the end of its logical line (backslash continuations joined) or to the
    next call on that line; quotes and ``$(...)`` may hold ``|`` or ``;``, so operators do not end it.
    """
    joined = text.replace("\\\r\n", "   ").replace("\\\n", "  ")  # same length: offsets stay valid
    for match in _NOTIFY_CALL.finditer(joined):
        line_start = joined.rfind("\n", 0, match.start()) + 1
        if joined[line_start : match.start()].lstrip().startswith("#"):
            continue  # a comment
        end = joined.find("\n", match.end())
        end = len(joined) if end < 0 else end
        following = _NOTIFY_CALL.search(joined, match.end(), end)
        args = joined[match.end() : following.start() if following else end]
        try:
            words = shlex.split(args, comments=False, posix=True)
        except ValueError:
            words = args.split()
        options: dict[str, str | None] = {}
        k = 0
        while k < len(words):
            word = words[k]
            if word.startswith("--"):
                name, eq, value = word.partition("=")
                if eq:
                    options[name] = value
                elif k + 1 < len(words) and not words[k + 1].startswith("--"):
                    options[name] = words[k + 1]
                    k += 1
                else:
                    options[name] = None
            k += 1
        yield match.start(), options


def _notify_problems(options: dict[str, str | None]) -> tuple[list[str], list[str]]:
    """(errors, warnings) about one notify call's arguments."""
    errors: list[str] = []
    warnings: list[str] = []
    if any(o in options for o in ("--cli-input-json", "--cli-input-yaml")):
        return errors, warnings
    arn = options.get("--resource-arn", "")
    if "--resource-arn" not in options or not arn:
        errors.append("the call has no --resource-arn value (the CLI requires it); pass $RESOURCE_ARN")
    elif not arn.startswith("$") and arn.startswith("arn:"):
        warnings.append(
            f"--resource-arn is the fixed ARN {arn[:80]!r}; pass $RESOURCE_ARN so every environment or instance "
            "reports its own outputs"
        )
    status = options.get("--status")
    if "--status" in options and (status is None or (not status.startswith("$") and status not in _STATUSES)):
        errors.append(f"--status {status or '(no value)'} is not one of {', '.join(_STATUSES)}")
    return errors, warnings


class _NotifyRule(Rule):
    base = "codebuild-environment"
    errors = True

    def applies(self, bundle: Bundle) -> bool:
        return "codebuild" in bundle.engines()

    def check(self, bundle: Bundle) -> Iterable[Finding]:
        for rel, i, settings in _codebuild_settings(bundle):
            commands = list(_commands(settings))
            for phase, j, command in commands:
                for _offset, options in _notify_calls(command):
                    errors, warnings = _notify_problems(options)
                    for message in errors if self.errors else warnings:
                        yield self.finding(
                            bundle,
                            rel,
                            f"{phase}: {message}",
                            at=("infrastructure", "templates", i, "settings", phase, j),
                        )
            for path, text in _scripts_run_by(bundle, rel, commands):
                for offset, options in _notify_calls(text):
                    errors, warnings = _notify_problems(options)
                    line, column = _position(text, offset)
                    for message in errors if self.errors else warnings:
                        yield self.finding(bundle, path, message, at=(f"notify:{line}",), span=Span(line, column))


class CodebuildNotifyArguments(_NotifyRule):
    id = "PL824"
    slug = "codebuild-notify-arguments"
    severity = Severity.ERROR
    proton_refuses = "deployment"
    proton_refuses_source = "CB-11: SM:NotifyResourceDeploymentStatusChangeInput (resourceArn required, status enum)"
    summary = (
        "A `notify-resource-deployment-status-change` call without `--resource-arn`, or with an invalid `--status`."
    )
    what = (
        "Reads each `aws proton notify-resource-deployment-status-change` call in the commands and in the "
        "scripts they run: `--resource-arn` must have a value, and a literal `--status` must be `IN_PROGRESS`, "
        "`FAILED` or `SUCCEEDED`. Calls that take `--cli-input-json` are not judged."
    )
    why = "The AWS CLI rejects the call, the command fails, and with it the build and the deployment."
    fix = "Call it as `aws proton notify-resource-deployment-status-change --resource-arn $RESOURCE_ARN --outputs file://outputs.json`."
    source = "MAN-16, CB-10, CB-11, [API] SM:NotifyResourceDeploymentStatusChangeInput"
    bad = _manifest_example(
        ["npm ci", "aws proton notify-resource-deployment-status-change --status DONE --outputs file://o.json"]
    )
    good = _manifest_example(_GOOD_PROVISION)


class CodebuildNotifyFixedArn(_NotifyRule):
    id = "PL825"
    slug = "codebuild-notify-fixed-arn"
    severity = Severity.WARNING
    summary = "A notify call passes a literal ARN instead of `$RESOURCE_ARN`."
    errors = False
    what = "Flags `--resource-arn arn:aws:proton:...` in the notify calls of the commands and the scripts they run."
    why = (
        "Proton sets `$RESOURCE_ARN` to the environment, service instance or pipeline being deployed. A fixed "
        "ARN sends every deployment's outputs to one resource (or fails with access denied), while the resource "
        "actually deployed gets none."
    )
    fix = "Pass `--resource-arn $RESOURCE_ARN`."
    source = "MAN-16, [DOC] UG:ag-wrap-up.md; [SAMPLE] proton-codebuild-provisioning-examples"
    bad = _manifest_example(
        [
            "npm ci",
            "aws proton notify-resource-deployment-status-change --resource-arn "
            "arn:aws:proton:us-east-1:123456789012:environment/dev --outputs file://o.json",
        ]
    )
    good = _manifest_example(_GOOD_PROVISION)


#: Keys of ``settings.env``: the ones AWS's samples use, and the buildspec ``env`` keys in Proton's spelling.
_ENV_KEYS = ("variables", "secrets_manager", "parameter_store", "exported_variables", "git_credential_helper", "shell")


#: A manifest whose ``runtimes`` and ``env`` have the shape Proton expects (PL826's good example).
_SHAPED_SETTINGS = codebuild_manifest(
    ["./notify.sh"],
    extra=(
        "        env:\n"
        "          variables:\n"
        "            STAGE: dev\n"
        "          secrets_manager:\n"
        '            TOKEN: "proton/token:Secret"\n'
    ),
)


class CodebuildSettingsShape(Rule):
    id = "PL826"
    slug = "codebuild-settings-shape"
    severity = Severity.WARNING
    summary = "`runtimes` or `env` of a codebuild entry do not have the shape Proton expects."
    what = (
        "`runtimes` is a mapping of runtime to version (`nodejs: 16`); `env` is a mapping whose `variables` and "
        '`secrets_manager` (`NAME: "secret-id:json-key"`) map names to plain values. Unknown `env` keys are '
        "flagged with a suggestion (`secrets-manager` -> `secrets_manager`): AWS's samples use `variables` and "
        "`secrets_manager`, and the other buildspec `env` keys are accepted in the same underscore spelling."
    )
    why = (
        "Proton turns these settings into the CodeBuild project and its buildspec. A list where a mapping "
        "belongs fails the build before the first command; an unknown key is silently dropped, so the "
        "variable or secret is missing when the commands run."
    )
    fix = (
        "Write `runtimes: {nodejs: 16}` and "
        '`env: {variables: {NAME: value}, secrets_manager: {NAME: "secret-id:json-key"}}`.'
    )
    source = (
        "MAN-10, MAN-14, [DOC] UG:ag-wrap-up.md; [SAMPLE] proton-codebuild-provisioning-examples pulumi/manifest.yaml"
    )
    base = "codebuild-environment"
    bad = Example(
        files={
            "infrastructure/manifest.yaml": _SHAPED_SETTINGS.replace("nodejs: 16", "- nodejs: 16").replace(
                "secrets_manager:", "secrets-manager:"
            )
        }
    )
    good = Example(files={"infrastructure/manifest.yaml": _SHAPED_SETTINGS})

    def applies(self, bundle: Bundle) -> bool:
        return "codebuild" in bundle.engines()

    def check(self, bundle: Bundle) -> Iterable[Finding]:
        from proton_lint.terraform import did_you_mean

        for rel, i, settings in _codebuild_settings(bundle):
            at = ("infrastructure", "templates", i, "settings")
            runtimes = settings.get("runtimes")
            if runtimes is not None:
                if not isinstance(runtimes, dict):
                    yield self.finding(
                        bundle,
                        rel,
                        "runtimes must be a mapping of runtime to version, e.g. nodejs: 16",
                        at=(*at, "runtimes"),
                    )
                else:
                    for name, version in runtimes.items():
                        if isinstance(version, (dict, list)) or version is None:
                            yield self.finding(
                                bundle,
                                rel,
                                f"runtimes.{name} must be a version (a number or string)",
                                at=(*at, "runtimes", name),
                            )
            env = settings.get("env")
            if env is not None:
                if not isinstance(env, dict):
                    yield self.finding(
                        bundle, rel, "env must be a mapping (variables, secrets_manager, ...)", at=(*at, "env")
                    )
                    env = {}
                for key, value in env.items():
                    if key not in _ENV_KEYS:
                        yield self.finding(
                            bundle,
                            rel,
                            f"env.{key} is not an env key that Proton's CodeBuild settings use"
                            f"{did_you_mean(str(key), _ENV_KEYS)}",
                            at=(*at, "env", key),
                            key=True,
                        )
                        continue
                    if key == "shell":
                        continue
                    if not isinstance(value, dict):
                        yield self.finding(
                            bundle, rel, f"env.{key} must be a mapping of NAME: value", at=(*at, "env", key)
                        )
                        continue
                    for name, item in value.items():
                        if isinstance(item, (dict, list)):
                            yield self.finding(
                                bundle,
                                rel,
                                f"env.{key}.{name} must be a plain value, not a {type(item).__name__}",
                                at=(*at, "env", key, name),
                            )


_JQ_INPUT = re.compile(
    r"(?<![\w$)\]])\.(?P<ns>environment|service_instance|pipeline|service_instances(?:\[\d*\])?)\.inputs\.(?P<name>[A-Za-z_][\w-]*)"
)
_JINJA_INPUT = re.compile(r"\{\{[^}]*?\b(?P<ns>environment|service_instance|pipeline)\.inputs\.(?P<name>[A-Za-z_]\w*)")

#: Which input namespaces a CodeBuild input file holds, per IaC kind (CB-02..CB-04), and their schema key.
_CB_INPUTS = {
    "environment": {"environment": "environment_input_type"},
    "service_instance": {"service_instance": "service_input_type"},
    "pipeline": {"pipeline": "pipeline_input_type", "service_instances": "service_input_type"},
}


class CodebuildInputUnknown(Rule):
    id = "PL827"
    slug = "codebuild-input-unknown"
    severity = Severity.WARNING
    summary = (
        "The commands read an input (`.environment.inputs.X`) that the schema does not define, "
        "or that this kind of template does not get."
    )
    what = (
        "Finds jq-style paths into `proton-inputs.json` (`.environment.inputs.X`, `.service_instance.inputs.X`, "
        "`.pipeline.inputs.X`, `.service_instances[0].inputs.X`) in the commands and the scripts they run, and "
        "Jinja references (`{{ environment.inputs.X }}`) in `project_properties`, and checks them against the "
        "schema's input type for this kind of template, with a suggestion for near names. A namespace that the "
        "input file of this kind does not hold (`.environment.inputs` in a service instance) is flagged too."
    )
    why = (
        'jq prints `null` for a missing key and the build goes on with the string "null" as the value; a '
        "misspelt input in `project_properties` leaves the CodeBuild project misconfigured."
    )
    fix = "Correct the input name, or add the property to the schema's input type."
    source = "CB-02, CB-03, CB-04, MAN-13, [DOC] UG:parameters-codebuild.md, UG:vpc-codebuild-custom-support.md"
    base = "codebuild-environment"
    bad = _manifest_example(
        ["export CIDR=$(jq -r '.environment.inputs.vpc_cdir' proton-inputs.json)", *_GOOD_PROVISION]
    )
    good = _manifest_example(
        ["export CIDR=$(jq -r '.environment.inputs.vpc_cidr' proton-inputs.json)", *_GOOD_PROVISION]
    )

    def applies(self, bundle: Bundle) -> bool:
        return "codebuild" in bundle.engines()

    def check(self, bundle: Bundle) -> Iterable[Finding]:
        from proton_lint.terraform import iac_kind

        for rel, i, settings in _codebuild_settings(bundle):
            kind = iac_kind(bundle, rel)
            if kind not in _CB_INPUTS:
                continue
            table = _CB_INPUTS[kind]
            known = {ns: self._props(bundle, key) for ns, key in table.items()}
            commands = list(_commands(settings))
            for phase, j, match in _command_matches(commands, _JQ_INPUT):
                message = self._problem(match, kind, table, known)
                if message:
                    yield self.finding(
                        bundle,
                        rel,
                        f"{phase}: {message}",
                        at=("infrastructure", "templates", i, "settings", phase, j),
                    )
            for path, match, line, span in _script_matches(bundle, rel, commands, _JQ_INPUT):
                message = self._problem(match, kind, table, known)
                if message:
                    yield self.finding(bundle, path, message, at=(f"input:{line}:{match.group('name')}",), span=span)
            props = settings.get("project_properties")
            for at, text in _strings(props, ("infrastructure", "templates", i, "settings", "project_properties")):
                for match in _JINJA_INPUT.finditer(text):
                    message = self._problem(match, kind, table, known, jinja=True)
                    if message:
                        yield self.finding(bundle, rel, f"project_properties: {message}", at=at)

    @staticmethod
    def _props(bundle: Bundle, key: str) -> tuple[str, list[str]] | None:
        from proton_lint.terraform import input_properties

        return input_properties(bundle, key)

    @staticmethod
    def _problem(match: re.Match, kind: str, table: dict, known: dict, *, jinja: bool = False) -> str | None:
        from proton_lint.terraform import KIND_LABEL as labels
        from proton_lint.terraform import did_you_mean

        namespace = match.group("ns").split("[")[0]
        name = match.group("name")
        shown = match.group(0).strip("{ ")
        if namespace not in table:
            holds = " and ".join(f"{ns}.inputs" for ns in table)
            where = "Proton's render context" if jinja else "the proton-inputs.json"
            return f"{shown}: {where} of {labels[kind]} has no {namespace}.inputs (it holds {holds})"
        found = known.get(namespace)
        if found is None:
            return None
        type_name, props = found
        if name in props:
            return None
        return f"{shown}: {name!r} is not an input of {type_name}{did_you_mean(name, props)}"


def _strings(value: Any, at: tuple) -> Iterator[tuple[tuple, str]]:
    if isinstance(value, str):
        yield at, value
    elif isinstance(value, dict):
        for key, sub in value.items():
            yield from _strings(sub, (*at, key))
    elif isinstance(value, list):
        for k, sub in enumerate(value):
            yield from _strings(sub, (*at, k))


RULES = (
    CodebuildFileMissing,
    CodebuildProjectProperties,
    CodebuildInputFileName,
    CodebuildNoOutputNotify,
    CodebuildNotifyArguments,
    CodebuildNotifyFixedArn,
    CodebuildSettingsShape,
    CodebuildInputUnknown,
)
