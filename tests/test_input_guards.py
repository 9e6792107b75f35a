"""What every request passes before a handler reads it (followthrough.edge): JSON bodies only, bodies safe to
decode, and no NUL character in any string; and that hostile input never becomes a 5xx or a stack trace."""

from __future__ import annotations

import json
import logging
from uuid import uuid4

import pytest
from litestar import Litestar
from litestar.routes import HTTPRoute
from sqlalchemy import select

from followthrough.edge import MAX_JSON_DEPTH, json_depth, nests_too_deep, nul_field, takes_body
from followthrough.identity.models import Participant
from tests.conftest import Caller, Callers, Database

SIGN_IN = "/api/v1/auth/sign-in"
SIGN_UP = "/api/v1/auth/sign-up"
KEY_ACTIONS = "/api/v1/key-actions"
ACTION = {"title": "Ask for a training budget", "schedule": {"kind": "once", "dueAt": "2026-03-06T17:00:00"}}
NOT_JSON = [
    "text/plain",
    "text/plain; charset=utf-8",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "application/json; charset=latin-1",
    "application/xml",
]
DEEP = b"[" * 10_000 + b"]" * 10_000
DEEP_OBJECT = b'{"a":' * 10_000 + b"1" + b"}" * 10_000


def body_operations(app: Litestar) -> list[tuple[str, str]]:
    """(method, path) of every operation that takes a body, with made-up ids in the path."""
    operations = []
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            if takes_body(handler):
                path = route.path_format.format(**{name: str(uuid4()) for name in route.path_parameters})
                operations.extend((method, path) for method in sorted(handler.http_methods))
    return operations


async def send_to_all(app: Litestar, caller: Caller, content: bytes, content_type: str | None) -> list[str]:
    """Sends the same body to every body operation; the answers, one line each."""
    operations = body_operations(app)
    assert len(operations) >= 23  # the review counted 23; sign-in, sign-up and the act link among them
    answers = []
    for method, path in operations:
        headers = {} if content_type is None else {"content-type": content_type}
        response = await caller.request(method, path, content=content, headers=headers)
        answers.append(f"{response.status_code} {method} {path} {response.text}")
    return answers


def refused(answers: list[str], status: int, field: str) -> list[str]:
    """The answers that are not `status` naming `field`."""
    return [
        answer
        for answer in answers
        if not answer.startswith(f"{status} ")
        or [error["field"] for error in json.loads(answer.split(" ", 3)[3])["errors"]] != [field]
    ]


# ----------------------------------------------------------------------------------------------------------
# Finding 1: JSON only, so a cross-site form cannot sign anyone in


async def test_a_text_plain_sign_in_is_refused_and_signs_nobody_in(owner: Caller, callers: Callers) -> None:
    victim = callers.anonymous()
    credentials = json.dumps({"email": owner.email, "password": owner.password})
    response = await victim.post(SIGN_IN, content=credentials, headers={"content-type": "text/plain"})
    assert response.status_code == 415, response.text
    assert response.json()["errors"] == [
        {"field": "content-type", "message": "must be application/json, not text/plain"}
    ]
    assert "set-cookie" not in response.headers
    assert (await victim.get("/api/v1/auth/session")).status_code == 401


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
async def test_a_sign_up_not_sent_as_json_makes_no_account(
    callers: Callers, database: Database, content_type: str | None
) -> None:
    email = f"form-{uuid4().hex[:10]}@example.com"
    body = {"email": email, "password": "correct horse battery", "displayName": "F", "timeZone": "UTC"}
    headers = {} if content_type is None else {"content-type": content_type}
    response = await callers.anonymous().post(SIGN_UP, content=json.dumps(body), headers=headers)
    assert response.status_code == 415, response.text
    assert "set-cookie" not in response.headers
    async with database() as session:
        assert await session.scalar(select(Participant).where(Participant.email == email)) is None


@pytest.mark.parametrize("content_type", NOT_JSON)
async def test_every_body_operation_refuses_what_is_not_json(
    app: Litestar, owner: Caller, content_type: str
) -> None:
    answers = await send_to_all(app, owner, b'{"title": "x"}', content_type)
    assert refused(answers, 415, "content-type") == []


async def test_a_body_without_a_content_type_is_refused_everywhere(app: Litestar, owner: Caller) -> None:
    answers = await send_to_all(app, owner, b'{"title": "x"}', None)
    assert refused(answers, 415, "content-type") == []


async def test_json_with_a_utf8_charset_is_welcome(owner: Caller, callers: Callers) -> None:
    credentials = json.dumps({"email": owner.email, "password": owner.password})
    response = await callers.anonymous().post(
        SIGN_IN, content=credentials, headers={"content-type": "application/json; charset=UTF-8"}
    )
    assert response.status_code == 200, response.text


async def test_operations_without_a_body_need_no_content_type(owner: Caller, callers: Callers) -> None:
    # One-tap and undo links are posted bare; one-tap takes no body, so a form's body changes nothing.
    anonymous = callers.anonymous()
    assert (await anonymous.post("/api/v1/act/AbCdEfGhIjKlMnOpQrStUv/undo")).status_code == 404
    tapped = await anonymous.post(
        "/api/v1/encourage/AbCdEfGhIjKlMnOpQrStUv.sig", content=b"x=1", headers={"content-type": "text/plain"}
    )
    assert tapped.status_code == 404, tapped.text
    created = await owner.post(KEY_ACTIONS, json=ACTION)
    assert created.status_code == 201, created.text
    deleted = await owner.delete(f"{KEY_ACTIONS}/{created.json()['id']}")
    assert deleted.status_code == 204, deleted.text
    signed_out = await owner.post("/api/v1/auth/sign-out")
    assert signed_out.status_code == 204, signed_out.text


async def test_a_body_that_is_missing_is_still_the_handlers_to_refuse(callers: Callers) -> None:
    response = await callers.anonymous().post(SIGN_IN)
    assert response.status_code == 400, response.text


# ----------------------------------------------------------------------------------------------------------
# Finding 4: bodies safe to decode, and no NUL in any string


@pytest.mark.parametrize("body", [DEEP, DEEP_OBJECT], ids=["arrays", "objects"])
async def test_json_nested_ten_thousand_deep_is_a_400_on_every_body_operation(
    app: Litestar, owner: Caller, body: bytes
) -> None:
    answers = await send_to_all(app, owner, body, "application/json")
    assert refused(answers, 400, "body") == []
    assert f"nests deeper than {MAX_JSON_DEPTH} levels" in answers[0]


async def test_invalid_utf8_is_a_400_on_every_body_operation(app: Litestar, owner: Caller) -> None:
    answers = await send_to_all(app, owner, b'{"title": "caf\xe9"}', "application/json")
    assert refused(answers, 400, "body") == []
    assert "is not valid UTF-8" in answers[0]


async def test_a_nul_anywhere_in_a_body_is_a_422_on_every_body_operation(
    app: Litestar, owner: Caller
) -> None:
    answers = await send_to_all(app, owner, b'{"note": {"items": ["ok", "a\\u0000b"]}}', "application/json")
    assert refused(answers, 422, "note.items[1]") == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**ACTION, "title": "Ask\u0000"}, "title"),
        ({**ACTION, "schedule": {**ACTION["schedule"], "kind": "once\u0000"}}, "schedule.kind"),
        (
            {
                **ACTION,
                "schedule": {"kind": "recurring", "startsAt": "2026-03-02T08:00:00", "rrule": "\u0000"},
            },
            "schedule.rrule",
        ),
        ({**ACTION, "ti\u0000tle": "x"}, "ti\\u0000tle"),
    ],
    ids=["value", "nested", "rrule", "key"],
)
async def test_a_nul_is_refused_naming_its_field_and_nothing_is_stored(
    owner: Caller, body: dict[str, object], field: str
) -> None:
    response = await owner.post(KEY_ACTIONS, json=body)
    assert response.status_code == 422, response.text
    assert [error["field"] for error in response.json()["errors"]] == [field]
    assert (await owner.get(KEY_ACTIONS)).json()["total"] == 0


async def test_a_sign_up_with_a_nul_makes_no_account(callers: Callers, database: Database) -> None:
    email = f"nul-{uuid4().hex[:10]}@example.com"
    body = {"email": email, "password": "correct\u0000horse battery", "displayName": "N", "timeZone": "UTC"}
    response = await callers.anonymous().post(SIGN_UP, json=body)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "password"
    async with database() as session:
        assert await session.scalar(select(Participant).where(Participant.email == email)) is None


async def test_a_nul_in_a_query_or_path_parameter_is_refused_naming_it(owner: Caller) -> None:
    created = (await owner.post(KEY_ACTIONS, json=ACTION)).json()
    for url, field in [
        (f"{KEY_ACTIONS}/{created['id']}/occurrences?from=2026-03-02%00", "from"),
        (f"{KEY_ACTIONS}?status=active%00", "status"),
        (f"{KEY_ACTIONS}?x%00y=1", "x\\u0000y"),
        ("/api/v1/act/AbCdEfGhIj%00KlMnOpQrStUv", "token"),
    ]:
        response = await owner.get(url)
        assert response.status_code == 422, f"{url}: {response.text}"
        assert [error["field"] for error in response.json()["errors"]] == [field], url


def test_depth_is_counted_outside_strings_only() -> None:
    assert json_depth(b'{"a": "' + b"[{" * 500 + b'"}') == 1
    assert json_depth(b'{"a": "\\"' + b"[" * 100 + b'", "b": [[1]]}') == 3
    assert json_depth(b"[" * MAX_JSON_DEPTH + b"]" * MAX_JSON_DEPTH) == MAX_JSON_DEPTH
    assert json_depth(b"[" * 65 + b"]" * 65) == 65
    assert json_depth(b"[{}]" * 100) == 2
    assert not nests_too_deep(b"[{}]" * 100)
    assert not nests_too_deep(b"[" * MAX_JSON_DEPTH + b"]" * MAX_JSON_DEPTH)
    assert nests_too_deep(b"[" * 65 + b"]" * 65)


def test_the_nul_field_is_named_as_on_the_wire() -> None:
    assert nul_field({"a": [{"b": "ok"}, {"b": "x\u0000"}]}) == "a[1].b"
    assert nul_field("\u0000") == "body"
    assert nul_field({"a": ["ok", 1, None, True]}) is None


# ----------------------------------------------------------------------------------------------------------
# No 5xx and no stack trace from any of it


async def test_hostile_requests_get_4xx_and_leave_no_stack_trace(
    owner: Caller, callers: Callers, caplog: pytest.LogCaptureFixture
) -> None:
    anonymous = callers.anonymous()
    action_id = (await owner.post(KEY_ACTIONS, json=ACTION)).json()["id"]
    json_type = {"content-type": "application/json"}
    hostile: list[tuple[Caller, str, str, bytes | None, dict[str, str]]] = []
    for target in (SIGN_IN, SIGN_UP, "/api/v1/invites/accept", "/api/v1/act/AbCdEfGhIjKlMnOpQrStUv"):
        hostile += [
            (anonymous, "POST", target, DEEP, json_type),
            (anonymous, "POST", target, DEEP_OBJECT, json_type),
            (anonymous, "POST", target, b'"\xff\xfe"', json_type),
            (anonymous, "POST", target, b'{"email": "a\\u0000@example.com"}', json_type),
            (anonymous, "POST", target, b'{"email": "\\ud800"}', json_type),
            (anonymous, "POST", target, b'{"email": "a\x00"}', json_type),
            (anonymous, "POST", target, b'{"email": "[[[[', json_type),
            (anonymous, "POST", target, b"{" * 300_000, json_type),
            (anonymous, "POST", target, b'{"email": "x"}', {"content-type": "text/plain"}),
            (anonymous, "POST", target, b"email=x", {"content-type": "application/x-www-form-urlencoded"}),
            (
                anonymous,
                "POST",
                target,
                b"--x\r\n\r\n--x--",
                {"content-type": "multipart/form-data; boundary=x"},
            ),
            (anonymous, "POST", target, b'{"email": "x"}', {}),
        ]
    hostile += [
        (owner, "POST", KEY_ACTIONS, DEEP, json_type),
        (owner, "POST", KEY_ACTIONS, b'{"title": "\xc3\x28"}', json_type),
        (owner, "POST", KEY_ACTIONS, json.dumps({**ACTION, "title": "\u0000"}).encode(), json_type),
        (owner, "PATCH", f"{KEY_ACTIONS}/{action_id}", json.dumps({"title": "a\u0000"}).encode(), json_type),
        (owner, "GET", f"{KEY_ACTIONS}/{action_id}/occurrences?from=%00&to=%FF", None, {}),
        (owner, "GET", f"{KEY_ACTIONS}/{action_id}%00", None, {}),
        (owner, "GET", "/api/v1/today?date=%00", None, {}),
        (anonymous, "GET", "/api/v1/act/%00%FF", None, {}),
        (anonymous, "GET", "/api/v1/act/AbCdEfGhIjKlMnOpQrStUv?x=%00", None, {}),
    ]
    caplog.set_level(logging.DEBUG)
    answers = []
    for caller, method, url, content, headers in hostile:
        response = await caller.request(method, url, content=content, headers=headers)
        answers.append((response.status_code, method, url, (content or b"")[:40]))
    assert [answer for answer in answers if not 400 <= answer[0] < 500] == []
    assert [record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR] == []
    assert [record.getMessage() for record in caplog.records if record.exc_info] == []
    assert "Traceback" not in caplog.text
