"""Family 1 (§8 names): template folder names and major-version folders of the template-sync layout."""

from __future__ import annotations

import re
from collections.abc import Iterable

from proton_lint.bundle import Bundle
from proton_lint.findings import Finding, Severity
from proton_lint.rules import Example, Rule

#: SM:ResourceName, the pattern of template names (API-01).
RESOURCE_NAME = re.compile(r"^[0-9A-Za-z]+[0-9A-Za-z_\-]*$")
RESOURCE_NAME_MAX = 100


class TemplateNameInvalid(Rule):
    id = "PL118"
    slug = "template-name-invalid"
    severity = Severity.ERROR
    summary = "The template folder of a `<template>/vN/` layout is not a valid Proton template name."
    what = (
        "In the template-sync layout the folder above `vN/` is the template's name. It must match "
        "`^[0-9A-Za-z]+[0-9A-Za-z_-]*$` and be at most 100 characters."
    )
    why = (
        "Template sync matches the folder name to the registered template exactly; a name Proton cannot "
        "register never syncs."
    )
    fix = "Rename the folder: letters, digits, `-` and `_`, starting with a letter or digit."
    source = "API-01, SYNC-01, BND-03, [API] SM:ResourceName; [DOC] UG:ag-template-sync-configs.md"
    bad = Example(files={}, location="My Env/v1")
    good = Example(files={}, location="my-env/v1")

    def applies(self, bundle: Bundle) -> bool:
        return bundle.layout == "sync" and bundle.template_name is not None

    def check(self, bundle: Bundle) -> Iterable[Finding]:
        name = bundle.template_name or ""
        if not RESOURCE_NAME.match(name):
            yield self.finding(
                bundle, "", f"template folder {name!r} is not a valid template name (letters, digits, - and _)"
            )
        elif len(name) > RESOURCE_NAME_MAX:
            yield self.finding(bundle, "", f"template folder name has {len(name)} characters; the limit is 100")


class VersionFolderInvalid(Rule):
    id = "PL119"
    slug = "version-folder-invalid"
    severity = Severity.ERROR
    summary = "A major-version folder must be `v<major>`, like `v1`, without leading zeros."
    what = (
        "Reports folders that look like a version folder but are not Proton's form, such as `version1`, "
        "`v01`, `V2` or `v1.0`."
    )
    why = (
        "Template sync maps `vN` to major version N (`TemplateVersionPart`, no leading zeros); other names "
        "are not recognised, so nothing syncs."
    )
    fix = "Rename the folder to `v` followed by the major version: `v1`, `v2`."
    source = "SYNC-02, API-03, [DOC] UG:ag-template-sync-configs.md; [API] SM:TemplateVersionPart"
    bad = Example(files={}, location="my-env/version1")
    good = Example(files={}, location="my-env/v1")

    def applies(self, bundle: Bundle) -> bool:
        return bundle.layout == "sync"

    def check(self, bundle: Bundle) -> Iterable[Finding]:
        if bundle.major is None:
            yield self.finding(
                bundle, "", f"version folder {bundle.version_dir!r} is not of the form v<major> (v1, v2, ...)"
            )


RULES = (TemplateNameInvalid, VersionFolderInvalid)
