"""Today says until when a snoozed reminder waits, to its owner only, and never from a stale cache."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
from litestar import Litestar
from sqlalchemy import select, update

from followthrough.actions.models import Occurrence
from followthrough.deliveries.models import Delivery
from followthrough.enums import ChannelKind, DeliveryStatus, Event
from followthrough.notifications.models import Channel
from followthrough.readcache import read_cache
from followthrough.reminders.scheduler import snooze_token
from followthrough.settings import Settings
from tests.conftest import Caller, Callers, Database
from tests.support.actions import create, utc
from tests.support.agenda import agenda, at, daily
from tests.support.statements import counting_statements

# Snoozed reminders: an open occurrence says until when


async def snooze(
    callers: Callers,
    database: Database,
    settings: Settings,
    caller: Caller,
    due_at: datetime,
    choice: str,
    method: str = "POST",
    source: str = "test",
) -> httpx.Response:
    """Follow the snooze link of the reminder for the caller's occurrence due then, without a sign-in."""
    async with database() as db:
        occurrence = await db.scalar(
            select(Occurrence).where(
                Occurrence.participant_id == UUID(caller.id), Occurrence.due_at == due_at
            )
        )
        assert occurrence is not None
        if not await db.scalar(select(Channel.id).where(Channel.participant_id == UUID(caller.id))):
            # Snoozes queue to the channels that take reminders; nothing is sent in these tests.
            db.add(
                Channel(
                    participant_id=UUID(caller.id),
                    kind=ChannelKind.APPRISE,
                    label="Phone",
                    url="json://127.0.0.1/hook",
                    masked_url="json://127.0.0.1/hook",
                    events=[Event.REMINDER_DUE.value],
                )
            )
        token = snooze_token(settings, occurrence, source)
    response = await callers.anonymous().request(method, f"/api/v1/snooze/{token}", params={"for": choice})
    assert response.status_code == 200, response.text
    return response


def snoozed(body: dict[str, Any]) -> list[datetime | None]:
    return [item["snoozedUntil"] and at(item["snoozedUntil"]) for item in body["items"]]


async def test_a_snoozed_occurrence_says_until_when_its_latest_snooze_and_only_to_its_owner(
    owner: Caller, stranger: Caller, callers: Callers, database: Database, settings: Settings
) -> None:
    await create(owner, title="Plan the day", schedule=daily())
    await create(owner, title="Write the log", schedule=daily("2026-02-23T18:30:00"))
    await create(stranger, title="Not mine", schedule=daily())
    assert snoozed(await agenda(owner)) == [None, None]

    # At 09:00: once for an hour, then for 15 minutes; the later snooze replaces the earlier one.
    await snooze(callers, database, settings, owner, utc(2026, 3, 2, 8), "1h")
    await snooze(callers, database, settings, owner, utc(2026, 3, 2, 8), "15m")
    await snooze(callers, database, settings, stranger, utc(2026, 3, 2, 8), "tonight")

    assert snoozed(await agenda(owner)) == [utc(2026, 3, 2, 9, 15), None]
    assert snoozed(await agenda(stranger)) == [utc(2026, 3, 2, 20)]
    assert snoozed(await agenda(owner, date="2026-03-03")) == [None, None]


@pytest.mark.parametrize("settled", [DeliveryStatus.SENT, DeliveryStatus.FAILED, DeliveryStatus.SKIPPED])
async def test_a_snooze_ends_once_its_reminder_is_settled(
    owner: Caller, callers: Callers, database: Database, settings: Settings, settled: DeliveryStatus
) -> None:
    await create(owner, schedule=daily())
    await snooze(callers, database, settings, owner, utc(2026, 3, 2, 8), "15m")
    async with database() as db:  # as the worker does, at 09:15
        await db.execute(
            update(Delivery).where(Delivery.participant_id == UUID(owner.id)).values(status=settled)
        )
    assert snoozed(await agenda(owner)) == [None]


async def test_a_check_in_ends_the_snooze_though_its_reminder_still_waits(
    owner: Caller, callers: Callers, database: Database, settings: Settings
) -> None:
    action = await create(owner, schedule=daily())
    await snooze(callers, database, settings, owner, utc(2026, 3, 2, 8), "1h")
    assert snoozed(await agenda(owner)) == [utc(2026, 3, 2, 10)]
    checked = await owner.post(
        "/api/v1/check-ins",
        json={
            "id": str(uuid4()),
            "keyActionId": action["id"],
            "occurrenceAt": "2026-03-02T08:00:00Z",
            "result": "done",
        },
    )
    assert checked.status_code == 201, checked.text
    assert snoozed(await agenda(owner)) == [None]
    async with database() as db:  # the check-in cancelled it at once
        statuses = await db.scalars(select(Delivery.status).where(Delivery.participant_id == UUID(owner.id)))
        assert list(statuses) == [DeliveryStatus.SKIPPED]


# On PostgreSQL a write is announced by NOTIFY.
@pytest.mark.dialect
async def test_a_snooze_from_a_link_ends_the_remembered_today(
    app: Litestar, owner: Caller, callers: Callers, database: Database, settings: Settings
) -> None:
    """Today is remembered until the participant writes; a snooze link carries no session, so the snooze
    itself must end what was remembered (in every process, on PostgreSQL)."""
    await create(owner, schedule=daily())
    assert read_cache(app.state).enabled
    assert snoozed(await agenda(owner)) == [None]
    assert snoozed(await agenda(owner)) == [None]  # now remembered
    writes_heard = read_cache(app.state).invalidations

    await snooze(callers, database, settings, owner, utc(2026, 3, 2, 8), "15m")
    assert snoozed(await agenda(owner)) == [utc(2026, 3, 2, 9, 15)]
    # From another reminder's link.
    await snooze(callers, database, settings, owner, utc(2026, 3, 2, 8), "1h", source="again")
    assert snoozed(await agenda(owner)) == [utc(2026, 3, 2, 10)]
    assert read_cache(app.state).invalidations == writes_heard + 2


@pytest.mark.dialect
async def test_a_snooze_from_a_link_is_announced_to_the_other_processes_once(
    app: Litestar, owner: Caller, callers: Callers, database: Database, settings: Settings
) -> None:
    """No sign-in marks the snooze's session as a write: the snooze itself does, so its commit notifies."""
    if settings.is_sqlite:
        pytest.skip("SQLite has one API process and no NOTIFY")
    await create(owner, schedule=daily())
    with counting_statements(app) as statements:
        await snooze(callers, database, settings, owner, utc(2026, 3, 2, 8), "15m")
    assert sum("pg_notify" in statement for statement in statements) == 1
