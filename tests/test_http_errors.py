"""Each domain error answers with its own status, at the edge, in the one error body shape."""

from __future__ import annotations

import pytest
from litestar import get
from litestar.testing import create_test_client

from followthrough import errors
from followthrough.http_errors import exception_handlers

KINDS = [
    (errors.MalformedInput("for", "choose 15m, 1h or tonight"), 400, "for"),
    (errors.NotAuthorized("email or password is wrong"), 401, None),
    (errors.Forbidden("only the partner may do this"), 403, None),
    (errors.NotFound("link"), 404, None),
    (errors.Conflict("token", "this invite was already used"), 409, "token"),
    (errors.Gone("the link has expired", field="token"), 410, "token"),
    (errors.InvalidInput("title", "is required"), 422, "title"),
    (errors.TooManyAttempts("at most 3 a day", field="message"), 429, "message"),
    (errors.Unavailable("cannot be reached; try again later", field="provider"), 503, "provider"),
]


@pytest.mark.parametrize(("error", "status", "field"), KINDS, ids=[type(kind[0]).__name__ for kind in KINDS])
def test_each_kind_of_domain_error_answers_its_own_status(
    error: errors.DomainError, status: int, field: str | None
) -> None:
    @get("/refused", sync_to_thread=False)
    def refused() -> None:
        raise error

    with create_test_client([refused], exception_handlers=exception_handlers) as client:
        answer = client.get("/refused")
    body = answer.json()
    assert (answer.status_code, body["status"], body["detail"]) == (status, status, error.detail)
    assert body["errors"] == ([] if field is None else [{"field": field, "message": error.message}])
    assert "retry-after" not in answer.headers


def test_too_many_attempts_says_when_to_try_again() -> None:
    @get("/refused", sync_to_thread=False)
    def refused() -> None:
        raise errors.TooManyAttempts("too many failed sign-ins; try again later", 900)

    with create_test_client([refused], exception_handlers=exception_handlers) as client:
        answer = client.get("/refused")
    assert (answer.status_code, answer.headers["retry-after"]) == (429, "900")
    assert answer.json()["errors"] == []
