"""What answering through an act link changes beyond the check-in: snoozes and the reminders still waiting,
the delivery log, a partner's one-tap encouragement, and the remembered Today of other processes."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any
from uuid import uuid4

import pytest

from followthrough.actlinks import act_token
from followthrough.clock import FrozenClock
from followthrough.deliveries.worker import Worker
from followthrough.enums import DeliveryStatus, Event
from followthrough.partners.detection import digest_step
from followthrough.readcache import read_cache
from tests.conftest import Callers, Database
from tests.support.actlinks import ACT, sent_reminder, waiting_reminders
from tests.support.agenda import agenda
from tests.support.partners import partner_up
from tests.support.pipeline import (
    add_channel,
    app,
    deliveries_of,
    pipeline_settings,
    run,
    utc,
    worker,
)
from tests.support.receivers import HttpReceiver, http_receiver
from tests.support.statements import counting_statements

__all__ = ["app", "http_receiver", "pipeline_settings", "worker"]


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
