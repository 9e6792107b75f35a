"""Progress over years of history: the answers stay what counting every row gives, while streaks read their
settled part from a checkpoint that every change to a settled day clears (database triggers, hence both
dialects)."""

from __future__ import annotations

import hashlib
import json
import os
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from litestar import Litestar
from sqlalchemy import delete, select

from followthrough.actions.models import Occurrence
from followthrough.checkins.models import CheckIn, StreakCheckpoint
from followthrough.clock import FrozenClock
from followthrough.context import RequestContext
from followthrough.demo import seed_history
from followthrough.identity.models import Participant
from followthrough.readcache import read_cache
from tests.conftest import Caller, Callers, Database
from tests.support.checkins import CHECK_INS, check_in_body

pytestmark = pytest.mark.dialect

PROGRESS = "/api/v1/progress"
EXPECTED = Path(__file__).parent / "fixtures" / "progress_years.json"
UUID_TEXT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
RANGES = ("4w", "3m", "1y", "all")


async def _veteran(callers: Callers, database: Database, app: Litestar, clock: FrozenClock) -> Caller:
    """The demo's story over two years and two months in London (four changes of summer time), so `all`
    counts in years."""
    veteran = await callers.participant(name="Veteran")
    async with database() as db:
        participant = await db.get_one(Participant, UUID(veteran.id))
        context = RequestContext(db, clock.now(), app.state.settings)
        await seed_history(context, participant, years=2)
    return veteran


async def _answers(app: Litestar, caller: Caller) -> dict[str, Any]:
    """Every progress answer: the account's and each key action's, over every range; ids renamed by order
    of appearance, as they differ from run to run."""
    listing = await caller.get("/api/v1/key-actions")
    assert listing.status_code == 200, listing.text
    actions = listing.json()["items"]
    paths = [f"{PROGRESS}?range={value}" for value in RANGES]
    for action in sorted(actions, key=lambda action: action["title"]):
        paths += [f"/api/v1/key-actions/{action['id']}/progress?range={value}" for value in ("3m", "all")]
    read_cache(app.state).invalidate(UUID(caller.id))
    answers = {}
    for path in paths:
        response = await caller.get(path)
        assert response.status_code == 200, response.text
        answers[path.split("/")[-1] if "key-actions" not in path else path] = response.json()
    names: dict[str, str] = {}
    renamed = UUID_TEXT.sub(
        lambda found: names.setdefault(found.group(), f"id-{len(names)}"), json.dumps(answers)
    )
    return dict(json.loads(renamed))


def _summary(answers: dict[str, Any]) -> dict[str, Any]:
    """What the stored expectations hold of each answer: its streak, its total and a digest of all of it."""
    return {
        path: {
            "streak": answer["streak"],
            "total": answer["total"],
            "sha256": hashlib.sha256(json.dumps(answer, sort_keys=True).encode()).hexdigest(),
        }
        for path, answer in answers.items()
    }


async def test_years_of_history_across_summer_time_and_a_move_give_the_stored_answers(
    app: Litestar, callers: Callers, database: Database, clock: FrozenClock
) -> None:
    """The expectations were recorded by counting every row (before checkpoints); the first answers make the
    checkpoints and the second read them. Then the participant moves to New York, which changes "today" and
    where new occurrences fall."""
    veteran = await _veteran(callers, database, app, clock)
    seen = {
        "london": _summary(await _answers(app, veteran)),
        "london again": _summary(await _answers(app, veteran)),
    }
    response = await veteran.patch("/api/v1/account", json={"timeZone": "America/New_York"})
    assert response.status_code == 200, response.text
    clock.advance(timedelta(days=3))
    seen["new york"] = _summary(await _answers(app, veteran))
    seen["new york again"] = _summary(await _answers(app, veteran))
    if os.environ.get("FOLLOWTHROUGH_RECORD_EXPECTED"):
        EXPECTED.write_text(json.dumps({"london": seen["london"], "new york": seen["new york"]}, indent=1))
    expected = json.loads(EXPECTED.read_text())
    assert seen["london"] == seen["london again"] == expected["london"]
    assert seen["new york"] == seen["new york again"] == expected["new york"]


async def _checkpoints(database: Database, caller: Caller) -> dict[str, date | None]:
    async with database() as db:
        rows = await db.execute(
            select(StreakCheckpoint.scope, StreakCheckpoint.settled_before).where(
                StreakCheckpoint.participant_id == UUID(caller.id)
            )
        )
        return dict(rows.tuples().all())


async def _counted_from_every_row(app: Litestar, database: Database, caller: Caller) -> dict[str, Any]:
    """The answers with no checkpoint to read: what the rows give."""
    async with database() as db:
        await db.execute(delete(StreakCheckpoint).where(StreakCheckpoint.participant_id == UUID(caller.id)))
    return await _answers(app, caller)


@pytest.mark.slow
async def test_a_change_to_a_settled_day_clears_the_checkpoint_and_the_answer_stays_true(
    app: Litestar, callers: Callers, database: Database, clock: FrozenClock
) -> None:
    veteran = await _veteran(callers, database, app, clock)
    await _answers(app, veteran)
    settled = await _checkpoints(database, veteran)
    assert settled["account"] is not None
    assert len(settled) == 7  # the account and its six key actions

    listed = (await veteran.get("/api/v1/key-actions")).json()["items"]
    actions = {action["id"]: action for action in listed}
    today = date.fromisoformat((await veteran.get(PROGRESS)).json()["today"])

    async def unchecked(*on: Any) -> tuple[UUID, Any]:
        async with database() as db:
            found = (
                await db.execute(
                    select(Occurrence.key_action_id, Occurrence.due_at)
                    .outerjoin(CheckIn, CheckIn.occurrence_id == Occurrence.id)
                    .where(Occurrence.participant_id == UUID(veteran.id), CheckIn.id.is_(None), *on)
                    .order_by(Occurrence.due_at)
                )
            ).first()
        assert found is not None
        return found[0], found[1]

    # A check-in on a recent day leaves the settled weeks alone.
    action_id, due_at = await unchecked(
        Occurrence.local_date < today, Occurrence.local_date > today - timedelta(days=7)
    )
    response = await veteran.post(
        CHECK_INS, json=check_in_body(actions[str(action_id)], at=due_at.isoformat())
    )
    assert response.status_code == 201, response.text
    assert await _checkpoints(database, veteran) == settled

    action_id, due_at = await unchecked(Occurrence.local_date < today - timedelta(days=200))
    action = actions[str(action_id)]

    # A check-in on a settled day: made, changed, undone.
    body = check_in_body(action, at=due_at.isoformat())
    response = await veteran.post(CHECK_INS, json=body)
    assert response.status_code == 201, response.text
    assert (await _checkpoints(database, veteran))["account"] is None
    assert await _answers(app, veteran) == await _counted_from_every_row(app, database, veteran)
    response = await veteran.patch(f"{CHECK_INS}/{body['id']}", json={"result": "not_done"})
    assert response.status_code == 200, response.text
    assert (await _checkpoints(database, veteran))[f"action:{action_id}"] is None
    assert await _answers(app, veteran) == await _counted_from_every_row(app, database, veteran)
    assert (await veteran.delete(f"{CHECK_INS}/{body['id']}")).status_code == 204
    assert (await _checkpoints(database, veteran))["account"] is None
    assert await _answers(app, veteran) == await _counted_from_every_row(app, database, veteran)

    # A deleted key action takes its settled occurrences with it.
    assert (await veteran.delete(f"/api/v1/key-actions/{action_id}")).status_code == 204
    assert (await _checkpoints(database, veteran))["account"] is None
    assert await _answers(app, veteran) == await _counted_from_every_row(app, database, veteran)

    # Weeks later the checkpoint is too old to serve, and a newer one is made.
    before = (await _checkpoints(database, veteran))["account"]
    assert before is not None
    clock.advance(timedelta(days=29))  # the checkpoint, made 28 days back, is then older than 56
    assert await _answers(app, veteran) == await _counted_from_every_row(app, database, veteran)
    await _answers(app, veteran)
    after = (await _checkpoints(database, veteran))["account"]
    assert after is not None
    assert after > before
