"""The error responses in the OpenAPI document, derived from each handler rather than written on each.

Every 4xx and 5xx has one body (`errors.ErrorBody`). Which statuses a handler can answer follows from what it
is: signed-in handlers can answer 401, writes through a cookie session 403 (CSRF), handlers with an id in the
path or a body 404, writes 409 and 413, and handlers that check a password (`opt={"rate_limited": True}`)
401 or 403 for a wrong one and 429. Documenting them keeps
generated clients and the schemathesis run honest about what the API really answers.
"""

from __future__ import annotations

from litestar import Litestar
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.routes import HTTPRoute

from followthrough.errors import ErrorBody

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


def _spec(description: str) -> ResponseSpec:
    return ResponseSpec(data_container=ErrorBody, description=description, generate_examples=False)


def error_statuses(handler: HTTPRouteHandler, has_path_parameters: bool) -> dict[int, str]:
    """The error statuses this handler can answer, each with what it means here."""
    methods = handler.http_methods
    statuses = {
        400: "The request could not be read: malformed JSON, a wrong type, or an unknown field",
        422: "The request breaks a rule; `errors` names each field and the rule",
    }
    if not handler.opt.get("exclude_from_auth"):
        statuses[401] = "Not signed in, or the session or token has expired"
        if methods & WRITE_METHODS:
            statuses[403] = "A cookie-session write without the right X-CSRF-Token header"
    if handler.opt.get("rate_limited"):
        statuses[401 if handler.opt.get("exclude_from_auth") else 403] = "Wrong email or password"
        statuses[429] = "Too many failed attempts; Retry-After says when to try again"
    if has_path_parameters or methods & BODY_METHODS:
        # Bodies refer to other resources too (a check-in names its key action).
        statuses[404] = "No such resource among the participant's own"
    if methods & WRITE_METHODS:
        statuses[409] = "Conflicts with stored data (a duplicate, or a replay with a different body)"
    if methods & BODY_METHODS:
        statuses[413] = "The body is larger than the server accepts"
    return statuses


def document_error_responses(app: Litestar) -> None:
    """Adds the error responses to every documented handler; the document is built on first request."""
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            if not handler.include_in_schema:
                continue
            documented = {
                status: _spec(description)
                for status, description in error_statuses(handler, bool(route.path_parameters)).items()
            }
            handler.responses = {**documented, **(handler.responses or {})}
