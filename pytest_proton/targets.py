"""Where the fixtures send their Proton calls: ``moto``, ``server`` or ``endpoint``.

* ``moto`` (default): the emulator in this process under ``moto.mock_aws()``; fake credentials, so
  nothing can reach AWS.
* ``server``: the emulator in a ``ThreadedMotoServer`` on a free local port; every call goes over
  HTTP, as it would to a shared ``proton-emulator``.
* ``endpoint``: any Proton-compatible URL (``--proton-endpoint-url``). Without a URL, or with an
  ``amazonaws.com`` URL, it is real AWS, which is refused unless ``--proton-allow-real-account
  ACCOUNT_ID`` names the account the credentials resolve to (``sts get-caller-identity``).

Every target hands out boto3 clients; nothing else in the plugin knows which target it talks to,
so a test suite written with the fixtures runs unchanged on all three.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from pytest_proton.errors import RealAccountRefused

TARGETS = ("moto", "server", "endpoint")
PROVISIONERS = ("moto", "cloudformation")
FAKE_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing", "aws_session_token": "testing"}
_FAKE_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing",
}


@dataclass(frozen=True)
class Settings:
    target: str = "moto"
    region: str = "us-east-1"
    provisioner: str = "moto"
    endpoint_url: str | None = None
    allow_real_account: str | None = None
    timeout: float | None = None  # None: the target's default
    keep_failed: bool = False
    service_role_arn: str | None = None
    bucket: str | None = None
    #: where proton-lint keeps .proton-lint-cache/ (None: no cache)
    lint_cache_root: Path | None = None
    #: emulator targets: deployments take this many seconds on the emulator's clock (None: settle on the next read)
    deployment_seconds: float | None = None


def is_real_aws(endpoint_url: str | None) -> bool:
    """True when calls would reach AWS itself: no endpoint URL, or an amazonaws.com host."""
    if not endpoint_url:
        return True
    host = (urlparse(endpoint_url).hostname or "").lower()
    return host.endswith((".amazonaws.com", ".amazonaws.com.cn", ".api.aws"))


def check_real_account_opt_in(settings: Settings) -> None:
    """Refuse real AWS unless explicitly allowed (the account check itself needs credentials: see start)."""
    if settings.target == "endpoint" and is_real_aws(settings.endpoint_url) and not settings.allow_real_account:
        raise RealAccountRefused(
            "--proton-target endpoint without an emulator URL would reach a real AWS account; pass "
            "--proton-endpoint-url for an emulator, or --proton-allow-real-account ACCOUNT_ID to allow that account"
        )


def set_deployment_seconds(seconds: float | None) -> None:
    """In-process emulator: deployments take ``seconds`` on its clock (None: they settle on the next read)."""
    from pytest_proton.emulator.provisioning import set_deployment_seconds as set_seconds

    set_seconds(seconds)


def configure_provisioner(name: str, *, endpoint_url: str | None = None, region: str | None = None) -> None:
    """Tell the in-process emulator which provisioner deploys its stacks (``moto`` or ``cloudformation``).

    Through the emulator's own API (``pytest_proton.emulator.provisioners.configure``), which wins
    over its ``PROTON_EMULATOR_*`` environment variables. ``cloudformation`` drives a boto3
    CloudFormation client: with ``endpoint_url`` (the server target's moto server) over HTTP, else
    in-process, where the moto target's ``mock_aws()`` answers it. Either way the stacks land in the
    same moto as everything else, so the two provisioners are interchangeable for a test.
    """
    if name not in PROVISIONERS:
        raise ValueError(f"unknown provisioner {name!r}; choose from {', '.join(PROVISIONERS)}")
    from pytest_proton.emulator import provisioners

    if name == "moto":
        provisioners.configure("moto")
        return
    # placeholders: stand in for resource types moto lacks, as the moto provisioner does
    provisioners.configure(
        "cloudformation",
        endpoint_url=endpoint_url,
        region=region,
        placeholders=True,
        delay=0.05,
        **FAKE_CREDENTIALS,
    )


def restore_provisioner() -> None:
    """Back to the emulator's default (what its environment variables say, else ``moto``)."""
    from pytest_proton.emulator import provisioners

    provisioners.configure()


class Target:
    """Base class: a place that answers the Proton API, with a boto3 client factory."""

    #: the resolved ``--proton-target``: ``moto``, ``server`` or ``endpoint``
    name = "target"
    #: whether the emulator's controls (fail next, hold, clock) can be used
    emulated = True
    #: seconds between reads while waiting: (first, maximum)
    poll = (0.0, 0.2)
    default_timeout = 30.0

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.region = settings.region
        self.endpoint_url: str | None = None
        self._account_id: str | None = None
        self._session: Any = None

    # lifecycle ------------------------------------------------------------------------------
    def start(self) -> None:
        """Make the target answer (the ``proton_target`` fixture calls it)."""
        import boto3

        self._session = boto3.session.Session(region_name=self.region, **self._credentials())

    def stop(self) -> None:
        """Undo ``start`` (at the end of the session)."""
        self._session = None

    def _credentials(self) -> dict[str, str]:
        return dict(FAKE_CREDENTIALS)

    # clients --------------------------------------------------------------------------------
    def client(self, service: str) -> Any:
        """A boto3 client of ``service`` (``proton``, ``s3``, ``cloudformation``, ...) for the target."""
        if self._session is None:
            raise RuntimeError(f"the {self.name} target is not started")
        from botocore.config import Config

        config = Config(retries={"max_attempts": 3, "mode": "standard"})
        return self._session.client(service, endpoint_url=self.endpoint_url, config=config)

    @property
    def account_id(self) -> str:
        """The account the target answers for (``sts get-caller-identity``)."""
        if self._account_id is None:
            self._account_id = self.client("sts").get_caller_identity()["Account"]
        return self._account_id

    @property
    def timeout(self) -> float:
        """Seconds to wait for a deployment: ``--proton-timeout``, else 30 (emulators) or 1800 (AWS)."""
        return self.settings.timeout if self.settings.timeout is not None else self.default_timeout

    def describe(self) -> str:
        """``moto (in-process, us-east-1)``: for messages."""
        where = self.endpoint_url or "in-process"
        return f"{self.name} ({where}, {self.region})"


class MotoTarget(Target):
    """The emulator in-process, under ``mock_aws()`` for the whole session."""

    name = "moto"

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self._mock: Any = None
        self._saved_env: dict[str, str | None] = {}

    def start(self) -> None:
        from moto import mock_aws

        from pytest_proton.emulator import register

        register()
        configure_provisioner(self.settings.provisioner, region=self.region)
        set_deployment_seconds(self.settings.deployment_seconds)
        # Fake credentials in the environment too: a client made by the test itself stays local.
        self._saved_env = {name: os.environ.get(name) for name in _FAKE_ENV}
        os.environ.update(_FAKE_ENV)
        self._mock = mock_aws()
        self._mock.start()
        super().start()
        # moto answers the fake credentials with its default account: no STS client needed to ask it
        from moto.core import DEFAULT_ACCOUNT_ID

        self._account_id = DEFAULT_ACCOUNT_ID

    def stop(self) -> None:
        super().stop()
        if self._mock is not None:
            self._mock.stop()
            self._mock = None
            restore_provisioner()
            set_deployment_seconds(None)
        for name, value in self._saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


class ServerTarget(Target):
    """The emulator in a ``ThreadedMotoServer`` on a free port of 127.0.0.1."""

    name = "server"
    poll = (0.0, 0.2)

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self._server: Any = None

    def start(self) -> None:
        from moto.server import ThreadedMotoServer

        from pytest_proton.emulator import register

        register()
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.endpoint_url = f"http://{host}:{port}"
        # cloudformation: the emulator's stacks go over HTTP to this same server
        configure_provisioner(self.settings.provisioner, endpoint_url=self.endpoint_url, region=self.region)
        set_deployment_seconds(self.settings.deployment_seconds)
        super().start()

    def stop(self) -> None:
        super().stop()
        if self._server is not None:
            self._server.stop()
            self._server = None
            restore_provisioner()
            set_deployment_seconds(None)


class EndpointTarget(Target):
    """Any Proton-compatible URL; real AWS only with the explicit, matching account opt-in."""

    name = "endpoint"

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self.endpoint_url = settings.endpoint_url or None
        self.real = is_real_aws(self.endpoint_url)
        if self.real:
            self.emulated = False
            self.poll = (2.0, 15.0)
            self.default_timeout = 1800.0

    def _credentials(self) -> dict[str, str]:
        # An emulator URL gets fake credentials unless a real account was explicitly allowed.
        return {} if (self.real or self.settings.allow_real_account) else dict(FAKE_CREDENTIALS)

    def start(self) -> None:
        check_real_account_opt_in(self.settings)
        super().start()
        allowed = self.settings.allow_real_account
        if allowed:
            actual = self.client("sts").get_caller_identity()["Account"]
            if actual != allowed:
                self.stop()
                raise RealAccountRefused(
                    f"--proton-allow-real-account {allowed} does not match the account of the credentials "
                    f"({actual}); refusing to create anything"
                )
            self._account_id = actual


def make_target(settings: Settings) -> Target:
    check_real_account_opt_in(settings)
    if settings.target == "moto":
        return MotoTarget(settings)
    if settings.target == "server":
        return ServerTarget(settings)
    if settings.target == "endpoint":
        return EndpointTarget(settings)
    raise ValueError(f"unknown --proton-target {settings.target!r}; choose from {', '.join(TARGETS)}")
