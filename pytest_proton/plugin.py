"""pytest_proton: fixtures that take AWS Proton templates from a local folder through their lifecycle.

Registered through the ``pytest11`` entry point. Options (and ini keys):

=================================  ============================  =========================================
option                             ini key                       meaning
=================================  ============================  =========================================
``--proton-target``                ``proton_target``             ``moto`` (default), ``server``, ``endpoint``
``--proton-region``                ``proton_region``             region of the clients (``us-east-1``)
``--proton-provisioner``           ``proton_provisioner``        emulator provisioner: ``moto``, ``cloudformation``
``--proton-endpoint-url``          ``proton_endpoint_url``       the ``endpoint`` target's URL
``--proton-allow-real-account ID`` (none, on purpose)            allow real AWS, only for that account
``--proton-keep-failed``           ``proton_keep_failed``        keep resources of failed tests, print ARNs
``--proton-timeout``               ``proton_timeout``            seconds to wait for a deployment
``--proton-service-role-arn``      ``proton_service_role_arn``   role for CreateEnvironment
``--proton-bucket``                ``proton_bucket``             existing bucket for bundles (else made)
``--proton-no-lint-cache``         ``proton_lint_cache``         lint results cached in .pytest_cache/d/proton-lint
``--proton-deployment-seconds N``  ``proton_deployment_seconds`` emulator: deployments take N seconds
=================================  ============================  =========================================

Marker: ``@pytest.mark.proton(timeout=None, targets=None)``; tests that use a Proton fixture get it
automatically, so ``-m "not proton"`` deselects them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from pytest_proton import hooks
from pytest_proton.targets import PROVISIONERS, TARGETS, Settings

if TYPE_CHECKING:
    from pytest_proton.controls import ProtonControls
    from pytest_proton.factories import ComponentFactory, EnvironmentFactory, ServiceFactory, TemplateFactory
    from pytest_proton.lifecycle import Lifecycle
    from pytest_proton.targets import Target

SETTINGS_KEY = pytest.StashKey[Settings]()
CONTROLS_KEY = pytest.StashKey[Any]()
CONTEXT_KEY = pytest.StashKey[Any]()
REPORTS_KEY = pytest.StashKey[dict[str, pytest.TestReport]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("proton", "AWS Proton templates (pytest_proton)")

    def add(option: str, ini: str | None, help: str, **kwargs: Any) -> None:
        group.addoption(option, dest=option[2:].replace("-", "_"), help=help, **kwargs)
        if ini:
            kind = "bool" if kwargs.get("action") == "store_true" else "string"
            parser.addini(ini, help=help, type=kind, default=None)

    add("--proton-target", "proton_target", "where Proton calls go: moto (default), server, endpoint", choices=TARGETS)
    add("--proton-region", "proton_region", "AWS region (default us-east-1)")
    add(
        "--proton-provisioner",
        "proton_provisioner",
        "emulator provisioner: moto (default) or cloudformation",
        choices=PROVISIONERS,
    )
    add("--proton-endpoint-url", "proton_endpoint_url", "URL of a Proton-compatible endpoint (endpoint target)")
    add(
        "--proton-allow-real-account",
        None,
        "allow a real AWS account: its ID must match sts get-caller-identity",
        metavar="ACCOUNT_ID",
    )
    add(
        "--proton-keep-failed",
        "proton_keep_failed",
        "keep the resources of failed tests and print their ARNs",
        action="store_true",
        default=None,
    )
    add("--proton-timeout", "proton_timeout", "seconds to wait for a registration or deployment", type=float)
    add("--proton-service-role-arn", "proton_service_role_arn", "protonServiceRoleArn for environments")
    add(
        "--proton-deployment-seconds",
        "proton_deployment_seconds",
        "moto and server targets: deployments take N seconds on the emulator's clock (default: next read)",
        type=float,
    )
    add("--proton-bucket", "proton_bucket", "an existing S3 bucket for bundles (default: one made per session)")
    group.addoption(
        "--proton-no-lint-cache",
        dest="proton_no_lint_cache",
        action="store_true",
        help="do not keep the lint gate's results (ini: proton_lint_cache = false)",
    )
    parser.addini(
        "proton_lint_cache",
        "keep lint results in pytest's cache folder (.pytest_cache/d/proton-lint; $PROTON_LINT_CACHE_DIR wins)",
        type="bool",
        default=True,
    )


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    pluginmanager.add_hookspecs(hooks)


def _setting(config: pytest.Config, option: str, ini: str | None, default: Any = None) -> Any:
    value = config.getoption(option)
    if value is None and ini:
        value = config.getini(ini)
    return default if value in (None, "") else value


def _non_negative(value: Any, name: str) -> float | None:
    """A number of seconds from an option or ini value; UsageError unless it is a number >= 0."""
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        raise pytest.UsageError(f"{name} = {value!r}; give a number of seconds") from None
    if seconds < 0:
        raise pytest.UsageError(f"{name} = {value!r}; give 0 or more seconds")
    return seconds


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "proton(timeout=None, targets=None): a test that uses AWS Proton fixtures; timeout: seconds to wait for "
        "deployments; targets: the --proton-target values it runs on (skipped on others)",
    )
    timeout = _setting(config, "proton_timeout", "proton_timeout")
    seconds = _setting(config, "proton_deployment_seconds", "proton_deployment_seconds")
    settings = Settings(
        target=_setting(config, "proton_target", "proton_target", "moto"),
        region=_setting(config, "proton_region", "proton_region", "us-east-1"),
        provisioner=_setting(config, "proton_provisioner", "proton_provisioner", "moto"),
        endpoint_url=_setting(config, "proton_endpoint_url", "proton_endpoint_url"),
        allow_real_account=_setting(config, "proton_allow_real_account", None),
        timeout=float(timeout) if timeout is not None else None,
        deployment_seconds=_non_negative(seconds, "proton_deployment_seconds"),
        keep_failed=bool(_setting(config, "proton_keep_failed", "proton_keep_failed", False)),
        service_role_arn=_setting(config, "proton_service_role_arn", "proton_service_role_arn"),
        bucket=_setting(config, "proton_bucket", "proton_bucket"),
        lint_cache_root=(
            None
            if config.getoption("proton_no_lint_cache") or not config.getini("proton_lint_cache")
            else config.rootpath
        ),
    )
    if settings.target not in TARGETS:
        raise pytest.UsageError(f"proton_target = {settings.target!r}; choose from {', '.join(TARGETS)}")
    if settings.provisioner not in PROVISIONERS:
        raise pytest.UsageError(f"proton_provisioner = {settings.provisioner!r}; choose from {', '.join(PROVISIONERS)}")
    from pytest_proton.errors import RealAccountRefused
    from pytest_proton.targets import check_real_account_opt_in

    try:
        check_real_account_opt_in(settings)
    except RealAccountRefused as error:
        raise pytest.UsageError(str(error)) from None
    config.stash[SETTINGS_KEY] = settings
    # getoption() answers the resolved values (command line, else ini, else default), not None
    for option, value in (
        ("proton_target", settings.target),
        ("proton_region", settings.region),
        ("proton_provisioner", settings.provisioner),
        ("proton_timeout", settings.timeout),
    ):
        setattr(config.option, option, value)


def proton_settings(config: pytest.Config) -> Settings:
    """The run's resolved settings (``target``, ``region``, ``provisioner``, ``timeout``, ...), for a
    ``conftest.py`` hook that has no fixture to ask: ``proton_settings(config).target``."""
    return config.stash[SETTINGS_KEY]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        names = getattr(item, "fixturenames", ())
        if any(name.startswith("proton_") for name in names) and item.get_closest_marker("proton") is None:
            item.add_marker("proton")


def pytest_runtest_setup(item: pytest.Item) -> None:
    marker = item.get_closest_marker("proton")
    if marker is None:
        return
    targets = marker.kwargs.get("targets")
    if targets is not None:
        current = item.config.stash[SETTINGS_KEY].target
        if current not in ([targets] if isinstance(targets, str) else list(targets)):
            pytest.skip(f"runs on --proton-target {targets}, not {current}")


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:  # noqa: ARG001
    report = yield
    item.stash.setdefault(REPORTS_KEY, {})[report.when] = report
    return report


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    ctx = config.stash.get(CONTEXT_KEY, None)
    if ctx is None or not ctx.kept:
        return
    terminalreporter.section("pytest_proton: resources kept (--proton-keep-failed)")
    for nodeid, label, arn in ctx.kept:
        terminalreporter.write_line(f"{nodeid}: {label}: {arn}")


# fixtures ----------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def proton_target(request: pytest.FixtureRequest) -> Iterator[Target]:
    """The resolved target, started: ``.name`` (``moto``, ``server`` or ``endpoint``, whatever chose it:
    option, ini or default), ``.client(service)``, ``.region``, ``.account_id``, ``.endpoint_url``
    (None in-process), ``.emulated``, ``.timeout``."""
    from pytest_proton.errors import RealAccountRefused
    from pytest_proton.targets import make_target

    target = make_target(request.config.stash[SETTINGS_KEY])
    try:
        target.start()
    except RealAccountRefused as error:
        pytest.exit(str(error), returncode=pytest.ExitCode.USAGE_ERROR)
    try:
        yield target
    finally:
        target.stop()


@pytest.fixture(scope="session")
def proton_client(proton_target: Target) -> Any:
    """A boto3 Proton client for the target."""
    return proton_target.client("proton")


@pytest.fixture(scope="session")
def proton_controls(request: pytest.FixtureRequest, proton_target: Target) -> Iterator[ProtonControls]:
    """The emulator's controls: ``fail_next(message)``, ``hold()``/``release()``/``holding()``,
    ``advance_clock(hours=1)``. Undone after each test. Skips the test on a real AWS endpoint."""
    from pytest_proton.controls import ProtonControls

    controls = ProtonControls(proton_target)
    if not controls.available:
        pytest.skip(f"the {proton_target.name} target is real AWS: it has no emulator controls")
    request.config.stash[CONTROLS_KEY] = controls
    try:
        yield controls
    finally:
        controls.reset()
        del request.config.stash[CONTROLS_KEY]


@pytest.fixture(autouse=True)
def _proton_controls_reset(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    controls = request.config.stash.get(CONTROLS_KEY, None)
    if controls is not None and controls.dirty:
        controls.reset()


def _lint_cache_dir(config: pytest.Config) -> Path | None:
    """Where the lint gate keeps its results: ``$PROTON_LINT_CACHE_DIR`` if set, else pytest's cache
    folder (``.pytest_cache/d/proton-lint``, which git ignores), else ``<rootdir>/.proton-lint-cache``
    (it holds a ``.gitignore`` of ``*``) when the cacheprovider plugin is off."""
    if os.environ.get("PROTON_LINT_CACHE_DIR"):
        return None  # proton_lint.cache reads it
    cache = getattr(config, "cache", None)
    if cache is None:
        return None
    try:
        return Path(cache.mkdir("proton-lint"))
    except OSError:
        return None


@pytest.fixture(scope="session")
def proton_session(request: pytest.FixtureRequest, proton_target: Target) -> Iterator[Lifecycle]:
    """The session's lifecycle: what the ``*_factory`` fixtures make lives until the session ends."""
    from pytest_proton.lifecycle import Context, Lifecycle
    from pytest_proton.naming import Namer, run_token

    config = request.config
    settings = config.stash[SETTINGS_KEY]
    workerinput = getattr(config, "workerinput", None) or {}
    ctx = Context(
        proton_target,
        config.hook,
        Namer(run_token(workerinput.get("testrunuid"))),
        settings,
        lint_cache_dir=_lint_cache_dir(config) if settings.lint_cache_root is not None else None,
    )
    session = Lifecycle(ctx, "the session", timeout=proton_target.timeout)
    ctx.session = session
    config.stash[CONTEXT_KEY] = ctx
    try:
        yield session
    finally:
        # After --proton-keep-failed kept something, shared resources may still be in use: keep those too.
        session.teardown(tolerate=bool(ctx.kept))


@pytest.fixture(scope="session")
def proton_template_factory(proton_session: Lifecycle) -> TemplateFactory:
    """Session-scoped ``proton_template``: publishes each folder once per session."""
    from pytest_proton.factories import TemplateFactory

    return TemplateFactory(proton_session, memo=True)


@pytest.fixture(scope="session")
def proton_env_factory(proton_session: Lifecycle) -> EnvironmentFactory:
    """Session-scoped ``proton_env``: environments shared by several tests (or a module)."""
    from pytest_proton.factories import EnvironmentFactory

    return EnvironmentFactory(proton_session)


@pytest.fixture(scope="session")
def proton_service_factory(proton_session: Lifecycle) -> ServiceFactory:
    """Session-scoped ``proton_service``: services shared by several tests (or a module)."""
    from pytest_proton.factories import ServiceFactory

    return ServiceFactory(proton_session)


@pytest.fixture(scope="session")
def proton_component_factory(proton_session: Lifecycle) -> ComponentFactory:
    """Session-scoped ``proton_component``."""
    from pytest_proton.factories import ComponentFactory

    return ComponentFactory(proton_session)


@pytest.fixture
def proton_lifecycle(request: pytest.FixtureRequest, proton_session: Lifecycle) -> Iterator[Lifecycle]:
    """This test's lifecycle: its resources are deleted when it ends (kept with --proton-keep-failed)."""
    from pytest_proton.lifecycle import Lifecycle

    marker = request.node.get_closest_marker("proton")
    timeout = (marker.kwargs.get("timeout") if marker else None) or proton_session.timeout
    scope = Lifecycle(proton_session.ctx, f"test {request.node.nodeid}", parent=proton_session, timeout=timeout)
    try:
        yield scope
    finally:
        controls = request.config.stash.get(CONTROLS_KEY, None)
        if controls is not None and controls.dirty:
            controls.reset()  # a held deployment would block the deletions
        reports = request.node.stash.get(REPORTS_KEY, {})
        failed = any(report.failed for report in reports.values()) or "call" not in reports
        if proton_session.ctx.settings.keep_failed and failed and scope.live():
            scope.keep(request.node.nodeid)
        else:
            scope.teardown()


@pytest.fixture
def proton_template(proton_lifecycle: Lifecycle) -> TemplateFactory:
    """``proton_template(path, *, name=None, basename=None, lint=True, compatible=None, description=None)``
    -> TemplateHandle: lint the bundle folder, archive and upload it, create the template and version,
    wait until registered, publish. Deleted when the test ends."""
    from pytest_proton.factories import TemplateFactory

    return TemplateFactory(proton_lifecycle)


@pytest.fixture
def proton_env(proton_lifecycle: Lifecycle) -> EnvironmentFactory:
    """``proton_env(template, spec=None, *, name=None, basename=None, wait=True, timeout=None, **params)``
    -> EnvironmentHandle. Deleted when the test ends."""
    from pytest_proton.factories import EnvironmentFactory

    return EnvironmentFactory(proton_lifecycle)


@pytest.fixture
def proton_service(proton_lifecycle: Lifecycle) -> ServiceFactory:
    """``proton_service(template, spec=None, *, environments=None, name=None, basename=None, repository=None,
    wait=True, timeout=None, **params)`` -> ServiceHandle. Deleted when the test ends."""
    from pytest_proton.factories import ServiceFactory

    return ServiceFactory(proton_lifecycle)


@pytest.fixture
def proton_component(proton_lifecycle: Lifecycle) -> ComponentFactory:
    """``proton_component(path, *, instance=None, environment=None, name=None, basename=None, lint=True,
    wait=True, timeout=None, **params)`` -> ComponentHandle. Deleted when the test ends."""
    from pytest_proton.factories import ComponentFactory

    return ComponentFactory(proton_lifecycle)
