"""Reading Today (the agenda) as a caller, shared by the agenda tests."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tests.conftest import Caller

TODAY = "/api/v1/today"


def at(value: str) -> datetime:
    return datetime.fromisoformat(value)


def daily(starts: str = "2026-02-23T08:00:00") -> dict[str, str]:
    return {"kind": "recurring", "startsAt": starts, "rrule": "FREQ=DAILY"}


async def sign_in_again(caller: Caller) -> None:
    """Sessions last 30 days; tests that move the clock by months sign in again, as a person would."""
    response = await caller.client.post(
        "/api/v1/auth/sign-in", json={"email": caller.email, "password": caller.password}
    )
    assert response.status_code == 200, response.text
    caller.csrf_token = response.json()["csrfToken"]


async def agenda(caller: Caller, **params: str) -> dict[str, Any]:
    response = await caller.get(TODAY, params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body
