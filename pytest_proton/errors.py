"""The exceptions the fixtures raise: each message is the report a test author needs."""

from __future__ import annotations


def with_article(noun: str) -> str:
    """``noun`` after "a" or "an": messages that name a kind from a variable ("an environment template")."""
    return f"{'an' if noun[:1].lower() in 'aeiou' else 'a'} {noun}"


class ProtonFixtureError(Exception):
    """Base class of pytest_proton's errors."""


class BundleNotFound(ProtonFixtureError, FileNotFoundError):
    """The path holds no bundle (or several): the message says what the linter found there."""


class InvalidRequest(ProtonFixtureError, ValueError):
    """A factory's arguments made a request the Proton API model refuses (botocore's client-side check)."""


class LintGateError(ProtonFixtureError):
    """The bundle has error-level findings; the message is proton-lint's text report."""


class RegistrationFailed(ProtonFixtureError):
    """The template version ended REGISTRATION_FAILED; the message quotes its statusMessage."""


class DeploymentFailed(ProtonFixtureError):
    """A deployment (or deletion) ended FAILED; the message quotes the deployment status message."""

    def __init__(self, message: str, *, status: str | None = None, status_message: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.status_message = status_message


class WaitTimeout(ProtonFixtureError, TimeoutError):
    """A resource did not reach a settled state in time."""


class ControlsUnavailable(ProtonFixtureError):
    """The target is not an emulator, so it has no controls."""


class TeardownError(ProtonFixtureError):
    """Some resources could not be deleted; the message lists them (they may have leaked)."""


class RealAccountRefused(ProtonFixtureError):
    """The target would reach a real AWS account without the explicit, matching opt-in."""
