"""One error shape for every 4xx and 5xx: `{status, detail, errors: [{field, message}], requestId}`.

Clients (the PWA, scripts) read `errors[].field` to show the message next to the input that caused it.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import msgspec
from advanced_alchemy.exceptions import (
    DuplicateKeyError,
    ForeignKeyError,
    IntegrityError,
    NotFoundError,
    RepositoryError,
)
from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.params import ParameterKwarg
from litestar.status_codes import (
    HTTP_400_BAD_REQUEST,
    HTTP_404_NOT_FOUND,
    HTTP_409_CONFLICT,
    HTTP_415_UNSUPPORTED_MEDIA_TYPE,
    HTTP_422_UNPROCESSABLE_ENTITY,
    HTTP_500_INTERNAL_SERVER_ERROR,
)

from followthrough.requestid import request_id_of

logger = logging.getLogger(__name__)
# msgspec names the offending key only inside its message for unknown fields.
_UNKNOWN_FIELD = re.compile(r"unknown field `([^`]+)`")
# Checks in a schema's __post_init__ have no path; they start their message with the field instead.
_NAMED_FIELD = re.compile(r"^([A-Za-z][\w.\[\]]*): (.+)$")


class FieldError(msgspec.Struct):
    field: str
    """The offending field, camelCase and dotted as on the wire (`schedule.rrule`), or `body`."""
    message: str
    """The rule it breaks."""


class ErrorBody(msgspec.Struct):
    """The body of every error response."""

    status: int
    detail: str
    errors: list[FieldError]
    request_id: str = msgspec.field(name="requestId")
    """This request's id, as in its `X-Request-ID` answer header and the server's log lines about it: quote it
    when reporting a problem."""


class InvalidInput(HTTPException):
    """Input that is well-formed but breaks a rule: names the field (camelCase, as on the wire)."""

    status_code = HTTP_422_UNPROCESSABLE_ENTITY

    def __init__(self, field: str, message: str, status_code: int | None = None) -> None:
        super().__init__(
            detail=f"{field}: {message}",
            status_code=status_code or self.status_code,
            extra=[{"field": field, "message": message}],
        )


class Conflict(InvalidInput):
    status_code = HTTP_409_CONFLICT


class UnreadableBody(InvalidInput):
    """A body that cannot be decoded safely: not UTF-8, or nested too deep."""

    status_code = HTTP_400_BAD_REQUEST

    def __init__(self, message: str) -> None:
        super().__init__("body", message)


class UnsupportedMediaType(InvalidInput):
    """A body that is not declared `application/json`, as a cross-site form would send it."""

    status_code = HTTP_415_UNSUPPORTED_MEDIA_TYPE

    def __init__(self, message: str) -> None:
        super().__init__("content-type", message)


class NotFound(HTTPException):
    """Answers ids that do not exist and ids that belong to someone else alike."""

    status_code = HTTP_404_NOT_FOUND

    def __init__(self, what: str) -> None:
        super().__init__(detail=f"{what} not found")


def _body(
    request: Request[Any, Any, Any], status: int, detail: str, errors: list[dict[str, Any]]
) -> dict[str, Any]:
    return {"status": status, "detail": detail, "errors": errors, "requestId": request_id_of(request.scope)}


def _wire_names(request: Request[Any, Any, Any]) -> dict[str, str]:
    """Litestar names a refused parameter by its Python name (`since`); the client sent its alias (`from`)."""
    try:
        parameters = request.route_handler.parsed_fn_signature.parameters
    except (AttributeError, KeyError):  # no handler matched (a 404 or 405 before routing)
        return {}
    return {
        name: parameter.kwarg_definition.name
        for name, parameter in parameters.items()
        if isinstance(parameter.kwarg_definition, ParameterKwarg) and parameter.kwarg_definition.name
    }


def http_exception_handler(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    errors: list[dict[str, Any]] = []
    wire_names = _wire_names(request) if isinstance(exc, ValidationException) else {}
    detail = exc.detail
    if isinstance(exc.extra, list):
        for item in exc.extra:
            if not isinstance(item, dict):
                continue
            # Litestar's own validation errors say "key"; ours say "field".
            message = str(item.get("message", ""))
            field = item.get("field") or item.get("key") or item.get("source") or "body"
            field = wire_names.get(str(field), field)
            unknown = _UNKNOWN_FIELD.search(message)
            named = _NAMED_FIELD.match(message)
            if unknown:
                field = unknown.group(1)
            elif field in {"data", "body"} and named:
                field, message = named.groups()
            elif field == "data":
                field = "body"
            errors.append({"field": str(field), "message": message})
    if isinstance(exc, ValidationException) and errors:
        detail = "; ".join(f"{error['field']}: {error['message']}" for error in errors)
    return Response(
        content=_body(request, exc.status_code, detail, errors),
        status_code=exc.status_code,
        media_type=MediaType.JSON,
        headers=exc.headers,
    )


def repository_exception_handler(request: Request[Any, Any, Any], exc: RepositoryError) -> Response[Any]:
    if isinstance(exc, NotFoundError):
        return http_exception_handler(request, NotFound("resource"))
    if isinstance(exc, DuplicateKeyError | IntegrityError | ForeignKeyError):
        return http_exception_handler(
            request, HTTPException(status_code=HTTP_409_CONFLICT, detail="conflicts with stored data")
        )
    return internal_error_handler(request, exc)


def internal_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    logger.exception(
        "unhandled error on %s %s",
        request.method,
        request.url.path,
        exc_info=exc,
        # Raised from a middleware, it is handled after the request's id stopped being current.
        extra={"request_id": request_id_of(request.scope)},
    )
    return Response(
        content=_body(request, HTTP_500_INTERNAL_SERVER_ERROR, "internal server error", []),
        status_code=HTTP_500_INTERNAL_SERVER_ERROR,
        media_type=MediaType.JSON,
    )


exception_handlers: dict[type[Exception] | int, Any] = {
    HTTP_500_INTERNAL_SERVER_ERROR: internal_error_handler,
    HTTPException: http_exception_handler,
    RepositoryError: repository_exception_handler,
}
