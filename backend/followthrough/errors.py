"""What a request can be refused for, said without HTTP.

Services raise these; the edge (`followthrough.http_errors`) answers each kind with its status, in the one
shape every 4xx and 5xx has, `ErrorBody`: `{status, detail, errors: [{field, message}], requestId}`. Clients
(the PWA, scripts) read `errors[].field` to show the message next to the input that caused it. The CLI shows
`detail`.
"""

from __future__ import annotations

import msgspec


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


class DomainError(Exception):
    """A request refused by a rule. `field` names the input at fault (camelCase and dotted as on the wire), or
    is None when no single input is; the answer's `errors` then is empty."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    @property
    def detail(self) -> str:
        """The refusal in one sentence: `field: message`, or the message alone."""
        return f"{self.field}: {self.message}" if self.field else self.message

    def __str__(self) -> str:
        return self.detail

    def within(self, path: str) -> None:
        """Names the field by its path in a larger request (`title` in `barriers[1]`: `barriers[1].title`)."""
        self.field = f"{path}.{self.field}" if self.field else path


class InvalidInput(DomainError):
    """Input that is well-formed but breaks a rule (422)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message, field)


class MalformedInput(InvalidInput):
    """Input that is not of the form it must have at all, as a value outside an enumeration (400, as the
    server answers a wrong type)."""


class Conflict(InvalidInput):
    """Input that conflicts with stored data: a duplicate, or an answer given already (409)."""


class NotFound(DomainError):
    """Answers ids that do not exist and ids that belong to someone else alike (404)."""

    def __init__(self, what: str) -> None:
        super().__init__(f"{what} not found")


class NotAuthorized(DomainError):
    """Credentials that prove no one: a wrong email or password (401)."""


class Forbidden(DomainError):
    """A caller who is known but may not do this (403)."""


class Gone(DomainError):
    """Something that existed and ended for good: an expired link, an undone check-in (410). Final, so that a
    client (the PWA's outbox) drops the request rather than retry it."""


class Unavailable(DomainError):
    """Something the request needs cannot be reached now, such as a sign-in provider (503)."""


class TooManyAttempts(DomainError):
    """Too many attempts in a window (429). `retry_after_seconds`, when known, is when to try again: the
    answer's `Retry-After`."""

    def __init__(
        self, message: str, retry_after_seconds: int | None = None, field: str | None = None
    ) -> None:
        super().__init__(message, field)
        self.retry_after_seconds = retry_after_seconds
