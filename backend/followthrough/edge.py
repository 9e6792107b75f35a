"""What every request passes before a handler reads it, and every answer carries on its way out.

Requests (`check_request`, a guard on the whole app, so after routing and authentication and before Litestar
decodes anything):
- A handler that takes a body takes JSON only. A cross-site `<form>` can send text/plain, urlencoded or
  multipart without a CORS preflight, but never `application/json`: refusing the rest with 415 stops a form
  from signing a victim into someone else's account (login CSRF).
- The body must be UTF-8 and nest at most `MAX_JSON_DEPTH` levels. msgspec decodes recursively and raises
  RecursionError (about 1,000 levels deep) and UnicodeDecodeError, neither of which Litestar turns into a
  client error, so both are refused here, before decoding.
- No string anywhere (body values and keys, query and path parameters) holds a NUL character. PostgreSQL
  cannot store one and SQLite can; refusing it here makes both databases answer alike.

Answers (`add_security_headers`, a before-send hook, so it also sees 404s from the router and errors
from the middleware): every answer says `nosniff`; API answers, which carry sessions' CSRF tokens and
people's own data, are never stored by a browser or a proxy.
"""

from __future__ import annotations

import re
from array import array
from itertools import accumulate
from typing import Any

import msgspec
from litestar import Request
from litestar.connection import ASGIConnection
from litestar.datastructures import MutableScopeHeaders
from litestar.exceptions import HTTPException
from litestar.handlers.base import BaseRouteHandler
from litestar.status_codes import HTTP_415_UNSUPPORTED_MEDIA_TYPE
from litestar.types import Message, Scope

from followthrough.errors import InvalidInput, MalformedInput

JSON_MEDIA_TYPE = "application/json"
JSON_CHARSETS = frozenset({"utf-8", "utf8"})
MAX_JSON_DEPTH = 64
"""Far above any schema's own nesting, far below what a recursive decoder survives."""
NUL = "\x00"
# The only way a NUL reaches a decoded JSON string: a raw NUL byte is malformed JSON.
_ESCAPED_NUL = b"\\u0000"
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_BRACKETS = b"[]{}"
_NOT_BRACKETS = bytes(byte for byte in range(256) if byte not in _BRACKETS)
# Opening brackets step one level in (1), closing ones one level out (0xff, -1 as a signed byte).
_STEPS = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")

API_PATH = "/api/"
API_CACHE_CONTROL = "no-store"


def takes_body(route_handler: BaseRouteHandler) -> bool:
    return "data" in route_handler.parsed_fn_signature.parameters


async def check_request(
    connection: ASGIConnection[Any, Any, Any, Any], route_handler: BaseRouteHandler
) -> None:
    for name, value in connection.path_params.items():
        if isinstance(value, str) and NUL in value:
            raise _nul(name)
    for name, value in connection.query_params.multi_items():
        if NUL in name or NUL in value:
            raise _nul(name)
    if isinstance(connection, Request) and takes_body(route_handler):
        await _check_body(connection)


async def _check_body(request: Request[Any, Any, Any]) -> None:
    media_type, options = request.content_type
    if media_type and media_type != JSON_MEDIA_TYPE:
        raise _unsupported(f"must be {JSON_MEDIA_TYPE}, not {media_type}")
    charset = options.get("charset")
    if charset is not None and charset.lower() not in JSON_CHARSETS:
        raise _unsupported(f"JSON is UTF-8, not {charset}")
    body = await request.body()
    if not body:
        return  # the handler says whether its body is required
    if not media_type:
        raise _unsupported(f"must be {JSON_MEDIA_TYPE}; the request does not say")
    try:
        body.decode()
    except UnicodeDecodeError as error:
        raise MalformedInput("body", f"is not valid UTF-8 (byte {error.start})") from None
    if nests_too_deep(body):
        raise MalformedInput("body", f"nests deeper than {MAX_JSON_DEPTH} levels")
    if _ESCAPED_NUL in body:
        try:
            decoded = msgspec.json.decode(body)
        except msgspec.DecodeError:
            return  # malformed: Litestar's own decoding answers 400
        field = nul_field(decoded)
        if field is not None:
            raise _nul(field)


def nests_too_deep(body: bytes) -> bool:
    if body.count(b"[") + body.count(b"{") <= MAX_JSON_DEPTH:
        return False  # the common case costs two counts
    return json_depth(body) > MAX_JSON_DEPTH


def json_depth(body: bytes) -> int:
    """How deep the JSON text's arrays and objects nest, counted without decoding it."""
    structure = _JSON_STRING.sub(b"", body).translate(None, _NOT_BRACKETS).translate(_STEPS)
    return max(accumulate(array("b", structure)), default=0)


def nul_field(value: Any) -> str | None:
    """The first field (dotted and indexed as on the wire: `schedule.rrule`, `items[0]`) whose value or
    key holds a NUL, or `body` for the body itself; None when there is none. Iterative: no depth limit."""
    pending: list[tuple[str, Any]] = [("", value)]
    while pending:
        path, item = pending.pop()
        if isinstance(item, str):
            if NUL in item:
                return path or "body"
        elif isinstance(item, dict):
            for key, child in item.items():
                child_path = f"{path}.{key}" if path else key
                if NUL in key:
                    return child_path
                pending.append((child_path, child))
        elif isinstance(item, list):
            pending.extend((f"{path}[{index}]", child) for index, child in enumerate(item))
    return None


def _unsupported(message: str) -> HTTPException:
    """A body that is not declared `application/json`, as a cross-site form would send it."""
    return HTTPException(
        status_code=HTTP_415_UNSUPPORTED_MEDIA_TYPE,
        detail=f"content-type: {message}",
        extra=[{"field": "content-type", "message": message}],
    )


def _nul(field: str) -> InvalidInput:
    return InvalidInput(field.replace(NUL, "\\u0000"), "must not contain the NUL character (\\u0000)")


async def add_security_headers(message: Message, scope: Scope) -> None:
    if message["type"] != "http.response.start":
        return
    headers = MutableScopeHeaders.from_message(message)
    if "x-content-type-options" not in headers:
        headers["X-Content-Type-Options"] = "nosniff"
    if scope["path"].startswith(API_PATH):
        headers["Cache-Control"] = API_CACHE_CONTROL
