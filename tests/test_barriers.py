from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from litestar import Litestar
from sqlalchemy import event, func, select

from followthrough.actions.models import KeyAction
from followthrough.barriers.models import Barrier, BarrierStatusChange
from followthrough.barriers.services import BarrierService
from followthrough.clock import FrozenClock
from followthrough.context import RequestContext
from followthrough.enums import BarrierStatus, ScheduleKind
from followthrough.identity.models import Participant
from tests.conftest import Caller, Callers, Database
from tests.support.answers import error_fields

BARRIERS = "/api/v1/barriers"


def _when(value: str) -> datetime:
    return datetime.fromisoformat(value)


async def _create(caller: Caller, **fields: Any) -> dict[str, Any]:
    response = await caller.post(
        BARRIERS, json={"title": "No budget for training", "level": "organization", **fields}
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def _stored(database: Database, caller: Caller) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """One participant's barrier and history rows, to show that a refused request changed nothing."""
    owner_id = UUID(caller.id)
    async with database() as db:
        barriers = (
            await db.execute(
                select(
                    Barrier.id,
                    Barrier.title,
                    Barrier.detail,
                    Barrier.level,
                    Barrier.key_holder,
                    Barrier.key_holder_name,
                    Barrier.status,
                    Barrier.status_changed_at,
                    Barrier.resolved_at,
                    Barrier.updated_at,
                )
                .where(Barrier.participant_id == owner_id)
                .order_by(Barrier.id)
            )
        ).all()
        history = (
            await db.execute(
                select(BarrierStatusChange.barrier_id, BarrierStatusChange.to_status)
                .where(BarrierStatusChange.participant_id == owner_id)
                .order_by(BarrierStatusChange.id)
            )
        ).all()
    return [tuple(row) for row in barriers], [tuple(row) for row in history]


# Creating


async def test_a_new_barrier_holds_is_mine_and_starts_its_history(owner: Caller, clock: FrozenClock) -> None:
    response = await owner.post(
        BARRIERS, json={"title": "  Meetings eat my mornings ", "level": "personal", "detail": "Every day."}
    )
    assert response.status_code == 201
    barrier = response.json()
    assert barrier["title"] == "Meetings eat my mornings"
    assert barrier["detail"] == "Every day."
    assert barrier["level"] == "personal"
    assert barrier["keyHolder"] == "me"
    assert barrier["keyHolderName"] is None
    assert barrier["status"] == "holding"
    assert barrier["resolvedAt"] is None
    assert barrier["reflectionId"] is None
    assert _when(barrier["statusChangedAt"]) == _when(barrier["createdAt"]) == clock.now()

    history = (await owner.get(f"{BARRIERS}/{barrier['id']}/history")).json()
    assert history == [
        {"fromStatus": None, "toStatus": "holding", "reason": None, "changedAt": barrier["createdAt"]}
    ]


async def test_a_barrier_held_by_others_names_who_holds_the_key(owner: Caller) -> None:
    barrier = await _create(owner, keyHolder="others", keyHolderName="The board")
    assert (barrier["keyHolder"], barrier["keyHolderName"]) == ("others", "The board")


async def test_a_barrier_created_broken_is_resolved_at_once(owner: Caller, clock: FrozenClock) -> None:
    barrier = await _create(owner, status="broken")
    assert _when(barrier["resolvedAt"]) == clock.now()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"level": "personal"}, "title"),
        ({"title": "", "level": "personal"}, "title"),
        ({"title": "   ", "level": "personal"}, "title"),
        ({"title": "x" * 201, "level": "personal"}, "title"),
        ({"title": 42, "level": "personal"}, "title"),
        ({"title": "T"}, "level"),
        ({"title": "T", "level": "global"}, "level"),
        ({"title": "T", "level": "personal", "detail": "x" * 4001}, "detail"),
        ({"title": "T", "level": "personal", "detail": ["a list"]}, "detail"),
        ({"title": "T", "level": "personal", "keyHolder": "them"}, "keyHolder"),
        ({"title": "T", "level": "personal", "keyHolder": "others"}, "keyHolderName"),
        ({"title": "T", "level": "personal", "keyHolder": "others", "keyHolderName": "  "}, "keyHolderName"),
        (
            {"title": "T", "level": "personal", "keyHolder": "others", "keyHolderName": "x" * 121},
            "keyHolderName",
        ),
        ({"title": "T", "level": "personal", "keyHolderName": "My boss"}, "keyHolderName"),
        ({"title": "T", "level": "personal", "status": "gone"}, "status"),
        ({"title": "T", "level": "personal", "reflectionId": str(uuid4())}, "reflectionId"),
        ({"title": "T", "level": "personal", "participantId": str(uuid4())}, "participantId"),
    ],
)
async def test_creating_a_barrier_with_bad_input_names_the_field_and_stores_nothing(
    owner: Caller, database: Database, body: dict[str, Any], field: str
) -> None:
    response = await owner.post(BARRIERS, json=body)
    assert response.status_code in {400, 422}
    assert field in response.json()["detail"]
    assert await _stored(database, owner) == ([], [])


async def test_a_body_that_is_not_an_object_is_refused(owner: Caller, database: Database) -> None:
    response = await owner.post(BARRIERS, json=["title", "level"])
    assert response.status_code == 400
    assert await _stored(database, owner) == ([], [])


# Listing


async def test_my_barriers_are_listed_newest_first_and_filter_by_level_and_status(
    owner: Caller, stranger: Caller, clock: FrozenClock
) -> None:
    first = await _create(owner, title="Old habits", level="personal")
    clock.advance(timedelta(minutes=1))
    second = await _create(owner, title="Silo culture", level="organization", status="loosening")
    clock.advance(timedelta(minutes=1))
    third = await _create(owner, title="Regulation", level="industry")
    clock.advance(timedelta(minutes=1))
    fourth = await _create(owner, title="Fear of failing", level="personal", status="broken")
    await _create(stranger, title="Not yours", level="personal")

    everything = (await owner.get(BARRIERS)).json()
    assert [item["id"] for item in everything["items"]] == [
        fourth["id"],
        third["id"],
        second["id"],
        first["id"],
    ]
    assert (everything["total"], everything["limit"], everything["offset"]) == (4, 50, 0)

    personal = (await owner.get(BARRIERS, params={"level": "personal"})).json()
    assert [item["id"] for item in personal["items"]] == [fourth["id"], first["id"]]
    assert personal["total"] == 2

    loosening = (await owner.get(BARRIERS, params={"status": "loosening"})).json()
    assert [item["id"] for item in loosening["items"]] == [second["id"]]

    broken_personal = (await owner.get(BARRIERS, params={"level": "personal", "status": "broken"})).json()
    assert [item["id"] for item in broken_personal["items"]] == [fourth["id"]]

    page = (await owner.get(BARRIERS, params={"limit": 2, "offset": 1})).json()
    assert [item["id"] for item in page["items"]] == [third["id"], second["id"]]
    assert (page["total"], page["limit"], page["offset"]) == (4, 2, 1)


async def test_a_stranger_lists_none_of_my_barriers(owner: Caller, stranger: Caller) -> None:
    await _create(owner)
    listed = (await stranger.get(BARRIERS)).json()
    assert (listed["items"], listed["total"]) == ([], 0)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"level": "global"}, "level"),
        ({"status": "shattered"}, "status"),
        ({"limit": 0}, "limit"),
        ({"limit": 201}, "limit"),
        ({"limit": "many"}, "limit"),
        ({"offset": -1}, "offset"),
        ({"offset": 10**21}, "offset"),
    ],
)
async def test_listing_with_a_bad_query_parameter_is_400_naming_it(
    owner: Caller, params: dict[str, Any], field: str
) -> None:
    response = await owner.get(BARRIERS, params=params)
    assert response.status_code == 400
    assert field in error_fields(response)


# Reading


async def test_i_can_read_my_barrier(owner: Caller) -> None:
    barrier = await _create(owner, detail="Approval takes weeks")
    response = await owner.get(f"{BARRIERS}/{barrier['id']}")
    assert response.status_code == 200
    assert response.json() == barrier


async def test_a_stranger_gets_404_for_my_barrier_as_for_a_missing_one(
    owner: Caller, stranger: Caller
) -> None:
    barrier = await _create(owner)
    mine = await stranger.get(f"{BARRIERS}/{barrier['id']}")
    missing = await stranger.get(f"{BARRIERS}/{uuid4()}")
    assert mine.status_code == missing.status_code == 404
    assert mine.json()["detail"] == missing.json()["detail"]
    assert (await stranger.get(f"{BARRIERS}/{barrier['id']}/history")).status_code == 404


async def test_a_malformed_barrier_id_is_not_found(owner: Caller) -> None:
    assert (await owner.get(f"{BARRIERS}/not-a-uuid")).status_code in {400, 404}


# Updating


async def test_i_can_update_my_barrier_and_only_the_fields_i_send_change(
    owner: Caller, clock: FrozenClock
) -> None:
    barrier = await _create(owner, detail="Old detail")
    clock.advance(timedelta(hours=1))
    response = await owner.patch(
        f"{BARRIERS}/{barrier['id']}",
        json={"title": "New title", "level": "industry", "keyHolder": "others", "keyHolderName": "Regulator"},
    )
    assert response.status_code == 200
    updated = response.json()
    assert (updated["title"], updated["level"], updated["detail"]) == ("New title", "industry", "Old detail")
    assert (updated["keyHolder"], updated["keyHolderName"]) == ("others", "Regulator")
    assert updated["status"] == "holding"
    assert updated["statusChangedAt"] == barrier["statusChangedAt"]
    assert _when(updated["updatedAt"]) == clock.now()
    assert (await owner.get(f"{BARRIERS}/{barrier['id']}")).json() == updated

    cleared = (await owner.patch(f"{BARRIERS}/{barrier['id']}", json={"detail": None})).json()
    assert cleared["detail"] is None
    assert cleared["title"] == "New title"


async def test_handing_the_key_back_to_me_forgets_who_held_it(owner: Caller) -> None:
    barrier = await _create(owner, keyHolder="others", keyHolderName="My manager")
    updated = (await owner.patch(f"{BARRIERS}/{barrier['id']}", json={"keyHolder": "me"})).json()
    assert (updated["keyHolder"], updated["keyHolderName"]) == ("me", None)


async def test_the_status_history_shows_a_barrier_moving_from_holding_to_broken(
    owner: Caller, clock: FrozenClock
) -> None:
    created_at = clock.now()
    barrier = await _create(owner)
    url = f"{BARRIERS}/{barrier['id']}"

    clock.advance(timedelta(days=7))
    loosened_at = clock.now()
    loosening = await owner.patch(url, json={"status": "loosening", "statusReason": "Spoke to my manager"})
    assert loosening.status_code == 200
    assert _when(loosening.json()["statusChangedAt"]) == loosened_at
    assert loosening.json()["resolvedAt"] is None

    clock.advance(timedelta(days=14, hours=3))
    broken_at = clock.now()
    broken = (await owner.patch(url, json={"status": "broken"})).json()
    assert _when(broken["statusChangedAt"]) == broken_at
    assert _when(broken["resolvedAt"]) == broken_at

    history = (await owner.get(f"{url}/history")).json()
    assert [(item["fromStatus"], item["toStatus"], item["reason"]) for item in history] == [
        (None, "holding", None),
        ("holding", "loosening", "Spoke to my manager"),
        ("loosening", "broken", None),
    ]
    assert [_when(item["changedAt"]) for item in history] == [created_at, loosened_at, broken_at]


async def test_leaving_broken_clears_the_resolved_time(owner: Caller, clock: FrozenClock) -> None:
    barrier = await _create(owner, status="broken")
    clock.advance(timedelta(days=1))
    reopened = (await owner.patch(f"{BARRIERS}/{barrier['id']}", json={"status": "holding"})).json()
    assert reopened["resolvedAt"] is None
    assert _when(reopened["statusChangedAt"]) == clock.now()
    history = (await owner.get(f"{BARRIERS}/{barrier['id']}/history")).json()
    assert [item["toStatus"] for item in history] == ["broken", "holding"]


async def test_sending_the_same_status_again_writes_no_history(owner: Caller, clock: FrozenClock) -> None:
    barrier = await _create(owner, status="loosening")
    clock.advance(timedelta(hours=2))
    same = await owner.patch(
        f"{BARRIERS}/{barrier['id']}", json={"status": "loosening", "statusReason": "still"}
    )
    assert same.status_code == 200
    assert same.json()["statusChangedAt"] == barrier["statusChangedAt"]
    history = (await owner.get(f"{BARRIERS}/{barrier['id']}/history")).json()
    assert len(history) == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"title": None}, "title"),
        ({"level": "cosmic"}, "level"),
        ({"detail": "x" * 4001}, "detail"),
        ({"status": "gone"}, "status"),
        ({"status": 3}, "status"),
        ({"status": "broken", "statusReason": "x" * 501}, "statusReason"),
        ({"statusReason": "no status given"}, "statusReason"),
        ({"keyHolder": "others"}, "keyHolderName"),
        ({"keyHolderName": "Someone"}, "keyHolderName"),
        ({"keyHolder": "me", "keyHolderName": "Someone"}, "keyHolderName"),
        ({"keyHolder": "nobody"}, "keyHolder"),
        ({"createdAt": "2020-01-01T00:00:00Z"}, "createdAt"),
    ],
)
async def test_updating_a_barrier_with_bad_input_names_the_field_and_changes_nothing(
    owner: Caller, database: Database, body: dict[str, Any], field: str
) -> None:
    barrier = await _create(owner)
    before = await _stored(database, owner)
    response = await owner.patch(f"{BARRIERS}/{barrier['id']}", json=body)
    assert response.status_code in {400, 422}
    assert field in response.json()["detail"]
    assert await _stored(database, owner) == before


async def test_a_stranger_cannot_update_my_barrier(
    owner: Caller, stranger: Caller, database: Database
) -> None:
    barrier = await _create(owner)
    before = await _stored(database, owner)
    response = await stranger.patch(
        f"{BARRIERS}/{barrier['id']}", json={"title": "Mine now", "status": "broken"}
    )
    assert response.status_code == 404
    assert await _stored(database, owner) == before


# Deleting


async def test_deleting_my_barrier_removes_it_and_its_history_but_keeps_its_key_actions(
    owner: Caller, database: Database, clock: FrozenClock
) -> None:
    barrier = await _create(owner)
    kept = await _create(owner, title="Another one")
    async with database() as db:
        action = KeyAction(
            participant_id=UUID(owner.id),
            barrier_id=UUID(barrier["id"]),
            title="Ask for a training budget",
            schedule_kind=ScheduleKind.ONCE,
            starts_at=datetime(2026, 3, 6, 17, 0),
            status_changed_at=clock.now(),
        )
        db.add(action)
    response = await owner.delete(f"{BARRIERS}/{barrier['id']}")
    assert response.status_code == 204
    assert (await owner.get(f"{BARRIERS}/{barrier['id']}")).status_code == 404
    assert (await owner.delete(f"{BARRIERS}/{barrier['id']}")).status_code == 404
    assert [item["id"] for item in (await owner.get(BARRIERS)).json()["items"]] == [kept["id"]]

    async with database() as db:
        stored_action = await db.scalar(select(KeyAction).where(KeyAction.id == action.id))
        assert stored_action is not None
        assert stored_action.barrier_id is None
        orphans = await db.scalar(
            select(func.count())
            .select_from(BarrierStatusChange)
            .where(BarrierStatusChange.barrier_id == UUID(barrier["id"]))
        )
        assert orphans == 0


async def test_a_stranger_cannot_delete_my_barrier(
    owner: Caller, stranger: Caller, database: Database
) -> None:
    barrier = await _create(owner)
    before = await _stored(database, owner)
    assert (await stranger.delete(f"{BARRIERS}/{barrier['id']}")).status_code == 404
    assert await _stored(database, owner) == before


# Anonymous callers


async def test_anonymous_callers_get_401_on_every_barrier_route(callers: Callers, owner: Caller) -> None:
    barrier = await _create(owner)
    anonymous = callers.anonymous()
    url = f"{BARRIERS}/{barrier['id']}"
    for method, path, body in [
        ("GET", BARRIERS, None),
        ("POST", BARRIERS, {"title": "T", "level": "personal"}),
        ("GET", url, None),
        ("PATCH", url, {"status": "broken"}),
        ("DELETE", url, None),
        ("GET", f"{url}/history", None),
    ]:
        assert (await anonymous.request(method, path, json=body)).status_code == 401, (method, path)
    assert (await owner.get(url)).json() == barrier


# The Python interface other domains reuse


async def test_status_history_for_many_barriers_is_one_query_and_only_mine(
    app: Litestar, owner: Caller, stranger: Caller, database: Database, clock: FrozenClock
) -> None:
    first = await _create(owner)
    second = await _create(owner, title="Second")
    clock.advance(timedelta(days=2))
    await owner.patch(f"{BARRIERS}/{first['id']}", json={"status": "broken"})
    theirs = await _create(stranger)

    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(str(args[2]))

    engine = app.state.alchemy.get_engine().sync_engine
    async with database() as db:
        participant = await db.get_one(Participant, UUID(owner.id))
        service = BarrierService(RequestContext(db, clock.now(), app.state.settings))
        event.listen(engine, "before_cursor_execute", count)
        try:
            everything = await service.status_history(participant, None)
            asked = await service.status_history(participant, [UUID(second["id"]), UUID(theirs["id"])])
        finally:
            event.remove(engine, "before_cursor_execute", count)

    assert len(statements) == 2
    assert set(everything) == {UUID(first["id"]), UUID(second["id"])}
    assert [change.to_status for change in everything[UUID(first["id"])]] == [
        BarrierStatus.HOLDING,
        BarrierStatus.BROKEN,
    ]
    assert [change.to_status for change in asked[UUID(second["id"])]] == [BarrierStatus.HOLDING]
    assert asked[UUID(theirs["id"])] == []
