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
from followthrough.deliveries.worker import Worker
from followthrough.settings import Settings
from tests.conftest import Caller, Callers, Database
from tests.support.actlinks import ACT, sent_reminder
from tests.support.pipeline import (
    app,
    deliveries_of,
    pipeline_settings,
    worker,
)
from tests.support.receivers import HttpReceiver, http_receiver

__all__ = ["app", "http_receiver", "pipeline_settings", "worker"]


async def check_ins_of(database: Database, caller: Caller) -> list[CheckIn]:
    async with database() as db:
        return list(await db.scalars(select(CheckIn).where(CheckIn.participant_id == UUID(caller.id))))


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
