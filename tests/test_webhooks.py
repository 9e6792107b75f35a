"""Webhook channels send signed JSON (Standard Webhooks) to a local receiver that verifies every request
with its own implementation of the spec (tests/support/webhook_receiver.py)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from sqlalchemy import select, text

from followthrough.clock import FrozenClock
from followthrough.deliveries.models import Delivery
from followthrough.deliveries.worker import Worker
from followthrough.enums import ChannelKind, DeliveryStatus, Event
from followthrough.notifications.models import Channel
from tests.conftest import Caller, Database
from tests.support.actions import create_action
from tests.support.pipeline import app, pipeline_settings, worker
from tests.support.webhook_receiver import VerificationFailed, WebhookReceiver, verify, webhook_receiver

__all__ = ["app", "pipeline_settings", "webhook_receiver", "worker"]

CHANNELS = "/api/v1/channels"
KEY_ACTIONS = "/api/v1/key-actions"
CHECK_INS = "/api/v1/check-ins"
REVIEWS = "/api/v1/weekly-reviews"
TODAY_AT_8 = "2026-03-02T08:00:00Z"


async def add_webhook(caller: Caller, receiver: WebhookReceiver, **fields: Any) -> dict[str, Any]:
    response = await caller.post(CHANNELS, json={"kind": "webhook", "url": receiver.url, **fields})
    assert response.status_code == 201, response.text
    made: dict[str, Any] = response.json()
    receiver.secret = made["signingSecret"]
    return made


def check_in_body(action: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {
        "id": str(uuid4()),
        "keyActionId": action["id"],
        "occurrenceAt": TODAY_AT_8,
        "result": "done",
        **fields,
    }


async def deliveries(database: Database, caller: Caller, event: Event) -> list[Delivery]:
    async with database() as db:
        rows = await db.scalars(
            select(Delivery).where(Delivery.participant_id == UUID(caller.id), Delivery.event == event)
        )
        return list(rows.all())


# Creating, showing, rotating


async def test_a_webhook_channel_shows_its_secret_once_and_only_its_host_afterwards(
    owner: Caller, webhook_receiver: WebhookReceiver, database: Database
) -> None:
    made = await add_webhook(owner, webhook_receiver)

    assert made["signingSecret"].startswith("whsec_")
    assert made["kind"] == "webhook"
    assert made["service"] == "Webhook"
    assert made["destination"] == f"http://{webhook_receiver.http.address}/****"
    assert made["events"] == ["checkin.recorded", "occurrence.missed", "review.submitted"]
    shown = (await owner.get(f"{CHANNELS}/{made['id']}")).json()
    listed = (await owner.get(CHANNELS)).json()["items"]
    assert shown["signingSecret"] is None
    assert listed[0]["signingSecret"] is None
    assert made["signingSecret"] not in str(listed)
    async with database() as db:
        stored = [row[0] for row in (await db.execute(text("SELECT url FROM channel"))).all()]
    assert stored
    assert not any(made["signingSecret"] in value or "/hook" in value for value in stored)


async def test_rotating_the_secret_shows_a_new_one_once_and_the_old_one_stops_verifying(
    owner: Caller, webhook_receiver: WebhookReceiver
) -> None:
    made = await add_webhook(owner, webhook_receiver)
    old = made["signingSecret"]

    rotated = await owner.post(f"{CHANNELS}/{made['id']}/rotate-secret")

    assert rotated.status_code == 200, rotated.text
    new = rotated.json()["signingSecret"]
    assert new.startswith("whsec_")
    assert new != old
    # The receiver still holds the old secret: the test send fails its check, and is permanent (a 401).
    tested = (await owner.post(f"{CHANNELS}/{made['id']}/test")).json()
    assert tested["sent"] is False
    assert tested["permanent"] is True
    assert webhook_receiver.refusals == ["no signature matches"]
    webhook_receiver.secret = new
    await owner.patch(f"{CHANNELS}/{made['id']}", json={"enabled": True})
    tested = (await owner.post(f"{CHANNELS}/{made['id']}/test")).json()
    assert tested["sent"] is True, tested
    [test] = webhook_receiver.of_type("channel.test")
    assert test["data"]["channelLabel"] == "Webhook"
    assert test["version"] == 1


async def test_send_test_delivers_a_signed_channel_test(
    owner: Caller, webhook_receiver: WebhookReceiver
) -> None:
    made = await add_webhook(owner, webhook_receiver, label="Home Assistant")

    tested = (await owner.post(f"{CHANNELS}/{made['id']}/test")).json()

    assert tested["sent"] is True, tested
    assert [body["data"]["channelLabel"] for body in webhook_receiver.of_type("channel.test")] == [
        "Home Assistant"
    ]


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("ftp://example.com/hook", "https://"),
        ("http://example.com/hook", "must be an https URL"),
        ("https://10.0.0.7/hook", "refused"),
        ("https://169.254.169.254/latest", "refused"),
        ("https://", "https://"),
        ("https://example.com:99999/hook", "valid URL"),
    ],
)
async def test_a_webhook_url_that_may_not_be_reached_is_refused_naming_url(
    owner: Caller, url: str, says: str
) -> None:
    response = await owner.post(CHANNELS, json={"kind": "webhook", "url": url})

    assert response.status_code == 422, response.text
    [error] = response.json()["errors"]
    assert error["field"] == "url"
    assert says in error["message"]
    assert (await owner.get(CHANNELS)).json()["total"] == 0


async def test_a_webhook_needs_a_url(owner: Caller) -> None:
    response = await owner.post(CHANNELS, json={"kind": "webhook"})

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "url"


async def test_the_same_webhook_url_twice_is_a_conflict_naming_url(
    owner: Caller, webhook_receiver: WebhookReceiver
) -> None:
    await add_webhook(owner, webhook_receiver)

    again = await owner.post(CHANNELS, json={"kind": "webhook", "url": webhook_receiver.url})

    assert again.status_code == 409
    assert again.json()["errors"][0]["field"] == "url"
    assert (await owner.get(CHANNELS)).json()["total"] == 1


async def test_other_kinds_are_refused_the_webhook_only_events_naming_events(owner: Caller) -> None:
    apprise = {"kind": "apprise", "url": "json://127.0.0.1:9/hook"}
    refused = await owner.post(CHANNELS, json={**apprise, "events": ["reminder.due", "checkin.recorded"]})

    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"] == "events"
    made = (await owner.post(CHANNELS, json=apprise)).json()
    assert "checkin.recorded" not in made["events"]
    assert "reminder.due" in made["events"]
    changed = await owner.patch(f"{CHANNELS}/{made['id']}", json={"events": ["review.submitted"]})
    assert changed.status_code == 422
    assert changed.json()["errors"][0]["field"] == "events"
    rotated = await owner.post(f"{CHANNELS}/{made['id']}/rotate-secret")
    assert rotated.status_code == 422
    assert rotated.json()["errors"][0]["field"] == "kind"


async def test_someone_elses_webhook_is_not_found(
    owner: Caller, stranger: Caller, webhook_receiver: WebhookReceiver
) -> None:
    made = await add_webhook(owner, webhook_receiver)

    assert (await stranger.post(f"{CHANNELS}/{made['id']}/rotate-secret")).status_code == 404
    assert (await stranger.post(f"{CHANNELS}/{made['id']}/test")).status_code == 404
    assert (await owner.get(f"{CHANNELS}/{made['id']}")).json()["signingSecret"] is None
    assert webhook_receiver.http.requests == []


async def test_changing_a_webhooks_url_keeps_its_secret(
    owner: Caller, webhook_receiver: WebhookReceiver
) -> None:
    made = await add_webhook(owner, webhook_receiver)

    moved = await owner.patch(f"{CHANNELS}/{made['id']}", json={"url": webhook_receiver.url + "/v2"})
    assert moved.status_code == 200, moved.text
    tested = (await owner.post(f"{CHANNELS}/{made['id']}/test")).json()

    assert tested["sent"] is True
    assert webhook_receiver.http.requests[-1].path == "/hook/v2"
    refused = await owner.patch(f"{CHANNELS}/{made['id']}", json={"url": "http://example.com/x"})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "url"


# Events


async def test_a_check_in_sends_one_signed_checkin_recorded(
    owner: Caller, webhook_receiver: WebhookReceiver, worker: Worker, database: Database
) -> None:
    await add_webhook(owner, webhook_receiver)
    action = await create_action(owner, measure={"unit": "colleagues asked", "target": 3})
    body = check_in_body(action, note="Asked Sam.", measureValue=2, result="partly")

    assert (await owner.post(CHECK_INS, json=body)).status_code == 201
    assert (await owner.post(CHECK_INS, json=body)).status_code == 200  # a replay queues nothing more
    await worker.dispatch()

    [sent] = webhook_receiver.of_type("checkin.recorded")
    assert sent["timestamp"] == "2026-03-02T09:00:00Z"
    assert sent["version"] == 1
    data = sent["data"]
    assert data["checkInId"] == body["id"]
    assert data["keyActionId"] == action["id"]
    assert data["keyActionTitle"] == "Ask one colleague for feedback"
    assert (data["result"], data["note"]) == ("partly", "Asked Sam.")
    assert data["measure"] == {"value": 2, "unit": "colleagues asked"}
    assert data["occurrenceAt"] == TODAY_AT_8
    assert data["occurrenceLocal"] == "2026-03-02T08:00:00+00:00"
    assert data["timeZone"] == "Europe/London"
    assert data["weeklyReviewId"] is None
    assert len(await deliveries(database, owner, Event.CHECKIN_RECORDED)) == 1
    assert webhook_receiver.refusals == []
    assert webhook_receiver.duplicates == []


async def test_a_person_without_a_webhook_queues_no_webhook_events(owner: Caller, database: Database) -> None:
    await owner.post(CHANNELS, json={"kind": "apprise", "url": "json://127.0.0.1:9/hook"})
    action = await create_action(owner)

    await owner.post(CHECK_INS, json=check_in_body(action))

    assert await deliveries(database, owner, Event.CHECKIN_RECORDED) == []


async def test_a_weekly_review_sends_review_submitted_and_its_check_ins(
    owner: Caller, webhook_receiver: WebhookReceiver, worker: Worker
) -> None:
    await add_webhook(owner, webhook_receiver)
    action = await create_action(owner)
    check_in = check_in_body(action)
    review = {
        "id": str(uuid4()),
        "moved": "Asked three people.",
        "inTheWay": "Meetings.",
        "nextStep": "Block Fridays.",
        "confidence": 4,
        "checkIns": [check_in],
    }

    assert (await owner.post(REVIEWS, json=review)).status_code == 201
    await worker.dispatch()

    [submitted] = webhook_receiver.of_type("review.submitted")
    assert submitted["data"] == {
        "weeklyReviewId": review["id"],
        "weekStart": "2026-03-02",
        "moved": "Asked three people.",
        "inTheWay": "Meetings.",
        "nextStep": "Block Fridays.",
        "confidence": 4,
        "checkInIds": [check_in["id"]],
        "submittedAt": "2026-03-02T09:00:00Z",
        "timeZone": "Europe/London",
    }
    [recorded] = webhook_receiver.of_type("checkin.recorded")
    assert recorded["data"]["weeklyReviewId"] == review["id"]


async def test_an_occurrence_past_its_grace_period_sends_occurrence_missed_once(
    owner: Caller, webhook_receiver: WebhookReceiver, worker: Worker, clock: FrozenClock, database: Database
) -> None:
    await add_webhook(owner, webhook_receiver)
    # Private: it is the person's own automation that hears of it.
    action = await create_action(owner, title="Write the weekly note", visibility="private")
    # Today's 08:00 occurrence is missed at 10:00 (a 120-minute grace period).
    clock.set(datetime(2026, 3, 2, 9, 59, tzinfo=UTC))
    await worker.detect()
    assert await deliveries(database, owner, Event.OCCURRENCE_MISSED) == []

    clock.set(datetime(2026, 3, 2, 10, 30, tzinfo=UTC))
    await worker.detect()
    await worker.detect()
    await worker.dispatch()

    [missed] = webhook_receiver.of_type("occurrence.missed")
    assert missed["timestamp"] == "2026-03-02T10:00:00Z"
    assert missed["data"]["keyActionId"] == action["id"]
    assert missed["data"]["keyActionTitle"] == "Write the weekly note"
    assert missed["data"]["occurrenceAt"] == TODAY_AT_8
    assert missed["data"]["graceMinutes"] == 120
    assert len(await deliveries(database, owner, Event.OCCURRENCE_MISSED)) == 1


async def test_a_checked_in_occurrence_is_not_missed(
    owner: Caller, webhook_receiver: WebhookReceiver, worker: Worker, clock: FrozenClock, database: Database
) -> None:
    await add_webhook(owner, webhook_receiver)
    action = await create_action(owner)
    await owner.post(CHECK_INS, json=check_in_body(action))

    clock.set(datetime(2026, 3, 2, 10, 30, tzinfo=UTC))
    await worker.detect()

    assert await deliveries(database, owner, Event.OCCURRENCE_MISSED) == []


async def test_a_webhook_may_take_the_existing_events_as_json(
    owner: Caller, webhook_receiver: WebhookReceiver, worker: Worker, clock: FrozenClock
) -> None:
    await add_webhook(owner, webhook_receiver, events=["reminder.due"])
    once = {"kind": "once", "dueAt": "2026-03-02T12:00:00"}
    await create_action(owner, title="Call the mentor", schedule=once, reminderOffsets=[0])

    clock.set(datetime(2026, 3, 2, 12, 0, tzinfo=UTC))
    await worker.detect()
    await worker.dispatch()

    [reminder] = webhook_receiver.of_type("reminder.due")
    assert reminder["data"]["keyActionTitle"] == "Call the mentor"
    assert "oneTapLinks" not in reminder["data"]


# Retries and failures


async def test_a_retry_carries_the_same_webhook_id(
    owner: Caller, webhook_receiver: WebhookReceiver, worker: Worker, clock: FrozenClock, database: Database
) -> None:
    await add_webhook(owner, webhook_receiver)
    action = await create_action(owner)
    webhook_receiver.http.fail_next(1, 503)
    await owner.post(CHECK_INS, json=check_in_body(action))

    await worker.dispatch()
    [waiting] = await deliveries(database, owner, Event.CHECKIN_RECORDED)
    assert waiting.status is DeliveryStatus.RETRYING
    clock.advance(timedelta(minutes=5))
    await worker.dispatch()

    first, second = webhook_receiver.http.requests
    assert first.status == 503
    assert second.status == 204
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == f"msg_{waiting.id.hex}"
    assert len(webhook_receiver.of_type("checkin.recorded")) == 1


@pytest.mark.parametrize(
    ("status", "outcome"), [(429, DeliveryStatus.RETRYING), (410, DeliveryStatus.FAILED)]
)
async def test_a_client_error_is_permanent_unless_it_asks_to_wait(
    owner: Caller,
    webhook_receiver: WebhookReceiver,
    worker: Worker,
    database: Database,
    status: int,
    outcome: DeliveryStatus,
) -> None:
    made = await add_webhook(owner, webhook_receiver)
    action = await create_action(owner)
    webhook_receiver.http.fail_next(1, status)
    await owner.post(CHECK_INS, json=check_in_body(action))

    await worker.dispatch()

    [delivery] = await deliveries(database, owner, Event.CHECKIN_RECORDED)
    assert delivery.status is outcome
    assert str(status) in (delivery.last_error or "")
    channel = (await owner.get(f"{CHANNELS}/{made['id']}")).json()
    assert channel["enabled"] is (status == 429)


async def test_an_apprise_channel_given_a_webhook_event_skips_it_rather_than_failing(
    owner: Caller, webhook_receiver: WebhookReceiver, worker: Worker, database: Database
) -> None:
    await add_webhook(owner, webhook_receiver)
    async with database() as db:  # only a hand-edited database gets here; the API refuses it
        db.add(
            Channel(
                participant_id=UUID(owner.id),
                kind=ChannelKind.APPRISE,
                label="Old",
                url=f"json://{webhook_receiver.http.address}/apprise",
                masked_url="json://",
                events=[Event.CHECKIN_RECORDED.value],
                enabled=True,
            )
        )
    await owner.post(CHECK_INS, json=check_in_body(await create_action(owner)))

    await worker.dispatch()

    statuses = sorted(d.status.value for d in await deliveries(database, owner, Event.CHECKIN_RECORDED))
    assert statuses == ["sent", "skipped"]
    assert [r.path for r in webhook_receiver.http.requests] == ["/hook"]


# The receiver's own check can fail


async def test_the_receivers_verifier_refuses_a_tampered_body_a_wrong_secret_and_a_stale_timestamp(
    owner: Caller, webhook_receiver: WebhookReceiver
) -> None:
    made = await add_webhook(owner, webhook_receiver)
    await owner.post(f"{CHANNELS}/{made['id']}/test")
    [request] = webhook_receiver.http.requests
    sent_at = int(request.headers["webhook-timestamp"])
    secret = made["signingSecret"]
    verify(secret, request.headers, request.body, now=sent_at)

    with pytest.raises(VerificationFailed, match="no signature"):
        verify(secret, request.headers, request.body.replace(b"Webhook", b"Webhooc"), now=sent_at)
    other = (await owner.post(f"{CHANNELS}/{made['id']}/rotate-secret")).json()["signingSecret"]
    with pytest.raises(VerificationFailed, match="no signature"):
        verify(other, request.headers, request.body, now=sent_at)
    with pytest.raises(VerificationFailed, match="tolerance"):
        verify(secret, request.headers, request.body, now=sent_at + 301)
    with pytest.raises(VerificationFailed, match="tolerance"):
        verify(secret, request.headers, request.body, now=sent_at - 301)
    assert abs(sent_at - time.time()) < 60  # signed with the wall clock at sending
