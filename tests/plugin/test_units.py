"""Unit tests of the plugin's small modules: names, specs, bundle location and archives, component calls."""

from __future__ import annotations

import io
import re
import tarfile
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import yaml

from pytest_proton import bundle_upload, specs
from pytest_proton.naming import Namer, run_token
from pytest_proton.targets import Settings, check_real_account_opt_in, is_real_aws

from .conftest import ROOT

EXAMPLES = ROOT / "examples"
NAME = re.compile(r"^[0-9A-Za-z]+[0-9A-Za-z_\-]*$")


def test_names_are_unique_valid_and_bounded() -> None:
    gw0, gw1 = Namer("abc1", "gw0"), Namer("abc1", "gw1")
    names = [gw0("vpc-env"), gw0("vpc-env"), gw1("vpc-env"), gw0("x" * 200), gw0("--weird name!"), gw0("_x")]
    assert len(set(names)) == len(names)
    assert all(NAME.match(n) and len(n) <= 100 for n in names)
    assert names[0] == "vpc-env-abc10001"
    assert names[2] == "vpc-env-abc11001"
    assert Namer("abc1", "main")("net") == "net-abc10001"
    bucket = gw1.bucket("123456789012", "eu-west-1")
    assert bucket == bucket.lower() and len(bucket) <= 63 and "abc11" in bucket


def test_suffixes_have_one_length_with_or_without_xdist() -> None:
    """A template truncating names renders the same under -n 2 as in one process (issue 12)."""
    run = run_token("f" * 32)
    lengths = {len(Namer(run, worker)("svc")) for worker in ("main", "gw0", "gw1", "gw9", "gw35")}
    assert lengths == {len("svc") + 9}
    assert len(run_token()) == 4 and run_token("ab12cd") == run_token("ab12cd")
    with pytest.raises(ValueError, match="up to 36 xdist workers"):
        Namer(run, "gw36")


def test_environment_spec_forms(tmp_path: Path) -> None:
    assert yaml.safe_load(specs.environment_spec({"a": 1})) == {"proton": "EnvironmentSpec", "spec": {"a": 1}}
    text = "proton: EnvironmentSpec\nspec:\n  a: 2\n"
    assert yaml.safe_load(specs.environment_spec(text))["spec"] == {"a": 2}
    (tmp_path / "s.yaml").write_text(text)
    assert yaml.safe_load(specs.environment_spec(tmp_path / "s.yaml"))["spec"] == {"a": 2}
    assert yaml.safe_load(specs.environment_spec(str(tmp_path / "s.yaml")))["spec"] == {"a": 2}
    with pytest.raises(TypeError):
        specs.environment_spec(42)


class FakeLifecycle:
    def __init__(self, **environments: Any) -> None:
        self.environments = environments

    def find_environment(self, logical: str) -> Any:
        return self.environments.get(logical)

    def all_environments(self) -> list[Any]:
        return list(self.environments.values())


def _env(logical: str, name: str) -> Any:
    return SimpleNamespace(logical_name=logical, name=name)


SERVICE_SPEC = {
    "instances": [{"name": "one", "environment": "dev"}, {"name": "two", "environment": "prod"}],
}


def _mapped(lifecycle: Any, environments: Any = None) -> dict[str, str]:
    document = yaml.safe_load(specs.service_spec(SERVICE_SPEC, lifecycle, environments))
    assert document["proton"] == "ServiceSpec"
    return {i["name"]: i["environment"] for i in document["instances"]}


def test_instances_map_onto_the_tests_environments() -> None:
    dev, prod = _env("dev", "dev-r1-1"), _env("prod", "prod-r1-2")
    assert _mapped(FakeLifecycle(dev=dev, prod=prod)) == {"one": "dev-r1-1", "two": "prod-r1-2"}
    assert _mapped(FakeLifecycle(), dev) == {"one": "dev-r1-1", "two": "dev-r1-1"}
    assert _mapped(FakeLifecycle(), [dev, prod]) == {"one": "dev-r1-1", "two": "prod-r1-2"}
    assert _mapped(FakeLifecycle(), {"dev": dev, "prod": "existing"}) == {"one": "dev-r1-1", "two": "existing"}
    assert SERVICE_SPEC["instances"][0]["environment"] == "dev"  # the caller's dict is left alone
    with pytest.raises(LookupError, match=r"wants environment 'prod'.*it made: dev.*name='prod'"):
        _mapped(FakeLifecycle(dev=dev))


def test_locate_the_example_bundles() -> None:
    env = bundle_upload.locate(EXAMPLES / "environment-templates" / "vpc-env")
    assert (env.kind, env.logical_name, env.path.name) == ("environment", "vpc-env", "v1")
    assert env.sample_spec == EXAMPLES / "environment-templates" / "vpc-env" / "spec" / "spec.yaml"
    svc = bundle_upload.locate(EXAMPLES / "service-templates" / "queue-worker-svc" / "v1")
    assert (svc.kind, svc.has_pipeline) == ("service", True)
    assert svc.compatible_environments == (("vpc-env", 1),)
    assert svc.supported_component_sources == ("DIRECTLY_DEFINED",)
    component = bundle_upload.locate(EXAMPLES / "component-templates" / "cache-component")
    assert component.kind == "component"
    with pytest.raises(FileNotFoundError):
        bundle_upload.locate(EXAMPLES)


def _tree(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return root


ENV_BUNDLE = {
    "net/v1/schema/schema.yaml": (
        'schema:\n  format:\n    openapi: "3.0.0"\n  environment_input_type: "In"\n  types:\n    In:\n'
        "      type: object\n      properties:\n        cidr:\n          type: string\n"
    ),
    "net/v1/infrastructure/manifest.yaml": (
        "infrastructure:\n  templates:\n    - file: cloudformation.yaml\n      rendering_engine: jinja\n"
        "      template_language: cloudformation\n"
    ),
    "net/v1/infrastructure/cloudformation.yaml": "Resources: {}\n",
}


@pytest.mark.parametrize(
    ("where", "extra"),
    [
        ("specs folder beside the template folder", {"specs/net-spec.yaml": "proton: EnvironmentSpec\nspec: {}\n"}),
        ("spec folder in the bundle", {"net/v1/spec/spec.yaml": "proton: EnvironmentSpec\nspec: {}\n"}),
        (
            "named in the configuration",
            {
                ".proton-lint.yaml": "specs:\n  'net/*':\n    - samples/dev.yaml\n",
                "samples/dev.yaml": "proton: EnvironmentSpec\nspec: {}\n",
            },
        ),
    ],
)
def test_locate_finds_specs_where_the_linter_does(tmp_path: Path, where: str, extra: dict[str, str]) -> None:
    (tmp_path / ".git").mkdir()
    _tree(tmp_path, {**ENV_BUNDLE, **extra})
    bundle = bundle_upload.locate(tmp_path / "net")
    assert bundle.sample_spec is not None, where
    assert (
        bundle.sample_spec.name
        == {"specs": "net-spec.yaml", "spec": "spec.yaml", "named": "dev.yaml"}[where.split(maxsplit=1)[0]]
    )


def test_proton_inputs_sample_is_the_last_resort(tmp_path: Path) -> None:
    from pytest_proton.factories import _default_spec

    (tmp_path / ".git").mkdir()
    sample = '{"environment": {"name": "dev", "inputs": {"cidr": "10.2.0.0/16"}}}'
    _tree(tmp_path, {**ENV_BUNDLE, "net/v1/infrastructure/proton-inputs.json": sample})
    bundle = bundle_upload.locate(tmp_path / "net")
    assert bundle.sample_spec is None and bundle.input_samples
    assert _default_spec(bundle) == {"proton": "EnvironmentSpec", "spec": {"cidr": "10.2.0.0/16"}}


def test_missing_spec_names_the_linters_places(tmp_path: Path) -> None:
    from pytest_proton.factories import _default_spec

    (tmp_path / ".git").mkdir()
    bundle = bundle_upload.locate(_tree(tmp_path, ENV_BUNDLE) / "net")
    with pytest.raises(ValueError, match=r"spec/ and specs/ folders.*configuration"):
        _default_spec(bundle)


def test_a_compatible_entry_without_major_is_an_error_as_in_the_linter(tmp_path: Path) -> None:
    from pytest_proton.factories import _compatible

    (tmp_path / ".git").mkdir()
    files = {
        "app/v1/schema/schema.yaml": (
            'schema:\n  format:\n    openapi: "3.0.0"\n  service_input_type: "In"\n  types:\n    In:\n'
            "      type: object\n      properties: {}\n"
        ),
        "app/v1/instance_infrastructure/manifest.yaml": ENV_BUNDLE["net/v1/infrastructure/manifest.yaml"],
        "app/v1/instance_infrastructure/cloudformation.yaml": "Resources: {}\n",
        "app/v1/.template-registration.yaml": "compatible_environments:\n  - net\n",
    }
    bundle = bundle_upload.locate(_tree(tmp_path, files) / "app")
    assert bundle.compatible_environments == ()
    assert bundle.registration_problems and ".template-registration.yaml:2:" in bundle.registration_problems[0]
    with pytest.raises(ValueError, match="has no major version"):
        _compatible(FakeLifecycle(), bundle, None)
    with pytest.raises(ValueError, match="names no major version"):
        _compatible(FakeLifecycle(), bundle, ["net"])


def test_archive_is_reproducible_and_rooted() -> None:
    bundle = bundle_upload.locate(EXAMPLES / "environment-templates" / "vpc-env")
    first, second = bundle_upload.archive(bundle), bundle_upload.archive(bundle)
    assert first == second
    with tarfile.open(fileobj=io.BytesIO(first)) as tar:
        names = tar.getnames()
    assert "vpc-env/schema/schema.yaml" in names
    assert "vpc-env/infrastructure/cloudformation.yaml" in names


def test_lint_gate_caches_by_content(tmp_path: Path) -> None:
    gate = bundle_upload.LintGate()
    bundle = bundle_upload.locate(EXAMPLES / "component-templates" / "cache-component")
    gate.check(bundle)
    gate._linter = None  # a second check of the same content must not lint again
    gate._lint = None  # type: ignore[assignment]
    gate.check(bundle)


def test_real_aws_detection() -> None:
    assert is_real_aws(None) and is_real_aws("https://proton.us-east-1.amazonaws.com")
    assert not is_real_aws("http://127.0.0.1:5000") and not is_real_aws("https://proton-emulator.internal")
    check_real_account_opt_in(Settings(target="endpoint", endpoint_url="http://localhost:5000"))
    check_real_account_opt_in(Settings(target="endpoint", allow_real_account="123456789012"))


class RecordingClient:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def __getattr__(self, name: str) -> Any:
        def call(**params: Any) -> dict[str, Any]:
            self.calls.append((name, params))
            if name == "get_service":
                return {"service": {"spec": "proton: ServiceSpec\n"}}
            return {}

        return call


def test_component_call_shape() -> None:
    """CreateComponent as documented: manifest and template file text, attached to an instance."""
    from pytest_proton.factories import create_component
    from pytest_proton.handles import ServiceHandle, ServiceInstanceHandle
    from pytest_proton.lifecycle import Lifecycle

    client = RecordingClient()
    target = SimpleNamespace(region="us-east-1", account_id="123456789012", poll=(0, 0), timeout=1)
    ctx = SimpleNamespace(
        proton=client, target=target, namer=Namer("r", "main"), lint_gate=bundle_upload.LintGate(), hook=None
    )
    scope = Lifecycle(ctx, "unit")  # type: ignore[arg-type]
    service = ServiceHandle(ctx, scope, "svc-r-1", "svc", None)  # type: ignore[arg-type]
    instance = ServiceInstanceHandle(ctx, scope, service, "one")  # type: ignore[arg-type]
    create_component(scope, EXAMPLES / "component-templates" / "cache-component", instance=instance, wait=False)
    _, params = next(call for call in client.calls if call[0] == "create_component")
    assert params["name"] == "cache-component-r0001"
    assert (params["serviceName"], params["serviceInstanceName"]) == ("svc-r-1", "one")
    assert params["serviceSpec"] == "proton: ServiceSpec\n"
    assert "rendering_engine: jinja" in params["manifest"]
    assert "AWS::ElastiCache::CacheCluster" in params["templateFile"]
    assert [e.label for e in scope.entries] == ["component cache-component-r0001"]  # registered for cleanup
    with pytest.raises(ValueError, match="attached to a service instance"):
        create_component(scope, EXAMPLES / "component-templates" / "cache-component", wait=False)
