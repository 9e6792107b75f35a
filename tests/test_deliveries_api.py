"""The deliveries list (the participant's own, filtered, paged) and the snooze links in reminders."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import quote
from uuid import UUID

import pytest

from followthrough.clock import FrozenClock
from followthrough.deliveries.models import Delivery
from followthrough.deliveries.worker import Worker
from followthrough.enums import DeliveryStatus
from followthrough.settings import Settings
from followthrough.signing import sign
from tests.conftest import Caller, Callers, Database
from tests.support.pipeline import (
    add_channel,
    app,
    check_in,
    create_action,
    deliveries_of,
    once,
    pipeline_settings,
    reminded,
    utc,
    worker,
)
from tests.support.receivers import HttpReceiver, http_receiver

__all__ = ["app", "http_receiver", "pipeline_settings", "worker"]

DELIVERIES = "/api/v1/deliveries"


def fields(body: dict[str, Any]) -> list[str]:
    return [error["field"] for error in body["errors"]]


# --------------------------------------------------------------------------------------------------
# Listing


async def test_the_owner_sees_their_deliveries_newest_first_with_status_and_errors(
    callers: Callers, database: Database, worker: Worker, http_receiver: HttpReceiver, clock: FrozenClock
) -> None:
    ada = await callers.participant()
    channel_id = await add_channel(database, ada, http_receiver, label="Phone")
    await create_action(ada, schedule=once("2026-03-02T09:30:00"), reminderOffsets=[0, 15])
    await worker.detect()
    http_receiver.fail_next(1)
    clock.set(utc("2026-03-02T09:15:00"))
    await worker.dispatch()

    response = await ada.get(DELIVERIES)

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["total"] == 2
    later, earlier = body["items"]
    assert later["dueAt"].startswith("2026-03-02T09:30:00")
    assert (later["status"], later["attempts"], later["sentAt"], later["lastError"]) == (
        "pending",
        0,
        None,
        None,
    )
    assert (earlier["status"], earlier["attempts"], earlier["event"]) == ("retrying", 1, "reminder.due")
    assert "500" in earlier["lastError"]
    assert earlier["channelLabel"] == "Phone"
    assert earlier["channelId"] == str(channel_id)
    assert earlier["nextAttemptAt"] is not None
    assert http_receiver.json_url() not in response.text


async def test_deliveries_filter_by_status_and_event_and_page(
    callers: Callers, database: Database, worker: Worker, http_receiver: HttpReceiver, clock: FrozenClock
) -> None:
    ada = await callers.participant()
    await add_channel(database, ada, http_receiver)
    await create_action(ada, schedule=once("2026-03-02T09:30:00"), reminderOffsets=[0, 15, 25])
    await worker.detect()
    clock.set(utc("2026-03-02T09:15:00"))
    await worker.dispatch()

    sent = (await ada.get(DELIVERIES, params={"status": "sent"})).json()
    assert [item["status"] for item in sent["items"]] == ["sent", "sent"]
    assert (await ada.get(DELIVERIES, params={"event": "review.weekly"})).json()["total"] == 0
    page = (await ada.get(DELIVERIES, params={"limit": 1, "offset": 1, "event": "reminder.due"})).json()
    assert (page["total"], len(page["items"]), page["limit"], page["offset"]) == (3, 1, 1, 1)


async def test_a_stranger_sees_none_of_the_owners_deliveries(
    callers: Callers, database: Database, worker: Worker, http_receiver: HttpReceiver
) -> None:
    await reminded(callers, database, worker, http_receiver)
    stranger = await callers.participant(name="Stranger")

    response = await stranger.get(DELIVERIES)

    assert response.status_code == 200
    assert response.json()["total"] == 0


async def test_deliveries_need_a_sign_in(callers: Callers) -> None:
    assert (await callers.anonymous().get(DELIVERIES)).status_code == 401


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "lost"}, "status"),
        ({"event": "reminder"}, "event"),
        ({"limit": 0}, "limit"),
        ({"limit": 500}, "limit"),
        ({"offset": -1}, "offset"),
    ],
)
async def test_bad_filters_are_refused_naming_the_parameter(
    owner: Caller, params: dict[str, Any], field: str
) -> None:
    response = await owner.get(DELIVERIES, params=params)
    assert response.status_code == 400
    assert fields(response.json()) == [field]


# --------------------------------------------------------------------------------------------------
# Snoozing


def snooze_url(row: Delivery, choice: str) -> str:
    return f"/api/v1/snooze/{quote(row.payload['snoozeToken'], safe='')}?for={choice}"


@pytest.mark.parametrize(
    ("choice", "expected"),
    [("15m", "2026-03-02T09:45:00"), ("1h", "2026-03-02T10:30:00"), ("tonight", "2026-03-02T20:00:00")],
)
async def test_a_snooze_link_queues_the_reminder_again_without_a_sign_in(
    callers: Callers,
    database: Database,
    worker: Worker,
    http_receiver: HttpReceiver,
    clock: FrozenClock,
    choice: str,
    expected: str,
) -> None:
    ada, row = await reminded(callers, database, worker, http_receiver)
    clock.set(utc("2026-03-02T09:30:00"))
    await worker.dispatch()

    response = await callers.anonymous().post(snooze_url(row, choice))

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["occurrenceId"] == str(row.occurrence_id)
    assert (body["keyActionTitle"], body["choice"], body["alreadyCheckedIn"]) == ("Call Sam", choice, False)
    assert body["remindAt"].startswith(expected)
    snoozed = [d for d in await deliveries_of(database, ada) if d.id != row.id]
    assert [(d.due_at, d.status, d.occurrence_id) for d in snoozed] == [
        (utc(expected), DeliveryStatus.PENDING, row.occurrence_id)
    ]
    assert ":snooze:" in snoozed[0].subject_key
    assert snoozed[0].payload["snoozeToken"] != row.payload["snoozeToken"]  # it can be snoozed again

    clock.set(utc(expected))
    await worker.dispatch()
    received = await http_receiver.wait_for(2)
    assert received[1].json()["title"] == "Now: Call Sam"


# Queueing once: INSERT ... ON CONFLICT differs by dialect.
@pytest.mark.dialect
async def test_the_same_snooze_link_twice_queues_one_reminder(
    callers: Callers, database: Database, worker: Worker, http_receiver: HttpReceiver, clock: FrozenClock
) -> None:
    ada, row = await reminded(callers, database, worker, http_receiver)
    clock.set(utc("2026-03-02T09:30:00"))
    anonymous = callers.anonymous()

    first = await anonymous.post(snooze_url(row, "15m"))
    clock.advance(timedelta(minutes=3))
    again = await anonymous.post(snooze_url(row, "15m"))

    assert first.status_code == again.status_code == 200
    assert first.json()["remindAt"] == again.json()["remindAt"]
    assert len(await deliveries_of(database, ada)) == 2


async def test_opening_a_snooze_link_says_what_it_would_do_and_changes_nothing(
    callers: Callers, database: Database, worker: Worker, http_receiver: HttpReceiver, clock: FrozenClock
) -> None:
    ada, row = await reminded(callers, database, worker, http_receiver)
    clock.set(utc("2026-03-02T09:30:00"))

    response = await callers.anonymous().get(snooze_url(row, "1h"))

    assert response.status_code == 200, response.text
    assert response.json()["remindAt"].startswith("2026-03-02T10:30:00")
    assert [d.id for d in await deliveries_of(database, ada)] == [row.id]


async def test_tonight_after_20_00_means_the_next_morning_in_local_time(
    callers: Callers, database: Database, worker: Worker, http_receiver: HttpReceiver, clock: FrozenClock
) -> None:
    _, row = await reminded(callers, database, worker, http_receiver)
    clock.set(utc("2026-03-02T20:30:00"))

    response = await callers.anonymous().get(snooze_url(row, "tonight"))

    assert response.status_code == 200, response.text
    assert response.json()["remindAt"].startswith("2026-03-03T08:00:00")


async def test_snoozing_an_occurrence_already_checked_in_queues_nothing(
    callers: Callers, database: Database, worker: Worker, http_receiver: HttpReceiver
) -> None:
    ada, row = await reminded(callers, database, worker, http_receiver)
    await check_in(ada, {"id": row.payload["keyActionId"]}, "2026-03-02T09:30:00Z")

    response = await callers.anonymous().get(snooze_url(row, "1h"))

    assert response.status_code == 200
    assert (response.json()["alreadyCheckedIn"], response.json()["remindAt"]) == (True, None)
    assert len(await deliveries_of(database, ada)) == 1


async def test_a_tampered_or_expired_snooze_token_is_refused_naming_the_token(
    callers: Callers,
    database: Database,
    worker: Worker,
    http_receiver: HttpReceiver,
    clock: FrozenClock,
    pipeline_settings: Settings,
) -> None:
    ada, row = await reminded(callers, database, worker, http_receiver)
    token = row.payload["snoozeToken"]
    anonymous = callers.anonymous()

    tampered = await anonymous.get(f"/api/v1/snooze/{token[:-2]}xx?for=15m")
    other_purpose = sign(
        pipeline_settings.resolved_secret_key,
        "encourage",
        {"o": str(row.occurrence_id)},
        utc("2027-01-01T00:00:00"),
    )
    wrong_purpose = await anonymous.get(f"/api/v1/snooze/{other_purpose}?for=15m")
    clock.set(utc("2026-03-03T09:30:00"))  # a day after the occurrence
    expired = await anonymous.get(snooze_url(row, "15m"))

    for response in (tampered, wrong_purpose, expired):
        assert response.status_code == 422, response.text
        assert fields(response.json()) == ["token"]
    assert "expired" in expired.json()["errors"][0]["message"]
    assert len(await deliveries_of(database, ada)) == 1


@pytest.mark.parametrize("query", ["?for=2d", "?for=", ""])
async def test_a_snooze_without_a_known_choice_is_refused_naming_for(
    callers: Callers, database: Database, worker: Worker, http_receiver: HttpReceiver, query: str
) -> None:
    _, row = await reminded(callers, database, worker, http_receiver)
    token = quote(row.payload["snoozeToken"], safe="")

    response = await callers.anonymous().get(f"/api/v1/snooze/{token}{query}")

    assert response.status_code == 400, response.text
    assert fields(response.json()) == ["for"]


async def test_a_snooze_token_for_a_deleted_occurrence_is_not_found(
    callers: Callers, database: Database, pipeline_settings: Settings
) -> None:
    token = sign(
        pipeline_settings.resolved_secret_key,
        "snooze",
        {"o": str(UUID(int=7)), "s": "0"},
        utc("2027-01-01T00:00:00"),
    )
    response = await callers.anonymous().get(f"/api/v1/snooze/{token}?for=1h")
    assert response.status_code == 404
