"""The OpenAPI document says what the server does (issue 11, finding 12): public operations need no token,
request objects refuse unknown fields, patterns are what the parsers accept, required parameters are marked,
names are readable and OPTIONS lists every method. tests/contract/run_schemathesis.py checks the same against
a live server with the schemathesis CLI; these pin each rule on its own."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec
import pytest
from litestar import Litestar
from litestar.testing import TestClient

from followthrough import migrate
from followthrough.actions.schedule import FIRST_YEAR, LAST_YEAR
from followthrough.app import create_app
from followthrough.settings import Settings

PUBLIC = {
    "signIn",
    "signUp",
    "getRegistration",
    "getSignInMethods",
    "signInWithTrustedHeader",
    "startOidcSignIn",
    "finishOidcSignIn",
    "previewInvite",
    "getActLink",
    "answerActLink",
    "undoActLink",
    "oneTapEncourage",
    "oneTapEncouragePost",
    "snoozeReminder",
    "snoozeReminderLink",
    "getVapidPublicKey",
    "healthLive",
    "healthReady",
    "getCalendarFeedFile",
}


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Litestar:
    settings = Settings(data_dir=tmp_path_factory.mktemp("contract"), password_hash_cost="low")
    migrate.upgrade(settings)
    return create_app(settings)


@pytest.fixture(scope="module")
def document(app: Litestar) -> dict[str, Any]:
    with TestClient(app) as client:
        answer = client.get("/schema/openapi.json")
    assert answer.status_code == 200
    served: dict[str, Any] = answer.json()
    return served


def _operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if isinstance(operation, dict) and "operationId" in operation:
                yield path, method, operation


def test_public_operations_say_they_need_no_token_and_the_others_need_one(document: dict[str, Any]) -> None:
    public = {op["operationId"] for _, _, op in _operations(document) if op.get("security") == []}
    signed_in = {op["operationId"] for _, _, op in _operations(document) if "security" not in op}

    assert public == PUBLIC & {op["operationId"] for _, _, op in _operations(document)}
    assert {"signIn", "signUp", "healthLive", "getVapidPublicKey", "snoozeReminder"} <= public
    assert "getAccount" in signed_in
    assert document["security"] == [{"apiToken": []}]


def test_every_request_object_refuses_unknown_fields(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    bodies = [
        op["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
        for _, _, op in _operations(document)
        if "requestBody" in op
    ]

    assert len(bodies) > 20
    for name in bodies:
        assert schemas[name].get("additionalProperties") is False, name
    # Nested request objects too (a schedule inside a key action, push keys inside a subscription).
    for name in ("OnceSchedule", "RecurringSchedule", "Measure", "PushKeys"):
        assert schemas[name]["additionalProperties"] is False
    assert "additionalProperties" not in schemas["KeyActionOut"]


def test_every_schema_name_is_readable(document: dict[str, Any]) -> None:
    names = list(document["components"]["schemas"])

    assert "KeyActionPage" in names
    for name in names:
        assert re.fullmatch(r"[A-Z][A-Za-z0-9]*", name), name
    assert "Page_" not in str(document)


def test_the_snooze_choice_is_a_required_query_parameter(document: dict[str, Any]) -> None:
    for method in ("get", "post"):
        (choice,) = [
            p for p in document["paths"]["/api/v1/snooze/{token}"][method]["parameters"] if p["name"] == "for"
        ]
        assert choice["required"] is True
        assert choice["schema"]["$ref"] == "#/components/schemas/SnoozeChoice"


def test_local_times_match_exactly_what_the_server_reads(document: dict[str, Any]) -> None:
    pattern = re.compile(
        document["components"]["schemas"]["RecurringSchedule"]["properties"]["startsAt"]["pattern"]
    )
    local_date_time = msgspec.json.Decoder(datetime)

    def accepted(text: str) -> bool:
        try:
            parsed = local_date_time.decode(msgspec.json.encode(text))
        except msgspec.ValidationError:
            return False
        return parsed.tzinfo is None and FIRST_YEAR <= parsed.year <= LAST_YEAR

    # The review's example: without seconds it matched the old pattern and was refused.
    assert not pattern.match("2026-03-02T09:00")
    assert pattern.match("2026-03-02T09:00:00")
    for text in [
        "2026-03-02T09:00:00.25",
        "2026-03-02 09:00:00",
        "2024-02-29T00:00:00",
        "2026-02-29T00:00:00",
        "0000-00-00T00:00:00",
        "1969-12-31T23:59:59",
        "2200-12-31T23:59:59",
        "2201-01-01T00:00:00",
        "2026-03-02T24:00:00",
        "2026-03-02T09:00:60",
        "2026-03-02T09:00:00Z",
        "٢٠٢٦-03-02T09:00:00",
    ]:
        assert bool(pattern.match(text)) == accepted(text), text
    day = date(FIRST_YEAR - 1, 1, 1)
    while day <= date(LAST_YEAR + 1, 12, 31):
        for text in (f"{day}T08:30:00", f"{day.year:04d}-{day.month:02d}-{day.day + 1:02d}T08:30:00"):
            assert bool(pattern.match(text)) == accepted(text), text
        day += timedelta(days=1)


def test_time_zones_and_rules_name_the_format_that_says_what_is_accepted(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]

    assert schemas["SignUp"]["properties"]["timeZone"]["format"] == "iana-time-zone"
    assert schemas["RecurringSchedule"]["properties"]["rrule"]["format"] == "rrule"
    assert schemas["KeyActionCreate"]["properties"]["reminderOffsets"]["items"] == {
        "type": "integer",
        "minimum": 0,
        "maximum": 7 * 24 * 60,
    }
    email = re.compile(schemas["SignUp"]["properties"]["email"]["pattern"])
    assert email.match("name@example.com")
    assert not email.match("000")


def test_options_lists_every_method_of_the_path(app: Litestar, document: dict[str, Any]) -> None:
    with TestClient(app) as client:
        for path in ("/api/v1/account", "/api/v1/barriers", "/api/v1/key-actions"):
            answer = client.options(path)
            documented = {method.upper() for method in document["paths"][path]}
            assert set(answer.headers["allow"].split(", ")) == documented | {"OPTIONS"}, path


def test_the_pwa_copy_of_the_document_is_finished_too() -> None:
    committed = (Path(__file__).resolve().parent.parent / "pwa" / "src" / "api" / "openapi.json").read_text()

    assert '"KeyActionPage"' in committed
    assert "Page_followthrough" not in committed


def test_bodies_are_read_as_strictly_as_the_document_types_them(app: Litestar) -> None:
    with TestClient(app) as client:
        # Before: Litestar's lenient conversion read 0 as false and "3" as 3.
        for body, field in (
            [{"email": 0, "password": "x"}, "email"],
            [{"email": "a@b.co", "password": 5}, "password"],
        ):
            answer = client.post("/api/v1/auth/sign-in", json=body)
            assert answer.status_code == 400, answer.text
            assert [error["field"] for error in answer.json()["errors"]] == [field]
        # JSON Schema's integer includes 5.0; a float may be written as an integer.
        unknown = client.post(
            "/api/v1/auth/sign-in", json={"email": "nobody@example.com", "password": "12345678"}
        )
        assert unknown.status_code == 401
