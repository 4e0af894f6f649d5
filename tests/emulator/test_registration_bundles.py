"""Registration of template versions from bundles in moto's S3, checked by the linter's structural rules."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from . import bundles
from .conftest import error_of

CHECKER = (
    Path(__file__).resolve().parents[2]
    / ".."
    / "shared"
    / "corpus"
    / "aws-samples__aws-proton-template-checker-action"
    / "test"
    / "sample_templates"
)


def _register(client: Any, source: dict[str, Any], kind: str = "environment", **params: Any) -> dict[str, Any]:
    if kind == "environment":
        client.create_environment_template(name="t")
        client.create_environment_template_version(templateName="t", source=source, **params)
        return client.get_environment_template_version(templateName="t", majorVersion="1", minorVersion="0")[
            "environmentTemplateVersion"
        ]
    client.create_service_template(name="t")
    client.create_service_template_version(templateName="t", source=source, **params)
    return client.get_service_template_version(templateName="t", majorVersion="1", minorVersion="0")[
        "serviceTemplateVersion"
    ]


def test_a_valid_bundle_registers_with_its_schema_text(proton: Any, s3: Any) -> None:
    files = bundles.base("environment")
    created = proton.create_environment_template(name="t")
    assert created
    version = proton.create_environment_template_version(
        templateName="t", source=bundles.upload(s3, "ok.tar.gz", files, bucket="mine")
    )["environmentTemplateVersion"]
    assert version["status"] == "REGISTRATION_IN_PROGRESS"
    got = proton.get_environment_template_version(templateName="t", majorVersion="1", minorVersion="0")
    assert got["environmentTemplateVersion"]["status"] == "DRAFT"
    assert got["environmentTemplateVersion"]["schema"] == files["schema/schema.yaml"]


def test_a_bundle_in_a_folder_of_the_archive_registers(proton: Any, s3: Any) -> None:
    source = {"s3": {"bucket": "bundles", "key": "nested.tar.gz"}}
    s3.put_object(Bucket="bundles", Key="nested.tar.gz", Body=bundles.archive(bundles.base("environment"), "env"))
    assert _register(proton, source)["status"] == "DRAFT"


@pytest.mark.parametrize(("bucket", "key", "what"), [("nope", "x.tar.gz", "bucket 'nope'"), ("bundles", "x", "'x'")])
def test_a_missing_bucket_or_object_is_refused_at_create(proton: Any, bucket: str, key: str, what: str) -> None:
    proton.create_environment_template(name="t")
    with pytest.raises(ClientError) as excinfo:
        proton.create_environment_template_version(templateName="t", source={"s3": {"bucket": bucket, "key": key}})
    code, message = error_of(excinfo)
    assert code == "ValidationException"
    assert what in message and f"s3://{bucket}/{key}" in message
    assert proton.list_environment_template_versions(templateName="t")["templateVersions"] == []


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"schema/schema.yaml": None}, "PL101"),
        ({"infrastructure/manifest.yaml": "infrastructure:\n  templates: []\n"}, "PL201"),
        ({"schema/schema.yaml": "schema:\n  format: [\n"}, "schema/schema.yaml:2: invalid YAML"),
        ({"infrastructure/cloudformation.yaml": None}, "cloudformation.yaml"),
    ],
)
def test_a_broken_bundle_fails_registration_naming_the_problem(
    proton: Any, s3: Any, overrides: dict[str, str | None], expected: str
) -> None:
    files = {**bundles.base("environment"), **overrides}
    source = bundles.upload(s3, "bad.tar.gz", {k: v for k, v in files.items() if v is not None})
    version = _register(proton, source)
    assert version["status"] == "REGISTRATION_FAILED"
    assert "s3://bundles/bad.tar.gz" in version["statusMessage"] and expected in version["statusMessage"]
    with pytest.raises(ClientError) as excinfo:
        proton.update_environment_template_version(
            templateName="t", majorVersion="1", minorVersion="0", status="PUBLISHED"
        )
    assert error_of(excinfo)[0] == "ConflictException"


def test_a_service_bundle_is_not_an_environment_template(proton: Any) -> None:
    version = _register(proton, {"s3": {"bucket": "bundles", "key": "svc.tar.gz"}})
    assert version["status"] == "REGISTRATION_FAILED"
    assert "needs an environment bundle, but this one is a service bundle" in version["statusMessage"]


def test_not_an_archive(proton: Any, s3: Any) -> None:
    version = _register(proton, bundles.upload(s3, "junk.tar.gz", b"not a tar"))
    assert version["status"] == "REGISTRATION_FAILED"
    assert "not a readable .tar.gz" in version["statusMessage"]


def test_an_incompatible_minor_version_is_refused(proton: Any, s3: Any) -> None:
    source = {"s3": {"bucket": "bundles", "key": "env.tar.gz"}}
    assert _register(proton, source)["status"] == "DRAFT"
    schema = bundles.base("environment")["schema/schema.yaml"]
    breaking = schema.replace('          default: "10.0.0.0/16"\n', "") + "      required: [vpc_cidr]\n"
    bad = bundles.upload(
        s3, "v11.tar.gz", bundles.base("environment", schema__schema_yaml=None) | {"schema/schema.yaml": breaking}
    )
    proton.create_environment_template_version(templateName="t", majorVersion="1", source=bad)
    got = proton.get_environment_template_version(templateName="t", majorVersion="1", minorVersion="1")
    message = got["environmentTemplateVersion"]["statusMessage"]
    assert got["environmentTemplateVersion"]["status"] == "REGISTRATION_FAILED"
    assert "not backward compatible with 1.0" in message and "vpc_cidr" in message
    proton.create_environment_template_version(templateName="t", source=bad)  # a new major may break
    got = proton.get_environment_template_version(templateName="t", majorVersion="2", minorVersion="0")
    assert got["environmentTemplateVersion"]["status"] == "DRAFT"


@pytest.mark.skipif(not CHECKER.is_dir(), reason="the corpus (../shared/corpus) is not here")
@pytest.mark.parametrize("fixture", ["invalid_jinja_syntax_template", "invalid_jinja_template"])
def test_the_checker_s_broken_fixtures_fail(proton: Any, s3: Any, fixture: str) -> None:
    """As published they use the pre-GA ``engine:`` key, which Proton refuses at registration."""
    files = bundles.folder_files(CHECKER / fixture)
    proton.create_environment_template(name="env")
    proton.create_environment_template_version(
        templateName="env", source={"s3": {"bucket": "bundles", "key": "env.tar.gz"}}
    )
    version = _register(
        proton,
        bundles.upload(s3, f"{fixture}.tar.gz", files),
        kind="service",
        compatibleEnvironmentTemplates=[{"templateName": "env", "majorVersion": "1"}],
    )
    assert version["status"] == "REGISTRATION_FAILED"
    assert "instance_infrastructure/manifest.yaml:4" in version["statusMessage"]
    assert "rendering_engine" in version["statusMessage"] and "PL203" in version["statusMessage"]
