"""Answering a reminder where it arrives: the act links in messages. GET never acts; a POST acts once."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from sqlalchemy import select

from followthrough.actlinks import ActLink, act_token
from followthrough.checkins.models import CheckIn
from followthrough.clock import FrozenClock
from followthrough.deliveries.models import Delivery
from followthrough.deliveries.worker import Worker
from followthrough.enums import DeliveryStatus, Event
from followthrough.partners.detection import digest_step
from followthrough.readcache import read_cache
from followthrough.settings import Settings
from tests.conftest import Caller, Callers, Database
from tests.support.agenda import agenda
from tests.support.partners import partner_up
from tests.support.pipeline import (
    add_channel,
    app,
    deliveries_of,
    pipeline_settings,
    reminded,
    run,
    utc,
    worker,
)
from tests.support.receivers import HttpReceiver, http_receiver
from tests.support.statements import counting_statements

__all__ = ["app", "http_receiver", "pipeline_settings", "worker"]

ACT = "/api/v1/act"
WAITING = (DeliveryStatus.PENDING, DeliveryStatus.RETRYING)


async def sent_reminder(
    callers: Callers, database: Database, worker: Worker, receiver: HttpReceiver, clock: FrozenClock
) -> tuple[Caller, Delivery, str]:
    """Ada's 09:30 reminder, sent at 09:30, and the token of its act link."""
    ada, row = await reminded(callers, database, worker, receiver)
    clock.set(utc("2026-03-02T09:30:00"))
    assert await worker.dispatch() == 1
    await receiver.wait_for(1)
    return ada, row, act_token(worker.settings.resolved_secret_key, row.id)


async def check_ins_of(database: Database, caller: Caller) -> list[CheckIn]:
    async with database() as db:
        return list(await db.scalars(select(CheckIn).where(CheckIn.participant_id == UUID(caller.id))))


async def waiting_reminders(database: Database, caller: Caller) -> list[Delivery]:
    return [d for d in await deliveries_of(database, caller) if d.status in WAITING]


async def snapshot(database: Database, caller: Caller) -> list[Any]:
    """Everything a link could change: deliveries, check-ins and the link rows."""
    async with database() as db:
        links = await db.scalars(select(ActLink).where(ActLink.participant_id == UUID(caller.id)))
        link_state = sorted((str(link.id), link.choice, link.answered_at) for link in links)
    deliveries = [(d.id, d.status, d.due_at) for d in await deliveries_of(database, caller)]
    return [deliveries, [c.id for c in await check_ins_of(database, caller)], link_state]


# --------------------------------------------------------------------------------------------------
# GET never acts


async def test_opening_every_link_in_a_reminder_changes_nothing(
    callers: Callers,
    database: Database,
    worker: Worker,
    http_receiver: HttpReceiver,
    clock: FrozenClock,
    pipeline_settings: Settings,
) -> None:
    ada, _, token = await sent_reminder(callers, database, worker, http_receiver, clock)
    [message] = http_receiver.requests
    links = re.findall(r"https?://[^\s)\]\"'<>]+", message.json()["message"])
    act_links = [link for link in links if "/act/" in link]
    assert act_links
    assert all(token in link for link in act_links)
    before = await snapshot(database, ada)

    scanner = callers.anonymous()
    for link in links:  # as a mail scanner or chat preview would, and as the act page itself reads
        path = link.removeprefix(pipeline_settings.public_url.rstrip("/"))
        await scanner.get(path)
        if "/act/" in path:
            opened = await scanner.get(f"{ACT}/{token}")
            assert opened.status_code == 200, opened.text
            assert (opened.json()["state"], opened.json()["answer"]) == ("open", None)

    assert await snapshot(database, ada) == before


async def test_the_link_says_what_it_is_about_in_the_persons_zone(
    callers: Callers, database: Database, worker: Worker, http_receiver: HttpReceiver, clock: FrozenClock
) -> None:
    _, _, token = await sent_reminder(callers, database, worker, http_receiver, clock)

    body = (await callers.anonymous().get(f"{ACT}/{token}")).json()

    assert body["purpose"] == "reminder"
    assert (body["keyActionTitle"], body["timeZone"]) == ("Call Sam", "Europe/London")
    assert body["dueAt"].startswith("2026-03-02T09:30:00")
    assert body["choices"] == [
        "done",
        "partly",
        "not_done",
        "skipped",
        "snooze_15m",
        "snooze_1h",
        "snooze_tonight",
    ]


# --------------------------------------------------------------------------------------------------
# Exactly once


async def test_done_from_the_link_makes_one_check_in_even_when_posted_twice(
    callers: Callers, database: Database, worker: Worker, http_receiver: HttpReceiver, clock: FrozenClock
) -> None:
    ada, _, token = await sent_reminder(callers, database, worker, http_receiver, clock)
    phone = callers.anonymous()

    first = await phone.post(f"{ACT}/{token}", json={"choice": "done"})
    clock.advance(timedelta(minutes=1))
    again = await phone.post(f"{ACT}/{token}", json={"choice": "done"})

    assert first.status_code == again.status_code == 200, again.text
    assert first.json()["state"] == again.json()["state"] == "answered"
    assert first.json()["answer"] == again.json()["answer"]
    assert first.json()["answer"]["choice"] == "done"
    assert [c.result.value for c in await check_ins_of(database, ada)] == ["done"]


# Concurrent writes: SQLite's write lock, PostgreSQL's constraints.
@pytest.mark.dialect
async def test_done_posted_concurrently_makes_one_check_in(
    callers: Callers, database: Database, worker: Worker, http_receiver: HttpReceiver, clock: FrozenClock
) -> None:
    ada, _, token = await sent_reminder(callers, database, worker, http_receiver, clock)
    made_id = str(uuid4())

    answers = await asyncio.gather(
        *(
            callers.anonymous().post(f"{ACT}/{token}", json={"choice": "done", "id": made_id})
            for _ in range(4)
        )
    )

    assert [answer.status_code for answer in answers] == [200] * 4, [a.text for a in answers]
    assert [str(c.id) for c in await check_ins_of(database, ada)] == [made_id]


async def test_a_replay_of_a_check_in_made_offline_with_its_id_stores_one(
    callers: Callers, database: Database, worker: Worker, http_receiver: HttpReceiver, clock: FrozenClock
) -> None:
    ada, row, token = await sent_reminder(callers, database, worker, http_receiver, clock)
    made_id = str(uuid4())
    # The app's outbox sent it first; the notification's action replays the same check-in through the link.
    stored = await ada.post(
        "/api/v1/check-ins",
        json={
            "id": made_id,
            "keyActionId": row.payload["keyActionId"],
            "occurrenceAt": "2026-03-02T09:30:00Z",
            "result": "done",
        },
    )
    assert stored.status_code == 201, stored.text

    answer = await callers.anonymous().post(f"{ACT}/{token}", json={"choice": "done", "id": made_id})

    assert answer.status_code == 200, answer.text
    assert (answer.json()["state"], answer.json()["answer"]["choice"]) == ("answered", "done")
    assert answer.json()["answer"]["undoUntil"] is None  # made in the app: undone there
    assert [str(c.id) for c in await check_ins_of(database, ada)] == [made_id]


async def test_another_result_after_a_check_in_through_the_link_is_a_conflict_naming_choice(
    callers: Callers, database: Database, worker: Worker, http_receiver: HttpReceiver, clock: FrozenClock
) -> None:
    ada, _, token = await sent_reminder(callers, database, worker, http_receiver, clock)
    phone = callers.anonymous()
    await phone.post(f"{ACT}/{token}", json={"choice": "done"})

    refused = await phone.post(f"{ACT}/{token}", json={"choice": "not_done", "note": "changed my mind"})

    assert refused.status_code == 409
    assert [e["field"] for e in refused.json()["errors"]] == ["choice"]
    assert "already answered: Done" in refused.json()["detail"]
    assert [c.result.value for c in await check_ins_of(database, ada)] == ["done"]


async def test_partly_with_a_note_is_stored_on_the_check_in(
    callers: Callers, database: Database, worker: Worker, http_receiver: HttpReceiver, clock: FrozenClock
) -> None:
    ada, _, token = await sent_reminder(callers, database, worker, http_receiver, clock)

    answer = await callers.anonymous().post(
        f"{ACT}/{token}", json={"choice": "partly", "note": "Left a voicemail"}
    )

    assert answer.status_code == 200, answer.text
    assert answer.json()["answer"]["note"] == "Left a voicemail"
    [check_in] = await check_ins_of(database, ada)
    assert (check_in.result.value, check_in.note) == ("partly", "Left a voicemail")


# --------------------------------------------------------------------------------------------------
# Undo


async def test_undo_within_ten_minutes_removes_the_check_in_and_after_ten_minutes_is_gone(
    callers: Callers, database: Database, worker: Worker, http_receiver: HttpReceiver, clock: FrozenClock
) -> None:
    ada, _, token = await sent_reminder(callers, database, worker, http_receiver, clock)
    phone = callers.anonymous()
    answered = (await phone.post(f"{ACT}/{token}", json={"choice": "done"})).json()
    assert answered["answer"]["undoUntil"].startswith("2026-03-02T09:40:00")

    clock.advance(timedelta(minutes=9))
    undone = await phone.post(f"{ACT}/{token}/undo")
    assert undone.status_code == 200, undone.text
    assert (undone.json()["state"], undone.json()["answer"]) == ("open", None)
    assert await check_ins_of(database, ada) == []

    await phone.post(f"{ACT}/{token}", json={"choice": "done"})
    clock.advance(timedelta(minutes=10))
    late = await phone.post(f"{ACT}/{token}/undo")
    assert late.status_code == 410
    assert "10 minutes" in late.json()["detail"]
    assert len(await check_ins_of(database, ada)) == 1


# --------------------------------------------------------------------------------------------------
# Bad links and bad input


async def test_tampered_unknown_and_malformed_tokens_get_a_friendly_404(
    callers: Callers, database: Database, worker: Worker, http_receiver: HttpReceiver, clock: FrozenClock
) -> None:
    ada, _, token = await sent_reminder(callers, database, worker, http_receiver, clock)
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    unknown = act_token("another installation's secret", uuid4())
    anonymous = callers.anonymous()

    for bad in (
        tampered,
        unknown,
        "short",
        "x" * 5000,
        "%C3%A9t%C3%A9%C3%A9t%C3%A9%C3%A9t%C3%A9x",
    ):
        for response in (
            await anonymous.get(f"{ACT}/{bad}"),
            await anonymous.post(f"{ACT}/{bad}", json={"choice": "done"}),
            await anonymous.post(f"{ACT}/{bad}/undo"),
        ):
            assert response.status_code == 404, (bad, response.text)
            assert response.json()["detail"] == "This link is not valid."
    # A NUL can never be part of a real token; the edge refuses it before the link is looked up.
    nul = await anonymous.get(f"{ACT}/{'a%00' * 6}")
    assert nul.status_code == 422
    assert nul.json()["errors"][0]["field"] == "token"
    assert await check_ins_of(database, ada) == []


async def test_an_expired_link_is_gone_and_acts_no_more(
    callers: Callers, database: Database, worker: Worker, http_receiver: HttpReceiver, clock: FrozenClock
) -> None:
    ada, _, token = await sent_reminder(callers, database, worker, http_receiver, clock)
    clock.advance(timedelta(days=3))
    anonymous = callers.anonymous()

    opened = await anonymous.get(f"{ACT}/{token}")
    posted = await anonymous.post(f"{ACT}/{token}", json={"choice": "done"})

    assert opened.status_code == posted.status_code == 410
    assert posted.json()["detail"] == "This link has expired."
    assert await check_ins_of(database, ada) == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"choice": "maybe"}, "choice"),
        ({"choice": 5}, "choice"),
        ({"choice": "done", "note": "x" * 2001}, "note"),
        ({"choice": "done", "note": "a\x00b"}, "note"),
        ({"choice": "done", "measureValue": "lots"}, "measureValue"),
        ({"choice": "done", "id": "not-a-uuid"}, "id"),
        ({"choice": "done", "extra": 1}, "extra"),
        ({"choice": "encourage"}, "choice"),
        ({"choice": "done", "measureValue": 3}, "measureValue"),
        ({"choice": "snooze_1h", "note": "later"}, "note"),
    ],
)
async def test_bad_answers_are_refused_naming_the_field(
    callers: Callers,
    database: Database,
    worker: Worker,
    http_receiver: HttpReceiver,
    clock: FrozenClock,
    body: dict[str, Any],
    field: str,
) -> None:
    ada, _, token = await sent_reminder(callers, database, worker, http_receiver, clock)

    response = await callers.anonymous().post(f"{ACT}/{token}", json=body)

    assert response.status_code in {400, 422}, response.text
    assert field in [error["field"] for error in response.json()["errors"]], response.text
    assert await check_ins_of(database, ada) == []


# --------------------------------------------------------------------------------------------------
# Snoozes and cancellation


async def test_snoozes_stack_into_one_waiting_reminder_and_a_check_in_leaves_none(
    callers: Callers, database: Database, worker: Worker, http_receiver: HttpReceiver, clock: FrozenClock
) -> None:
    ada, row, first_token = await sent_reminder(callers, database, worker, http_receiver, clock)
    phone = callers.anonymous()

    clock.set(utc("2026-03-02T09:31:00"))
    snoozed = await phone.post(f"{ACT}/{first_token}", json={"choice": "snooze_15m"})
    assert snoozed.json()["answer"]["snoozedUntil"].startswith("2026-03-02T09:46:00"), snoozed.text
    clock.set(utc("2026-03-02T09:46:00"))
    assert await worker.dispatch() == 1  # the snoozed reminder comes
    [again] = [d for d in await deliveries_of(database, ada) if d.id != row.id]
    assert again.payload["snoozedFrom"].startswith("2026-03-02T09:30:00")
    second_token = act_token(worker.settings.resolved_secret_key, again.id)

    clock.set(utc("2026-03-02T09:47:00"))
    await phone.post(f"{ACT}/{second_token}", json={"choice": "snooze_1h"})
    clock.set(utc("2026-03-02T09:48:00"))
    await phone.post(f"{ACT}/{first_token}", json={"choice": "snooze_tonight"})  # from the older message

    [waiting] = await waiting_reminders(database, ada)
    assert waiting.due_at == utc("2026-03-02T20:00:00")
    assert waiting.payload["snoozedFrom"].startswith("2026-03-02T09:30:00")

    done = await phone.post(f"{ACT}/{second_token}", json={"choice": "done"})
    assert done.status_code == 200, done.text
    assert await waiting_reminders(database, ada) == []


async def test_a_check_in_in_the_app_cancels_waiting_reminders_snoozes_and_nudges(
    callers: Callers, database: Database, worker: Worker, http_receiver: HttpReceiver, clock: FrozenClock
) -> None:
    ada = await callers.participant(time_zone="Europe/London")
    assert (await ada.patch("/api/v1/account", json={"nudgeEnabled": True})).status_code == 200
    await add_channel(database, ada, http_receiver, label="Phone")
    created = await ada.post(
        "/api/v1/key-actions",
        json={
            "title": "Call Sam",
            "reminderOffsets": [0, 30],
            "schedule": {"kind": "once", "dueAt": "2026-03-02T19:30:00"},
        },
    )
    assert created.status_code == 201, created.text
    clock.set(utc("2026-03-02T19:00:00"))
    await worker.detect()
    assert await worker.dispatch() == 1  # the reminder half an hour before
    sent = next(d for d in await deliveries_of(database, ada) if d.status is DeliveryStatus.SENT)
    token = act_token(worker.settings.resolved_secret_key, sent.id)
    await callers.anonymous().post(f"{ACT}/{token}", json={"choice": "snooze_15m"})
    kinds = sorted(
        d.subject_key.split(":", 2)[2].split(":")[0] for d in await waiting_reminders(database, ada)
    )
    # Until 19:15: the reminder at 19:30 and the 20:00 nudge come after it, so they stay.
    assert kinds == ["0", "nudge", "snooze"]

    checked = await ada.post(
        "/api/v1/check-ins",
        json={
            "id": str(uuid4()),
            "keyActionId": created.json()["id"],
            "occurrenceAt": "2026-03-02T19:30:00Z",
            "result": "done",
        },
    )

    assert checked.status_code == 201, checked.text
    assert await waiting_reminders(database, ada) == []
    opened = (await callers.anonymous().get(f"{ACT}/{token}")).json()
    assert (opened["state"], opened["answer"]["choice"], opened["choices"]) == ("answered", "done", [])


# --------------------------------------------------------------------------------------------------
# The delivery log


async def test_a_tap_is_recorded_and_shown_in_the_delivery_log_with_the_key_action(
    callers: Callers, database: Database, worker: Worker, http_receiver: HttpReceiver, clock: FrozenClock
) -> None:
    ada, row, token = await sent_reminder(callers, database, worker, http_receiver, clock)
    clock.set(utc("2026-03-02T09:33:00"))
    await callers.anonymous().post(f"{ACT}/{token}", json={"choice": "done"})

    [item] = (await ada.get("/api/v1/deliveries")).json()["items"]

    assert (item["id"], item["keyActionTitle"]) == (str(row.id), "Call Sam")
    assert item["tap"]["choice"] == "done"
    assert item["tap"]["at"].startswith("2026-03-02T09:33:00")
    assert item["tap"]["channelLabel"] == "Phone"


async def test_send_test_is_recorded_in_the_delivery_log_sent_or_failed(
    callers: Callers, database: Database, http_receiver: HttpReceiver, clock: FrozenClock
) -> None:
    ada = await callers.participant()
    channel = await add_channel(database, ada, http_receiver, label="Webhook")

    assert (await ada.post(f"/api/v1/channels/{channel}/test")).json()["sent"] is True
    clock.advance(timedelta(minutes=1))
    http_receiver.fail_next(1, status=400)
    assert (await ada.post(f"/api/v1/channels/{channel}/test")).json()["sent"] is False

    page = (await ada.get("/api/v1/deliveries", params={"event": Event.CHANNEL_TEST.value})).json()
    assert [(item["status"], item["channelLabel"]) for item in page["items"]] == [
        ("failed", "Webhook"),
        ("sent", "Webhook"),
    ]
    assert {(item["keyActionTitle"], item["tap"]) for item in page["items"]} == {(None, None)}
    assert page["items"][0]["lastError"]


# --------------------------------------------------------------------------------------------------
# A partner's one-tap encouragement


async def test_a_partners_digest_link_encourages_through_post_only_and_undo_withdraws_it(
    callers: Callers,
    database: Database,
    app: Any,
    worker: Worker,
    http_receiver: HttpReceiver,
    clock: FrozenClock,
) -> None:
    owner = await callers.participant(name="Owner")
    partner = await callers.participant(name="Pat")
    await partner_up(owner, partner)
    await add_channel(database, partner, http_receiver, events=[Event.PARTNER_DIGEST.value])
    clock.set(utc("2026-03-08T18:00:00"))  # Pat's weekly review time, Sunday 18:00 in London
    assert await run(app, digest_step, clock.now(), partner) == 1
    # Other tests' partners may be due at the same instant (the database is shared): only Pat's reaches
    # this receiver.
    assert await worker.dispatch() >= 1
    [digest] = await http_receiver.wait_for(1)
    [token] = re.findall(r"/act/([A-Za-z0-9_-]{22})", digest.json()["message"])[:1]
    anonymous = callers.anonymous()

    for _ in range(2):  # a scanner, a preview
        opened = (await anonymous.get(f"{ACT}/{token}")).json()
        assert (opened["purpose"], opened["personName"], opened["choices"]) == (
            "encourage",
            "Owner",
            ["encourage"],
        )
    assert (await owner.get("/api/v1/encouragements")).json()["total"] == 0
    wrong = await anonymous.post(f"{ACT}/{token}", json={"choice": "done"})
    assert (wrong.status_code, [e["field"] for e in wrong.json()["errors"]]) == (422, ["choice"])

    for _ in range(2):
        sent = await anonymous.post(
            f"{ACT}/{token}", json={"choice": "encourage", "message": "You've got this"}
        )
        assert sent.json()["state"] == "answered", sent.text
    received = (await owner.get("/api/v1/encouragements")).json()
    assert [item["message"] for item in received["items"]] == ["You've got this"]

    undone = await anonymous.post(f"{ACT}/{token}/undo")
    assert undone.json()["state"] == "open", undone.text
    assert (await owner.get("/api/v1/encouragements")).json()["total"] == 0


# On PostgreSQL a write is announced by NOTIFY.
@pytest.mark.dialect
async def test_an_answer_through_a_link_ends_the_remembered_today(
    app: Any,
    callers: Callers,
    database: Database,
    worker: Worker,
    http_receiver: HttpReceiver,
    clock: FrozenClock,
) -> None:
    """A link carries no session, so the answer itself must end the Today remembered for its person."""
    ada, _, token = await sent_reminder(callers, database, worker, http_receiver, clock)
    cache = read_cache(app.state)
    assert cache.enabled
    await agenda(ada)
    remembered = await agenda(ada)
    writes_heard = cache.invalidations

    with counting_statements(app) as statements:
        await callers.anonymous().post(f"{ACT}/{token}", json={"choice": "snooze_1h"})

    assert cache.invalidations == writes_heard + 1
    # The answer's own commit tells the other processes, on PostgreSQL.
    notifications = sum("pg_notify" in statement for statement in statements)
    assert notifications == (0 if app.state.settings.is_sqlite else 1)
    assert await agenda(ada) != remembered
