"""Fuzzing sample specs given with ``--spec`` (issue 10: bounded, and no false pass).

Specs are built from Proton-shaped data (``proton:`` values, instances with good and bad names,
inputs, pipelines, stray keys), YAML-shaped text, line mutations of a valid spec, empty files,
duplicated keys and thousands of instances. For each, against a service and an environment
template, the spec index must:

* never raise, and place every report at a line of the file;
* never judge an instance Proton could not take (past the 20th, the count is the finding);
* never pass a spec Proton refuses: no content, a ``proton:`` value that is not exactly the
  template's spec kind, a shape that is not a mapping, an ``instances`` list that is not 1-20
  entries, a duplicated key, or more than 51,200 characters each give an error-level report.

``PROTON_LINT_FUZZ_SCALE`` multiplies the examples, as in test_fuzz.py.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st

from proton_lint.bundle import BundleKind
from proton_lint.discover import discover
from proton_lint.engine import LintOptions
from proton_lint.repo import Repository
from proton_lint.spec import KIND_SPEC, MAX_INSTANCES, MAX_SPEC_CHARS, REFUSED_CODES, build_index

from .bundles import write_bundle
from .test_fuzz import FAST, SCALE, _shaped_key, _shaped_leaf, mutated_lines, proton_shaped, yaml_shaped

SPECS = settings(FAST, max_examples=200 * SCALE)

_VALID = {
    BundleKind.SERVICE: (
        "proton: ServiceSpec\npipeline:\n  dockerfile: Dockerfile\ninstances:\n"
        "  - name: api-dev\n    environment: dev\n    spec:\n      port: 8080\n"
    ),
    BundleKind.ENVIRONMENT: "proton: EnvironmentSpec\nspec:\n  vpc_cidr: 10.0.0.0/16\n",
}

_names = st.sampled_from(["api-dev", "a b", "", "-x", "x" * 101, "ok_1", "é"]) | _shaped_leaf
_inputs = st.dictionaries(st.sampled_from(["port", "vpc_cidr", "dockerfile", "nope"]) | _shaped_key, _shaped_leaf)
_instance = st.fixed_dictionaries(
    {},
    optional={
        "name": _names,
        "environment": _names,
        "spec": _inputs | _shaped_leaf,
        "inputs": _inputs,
        "extra": _shaped_leaf,
    },
)
_spec_data = st.fixed_dictionaries(
    {},
    optional={
        "proton": st.sampled_from(["ServiceSpec", "EnvironmentSpec", "servicespec", "Spec", " ServiceSpec"])
        | _shaped_leaf,
        "instances": st.lists(_instance | _shaped_leaf, max_size=24) | _shaped_leaf,
        "pipeline": _inputs | _shaped_leaf,
        "spec": _inputs | _shaped_leaf,
        "extra": proton_shaped,
    },
)


@st.composite
def many_instances(draw: st.DrawFn) -> str:
    """Hundreds or thousands of one-line instances, some over the size limit."""
    count = draw(st.integers(MAX_INSTANCES - 1, 3000))
    name = draw(st.sampled_from(["i{i}", "'bad {i}'", "same"]))
    lines = "".join(f"- {{name: {name.format(i=i)}, environment: dev}}\n" for i in range(count))
    return f"proton: {draw(st.sampled_from(['ServiceSpec', 'EnvironmentSpec']))}\ninstances:\n{lines}"


@st.composite
def duplicated(draw: st.DrawFn, kind: BundleKind) -> str:
    """A valid spec with one of its lines repeated as the last key of its mapping."""
    lines = _VALID[kind].splitlines(keepends=True)
    keyed = [line for line in lines if ":" in line and not line.lstrip().startswith("-")]
    return "".join(lines) + draw(st.sampled_from(keyed))


@st.composite
def spec_text(draw: st.DrawFn, kind: BundleKind) -> str:
    how = draw(st.sampled_from(["data", "data", "data", "shaped", "lines", "empty", "many", "duplicate"]))
    if how == "data":
        return yaml.safe_dump(draw(_spec_data), sort_keys=False, allow_unicode=True)
    if how == "shaped":
        return draw(yaml_shaped())
    if how == "lines":
        return draw(mutated_lines(_VALID[kind]))
    if how == "empty":
        return draw(st.sampled_from(["", "\ufeff", "# nothing\n", "~\n", "---\n", "\ufeff\n \n"]))
    if how == "many":
        return draw(many_instances())
    return draw(duplicated(kind))


@pytest.fixture(scope="module")
def repos() -> Iterator[dict[BundleKind, tuple[Path, list]]]:
    """One repository per kind (bundles discovered once), and the folder the spec file is written to."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        out = {}
        for kind, base in ((BundleKind.SERVICE, "service"), (BundleKind.ENVIRONMENT, "environment")):
            folder = write_bundle(root / kind.value / "v1", base).parent
            out[kind] = (folder, discover([folder]).bundles)
        yield out


def _judge(repos: dict, kind: BundleKind, text: str):
    folder, bundles = repos[kind]
    path = folder.parent / f"{kind.value}-spec.yaml"
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    index = build_index(Repository(bundles, [folder], LintOptions(entry_points=False, spec_files=(path,))))
    spec = next(s for s in index.specs if s.origin == "cli")
    return spec, [r for r in index.reports() if r.display == spec.display]


def _refused(spec, kind: BundleKind, text: str) -> list[str]:
    """Why Proton refuses this spec, judged independently of the linter's own code paths."""
    doc, data = spec.doc, spec.data
    why = []
    if len(text) > MAX_SPEC_CHARS:
        why.append("size")
    if any(p.kind == "duplicate-key" for p in doc.problems):
        why.append("duplicate")
    if not isinstance(data, dict):
        return [*why, "not a mapping"]
    if data.get("proton") != KIND_SPEC[kind]:
        why.append("proton")
    if kind is BundleKind.SERVICE:
        instances = data.get("instances")
        if not isinstance(instances, list) or not 1 <= len(instances) <= MAX_INSTANCES:
            why.append("instances")
    return why


@SPECS
@given(st.sampled_from([BundleKind.SERVICE, BundleKind.ENVIRONMENT]), st.data())
@example(BundleKind.SERVICE, None)
@example(BundleKind.ENVIRONMENT, None)
def test_a_spec_is_never_a_false_pass(repos: dict, kind: BundleKind, data: st.DataObject | None) -> None:
    text = data.draw(spec_text(kind)) if data is not None else _VALID[kind]
    spec, reports = _judge(repos, kind, text)
    lines = max(1, text.count("\n") + 1)
    for report in reports:
        assert report.message.strip() and 1 <= report.span.line <= lines, report
        if report.at[:1] == ("instances",) and len(report.at) > 1 and isinstance(report.at[1], int):
            assert report.at[1] <= MAX_INSTANCES, report  # instances past the 20th are not judged one by one
    errors = [r for r in reports if r.code in REFUSED_CODES]
    why = _refused(spec, kind, text)
    if why:
        assert errors, (why, text[:300])
    if data is None:
        assert reports == []  # the valid samples stay clean
