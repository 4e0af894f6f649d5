"""The body of a request to the Proton endpoint, read within bounds and turned into parameters.

Whatever a client sends, the answer is an AWS JSON 1.0 error, never a crash: a body over
``limits.emulator-request-bytes`` (counted before it is read, and again after gzip is undone) is a
413 ``ValidationException``; a body that is not UTF-8, not JSON, nested deeper than
``limits.emulator-json-depth`` or not a JSON object is a 400 ``SerializationException``, as AWS's JSON
services answer. Nesting is measured before ``json.loads`` runs, so a deep body never recurses.
"""

from __future__ import annotations

import json
import re
import zlib
from typing import Any

from werkzeug.exceptions import HTTPException

from proton_lint import budgets
from pytest_proton.emulator.exceptions import ProtonError, SerializationException, ValidationException

_GZIP_MAGIC = b"\x1f\x8b"
#: JSON strings (their brackets do not nest) and everything that is not a bracket
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_OPENERS = frozenset("[{")
_JSON_KINDS = {list: "an array", str: "a string", int: "a number", float: "a number", bool: "a boolean"} | {
    type(None): "null"
}


def current_limit() -> int:
    """Bytes a request body may have (``limits.emulator-request-bytes`` of the budgets in force)."""
    return budgets.current().emulator_request_bytes


def too_large(size: int | None = None) -> ValidationException:
    """The 413 error for a body of ``size`` bytes (None: known only to be over the budget)."""
    limit = current_limit()
    has = f"has {size} bytes" if size is not None else "is larger than that"
    return ValidationException(
        f"The Proton emulator accepts request bodies of at most {limit} bytes (limits.emulator-request-bytes); "
        f"this one {has}",
        status=413,
    )


def check_size(size: int | None) -> None:
    """Refuse a body of ``size`` bytes (a Content-Length, or bytes in hand) over the budget."""
    if size is not None and size > current_limit():
        raise too_large(size)


def limit_request(request: Any) -> None:
    """Bound what reading ``request``'s body may take, before anything reads it.

    A werkzeug (server) request is refused at once when its Content-Length is over the budget, and
    otherwise cannot read more than the budget (a chunked body has no Content-Length). Its raw body
    is then read and cached, so that moto sees it whatever the Content-Type (a form would otherwise
    be parsed into fields and the JSON body lost). moto's in-process requests already hold their
    body, which is measured.
    """
    if hasattr(request, "max_content_length"):  # flask's Request: settable per request (Flask 3.1)
        check_size(request.content_length)
        # werkzeug stops a chunked body at the maximum without a word: one byte more shows it was cut
        request.max_content_length = current_limit() + 1
        check_size(len(request.get_data(cache=True)))
    else:
        body = getattr(request, "body", None)
        check_size(len(body) if isinstance(body, (bytes, str)) else None)


def unreadable(error: HTTPException) -> ProtonError:
    """What werkzeug raised while reading a body (413 past the budget, 400 for a bad form), as an AWS error."""
    if error.code == 413:
        return too_large()
    return SerializationException(f"The request body could not be read: {error.description or error.name}")


def gunzip(data: bytes) -> bytes:
    """Undo gzip, stopping at the budget (a small gzip can unpack to gigabytes)."""
    limit = current_limit()
    decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = decompressor.decompress(data, limit + 1)
    except zlib.error as error:
        raise SerializationException(f"The request body is not valid gzip: {error}") from None
    if len(out) > limit:
        raise too_large()
    return out


def decoded(data: bytes | str | None, content_encoding: str | None = None) -> str:
    """The body as text: gunzipped when it says so and still is gzip, then strict UTF-8.

    (moto's server gunzips before the view runs, without a bound: ``proton-emulator`` undoes gzip
    earlier, with :func:`gunzip`, see ``server.py``; in-process and here it is still gzip.)
    """
    if data is None:
        return ""
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    if (content_encoding or "").strip().lower() == "gzip" and data.startswith(_GZIP_MAGIC):
        data = gunzip(data)
    check_size(len(data))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise SerializationException(
            f"The request body is not UTF-8: byte 0x{data[error.start]:02x} at offset {error.start} cannot be decoded"
        ) from None


def nesting_exceeds(text: str, limit: int) -> bool:
    """Whether the JSON ``text`` nests arrays and objects deeper than ``limit`` (strings do not count)."""
    depth = 0
    for char in _NOT_BRACKET.sub("", _STRING.sub("", text)):
        depth = depth + 1 if char in _OPENERS else depth - 1
        if depth > limit:
            return True
    return False


def json_object(text: str) -> dict[str, Any]:
    """The parameters in a JSON 1.0 body: an empty body is ``{}``, anything but an object an error."""
    if not text.strip():
        return {}
    limit = budgets.current().emulator_json_depth
    if nesting_exceeds(text, limit):
        raise SerializationException(f"The request body nests deeper than {limit} levels (limits.emulator-json-depth)")
    try:
        params = json.loads(text)
    except ValueError as error:
        raise SerializationException(f"The request body is not valid JSON: {error}") from None
    except RecursionError:  # not reached after nesting_exceeds; kept so that no body can crash the parser
        raise SerializationException("The request body nests too deeply") from None
    if not isinstance(params, dict):
        raise SerializationException(f"The request body must be a JSON object, not {_JSON_KINDS[type(params)]}")
    return params
