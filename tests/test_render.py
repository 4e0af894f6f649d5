"""proton_lint.render: Proton's namespaces, filters, strict rendering, line maps and syntax trees."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
import yaml

from proton_lint import render as R
from proton_lint.render import (
    NAMESPACE_SHAPES,
    ComponentValues,
    EnvironmentValues,
    InstanceValues,
    RenderValues,
    ServiceValues,
    TemplateKind,
    analyse,
    build_context,
    render,
)

from .conftest import CORPUS

OUTPUTS = {"Output1": "hello", "Output2": "world"}


def _instance_ctx(component: ComponentValues | None = None, **inputs) -> dict:
    values = RenderValues(
        environment=EnvironmentValues("dev", outputs={"VpcId": "vpc-0a1b2c3d"}),
        service=ServiceValues("api", "org/repo", "main", "arn:aws:codestar-connections:us-east-1:123456789012:c/x"),
        service_instance=InstanceValues("api-dev", inputs=inputs or {"port": 80}, component=component),
    )
    return build_context(TemplateKind.SERVICE_INSTANCE, values)


def _ok(source: str, ctx: dict) -> str:
    result = render(textwrap.dedent(source), ctx)
    assert result.errors == [] and result.text is not None, result.errors
    return result.text


# -- namespaces ---------------------------------------------------------------------------------------
def _shape_keys(shape) -> object:
    if isinstance(shape, dict):
        return {k: _shape_keys(v) for k, v in shape.items()}
    if isinstance(shape, list):
        return [_shape_keys(shape[0])]
    return None


def _ctx_keys(value, shape) -> object:
    if isinstance(shape, dict):
        return {k: _ctx_keys(value[k], shape[k]) for k in value}
    if isinstance(shape, list):
        return [_ctx_keys(value[0], shape[0])]
    return None


@pytest.mark.parametrize("kind", list(TemplateKind))
def test_contexts_have_the_documented_shapes(kind: TemplateKind) -> None:
    env = EnvironmentValues("dev", {"vpc_cidr": "10.0.0.0/16"}, outputs={"VpcId": "vpc-1"})
    inst = InstanceValues(
        "api-dev", {"port": 80}, environment=env, outputs={"Url": "u"}, component=ComponentValues("c", OUTPUTS)
    )
    values = RenderValues(
        environment=env,
        service=ServiceValues("api"),
        service_instance=inst,
        pipeline_inputs={"dockerfile": "Dockerfile"},
        service_instances=[inst],
        component=ComponentValues("c"),
    )
    ctx = build_context(kind, values)
    assert _ctx_keys(ctx, NAMESPACE_SHAPES[kind]) == _shape_keys(NAMESPACE_SHAPES[kind])


def test_environment_context_and_strict_inputs() -> None:
    ctx = build_context(
        TemplateKind.ENVIRONMENT, RenderValues(environment=EnvironmentValues("dev", {"vpc_cidr": "10.0.0.0/16"}))
    )
    assert _ok("CidrBlock: '{{ environment.inputs.vpc_cidr }}'\n", ctx) == "CidrBlock: '10.0.0.0/16'\n"
    result = render("a: 1\nCidrBlock: '{{ environment.inputs.vpc_cdir }}'\n", ctx)
    assert result.text is None
    (error,) = result.errors
    assert (error.kind, error.line, error.name) == ("undefined", 2, "environment.inputs.vpc_cdir")
    assert "did you mean 'vpc_cidr'" in error.message


def test_pipeline_context_loops_over_every_instance() -> None:
    instances = [
        InstanceValues(f"i{n}", {"port": n}, environment=EnvironmentValues(f"e{n}", account_id=f"11111111111{n}"))
        for n in (1, 2)
    ]
    ctx = build_context(
        TemplateKind.PIPELINE,
        RenderValues(service=ServiceValues("api"), pipeline_inputs={"x": 1}, service_instances=instances),
    )
    text = _ok(
        """\
        {% for service_instance in service_instances %}
        - "arn:aws:iam::{{ service_instance.environment.account_id }}:root"
        {% endfor %}
        first: {{ service_instances[0].name }} {{ pipeline.inputs.x }}
        """,
        ctx,
    )
    assert '"arn:aws:iam::111111111111:root"' in text and '"arn:aws:iam::111111111112:root"' in text
    assert "first: i1 1" in text


def test_component_context_attached_and_detached() -> None:
    detached = build_context(
        TemplateKind.COMPONENT, RenderValues(environment=EnvironmentValues("dev"), component=ComponentValues("c"))
    )
    assert _ok("{{ service.name | default('none') }}/{{ component.name }}", detached) == "none/c"
    assert render("{{ service_instance.name }}", detached).errors[0].kind == "undefined"
    attached = build_context(
        TemplateKind.COMPONENT,
        RenderValues(
            environment=EnvironmentValues("dev"),
            service=ServiceValues("api"),
            service_instance=InstanceValues("i1", {"size": "small"}),
            component=ComponentValues("c"),
        ),
    )
    assert _ok("{{ service.name }}/{{ service_instance.inputs.size }}", attached) == "api/small"


def test_missing_component_outputs_render_as_empty_and_named_ones_fail() -> None:
    ctx = _instance_ctx()
    assert _ok("{{ service_instance.components.default }}|", ctx) == "{}|"
    assert _ok("{{ service_instance.components.default.outputs | length }}", ctx) == "0"
    text = '{{ service_instance.components.default.outputs.test | default("[optional-value]") }}'
    assert _ok(text, ctx) == "[optional-value]"
    error = render("x\n{{ service_instance.components.default.outputs.test }}", ctx).errors[0]
    assert (error.kind, error.line, error.name) == ("undefined", 2, "service_instance.components.default.outputs.test")
    assert "no attached component" in error.message


def test_context_values_cannot_be_changed_by_a_template() -> None:
    ctx = _instance_ctx()
    result = render("{{ service_instance.inputs.update({'port': 1}) }}", ctx)
    assert result.errors and ctx["service_instance"]["inputs"]["port"] == 80
    assert _ok("{% set l = [] %}{% set _ = l.append(1) %}{{ l }}", ctx) == "[1]"  # template lists are fine


# -- filters (FLT-01..04, the examples of UG:parameter-filters.md) ------------------------------------
def test_ecs_env_vars_filter_renders_the_documented_example() -> None:
    source = """\
    Resources:
      TaskDefinition:
        Type: AWS::ECS::TaskDefinition
        Properties:
          ContainerDefinitions:
            - Name: MyServiceName
              Environment:
                {{ service_instance.components.default.outputs
                  | proton_cfn_ecs_task_definition_formatted_env_vars }}
    """
    text = _ok(source, _instance_ctx(ComponentValues("c", OUTPUTS)))
    assert text.endswith(
        "          Environment:\n"
        "            - Name: Output1\n"
        "              Value: hello\n"
        "            - Name: Output2\n"
        "              Value: world\n"
    )
    env = yaml.safe_load(text)["Resources"]["TaskDefinition"]["Properties"]["ContainerDefinitions"][0]["Environment"]
    assert env == [{"Name": "Output1", "Value": "hello"}, {"Name": "Output2", "Value": "world"}]


def test_lambda_env_vars_filter_and_raw_false_validation() -> None:
    source = """\
    Environment:
      Variables:
        {{ service_instance.components.default.outputs
          | proton_cfn_lambda_function_formatted_env_vars }}
    """
    text = _ok(source, _instance_ctx(ComponentValues("c", OUTPUTS)))
    assert yaml.safe_load(text) == {"Environment": {"Variables": OUTPUTS}}
    bad = _instance_ctx(ComponentValues("c", {"Output1": "this::is::incorrect"}))
    strict = (
        "{{ service_instance.components.default.outputs | proton_cfn_lambda_function_formatted_env_vars(raw=False) }}"
    )
    (error,) = render(strict, bad).errors
    assert error.kind == "filter"
    assert error.message == 'Illegal character(s) detected in "this::is::incorrect". Must match regex ^[a-zA-Z0-9_-]*$'
    assert render(strict.replace("raw=False", "raw=True"), bad).errors == []


def test_values_that_yaml_would_misread_are_quoted() -> None:
    outputs = {"A": "True", "B": "x: y", "C": "123", "D": "plain"}
    text = _ok(
        "{{ service_instance.components.default.outputs | proton_cfn_lambda_function_formatted_env_vars }}",
        _instance_ctx(ComponentValues("c", outputs)),
    )
    assert yaml.safe_load(text) == outputs


def test_iam_policy_arns_filter_keeps_only_policy_arns() -> None:
    outputs = {
        "Output1": "hello",
        "PolicyArn1": "arn:aws:iam::123456789012:policy/cfn-generated-policy-name-1",
        "PolicyArn2": "arn:aws:iam::123456789012:policy/cfn-generated-policy-name-2",
        "Bucket": "arn:aws:s3:::bucket",
    }
    source = """\
    ManagedPolicyArns:
      - !Ref BaseTaskRoleManagedPolicy
      {{ service_instance.components.default.outputs
          | proton_cfn_iam_policy_arns }}
    """
    text = _ok(source, _instance_ctx(ComponentValues("c", outputs)))
    assert text == (
        "ManagedPolicyArns:\n"
        "  - !Ref BaseTaskRoleManagedPolicy\n"
        "  - arn:aws:iam::123456789012:policy/cfn-generated-policy-name-1\n"
        "  - arn:aws:iam::123456789012:policy/cfn-generated-policy-name-2\n"
    )
    # no component: nothing is added, and the list stays valid YAML
    empty = _ok(source, _instance_ctx())
    assert yaml.safe_load(empty.replace("!Ref ", "")) == {"ManagedPolicyArns": ["BaseTaskRoleManagedPolicy"]}


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("This-is_valid_37", True),
        ("arn:aws:some-service::123456789012:some-resource/resource-name", True),
        ("arn:aws:iam::123456789012:role/x", True),
        ("", True),
        ("this::is::incorrect", False),
        ("a b", False),
    ],
)
def test_sanitize_filter(value: str, ok: bool) -> None:
    ctx = _instance_ctx(ComponentValues("c", {"Out": value}))
    result = render("{{ service_instance.components.default.outputs.Out | proton_cfn_sanitize }}", ctx)
    if ok:
        assert result.text == value and not result.errors
    else:
        (error,) = result.errors
        assert error.message == (
            f'Illegal character(s) detected in "{value}". Must match regex ^[a-zA-Z0-9_-]*$ or be a valid ARN'
        )


def test_mapping_filters_refuse_a_single_value() -> None:
    (error,) = render("{{ service.name | proton_cfn_iam_policy_arns }}", _instance_ctx()).errors
    assert error.kind == "filter" and "expects a mapping" in error.message


# -- line maps ----------------------------------------------------------------------------------------
def test_line_map_follows_loops_and_multiline_filter_output() -> None:
    source = textwrap.dedent(
        """\
        Resources:
        {% for name in ['A', 'B'] %}
          Queue{{ name }}:
            Type: AWS::SQS::Queue
        {% endfor %}
          Env:
            {{ service_instance.components.default.outputs | proton_cfn_ecs_task_definition_formatted_env_vars }}
          End: 1
        """
    )
    result = render(source, _instance_ctx(ComponentValues("c", OUTPUTS)))
    lines = result.text.split("\n")
    where = {line.strip(): result.source_line(i) for i, line in enumerate(lines, start=1) if line.strip()}
    assert where["QueueA:"] == where["QueueB:"] == 3
    assert where["- Name: Output2"] == where["Value: world"] == 7
    assert where["End: 1"] == 8
    types = [result.source_line(i) for i, line in enumerate(lines, start=1) if "Type:" in line]
    assert types == [4, 4]


def test_line_map_with_whitespace_control() -> None:
    source = "x: 1\n{% if true -%}\n   y: 2\n{%- endif %}\nz: 3\n"
    result = render(source, {})
    assert result.text == "x: 1\ny: 2\nz: 3\n"
    assert [result.source_line(i) for i in (1, 2, 3)] == [1, 3, 5]


def test_captured_blocks_render_exactly_as_without_markers() -> None:
    source = (
        "{% set body %}\nfoo\n{% endset %}{{ body | trim | length }}\n"
        "{% macro m(x) %}\n  a: {{ x }}\n{% endmacro %}{{ m(1) }}"
    )
    result = render(source, {})
    assert result.text == R.environment().from_string(source).render()
    assert len(result.line_map) == len(result.text.split("\n"))
    assert result.source_line(result.text.split("\n").index("  a: 1") + 1) == 5


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not present")
def test_markers_never_change_the_output_of_corpus_templates() -> None:
    checked = 0
    for path in sorted(CORPUS.rglob("cloudformation.yaml")):
        source = path.read_text(encoding="utf-8")
        if "{{" not in source or analyse(source).syntax_error:
            continue
        ctx = _lenient_context(source)
        ours = render(source, ctx, template_name=str(path))
        if ours.errors:
            continue
        plain = R.environment().from_string(R.normalize_newlines(source)).render(ctx)
        plain = plain.replace(R._BLOCK_NEXT, "").replace(R._BLOCK_START, "")
        assert [line.strip() for line in ours.text.split("\n")] == [line.strip() for line in plain.split("\n")]
        assert len(ours.line_map) == len(ours.text.split("\n"))
        checked += 1
    assert checked >= 30


def _lenient_context(source: str) -> dict:
    """A context with a plausible value for every reference of a template (strings)."""
    root: dict = {}
    for ref in analyse(source).references:
        node = root
        for i, part in enumerate(ref.path):
            last = i == len(ref.path) - 1
            if part == R.DYNAMIC or isinstance(part, int):
                break
            nxt = ref.path[i + 1] if not last else None
            if last:
                node.setdefault(part, "x-small")
            elif nxt == R.DYNAMIC or isinstance(nxt, int):
                items = node.get(part)
                if not isinstance(items, list):
                    items = node[part] = [{}]
                node = items[0]
                rest = ref.path[i + 2 :]
                for j, sub in enumerate(rest):
                    if j == len(rest) - 1:
                        node.setdefault(sub, "x-small")
                    else:
                        node = node.setdefault(sub, {}) if isinstance(node.get(sub, {}), dict) else node
                break
            else:
                child = node.get(part)
                if not isinstance(child, dict):
                    child = node[part] = {}
                node = child
    return root


# -- errors as data -----------------------------------------------------------------------------------
def test_syntax_error_at_the_tag_that_is_not_closed() -> None:
    source = "a: 1\n  {% if x == 'application'\n  SecurityGroups: []\n  {% endif %}\n"
    (error,) = render(source, {}).errors
    assert error.kind == "syntax" and error.line == 2
    assert "got 'SecurityGroups'" in error.message and "line 3" in error.message


def test_unclosed_block_is_reported_at_its_opening_tag() -> None:
    (error,) = render("a: 1\n{% for x in y %}\nb: 2\n", {}).errors
    assert error.line == 2 and "never closed" in error.message


@pytest.mark.parametrize(
    ("source", "kind"),
    [
        ("{{ ''.__class__.__mro__ }}", "security"),
        ("{{ 'a' * 100000000 }}", "limit"),
        ("{{ 2 ** 99999999 }}", "limit"),
        ("{% include 'other.yaml' %}", "include"),
        ("{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}", "limit"),
        ("{{ x }}", "undefined"),
        ("{{ 1 / 0 }}", "error"),
    ],
)
def test_failures_are_data_never_exceptions(source: str, kind: str) -> None:
    result = render(source, {})
    assert result.text is None and [e.kind for e in result.errors] == [kind]
    assert result.errors[0].line == 1


def test_compiled_templates_are_memoised() -> None:
    source = "a: {{ environment.name }}  # memo\n"
    render(source, {"environment": {"name": "a"}}, template_name="memo")
    first = R._compiled[("memo", source)]
    assert render(source, {"environment": {"name": "b"}}, template_name="memo").text == "a: b  # memo\n"
    assert R._compiled[("memo", source)] is first


def test_importing_the_module_does_not_import_jinja() -> None:
    code = "import sys, proton_lint.render, proton_lint.checks.references; print('jinja2' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# -- syntax trees -------------------------------------------------------------------------------------
def test_references_in_every_branch_with_lines() -> None:
    source = textwrap.dedent(
        """\
        {% if environment.inputs.public %}
        a: '{{ environment.inputs.cidr }}'
        {% else %}
        b: '{{ environment.inputs.private_cidr }}'
        {% endif %}
        c: "{{ environment.outputs['vpc-id'] }}"
        """
    )
    refs = {(r.text, r.line) for r in analyse(source).references}
    assert refs == {
        ("environment.inputs.public", 1),
        ("environment.inputs.cidr", 2),
        ("environment.inputs.private_cidr", 4),
        ("environment.outputs['vpc-id']", 6),
    }


def test_loop_variables_and_aliases_resolve_to_namespaces() -> None:
    source = textwrap.dedent(
        """\
        {% set port = service_instance.inputs.port %}
        {% for service_instance in service_instances %}
        - {{ service_instance.environment.account_id }}
        {% endfor %}
        {{ service_instance.name }} {{ port }}
        {% for k, v in service_instance.inputs.items() %}{{ k }}{% endfor %}
        """
    )
    refs = analyse(source).references
    by_line = {(r.line, r.text, r.written, r.via) for r in refs}
    assert (
        3,
        "service_instances[*].environment.account_id",
        "service_instance.environment.account_id",
        "service_instance",
    ) in by_line
    assert (5, "service_instance.name", "service_instance.name", None) in by_line
    assert (5, "service_instance.inputs.port", "port", "port") in by_line
    assert any(r.line == 6 and r.text == "service_instance.inputs" and r.method == "items" for r in refs)
    assert not [r for r in refs if r.path[0] in ("k", "v", "loop")]


def test_guards_filters_hyphens_and_dynamic_references() -> None:
    source = textwrap.dedent(
        """\
        {% if service_instance.components.default.outputs.B is defined %}
        {{- service_instance.components.default.outputs.B }}{% endif %}
        {{ service_instance.components.default.outputs.C | default('') | proton_cfn_sanitize }}
        {{ service_instance.components.default.outputs.D }}
        {{ environment.outputs.vpc-id }}
        {{ service_instance.components.default.outputs | proton_cfn_iam_policy_arns }}
        {{ service_instance.inputs[key] }}
        """
    )
    analysis = analyse(source)
    guarded = {r.text: r.guarded for r in analysis.references}
    prefix = "service_instance.components.default.outputs"
    assert guarded[f"{prefix}.B"] and guarded[f"{prefix}.C"] and not guarded[f"{prefix}.D"]
    assert [h.text for h in analysis.hyphenated] == ["environment.outputs.vpc-id"]
    filters = {(f.name, f.line, f.target) for f in analysis.filters}
    assert ("proton_cfn_sanitize", 3, ("service_instance", "components", "default", "outputs", "C")) in filters
    assert ("proton_cfn_iam_policy_arns", 6, ("service_instance", "components", "default", "outputs")) in filters
    assert ("service_instance", "inputs", R.DYNAMIC) in {r.path for r in analysis.references}
    assert ("key",) in {r.path for r in analysis.references}


def test_resolve_references_outside_raw_blocks_and_strings() -> None:
    source = textwrap.dedent(
        """\
        a: '{{resolve:ssm:/a}}'
        b: "{{ '{{resolve:ssm:/b}}' }}"
        c: '{% raw %}{{resolve:ssm:/c}}{% endraw %}'
        {# {{resolve:ssm:/d}} #}
        e: '{{ environment.name }}'
        """
    )
    analysis = analyse(source)
    assert [(r.line, r.column) for r in analysis.resolves] == [(1, 5)]
    assert analysis.syntax_error is None  # the rest is still analysed
    assert [r.text for r in analysis.references] == ["environment.name"]


def test_syntax_errors_come_back_from_analysis() -> None:
    analysis = analyse("a: 1\n{{ environment.name \nb: 2\n")
    assert analysis.syntax_error is not None and analysis.syntax_error.line == 2
