"""ProtonResponse: Proton's JSON 1.0 protocol (``POST /``, ``X-Amz-Target: AwsProton20200720.<Op>``).

Dispatch goes through the operation table rather than one method per operation, so every call ends
in a proper AWS error: an unknown target, an operation not implemented yet, an unsupported region,
a malformed body. Parameters are validated against the model before the handler runs and the
result is shaped by the model's output shape after.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from moto.core.common_types import TYPE_RESPONSE
from moto.core.responses import BaseResponse

from pytest_proton.emulator.exceptions import ProtonError, UnknownOperationException, ValidationException
from pytest_proton.emulator.models import ProtonBackend, proton_backends
from pytest_proton.emulator.operations import load_all
from pytest_proton.emulator.serialization import serialize_output
from pytest_proton.emulator.servicemodel import operation_model, target_prefix
from pytest_proton.emulator.validation import validate_input

CONTENT_TYPE = "application/x-amz-json-1.0"


class ProtonResponse(BaseResponse):
    def __init__(self) -> None:
        super().__init__(service_name="proton")

    @property
    def backend(self) -> ProtonBackend:
        try:
            return proton_backends[self.current_account][self.region]
        except KeyError:
            # moto only builds backends for the regions boto3 lists for Proton.
            raise UnknownOperationException(f"AWS Proton is not available in region '{self.region}'") from None

    def call_action(self) -> TYPE_RESPONSE:
        try:
            return self._call()
        except ProtonError as error:
            headers = dict(error.get_headers())
            headers["Content-Type"] = CONTENT_TYPE
            headers["x-amzn-RequestId"] = str(uuid.uuid4())  # as on a success: clients log and show it
            return error.code, headers, error.get_body()

    def _call(self) -> TYPE_RESPONSE:
        target = self.headers.get("X-Amz-Target") or self.headers.get("x-amz-target") or ""
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
        raw = self.body.decode("utf-8") if isinstance(self.body, bytes) else (self.body or "")
        if not raw.strip():
            return {}
        try:
            params = json.loads(raw)
        except ValueError:
            raise ValidationException("The request body is not valid JSON") from None
        if not isinstance(params, dict):
            raise ValidationException("The request body must be a JSON object")
        return params
