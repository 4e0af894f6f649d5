"""Family 8 (Terraform): the ``.tf`` files of ``rendering_engine: hcl`` bundles (§4.1 NS-02, §4.3).

Every rule reads the files the manifest selects (one name, or ``"*"``: every ``.tf`` file of the
manifest's folder), parsed once per content by :mod:`proton_lint.terraform`. Proton adds its own
``proton.<kind>.variables.tf`` beside them; the shapes of those variables decide what a ``var.``
reference may name.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Iterator
from typing import Any

from proton_lint import terraform as tf
from proton_lint.bundle import Bundle
from proton_lint.findings import Finding, Severity, Span
from proton_lint.rules import Example, Rule

_MAIN = "infrastructure/main.tf"


class TerraformRule(Rule):
    base = "terraform-environment"

    def reset(self) -> None:
        tf.clear_cache()

    def applies(self, bundle: Bundle) -> bool:
        return "hcl" in bundle.engines()

    def units(self, bundle: Bundle) -> Iterator[tuple[str, str | None, list[tuple[str, tf.TfFile]]]]:
        """(manifest, IaC kind, [(file, parsed)]) for each manifest with hcl entries."""
        for rel, entries in tf.hcl_manifests(bundle):
            files = [(path, tf.tf_file(bundle, path)) for path in tf.selected_files(bundle, rel, entries)]
            yield rel, tf.iac_kind(bundle, rel), files

    @staticmethod
    def declared(files: list[tuple[str, tf.TfFile]]) -> set[str]:
        return {d.name for _, parsed in files for d in parsed.variables}

    def ref_finding(self, bundle: Bundle, rel: str, ref: tf.VarRef, message: str) -> Finding:
        span = Span(ref.line, ref.column, ref.end_line, ref.end_column)
        return self.finding(bundle, rel, message, at=(ref.text,), span=span)


class TerraformSyntax(TerraformRule):
    id = "PL801"
    slug = "terraform-syntax"
    severity = Severity.ERROR
    proton_refuses = "deployment"
    proton_refuses_source = (
        "UG:ag-works-prov-methods.md (self-managed: your automation runs Terraform and notifies Proton of the failure)"
    )
    summary = "A `.tf` file that the manifest selects is not valid HCL."
    what = (
        "Parses every `.tf` file that an hcl manifest selects (the named file, or every `.tf` file of the "
        'folder for `"*"`) and reports where parsing stops. Jinja in the file is reported by PL802 instead.'
    )
    why = (
        "Proton copies the files to your provisioning repository as they are; `terraform init` then stops at "
        "the first syntax error, after Proton has already opened the pull request or started the deployment."
    )
    fix = 'Correct the syntax at that line; quote object keys that hold `:` (`"proton:environment" = ...`).'
    source = "NS-02, [DOC] UG:ag-infrastructure-tmp-files-terraform.md; Terraform native syntax"
    bad = Example(files={_MAIN: 'resource "aws_vpc" "vpc" {\n  cidr_block = var.environment.inputs.vpc_cidr\n'})
    good = Example(files={})

    def check(self, bundle: Bundle) -> Iterable[Finding]:
        for _manifest, _kind, files in self.units(bundle):
            for rel, parsed in files:
                error = parsed.error
                if error is None or any(hit.line == error.line for hit in parsed.jinja):
                    continue
                message = f"Terraform cannot parse this file: {error.message}"
                line_text = _line(bundle, rel, error.line)
                if _COLON_KEY.match(line_text):
                    message += "; an object key that holds `:` must be quoted"
                yield self.finding(bundle, rel, message, at=("syntax",), span=Span(error.line, error.column))


_COLON_KEY = re.compile(r"^\s*[A-Za-z_][\w-]*:[\w:./-]+\s*=")


def _line(bundle: Bundle, rel: str, number: int) -> str:
    try:
        lines = bundle.read_text(rel).splitlines()
    except OSError:
        return ""
    return lines[number - 1] if 0 < number <= len(lines) else ""


class TerraformJinja(TerraformRule):
    id = "PL802"
    slug = "terraform-jinja"
    severity = Severity.ERROR
    proton_refuses = "deployment"
    proton_refuses_source = "NS-02: UG:parameters.md, UG:env-parameters-tform.md (no Jinja in .tf files)"
    summary = "Jinja (`{{ environment.name }}`, `{% if %}`) in a Terraform file."
    what = (
        "Flags Jinja expressions over Proton's namespaces (`{{ environment.… }}`, `{{ service_instance.… }}`, "
        "...) and Jinja statements (`{% if %}`, `{% for %}`, `{% set %}`, ...) in the `.tf` files that an hcl "
        "manifest selects. Statements that name no Proton namespace count only in a file that does not parse "
        "(inside a heredoc they may be content); other double-brace text (Go templates, `{{resolve:…}}`) is "
        "left alone."
    )
    why = (
        "Proton renders Jinja only for CloudFormation. Terraform files are copied as they are, and Proton's "
        "values arrive as Terraform variables: the braces reach Terraform literally (a resource named "
        "`{{ environment.name }}-param`) or break parsing."
    )
    fix = 'Use Terraform variables: `"${var.environment.name}-param"`; use `count`, `for_each` or `%{ if }` for logic.'
    source = "NS-02, [DOC] UG:parameters.md, UG:env-parameters-tform.md"
    bad = Example(
        files={
            _MAIN: """\
            resource "aws_vpc" "vpc" {
              cidr_block = "{{ environment.inputs.vpc_cidr }}"
            }
            """
        }
    )
    good = Example(files={})

    def check(self, bundle: Bundle) -> Iterable[Finding]:
        for _manifest, _kind, files in self.units(bundle):
            for rel, parsed in files:
                for hit in parsed.jinja:
                    if not hit.proton and parsed.error is None:
                        continue  # `{% if x %}` inside a string or heredoc of a file that parses: content
                    shown = hit.text if len(hit.text) <= 60 else hit.text[:57] + "..."
                    yield self.finding(
                        bundle,
                        rel,
                        f"Jinja {shown} in a Terraform file: Proton does not render .tf files; "
                        "use var.<namespace> references",
                        at=(f"jinja:{hit.line}",),
                        span=Span(hit.line, hit.column, hit.line, hit.column + len(hit.text) - 1),
                    )


class TerraformInputUnknown(TerraformRule):
    id = "PL803"
    slug = "terraform-input-unknown"
    severity = Severity.ERROR
    proton_refuses = "deployment"
    proton_refuses_source = "NS-07: UG:parameters.md, UG:env-parameters-tform.md"
    summary = "`var.<namespace>.inputs.X` names an input that the schema's input type does not define."
    what = (
        "Checks `var.environment.inputs.X` (environment templates), `var.service_instance.inputs.X` (service "
        "instances), `var.pipeline.inputs.X` and `var.service_instances[i].inputs.X` (pipelines) against the "
        "properties of the matching `*_input_type` in `schema/schema.yaml`, with a suggestion for near "
        "names. References inside `try()` or `can()` are skipped: they fall back by design. Component "
        "templates read the attached service's inputs, which the component bundle cannot know."
    )
    why = (
        "Proton writes only the schema's inputs into `inputs = map(string)`. Any other key is missing from the "
        'map, and `terraform plan` fails with "This map does not have an element with the key".'
    )
    fix = "Correct the input name, or add the property to the schema's input type."
    source = "NS-07, NS-21, [DOC] UG:parameters.md, UG:env-parameters-tform.md"
    bad = Example(
        files={
            _MAIN: """\
            resource "aws_vpc" "vpc" {
              cidr_block = var.environment.inputs.vpc_cdir
            }
            """
        }
    )
    good = Example(files={})

    def check(self, bundle: Bundle) -> Iterable[Finding]:
        for _manifest, kind, files in self.units(bundle):
            if kind is None:
                continue
            namespaces = tf.INPUT_TYPES[kind]
            known = {ns: tf.input_properties(bundle, key) for ns, key in namespaces.items()}
            for rel, parsed in files:
                for ref in parsed.references:
                    if ref.guarded or ref.name not in namespaces or known[ref.name] is None:
                        continue
                    path = ref.path
                    if ref.name == "service_instances":
                        if not path or not (isinstance(path[0], int) or path[0] in (tf.DYNAMIC, tf.SPLAT)):
                            continue
                        path = path[1:]
                    if len(path) < 2 or path[0] != "inputs" or not isinstance(path[1], str) or path[1] == tf.SPLAT:
                        continue
                    type_name, props = known[ref.name]  # type: ignore[misc]
                    if path[1] in props:
                        continue
                    key = namespaces[ref.name]
                    yield self.ref_finding(
                        bundle,
                        rel,
                        ref,
                        f"{ref.text}: {path[1]!r} is not an input of {type_name} ({key})"
                        f"{tf.did_you_mean(path[1], props)}",
                    )


def _shape_problem(kind: str, ref: tf.VarRef) -> str | None:
    """Why ``ref`` does not fit the variable Proton generates for ``kind``, or None."""
    shape: Any = tf.PROTON_VARIABLES[kind][ref.name]
    walked = f"var.{ref.name}"
    for step in ref.path:
        if shape in (tf.MAP, tf.INPUTS) or step is tf.DYNAMIC:
            return None
        if shape == tf.LEAF:
            return f"{walked} is a string; it has no {_step_text(step)}"
        if isinstance(shape, list):
            if isinstance(step, str) and step != tf.SPLAT:
                return f"{walked} is a list of instances; index it first ({walked}[0].{step}) or loop over it"
            shape = shape[0]
            walked += "[*]" if step == tf.SPLAT else f"[{step}]"
            continue
        if step == tf.SPLAT:
            continue
        if not isinstance(step, str):
            return f"{walked} is an object; it has no {_step_text(step)}"
        if step not in shape:
            names = sorted(shape)
            return (
                f"{walked} has no attribute {step!r} in {tf.KIND_LABEL[kind]}{tf.did_you_mean(step, names)}; "
                f"Proton generates {walked} with {', '.join(names)}"
            )
        shape = shape[step]
        walked += f".{step}"
    return None


def _step_text(step: Any) -> str:
    return f"element [{step}]" if isinstance(step, int) else f"attribute {step!r}"


_ELSEWHERE = {
    ("pipeline", "environment"): "in a pipeline, use var.service_instances[i].environment",
    ("pipeline", "service_instance"): "in a pipeline, use var.service_instances[i]",
    ("environment", "service"): "environment templates know only var.environment and var.proton_tags",
}


class TerraformProtonVariableScope(TerraformRule):
    id = "PL804"
    slug = "terraform-proton-variable-scope"
    severity = Severity.ERROR
    summary = "A Proton variable, or an attribute of one, that Proton does not generate for this kind of template."
    what = (
        "Proton generates `proton.<kind>.variables.tf` with fixed shapes (§4.3 NS-21): environments get "
        "`environment {name, inputs}`; service instances `environment {account_id, name, outputs}`, `service "
        "{name, branch_name, repository_connection_arn, repository_id}` and `service_instance {name, inputs, "
        "components}`; pipelines `service`, `pipeline {inputs}` and `service_instances[] {name, inputs, "
        "outputs, environment}`; components `environment`, `service {name}`, `service_instance {name, "
        "inputs}` and `component {name}`; all of them `proton_tags`. Flags `var.` references to Proton's "
        "variables outside that table, e.g. `var.environment.outputs` in an environment template or "
        "`var.pipeline` in a service instance. A variable the bundle declares itself is its own business."
    )
    why = (
        'The variable or attribute is not declared for this template: Terraform fails with "Reference to '
        'undeclared input variable" or "Unsupported attribute". Environment templates cannot read outputs '
        "of other resources."
    )
    fix = "Use the namespace this kind of template has (see the table), or pass the value as an input."
    source = "NS-10, NS-11, NS-12, NS-13, NS-21, [DOC] UG:env-parameters.md; [SAMPLE] generated variable files"
    bad = Example(
        files={
            "infrastructure/outputs.tf": """\
            output "vpc_id" {
              value = aws_vpc.vpc.id
            }
            output "cluster" {
              value = var.environment.outputs.ClusterName
            }
            """
        }
    )
    good = Example(files={})

    def check(self, bundle: Bundle) -> Iterable[Finding]:
        for _manifest, kind, files in self.units(bundle):
            if kind is None:
                continue
            table = tf.PROTON_VARIABLES[kind]
            declared = self.declared(files)
            for rel, parsed in files:
                for ref in parsed.references:
                    if ref.name not in tf.ALL_PROTON_VARIABLES or ref.name in declared:
                        continue
                    if ref.name not in table:
                        tip = _ELSEWHERE.get((kind, ref.name))
                        generated = ", ".join(f"var.{n}" for n in table)
                        message = (
                            f"{ref.text}: Proton generates no variable {ref.name!r} for {tf.KIND_LABEL[kind]}; "
                            f"it has {generated}" + (f" ({tip})" if tip else "")
                        )
                    else:
                        problem = _shape_problem(kind, ref)
                        if problem is None:
                            continue
                        message = f"{ref.text}: {problem}"
                    yield self.ref_finding(bundle, rel, ref, message)


class TerraformUndeclaredVariable(TerraformRule):
    id = "PL805"
    slug = "terraform-undeclared-variable"
    severity = Severity.ERROR
    proton_refuses = "deployment"
    proton_refuses_source = "UG:ag-infrastructure-tmp-files-terraform.md (Proton generates only its own variables)"
    summary = '`var.X` with no `variable "X"` block in the selected files, and not one of Proton\'s variables.'
    what = (
        "Collects the `variable` blocks of the files the manifest selects, adds the variables Proton generates "
        "(`environment`, `service`, `service_instance`, `service_instances`, `pipeline`, `component`, "
        "`proton_tags`), and reports every other `var.` name once per file, at its first use."
    )
    why = (
        'Terraform refuses the configuration: "Reference to undeclared input variable". A variable declared in '
        'a file the manifest does not select (a single `file:` instead of `"*"`) is not deployed either.'
    )
    fix = 'Declare the variable (`variable "X" { default = ... }`) in a selected file, or correct its name.'
    source = "NS-02, NS-21, [DOC] UG:ag-infrastructure-tmp-files-terraform.md; Terraform input variables"
    bad = Example(
        files={
            _MAIN: """\
            resource "aws_vpc" "vpc" {
              cidr_block = var.environment.inputs.vpc_cidr
              tags       = { Name = var.vpc_name }
            }
            """
        }
    )
    good = Example(
        files={
            _MAIN: """\
            variable "vpc_name" {
              type    = string
              default = "main"
            }
            resource "aws_vpc" "vpc" {
              cidr_block = var.environment.inputs.vpc_cidr
              tags       = { Name = var.vpc_name }
            }
            """
        }
    )

    def check(self, bundle: Bundle) -> Iterable[Finding]:
        for _manifest, _kind, files in self.units(bundle):
            declared = self.declared(files)
            for rel, parsed in files:
                seen: dict[str, list[tf.VarRef]] = {}
                for ref in parsed.references:
                    if ref.name in declared or ref.name in tf.ALL_PROTON_VARIABLES:
                        continue
                    seen.setdefault(ref.name, []).append(ref)
                for name, refs in seen.items():
                    more = f" (used {len(refs)} times in this file)" if len(refs) > 1 else ""
                    tip = tf.did_you_mean(name, sorted(declared | set(tf.ALL_PROTON_VARIABLES)))
                    yield self.ref_finding(
                        bundle,
                        rel,
                        refs[0],
                        f"var.{name} is not declared in the files the manifest selects{tip}{more}",
                    )


class TerraformProtonVariableRedeclared(TerraformRule):
    id = "PL806"
    slug = "terraform-proton-variable-redeclared"
    severity = Severity.WARNING
    summary = 'The bundle declares a variable that Proton generates itself (`variable "environment" {...}`).'
    what = (
        "Flags `variable` blocks named like the variables Proton generates for this kind of template "
        "(`environment`, `service`, `service_instance`, `service_instances`, `pipeline`, `component`, "
        "`proton_tags`; §4.3 NS-21)."
    )
    why = (
        "Proton writes `proton.<kind>.variables.tf` beside your files with these declarations. Terraform then "
        'sees the variable twice and stops with "Duplicate variable declaration". (Bundles for CodeBuild '
        "provisioning declare them on purpose; this rule reads hcl bundles only.)"
    )
    fix = "Delete the block: Proton declares the variable and supplies its value."
    source = "NS-20, NS-21, [DOC] UG:ag-infrastructure-tmp-files-terraform.md; [SAMPLE] generated variable files"
    bad = Example(
        files={
            "infrastructure/variables.tf": """\
            variable "environment" {
              type = any
            }
            """
        }
    )
    good = Example(files={})

    def check(self, bundle: Bundle) -> Iterable[Finding]:
        for _manifest, kind, files in self.units(bundle):
            generated = tf.PROTON_VARIABLES[kind] if kind else tf.ALL_PROTON_VARIABLES
            for rel, parsed in files:
                for decl in parsed.variables:
                    if decl.name in generated:
                        yield self.finding(
                            bundle,
                            rel,
                            f'variable "{decl.name}" is declared by Proton in proton.*.variables.tf; '
                            "Terraform will report a duplicate declaration",
                            at=(f"variable.{decl.name}",),
                            span=Span(decl.line, decl.column),
                        )


class TerraformUnselectedFiles(TerraformRule):
    id = "PL807"
    slug = "terraform-unselected-files"
    severity = Severity.WARNING
    summary = "The manifest names one `.tf` file, but its folder holds other `.tf` files that Proton will not deploy."
    what = (
        'For hcl manifests whose `file` is a name rather than `"*"`, lists the other `.tf` files of the '
        'manifest\'s folder. Components are exempt from the advice to use `"*"` (they take one file).'
    )
    why = (
        "Proton deploys only the files the manifest selects. Variables, outputs or resources in the other "
        "files silently go missing (often an `outputs.tf`, so the template reports no outputs)."
    )
    fix = 'Use `file: "*"` to deploy every `.tf` file of the folder, or move the content into the named file.'
    source = "MAN-05, BND-13, BND-31, [DOC] UG:ag-wrap-up.md"
    bad = Example(
        files={
            "infrastructure/manifest.yaml": """\
            infrastructure:
              templates:
                - file: main.tf
                  rendering_engine: hcl
                  template_language: terraform
            """
        }
    )
    good = Example(files={})

    def check(self, bundle: Bundle) -> Iterable[Finding]:
        for rel, entries in tf.hcl_manifests(bundle):
            named = [(i, e) for i, e in entries if isinstance(e.get("file"), str)]
            if not named or any(any(ch in e["file"] for ch in "*?[") for _, e in named):
                continue
            folder = posixpath.dirname(rel)
            chosen = {posixpath.basename(p) for p in tf.selected_files(bundle, rel, entries)}
            others = sorted(
                posixpath.basename(n)
                for n in bundle.files_in(folder)
                if n.endswith(".tf") and posixpath.basename(n) not in chosen
            )
            if not others:
                continue
            index = named[0][0]
            advice = (
                "a component takes one file: move their content into it"
                if tf.iac_kind(bundle, rel) == "component"
                else 'use file: "*" to deploy them'
            )
            yield self.finding(
                bundle,
                rel,
                f"{', '.join(others)} {'is' if len(others) == 1 else 'are'} beside the manifest but not deployed "
                f"(the manifest names only {', '.join(sorted(chosen)) or named[0][1]['file']}); {advice}",
                at=("infrastructure", "templates", index, "file"),
            )


class TerraformLocalModule(TerraformRule):
    id = "PL808"
    slug = "terraform-local-module"
    severity = Severity.WARNING
    summary = 'A `module` whose `source` is a folder inside the bundle (`"./modules/x"`).'
    what = (
        "Flags `module` blocks in the selected files whose `source` starts with `./`: a folder below the "
        "manifest's folder. Registry, git and `../` sources (a modules folder kept in the provisioning "
        "repository) are not flagged."
    )
    why = (
        "Proton writes the selected `.tf` files to the resource's folder of the provisioning repository; "
        'the manifest\'s `"*"` picks up only `.tf` files of the folder itself, so a sub-folder is not copied '
        "and `terraform init` cannot find the module [INFERRED from UG:ag-wrap-up.md]."
    )
    fix = "Publish the module (registry or git source), or keep it in the provisioning repository and use a `../` path."
    source = "MAN-05, NS-20, NS-23, [DOC] UG:ag-wrap-up.md, UG:ag-infrastructure-tmp-files-terraform.md"
    bad = Example(
        files={
            "infrastructure/network.tf": """\
            module "subnets" {
              source = "./modules/subnets"
              vpc_id = aws_vpc.vpc.id
            }
            """,
            "infrastructure/modules/subnets/main.tf": 'variable "vpc_id" {\n  type = string\n}\n',
        }
    )
    good = Example(
        files={
            "infrastructure/network.tf": """\
            module "subnets" {
              source  = "terraform-aws-modules/vpc/aws"
              version = "~> 5.0"
            }
            """,
        }
    )

    def check(self, bundle: Bundle) -> Iterable[Finding]:
        for manifest, _kind, files in self.units(bundle):
            folder = posixpath.dirname(manifest)
            for rel, parsed in files:
                for module in parsed.modules:
                    source = module.source
                    if not source or not source.startswith("./"):
                        continue
                    inside = posixpath.normpath(posixpath.join(folder, source))
                    shipped = (
                        " (its files are in the bundle, but Proton does not copy sub-folders)"
                        if (bundle.has_dir(inside))
                        else ""
                    )
                    yield self.finding(
                        bundle,
                        rel,
                        f'module "{module.name}" uses source {source!r}, a folder Proton does not deploy{shipped}',
                        at=(f"module.{module.name}",),
                        span=Span(module.line, module.column),
                    )


class TerraformVariableWithoutDefault(TerraformRule):
    id = "PL809"
    slug = "terraform-variable-without-default"
    severity = Severity.INFO
    summary = "A variable that the bundle declares without a `default`: Proton supplies no value for it."
    what = "Lists `variable` blocks of the selected files that have no `default` (Proton's own variables excepted)."
    why = (
        "Proton's `proton.auto.tfvars.json` holds values only for its own variables. Unless your provisioning "
        "automation passes `-var X=...` (as AWS's GitHub Actions sample does for `aws_region`), `terraform "
        "plan` stops and asks for the value."
    )
    fix = (
        "Give the variable a `default`, make it a schema input (`var.environment.inputs.X`), "
        "or pass it in your pipeline."
    )
    source = "NS-20, NS-31 (the CloudFormation twin), [SAMPLE] aws-proton-terraform-github-actions-sample"
    bad = Example(files={"infrastructure/variables.tf": 'variable "aws_region" {\n  type = string\n}\n'})
    good = Example(
        files={
            "infrastructure/variables.tf": 'variable "aws_region" {\n  type    = string\n  default = "us-east-1"\n}\n'
        }
    )

    def check(self, bundle: Bundle) -> Iterable[Finding]:
        for _manifest, _kind, files in self.units(bundle):
            for rel, parsed in files:
                for decl in parsed.variables:
                    if decl.has_default or decl.name in tf.ALL_PROTON_VARIABLES:
                        continue
                    yield self.finding(
                        bundle,
                        rel,
                        f'variable "{decl.name}" has no default; Proton supplies no value for it',
                        at=(f"variable.{decl.name}",),
                        span=Span(decl.line, decl.column),
                    )


RULES = (
    TerraformSyntax,
    TerraformJinja,
    TerraformInputUnknown,
    TerraformProtonVariableScope,
    TerraformUndeclaredVariable,
    TerraformProtonVariableRedeclared,
    TerraformUnselectedFiles,
    TerraformLocalModule,
    TerraformVariableWithoutDefault,
)
