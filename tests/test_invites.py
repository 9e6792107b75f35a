"""The invite life cycle: create, preview, accept once, expire, revoke; mutual offers; the inviter is told."""

from __future__ import annotations

import logging
from datetime import timedelta
from uuid import UUID

import pytest
from sqlalchemy import select

from followthrough.clock import FrozenClock
from followthrough.deliveries.models import Delivery
from followthrough.enums import ChannelKind, Event
from followthrough.notifications.models import Channel
from followthrough.partners.models import Invite
from tests.conftest import Caller, Callers, Database
from tests.support.answers import error_fields, said
from tests.support.partners import INVITES, PARTNERSHIPS, SUPPORTING, invite


async def test_an_invite_holds_a_long_token_stored_only_as_a_hash(owner: Caller, database: Database) -> None:
    created = await invite(owner)
    token = created["token"]
    assert len(token) >= 43  # 32 random bytes, url-safe base64: 256 bits
    assert created["url"].endswith(f"/partners/accept#{token}")
    assert created["invite"]["status"] == "pending"
    assert created["invite"]["expiresAt"] == "2026-03-09T09:00:00Z"
    async with database() as db:
        stored = await db.scalar(select(Invite).where(Invite.id == UUID(created["invite"]["id"])))
    assert stored is not None
    assert token not in stored.token_hash
    assert len(stored.token_hash) == 64
    listed = (await owner.get(INVITES)).json()
    assert [item["id"] for item in listed] == [created["invite"]["id"]]
    assert "token" not in listed[0]


async def test_the_participant_may_choose_another_expiry(owner: Caller) -> None:
    created = await invite(owner, expiresInDays=2)
    assert created["invite"]["expiresAt"] == "2026-03-04T09:00:00Z"


@pytest.mark.parametrize("days", [0, 31, "seven", 1.5])
async def test_an_expiry_out_of_range_is_refused(owner: Caller, days: object) -> None:
    response = await owner.post(INVITES, json={"expiresInDays": days})
    assert response.status_code == 400
    assert error_fields(response) == ["expiresInDays"]


async def test_an_unknown_field_is_refused(owner: Caller) -> None:
    response = await owner.post(INVITES, json={"mutul": True})
    assert response.status_code == 400
    assert error_fields(response) == ["mutul"]


async def test_accepting_makes_the_invitee_a_partner_and_the_invite_used(
    owner: Caller, callers: Callers
) -> None:
    partner = await callers.participant(name="Pat")
    created = await invite(owner)
    response = await partner.post(f"{INVITES}/accept", json={"token": created["token"]})
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["supporting"]["person"] == {"id": owner.id, "displayName": "Owner", "email": None}
    assert body["partnership"] is None
    partners = (await owner.get(PARTNERSHIPS)).json()
    assert [item["partner"]["displayName"] for item in partners] == ["Pat"]
    assert partners[0]["partner"]["email"] is None
    assert (await owner.get(INVITES)).json()[0]["status"] == "accepted"
    assert (await partner.get(PARTNERSHIPS)).json() == []
    assert [item["person"]["id"] for item in (await partner.get(SUPPORTING)).json()] == [owner.id]


async def test_an_invite_is_single_use(owner: Caller, callers: Callers) -> None:
    first = await callers.participant(name="First")
    second = await callers.participant(name="Second")
    created = await invite(owner)
    assert (await first.post(f"{INVITES}/accept", json={"token": created["token"]})).status_code == 201
    again = await first.post(f"{INVITES}/accept", json={"token": created["token"]})
    assert again.status_code == 409
    assert error_fields(again) == ["token"]
    other = await second.post(f"{INVITES}/accept", json={"token": created["token"]})
    assert other.status_code == 409
    assert error_fields(other) == ["token"]
    assert len((await owner.get(PARTNERSHIPS)).json()) == 1


async def test_an_expired_invite_cannot_be_accepted(
    owner: Caller, callers: Callers, clock: FrozenClock
) -> None:
    partner = await callers.participant(name="Pat")
    created = await invite(owner, expiresInDays=1)
    clock.advance(timedelta(days=1))
    response = await partner.post(f"{INVITES}/accept", json={"token": created["token"]})
    assert response.status_code == 410
    assert error_fields(response) == ["token"]
    assert (await owner.get(INVITES)).json()[0]["status"] == "expired"
    assert (await owner.get(PARTNERSHIPS)).json() == []


async def test_an_invite_still_works_just_before_it_expires(
    owner: Caller, callers: Callers, clock: FrozenClock
) -> None:
    partner = await callers.participant(name="Pat")
    created = await invite(owner)
    clock.advance(timedelta(days=7) - timedelta(seconds=1))
    assert (await partner.post(f"{INVITES}/accept", json={"token": created["token"]})).status_code == 201


async def test_a_revoked_invite_cannot_be_accepted(owner: Caller, callers: Callers) -> None:
    partner = await callers.participant(name="Pat")
    created = await invite(owner)
    assert (await owner.delete(f"{INVITES}/{created['invite']['id']}")).status_code == 204
    response = await partner.post(f"{INVITES}/accept", json={"token": created["token"]})
    assert response.status_code == 409
    assert error_fields(response) == ["token"]
    assert (await owner.get(INVITES)).json()[0]["status"] == "revoked"


async def test_an_accepted_invite_cannot_be_revoked(owner: Caller, callers: Callers) -> None:
    partner = await callers.participant(name="Pat")
    created = await invite(owner)
    await partner.post(f"{INVITES}/accept", json={"token": created["token"]})
    response = await owner.delete(f"{INVITES}/{created['invite']['id']}")
    assert response.status_code == 409
    assert error_fields(response) == ["id"]


async def test_someone_elses_invite_cannot_be_revoked_and_reads_as_missing(
    owner: Caller, stranger: Caller
) -> None:
    created = await invite(owner)
    assert (await stranger.delete(f"{INVITES}/{created['invite']['id']}")).status_code == 404
    assert (await stranger.get(INVITES)).json() == []
    assert (await owner.get(INVITES)).json()[0]["status"] == "pending"


async def test_an_unknown_or_tampered_token_is_not_found(owner: Caller, stranger: Caller) -> None:
    created = await invite(owner)
    tampered = created["token"][:-1] + ("A" if created["token"][-1] != "A" else "B")
    assert (await stranger.post(f"{INVITES}/accept", json={"token": tampered})).status_code == 404
    assert (await stranger.post(f"{INVITES}/accept", json={"token": "x"})).status_code == 404
    empty = await stranger.post(f"{INVITES}/accept", json={"token": ""})
    assert empty.status_code == 400
    assert error_fields(empty) == ["token"]


async def test_one_cannot_accept_ones_own_invite(owner: Caller) -> None:
    created = await invite(owner)
    response = await owner.post(f"{INVITES}/accept", json={"token": created["token"]})
    assert response.status_code == 422
    assert error_fields(response) == ["token"]
    assert (await owner.get(INVITES)).json()[0]["status"] == "pending"


async def test_an_existing_partner_cannot_accept_a_second_invite(owner: Caller, callers: Callers) -> None:
    partner = await callers.participant(name="Pat")
    await partner.post(f"{INVITES}/accept", json={"token": (await invite(owner))["token"]})
    second = await invite(owner)
    response = await partner.post(f"{INVITES}/accept", json={"token": second["token"]})
    assert response.status_code == 409
    assert error_fields(response) == ["token"]
    assert (await owner.get(INVITES)).json()[0]["status"] == "pending"


async def test_a_mutual_invite_makes_each_the_others_partner(owner: Caller, callers: Callers) -> None:
    partner = await callers.participant(name="Pat")
    created = await invite(owner, mutual=True)
    body = (await partner.post(f"{INVITES}/accept", json={"token": created["token"]})).json()
    assert body["partnership"]["partner"]["displayName"] == "Owner"
    assert [item["partner"]["id"] for item in (await owner.get(PARTNERSHIPS)).json()] == [partner.id]
    assert [item["partner"]["id"] for item in (await partner.get(PARTNERSHIPS)).json()] == [owner.id]
    assert [item["person"]["id"] for item in (await owner.get(SUPPORTING)).json()] == [partner.id]


async def test_accepting_needs_a_sign_in(owner: Caller, callers: Callers) -> None:
    created = await invite(owner)
    response = await callers.anonymous().post(f"{INVITES}/accept", json={"token": created["token"]})
    assert response.status_code == 401
    assert (await owner.get(INVITES)).json()[0]["status"] == "pending"


async def test_the_token_is_never_logged(
    owner: Caller, callers: Callers, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    partner = await callers.participant(name="Pat")
    created = await invite(owner)
    await partner.post(f"{INVITES}/preview", json={"token": created["token"]})
    await partner.post(f"{INVITES}/accept", json={"token": created["token"]})
    await partner.post(f"{INVITES}/accept", json={"token": created["token"]})
    await partner.post(f"{INVITES}/preview", json={"token": created["token"]})
    assert created["token"] not in caplog.text


async def test_the_inviter_is_told_when_their_invite_is_accepted(
    owner: Caller, callers: Callers, database: Database
) -> None:
    async with database() as db:
        db.add(
            Channel(
                participant_id=UUID(owner.id),
                kind=ChannelKind.APPRISE,
                label="Hook",
                url="json://127.0.0.1:9/hook",
                masked_url="json://127.0.0.1:9/...",
                events=[Event.INVITE_ACCEPTED.value],
            )
        )
    partner = await callers.participant(name="Pat")
    created = await invite(owner)
    await partner.post(f"{INVITES}/accept", json={"token": created["token"]})
    async with database() as db:
        told = (await db.scalars(select(Delivery).where(Delivery.participant_id == UUID(owner.id)))).all()
    assert [(item.event, item.subject_key, item.payload) for item in told] == [
        (Event.INVITE_ACCEPTED, f"invite:{created['invite']['id']}", {"partnerName": "Pat"})
    ]


# Previewing: who invites and on what terms, before accepting.

PREVIEW = f"{INVITES}/preview"


async def test_a_preview_names_the_inviter_and_whether_it_is_mutual_and_nothing_else(
    owner: Caller, callers: Callers
) -> None:
    created = await invite(owner, mutual=True)
    response = await callers.anonymous().post(PREVIEW, json={"token": created["token"]})
    assert response.status_code == 200, response.text
    assert response.json() == {
        "inviter": {"displayName": "Owner"},
        "mutual": True,
        "expiresAt": "2026-03-09T09:00:00Z",
    }
    one_way = await invite(owner)
    signed_in = await (await callers.participant(name="Pat")).post(PREVIEW, json={"token": one_way["token"]})
    assert signed_in.json()["mutual"] is False


async def test_a_preview_does_not_use_the_invite(owner: Caller, callers: Callers) -> None:
    created = await invite(owner)
    for _ in range(3):
        assert (await callers.anonymous().post(PREVIEW, json={"token": created["token"]})).status_code == 200
    assert (await owner.get(INVITES)).json()[0]["status"] == "pending"
    assert (await owner.get(PARTNERSHIPS)).json() == []
    partner = await callers.participant(name="Pat")
    assert (await partner.post(f"{INVITES}/accept", json={"token": created["token"]})).status_code == 201


async def test_a_preview_answers_410_alike_for_unknown_used_revoked_and_expired_invites(
    owner: Caller, callers: Callers, clock: FrozenClock
) -> None:
    used = await invite(owner)
    await (await callers.participant(name="Pat")).post(f"{INVITES}/accept", json={"token": used["token"]})
    revoked = await invite(owner)
    await owner.delete(f"{INVITES}/{revoked['invite']['id']}")
    expired = await invite(owner, expiresInDays=1)
    unknown = used["token"][:-1] + ("A" if used["token"][-1] != "A" else "B")
    clock.advance(timedelta(days=1))
    answers = [
        await callers.anonymous().post(PREVIEW, json={"token": token})
        for token in (unknown, used["token"], revoked["token"], expired["token"])
    ]
    assert [answer.status_code for answer in answers] == [410, 410, 410, 410]
    assert all(said(answer) == said(answers[0]) for answer in answers)
    assert error_fields(answers[0]) == ["token"]
    assert "Owner" not in answers[1].text


@pytest.mark.parametrize(
    ("token", "status"),
    [("", 400), ("x" * 201, 400), (7, 400), (None, 400), ("\x00", 422), ("ab\x00cd", 422)],
)
async def test_a_malformed_token_is_refused_naming_the_token(
    callers: Callers, token: object, status: int
) -> None:
    response = await callers.anonymous().post(PREVIEW, json={"token": token})
    assert response.status_code == status
    assert error_fields(response) == ["token"]


async def test_guessing_tokens_is_limited_per_address_until_the_window_passes(
    owner: Caller, callers: Callers, clock: FrozenClock
) -> None:
    created = await invite(owner)
    guesser = callers.anonymous()
    for attempt in range(20):
        assert (await guesser.post(PREVIEW, json={"token": f"guess-{attempt}"})).status_code == 410
    blocked = await guesser.post(PREVIEW, json={"token": created["token"]})
    assert blocked.status_code == 429
    assert int(blocked.headers["retry-after"]) > 0
    assert (await callers.anonymous().post(PREVIEW, json={"token": created["token"]})).status_code == 200
    clock.advance(timedelta(minutes=16))
    assert (await guesser.post(PREVIEW, json={"token": created["token"]})).status_code == 200


async def test_previews_and_accepts_share_one_guessing_budget(owner: Caller, callers: Callers) -> None:
    created = await invite(owner)
    guesser = await callers.participant(name="Guesser")
    for attempt in range(10):
        assert (await guesser.post(PREVIEW, json={"token": f"guess-{attempt}"})).status_code == 410
        assert (
            await guesser.post(f"{INVITES}/accept", json={"token": f"guess-{attempt}"})
        ).status_code == 404
    assert (await guesser.post(f"{INVITES}/accept", json={"token": created["token"]})).status_code == 429
    assert (await guesser.post(PREVIEW, json={"token": created["token"]})).status_code == 429
    assert (await owner.get(INVITES)).json()[0]["status"] == "pending"


async def test_a_known_but_dead_token_is_not_counted_as_a_guess(owner: Caller, callers: Callers) -> None:
    created = await invite(owner)
    await owner.delete(f"{INVITES}/{created['invite']['id']}")
    holder = callers.anonymous()
    for _ in range(25):
        assert (await holder.post(PREVIEW, json={"token": created["token"]})).status_code == 410
    assert (await holder.post(PREVIEW, json={"token": (await invite(owner))["token"]})).status_code == 200
