"""Partner notifications are detected at the right local time, once: the weekly digest at the partner's
weekly-review weekday and time in their zone, and the missed-check-in nudge after the grace period when both
people opted in. Then end to end, through the real worker to a local receiver."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

from litestar import Litestar
from sqlalchemy import select

from followthrough.clock import FrozenClock
from followthrough.deliveries.models import Delivery
from followthrough.deliveries.worker import Worker
from followthrough.enums import Event
from followthrough.partners.detection import digest_step, missed_step
from followthrough.settings import Settings
from tests.conftest import Caller, Callers, Database
from tests.support.partners import PARTNERSHIPS, SUPPORTING, check_in, create_action, partner_up
from tests.support.pipeline import add_channel, app, pipeline_settings, run, worker
from tests.support.receivers import HttpReceiver, http_receiver

__all__ = ["app", "http_receiver", "pipeline_settings", "worker"]

TODAY_AT_8 = "2026-03-02T08:00:00Z"


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


async def partner_events(database: Database, caller: Caller, event: Event) -> list[Delivery]:
    async with database() as db:
        rows = await db.scalars(
            select(Delivery)
            .where(Delivery.participant_id == UUID(caller.id), Delivery.event == event)
            .order_by(Delivery.due_at)
        )
        return list(rows.all())


async def _pair(owner: Caller, partner: Caller) -> str:
    return str((await partner_up(owner, partner))["supporting"]["id"])


# The digest


async def test_the_digest_is_queued_once_at_the_partners_local_review_time(
    callers: Callers, database: Database, app: Litestar, http_receiver: HttpReceiver
) -> None:
    owner = await callers.participant(name="Owner")
    # Review time defaults to Sunday 18:00. New York moves to daylight time that very Sunday (8 March 2026),
    # so 18:00 there is 22:00 UTC, not 23:00.
    partner = await callers.participant(time_zone="America/New_York", name="Pat")
    partnership_id = await _pair(owner, partner)
    await add_channel(database, partner, http_receiver, events=[Event.PARTNER_DIGEST.value])
    shared = await create_action(owner, title="Coach one manager")
    await create_action(owner, title="Private", visibility="private")
    await check_in(owner, shared, TODAY_AT_8)

    assert await run(app, digest_step, utc("2026-03-08T21:59:00"), partner) == 0
    assert await run(app, digest_step, utc("2026-03-08T22:00:00"), partner) == 1
    assert await run(app, digest_step, utc("2026-03-08T22:00:00"), partner) == 0
    assert await run(app, digest_step, utc("2026-03-08T22:30:00"), partner) == 0

    [digest] = await partner_events(database, partner, Event.PARTNER_DIGEST)
    assert digest.due_at == utc("2026-03-08T22:00:00")
    assert digest.subject_key == f"digest:{partner.id}:2026-03-08"
    payload = digest.payload
    assert payload["weekStart"] == "2026-03-02"
    # Owner's Monday to Saturday count (Sunday is still today for them, unchecked): 1 done of 6, the private
    # action left out.
    assert payload["people"] == [
        {"participantId": owner.id, "name": "Owner", "done": 1, "due": 6, "completionRate": 0.1667}
    ]
    # No link token is stored: the worker makes the act link when it sends the digest.
    assert payload["oneTapLinks"] == {owner.id: f"partnership:{partnership_id}"}


async def test_no_digest_outside_the_window_without_a_channel_or_when_switched_off(
    callers: Callers, database: Database, app: Litestar, http_receiver: HttpReceiver
) -> None:
    owner = await callers.participant(name="Owner")
    partner = await callers.participant(name="Pat")
    partnership_id = await _pair(owner, partner)
    # London, Sunday 8 March 18:00 is 18:00 UTC.
    assert await run(app, digest_step, utc("2026-03-08T18:00:00"), partner) == 0  # no channel wants it
    await add_channel(database, partner, http_receiver, events=[Event.REMINDER_DUE.value])
    assert await run(app, digest_step, utc("2026-03-08T18:00:00"), partner) == 0
    await add_channel(database, partner, http_receiver, events=[Event.PARTNER_DIGEST.value], path="/d")
    assert await run(app, digest_step, utc("2026-03-08T19:00:00"), partner) == 0  # past the grace window
    await partner.patch(f"{SUPPORTING}/{partnership_id}", json={"digest": False})
    assert await run(app, digest_step, utc("2026-03-08T18:00:00"), partner) == 0
    await partner.patch(f"{SUPPORTING}/{partnership_id}", json={"digest": True})
    assert await run(app, digest_step, utc("2026-03-08T18:10:00"), partner) == 1
    # The owner, supported but supporting no one, gets no digest.
    assert await partner_events(database, owner, Event.PARTNER_DIGEST) == []


async def test_one_digest_covers_everyone_the_partner_supports(
    callers: Callers, database: Database, app: Litestar, http_receiver: HttpReceiver
) -> None:
    partner = await callers.participant(name="Pat")
    first = await callers.participant(name="First")
    second = await callers.participant(name="Second")
    await _pair(first, partner)
    await _pair(second, partner)
    await add_channel(database, partner, http_receiver, events=[Event.PARTNER_DIGEST.value])
    assert await run(app, digest_step, utc("2026-03-08T18:00:00"), partner) == 1
    [digest] = await partner_events(database, partner, Event.PARTNER_DIGEST)
    assert [person["name"] for person in digest.payload["people"]] == ["First", "Second"]
    assert set(digest.payload["oneTapLinks"]) == {first.id, second.id}


# Missed check-ins


async def _opted_in(owner: Caller, partner: Caller) -> str:
    partnership_id = await _pair(owner, partner)
    assert (
        await owner.patch(f"{PARTNERSHIPS}/{partnership_id}", json={"missedNudges": True})
    ).status_code == 200
    assert (
        await partner.patch(f"{SUPPORTING}/{partnership_id}", json={"missedNudges": True})
    ).status_code == 200
    return partnership_id


async def test_a_missed_check_in_is_told_once_after_the_grace_period(
    callers: Callers, database: Database, app: Litestar, http_receiver: HttpReceiver
) -> None:
    owner = await callers.participant(name="Owner")
    partner = await callers.participant(time_zone="Europe/Paris", name="Pat")
    await _opted_in(owner, partner)
    await add_channel(database, partner, http_receiver, events=[Event.PARTNER_MISSED.value])
    await create_action(owner, title="Coach one manager")
    # Due Monday 08:00 London; the grace period is two hours.
    assert await run(app, missed_step, utc("2026-03-02T09:59:00"), partner) == 0
    assert await run(app, missed_step, utc("2026-03-02T10:00:00"), partner) == 1
    assert await run(app, missed_step, utc("2026-03-02T10:20:00"), partner) == 0
    [missed] = await partner_events(database, partner, Event.PARTNER_MISSED)
    assert missed.due_at == utc("2026-03-02T10:00:00")
    assert missed.payload == {
        "participantName": "Owner",
        "participantId": owner.id,
        "keyActionTitle": "Coach one manager",
        "dueAt": "2026-03-02T08:00:00+00:00",
        "timeZone": "Europe/Paris",
    }
    assert missed.occurrence_id is not None


async def test_no_missed_nudge_unless_both_opted_in(
    callers: Callers, database: Database, app: Litestar, http_receiver: HttpReceiver
) -> None:
    owner = await callers.participant(name="Owner")
    partner = await callers.participant(name="Pat")
    partnership_id = await _pair(owner, partner)
    await add_channel(database, partner, http_receiver, events=[Event.PARTNER_MISSED.value])
    await create_action(owner)
    await partner.patch(f"{SUPPORTING}/{partnership_id}", json={"missedNudges": True})
    assert await run(app, missed_step, utc("2026-03-02T10:00:00"), partner) == 0
    await partner.patch(f"{SUPPORTING}/{partnership_id}", json={"missedNudges": False})
    await owner.patch(f"{PARTNERSHIPS}/{partnership_id}", json={"missedNudges": True})
    assert await run(app, missed_step, utc("2026-03-02T10:00:00"), partner) == 0
    await partner.patch(f"{SUPPORTING}/{partnership_id}", json={"missedNudges": True})
    assert await run(app, missed_step, utc("2026-03-02T10:00:00"), partner) == 1


async def test_no_missed_nudge_for_a_check_in_made_or_a_private_action(
    callers: Callers, database: Database, app: Litestar, http_receiver: HttpReceiver
) -> None:
    owner = await callers.participant(name="Owner")
    partner = await callers.participant(name="Pat")
    await _opted_in(owner, partner)
    await add_channel(database, partner, http_receiver, events=[Event.PARTNER_MISSED.value])
    done = await create_action(owner, title="Done on time")
    await create_action(owner, title="Private", visibility="private")
    await check_in(owner, done, TODAY_AT_8)
    assert await run(app, missed_step, utc("2026-03-02T10:00:00"), partner) == 0
    assert await partner_events(database, partner, Event.PARTNER_MISSED) == []


async def test_a_missed_occurrence_long_past_is_not_told(
    callers: Callers, database: Database, app: Litestar, http_receiver: HttpReceiver
) -> None:
    owner = await callers.participant(name="Owner")
    partner = await callers.participant(name="Pat")
    await _opted_in(owner, partner)
    await add_channel(database, partner, http_receiver, events=[Event.PARTNER_MISSED.value])
    await create_action(owner)
    # Only Monday's occurrence is within the window; the week before (since 23 Feb) is stale news.
    assert await run(app, missed_step, utc("2026-03-02T10:00:00"), partner) == 1


# End to end


async def test_digest_and_missed_reach_a_local_receiver_and_the_one_tap_link_works(
    callers: Callers,
    database: Database,
    app: Litestar,
    worker: Worker,
    http_receiver: HttpReceiver,
    clock: FrozenClock,
    pipeline_settings: Settings,
) -> None:
    owner = await callers.participant(name="Owner")
    partner = await callers.participant(name="Pat")
    await _opted_in(owner, partner)
    await add_channel(
        database, partner, http_receiver, events=[Event.PARTNER_MISSED.value, Event.PARTNER_DIGEST.value]
    )
    await create_action(owner, title="Coach one manager")

    clock.advance(timedelta(hours=1))  # Monday 10:00 UTC
    assert await run(app, missed_step, clock.now(), partner) == 1
    assert await worker.dispatch() == 1
    [missed] = await http_receiver.wait_for(1)
    assert missed.json()["title"] == "Owner has not checked in yet"
    assert "Coach one manager" in missed.json()["message"]

    clock.advance(timedelta(days=6, hours=8))  # Sunday 18:00 London
    assert await run(app, digest_step, clock.now(), partner) == 1
    assert await worker.dispatch() == 1
    received = await http_receiver.wait_for(2)
    digest = received[1].json()
    assert digest["title"] == "Your partners' week"
    link = next(word for word in digest["message"].split() if "/act/" in word)
    assert link.startswith(pipeline_settings.public_url)
    path = f"/api/v1/act/{link.rpartition('/')[2]}"
    anonymous = callers.anonymous()
    opened = (await anonymous.get(path)).json()  # changes nothing
    assert (opened["purpose"], opened["personName"], opened["state"]) == ("encourage", "Owner", "open")
    assert (await owner.get("/api/v1/encouragements")).json()["total"] == 0
    for _ in range(2):
        answered = await anonymous.post(path, json={"choice": "encourage"})
        assert answered.json()["state"] == "answered", answered.text
    assert (await owner.get("/api/v1/encouragements")).json()["total"] == 1
