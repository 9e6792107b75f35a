"""Sign-up: one answer whether or not the email is registered, a notice to the real owner, the same argon2
work either way, a limit per client address, and the server's registration mode (open, invite-only, closed).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import time as dt_time
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import create_async_engine

from followthrough import migrate
from followthrough.accounts.operations import create_participant
from followthrough.app import create_app
from followthrough.clock import FrozenClock
from followthrough.enums import DeliveryStatus, Event
from followthrough.identity.models import Participant
from followthrough.identity.passwords import argon2_runs
from followthrough.settings import Settings
from tests.conftest import DEFAULT_NOW, Caller, Callers, Database, pg_admin
from tests.support.answers import error_fields, said
from tests.support.partners import invite
from tests.support.pipeline import add_channel, app, deliveries_of, pipeline_settings, worker
from tests.support.receivers import HttpReceiver, http_receiver

__all__ = ["app", "http_receiver", "pipeline_settings", "worker"]

SIGN_UP = "/api/v1/auth/sign-up"
SIGN_IN = "/api/v1/auth/sign-in"
REGISTRATION = "/api/v1/auth/registration"
NOTICE_REVISION = "b51e0c7f2d93"  # the migration that adds `sign-up.attempted`


def sign_up_body(email: str | None = None, **changes: Any) -> dict[str, Any]:
    return {
        "email": email or f"new-{uuid4().hex[:10]}@example.com",
        "password": "a brand new password",
        "displayName": "Newcomer",
        "timeZone": "Europe/Paris",
        **changes,
    }


@asynccontextmanager
async def server(settings: Settings, clock: FrozenClock, **changes: Any) -> AsyncIterator[Callers]:
    """Another app on the same database, with changed settings."""
    application = create_app(replace(settings, **changes), clock)
    async with AsyncTestClient(application):
        made = Callers(application)
        try:
            yield made
        finally:
            await made.close()


async def accounts_with(database: Database, email: str) -> int:
    async with database() as db:
        count = await db.scalar(
            select(func.count()).select_from(Participant).where(Participant.email == email.lower())
        )
        return int(count or 0)


# --- one answer for every email


async def test_sign_up_answers_the_same_for_a_free_and_a_registered_email(
    callers: Callers, owner: Caller, database: Database
) -> None:
    free = await callers.anonymous().client.post(SIGN_UP, json=sign_up_body())
    taken = await callers.anonymous().client.post(
        SIGN_UP, json=sign_up_body(owner.email.upper(), displayName="Mallory")
    )
    assert free.status_code == taken.status_code == 202
    assert (
        free.json() == taken.json() == {"message": "If this email is free, your account is ready: sign in."}
    )
    assert "set-cookie" not in free.headers
    assert "set-cookie" not in taken.headers

    # Nothing was stored for the second caller: the owner's password and name are as they were.
    assert await accounts_with(database, owner.email) == 1
    claimer = await callers.anonymous().client.post(
        SIGN_IN, json={"email": owner.email, "password": "a brand new password"}
    )
    assert claimer.status_code == 401
    signed_in = await callers.anonymous().client.post(
        SIGN_IN, json={"email": owner.email, "password": owner.password}
    )
    assert signed_in.json()["participant"]["displayName"] == "Owner"


async def test_both_sign_up_paths_hash_the_password_once(callers: Callers, owner: Caller) -> None:
    before = argon2_runs()
    await callers.anonymous().client.post(SIGN_UP, json=sign_up_body())
    after_free = argon2_runs()
    await callers.anonymous().client.post(SIGN_UP, json=sign_up_body(owner.email))
    after_taken = argon2_runs()
    assert after_free - before == after_taken - after_free == 1


async def test_the_owner_of_a_registered_email_is_told_on_their_channels_once_an_hour(
    callers: Callers,
    owner: Caller,
    database: Database,
    worker: Any,
    http_receiver: HttpReceiver,
    clock: FrozenClock,
) -> None:
    await add_channel(database, owner, http_receiver)
    for _ in range(2):
        response = await callers.anonymous().client.post(SIGN_UP, json=sign_up_body(owner.email))
        assert response.status_code == 202
    [queued] = await deliveries_of(database, owner)
    assert queued.event == Event.SIGN_UP_ATTEMPTED

    assert await worker.dispatch() >= 1
    [received] = await http_receiver.wait_for(1)
    assert received.json()["title"] == "Someone tried to sign up with your email"
    assert "Mon 2 Mar, 09:00" in received.json()["message"]  # in the owner's zone (London)
    assert "Nothing changed" in received.json()["message"]
    [sent] = await deliveries_of(database, owner)
    assert sent.status == DeliveryStatus.SENT

    clock.advance(timedelta(hours=1))
    await callers.anonymous().client.post(SIGN_UP, json=sign_up_body(owner.email))
    assert [row.event for row in await deliveries_of(database, owner)] == [Event.SIGN_UP_ATTEMPTED] * 2


async def test_a_channel_that_turned_the_notice_off_is_not_told(
    callers: Callers, owner: Caller, database: Database, http_receiver: HttpReceiver
) -> None:
    await add_channel(database, owner, http_receiver, events=[Event.REMINDER_DUE.value])
    await callers.anonymous().client.post(SIGN_UP, json=sign_up_body(owner.email))
    assert await deliveries_of(database, owner) == []


async def test_new_channels_receive_the_notice_by_default(owner: Caller, http_receiver: HttpReceiver) -> None:
    created = await owner.post("/api/v1/channels", json={"url": http_receiver.json_url()})
    assert created.status_code == 201, created.text
    assert Event.SIGN_UP_ATTEMPTED.value in created.json()["events"]


# --- the limit per address


async def test_sign_up_is_limited_per_address_before_any_password_is_hashed(
    callers: Callers, owner: Caller, clock: FrozenClock
) -> None:
    browser = callers.anonymous()
    for attempt in range(5):
        email = owner.email if attempt % 2 else None
        assert (await browser.client.post(SIGN_UP, json=sign_up_body(email))).status_code == 202
    before = argon2_runs()
    refused = await browser.client.post(SIGN_UP, json=sign_up_body())
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "3600"
    assert argon2_runs() == before
    assert (await callers.anonymous().client.post(SIGN_UP, json=sign_up_body())).status_code == 202

    clock.advance(timedelta(minutes=61))
    assert (await browser.client.post(SIGN_UP, json=sign_up_body())).status_code == 202


async def test_the_limit_follows_its_settings(settings: Settings, clock: FrozenClock) -> None:
    async with server(settings, clock, sign_ups_per_address=2, sign_up_window_minutes=5) as strict:
        browser = strict.anonymous()
        statuses = [(await browser.client.post(SIGN_UP, json=sign_up_body())).status_code for _ in range(3)]
        assert statuses == [202, 202, 429]
        clock.advance(timedelta(minutes=6))
        assert (await browser.client.post(SIGN_UP, json=sign_up_body())).status_code == 202


# --- registration modes


@pytest.mark.parametrize("mode", ["open", "invite-only", "closed"])
async def test_anyone_can_read_the_registration_mode(
    settings: Settings, clock: FrozenClock, mode: str
) -> None:
    async with server(settings, clock, registration=mode) as made:
        response = await made.anonymous().client.get(REGISTRATION)
        assert response.status_code == 200
        assert response.json() == {"mode": mode}


async def test_closed_registration_refuses_every_email_alike(
    settings: Settings, clock: FrozenClock, owner: Caller, database: Database
) -> None:
    async with server(settings, clock, registration="closed") as closed:
        before = argon2_runs()
        free_email = f"free-{uuid4().hex[:8]}@example.com"
        free = await closed.anonymous().client.post(SIGN_UP, json=sign_up_body(free_email))
        taken = await closed.anonymous().client.post(SIGN_UP, json=sign_up_body(owner.email))
        assert free.status_code == taken.status_code == 403
        assert said(free) == said(taken)
        assert error_fields(free) == ["body"]
        assert free.json()["errors"][0]["message"] == "sign-up is closed on this server"
        assert argon2_runs() == before
    assert await accounts_with(database, free_email) == 0


async def test_invite_only_registration_needs_a_pending_invite_and_leaves_it_unused(
    settings: Settings, clock: FrozenClock, owner: Caller, database: Database
) -> None:
    created = await invite(owner)
    revoked = await invite(owner)
    assert (await owner.delete(f"/api/v1/invites/{revoked['invite']['id']}")).status_code == 204
    email = f"invited-{uuid4().hex[:8]}@example.com"
    async with server(settings, clock, registration="invite-only") as invite_only:
        for refused_body in (
            sign_up_body(email),
            sign_up_body(email, invite="not-a-real-invite-token"),
            sign_up_body(email, invite=revoked["token"]),
            sign_up_body(owner.email),  # a registered email is refused alike
        ):
            refused = await invite_only.anonymous().client.post(SIGN_UP, json=refused_body)
            assert refused.status_code == 403, refused_body
            assert error_fields(refused) == ["invite"]
        assert await accounts_with(database, email) == 0

        newcomer = invite_only.anonymous()
        accepted = await newcomer.client.post(SIGN_UP, json=sign_up_body(email, invite=created["token"]))
        assert accepted.status_code == 202
        assert await accounts_with(database, email) == 1
        signed_in = await newcomer.client.post(
            SIGN_IN, json={"email": email, "password": "a brand new password"}
        )
        assert signed_in.status_code == 200

    [listed] = [
        item for item in (await owner.get("/api/v1/invites")).json() if item["id"] == created["invite"]["id"]
    ]
    assert listed["status"] == "pending"  # accepting stays a separate step


async def test_an_expired_invite_does_not_open_sign_up(
    settings: Settings, clock: FrozenClock, owner: Caller
) -> None:
    created = await invite(owner, expiresInDays=1)
    clock.advance(timedelta(days=1, minutes=1))
    async with server(settings, clock, registration="invite-only") as invite_only:
        refused = await invite_only.anonymous().client.post(
            SIGN_UP, json=sign_up_body(invite=created["token"])
        )
        assert refused.status_code == 403
        assert error_fields(refused) == ["invite"]


async def test_an_open_server_ignores_an_invite_in_sign_up(callers: Callers) -> None:
    response = await callers.anonymous().client.post(SIGN_UP, json=sign_up_body(invite="whatever"))
    assert response.status_code == 202


async def test_operators_create_accounts_whatever_the_mode(
    settings: Settings, clock: FrozenClock, callers: Callers
) -> None:
    email = f"operator-made-{uuid4().hex[:8]}@example.com"
    await create_participant(
        replace(settings, registration="closed"), email, "Made", "UTC", "operator pass 1"
    )
    signed_in = await callers.anonymous().client.post(
        SIGN_IN, json={"email": email, "password": "operator pass 1"}
    )
    assert signed_in.status_code == 200


def test_registration_settings_come_from_the_environment_and_are_checked() -> None:
    settings = Settings.from_env(
        {
            "FOLLOWTHROUGH_REGISTRATION": "invite-only",
            "FOLLOWTHROUGH_SIGN_UPS_PER_ADDRESS": "3",
            "FOLLOWTHROUGH_SIGN_UP_WINDOW_MINUTES": "30",
        }
    )
    assert (settings.registration, settings.sign_ups_per_address, settings.sign_up_window_minutes) == (
        "invite-only",
        3,
        30,
    )
    with pytest.raises(ValueError, match="FOLLOWTHROUGH_REGISTRATION"):
        Settings.from_env({"FOLLOWTHROUGH_REGISTRATION": "invite_only"})
    with pytest.raises(ValueError, match="FOLLOWTHROUGH_REGISTRATION"):
        Settings(registration="sometimes")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="FOLLOWTHROUGH_SIGN_UPS_PER_ADDRESS"):
        Settings(sign_ups_per_address=0)


# --- existing channels


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    if request.param == "sqlite":
        yield Settings(data_dir=tmp_path)
        return
    name = f"ft_registration_{uuid4().hex[:10]}"
    pg_admin(f'CREATE DATABASE "{name}"')
    try:
        yield Settings(data_dir=tmp_path, database_url=f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}")
    finally:
        pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


PARTICIPANT_TABLE = sa.table(
    "participant",
    *(sa.column(name) for name in ("email", "display_name", "password_hash", "time_zone", "review_weekday")),
    *(sa.column(name) for name in ("nudge_enabled", "is_demo")),
    sa.column("review_time", sa.Time()),
    sa.column("id", GUID(length=16)),
    sa.column("created_at", DateTimeUTC(timezone=True)),
    sa.column("updated_at", DateTimeUTC(timezone=True)),
)
CHANNEL_TABLE = sa.table(
    "channel",
    *(sa.column(name) for name in ("kind", "label", "url", "masked_url", "enabled", "consecutive_failures")),
    sa.column("events", sa.JSON()),
    sa.column("extra", sa.JSON()),
    sa.column("id", GUID(length=16)),
    sa.column("participant_id", GUID(length=16)),
    sa.column("created_at", DateTimeUTC(timezone=True)),
    sa.column("updated_at", DateTimeUTC(timezone=True)),
)


def _channel_events(settings: Settings, insert: bool = False) -> list[str]:
    """The one channel's events; with `insert`, first stores a participant and a channel as before."""

    async def run() -> list[str]:
        engine = create_async_engine(settings.resolved_database_url)
        try:
            async with engine.begin() as connection:
                if insert:
                    participant_id, now = uuid4(), DEFAULT_NOW
                    await connection.execute(
                        sa.insert(PARTICIPANT_TABLE).values(
                            id=participant_id, email="old@example.com", display_name="Old", password_hash="x",
                            time_zone="UTC", review_weekday=6, review_time=dt_time(18), nudge_enabled=False,
                            is_demo=False, created_at=now, updated_at=now,
                        )
                    )  # fmt: skip
                    await connection.execute(
                        sa.insert(CHANNEL_TABLE).values(
                            id=uuid4(), participant_id=participant_id, kind="apprise", label="Old", url="x",
                            masked_url="x", enabled=True, consecutive_failures=0, extra={},
                            events=["reminder.due", "channel.disabled"], created_at=now, updated_at=now,
                        )
                    )  # fmt: skip
                events = await connection.scalar(sa.select(CHANNEL_TABLE.c.events))
                return list(events)
        finally:
            await engine.dispose()

    return asyncio.run(run())


def test_the_migration_gives_existing_channels_the_notice_and_takes_it_back(fresh_settings: Settings) -> None:
    migrate.upgrade(fresh_settings, NOTICE_REVISION)
    migrate.downgrade(fresh_settings, f"{NOTICE_REVISION}-1")
    assert _channel_events(fresh_settings, insert=True) == ["reminder.due", "channel.disabled"]
    migrate.upgrade(fresh_settings, NOTICE_REVISION)
    assert _channel_events(fresh_settings) == ["reminder.due", "channel.disabled", "sign-up.attempted"]
    migrate.downgrade(fresh_settings, f"{NOTICE_REVISION}-1")
    assert _channel_events(fresh_settings) == ["reminder.due", "channel.disabled"]
