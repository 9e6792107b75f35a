from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from followthrough.clock import FrozenClock
from followthrough.identity.limits import limit_key
from followthrough.identity.models import ApiToken, AuthSession, Participant, SignInFailure
from followthrough.identity.passwords import argon2_runs
from tests.conftest import Caller, Callers, Database

SIGN_UP = "/api/v1/auth/sign-up"
SIGN_IN = "/api/v1/auth/sign-in"


def _errors(response: object) -> list[str]:
    return [error["field"] for error in response.json()["errors"]]  # type: ignore[attr-defined]


async def test_sign_up_then_sign_in_starts_an_httponly_samesite_session(callers: Callers) -> None:
    caller = callers.anonymous()
    email = f"Grace-{uuid4().hex[:8]}@Example.com"
    response = await caller.client.post(
        SIGN_UP,
        json={
            "email": email,
            "password": "a long enough password",
            "displayName": "Grace",
            "timeZone": "America/New_York",
        },
    )
    assert response.status_code == 202
    assert "set-cookie" not in response.headers  # sign-up signs no one in
    assert (await caller.client.get("/api/v1/account")).status_code == 401
    response = await caller.client.post(SIGN_IN, json={"email": email, "password": "a long enough password"})
    assert response.status_code == 200
    body = response.json()
    assert body["participant"]["email"] == email.lower()
    assert body["participant"]["timeZone"] == "America/New_York"
    assert "passwordHash" not in body["participant"]
    cookie = response.headers["set-cookie"].lower()
    assert "ft_session=" in cookie
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert (await caller.client.get("/api/v1/account")).json()["displayName"] == "Grace"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"timeZone": "Mars/Olympus_Mons"}, "timeZone"),
        ({"timeZone": "../../etc/passwd"}, "timeZone"),
        ({"email": "not-an-email"}, "email"),
        ({"password": "short"}, "password"),
        ({"displayName": ""}, "displayName"),
        ({"displayName": "x" * 81}, "displayName"),
        ({"displayName": 42}, "displayName"),
        ({"isAdmin": True}, "isAdmin"),
    ],
)
async def test_sign_up_rejects_bad_input_naming_the_field(
    callers: Callers, change: dict[str, object], field: str
) -> None:
    body = {"email": "x@example.com", "password": "long enough pw", "displayName": "X", "timeZone": "UTC"}
    response = await callers.anonymous().client.post(SIGN_UP, json={**body, **change})
    assert response.status_code in {400, 422}
    assert field in response.json()["detail"]


async def test_a_huge_body_is_refused_before_it_is_read(callers: Callers) -> None:
    response = await callers.anonymous().client.post(
        SIGN_UP, content=b'{"email":"' + b"a" * 400_000 + b'"}', headers={"content-type": "application/json"}
    )
    assert response.status_code == 413


async def test_sign_in_with_the_right_password_returns_a_csrf_token(callers: Callers, owner: Caller) -> None:
    browser = callers.anonymous()
    response = await browser.client.post(SIGN_IN, json={"email": owner.email, "password": owner.password})
    assert response.status_code == 200
    assert len(response.json()["csrfToken"]) == 64


async def test_sign_in_with_a_wrong_password_or_unknown_email_says_the_same(
    callers: Callers, owner: Caller
) -> None:
    browser = callers.anonymous()
    wrong = await browser.client.post(SIGN_IN, json={"email": owner.email, "password": "wrong password"})
    unknown = await browser.client.post(
        SIGN_IN, json={"email": "nobody@example.com", "password": "whatever1"}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["detail"] == unknown.json()["detail"]


async def test_an_unknown_email_costs_the_same_argon2_work_as_a_wrong_password(
    callers: Callers, owner: Caller
) -> None:
    """The timing difference came from skipping argon2 for an unknown email; `bench/sign_in_timing.py`
    measures the times themselves."""
    browser = callers.anonymous()
    runs = argon2_runs()
    wrong = await browser.client.post(SIGN_IN, json={"email": owner.email, "password": "wrong password"})
    after_wrong = argon2_runs()
    unknown = await browser.client.post(
        SIGN_IN, json={"email": "nobody@example.com", "password": "whatever1"}
    )
    after_unknown = argon2_runs()
    assert wrong.status_code == unknown.status_code == 401
    assert after_wrong - runs == after_unknown - after_wrong == 1


async def test_recording_a_failure_deletes_failures_older_than_every_window(
    callers: Callers, owner: Caller, clock: FrozenClock, database: Database
) -> None:
    account = limit_key("account", owner.email)
    await callers.anonymous().client.post(SIGN_IN, json={"email": owner.email, "password": "wrong password"})
    clock.advance(timedelta(minutes=59))
    await callers.anonymous().client.post(SIGN_IN, json={"email": owner.email, "password": "wrong password"})
    async with database() as db:
        assert await _failures(db, account) == 2  # both within the sign-up window, the longest one
    clock.advance(timedelta(minutes=2))
    await callers.anonymous().client.post(
        SIGN_IN, json={"email": "other@example.com", "password": "x1234567"}
    )
    async with database() as db:
        assert await _failures(db, account) == 1  # the first, 61 minutes old, is gone
        oldest = await db.scalar(select(func.min(SignInFailure.failed_at)))
        assert oldest is not None
        assert oldest > clock.now() - timedelta(minutes=60)


async def _failures(db: AsyncSession, key: str) -> int:
    count = await db.scalar(
        select(func.count()).select_from(SignInFailure).where(SignInFailure.limit_key == key)
    )
    return int(count or 0)


async def test_sign_in_is_rate_limited_per_account_even_for_the_right_password(
    callers: Callers, owner: Caller, clock: FrozenClock
) -> None:
    browser = callers.anonymous()
    for _ in range(5):
        response = await browser.client.post(SIGN_IN, json={"email": owner.email, "password": "bad password"})
        assert response.status_code == 401
    blocked = await browser.client.post(SIGN_IN, json={"email": owner.email, "password": owner.password})
    assert blocked.status_code == 429
    assert int(blocked.headers["retry-after"]) > 0
    clock.advance(timedelta(minutes=16))
    allowed = await browser.client.post(SIGN_IN, json={"email": owner.email, "password": owner.password})
    assert allowed.status_code == 200


async def test_sign_in_is_rate_limited_per_address_across_accounts(callers: Callers) -> None:
    browser = callers.anonymous()
    for attempt in range(20):
        await browser.client.post(
            SIGN_IN, json={"email": f"guess{attempt}@example.com", "password": "x1234567"}
        )
    victim = await callers.participant(name="Victim")
    response = await browser.client.post(SIGN_IN, json={"email": victim.email, "password": victim.password})
    assert response.status_code == 429


async def test_writes_with_the_session_cookie_need_the_csrf_header(owner: Caller) -> None:
    without = await owner.client.patch("/api/v1/account", json={"displayName": "Mallory"})
    assert without.status_code == 403
    forged = await owner.client.patch(
        "/api/v1/account", json={"displayName": "Mallory"}, headers={"x-csrf-token": "0" * 64}
    )
    assert forged.status_code == 403
    assert (await owner.patch("/api/v1/account", json={"displayName": "Ada L."})).status_code == 200


async def test_sign_out_ends_the_session(owner: Caller) -> None:
    assert (await owner.post("/api/v1/auth/sign-out")).status_code == 204
    owner.client.cookies.clear()
    assert (await owner.get("/api/v1/account")).status_code == 401


async def test_an_expired_session_is_refused(owner: Caller, clock: FrozenClock) -> None:
    clock.advance(timedelta(days=31))
    assert (await owner.get("/api/v1/account")).status_code == 401


async def test_anonymous_callers_get_401_on_every_api_route(callers: Callers) -> None:
    anonymous = callers.anonymous()
    for method, url in [
        ("GET", "/api/v1/account"),
        ("GET", "/api/v1/account/tokens"),
        ("POST", "/api/v1/auth/sign-out"),
    ]:
        assert (await anonymous.request(method, url)).status_code == 401


async def test_api_tokens_work_as_bearer_tokens_are_stored_hashed_and_stop_at_revocation(
    callers: Callers, owner: Caller, database: Database
) -> None:
    created = await owner.post("/api/v1/account/tokens", json={"name": "my script"})
    assert created.status_code == 201
    token = created.json()["token"]
    assert token.startswith("ft_")
    assert len(token) > 40
    listed = (await owner.get("/api/v1/account/tokens")).json()
    assert [item["name"] for item in listed] == ["my script"]
    assert "token" not in listed[0]

    script = callers.anonymous()
    headers = {"authorization": f"Bearer {token}"}
    assert (await script.client.get("/api/v1/account", headers=headers)).json()["email"] == owner.email
    # Scripts need no CSRF token: a bearer token is never sent by a browser on its own.
    assert (
        await script.client.patch("/api/v1/account", json={"reviewWeekday": 0}, headers=headers)
    ).status_code == 200

    async with database() as db:
        stored = (await db.scalars(select(ApiToken.token_hash))).all()
        assert token not in stored

    assert (await owner.delete(f"/api/v1/account/tokens/{created.json()['id']}")).status_code == 204
    assert (await script.client.get("/api/v1/account", headers=headers)).status_code == 401


async def test_a_stranger_cannot_revoke_my_token(owner: Caller, stranger: Caller) -> None:
    created = (await owner.post("/api/v1/account/tokens", json={"name": "mine"})).json()
    assert (await stranger.delete(f"/api/v1/account/tokens/{created['id']}")).status_code == 404
    assert len((await owner.get("/api/v1/account/tokens")).json()) == 1


async def test_a_malformed_authorization_header_is_401(callers: Callers) -> None:
    response = await callers.anonymous().client.get("/api/v1/account", headers={"authorization": "Basic abc"})
    assert response.status_code == 401
    assert "authorization" in response.json()["detail"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"timeZone": "Europe/Nowhere"}, "timeZone"),
        ({"reviewWeekday": 7}, "reviewWeekday"),
        ({"reviewTime": "25:00"}, "reviewTime"),
        ({"reviewTime": "08:00:00"}, "reviewTime"),
        ({"quietHoursStart": "22:00"}, "quietHoursEnd"),
        ({"quietHoursStart": "22:00", "quietHoursEnd": "22:00"}, "quietHoursEnd"),
    ],
)
async def test_profile_updates_reject_bad_values_and_keep_what_was_stored(
    owner: Caller, change: dict[str, object], field: str
) -> None:
    response = await owner.patch("/api/v1/account", json=change)
    assert response.status_code in {400, 422}
    assert field in response.json()["detail"]
    account = (await owner.get("/api/v1/account")).json()
    assert account["timeZone"] == "Europe/London"
    assert account["quietHoursStart"] is None


async def test_profile_holds_review_time_and_quiet_hours(owner: Caller) -> None:
    response = await owner.patch(
        "/api/v1/account",
        json={
            "reviewWeekday": 4,
            "reviewTime": "17:30",
            "quietHoursStart": "22:00",
            "quietHoursEnd": "07:00",
        },
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["reviewWeekday"], body["reviewTime"]) == (4, "17:30")
    assert (body["quietHoursStart"], body["quietHoursEnd"]) == ("22:00", "07:00")


async def test_changing_the_password_needs_the_current_one_and_signs_out_other_sessions(
    callers: Callers, owner: Caller
) -> None:
    other_device = callers.anonymous()
    await other_device.client.post(SIGN_IN, json={"email": owner.email, "password": owner.password})
    wrong = await owner.post(
        "/api/v1/account/password", json={"currentPassword": "nope", "newPassword": "new password!"}
    )
    assert wrong.status_code == 403
    ok = await owner.post(
        "/api/v1/account/password", json={"currentPassword": owner.password, "newPassword": "new password!"}
    )
    assert ok.status_code == 200
    assert ok.json() == {"endedSessions": 1, "revokedTokens": []}
    assert (await other_device.client.get("/api/v1/account")).status_code == 401
    assert (await owner.get("/api/v1/account")).status_code == 200  # the device that changed it stays in
    signed_in = await callers.anonymous().client.post(
        SIGN_IN, json={"email": owner.email, "password": "new password!"}
    )
    assert signed_in.status_code == 200


async def test_changing_the_password_revokes_every_api_token_and_says_which(
    callers: Callers, owner: Caller
) -> None:
    made = [
        (await owner.post("/api/v1/account/tokens", json={"name": name})).json() for name in ("Backup", "CI")
    ]
    changed = await owner.post(
        "/api/v1/account/password", json={"currentPassword": owner.password, "newPassword": "new password!"}
    )
    assert changed.status_code == 200
    revoked = changed.json()["revokedTokens"]
    assert [(token["id"], token["name"], token["prefix"]) for token in revoked] == [
        (token["id"], token["name"], token["prefix"]) for token in made
    ]
    assert all("token" not in token for token in revoked)  # no secrets
    for token in made:
        bearer = {"authorization": f"Bearer {token['token']}"}
        assert (await callers.anonymous().client.get("/api/v1/account", headers=bearer)).status_code == 401
    assert (await owner.get("/api/v1/account/tokens")).json() == []


async def test_changing_the_password_can_keep_api_tokens(callers: Callers, owner: Caller) -> None:
    made = (await owner.post("/api/v1/account/tokens", json={"name": "Backup"})).json()
    bearer = {"authorization": f"Bearer {made['token']}"}
    changed = await owner.post(
        "/api/v1/account/password",
        json={"currentPassword": owner.password, "newPassword": "new password!", "revokeTokens": False},
    )
    assert changed.json() == {"endedSessions": 0, "revokedTokens": []}
    assert (await callers.anonymous().client.get("/api/v1/account", headers=bearer)).status_code == 200


async def test_a_password_change_made_with_a_token_ends_every_session_and_revokes_that_token_too(
    callers: Callers, owner: Caller
) -> None:
    made = (await owner.post("/api/v1/account/tokens", json={"name": "Script"})).json()
    script = callers.anonymous()
    bearer = {"authorization": f"Bearer {made['token']}"}
    changed = await script.client.post(
        "/api/v1/account/password",
        json={"currentPassword": owner.password, "newPassword": "new password!"},
        headers=bearer,
    )
    assert changed.status_code == 200
    assert changed.json()["endedSessions"] == 1
    assert [token["id"] for token in changed.json()["revokedTokens"]] == [made["id"]]
    assert (await owner.get("/api/v1/account")).status_code == 401
    assert (await script.client.get("/api/v1/account", headers=bearer)).status_code == 401


async def test_guessing_the_current_password_through_a_session_is_rate_limited(owner: Caller) -> None:
    for _ in range(5):
        wrong = await owner.post("/api/v1/account/delete", json={"password": "a guess"})
        assert wrong.status_code == 403
    blocked = await owner.post(
        "/api/v1/account/password", json={"currentPassword": owner.password, "newPassword": "new password!"}
    )
    assert blocked.status_code == 429
    assert (await owner.get("/api/v1/account")).status_code == 200


async def test_deleting_the_account_needs_the_password_and_removes_it(
    callers: Callers, owner: Caller, database: Database
) -> None:
    assert (await owner.post("/api/v1/account/delete", json={"password": "wrong"})).status_code == 403
    assert (await owner.post("/api/v1/account/delete", json={"password": owner.password})).status_code == 204
    async with database() as db:
        assert await db.scalar(select(Participant).where(Participant.email == owner.email)) is None
        assert (
            await db.scalars(select(AuthSession).where(AuthSession.participant_id == owner.participant["id"]))
        ).all() == []
    again = await callers.anonymous().client.post(
        SIGN_IN, json={"email": owner.email, "password": owner.password}
    )
    assert again.status_code == 401
