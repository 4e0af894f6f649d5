"""Family 4: sample specs, input samples and minor-version compatibility (SPEC-xx, CB-02..05, SCH-40/41).

The spec rules look across the repository: one spec may serve several templates
(``lambda-multi-svc/specs/svc-spec.yaml`` is for two services), so they run once per run
(``target = "repository"``), report each problem once at its spec line, and name every template it
holds for. Finding, matching and validating specs lives in proton_lint/spec.py; comparing schemas
with a base revision in proton_lint/compat.py.

Severities: Proton rejects a spec whose ``proton:`` value, shape, instance names or input values
do not fit, or that lacks a required input (error). Unknown keys are undocumented (SPEC-05:
warning). A ``pipeline:`` block for a template without a pipeline goes against the API's own
words ("Don't include pipeline inputs in the spec if your service template doesn't include a
service pipeline") but what Proton then does is not documented (warning). Input samples
(``proton-inputs.json``, ``proton.auto.tfvars.json``) are never sent to Proton: a sample that
Proton could never write misleads local tests, nothing more (warning). Compatibility is a
heuristic of an undocumented check (SCH-41: warning).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from proton_lint.bundle import SCHEMA_FILE, BundleKind
from proton_lint.findings import Finding, Severity, logical_path
from proton_lint.rules import Example, Rule
from proton_lint.snippets import env_schema
from proton_lint.testing import BASES

#: The environment spec of the examples.
_ENV_SPEC = "proton: EnvironmentSpec\nspec:\n  vpc_cidr: 10.1.0.0/16\n"

_SERVICE_SPEC = """\
proton: ServiceSpec
pipeline:
  dockerfile: Dockerfile
instances:
  - name: api-dev
    environment: dev
    spec:
      port: {port}
"""

#: The service base bundle's schema, with ``port`` required and without a default.
_REQUIRED_PORT_SCHEMA = (
    BASES["service"][SCHEMA_FILE]
    .replace("          default: 80\n", "")
    .replace("          maximum: 65535\n", "          maximum: 65535\n      required: [port]\n")
)


_CODEBUILD_INPUTS = """\
{
  "environment": {
    "name": "dev",
    "inputs": {
      "vpc_cidr": "10.0.0.0/16"
    }
  }
}
"""


class _SpecRule(Rule):
    """A rule reporting the spec and sample issues of some codes, once per run."""

    target = "repository"
    codes: ClassVar[tuple[str, ...]] = ()

    def reset(self) -> None:
        from proton_lint.spec import clear_index

        clear_index()

    def check_repository(self, repo: object) -> Iterable[Finding]:
        from proton_lint.spec import index_for

        hint = self.fix.split("\n")[0] if self.fix else None
        for report in index_for(repo).reports():
            if report.code in self.codes:
                yield Finding(
                    rule=self.id,
                    name=self.slug,
                    severity=self.severity,
                    message=report.message,
                    path=report.display,
                    span=report.span,
                    logical_path=logical_path(report.at),
                    hint=report.hint or hint,
                )


class SpecStructure(_SpecRule):
    id = "PL401"
    slug = "spec-structure"
    severity = Severity.ERROR
    proton_refuses = "deployment"
    proton_refuses_source = (
        "SPEC-01, SPEC-10: UG:ag-create-env.md, UG:ag-create-svc.md (CreateEnvironment and CreateService "
        "take a spec of this shape)"
    )
    codes = ("structure",)
    summary = (
        "A spec must be a YAML mapping with `proton: EnvironmentSpec` or `proton: ServiceSpec` and mappings of inputs."
    )
    what = (
        "Checks every sample spec (inside the bundle, in `spec/` or `specs/` beside the version or template "
        "folder, named in the configuration's `specs` or given with `--spec`): readable YAML, a mapping, "
        "`proton:` exactly `EnvironmentSpec` or `ServiceSpec` (case-sensitive) and fitting the template, and "
        "`spec:`, `pipeline:` and each instance's `spec:` mappings of input names to values. A spec named in "
        "the configuration that does not exist is reported too, as are duplicate keys and a `--spec` that fits "
        "none of the templates given (an `EnvironmentSpec` when only service templates are linted)."
    )
    why = "Proton parses the spec before anything else; a wrong `proton:` value or shape fails the create or update."
    fix = "Start the spec with `proton: EnvironmentSpec` (or `ServiceSpec`) and give the inputs as a mapping."
    source = (
        "SPEC-01, SPEC-10, [DOC] UG:ag-create-env.md, UG:ag-create-svc.md; [SAMPLE] aws-proton-template-helper "
        "base specs (`enum: [EnvironmentSpec]`)"
    )
    bad = Example(files={"../spec/spec.yaml": _ENV_SPEC.replace("EnvironmentSpec", "environmentspec")})
    good = Example(files={"../spec/spec.yaml": _ENV_SPEC})


class SpecInputInvalid(_SpecRule):
    id = "PL402"
    slug = "spec-input-invalid"
    severity = Severity.ERROR
    proton_refuses = "deployment"
    proton_refuses_source = (
        "SPEC-02: UG:ag-schema.md, UG:ag-create-env.md (Proton validates the inputs against the schema)"
    )
    codes = ("invalid",)
    summary = "A spec gives an input a value that its schema refuses (type, enum, pattern, length, range)."
    what = (
        "Validates the values of an environment spec against `environment_input_type`, of every service "
        "instance against `service_input_type` and of `pipeline:` against `pipeline_input_type`, with the "
        "schema translated to JSON Schema and `pattern` matched as ECMA-262. `${Proton::CURRENT_VAL}` is "
        "accepted for any input."
    )
    why = "Proton validates the inputs against the schema and refuses the deployment when one does not fit."
    fix = "Give a value the schema accepts (mind YAML: `8080` is a number, `'8080'` a string, `yes` a boolean)."
    source = "SPEC-02, SPEC-11, SPEC-14, SPEC-16, SPEC-19, [DOC] UG:ag-schema.md, UG:ag-create-svc.md"
    base = "service"
    bad = Example(files={"../spec/spec.yaml": _SERVICE_SPEC.format(port=70000)})
    good = Example(files={"../spec/spec.yaml": _SERVICE_SPEC.format(port=8080)})


class SpecInputMissing(_SpecRule):
    id = "PL403"
    slug = "spec-input-missing"
    severity = Severity.ERROR
    proton_refuses = "deployment"
    proton_refuses_source = (
        "SCH-15: UG:ag-schema.md, UG:ag-create-env.md (a required input without a default must be given)"
    )
    codes = ("missing",)
    summary = "A required input without a default is not given (an instance without `spec:` gets only defaults)."
    what = (
        "Checks that every input listed in `required` without a `default` has a value: in the environment "
        "spec, in each service instance and in `pipeline:`. An instance without `spec:` (as in AWS's own "
        "samples) takes every default, and is reported only when a required input has none."
    )
    why = "Proton cannot fill in a required input that has no default: the create or update fails."
    fix = "Give the input a value in the spec, or give the property a default in the schema."
    source = "SPEC-02, SPEC-11, SCH-15, [DOC] UG:ag-schema.md, UG:ag-create-env.md"
    base = "service"
    bad = Example(
        files={
            "schema/schema.yaml": _REQUIRED_PORT_SCHEMA,
            "../spec/spec.yaml": "proton: ServiceSpec\ninstances:\n  - name: api-dev\n    environment: dev\n",
        }
    )
    good = Example(
        files={"schema/schema.yaml": _REQUIRED_PORT_SCHEMA, "../spec/spec.yaml": _SERVICE_SPEC.format(port=8080)}
    )


class SpecUnknownKey(_SpecRule):
    id = "PL404"
    slug = "spec-unknown-key"
    severity = Severity.WARNING
    codes = ("unknown",)
    summary = "A spec names an input (or key) that the schema does not define; did you mean a near name?"
    what = (
        "Reports input names that are not properties of the input type (with the nearest name), and keys "
        "that a spec, an instance or a pipeline block does not have (`inputs:` for `spec:`)."
    )
    why = (
        "What Proton does with an unknown input is not documented; a misspelt input is silently not "
        "applied, so the deployment gets the default instead of the value you meant."
    )
    fix = "Correct the name (see the suggestion), or add the input to the schema."
    source = "SPEC-05, [INFERRED]; [SAMPLE] aws-proton-cloudformation-sample-templates lambda-multi-svc/specs"
    bad = Example(files={"../spec/spec.yaml": _ENV_SPEC.replace("vpc_cidr", "vpc_cdir")})
    good = Example(files={"../spec/spec.yaml": _ENV_SPEC})


class SpecTooLarge(_SpecRule):
    id = "PL405"
    slug = "spec-too-large"
    severity = Severity.ERROR
    proton_refuses = "deployment"
    proton_refuses_source = "API-07: SM:SpecContents (1 to 51,200 characters)"
    codes = ("size",)
    summary = "A spec must hold 1 to 51,200 characters."
    what = (
        "Counts the characters of every sample spec, comments included (Proton receives the whole file). A "
        "file over the `spec-size` limit (2 MB by default) is reported without being parsed."
    )
    why = "The API's `SpecContents` accepts 1-51,200 characters; a longer spec is refused."
    fix = "Shorten the spec: drop comments and inputs that keep their defaults."
    source = "SPEC-04, SPEC-18, API-07, [API] SM:SpecContents"
    bad = Example(files={"../spec/spec.yaml": _ENV_SPEC + "# " + "x" * 51_200 + "\n"})
    good = Example(files={"../spec/spec.yaml": _ENV_SPEC})


class SpecInstancesInvalid(_SpecRule):
    id = "PL406"
    slug = "spec-instances-invalid"
    severity = Severity.ERROR
    proton_refuses = "deployment"
    proton_refuses_source = "SPEC-11, SPEC-13: UG:ag-create-svc.md, UG:ag-limits.md; SM:ResourceName"
    codes = ("instances",)
    summary = "A ServiceSpec needs 1-20 instances, each with a valid unique `name` and an `environment`."
    what = (
        "Checks `instances:`: present and a list, 1 to 20 entries, each a mapping with `name` and "
        "`environment` that are Proton resource names (`^[0-9A-Za-z]+[0-9A-Za-z_-]*$`, at most 100 "
        "characters), and names unique within the spec. Past 20 instances the count is reported and only the "
        "first 20 are checked and rendered."
    )
    why = "Proton refuses a service without instances, more than 20 instances, or an instance it cannot name or place."
    fix = "Give every instance a unique name of letters, digits, '-' and '_', and the environment it deploys to."
    source = "SPEC-10..13, API-01, API-32, [DOC] UG:ag-create-svc.md, UG:ag-limits.md"
    base = "service"
    bad = Example(
        files={
            "../spec/spec.yaml": """\
            proton: ServiceSpec
            pipeline:
              dockerfile: Dockerfile
            instances:
              - name: "api dev"
                spec:
                  port: 8080
            """
        }
    )
    good = Example(files={"../spec/spec.yaml": _SERVICE_SPEC.format(port=8080)})


class SpecPipelineUnexpected(_SpecRule):
    id = "PL407"
    slug = "spec-pipeline-unexpected"
    severity = Severity.WARNING
    codes = ("pipeline",)
    summary = "A spec has a `pipeline:` block, but the service template has no pipeline."
    what = (
        "Reports `pipeline:` in a ServiceSpec for a template without `pipeline_input_type` and without "
        "`pipeline_infrastructure/`. (With a pipeline, PL402-PL404 check the block against "
        "`pipeline_input_type`.)"
    )
    why = (
        "The API says not to include pipeline inputs for a template without a pipeline; what Proton then does "
        "with them is not documented, and the values go nowhere."
    )
    fix = "Remove the `pipeline:` block, or use a service template that has a pipeline."
    source = "SPEC-14, [API] SM:CreateServiceInput.spec, [DOC] UG:ag-create-svc.md"
    base = "service-no-pipeline"
    bad = Example(files={"../spec/spec.yaml": _SERVICE_SPEC.format(port=8080)})
    good = Example(
        files={
            "../spec/spec.yaml": _SERVICE_SPEC.format(port=8080).replace("pipeline:\n  dockerfile: Dockerfile\n", "")
        }
    )


class InputsSampleMismatch(_SpecRule):
    id = "PL410"
    slug = "inputs-sample-mismatch"
    severity = Severity.WARNING
    codes = ("sample",)
    summary = "A `proton-inputs.json` or `proton.auto.tfvars.json` sample does not fit the schema or Proton's shape."
    what = (
        "Checks the input samples that imitate what Proton writes for a deployment: CodeBuild "
        "`proton-inputs.json` in the infrastructure folders, and Terraform `proton.auto.tfvars.json` anywhere "
        "in the template folder (e.g. `dev-resources/`). The shape must be Proton's (`environment.inputs`, "
        "`service_instance.inputs`, or `pipeline.inputs` and `service_instances[].inputs`; outputs are "
        "strings), the JSON valid and without duplicate keys, and every input a property of the schema with a "
        "value it accepts (Terraform samples: names only, as Terraform reads the inputs as `map(string)`)."
    )
    why = (
        "Proton writes these files itself from validated inputs, so it never reads the sample; but a sample it "
        "could never write tests the infrastructure code with inputs a deployment will not get."
    )
    fix = "Update the sample to the schema: rename or drop unknown inputs and give values the schema accepts."
    source = (
        "CB-02..05, SCH-21, [DOC] UG:ag-infrastructure-tmp-files-codebuild.md; [SAMPLE] "
        "proton-codebuild-provisioning-examples"
    )
    base = "codebuild-environment"
    bad = Example(files={"infrastructure/proton-inputs.json": _CODEBUILD_INPUTS.replace("vpc_cidr", "vpc_cdir")})
    good = Example(files={"infrastructure/proton-inputs.json": _CODEBUILD_INPUTS})


_PREVIOUS_SCHEMA = env_schema(
    """\
vpc_cidr:
  type: string
  default: "10.0.0.0/16"
  pattern: '([0-9]{1,3}\\.){3}[0-9]{1,3}($|/(16|24))'
"""
)


class SchemaMinorIncompatible(Rule):
    id = "PL420"
    slug = "schema-minor-incompatible"
    severity = Severity.WARNING
    target = "repository"
    summary = "With `--compat-base REV`: a schema change that a new minor version may not make."
    what = (
        "With `--compat-base REV` (or `compat-base` in the configuration), reads the schema of each "
        "template-sync bundle (`<template>/vN/`) as it was at the git revision REV (`git cat-file`, "
        "read-only; a folder holding a copy of the repository works too, for shallow CI clones) and "
        "reports the changes that break backward compatibility: a new required input without a default, an "
        "input removed or renamed, a changed type, an enum, pattern, length or range added or tightened, a "
        "default removed from a required input, a changed `*_input_type`, `pipeline_input_type` added or "
        "removed. Bundles new since REV, and runs without git, are skipped."
    )
    why = (
        "Template sync publishes changes to `vN/` as a new minor version of major N, and Proton refuses a "
        "minor version whose schema is not backward compatible (its check is 'best effort' and undocumented, "
        "so these are heuristics)."
    )
    fix = (
        "Keep the schema compatible within the major version (add inputs with defaults, only widen "
        "constraints), or publish the change as a new major version (a new `vN+1/` folder)."
    )
    source = "SCH-40, SCH-41, [DOC] UG:ag-template-versions.md ([INFERRED] heuristics)"
    bad = Example(
        files={
            "../../../previous-release/my-template/v1/schema/schema.yaml": _PREVIOUS_SCHEMA
            + "        log_retention_days:\n          type: number\n          default: 30\n",
            "schema/schema.yaml": _PREVIOUS_SCHEMA.replace("[0-9]{1,3}($|/(16|24))", "[0-9]{1,3}/16"),
        },
        options={"compat_base": "../previous-release"},
    )
    good = Example(
        files={"../../../previous-release/my-template/v1/schema/schema.yaml": _PREVIOUS_SCHEMA},
        options={"compat_base": "../previous-release"},
    )

    def check_repository(self, repo: object) -> Iterable[Finding]:
        from proton_lint.compat import breaking_changes, read_base_schemas
        from proton_lint.source import parse_yaml

        options = getattr(repo, "options", None)
        base = getattr(options, "compat_base", None)
        if not base:
            return
        bundles = [
            b
            for b in getattr(repo, "bundles", [])
            if b.layout == "sync" and b.kind is not BundleKind.COMPONENT and b.schema_root
        ]
        if not bundles:
            return
        found = read_base_schemas(base, bundles, list(getattr(repo, "roots", [])))
        hint = self.fix.split("\n")[0]
        for path, message in found.notes:
            yield Finding(self.id, self.slug, self.severity, f"{message}; no schema was compared", path, hint=hint)
        for bundle in bundles:
            old_text = found.contents.get(id(bundle))
            if old_text is None:
                continue  # a template or major version that is new since the base
            try:
                if old_text == bundle.source.read(SCHEMA_FILE):
                    continue
            except OSError:
                continue
            old_doc = parse_yaml(old_text)
            old_root = old_doc.data.get("schema") if isinstance(old_doc.data, dict) else None
            if not isinstance(old_root, dict):
                continue
            for change in breaking_changes(old_root, bundle.schema_root):
                yield self.finding(
                    bundle,
                    SCHEMA_FILE,
                    f"{change.message} (compared with {base}); a minor version must stay backward compatible",
                    at=change.at,
                    key=change.key,
                )


RULES = (
    SpecStructure,
    SpecInputInvalid,
    SpecInputMissing,
    SpecUnknownKey,
    SpecTooLarge,
    SpecInstancesInvalid,
    SpecPipelineUnexpected,
    InputsSampleMismatch,
    SchemaMinorIncompatible,
)
