"""Encouragement: a partner's short message on a shared key action or check-in, hiding it, the rate limit, and
the digest's one-tap link (valid, expired, replayed, tampered)."""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta
from uuid import UUID

import pytest
from litestar import Litestar
from sqlalchemy import func, select

from followthrough.clock import FrozenClock
from followthrough.deliveries.models import Delivery
from followthrough.enums import Event
from followthrough.partners.models import Encouragement
from followthrough.settings import Settings
from followthrough.signing import sign
from tests.conftest import Caller, Callers, Database
from tests.support.answers import error_fields
from tests.support.partners import (
    ENCOURAGEMENTS,
    PARTNERSHIPS,
    SUPPORTING,
    check_in,
    create_action,
    partner_up,
)

TODAY_AT_8 = "2026-03-02T08:00:00Z"


async def _pair(owner: Caller, callers: Callers) -> tuple[Caller, str]:
    partner = await callers.participant(name="Pat")
    return partner, str((await partner_up(owner, partner))["supporting"]["id"])


async def _count(database: Database, participant_id: str) -> int:
    async with database() as db:
        total = await db.scalar(
            select(func.count())
            .select_from(Encouragement)
            .where(Encouragement.participant_id == UUID(participant_id))
        )
    return total or 0


async def _subscribe(caller: Caller, database: Database, event: Event) -> None:
    """A channel of the caller's that receives `event`, stored directly (channels are helper A's API)."""
    from followthrough.notifications.models import Channel

    async with database() as db:
        db.add(
            Channel(
                participant_id=UUID(caller.id),
                kind="apprise",
                label="Test",
                url="json://127.0.0.1:9/hook",
                masked_url="json://127.0.0.1:9/...",
                events=[event.value],
            )
        )


async def test_a_partner_encourages_a_shared_key_action_and_the_participant_sees_it(
    owner: Caller, callers: Callers, database: Database
) -> None:
    partner, partnership_id = await _pair(owner, callers)
    await _subscribe(owner, database, Event.ENCOURAGEMENT_RECEIVED)
    action = await create_action(owner, title="Coach one manager")
    response = await partner.post(
        f"{SUPPORTING}/{partnership_id}/encouragements",
        json={"message": " Great start! ", "keyActionId": action["id"]},
    )
    assert response.status_code == 201, response.text
    sent = response.json()
    assert sent["message"] == "Great start!"
    assert sent["keyActionId"] == action["id"]
    received = (await owner.get(ENCOURAGEMENTS)).json()
    assert received["total"] == 1
    assert received["items"][0]["partner"] == {"id": partner.id, "displayName": "Pat", "email": None}
    async with database() as db:
        deliveries = (
            await db.scalars(select(Delivery).where(Delivery.participant_id == UUID(owner.id)))
        ).all()
    assert [(item.event, item.payload) for item in deliveries] == [
        (
            Event.ENCOURAGEMENT_RECEIVED,
            {"partnerName": "Pat", "message": "Great start!", "keyActionTitle": "Coach one manager"},
        )
    ]


async def test_a_partner_encourages_a_check_in(owner: Caller, callers: Callers) -> None:
    partner, partnership_id = await _pair(owner, callers)
    action = await create_action(owner)
    made = await check_in(owner, action, TODAY_AT_8)
    response = await partner.post(
        f"{SUPPORTING}/{partnership_id}/encouragements", json={"message": "Nice", "checkInId": made["id"]}
    )
    assert response.status_code == 201, response.text
    assert response.json()["checkInId"] == made["id"]


async def test_a_private_key_action_or_its_check_in_cannot_be_encouraged(
    owner: Caller, callers: Callers, database: Database
) -> None:
    partner, partnership_id = await _pair(owner, callers)
    private = await create_action(owner, visibility="private")
    made = await check_in(owner, private, TODAY_AT_8)
    url = f"{SUPPORTING}/{partnership_id}/encouragements"
    response = await partner.post(url, json={"message": "Hi", "keyActionId": private["id"]})
    assert response.status_code == 422
    assert error_fields(response) == ["keyActionId"]
    response = await partner.post(url, json={"message": "Hi", "checkInId": made["id"]})
    assert response.status_code == 422
    assert error_fields(response) == ["checkInId"]
    assert await _count(database, owner.id) == 0


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"message": ""}, 400, "message"),
        ({"message": "   "}, 400, "message"),
        ({"message": "x" * 281}, 400, "message"),
        ({"message": "Hi"}, 422, "keyActionId"),
        ({"message": "Hi", "keyActionId": "nope"}, 400, "keyActionId"),
        ({"message": "Hi", "emoji": "x"}, 400, "emoji"),
    ],
)
async def test_bad_encouragement_input_names_the_field(
    owner: Caller, callers: Callers, body: dict[str, str], status: int, field: str
) -> None:
    partner, partnership_id = await _pair(owner, callers)
    response = await partner.post(f"{SUPPORTING}/{partnership_id}/encouragements", json=body)
    assert response.status_code == status, response.text
    assert error_fields(response) == [field]


async def test_both_targets_at_once_are_refused(owner: Caller, callers: Callers) -> None:
    partner, partnership_id = await _pair(owner, callers)
    action = await create_action(owner)
    made = await check_in(owner, action, TODAY_AT_8)
    response = await partner.post(
        f"{SUPPORTING}/{partnership_id}/encouragements",
        json={"message": "Hi", "keyActionId": action["id"], "checkInId": made["id"]},
    )
    assert response.status_code == 422
    assert error_fields(response) == ["keyActionId"]


async def test_the_participant_cannot_encourage_through_their_own_partnership_and_strangers_get_404(
    owner: Caller, callers: Callers, stranger: Caller
) -> None:
    _, partnership_id = await _pair(owner, callers)
    action = await create_action(owner)
    body = {"message": "Hi", "keyActionId": action["id"]}
    assert (await owner.post(f"{SUPPORTING}/{partnership_id}/encouragements", json=body)).status_code == 403
    assert (
        await stranger.post(f"{SUPPORTING}/{partnership_id}/encouragements", json=body)
    ).status_code == 404


async def test_encouragement_is_rate_limited_per_partner(
    owner: Caller, callers: Callers, clock: FrozenClock, app: Litestar
) -> None:
    partner, partnership_id = await _pair(owner, callers)
    other, other_id = await _pair(owner, callers)
    action = await create_action(owner)
    body = {"message": "Go", "keyActionId": action["id"]}
    limit = app.state.settings.encouragements_per_day
    for _ in range(limit):
        assert (
            await partner.post(f"{SUPPORTING}/{partnership_id}/encouragements", json=body)
        ).status_code == 201
    refused = await partner.post(f"{SUPPORTING}/{partnership_id}/encouragements", json=body)
    assert refused.status_code == 429
    assert error_fields(refused) == ["message"]
    # Another partner has their own allowance; the first gets theirs back a day later.
    assert (await other.post(f"{SUPPORTING}/{other_id}/encouragements", json=body)).status_code == 201
    clock.advance(timedelta(days=1))
    assert (await partner.post(f"{SUPPORTING}/{partnership_id}/encouragements", json=body)).status_code == 201


async def test_the_participant_hides_an_encouragement_and_the_partner_cannot(
    owner: Caller, callers: Callers, stranger: Caller
) -> None:
    partner, partnership_id = await _pair(owner, callers)
    action = await create_action(owner)
    sent = (
        await partner.post(
            f"{SUPPORTING}/{partnership_id}/encouragements",
            json={"message": "Go", "keyActionId": action["id"]},
        )
    ).json()
    url = f"{ENCOURAGEMENTS}/{sent['id']}"
    assert (await partner.patch(url, json={"hidden": True})).status_code == 403
    assert (await stranger.patch(url, json={"hidden": True})).status_code == 404
    bad = await owner.patch(url, json={"hidden": "yes"})
    assert bad.status_code == 400
    assert error_fields(bad) == ["hidden"]
    response = await owner.patch(url, json={"hidden": True})
    assert response.status_code == 200
    assert response.json()["hidden"] is True
    assert (await owner.get(ENCOURAGEMENTS)).json()["items"] == []
    assert [
        item["id"] for item in (await owner.get(f"{ENCOURAGEMENTS}?includeHidden=true")).json()["items"]
    ] == [sent["id"]]
    assert (await stranger.get(ENCOURAGEMENTS)).json()["total"] == 0


# The one-tap link of digests sent before act links (newer digests link to act pages: test_act_links.py)


def legacy_one_tap_url(settings: Settings, partnership_id: UUID, now: datetime) -> str:
    """The link older digests carried: a signed token that names the partnership, the preset and a nonce."""
    payload = {"s": str(partnership_id), "m": 0, "n": secrets.token_hex(16)}
    token = sign(
        settings.resolved_secret_key, "encourage", payload, now + timedelta(days=settings.one_tap_link_days)
    )
    return f"{settings.public_url.rstrip('/')}/api/v1/encourage/{token}"


async def test_a_one_tap_link_posts_its_preset_message_once_without_sign_in(
    owner: Caller, callers: Callers, app: Litestar, database: Database, clock: FrozenClock
) -> None:
    _, partnership_id = await _pair(owner, callers)
    url = legacy_one_tap_url(app.state.settings, UUID(partnership_id), clock.now())
    path = url.split("testserver", 1)[-1].removeprefix(app.state.settings.public_url)
    anonymous = callers.anonymous()
    opened = await anonymous.get(path)  # a mail scanner, a chat preview: changes nothing
    assert opened.status_code == 200, opened.text
    assert (opened.json()["posted"], opened.json()["person"]) == (False, "Owner")
    assert await _count(database, owner.id) == 0
    first = await anonymous.post(path)
    assert first.status_code == 200, first.text
    assert first.json()["posted"] is True
    assert first.json()["person"] == "Owner"
    replay = await anonymous.post(path)
    assert replay.status_code == 200
    assert replay.json()["posted"] is False
    assert await _count(database, owner.id) == 1
    items = (await owner.get(ENCOURAGEMENTS)).json()["items"]
    assert [item["partner"]["displayName"] for item in items] == ["Pat"]


async def test_an_expired_one_tap_link_posts_nothing(
    owner: Caller, callers: Callers, app: Litestar, database: Database, clock: FrozenClock
) -> None:
    _, partnership_id = await _pair(owner, callers)
    settings: Settings = app.state.settings
    url = legacy_one_tap_url(settings, UUID(partnership_id), clock.now())
    clock.advance(timedelta(days=settings.one_tap_link_days))
    response = await callers.anonymous().post(url.removeprefix(settings.public_url))
    assert response.status_code == 410
    assert error_fields(response) == ["token"]
    assert await _count(database, owner.id) == 0


async def test_a_tampered_one_tap_link_posts_nothing(
    owner: Caller, callers: Callers, app: Litestar, database: Database, clock: FrozenClock
) -> None:
    _, partnership_id = await _pair(owner, callers)
    settings: Settings = app.state.settings
    path = legacy_one_tap_url(settings, UUID(partnership_id), clock.now()).removeprefix(settings.public_url)
    body, _, mac = path.rpartition("/")[2].partition(".")
    anonymous = callers.anonymous()
    flipped = mac[:-2] + ("AA" if not mac.endswith("AA") else "BB")
    assert (await anonymous.get(f"/api/v1/encourage/{body}.{flipped}")).status_code == 404
    assert (await anonymous.get("/api/v1/encourage/garbage")).status_code == 404
    assert (await anonymous.get("/api/v1/encourage/%C3%A9t%C3%A9.%C3%A9")).status_code == 404
    # A validly signed token for another purpose, or with a message that is not a preset, is refused too.
    expires = clock.now() + timedelta(days=1)
    other_purpose = sign(
        settings.resolved_secret_key, "snooze", {"s": partnership_id, "m": 0, "n": "a"}, expires
    )
    assert (await anonymous.get(f"/api/v1/encourage/{other_purpose}")).status_code == 404
    free_text = sign(
        settings.resolved_secret_key, "encourage", {"s": partnership_id, "m": 7, "n": "b"}, expires
    )
    assert (await anonymous.get(f"/api/v1/encourage/{free_text}")).status_code == 404
    assert await _count(database, owner.id) == 0


async def test_a_one_tap_link_stops_working_when_the_partnership_ends(
    owner: Caller, callers: Callers, app: Litestar, database: Database, clock: FrozenClock
) -> None:
    _, partnership_id = await _pair(owner, callers)
    settings: Settings = app.state.settings
    path = legacy_one_tap_url(settings, UUID(partnership_id), clock.now()).removeprefix(settings.public_url)
    await owner.delete(f"{PARTNERSHIPS}/{partnership_id}")
    assert (await callers.anonymous().post(path)).status_code == 404
    assert await _count(database, owner.id) == 0


async def test_one_tap_tokens_are_not_logged_by_the_server(
    owner: Caller, callers: Callers, app: Litestar, clock: FrozenClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    _, partnership_id = await _pair(owner, callers)
    settings: Settings = app.state.settings
    path = legacy_one_tap_url(settings, UUID(partnership_id), clock.now()).removeprefix(settings.public_url)
    anonymous = callers.anonymous()
    await anonymous.post(path)
    await anonymous.post(path)
    await anonymous.get(path[:-3] + "xyz")
    token = path.rpartition("/")[2]
    # httpx, the test's own client, logs the URLs it requests; the server must not.
    server_lines = [record.getMessage() for record in caplog.records if not record.name.startswith("httpx")]
    assert not any(token in line for line in server_lines)
