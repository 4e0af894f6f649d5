"""The pytest_proton plugin, driven through pytester: targets, xdist, teardown, keep-failed, lint gate, hooks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

LIFECYCLE_TEST = """
import pytest_proton

def test_lifecycle(proton_template, proton_env, proton_service, proton_target, net, app):
    assert pytest_proton.__file__.startswith({root!r})  # this checkout, not an installed copy
    a = proton_env(net, basename="net-a")
    b = proton_env(net, {{"cidr": "10.2.0.0/16"}}, basename="net-b")
    service = proton_service(app)
    assert a.status == b.status == "SUCCEEDED"
    assert service.status == "ACTIVE"
    assert {{i.name: i.environment_name for i in service.instances.values()}} == {{"one": a.name, "two": b.name}}
    assert service.pipeline is None  # no pipeline_infrastructure: CUSTOMER_MANAGED pipeline provisioning
    a.update({{"cidr": "10.1.0.0/16", "team": "blue"}})  # a tag: updated in place (a new CIDR replaces the VPC)
    assert "blue" in a.describe()["spec"]
    assert a.outputs["VpcId"].startswith("vpc-")
    service.instances["one"].update({{"size": 5}})
    print("TARGET", proton_target.name, proton_target.endpoint_url)
"""


def _lifecycle_test(suite: pytest.Pytester) -> None:
    from tests.plugin.conftest import ROOT

    suite.makepyfile(test_lifecycle=LIFECYCLE_TEST.format(root=str(ROOT)))


def test_moto_target(suite: pytest.Pytester, run) -> None:
    _lifecycle_test(suite)
    result = run("-s")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*TARGET moto None*"])


def test_server_target(suite: pytest.Pytester, run) -> None:
    _lifecycle_test(suite)
    result = run("-s", "--proton-target", "server")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*TARGET server http://127.0.0.1:*"])


def test_ini_selects_the_target(suite: pytest.Pytester, run) -> None:
    _lifecycle_test(suite)
    suite.makeini("[pytest]\nproton_target = server\n")
    result = run("-s")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*TARGET server http://*"])


def test_endpoint_target_on_an_emulator_leaves_nothing(suite: pytest.Pytester, run, emulator_server) -> None:
    _lifecycle_test(suite)
    result = run("--proton-target", "endpoint", "--proton-endpoint-url", emulator_server.url)
    result.assert_outcomes(passed=1)
    assert not any(emulator_server.leftovers().values()), emulator_server.leftovers()


def test_xdist_two_workers_unique_names(
    suite: pytest.Pytester, run, emulator_server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the workers write their names here (globbing the whole base temp would also walk other
    # tests' symlink loops and over-long paths)
    names = tmp_path / "names"
    names.mkdir()
    monkeypatch.setenv("PROTON_TEST_NAMES_DIR", str(names))
    suite.makepyfile(
        test_many="""
        import json, os, pathlib, pytest

        @pytest.mark.parametrize("n", range(6))
        def test_env(n, proton_env, net, app, proton_service, tmp_path_factory):
            env = proton_env(net, basename="net-a")
            other = proton_env(net, basename="net-b")
            proton_service(app)
            out = pathlib.Path(os.environ["PROTON_TEST_NAMES_DIR"]) / f"names-{os.getpid()}-{n}.json"
            out.write_text(json.dumps([os.environ.get("PYTEST_XDIST_WORKER"), env.name, net.name]))
        """
    )
    result = run(
        "-p", "xdist.plugin", "-n", "2", "--proton-target", "endpoint", "--proton-endpoint-url", emulator_server.url
    )
    result.assert_outcomes(passed=6)
    records = [json.loads(p.read_text()) for p in names.glob("names-*.json")]
    assert len(records) == 6
    workers = {worker for worker, _, _ in records}
    assert workers == {"gw0", "gw1"}
    assert len({env for _, env, _ in records}) == 6  # every environment name unique across workers
    templates = {template for _, _, template in records}
    assert len(templates) == 2  # one session template per worker, shared by that worker's tests
    # the suffix says which worker made the name (gw0: 0, gw1: 1) and has one length on both
    assert all(name[-4] == worker[2:] for worker, name, _ in records)
    assert {len(name) - len("net-a") for _, name, _ in records} == {9}
    assert not any(emulator_server.leftovers().values()), emulator_server.leftovers()


def test_teardown_after_failure_and_error_leaves_nothing(suite: pytest.Pytester, run, emulator_server) -> None:
    suite.makepyfile(
        test_failing="""
        import pytest

        def test_fails_after_creating(proton_env, proton_service, net, app):
            proton_env(net, basename="net-a")
            proton_env(net, basename="net-b")
            proton_service(app)
            assert False, "the test fails"

        @pytest.fixture
        def broken(proton_env, net):
            proton_env(net, basename="net-a")
            raise RuntimeError("the fixture errors")

        def test_errors_in_setup(broken):
            pass

        def test_passes(proton_env, net):
            proton_env(net)
        """
    )
    result = run("--proton-target", "endpoint", "--proton-endpoint-url", emulator_server.url)
    result.assert_outcomes(passed=1, failed=1, errors=1)
    assert not any(emulator_server.leftovers().values()), emulator_server.leftovers()


def test_keyboard_interrupt_leaves_nothing(suite: pytest.Pytester, run, emulator_server) -> None:
    suite.makepyfile(
        test_interrupted="""
        def test_interrupted(proton_env, proton_service, net, app):
            proton_env(net, basename="net-a")
            proton_env(net, basename="net-b")
            proton_service(app)
            raise KeyboardInterrupt

        def test_never_runs(proton_env, net):
            proton_env(net)
        """
    )
    result = run("--proton-target", "endpoint", "--proton-endpoint-url", emulator_server.url)
    assert result.ret == pytest.ExitCode.INTERRUPTED
    assert not any(emulator_server.leftovers().values()), emulator_server.leftovers()


def test_keep_failed_keeps_and_prints_arns(suite: pytest.Pytester, run, emulator_server) -> None:
    suite.makepyfile(
        test_keep="""
        def test_fails(proton_env, net):
            proton_env(net, basename="kept-env")
            assert False

        def test_passes(proton_env, net):
            proton_env(net, basename="gone-env")
        """
    )
    result = run("--proton-target", "endpoint", "--proton-endpoint-url", emulator_server.url, "--proton-keep-failed")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*pytest_proton: resources kept (--proton-keep-failed)*",
            "test_keep.py::test_fails: environment kept-env-*: "
            "arn:aws:proton:us-east-1:123456789012:environment/kept-env-*",
        ]
    )
    left = emulator_server.leftovers()
    assert [name.split("-")[0] for name in left["environments"]] == ["kept"]
    assert left["environment templates"]  # still in use by the kept environment
    result.stdout.fnmatch_lines(
        ["the session: environment template net-* (in use by kept resources): arn:aws:proton:*"]
    )


def test_lint_gate_refuses_with_a_readable_report(suite: pytest.Pytester, run) -> None:
    suite.makepyfile(
        test_gate="""
        import pytest
        from conftest import BAD
        from pytest_proton.errors import LintGateError, RegistrationFailed

        def test_publish_bad(proton_template):
            proton_template(BAD)

        def test_publish_bad_without_lint(proton_template):
            # without the gate the bundle reaches Proton, whose registration refuses it (the emulator lints too)
            with pytest.raises(RegistrationFailed, match="REGISTRATION_FAILED: .*rendering_engine"):
                proton_template(BAD, lint=False)

        def test_gate_error_type(proton_template):
            with pytest.raises(LintGateError):
                proton_template(BAD)
        """
    )
    result = run()
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*proton-lint refuses the bundle *bad/v1 (2 error-level findings); fix them, or pass lint=False*",
            "*infrastructure/manifest.yaml",
            "*PL203*error*",
            "*PL310*error*",
        ]
    )


def test_hooks_are_called(suite: pytest.Pytester, run) -> None:
    suite.makeconftest(
        suite.path.joinpath("conftest.py").read_text()
        + """
CALLS = []

def pytest_proton_template_published(template):
    CALLS.append(("published", template.kind, template.version))

def pytest_proton_resource_deployed(resource):
    CALLS.append(("deployed", resource.kind))

def pytest_proton_resource_deleted(resource):
    CALLS.append(("deleted", resource.kind))

def pytest_sessionfinish(session):
    print("CALLS", sorted(set(CALLS)))
"""
    )
    suite.makepyfile(
        test_hooks="""
        def test_it(proton_env, proton_service, net, app):
            proton_env(net, basename="net-a")
            proton_env(net, basename="net-b")
            proton_service(app)
        """
    )
    result = run("-s")
    result.assert_outcomes(passed=1)
    assert (
        "CALLS [('deleted', 'environment'), ('deleted', 'service'), ('deployed', 'environment'), "
        "('deployed', 'service'), ('deployed', 'service_instance'), ('published', 'environment', '1.0'), "
        "('published', 'service', '1.0')]"
    ) in result.stdout.str()


def test_controls_over_http_on_the_server_target(suite: pytest.Pytester, run) -> None:
    suite.makepyfile(
        test_controls="""
        import pytest
        from pytest_proton.errors import DeploymentFailed

        def test_fail_next(proton_env, net, proton_controls):
            proton_controls.fail_next("quota exceeded for VPCs")
            with pytest.raises(DeploymentFailed, match="ended FAILED .*: quota exceeded for VPCs"):
                proton_env(net)

        def test_hold_and_cancel(proton_env, net, proton_controls):
            with proton_controls.holding():
                env = proton_env(net, wait=False)
                assert env.status == "IN_PROGRESS"
                env.cancel()
            assert env.status == "CANCELLED"

        def test_held_deployment_is_still_torn_down(proton_env, net, proton_controls):
            proton_controls.hold()
            proton_env(net, wait=False)  # left IN_PROGRESS: teardown releases, cancels, deletes

        def test_clock(proton_controls, proton_env, net):
            before = proton_controls.state()["now"]
            moved = proton_controls.advance_clock(hours=9)
            assert moved.isoformat() > before
            assert proton_env(net).describe()["createdAt"].isoformat() >= moved.isoformat()[:19]

        def test_reset_between_tests(proton_controls):
            state = proton_controls.state()
            assert state["pendingFailures"] == 0
            assert state["transition"] == {"progression": "manual", "times": 1}
        """
    )
    for target in ("server", "moto"):
        result = run("--proton-target", target, "-p", "no:randomly")
        result.assert_outcomes(passed=5)


@pytest.mark.slow  # two inner runs whose teardown waits the deletions' seconds
def test_deployment_seconds_option_and_ini(suite: pytest.Pytester, run) -> None:
    """--proton-deployment-seconds N: deployments stay IN_PROGRESS N seconds of the emulator's clock
    (the teardown's deletions take them too: real seconds, unless the test moves the clock)."""
    suite.makepyfile(
        test_timed="""
        def test_timed(proton_env, net, proton_controls):
            env = proton_env(net, wait=False)
            assert env.status == env.status == "IN_PROGRESS"  # reads do not settle it before its time
            proton_controls.advance_clock(seconds=6)
            assert env.status == "SUCCEEDED"
        """
    )
    run("--proton-deployment-seconds", "5").assert_outcomes(passed=1)
    suite.makeini("[pytest]\nproton_deployment_seconds = 5\nproton_target = server\n")
    run().assert_outcomes(passed=1)
    result = run("--proton-deployment-seconds", "-1")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*proton_deployment_seconds = -1.0; give 0 or more seconds*"])


def test_marker_targets_and_timeout(suite: pytest.Pytester, run) -> None:
    suite.makepyfile(
        test_marker="""
        import pytest
        from pytest_proton.errors import WaitTimeout

        @pytest.mark.proton(targets=["server"])
        def test_server_only(proton_client):
            pass

        @pytest.mark.proton(timeout=0.3)
        def test_short_timeout(proton_env, net, proton_controls):
            proton_controls.hold()
            with pytest.raises(WaitTimeout, match="did not settle within 0.3 s"):
                proton_env(net)

        def test_marked_automatically(request, proton_client):
            assert request.node.get_closest_marker("proton") is not None
        """
    )
    result = run("-rs")
    result.assert_outcomes(passed=2, skipped=1)
    assert "runs on --proton-target ['server'], not moto" in result.stdout.str()


def test_real_aws_is_refused_without_opt_in(suite: pytest.Pytester, run) -> None:
    suite.makepyfile(test_x="def test_x(proton_client): pass")
    result = run("--proton-target", "endpoint")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*would reach a real AWS account*--proton-allow-real-account ACCOUNT_ID*"])


def test_real_account_must_match(emulator_server) -> None:
    """The opt-in names an account; the credentials' account (here the emulator's) must be that one."""
    from pytest_proton.errors import RealAccountRefused
    from pytest_proton.targets import EndpointTarget, Settings

    settings = Settings(target="endpoint", endpoint_url=emulator_server.url, allow_real_account="999999999999")
    with pytest.raises(RealAccountRefused, match="does not match the account of the credentials"):
        EndpointTarget(settings).start()
    matching = EndpointTarget(
        Settings(target="endpoint", endpoint_url=emulator_server.url, allow_real_account="123456789012")
    )
    matching.start()
    assert matching.account_id == "123456789012"


def test_session_factory_shares_a_module_environment(suite: pytest.Pytester, run) -> None:
    suite.makepyfile(
        test_shared="""
        import pytest

        @pytest.fixture(scope="module")
        def network(proton_env_factory, net):
            env = proton_env_factory(net, basename="shared")
            yield env
            env.delete()

        NAMES = []

        def test_one(network, proton_service, app):
            NAMES.append(network.name)
            proton_service(app, environments=network)

        def test_two(network, proton_template_factory, net):
            NAMES.append(network.name)
            assert proton_template_factory(net.bundle.path) is net  # published once per session
            assert NAMES[0] == NAMES[1]
        """
    )
    run().assert_outcomes(passed=2)


PROVISIONER_TEST = """
from pytest_proton.emulator import proton_backends, provisioners, provisioning

def test_provisioner(proton_env, proton_service, net, app, proton_target):
    a = proton_env(net, basename="net-a")
    proton_env(net, basename="net-b")
    service = proton_service(app)
    assert a.outputs["VpcId"].startswith("vpc-")
    assert service.instances["one"].outputs["QueueUrl"]
    record = provisioning.stack_of(proton_backends["123456789012"][proton_target.region], a.arn)
    current = provisioners.current()
    print("PROVISIONER", record.provisioner, current.name, getattr(current, "endpoint_url", None))
    # the stack is in the moto the target's own CloudFormation client sees
    stacks = proton_target.client("cloudformation").describe_stacks()["Stacks"]
    assert any(s["StackName"].startswith(f"AWSProton-{a.name}-cloudformation-") for s in stacks)
    a.update({"cidr": "10.1.0.0/16", "team": "green"})
    assert a.status == "SUCCEEDED"
"""


@pytest.mark.parametrize("target", ["moto", "server"])
def test_cloudformation_provisioner(suite: pytest.Pytester, run, target: str) -> None:
    """--proton-provisioner cloudformation: the emulator's CloudFormation client reaches the same moto
    (in-process under the moto target's mock_aws, over HTTP to the server target's server)."""
    suite.makepyfile(test_provisioner=PROVISIONER_TEST)
    result = run("-s", "--proton-target", target, "--proton-provisioner", "cloudformation")
    result.assert_outcomes(passed=1)
    endpoint = "http://127.0.0.1:*" if target == "server" else "None"
    result.stdout.fnmatch_lines([f"*PROVISIONER cloudformation cloudformation {endpoint}*"])
    default = run("-s", "--proton-target", target)
    default.assert_outcomes(passed=1)
    default.stdout.fnmatch_lines(["*PROVISIONER moto moto None*"])


def _entry_point_installed() -> bool:
    from importlib.metadata import entry_points

    return any(ep.name == "proton" and ep.value == "pytest_proton.plugin" for ep in entry_points(group="pytest11"))


LOADING_TEST = """
def test_loaded(request, proton_client):
    import pytest_proton
    manager = request.config.pluginmanager
    plugin = manager.get_plugin("proton")
    assert plugin is not None and plugin.__name__ == "pytest_proton.plugin"
    assert [name for name, p in manager.list_name_plugin() if p is plugin] == ["proton"]  # registered once
    print("FROM", pytest_proton.__file__)
"""


@pytest.mark.skipif(not _entry_point_installed(), reason="the package is not installed: no pytest11 entry point")
def test_installed_entry_point_autoloads_once(suite: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    """Installed, the plugin loads by its ``proton`` entry point (from this checkout: PYTHONPATH wins);
    ``-p no:proton`` disables it. The other tests here disable autoloading and pass ``-p pytest_proton.plugin``."""
    from tests.plugin.conftest import ROOT

    monkeypatch.delenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD")
    suite.makepyfile(test_loading=LOADING_TEST)
    result = suite.runpytest_subprocess("-s", "-p", "no:cacheprovider", "-p", "no:randomly")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines([f"*FROM {ROOT}*"])
    disabled = suite.runpytest_subprocess("-p", "no:proton", "-p", "no:cacheprovider", "-p", "no:randomly")
    disabled.assert_outcomes(errors=1)
    disabled.stdout.fnmatch_lines(["*fixture 'proton_client' not found*"])
