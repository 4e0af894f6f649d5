"""Proton's seven error shapes as moto JSON errors (``{"__type": name, "message": ...}``).

The model gives none of them an ``httpStatusCode``; client errors answer 400 and the one server
fault (InternalServerException, ``fault: true`` in the model) answers 500. Two more are the JSON 1.0
protocol's own: an unknown ``X-Amz-Target`` and a body that cannot be read.
"""

from __future__ import annotations

from moto.core.exceptions import JsonRESTError

from pytest_proton.errors import with_article

__all__ = ["with_article"]  # messages of the emulator use it too


class ProtonError(JsonRESTError):
    """Base class: the subclass's name is the ``__type`` botocore parses into ``Error.Code``."""

    code = 400  # HTTP status (werkzeug's HTTPException attribute)

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(type(self).__name__, message)
        if status is not None:
            self.code = status


class ValidationException(ProtonError):
    """Invalid input: pattern, length, enum, range, token or parameter mismatch."""


class ResourceNotFoundException(ProtonError):
    """The named resource does not exist."""


class ConflictException(ProtonError):
    """A state conflict: the resource is busy, modified or still in use."""


class ServiceQuotaExceededException(ProtonError):
    """A quota was exceeded."""


class AccessDeniedException(ProtonError):
    """Only raised by fault injection: the emulator does not model IAM."""


class ThrottlingException(ProtonError):
    """Only raised by fault injection; botocore retries it."""


class InternalServerException(ProtonError):
    """A server fault."""

    code = 500


class UnknownOperationException(ProtonError):
    """Not a Proton shape: what AWS JSON services answer for an ``X-Amz-Target`` they do not know."""


class SerializationException(ProtonError):
    """Not a Proton shape: what AWS JSON services answer for a body that is not UTF-8 JSON of the input's form."""


ERROR_CLASSES: tuple[type[ProtonError], ...] = (
    ValidationException,
    ResourceNotFoundException,
    ConflictException,
    ServiceQuotaExceededException,
    AccessDeniedException,
    ThrottlingException,
    InternalServerException,
)
