"""Every refusal and failure as an HTTP answer, in one shape (`errors.ErrorBody`).

Services raise domain errors (`followthrough.errors`), which know no HTTP; this maps each kind to its status.
Litestar's own refusals (a wrong type, an unknown route, the authentication guards' 401 and 403) and the
repository's errors get the same body.
"""

from __future__ import annotations

import logging
import re
from typing import Any

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
    HTTP_401_UNAUTHORIZED,
    HTTP_403_FORBIDDEN,
    HTTP_404_NOT_FOUND,
    HTTP_409_CONFLICT,
    HTTP_410_GONE,
    HTTP_422_UNPROCESSABLE_ENTITY,
    HTTP_429_TOO_MANY_REQUESTS,
    HTTP_500_INTERNAL_SERVER_ERROR,
    HTTP_503_SERVICE_UNAVAILABLE,
)
from sqlalchemy.exc import OperationalError

from followthrough.errors import (
    Conflict,
    DomainError,
    Forbidden,
    Gone,
    InvalidInput,
    MalformedInput,
    NotAuthorized,
    NotFound,
    TooManyAttempts,
    Unavailable,
)
from followthrough.requestid import request_id_of

logger = logging.getLogger(__name__)
# msgspec names the offending key only inside its message for unknown fields.
_UNKNOWN_FIELD = re.compile(r"unknown field `([^`]+)`")
# Checks in a schema's __post_init__ have no path; they start their message with the field instead.
_NAMED_FIELD = re.compile(r"^([A-Za-z][\w.\[\]]*): (.+)$")

STATUSES: dict[type[DomainError], int] = {
    MalformedInput: HTTP_400_BAD_REQUEST,
    NotAuthorized: HTTP_401_UNAUTHORIZED,
    Forbidden: HTTP_403_FORBIDDEN,
    NotFound: HTTP_404_NOT_FOUND,
    Conflict: HTTP_409_CONFLICT,
    Gone: HTTP_410_GONE,
    InvalidInput: HTTP_422_UNPROCESSABLE_ENTITY,
    TooManyAttempts: HTTP_429_TOO_MANY_REQUESTS,
    Unavailable: HTTP_503_SERVICE_UNAVAILABLE,
    DomainError: HTTP_422_UNPROCESSABLE_ENTITY,
}
"""Each kind's status; a kind not listed answers as its nearest listed ancestor."""


def status_of(error: DomainError) -> int:
    return next(STATUSES[kind] for kind in type(error).__mro__ if kind in STATUSES)


def _answer(
    request: Request[Any, Any, Any],
    status: int,
    detail: str,
    errors: list[dict[str, Any]],
    headers: dict[str, str] | None = None,
) -> Response[Any]:
    return Response(
        content={
            "status": status,
            "detail": detail,
            "errors": errors,
            "requestId": request_id_of(request.scope),
        },
        status_code=status,
        media_type=MediaType.JSON,
        headers=headers,
    )


def domain_error_handler(request: Request[Any, Any, Any], exc: DomainError) -> Response[Any]:
    errors = [] if exc.field is None else [{"field": exc.field, "message": exc.message}]
    headers = None
    if isinstance(exc, TooManyAttempts) and exc.retry_after_seconds is not None:
        headers = {"Retry-After": str(exc.retry_after_seconds)}
    return _answer(request, status_of(exc), exc.detail, errors, headers)


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
    return _answer(request, exc.status_code, detail, errors, exc.headers)


def repository_exception_handler(request: Request[Any, Any, Any], exc: RepositoryError) -> Response[Any]:
    if isinstance(exc, NotFoundError):
        return domain_error_handler(request, NotFound("resource"))
    if isinstance(exc, DuplicateKeyError | IntegrityError | ForeignKeyError):
        return _answer(request, HTTP_409_CONFLICT, "conflicts with stored data", [])
    return internal_error_handler(request, exc)


def operational_error_handler(request: Request[Any, Any, Any], exc: OperationalError) -> Response[Any]:
    """SQLite's "database is locked": other writers held it for the whole busy timeout (in this process's
    write queue or another process's). The request changed nothing, and sending it again later is right."""
    if "database is locked" in str(exc.orig):
        logger.warning("database busy on %s %s: answered 503", request.method, request.url.path)
        return domain_error_handler(request, Unavailable("the database is busy; try again shortly"))
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
    return _answer(request, HTTP_500_INTERNAL_SERVER_ERROR, "internal server error", [])


exception_handlers: dict[type[Exception] | int, Any] = {
    HTTP_500_INTERNAL_SERVER_ERROR: internal_error_handler,
    DomainError: domain_error_handler,
    HTTPException: http_exception_handler,
    RepositoryError: repository_exception_handler,
    OperationalError: operational_error_handler,
}
