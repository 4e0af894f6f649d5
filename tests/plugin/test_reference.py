"""docs/testing.md's reference section is generated from the code and complete (issue 12)."""

from __future__ import annotations

import inspect

from pytest_proton import plugin, reference


def test_the_reference_section_is_current() -> None:
    text = reference.DOC.read_text(encoding="utf-8")
    assert reference.START in text, "run: python -m pytest_proton.reference --write"
    assert reference.replaced(text, reference.markdown()) == text, "run: python -m pytest_proton.reference --write"


def test_every_public_fixture_is_listed() -> None:
    defined = {
        name
        for name, value in vars(plugin).items()
        if not name.startswith("_") and hasattr(value, "_fixture_function_marker")
    }
    assert defined == set(reference.FIXTURES)


def test_every_argument_attribute_and_method_is_described() -> None:
    section = reference.markdown()
    classes = reference._classes()
    undescribed = []
    for line in section.splitlines():
        if line.startswith(("* `", "  * `")) and line.rstrip().endswith(":"):
            undescribed.append(line)
        if line.startswith(("* `", "  * `")) and line.split("`:", 1)[-1].strip() == "":
            undescribed.append(line)
    for name in (*reference.FACTORIES, *reference.HANDLES):
        cls = classes[name]
        assert reference.summary(cls.__doc__), f"{name} has no docstring"
        for member_name, member in reference.members(cls):
            function = member.fget if isinstance(member, property) else member
            if not reference.summary(function.__doc__):
                undescribed.append(f"{name}.{member_name}")
            if not isinstance(member, property):
                for param in list(inspect.signature(member).parameters)[1:]:
                    if f"`{param}`" not in section:
                        undescribed.append(f"{name}.{member_name}({param})")
    assert not undescribed, undescribed


def test_documented_methods_from_the_issue_are_in_the_reference() -> None:
    section = reference.markdown()
    for call in ("update(spec, *, environments=None", "cancel(*, wait=True", "update(*, template_file=None"):
        assert call in section
    for attribute in ("`inputs` (property)", "`is_version`", "`spec` (property)"):
        assert attribute in section
