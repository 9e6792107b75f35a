"""An account made through an identity provider or a trusted proxy has no password. It can still set one
(soon after signing in, since it has no old password to confirm with) and delete itself (by typing its
email), while an account with a password keeps needing it for both."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import timedelta

import httpx
import pytest
from litestar import Litestar
from sqlalchemy import func, select

from followthrough.clock import FrozenClock
from followthrough.database import session_scope
from followthrough.identity.models import Participant
from followthrough.settings import Settings
from tests.conftest import Caller, Callers
from tests.support.answers import error_fields
from tests.support.apps import SharedApps

HEADER = "Remote-Email"
PROXY_NETWORK = "192.0.2.0/24"  # TEST-NET-1: no random test caller (10.x.x.x) is ever inside it
PASSWORD = "a brand new passphrase"


@pytest.fixture
async def app(settings: Settings, clock: FrozenClock, shared_apps: SharedApps) -> Litestar:
    configured = dataclasses.replace(settings, trusted_header=HEADER, trusted_header_networks=PROXY_NETWORK)
    return await shared_apps.serve(configured, clock)


async def proxied_account(app: Litestar, callers: Callers) -> Caller:
    """A new account, made and signed in by the trusted proxy: it has no password."""
    transport = httpx.ASGITransport(app=app, client=("192.0.2.10", 50000))
    client = httpx.AsyncClient(transport=transport, base_url="http://testserver")
    callers._clients.append(client)
    caller = Caller(client)
    caller.email = f"proxied-{uuid.uuid4().hex[:10]}@example.com"
    response = await client.post("/api/v1/auth/trusted-header", json={}, headers={HEADER: caller.email})
    assert response.status_code == 200, response.text
    caller.csrf_token = response.json()["csrfToken"]
    caller.participant = response.json()["participant"]
    return caller


async def password_sign_in(callers: Callers, email: str, password: str) -> int:
    response = await callers.anonymous().client.post(
        "/api/v1/auth/sign-in", json={"email": email, "password": password}
    )
    return response.status_code


async def accounts_with(app: Litestar, email: str) -> int:
    async with session_scope(app.state.alchemy) as db:
        return int(await db.scalar(select(func.count()).where(Participant.email == email)) or 0)


async def test_the_account_says_whether_it_has_a_password(app: Litestar, callers: Callers) -> None:
    proxied = await proxied_account(app, callers)
    typed_in = await callers.participant()

    assert (await proxied.get("/api/v1/account")).json()["hasPassword"] is False
    assert (await typed_in.get("/api/v1/account")).json()["hasPassword"] is True


async def test_an_account_without_a_password_sets_one_soon_after_signing_in(
    app: Litestar, callers: Callers
) -> None:
    proxied = await proxied_account(app, callers)
    assert proxied.email is not None

    response = await proxied.post("/api/v1/account/password", json={"newPassword": PASSWORD})

    assert response.status_code == 200, response.text
    assert (await proxied.get("/api/v1/account")).json()["hasPassword"] is True
    assert await password_sign_in(callers, proxied.email, PASSWORD) == 200
    # From now on the password it set is the one to confirm with.
    again = await proxied.post("/api/v1/account/password", json={"newPassword": "yet another passphrase"})
    assert again.status_code == 422
    assert error_fields(again) == ["currentPassword"]


async def test_an_old_session_cannot_give_a_password_to_an_account_without_one(
    app: Litestar, callers: Callers, clock: FrozenClock
) -> None:
    proxied = await proxied_account(app, callers)
    assert proxied.email is not None
    clock.advance(timedelta(minutes=11))

    response = await proxied.post("/api/v1/account/password", json={"newPassword": PASSWORD})

    assert response.status_code == 403
    assert error_fields(response) == ["currentPassword"]
    assert "sign in again" in response.json()["errors"][0]["message"]
    assert await password_sign_in(callers, proxied.email, PASSWORD) == 401
    assert (await proxied.get("/api/v1/account")).json()["hasPassword"] is False


async def test_an_account_without_a_password_deletes_itself_by_typing_its_email(
    app: Litestar, callers: Callers
) -> None:
    proxied = await proxied_account(app, callers)
    assert proxied.email is not None

    wrong = await proxied.post("/api/v1/account/delete", json={"confirmEmail": "someone@example.com"})
    assert wrong.status_code == 403
    assert error_fields(wrong) == ["confirmEmail"]
    assert await accounts_with(app, proxied.email) == 1

    response = await proxied.post("/api/v1/account/delete", json={"confirmEmail": proxied.email.upper()})

    assert response.status_code == 204, response.text
    assert await accounts_with(app, proxied.email) == 0
    assert (await proxied.get("/api/v1/account")).status_code == 401


async def test_an_account_with_a_password_still_confirms_with_it(app: Litestar, callers: Callers) -> None:
    typed_in = await callers.participant()
    assert typed_in.email is not None

    by_email = await typed_in.post("/api/v1/account/delete", json={"confirmEmail": typed_in.email})
    without = await typed_in.post("/api/v1/account/password", json={"newPassword": PASSWORD})

    assert by_email.status_code == without.status_code == 422
    assert error_fields(by_email) == ["password"]
    assert error_fields(without) == ["currentPassword"]
    assert await accounts_with(app, typed_in.email) == 1
    assert await password_sign_in(callers, typed_in.email, PASSWORD) == 401
