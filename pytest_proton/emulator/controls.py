"""Test controls of the emulator: make the next deployments fail, hold them, move the clock.

Real Proton has no such switches; they exist so that tests can reach states that are otherwise
hard to produce. Three controls, each usable in-process and over HTTP:

* **fail next**: :func:`fail_next` queues a failure message for an account and region; the next
  deployment there (environment, service instance, pipeline, component) ends ``FAILED`` with that
  ``deploymentStatusMessage``. :func:`provisioning.deploy` consults :func:`take_failure` first.
* **hold**: deployments settle on a later read of their resource, as moto's ``state_manager``
  says (see ``provisioning.py``); :func:`hold_deployments` / :func:`release_deployments` set that
  transition (``{"progression": "manual", "times": N}``).
* **clock**: :func:`advance_clock` moves the emulator's clock forward: it installs (once) an
  :class:`~pytest_proton.emulator.clock.OffsetClock` over the current clock, which keeps running
  after the jump; a :class:`~pytest_proton.emulator.clock.ManualClock` a test installed is advanced
  instead (it only moves when told to).

:func:`reset` undoes all three. Over HTTP (moto server, ``proton-emulator``) every control is a
``POST`` to ``/_proton/controls/<action>`` on the Proton endpoint with a JSON body, signed or not
as any Proton request (moto routes by the SigV4 credential scope, so send
``Authorization: AWS4-HMAC-SHA256 Credential=x/20260101/<region>/proton/aws4_request``)::

    POST /_proton/controls/fail-next   {"message": "boom", "count": 1, "region": "us-east-1",
                                        "accountId": "123456789012"}
    POST /_proton/controls/hold        {"times": 1000}
    POST /_proton/controls/release     {}
    POST /_proton/controls/advance-clock {"seconds": 3600}
    POST /_proton/controls/reset       {}

Each answers ``200`` with a JSON body of the controls' state (:func:`state`); an unknown action is
a ``404``, a body that is not a JSON object a ``400``, another method than POST a ``405``.

``proton-emulator`` answers these routes itself (:func:`serve_controls`), so there no header is
needed. Another moto server (``ThreadedMotoServer``, ``moto_server``) routes a request by its
``Authorization`` header's credential scope, and one without it goes to S3: there send the header
above.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Callable
from typing import Any

from werkzeug.exceptions import HTTPException

from pytest_proton.emulator import clock as clock_module
from pytest_proton.emulator import request_body
from pytest_proton.emulator.exceptions import ProtonError

#: a failure queued for any account or region
ANY = "*"
#: at most this many failures queued by one call (a count is a list of messages)
MAX_QUEUED = 10_000

_lock = threading.Lock()
_failures: dict[tuple[str, str], deque[str]] = {}
_advanced_clock: clock_module.ManualClock | clock_module.OffsetClock | None = None
_previous_clock: clock_module.Clock | None = None


def fail_next(message: str, *, count: int = 1, account_id: str = ANY, region: str = ANY) -> None:
    """Make the next ``count`` deployments in ``account_id``/``region`` fail with ``message``."""
    if not 1 <= count <= MAX_QUEUED:
        raise ValueError(f"count must be 1 to {MAX_QUEUED:,}")
    with _lock:
        _failures.setdefault((account_id, region), deque()).extend([message] * count)


def take_failure(account_id: str, region: str) -> str | None:
    """Pop the failure queued for this account and region (most specific first); None if none."""
    with _lock:
        for key in ((account_id, region), (account_id, ANY), (ANY, region), (ANY, ANY)):
            queue = _failures.get(key)
            if queue:
                message = queue.popleft()
                if not queue:
                    del _failures[key]
                return message
    return None


def pending_failures() -> int:
    with _lock:
        return sum(len(queue) for queue in _failures.values())


def hold_deployments(times: int = 1_000_000) -> None:
    """Keep every new deployment IN_PROGRESS for ``times`` reads of its resource."""
    from moto.moto_api import state_manager

    from pytest_proton.emulator.provisioning import DEPLOYMENT_MODEL

    state_manager.set_transition(DEPLOYMENT_MODEL, {"progression": "manual", "times": int(times)})


def release_deployments() -> None:
    """Back to the default: a deployment settles on the first read after the request."""
    from moto.moto_api import state_manager

    from pytest_proton.emulator.provisioning import DEPLOYMENT_MODEL

    state_manager.unset_transition(DEPLOYMENT_MODEL)


def advance_clock(**delta: float) -> str:
    """Move the emulator's clock forward by ``timedelta(**delta)``; return the new time (ISO 8601)."""
    global _advanced_clock, _previous_clock
    with _lock:
        if _advanced_clock is None:
            current = clock_module.get_clock()
            if isinstance(current, clock_module.ManualClock):
                _advanced_clock = current
            else:
                _advanced_clock = clock_module.OffsetClock(current)
                _previous_clock = clock_module.set_clock(_advanced_clock)
        return _advanced_clock.advance(**delta).isoformat()


def reset() -> None:
    """Drop queued failures, release held deployments and give back the clock that was there before."""
    global _advanced_clock, _previous_clock
    with _lock:
        _failures.clear()
        if _previous_clock is not None:
            clock_module.set_clock(_previous_clock)
        _advanced_clock = _previous_clock = None
    release_deployments()


def state() -> dict[str, Any]:
    from moto.moto_api import state_manager

    from pytest_proton.emulator.provisioning import DEPLOYMENT_MODEL

    return {
        "pendingFailures": pending_failures(),
        "transition": state_manager.get_transition(DEPLOYMENT_MODEL),
        "now": clock_module.get_clock().now().isoformat(),
    }


# HTTP -------------------------------------------------------------------------------------------

_DELTA_KEYS = ("days", "hours", "minutes", "seconds")


def _apply(action: str, body: dict[str, Any]) -> None:
    if action == "fail-next":
        fail_next(
            str(body.get("message") or "Deployment failed (pytest_proton control)"),
            count=int(body.get("count", 1)),
            account_id=str(body.get("accountId", ANY)),
            region=str(body.get("region", ANY)),
        )
    elif action == "hold":
        hold_deployments(int(body.get("times", 1_000_000)))
    elif action == "release":
        release_deployments()
    elif action == "advance-clock":
        advance_clock(**{key: float(body[key]) for key in _DELTA_KEYS if key in body})
    elif action == "reset":
        reset()
    elif action != "state":
        raise KeyError(action)


def handle_request(request: Any, full_url: str, headers: Any) -> tuple[int, dict[str, str], str]:  # noqa: ARG001
    """moto URL handler for ``/_proton/controls/<action>``; a body that cannot be read is a 4xx JSON error."""
    action = full_url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    reply = {"Content-Type": "application/json"}
    try:
        body = request_body.json_object(request_body.decoded(_raw_body(request)))
        _apply(action, body)
    except ProtonError as error:
        return error.code, reply, error.get_body()
    except HTTPException as error:  # werkzeug, while reading the body
        unreadable = request_body.unreadable(error)
        return unreadable.code, reply, unreadable.get_body()
    except KeyError:
        return 404, reply, json.dumps({"message": f"unknown control {action!r}"})
    except (TypeError, ValueError, OverflowError) as error:  # OverflowError: a clock moved past year 9999
        return 400, reply, json.dumps({"message": str(error)})
    return 200, reply, json.dumps(state())


def _raw_body(request: Any) -> bytes | str | None:
    request_body.limit_request(request)
    if callable(getattr(request, "get_data", None)):  # flask (server mode): also when sent as a form
        return request.get_data()  # type: ignore[no-any-return]
    return getattr(request, "body", None)  # a PreparedRequest (in-process mock)


CONTROL_PATH = "/_proton/controls/"


def serve_controls(app: Callable[..., Any]) -> Callable[..., Any]:
    """A WSGI application that answers ``/_proton/controls/<action>`` itself and passes the rest to ``app``.

    moto's dispatcher picks a service from the request's ``Authorization`` header and sends an unsigned
    request to S3; the control routes must not depend on it (``proton-emulator`` serves through this).
    """
    from werkzeug.wrappers import Request, Response

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        path = environ.get("PATH_INFO", "")
        if not path.startswith(CONTROL_PATH):
            return app(environ, start_response)
        request = Request(environ)
        if request.method != "POST":
            status, headers, body = 405, {"Allow": "POST"}, json.dumps({"message": "test controls take POST"})
            headers["Content-Type"] = "application/json"
        else:
            status, headers, body = handle_request(request, request.url, request.headers)
        return Response(body, status=status, headers=headers)(environ, start_response)

    return application
