"""Moving in with the app's own export: export, import and export again gives the same document, a second
import changes nothing, and a broken document names the field and stores nothing."""

from __future__ import annotations

import json
from typing import Any
from uuid import uuid4

import pytest

from tests.conftest import Caller, Callers, Database
from tests.support.export import EXPORT_JSON, rows_per_table

OWN = "/api/v1/imports/followthrough"
# What differs between two accounts holding the same things: ids, bookkeeping times, and who they are.
VOLATILE = {"id", "occurrenceId", "keyActionId", "barrierId", "reflectionId", "weeklyReviewId", "updatedAt"}
VOLATILE |= {"occurrencesUntil", "exportedAt", "email", "displayName", "createdAt", "sessionsCount"}


def comparable(value: Any) -> Any:
    """The export without what must differ between two accounts; lists keep their order."""
    if isinstance(value, dict):
        return {key: comparable(item) for key, item in value.items() if key not in VOLATILE}
    if isinstance(value, list):
        return [comparable(item) for item in value]
    return value


async def seed_through_the_api(caller: Caller) -> None:
    """A little of everything the export holds, made as a person makes it."""
    reflection = await caller.post(
        "/api/v1/reflections",
        json={
            "reflectedOn": "2026-02-20",
            "answers": {"personal": "I wait for permission", "doing": "Ask plainly"},
            "barriers": [
                {
                    "title": "No budget for training",
                    "level": "organization",
                    "keyHolder": "others",
                    "keyHolderName": "Finance",
                }
            ],
        },
    )
    assert reflection.status_code == 201, reflection.text
    [barrier] = reflection.json()["barriers"]
    await caller.patch(
        f"/api/v1/barriers/{barrier['id']}", json={"status": "loosening", "statusReason": "Talks"}
    )
    action = await caller.post(
        "/api/v1/key-actions",
        json={
            "title": "Write the one-page case",
            "barrierId": barrier["id"],
            "schedule": {"kind": "recurring", "startsAt": "2026-02-23T09:00:00", "rrule": "FREQ=DAILY"},
            "reminderOffsets": [15],
            "measure": {"unit": "pages", "target": 5},
            "visibility": "partners",
        },
    )
    assert action.status_code == 201, action.text
    paused = await caller.post(
        "/api/v1/key-actions",
        json={"title": "Call Finance", "schedule": {"kind": "once", "dueAt": "2026-03-05T10:00:00"}},
    )
    await caller.post(
        f"/api/v1/key-actions/{paused.json()['id']}/status", json={"status": "paused", "reason": "Away"}
    )
    for day, result in (("2026-02-24", "done"), ("2026-02-25", "partly")):
        made = await caller.post(
            "/api/v1/check-ins",
            json={
                "id": str(uuid4()),
                "keyActionId": action.json()["id"],
                "occurrenceAt": f"{day}T09:00:00Z",
                "result": result,
                "note": f"on {day}",
                "measureValue": 2.5,
            },
        )
        assert made.status_code == 201, made.text
    review = await caller.post(
        "/api/v1/weekly-reviews",
        json={
            "id": str(uuid4()),
            "confidence": 4,
            "weekStart": "2026-02-23",
            "moved": "The case",
            "checkIns": [
                {
                    "id": str(uuid4()),
                    "keyActionId": action.json()["id"],
                    "occurrenceAt": "2026-02-26T09:00:00Z",
                    "result": "not_done",
                }
            ],
        },
    )
    assert review.status_code == 201, review.text
    await caller.patch(
        "/api/v1/account", json={"reviewWeekday": 4, "reviewTime": "17:30", "nudgeEnabled": True}
    )


async def test_export_then_import_then_export_again_gives_the_same_document(
    owner: Caller, callers: Callers
) -> None:
    await seed_through_the_api(owner)
    first = (await owner.get(EXPORT_JSON)).json()
    newcomer = await callers.participant(name="Newcomer")

    response = await newcomer.post(OWN, json=first)

    assert response.status_code == 200, response.text
    assert response.json()["created"] == {
        "reflections": 1,
        "barriers": 1,
        "keyActions": 2,
        "checkIns": 3,
        "weeklyReviews": 1,
    }
    assert response.json()["settingsChanged"] is True
    second = (await newcomer.get(EXPORT_JSON)).json()
    assert comparable(second) == comparable(first)
    assert second["barriers"][0]["createdAt"] == first["barriers"][0]["createdAt"]
    assert {row["id"] for row in second["keyActions"]}.isdisjoint({row["id"] for row in first["keyActions"]})


async def test_importing_my_own_export_again_changes_nothing(
    owner: Caller, callers: Callers, database: Database
) -> None:
    await seed_through_the_api(owner)
    document = (await owner.get(EXPORT_JSON)).json()
    newcomer = await callers.participant(name="Newcomer")
    await newcomer.post(OWN, json=document)
    rows_before = await rows_per_table(database, newcomer.id)
    export_before = (await newcomer.get(EXPORT_JSON)).json()

    again = await newcomer.post(OWN, json=document)

    assert again.status_code == 200, again.text
    assert again.json()["created"] == dict.fromkeys(again.json()["created"], 0)
    assert again.json()["settingsChanged"] is False
    assert await rows_per_table(database, newcomer.id) == rows_before
    assert (await newcomer.get(EXPORT_JSON)).json() == export_before


def _broken(document: dict[str, Any], change: str) -> dict[str, Any]:
    broken = json.loads(json.dumps(document))
    if change == "version":
        broken["formatVersion"] = 99
    elif change == "orphan check-in":
        broken["checkIns"][0]["keyActionId"] = str(uuid4())
    elif change == "bad rrule":
        broken["keyActions"][0]["rrule"] = "FREQ=SOMETIMES"
    elif change == "title type":
        broken["keyActions"][0]["title"] = 42
    elif change == "duplicate check-in":
        broken["checkIns"].append({**broken["checkIns"][0], "id": str(uuid4())})
    elif change == "future check-in":
        broken["checkIns"][0]["localDate"] = "2026-03-09"
        broken["checkIns"][0]["occurrenceAt"] = "2026-03-09T09:00:00Z"
    return broken


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ("version", 422, "formatVersion"),
        ("orphan check-in", 422, "checkIns[0].keyActionId"),
        ("bad rrule", 422, "keyActions[0].rrule"),
        ("title type", 400, "keyActions[0].title"),
        ("duplicate check-in", 422, "checkIns[3].occurrenceAt"),
        ("future check-in", 422, "checkIns[0].localDate"),
    ],
)
async def test_a_bad_export_names_the_field_and_stores_nothing(
    owner: Caller, callers: Callers, database: Database, change: str, status: int, field: str
) -> None:
    await seed_through_the_api(owner)
    document = _broken((await owner.get(EXPORT_JSON)).json(), change)
    newcomer = await callers.participant(name="Newcomer")
    rows_before = await rows_per_table(database, newcomer.id)

    response = await newcomer.post(OWN, json=document)

    assert response.status_code == status, response.text
    assert response.json()["errors"][0]["field"] == field
    assert await rows_per_table(database, newcomer.id) == rows_before
