"""Issue 12 as a new user meets it: versions, exact names, instance inputs, the resolved target, the cache."""

from __future__ import annotations

import pytest

SUITE = """
import shutil

import pytest
import yaml

from pytest_proton import EnvironmentFactory, ProtonFixtureError, ServiceFactory, TemplateFactory, Target


@pytest.fixture
def app_without_registration(tmp_path):
    copy = tmp_path / "plain" / "v1"
    shutil.copytree(APP / "v1", copy)
    (copy / ".template-registration.yaml").unlink()
    return copy


def test_new_version_keeps_the_compatibility_it_was_given(
    proton_template: TemplateFactory, net, app_without_registration
):
    service_template = proton_template(app_without_registration, compatible=[net])
    newer = service_template.new_version()
    assert newer.version == "1.1" and newer.is_version
    wanted = [{"templateName": net.name, "majorVersion": "1"}]
    assert newer.describe()["compatibleEnvironmentTemplates"] == wanted
    assert newer.new_version(major=True).describe()["compatibleEnvironmentTemplates"] == wanted


def test_no_compatibility_is_our_message_not_botocore(proton_template: TemplateFactory, app_without_registration):
    with pytest.raises(ValueError, match="names no compatible environment template") as caught:
        proton_template(app_without_registration)
    assert "ParamValidationError" not in repr(caught.value)


def test_exact_names(proton_env: EnvironmentFactory, net):
    env = proton_env(net, name="exactly-this")
    assert (env.name, env.logical_name) == ("exactly-this", "exactly-this")
    unique = proton_env(net, basename="readable")
    assert unique.name.startswith("readable-") and len(unique.name) == len("readable") + 9


def test_a_version_handle_deletes_its_version_only(proton_template_factory: TemplateFactory, proton_client, net):
    second, third = net.new_version(), net.new_version()
    second.delete()
    listed = proton_client.list_environment_template_versions(templateName=net.name)["templateVersions"]
    assert sorted(v["minorVersion"] for v in listed) == ["0", third.minor]
    with pytest.raises(ProtonFixtureError, match="Recommended"):
        third.delete()  # Proton keeps the highest published minor while others exist
    assert net.status == "PUBLISHED"


def test_instance_inputs_and_spec(proton_env: EnvironmentFactory, proton_service: ServiceFactory, net, app):
    env = proton_env(net, basename="net-a")
    proton_env(net, basename="net-b")
    service = proton_service(app)
    one, two = service.instances["one"], service.instances["two"]
    assert (one.inputs, two.inputs) == ({"size": 2}, {"size": 1})  # two: the schema's default
    assert one.spec == {"name": "one", "environment": env.name, "spec": {"size": 2}}
    assert yaml.safe_load(one.describe()["spec"])["proton"] == "ServiceSpec"  # the service spec, as Proton says
    one.update({"size": 5})
    assert one.inputs == {"size": 5} and two.inputs == {"size": 1}
    assert env.inputs == {"cidr": "10.1.0.0/16", "team": "core"}


def test_the_resolved_target(proton_target: Target, request):
    assert proton_target.name == "moto" == request.config.getoption("--proton-target")
"""


def test_issue12_suite(suite: pytest.Pytester, run) -> None:
    suite.makepyfile(test_issue12="from conftest import APP\n" + SUITE)
    result = run("-v")
    result.assert_outcomes(passed=6)
    # -p no:cacheprovider: the lint gate's cache is the self-ignoring folder in the rootdir
    assert (suite.path / ".proton-lint-cache" / ".gitignore").read_text().splitlines()[-1] == "*"


def test_lint_cache_goes_to_pytests_cache_folder(suite: pytest.Pytester) -> None:
    suite.makepyfile(test_one="def test_one(net):\n    assert net.status == 'PUBLISHED'\n")
    result = suite.runpytest_subprocess("-p", "pytest_proton.plugin")
    result.assert_outcomes(passed=1)
    assert not (suite.path / ".proton-lint-cache").exists()
    assert list((suite.path / ".pytest_cache" / "d" / "proton-lint").rglob("*.json"))
