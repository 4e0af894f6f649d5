"""``proton-emulator``'s WSGI middleware: what must happen before moto's application sees a request.

moto routes a request by its SigV4 credential scope, and gunzips a ``Content-Encoding: gzip`` body
in a ``before_request`` hook, before any view runs and without a bound. For requests meant for
Proton (``X-Amz-Target: AwsProton20200720.*``, or the emulator's ``/_proton/`` routes):

- without a credential scope naming ``proton``, moto would hand the request to another service
  (S3, whose parser fails with werkzeug's HTML 500); it is answered here with the JSON error AWS
  gives an unsigned or badly signed request;
- a gzip body is read and unpacked here, within ``limits.emulator-request-bytes``;
- an exception that escapes moto's application becomes a JSON ``InternalServerException``.

After ``POST /moto-api/reset`` the freed heap is handed back to the operating system, so that the
server's resident memory returns near its starting level (see ``benchmarks/soak_emulator.py``).
Everything else passes through untouched.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import gc
import io
import logging
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any

from pytest_proton.emulator import request_body
from pytest_proton.emulator.exceptions import InternalServerException, ProtonError
from pytest_proton.emulator.responses import error_response
from pytest_proton.emulator.servicemodel import target_prefix

LOG = logging.getLogger("pytest_proton.emulator")
RESET_PATH = "/moto-api/reset"
CONTROLS_PATH = "/_proton/"
SCOPE_HINT = "<access key>/<date>/<region>/proton/aws4_request"

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class MissingAuthenticationTokenException(ProtonError):
    """What AWS answers a request without an Authorization header (status 403)."""

    code = 403


class IncompleteSignatureException(ProtonError):
    """What AWS answers an Authorization header it cannot parse (status 400)."""


class ProtonGuard:
    """Wraps moto's ``DomainDispatcherApplication`` (see the module's docstring)."""

    def __init__(self, app: WSGIApp) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == RESET_PATH:
            try:
                return self.app(environ, start_response)
            finally:
                release_memory()
        if not is_for_proton(environ):
            return self.app(environ, start_response)
        try:
            check_scope(environ.get("HTTP_AUTHORIZATION"))
            if (environ.get("HTTP_CONTENT_ENCODING") or "").strip().lower() == "gzip":
                gunzip_body(environ)
            return self.app(environ, start_response)
        except ProtonError as error:
            return send(start_response, error)
        except Exception:  # an emulator or moto bug: a JSON server fault, not werkzeug's HTML page
            LOG.exception("Proton emulator: a request failed")
            return send(start_response, InternalServerException("The Proton emulator failed: see the server's log"))


def is_for_proton(environ: dict[str, Any]) -> bool:
    target = environ.get("HTTP_X_AMZ_TARGET") or ""
    return target.startswith(f"{target_prefix()}.") or str(environ.get("PATH_INFO", "")).startswith(CONTROLS_PATH)


def check_scope(authorization: str | None) -> None:
    """Refuse a Proton request moto could not route: no Authorization, or no ``.../proton/aws4_request`` scope."""
    if not authorization:
        raise MissingAuthenticationTokenException(
            f"Requests to AWS Proton need an Authorization header (SigV4, credential scope {SCOPE_HINT}): "
            "the emulator routes by it and does not check the signature"
        )
    fields = authorization.split(",")[0].split()
    scope = fields[1].removeprefix("Credential=").split("/") if len(fields) > 1 else []
    if len(scope) != 5 or scope[3] != "proton" or scope[4] != "aws4_request" or not scope[2]:
        raise IncompleteSignatureException(
            f"The Authorization header's credential scope must be {SCOPE_HINT}: "
            "the emulator routes requests by it and does not check the signature"
        )


def gunzip_body(environ: dict[str, Any]) -> None:
    """Replace a gzip body by its content, read and unpacked within the budget (moto's hook then skips it)."""
    plain = request_body.gunzip(_read_body(environ))
    environ["wsgi.input"] = io.BytesIO(plain)
    environ["CONTENT_LENGTH"] = str(len(plain))
    del environ["HTTP_CONTENT_ENCODING"]


def _read_body(environ: dict[str, Any]) -> bytes:
    """The raw body: Content-Length bytes, or a chunked body up to one byte past the budget."""
    length = str(environ.get("CONTENT_LENGTH") or "")
    stream = environ["wsgi.input"]
    if length.isdigit():
        request_body.check_size(int(length))
        return stream.read(int(length))  # type: ignore[no-any-return]
    if environ.get("wsgi.input_terminated"):  # chunked: the server ends the stream
        data: bytes = stream.read(request_body.current_limit() + 1)
        request_body.check_size(len(data))
        return data
    return b""


def send(start_response: Callable[..., Any], error: ProtonError) -> list[bytes]:
    status, headers, body = error_response(error)
    start_response(f"{status} {HTTPStatus(status).phrase}", list(headers.items()))
    return [body.encode("utf-8")]


def release_memory() -> None:
    """Collect garbage, then give the heap's free pages back to the OS (glibc's ``malloc_trim``; else nothing)."""
    gc.collect()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name).malloc_trim if name else None  # type: ignore[no-any-return]
    except (OSError, AttributeError):  # not glibc (macOS, musl): freed memory stays with the process
        return None
