"""Family 7: .template-registration.yaml, .compatible-envs, the template-sync layout and proton-ops.yaml."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from proton_lint.bundle import Bundle, DirSource
from proton_lint.engine import Linter, LintOptions
from proton_lint.findings import Severity
from proton_lint.sync_files import (
    branch_problem,
    check_env_ref,
    compatible_environments,
    parse_legacy,
    suggest_key,
    sync_file_variant,
)
from proton_lint.testing import BASES

from .conftest import CORPUS, EXAMPLES

SERVICE = BASES["service"]
ENVIRONMENT = BASES["environment"]
SPEC = """\
proton: ServiceSpec
instances:
  - name: prod-one
    environment: prod-env
  - name: prod-two
    environment: prod-env
"""
OPS = """\
sync:
  services:
    frontend-svc:
      prod-one:
        branch: main
        spec: ./svc/prod.yaml
"""


def at(prefix: str, files: dict[str, str]) -> dict[str, str]:
    return {f"{prefix}/{rel}": text for rel, text in files.items()}


def lint(linter: Linter, root: Path, *paths: Path, **options) -> list:
    if options:
        linter = Linter(replace(linter.options, **options))
    return linter.run(list(paths) or [root]).findings


def hits(findings: list, *rules: str) -> list[tuple[str, int | None, str]]:
    """(path relative to the tmp folder, line, rule) of the findings of ``rules``, sorted."""
    out = []
    for f in findings:
        if f.rule in rules:
            path = f.path.replace("\\", "/")
            out.append((path[path.index("/t/") + 3 :] if "/t/" in path else path, f.line, f.rule))
    return sorted(out)


@pytest.fixture
def tree(tmp_path: Path, write_tree):
    """Write files under tmp_path/t and return that folder."""
    root = tmp_path / "t"

    def write(files: dict[str, str]) -> Path:
        return write_tree(files, root)

    return write


# -- parsing helpers ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("fargate-env:1", ("fargate-env", 1)),
        ("my_env2:0", ("my_env2", 0)),
        ("a:b:1", None),
        ("fargate-env", None),
        ("fargate-env:v1", None),
        ("fargate-env:1.0", None),
        ("fargate-env:01", None),
        ("fargate-env: 1", None),
        (":1", None),
        ("my env:1", None),
        ("fargate-env:", None),
        ("x" * 101 + ":1", None),
    ],
)
def test_check_env_ref(text: str, expected) -> None:
    name, major, problem = check_env_ref(text)
    if expected is None:
        assert problem and name is None and major is None
    else:
        assert (name, major, problem) == (*expected, None)


def test_env_ref_messages_say_what_to_write() -> None:
    assert "fargate-env:1" in check_env_ref("fargate-env:v1")[2]
    assert "only the major" in check_env_ref("fargate-env:1.0")[2]
    assert "leading zeros" in check_env_ref("fargate-env:01")[2]
    assert "e.g. fargate-env:1" in check_env_ref("fargate-env")[2]


def test_parse_legacy_lines() -> None:
    refs = parse_legacy("\n# a comment\n  fargate-env:1  \r\n- vpc-env:1\nbad\n\n")
    assert [(r.text, r.span.line, r.span.column, r.ok) for r in refs] == [
        ("fargate-env:1", 3, 3, True),
        ("- vpc-env:1", 4, 1, False),
        ("bad", 5, 1, False),
    ]
    assert "looks like YAML" in refs[1].problem


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (".template-registration.yml", ".template-registration.yaml"),
        ("template-registration.yaml", ".template-registration.yaml"),
        (".template_registration.yaml", ".template-registration.yaml"),
        (".Template-Registration.YAML", ".template-registration.yaml"),
        (".compatible-env", ".compatible-envs"),
        (".compatible-envs.txt", ".compatible-envs"),
        ("compatible_envs", ".compatible-envs"),
        (".compatible-envs.yaml", ".template-registration.yaml"),
        (".template-registration.yaml", None),
        (".compatible-envs", None),
        (".template-registration.yaml.bak", None),
        ("README.md", None),
        ("cloudformation.yaml", None),
        ("registration.py", None),
    ],
)
def test_sync_file_variant(name: str, expected) -> None:
    assert sync_file_variant(name) == expected


def test_suggest_key() -> None:
    assert suggest_key("compatible_environment") == "compatible_environments"
    assert suggest_key("compatibleEnvironments") == "compatible_environments"
    assert suggest_key("Compatible-Environments") == "compatible_environments"
    assert suggest_key("supported_components") == "supported_component_sources"
    assert suggest_key("description") is None
    assert suggest_key("compatible_environments") is None


@pytest.mark.parametrize(
    ("branch", "ok"),
    [
        ("main", True),
        ("release/1.0", True),
        ("feature/x_y-z", True),
        ("release 1.0", False),
        ("a..b", False),
        ("-x", False),
        ("x.lock", False),
        ("x/", False),
        ("a//b", False),
        ("x:y", False),
        (".hidden", False),
        ("a@{b", False),
        ("end.", False),
    ],
)
def test_branch_problem(branch: str, ok: bool) -> None:
    assert (branch_problem(branch) is None) is ok


def _bundle(root: Path) -> Bundle:
    return Bundle(source=DirSource(root))


def test_compatible_environments_from_either_file(tree) -> None:
    root = tree(
        {
            "a/.template-registration.yaml": "compatible_environments:\n  - e1:1\n  - e1:2\n  - e1:1\n  - bad\n",
            "b/.compatible-envs": "e2:3\n\n",
            "c/.template-registration.yaml": "compatible_environment:\n  - e3:1\n",
            "d/.template-registration.yaml": "compatible_environments:\n  - new:1\n",
            "d/.compatible-envs": "old:1\n",
            "e/schema/schema.yaml": "schema: {}\n",
            "f/.template-registration.yaml": "compatible_environments: [\n",
        }
    )
    assert compatible_environments(_bundle(root / "a")) == [("e1", 1), ("e1", 2)]
    assert compatible_environments(_bundle(root / "b")) == [("e2", 3)]
    assert compatible_environments(_bundle(root / "c")) == [("e3", 1)]  # a misspelt key still counts
    assert compatible_environments(_bundle(root / "d")) == [("new", 1)]
    assert compatible_environments(_bundle(root / "e")) == []
    assert compatible_environments(_bundle(root / "f")) == []


# -- .template-registration.yaml ------------------------------------------------------------------
def test_f16_fixture(linter: Linter, tree) -> None:
    good = (
        "compatible_environments:\n  - fargate-env:1\n  - fargate-env:2\n"
        "supported_component_sources:\n  - DIRECTLY_DEFINED\n"
    )
    bad = "compatible_environment:\n  - fargate-env\nsupported_component_sources:\n  - directly_defined\n"
    root = tree({**at("good/v1", {**SERVICE, ".template-registration.yaml": good})})
    root = tree({**at("bad/v1", {**SERVICE, ".template-registration.yaml": bad})})
    found = lint(linter, root)
    reg = "bad/v1/.template-registration.yaml"
    assert hits(found, "PL702", "PL703", "PL704") == [(reg, 1, "PL704"), (reg, 2, "PL702"), (reg, 4, "PL703")]
    assert all(f.severity is Severity.ERROR for f in found if f.rule in ("PL702", "PL703", "PL704"))
    assert "did you mean compatible_environments" in next(f.message for f in found if f.rule == "PL704")
    assert "upper case" in next(f.message for f in found if f.rule == "PL703")


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("compatible_environments:\n  - my-env: 1\n", 2, "as a mapping"),
        ("compatible_environments:\n  - 12\n", 2, "quote it"),
        ("compatible_environments: my-env:1\n", 1, "must be a list"),
        ("compatible_environments: []\n", 1, "lists no environment"),
        ("compatible_environments:\n", 1, "lists no environment"),
        ("supported_component_sources: [DIRECTLY_DEFINED]\n", 1, "is missing"),
        ("- my-env:1\n", 1, "must be a mapping"),
        ("# nothing\n", 1, "is empty"),
        ("compatible_environments:\n" + "".join(f"  - env{i}:1\n" for i in range(11)), 12, "at most 10"),
    ],
)
def test_compatible_environments_invalid(linter: Linter, tree, text: str, line: int, words: str) -> None:
    root = tree(at("svc/v1", {**SERVICE, ".template-registration.yaml": text}))
    found = [f for f in lint(linter, root) if f.rule == "PL702"]
    assert [(f.line, words in f.message) for f in found] == [(line, True)], [f.message for f in found]


def test_legacy_file_entries_are_checked(linter: Linter, tree) -> None:
    root = tree(
        {
            **at("a/v1", {**SERVICE, ".compatible-envs": "fargate-env:1\n- vpc-env:1\nvpc-env:v2\n"}),
            **at("b/v1", {**SERVICE, ".compatible-envs": "\n\n"}),
        }
    )
    found = lint(linter, root)
    assert hits(found, "PL702") == [
        ("a/v1/.compatible-envs", 2, "PL702"),
        ("a/v1/.compatible-envs", 3, "PL702"),
        ("b/v1/.compatible-envs", 1, "PL702"),
    ]
    assert hits(found, "PL705") == [("a/v1/.compatible-envs", 1, "PL705"), ("b/v1/.compatible-envs", 1, "PL705")]
    assert {f.severity for f in found if f.rule == "PL705"} == {Severity.INFO}


def test_unrelated_unknown_key_is_a_warning(linter: Linter, tree) -> None:
    text = "compatible_environments:\n  - my-env:1\ndescription: x\ncompatible_environment:\n  - other:1\n"
    root = tree(at("svc/v1", {**SERVICE, ".template-registration.yaml": text}))
    found = [f for f in lint(linter, root) if f.rule == "PL704"]
    assert [(f.line, f.severity) for f in found] == [(3, Severity.WARNING), (4, Severity.ERROR)]
    assert "also present" in found[1].message


def test_both_files_conflict_names_the_difference(linter: Linter, tree) -> None:
    files = {".template-registration.yaml": "compatible_environments:\n  - a:1\n", ".compatible-envs": "b:1\n"}
    root = tree(at("svc/v1", {**SERVICE, **files}))
    found = lint(linter, root)
    [conflict] = [f for f in found if f.rule == "PL706"]
    assert conflict.path.endswith(".compatible-envs") and "disagree: a:1 there, b:1 here" in conflict.message
    assert not [f for f in found if f.rule == "PL705"]


def test_yaml_errors_are_left_to_pl106(linter: Linter, tree) -> None:
    root = tree(at("svc/v1", {**SERVICE, ".template-registration.yaml": "compatible_environments: [\n"}))
    found = lint(linter, root)
    assert [f.rule for f in found if f.rule.startswith("PL7") or f.rule == "PL106"] == ["PL106"]


# -- REG-01 ---------------------------------------------------------------------------------------
def test_missing_registration_needs_evidence_of_sync(linter: Linter, tree) -> None:
    root = tree(at("alone/v1", SERVICE))
    assert hits(lint(linter, root), "PL701") == []
    tree(at("synced/v1", {**SERVICE, ".compatible-envs": "e:1\n"}))
    assert hits(lint(linter, root), "PL701") == [("alone/v1", None, "PL701")]


def test_missing_registration_not_reported_for_environments_or_flat_layouts(linter: Linter, tree) -> None:
    root = tree(
        {
            **at("synced/v1", {**SERVICE, ".compatible-envs": "e:1\n"}),
            **at("env/v1", ENVIRONMENT),
            **at("service", SERVICE),
        }
    )
    assert hits(lint(linter, root), "PL701") == []


# -- REG-06 ---------------------------------------------------------------------------------------
def test_compatible_environment_lookup(linter: Linter, tree) -> None:
    registration = "compatible_environments:\n  - vpc-env:1\n  - vpc-env:2\n  - vpc-evn:1\n  - svc:1\n  - far-away:1\n"
    root = tree(
        {
            **at("envs/vpc-env/v1", ENVIRONMENT),
            **at("svcs/svc/v1", {**SERVICE, ".template-registration.yaml": registration}),
        }
    )
    found = [f for f in lint(linter, root) if f.rule == "PL707"]
    assert [f.line for f in found] == [3, 4, 5, 6]
    assert "no major version 2 here (its major-version folders: v1)" in found[0].message
    assert "did you mean vpc-env?" in found[1].message
    assert "is a service template here" in found[2].message
    assert all(f.severity is Severity.WARNING for f in found)


def test_compatible_environment_lookup_is_quiet_without_environment_templates(linter: Linter, tree) -> None:
    root = tree(at("svc/v1", {**SERVICE, ".template-registration.yaml": "compatible_environments:\n  - x:1\n"}))
    assert hits(lint(linter, root), "PL707") == []


def test_compatible_environment_lookup_reads_the_legacy_file(linter: Linter, tree) -> None:
    root = tree({**at("env/v1", ENVIRONMENT), **at("svc/v1", {**SERVICE, ".compatible-envs": "env:1\nenv:2\n"})})
    assert hits(lint(linter, root), "PL707") == [("svc/v1/.compatible-envs", 2, "PL707")]


# -- misnamed, misplaced, wrong kind --------------------------------------------------------------
def test_misnamed_and_misplaced_files(linter: Linter, tree) -> None:
    root = tree(
        {
            **at("a/v1", {**SERVICE, "template-registration.yaml": "compatible_environments: [e:1]\n"}),
            **at("b/v1", {**SERVICE, ".compatible-envs": "e:1\n", ".compatible-env": "e:1\n"}),
            **at("c/v1", {**SERVICE, "schema/.template-registration.yaml": "compatible_environments: [e:1]\n"}),
            **at("d/v1", SERVICE),
            **at("d/v2", SERVICE),
            "d/.template-registration.yaml": "compatible_environments: [e:1]\n",
        }
    )
    found = lint(linter, root)
    assert hits(found, "PL708") == [
        ("a/v1/template-registration.yaml", 1, "PL708"),
        ("b/v1/.compatible-env", 1, "PL708"),
        ("c/v1/schema/.template-registration.yaml", 1, "PL708"),
        ("d/.template-registration.yaml", 1, "PL708"),
    ]
    severity = {f.path.split("/t/")[-1]: f.severity for f in found if f.rule == "PL708"}
    assert severity["b/v1/.compatible-env"] is Severity.WARNING  # the correctly named file exists
    assert severity["a/v1/template-registration.yaml"] is Severity.ERROR
    assert severity["d/.template-registration.yaml"] is Severity.ERROR
    assert hits(found, "PL701") == []  # the misnamed file is the finding, not a missing one


def test_registration_file_in_a_component(linter: Linter, tree) -> None:
    root = tree(at("components/c", {**BASES["component"], ".template-registration.yaml": "x: 1\n"}))
    found = lint(linter, root)
    assert hits(found, "PL709") == [("components/c/.template-registration.yaml", 1, "PL709")]
    assert not [f for f in found if f.rule in ("PL702", "PL704")]


def test_template_kind_mixed(linter: Linter, tree) -> None:
    root = tree({**at("tpl/v1", ENVIRONMENT), **at("tpl/v2", SERVICE), **at("tpl/v3", ENVIRONMENT)})
    found = [f for f in lint(linter, root) if f.rule == "PL711"]
    assert [f.path.split("/t/")[-1] for f in found] == ["tpl/v2"]
    assert "tpl/v2 is a service bundle, but tpl/v1 is an environment bundle" in found[0].message


# -- SYNC-06 --------------------------------------------------------------------------------------
def test_template_name_ambiguous_within_one_repository(linter: Linter, tree) -> None:
    root = tree({**at("cfn/vpc-env/v1", ENVIRONMENT), **at("tf/vpc-env/v1", ENVIRONMENT), **at("x/v1", ENVIRONMENT)})
    found = hits(lint(linter, root), "PL710")
    assert found == [("cfn/vpc-env", None, "PL710"), ("tf/vpc-env", None, "PL710")]


def test_template_name_ambiguity_stops_at_repository_boundaries(linter: Linter, tree) -> None:
    root = tree({**at("one/vpc-env/v1", ENVIRONMENT), **at("two/vpc-env/v1", ENVIRONMENT)})
    (root / "one" / ".git").mkdir()
    (root / "two" / ".git").mkdir()
    assert hits(lint(linter, root), "PL710") == []


# -- proton-ops.yaml ------------------------------------------------------------------------------
def test_f17_valid_ops_file(linter: Linter, tree) -> None:
    root = tree({**at("svc-tpl/v1", SERVICE), "configuration/proton-ops.yaml": OPS, "svc/prod.yaml": SPEC})
    assert [f for f in lint(linter, root) if f.rule.startswith("PL71")] == []


def test_f17_broken_ops_file(linter: Linter, tree) -> None:
    text = "sync:\n  services:\n    - frontend svc:\n        prod-one:\n          spec: ./svc/prod.yaml\n"
    root = tree({"proton-ops.yaml": text, "svc/prod.yaml": SPEC})
    found = lint(linter, root)
    assert hits(found, "PL712", "PL713", "PL715") == [
        ("proton-ops.yaml", 3, "PL712"),
        ("proton-ops.yaml", 3, "PL715"),
        ("proton-ops.yaml", 4, "PL712"),
    ]
    messages = [f.message for f in found if f.rule == "PL712"]
    assert "services is a list" in messages[0] and "has no branch" in messages[1]


@pytest.mark.parametrize(
    ("instance", "spec", "words"),
    [
        ("i1", "./nope.yaml", "does not exist"),
        ("i1", "../../x.yaml", "outside"),
        ("gamma", "svc/prod.yaml", "lists no instance named gamma"),
        ("e", "/svc/env.yaml", "not a service spec (proton: EnvironmentSpec"),
        ("e", "svc/broken.yaml", "not valid"),
    ],
)
def test_ops_spec_mismatch(linter: Linter, tree, instance: str, spec: str, words: str) -> None:
    ops = f"sync:\n  services:\n    svc:\n      {instance}:\n        branch: main\n        spec: {spec}\n"
    root = tree(
        {
            "proton-ops.yaml": ops,
            "svc/prod.yaml": SPEC,
            "svc/env.yaml": "proton: EnvironmentSpec\nspec: {}\n",
            "svc/broken.yaml": "proton: [\n",
        }
    )
    found = [f for f in lint(linter, root) if f.rule == "PL713"]
    assert [(f.line, words in f.message) for f in found] == [(6, True)], [f.message for f in found]


def test_ops_spec_paths_relative_to_the_ops_folder_are_accepted(linter: Linter, tree) -> None:
    root = tree({"config/proton-ops.yaml": OPS.replace("./svc/prod.yaml", "prod.yaml"), "config/prod.yaml": SPEC})
    assert hits(lint(linter, root), "PL713") == []


def test_ops_shape_details(linter: Linter, tree) -> None:
    text = """\
sync:
  services:
    svc:
      i1:
        branches: main
        spec: ./svc/prod.yaml
        note: x
      i2: [main]
      i3:
        branch: ""
        spec: ./svc/prod.yaml
  extra: 1
"""
    root = tree({"my-proton-ops.yml": text, "svc/prod.yaml": SPEC})
    found = [f for f in lint(linter, root) if f.rule == "PL712"]
    assert [(f.line, f.severity) for f in found] == [
        (5, Severity.ERROR),  # branches: did you mean branch?
        (7, Severity.WARNING),  # note: not read
        (8, Severity.ERROR),  # i2 is a list
        (10, Severity.ERROR),  # empty branch
        (12, Severity.WARNING),  # extra
    ]
    assert "did you mean branch?" in found[0].message


def test_ops_yaml_errors_and_missing_sync(linter: Linter, tree) -> None:
    root = tree({"a/proton-ops.yaml": "sync: [\n", "b/proton-ops.yaml": "Sync:\n  services: {}\n"})
    found = [f for f in lint(linter, root) if f.rule == "PL712"]
    assert [(f.path.split("/t/")[-1], f.line) for f in found] == [("a/proton-ops.yaml", 1), ("b/proton-ops.yaml", 1)]
    assert "invalid YAML" in found[0].message and "lower case" in found[1].message


def test_ops_values_and_names(linter: Linter, tree) -> None:
    text = OPS.replace("branch: main", f"branch: {'b' * 201}").replace("prod-one:", "prod.one:")
    text += "    other-svc:\n      prod-two:\n        branch: release 1.0\n        spec: ./svc/prod.yaml\n"
    root = tree({"proton-ops.yaml": text, "svc/prod.yaml": SPEC})
    found = lint(linter, root)
    assert hits(found, "PL714", "PL715") == [
        ("proton-ops.yaml", 4, "PL715"),
        ("proton-ops.yaml", 5, "PL714"),
        ("proton-ops.yaml", 9, "PL714"),
    ]


def test_ops_files_are_found_by_name_skipping_dependency_folders(linter: Linter, tree) -> None:
    broken = "sync: {services: [x]}\n"
    root = tree(
        {
            "deploy/custom-proton-ops.yaml": broken,
            "node_modules/pkg/proton-ops.yaml": broken,
            "drafts/proton-ops.yaml": broken,
            "notes/proton-ops.yaml.bak": broken,
        }
    )
    found = lint(linter, root, exclude=("drafts",))
    assert {f.path.split("/t/")[-1] for f in found if f.rule == "PL712"} == {"deploy/custom-proton-ops.yaml"}


def test_ops_file_given_explicitly(linter: Linter, tree) -> None:
    root = tree({"svc-sync.yaml": "sync:\n  services:\n    Bad Name:\n      i: {branch: main, spec: x.yaml}\n"})
    found = lint(linter, root, root / "svc-sync.yaml")
    assert hits(found, "PL715") == [("svc-sync.yaml", 3, "PL715")]


def test_ops_findings_can_be_suppressed(linter: Linter, tree) -> None:
    text = OPS.replace("frontend-svc:", "Frontend Svc:  # proton-lint: ignore[PL715] legacy name")
    root = tree({"proton-ops.yaml": text, "svc/prod.yaml": SPEC})
    found = lint(linter, root)
    assert [f.rule for f in found if f.rule in ("PL715", "PL001")] == []


def test_parallel_run_gives_the_same_findings(linter: Linter, tree) -> None:
    root = tree(
        {
            **at("envs/vpc-env/v1", ENVIRONMENT),
            **at("a/v1", {**SERVICE, ".template-registration.yaml": "compatible_environments: [vpc-env:2]\n"}),
            **at("b/v1", SERVICE),
            **at("c/v1", {**SERVICE, ".template-registration.yml": "compatible_environments: [vpc-env:1]\n"}),
            "d/.compatible-envs": "vpc-env:1\n",
            **at("d/v1", SERVICE),
            "proton-ops.yaml": OPS,
        }
    )
    serial = lint(linter, root)
    assert {f.rule for f in serial} >= {"PL701", "PL707", "PL708", "PL713"}
    assert lint(linter, root, jobs=2) == serial


# -- real repositories ----------------------------------------------------------------------------
def test_examples_have_no_sync_findings(linter: Linter) -> None:
    found = [f for f in linter.run([EXAMPLES]).findings if f.rule.startswith("PL7")]
    assert found == []


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not present")
def test_corpus_known_defects_and_nothing_else() -> None:
    linter = Linter(LintOptions(entry_points=False, select=("PL7",)))
    found = linter.run([CORPUS]).findings
    codebuild = "aws-containers__proton-codebuild-provisioning-examples"
    errors = sorted(
        (f.path[f.path.index("corpus/") + 7 :], f.line, f.rule) for f in found if f.severity is Severity.ERROR
    )
    assert errors == [
        (
            f"{codebuild}/pulumi/service-templates/ecs-fargate-load-balanced-service/v1/.template-registration.yaml",
            1,
            "PL704",
        ),
        (
            f"{codebuild}/terraform/service-templates/tf-ecs-fargate-lb-service-cicd-codepipeline/v1/"
            ".template-registration.yaml",
            1,
            "PL704",
        ),
    ]
    rules = {f.rule for f in found}
    # the legacy file (AWS's own samples), one service without any sync file, and template names that
    # recur across the corpus's seven repositories (linted here as one tree without .git folders)
    assert rules == {"PL704", "PL705", "PL701", "PL710"}
    assert [f.path.split("corpus/")[-1] for f in found if f.rule == "PL701"] == [
        "aws-samples__aws-proton-terraform-sample-templates/lambda-vpc/sample-lambda-function-template/v1"
    ]
    assert all(f.severity is Severity.INFO for f in found if f.rule == "PL705")


REPOSITORIES = sorted(p.name for p in CORPUS.iterdir() if p.is_dir()) if CORPUS.is_dir() else []


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not present")
@pytest.mark.parametrize("repository", REPOSITORIES)
def test_corpus_repositories_alone_have_no_ambiguous_names(repository: str) -> None:
    linter = Linter(LintOptions(entry_points=False, select=("PL710", "PL711", "PL707")))
    assert linter.run([CORPUS / repository]).findings == []


def test_compatible_environment_bundles(linter: Linter, tree) -> None:
    from proton_lint.discover import discover
    from proton_lint.repo import Repository
    from proton_lint.sync_files import compatible_environment_bundles

    root = tree(
        {
            **at("env/v1", ENVIRONMENT),
            **at("env/v2", ENVIRONMENT),
            **at("svc/v1", {**SERVICE, ".template-registration.yaml": "compatible_environments: [env:2, gone:1]\n"}),
        }
    )
    repo = Repository(discover([root]).bundles, [root])
    service = next(b for b in repo.bundles if b.template_name == "svc")
    assert [(b.template_name, b.major) for b in compatible_environment_bundles(service)] == [("env", 2)]
