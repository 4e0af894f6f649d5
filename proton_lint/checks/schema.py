"""Family 3: schema rules that need code (cross-references, defaults, regexes, bounds)."""

from __future__ import annotations

import difflib
import json
import math
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from proton_lint.bundle import ENV_INFRA, INSTANCE_INFRA, PIPELINE_INFRA, SCHEMA_FILE, Bundle, BundleKind
from proton_lint.findings import Finding, Severity
from proton_lint.rules import Example, Rule
from proton_lint.schema import ecma_regex_error, ref_target, to_json_schema, validator_for
from proton_lint.snippets import ENV_SCHEMA_HEAD, env_schema

INPUT_TYPE_KEYS = ("environment_input_type", "service_input_type", "pipeline_input_type")

_SUBNET_TYPE = (
    "    Subnet:\n      type: object\n      properties:\n        cidr: {type: string, default: 10.0.1.0/24}\n"
)


class SchemaRule(Rule):
    """A rule over a readable schema file."""

    def applies(self, bundle: Bundle) -> bool:
        doc = bundle.schema
        return doc is not None and doc.ok and bool(bundle.schema_root)


class InputTypeForKind(SchemaRule):
    id = "PL302"
    slug = "schema-input-type-for-kind"
    severity = Severity.ERROR
    proton_refuses = "registration"
    proton_refuses_source = (
        "SCH-02, SCH-03: UG:ag-schema.md; [ISSUE] aws-samples/aws-proton-cloudformation-sample-"
        "templates#9 ('Missing property [pipelineInputType]' at registration)"
    )
    summary = "The schema's `*_input_type` keys must fit the bundle's kind."
    what = (
        "An environment schema has `environment_input_type` and no service or pipeline input type; a service "
        "schema has `service_input_type` (plus `pipeline_input_type` with a pipeline) and no "
        "`environment_input_type`. The kind comes from the bundle's folders."
    )
    why = "Proton decides which inputs to ask for from these keys; a schema of the wrong kind fails registration."
    fix = "Use environment_input_type in environment bundles and service_input_type in service bundles."
    source = "SCH-02, SCH-03, [DOC] UG:ag-schema.md"
    base = "service"
    bad = Example(
        files={
            "schema/schema.yaml": """\
            schema:
              format:
                openapi: "3.0.0"
              environment_input_type: "ServiceInput"
              pipeline_input_type: "PipelineInput"
              types:
                ServiceInput:
                  type: object
                  properties:
                    port: {type: number, default: 80}
                PipelineInput:
                  type: object
                  properties:
                    dockerfile: {type: string, default: Dockerfile}
            """
        }
    )
    good = Example(files={})

    def check(self, bundle: Bundle) -> Iterable[Finding]:
        root = bundle.schema_root
        present = [k for k in INPUT_TYPE_KEYS if k in root]
        if not present:
            yield self.finding(
                bundle,
                SCHEMA_FILE,
                "the schema names no input type (environment_input_type or service_input_type)",
                at=("schema",),
                key=True,
            )
            return
        service_dirs = bundle.has_dir(INSTANCE_INFRA) or bundle.has_dir(PIPELINE_INFRA)
        env_dirs = bundle.has_dir(ENV_INFRA) and not service_dirs
        if "environment_input_type" in root and bundle.kind is BundleKind.SERVICE:
            yield self.finding(
                bundle,
                SCHEMA_FILE,
                "environment_input_type in a service template's schema; services use service_input_type",
                at=("schema", "environment_input_type"),
                key=True,
            )
        if bundle.kind is BundleKind.SERVICE and "service_input_type" not in root:
            yield self.finding(
                bundle, SCHEMA_FILE, "a service template's schema needs service_input_type", at=("schema",), key=True
            )
        if env_dirs and bundle.kind is BundleKind.ENVIRONMENT:
            for key in ("service_input_type", "pipeline_input_type"):
                if key in root:
                    yield self.finding(
                        bundle, SCHEMA_FILE, f"{key} in an environment template's schema", at=("schema", key), key=True
                    )


class UndefinedInputType(SchemaRule):
    id = "PL303"
    slug = "schema-undefined-input-type"
    severity = Severity.ERROR
    proton_refuses = "registration"
    proton_refuses_source = "SCH-04: UG:ag-schema.md; [ISSUE] aws-samples/aws-proton-cloudformation-sample-templates#9"
    summary = "An `*_input_type` names a type that is not defined under `types`."
    what = "Checks that each `*_input_type` (environment, service, pipeline) names a key of `types`."
    why = "Proton looks the input type up in `types`; a dangling name fails registration."
    fix = "Correct the name, or define the type under `types`."
    source = "SCH-04, [DOC] UG:ag-schema.md; [ISSUE] aws-proton-cloudformation-sample-templates#9"
    bad = Example(
        files={
            "schema/schema.yaml": env_schema("vpc_cidr: {type: string, default: 10.0.0.0/16}").replace(
                '"EnvironmentInput"', '"EnvInput"'
            )
        }
    )
    good = Example(files={})

    def check(self, bundle: Bundle) -> Iterable[Finding]:
        root = bundle.schema_root
        types = root.get("types") if isinstance(root.get("types"), dict) else {}
        for key in INPUT_TYPE_KEYS:
            name = root.get(key)
            if key in root and isinstance(name, str) and name not in types:
                close = difflib.get_close_matches(name, [str(t) for t in types], n=1)
                tip = f"; did you mean {close[0]!r}?" if close else ""
                yield self.finding(
                    bundle, SCHEMA_FILE, f"{key} {name!r} is not defined under types{tip}", at=("schema", key)
                )


class InputTypeNotObject(SchemaRule):
    id = "PL305"
    slug = "schema-input-type-not-object"
    severity = Severity.ERROR
    proton_refuses = "registration"
    proton_refuses_source = "SCH-06: UG:ag-schema.md (an input type is an object with properties)"
    summary = "An input type must be `type: object` with a `properties` mapping."
    what = "Checks the types that `*_input_type` keys name."
    why = "Proton reads the inputs from the type's properties; any other shape is an invalid schema."
    fix = "Give the type `type: object` and put the inputs under `properties:`."
    source = "SCH-06, [DOC] UG:ag-schema.md"
    bad = Example(
        files={
            "schema/schema.yaml": ENV_SCHEMA_HEAD.replace(
                "      type: object\n      properties:\n", '      type: string\n      default: "10.0.0.0/16"\n'
            )
        }
    )
    good = Example(files={})

    def check(self, bundle: Bundle) -> Iterable[Finding]:
        root = bundle.schema_root
        types = root.get("types") if isinstance(root.get("types"), dict) else {}
        for key in INPUT_TYPE_KEYS:
            name = root.get(key)
            node = types.get(name) if isinstance(name, str) else None
            if not isinstance(node, dict):
                continue
            at = ("schema", "types", name)
            if node.get("type") != "object":
                yield self.finding(bundle, SCHEMA_FILE, f"input type {name!r} should be type: object", at=at, key=True)
            elif "properties" in node and not isinstance(node["properties"], dict):
                yield self.finding(
                    bundle, SCHEMA_FILE, f"the properties of {name!r} should be a mapping", at=(*at, "properties")
                )


class RequiredUnknownProperty(SchemaRule):
    id = "PL309"
    slug = "schema-required-unknown-property"
    severity = Severity.ERROR
    summary = "`required` names a property that the type does not define."
    what = "Checks every `required` list (a sibling of `properties`) against the type's properties."
    why = "A required input that does not exist can never be given; Proton rejects every spec, or the schema."
    fix = "Correct the name in `required`, or add the property."
    source = "SCH-14, [DOC] UG:ag-schema.md"
    bad = Example(
        files={"schema/schema.yaml": env_schema("name_prefix: {type: string}", "      required: [name_prefx]\n")}
    )
    good = Example(
        files={"schema/schema.yaml": env_schema("name_prefix: {type: string}", "      required: [name_prefix]\n")}
    )

    def check(self, bundle: Bundle) -> Iterable[Finding]:
        for path, node in bundle.schema_nodes:
            required = node.get("required")
            if required is None or isinstance(required, bool):
                continue
            if not isinstance(required, list):
                yield self.finding(
                    bundle, SCHEMA_FILE, "required should be a list of property names", at=(*path, "required")
                )
                continue
            props = node.get("properties") if isinstance(node.get("properties"), dict) else {}
            for i, name in enumerate(required):
                if not isinstance(name, str):
                    yield self.finding(
                        bundle,
                        SCHEMA_FILE,
                        f"required lists {name!r}, which is not a property name",
                        at=(*path, "required", i),
                    )
                elif name not in props:
                    close = difflib.get_close_matches(str(name), [str(p) for p in props], n=1)
                    tip = f"; did you mean {close[0]!r}?" if close else ""
                    yield self.finding(
                        bundle,
                        SCHEMA_FILE,
                        f"required names {name!r}, which is not a property{tip}",
                        at=(*path, "required", i),
                    )


@lru_cache(maxsize=2048)
def _property_validator(translated_json: str) -> Any:
    """A validator for one translated property schema, shared by every identical property.

    Validating at the root (not through a parent's ``properties``) spares jsonschema a
    sub-validator per property, which is most of the cost; annotations are already stripped, so
    properties that differ only in their description share a validator.
    """
    return validator_for(json.loads(translated_json))


_JSON_SCALARS = (str, int, float, bool, type(None))


def _type_only_and_fits(schema: Any, value: Any) -> bool:
    """A schema that only names a type, and a value of that type (jsonschema's own type checker).

    Most properties with a default are just ``type: string``; this spares them a validation.
    """
    if not isinstance(schema, dict) or set(schema) != {"type"} or not isinstance(schema["type"], str):
        return False
    from jsonschema import Draft202012Validator

    try:
        return bool(Draft202012Validator.TYPE_CHECKER.is_type(value, schema["type"]))
    except Exception:  # noqa: BLE001 - an unknown type name: let the validator say so
        return False


class DefaultInvalid(SchemaRule):
    id = "PL310"
    slug = "schema-default-invalid"
    severity = Severity.ERROR
    summary = "A `default` that fails its own property's type, enum, pattern, length or range."
    what = (
        "Validates every `default` against the property it belongs to (translated to JSON Schema; "
        "`pattern` with ECMA-262 semantics)."
    )
    why = (
        "Proton fills in the default when a spec omits the input, then validates the inputs against the "
        "schema: a broken default fails every deployment that relies on it, or renders a wrong value."
    )
    fix = "Change the default to a value the property accepts (mind YAML: `public` is a string, `true` a boolean)."
    source = "SCH-16, [INFERRED] from UG:ag-schema.md"
    bad = Example(
        files={
            "schema/schema.yaml": env_schema(
                "load_balanced_public:\n  type: boolean\n  default: public\n"
                "task_size:\n  type: string\n  enum: [small, large]\n  default: medium"
            )
        }
    )
    good = Example(
        files={
            "schema/schema.yaml": env_schema(
                "load_balanced_public:\n  type: boolean\n  default: true\n"
                "task_size:\n  type: string\n  enum: [small, large]\n  default: small"
            )
        }
    )

    def reset(self) -> None:
        _property_validator.cache_clear()

    def check(self, bundle: Bundle) -> Iterable[Finding]:
        root = bundle.schema_root
        types = root.get("types") if isinstance(root.get("types"), dict) else {}
        for path, node in bundle.schema_nodes:
            if "default" not in node:
                continue
            own = {k: v for k, v in node.items() if k != "default"}
            default = node["default"]
            try:
                schema = to_json_schema(own, types)
                if not isinstance(default, _JSON_SCALARS):
                    # through JSON like the schema went: YAML dates become strings alike
                    default = json.loads(json.dumps(default, default=str))
                if _type_only_and_fits(schema, default):
                    continue
                translated = json.dumps(schema, sort_keys=True, default=str)
                error = next(iter(_property_validator(translated).iter_errors(default)), None)
            except Exception:  # noqa: BLE001 - an unusable property schema is other rules' business
                continue
            if error is not None:
                yield self.finding(
                    bundle,
                    SCHEMA_FILE,
                    f"default {default!r} fails its own schema: {error.message}",
                    at=(*path, "default"),
                )


class PatternInvalid(SchemaRule):
    id = "PL311"
    slug = "schema-pattern-invalid"
    severity = Severity.ERROR
    summary = "A `pattern` is not a valid ECMA-262 regular expression."
    what = "Compiles every `pattern` with an ECMA-262 engine (the dialect OpenAPI and Proton use)."
    why = (
        "A pattern that does not compile makes validation of that input fail or be skipped. Python-only "
        "syntax such as `(?P<name>...)` is not ECMA."
    )
    fix = "Fix the expression; quote it in YAML when it holds `:`, `#`, `{`, `[`, `*`, `&`, `!`, `|` or `%`."
    source = "SCH-17, [DOC] UG:ag-schema.md"
    bad = Example(files={"schema/schema.yaml": env_schema('vpc_cidr:\n  type: string\n  pattern: "([0-9"')})

    good = Example(
        files={
            "schema/schema.yaml": env_schema('vpc_cidr:\n  type: string\n  pattern: "([0-9]{1,3}\\\\.){3}[0-9]{1,3}"')
        }
    )

    def reset(self) -> None:
        ecma_regex_error.cache_clear()

    def check(self, bundle: Bundle) -> Iterable[Finding]:
        for path, node in bundle.schema_nodes:
            pattern = node.get("pattern")
            if pattern is None:
                continue
            if not isinstance(pattern, str):
                yield self.finding(
                    bundle, SCHEMA_FILE, f"pattern should be a string, not {pattern!r}", at=(*path, "pattern")
                )
                continue
            problem = ecma_regex_error(pattern)
            if problem:
                yield self.finding(
                    bundle,
                    SCHEMA_FILE,
                    f"pattern {pattern} is not a valid ECMA regex: {problem}",
                    at=(*path, "pattern"),
                )


class BoundsInverted(SchemaRule):
    id = "PL312"
    slug = "schema-bounds-inverted"
    severity = Severity.ERROR
    summary = "Bounds that no value can meet: `minLength > maxLength`, `minimum > maximum`, negative lengths."
    what = "Checks minLength/maxLength, minItems/maxItems and minimum/maximum of every property."
    why = "An input whose bounds exclude every value can never be given, so every deployment fails."
    fix = "Swap or correct the bounds."
    source = "SCH-18, [INFERRED]"
    bad = Example(files={"schema/schema.yaml": env_schema("image:\n  type: string\n  minLength: 10\n  maxLength: 5")})
    good = Example(files={"schema/schema.yaml": env_schema("image:\n  type: string\n  minLength: 1\n  maxLength: 200")})

    _PAIRS = (("minLength", "maxLength", True), ("minItems", "maxItems", True), ("minimum", "maximum", False))

    def check(self, bundle: Bundle) -> Iterable[Finding]:
        for path, node in bundle.schema_nodes:
            for low_key, high_key, is_count in self._PAIRS:
                low, high = node.get(low_key), node.get(high_key)
                for key, value in ((low_key, low), (high_key, high)):
                    if value is None:
                        continue
                    if isinstance(value, bool) or not isinstance(value, (int, float)):
                        yield self.finding(
                            bundle, SCHEMA_FILE, f"{key} should be a number, not {value!r}", at=(*path, key)
                        )
                    elif not math.isfinite(value) or (is_count and (value < 0 or value != int(value))):
                        what = "a whole number >= 0" if is_count else "a finite number"
                        yield self.finding(
                            bundle, SCHEMA_FILE, f"{key} should be {what}, not {value!r}", at=(*path, key)
                        )
                numbers = all(
                    isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in (low, high)
                )
                if numbers and low > high:
                    yield self.finding(
                        bundle, SCHEMA_FILE, f"{low_key} {low} is greater than {high_key} {high}", at=(*path, low_key)
                    )


class RefInvalid(SchemaRule):
    id = "PL316"
    slug = "schema-ref-invalid"
    severity = Severity.ERROR
    summary = "A `$ref` must be `#/TypeName`, naming a type under `types`."
    what = "Checks every `$ref` in the types: its form, and that the named type exists."
    why = (
        "Proton's bundles reference types as `#/TypeName` (AWS's helper rewrites them to "
        "`#/components/schemas/...` itself); another form or a missing type breaks the schema."
    )
    fix = 'Write `$ref: "#/TypeName"` with a type defined under `types`.'
    source = "SCH-08, [SAMPLE] aws-proton-template-helper convert_schema/main.py"
    bad = Example(
        files={
            "schema/schema.yaml": env_schema(
                'subnet:\n  $ref: "#/components/schemas/Subnet"',
                _SUBNET_TYPE,
            )
        }
    )
    good = Example(
        files={
            "schema/schema.yaml": env_schema(
                'subnet:\n  $ref: "#/Subnet"',
                _SUBNET_TYPE,
            )
        }
    )

    def check(self, bundle: Bundle) -> Iterable[Finding]:
        root = bundle.schema_root
        types = root.get("types") if isinstance(root.get("types"), dict) else {}
        for path, node in bundle.schema_nodes:
            if "$ref" not in node:
                continue
            ref = node["$ref"]
            name = ref_target(ref)
            if name is None:
                yield self.finding(
                    bundle, SCHEMA_FILE, f'$ref {ref!r} is not of the form "#/TypeName"', at=(*path, "$ref")
                )
            elif name not in types:
                yield self.finding(
                    bundle, SCHEMA_FILE, f"$ref names {name!r}, which is not defined under types", at=(*path, "$ref")
                )


class RequiredWithDefault(SchemaRule):
    id = "PL317"
    slug = "schema-required-with-default"
    severity = Severity.INFO
    summary = "A property is both `required` and has a `default`."
    what = "Notes properties listed in `required` that also carry a `default`."
    why = (
        "The two say different things: `required` asks every spec for a value, while the default would "
        "fill it in. Readers cannot tell which was meant."
    )
    fix = "Drop the default (the value must be given) or drop it from `required` (the default is fine)."
    source = "SCH-15, corpus note (lambda-env ttl_attribute)"
    bad = Example(
        files={"schema/schema.yaml": env_schema("ttl:\n  type: string\n  default: ttl", "      required: [ttl]\n")}
    )
    good = Example(files={"schema/schema.yaml": env_schema("ttl:\n  type: string\n  default: ttl")})

    def check(self, bundle: Bundle) -> Iterable[Finding]:
        for path, node in bundle.schema_nodes:
            required = node.get("required")
            props = node.get("properties")
            if not isinstance(required, list) or not isinstance(props, dict):
                continue
            for name in required:
                prop = props.get(name) if isinstance(name, str) else None
                if isinstance(prop, dict) and "default" in prop:
                    yield self.finding(
                        bundle,
                        SCHEMA_FILE,
                        f"{name!r} is required and has a default",
                        at=(*path, "properties", name, "default"),
                    )


RULES = (
    InputTypeForKind,
    UndefinedInputType,
    InputTypeNotObject,
    RequiredUnknownProperty,
    DefaultInvalid,
    PatternInvalid,
    BoundsInverted,
    RefInvalid,
    RequiredWithDefault,
)
