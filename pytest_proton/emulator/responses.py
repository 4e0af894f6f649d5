"""ProtonResponse: Proton's JSON 1.0 protocol (``POST /``, ``X-Amz-Target: AwsProton20200720.<Op>``).

Dispatch goes through the operation table rather than one method per operation, so every call ends
in a proper AWS error: an unknown target, an operation not implemented yet, an unsupported region,
a body that is too large or cannot be read (``request_body.py``). Parameters are validated against
the model before the handler runs and the result is shaped by the model's output shape after.

No request ends in moto's or werkzeug's HTML error page: a request that cannot be read is a 4xx
JSON error, and an exception the emulator did not expect is a JSON ``InternalServerException``
(500, Proton's own server fault), logged with its traceback on the server's side only.
"""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

from moto.core.common_types import TYPE_RESPONSE
from moto.core.responses import BaseResponse
from werkzeug.exceptions import HTTPException

from pytest_proton.emulator import request_body
from pytest_proton.emulator.exceptions import (
    InternalServerException,
    ProtonError,
    SerializationException,
    UnknownOperationException,
)
from pytest_proton.emulator.models import ProtonBackend, proton_backends
from pytest_proton.emulator.operations import load_all
from pytest_proton.emulator.serialization import serialize_output
from pytest_proton.emulator.servicemodel import operation_model, target_prefix
from pytest_proton.emulator.validation import validate_input

CONTENT_TYPE = "application/x-amz-json-1.0"
LOG = logging.getLogger("pytest_proton.emulator")


def error_response(error: ProtonError) -> TYPE_RESPONSE:
    """``error`` in AWS's JSON 1.0 shape: ``{"__type", "message"}``, ``x-amzn-ErrorType``, a request id."""
    headers = dict(error.get_headers())
    headers["Content-Type"] = CONTENT_TYPE
    headers["x-amzn-RequestId"] = str(uuid.uuid4())
    return error.code, headers, error.get_body()


class ProtonResponse(BaseResponse):
    def __init__(self) -> None:
        super().__init__(service_name="proton")
        self.allow_request_decompression = False  # request_body.decoded undoes gzip within the budget

    @property
    def backend(self) -> ProtonBackend:
        try:
            return proton_backends[self.current_account][self.region]
        except KeyError:
            # moto only builds backends for the regions boto3 lists for Proton.
            raise UnknownOperationException(f"AWS Proton is not available in region '{self.region}'") from None

    def _dispatch(self, request: Any, full_url: str, headers: Any) -> TYPE_RESPONSE:
        """moto's dispatch, with the body bounded before it is read and kept as bytes (decoded here)."""
        try:
            request_body.limit_request(request)
            self.setup_class(request, full_url, headers, use_raw_body=True)
        except ProtonError as error:
            return error_response(error)
        except HTTPException as error:
            return error_response(request_body.unreadable(error))
        except Exception as error:  # moto could not parse the request: the client's to fix
            LOG.warning("Proton emulator: a request could not be read", exc_info=True)
            return error_response(SerializationException(f"The request could not be read ({type(error).__name__})"))
        return self.call_action()

    def call_action(self) -> TYPE_RESPONSE:
        try:
            return self._call()
        except ProtonError as error:
            return error_response(error)
        except HTTPException as error:
            return error_response(request_body.unreadable(error))
        except Exception:  # an emulator bug: a JSON server fault, not werkzeug's HTML page
            action = self._target()
            LOG.exception("Proton emulator: %s failed", action)
            return error_response(
                InternalServerException(f"The Proton emulator failed on {action}: see the server's log")
            )

    def _target(self) -> str:
        return self.headers.get("X-Amz-Target") or self.headers.get("x-amz-target") or ""

    def _call(self) -> TYPE_RESPONSE:
        target = self._target()
        prefix, _, action = target.rpartition(".")
        if prefix != target_prefix() or operation_model(action) is None:
            raise UnknownOperationException(f"Unknown operation '{target}'")
        handler = load_all().get(action)
        if handler is None:
            raise UnknownOperationException(f"The Proton emulator does not implement {action} yet")
        params = self._json_params()
        validate_input(action, params)
        backend = self.backend
        with backend.lock, backend.operation(action):
            result = handler(backend, params)
            body = serialize_output(action, result)
        return 200, {"Content-Type": CONTENT_TYPE, "x-amzn-RequestId": str(uuid.uuid4())}, json.dumps(body)

    def _json_params(self) -> dict[str, Any]:
        return request_body.json_object(request_body.decoded(self.body, self.headers.get("Content-Encoding")))
