"""Partnerships: what a partner sees (and only that), scope changes taking effect at once, ending, the
participant's preview, export and account deletion."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import select

from followthrough.clock import FrozenClock
from followthrough.partners.models import Partnership
from tests.conftest import Caller, Callers, Database
from tests.support.answers import error_fields
from tests.support.partners import KEY_ACTIONS, PARTNERSHIPS, SUPPORTING, check_in, create_action, partner_up

TODAY_AT_8 = "2026-03-02T08:00:00Z"
YESTERDAY_AT_8 = "2026-03-01T08:00:00Z"


async def _pair(owner: Caller, callers: Callers) -> tuple[Caller, str]:
    partner = await callers.participant(name="Pat")
    accepted = await partner_up(owner, partner)
    return partner, str(accepted["supporting"]["id"])


async def test_a_partner_sees_shared_progress_and_nothing_private(owner: Caller, callers: Callers) -> None:
    partner, partnership_id = await _pair(owner, callers)
    shared = await create_action(owner, title="Coach one manager", measure={"unit": "managers", "target": 4})
    private = await create_action(owner, title="Update my CV quietly", visibility="private")
    await check_in(owner, shared, TODAY_AT_8, note="Felt awkward", measureValue=1)
    await check_in(owner, shared, YESTERDAY_AT_8, result="partly")
    await check_in(owner, private, TODAY_AT_8, note="secret plans")

    response = await partner.get(f"{SUPPORTING}/{partnership_id}")

    assert response.status_code == 200, response.text
    view = response.json()
    assert view["person"] == {"id": owner.id, "displayName": "Owner", "email": None}
    assert [action["title"] for action in view["keyActions"]] == ["Coach one manager"]
    assert [item["title"] for item in view["todayItems"]] == ["Coach one manager"]
    assert view["todayItems"][0]["checkIn"]["result"] == "done"
    assert [item["result"] for item in view["recentCheckIns"]] == ["done", "partly"]
    assert all(item["note"] is None for item in view["recentCheckIns"])
    # The account's own progress counts both actions; the partner's only the shared one.
    assert view["thisWeek"]["due"] == 1
    assert view["thisWeek"]["done"] == 1
    assert [measure["unit"] for measure in view["measures"]] == ["managers"]
    assert view["measures"][0]["total"] == 1.0
    text = response.text
    for secret in ("Update my CV quietly", private["id"], "secret plans", "Felt awkward", owner.email):
        assert secret not in text
    own = (await owner.get("/api/v1/progress")).json()
    assert own["weeks"][-1]["due"] == 2


async def test_the_participant_previews_exactly_what_a_partner_sees(owner: Caller, callers: Callers) -> None:
    partner, partnership_id = await _pair(owner, callers)
    shared = await create_action(owner)
    await create_action(owner, title="Private", visibility="private")
    await check_in(owner, shared, TODAY_AT_8, note="a note")
    preview = await owner.get(f"{PARTNERSHIPS}/{partnership_id}/preview")
    seen = await partner.get(f"{SUPPORTING}/{partnership_id}")
    assert preview.status_code == 200
    assert preview.json() == seen.json()


async def test_making_an_action_private_hides_it_from_the_partner_at_once(
    owner: Caller, callers: Callers
) -> None:
    partner, partnership_id = await _pair(owner, callers)
    action = await create_action(owner)
    assert len((await partner.get(f"{SUPPORTING}/{partnership_id}")).json()["keyActions"]) == 1
    await owner.patch(f"{KEY_ACTIONS}/{action['id']}", json={"visibility": "private"})
    view = (await partner.get(f"{SUPPORTING}/{partnership_id}")).json()
    assert view["keyActions"] == []
    assert view["todayItems"] == []
    await owner.patch(f"{KEY_ACTIONS}/{action['id']}", json={"visibility": "partners"})
    assert len((await partner.get(f"{SUPPORTING}/{partnership_id}")).json()["keyActions"]) == 1


async def test_sharing_details_shows_notes_and_barrier_details_at_once(
    owner: Caller, callers: Callers
) -> None:
    partner, partnership_id = await _pair(owner, callers)
    barrier = (
        await owner.post(
            "/api/v1/barriers",
            json={"title": "No budget", "level": "organization", "detail": "Finance says no"},
        )
    ).json()
    action = await create_action(owner, barrierId=barrier["id"])
    await check_in(owner, action, TODAY_AT_8, note="Went well")
    before = (await partner.get(f"{SUPPORTING}/{partnership_id}")).json()
    assert before["keyActions"][0]["barrier"] is None
    assert before["recentCheckIns"][0]["note"] is None

    response = await owner.patch(f"{PARTNERSHIPS}/{partnership_id}", json={"shareDetails": True})
    assert response.status_code == 200
    assert response.json()["shareDetails"] is True

    after = (await partner.get(f"{SUPPORTING}/{partnership_id}")).json()
    assert after["keyActions"][0]["barrier"] == {
        "title": "No budget",
        "status": "holding",
        "detail": "Finance says no",
    }
    assert after["recentCheckIns"][0]["note"] == "Went well"
    assert after["todayItems"][0]["checkIn"]["note"] == "Went well"
    await owner.patch(f"{PARTNERSHIPS}/{partnership_id}", json={"shareDetails": False})
    assert "Went well" not in (await partner.get(f"{SUPPORTING}/{partnership_id}")).text


async def test_the_email_address_is_shown_only_when_the_participant_chooses(
    owner: Caller, callers: Callers
) -> None:
    partner, partnership_id = await _pair(owner, callers)
    assert owner.email not in (await partner.get(SUPPORTING)).text
    await owner.patch(f"{PARTNERSHIPS}/{partnership_id}", json={"showEmail": True})
    assert (await partner.get(SUPPORTING)).json()[0]["person"]["email"] == owner.email
    assert (await partner.get(f"{SUPPORTING}/{partnership_id}")).json()["person"]["email"] == owner.email
    # The partner's own address is never shown to the participant.
    assert partner.email not in (await owner.get(PARTNERSHIPS)).text


async def test_a_partner_cannot_change_the_participants_scope(owner: Caller, callers: Callers) -> None:
    partner, partnership_id = await _pair(owner, callers)
    response = await partner.patch(f"{PARTNERSHIPS}/{partnership_id}", json={"shareDetails": True})
    assert response.status_code == 403
    assert (await partner.get(f"{PARTNERSHIPS}/{partnership_id}")).status_code == 403
    assert (await partner.get(f"{PARTNERSHIPS}/{partnership_id}/preview")).status_code == 403
    assert (await owner.get(PARTNERSHIPS)).json()[0]["shareDetails"] is False


async def test_a_partner_cannot_write_to_the_participants_resources(owner: Caller, callers: Callers) -> None:
    partner, _ = await _pair(owner, callers)
    action = await create_action(owner)
    made = await check_in(owner, action, TODAY_AT_8)
    for method, url, body in [
        ("PATCH", f"{KEY_ACTIONS}/{action['id']}", {"title": "Hacked"}),
        ("DELETE", f"{KEY_ACTIONS}/{action['id']}", None),
        ("POST", f"{KEY_ACTIONS}/{action['id']}/status", {"status": "dropped", "reason": "x"}),
        ("PATCH", f"/api/v1/check-ins/{made['id']}", {"result": "not_done"}),
        ("DELETE", f"/api/v1/check-ins/{made['id']}", None),
    ]:
        response = await partner.request(method, url, json=body)
        assert response.status_code in (403, 404), (method, url, response.status_code)
    assert (await owner.get(f"{KEY_ACTIONS}/{action['id']}")).json()["title"] == action["title"]
    assert (await owner.get(f"/api/v1/check-ins/{made['id']}")).json()["result"] == "done"


async def test_a_stranger_sees_no_partnership(owner: Caller, callers: Callers, stranger: Caller) -> None:
    _, partnership_id = await _pair(owner, callers)
    for url in [
        f"{SUPPORTING}/{partnership_id}",
        f"{PARTNERSHIPS}/{partnership_id}",
        f"{PARTNERSHIPS}/{partnership_id}/preview",
    ]:
        assert (await stranger.get(url)).status_code == 404
    assert (
        await stranger.patch(f"{PARTNERSHIPS}/{partnership_id}", json={"showEmail": True})
    ).status_code == 404
    assert (await stranger.patch(f"{SUPPORTING}/{partnership_id}", json={"digest": False})).status_code == 404
    assert (await stranger.delete(f"{PARTNERSHIPS}/{partnership_id}")).status_code == 404
    assert (await stranger.get(SUPPORTING)).json() == []
    assert len((await owner.get(PARTNERSHIPS)).json()) == 1


async def test_the_partner_sets_their_own_opt_ins_and_the_participant_cannot(
    owner: Caller, callers: Callers
) -> None:
    partner, partnership_id = await _pair(owner, callers)
    response = await partner.patch(
        f"{SUPPORTING}/{partnership_id}", json={"digest": False, "missedNudges": True}
    )
    assert response.status_code == 200
    assert response.json()["digest"] is False
    assert response.json()["missedNudges"] is True
    assert response.json()["personAllowsMissedNudges"] is False
    assert (await owner.patch(f"{SUPPORTING}/{partnership_id}", json={"digest": True})).status_code == 403
    assert (await owner.get(PARTNERSHIPS)).json()[0]["partnerWantsMissedNudges"] is True


async def test_bad_scope_input_names_the_field(owner: Caller, callers: Callers) -> None:
    partner, partnership_id = await _pair(owner, callers)
    response = await owner.patch(f"{PARTNERSHIPS}/{partnership_id}", json={"shareDetails": "yes"})
    assert response.status_code == 400
    assert error_fields(response) == ["shareDetails"]
    response = await owner.patch(f"{PARTNERSHIPS}/{partnership_id}", json={"shareNotes": True})
    assert response.status_code == 400
    assert error_fields(response) == ["shareNotes"]
    response = await partner.patch(f"{SUPPORTING}/{partnership_id}", json={"digest": 3})
    assert response.status_code == 400
    assert error_fields(response) == ["digest"]


async def test_either_side_ends_a_partnership_and_access_ends_with_that_request(
    owner: Caller, callers: Callers
) -> None:
    partner, partnership_id = await _pair(owner, callers)
    await create_action(owner)
    assert (await owner.delete(f"{PARTNERSHIPS}/{partnership_id}")).status_code == 204
    assert (await partner.get(f"{SUPPORTING}/{partnership_id}")).status_code == 404
    assert (await partner.get(SUPPORTING)).json() == []

    other = await callers.participant(name="Other")
    second = str((await partner_up(owner, other))["supporting"]["id"])
    assert (await other.delete(f"{PARTNERSHIPS}/{second}")).status_code == 204
    assert (await owner.get(PARTNERSHIPS)).json() == []
    assert (await other.delete(f"{PARTNERSHIPS}/{second}")).status_code == 404


async def test_ending_one_side_of_a_mutual_partnership_keeps_the_other(
    owner: Caller, callers: Callers
) -> None:
    partner = await callers.participant(name="Pat")
    accepted = await partner_up(owner, partner, mutual=True)
    assert (await owner.delete(f"{PARTNERSHIPS}/{accepted['supporting']['id']}")).status_code == 204
    assert (await owner.get(PARTNERSHIPS)).json() == []
    assert [item["person"]["id"] for item in (await owner.get(SUPPORTING)).json()] == [partner.id]


async def test_a_partner_of_someone_else_sees_nothing_of_the_owner(owner: Caller, callers: Callers) -> None:
    _, partnership_id = await _pair(owner, callers)
    someone = await callers.participant(name="Someone")
    their_partner = await callers.participant(name="Theirs")
    await partner_up(someone, their_partner)
    assert (await their_partner.get(f"{SUPPORTING}/{partnership_id}")).status_code == 404
    assert [item["person"]["id"] for item in (await their_partner.get(SUPPORTING)).json()] == [someone.id]


async def test_the_export_holds_partnerships_from_both_sides_and_encouragement(
    owner: Caller, callers: Callers
) -> None:
    partner, partnership_id = await _pair(owner, callers)
    action = await create_action(owner)
    sent = await partner.post(
        f"{SUPPORTING}/{partnership_id}/encouragements", json={"message": "Go!", "keyActionId": action["id"]}
    )
    assert sent.status_code == 201
    mine = (await owner.get("/api/v1/account/export")).json()["otherTables"]
    theirs = (await partner.get("/api/v1/account/export")).json()["otherTables"]
    assert [row["id"] for row in mine["partnership"]] == [partnership_id]
    assert [row["id"] for row in theirs["partnership"]] == [partnership_id]
    assert [row["message"] for row in mine["encouragement"]] == ["Go!"]
    assert [row["message"] for row in theirs["encouragement"]] == ["Go!"]
    assert all("tokenHash" not in row for row in mine["partner_invite"])


async def test_deleting_an_account_ends_its_partnerships_on_both_sides(
    owner: Caller, callers: Callers, database: Database
) -> None:
    partner = await callers.participant(name="Pat")
    await partner_up(owner, partner, mutual=True)
    response = await partner.post("/api/v1/account/delete", json={"password": partner.password})
    assert response.status_code == 204
    assert (await owner.get(PARTNERSHIPS)).json() == []
    assert (await owner.get(SUPPORTING)).json() == []
    async with database() as db:
        rows = (
            await db.scalars(
                select(Partnership).where(
                    (Partnership.participant_id == UUID(partner.id))
                    | (Partnership.partner_id == UUID(partner.id))
                )
            )
        ).all()
    assert rows == []


async def test_the_partner_view_follows_the_participants_local_today(
    callers: Callers, clock: FrozenClock
) -> None:
    # 09:00 UTC Monday is 18:00 in Tokyo; at 16:00 UTC it is already Tuesday there.
    owner = await callers.participant(time_zone="Asia/Tokyo", name="Kei")
    partner = await callers.participant(time_zone="America/New_York", name="Pat")
    partnership_id = str((await partner_up(owner, partner))["supporting"]["id"])
    await create_action(owner)
    clock.advance(timedelta(hours=7))
    view: dict[str, Any] = (await partner.get(f"{SUPPORTING}/{partnership_id}")).json()
    assert view["today"] == "2026-03-03"
    assert view["timeZone"] == "Asia/Tokyo"
    assert [item["localDate"] for item in view["todayItems"]] == ["2026-03-03"]
