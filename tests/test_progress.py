"""Progress: streaks and weekly rates counted exactly, for a key action and the account, at a cost that stays
the same however long the history."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from uuid import UUID, uuid4

from litestar import Litestar

from followthrough.clock import FrozenClock
from tests.conftest import Caller, Callers, Database
from tests.support.actions import create_action
from tests.support.checkins import CHECK_INS, check_in_body
from tests.support.progress import PROGRESS, counts, hand_built_history, insert_history
from tests.support.statements import counting_statements


def _week(weeks: list[dict[str, Any]], week_start: str) -> dict[str, Any]:
    [found] = [week for week in weeks if week["weekStart"] == week_start]
    return found


async def test_a_key_actions_progress_counts_streaks_and_weekly_rates_exactly(
    owner: Caller, clock: FrozenClock
) -> None:
    daily, weekly = await hand_built_history(owner, clock)

    progress = (await owner.get(f"/api/v1/key-actions/{daily['id']}/progress")).json()
    assert (progress["keyActionId"], progress["title"], progress["today"]) == (
        daily["id"],
        daily["title"],
        "2026-03-06",
    )
    # Kept runs, skipped days left out: 23-24 | 26, 27, Mar 1, Mar 2 | Mar 4; Mar 3 was missed.
    assert progress["streak"] == {"current": 1, "best": 4}
    weeks = progress["weeks"]
    assert len(weeks) == 12
    assert [week["weekStart"] for week in weeks][:2] == ["2025-12-15", "2025-12-22"]
    assert weeks[-1]["weekStart"] == "2026-03-02"
    assert counts(_week(weeks, "2026-02-23")) == (7, 4, 1, 1, 1, 0, 0.75)
    # Today's unchecked occurrence and the weekend's future ones are not counted.
    assert counts(_week(weeks, "2026-03-02")) == (4, 2, 0, 0, 1, 1, 0.6667)
    assert counts(weeks[0]) == (0, 0, 0, 0, 0, 0, None)
    assert progress["measure"] is None

    coached = (await owner.get(f"/api/v1/key-actions/{weekly['id']}/progress")).json()
    assert coached["streak"] == {"current": 0, "best": 1}
    assert counts(_week(coached["weeks"], "2026-02-23")) == (1, 1, 0, 0, 0, 0, 1.0)
    assert counts(_week(coached["weeks"], "2026-03-02")) == (1, 0, 0, 1, 0, 0, 0.0)
    measure = coached["measure"]
    assert (measure["keyActionId"], measure["unit"], measure["target"], measure["total"]) == (
        weekly["id"],
        "managers coached",
        10,
        3.5,
    )
    assert [week["total"] for week in measure["weeks"]] == [0] * 10 + [2, 1.5]
    assert [week["weekStart"] for week in measure["weeks"]] == [week["weekStart"] for week in weeks]


async def test_the_accounts_progress_counts_days_on_which_everything_was_kept(
    owner: Caller, clock: FrozenClock
) -> None:
    daily, weekly = await hand_built_history(owner, clock)
    barrier = (
        await owner.post("/api/v1/barriers", json={"title": "No budget", "level": "organization"})
    ).json()
    clock.advance(timedelta(minutes=5))
    await owner.patch(
        f"/api/v1/barriers/{barrier['id']}", json={"status": "loosening", "statusReason": "A grant"}
    )

    progress = (await owner.get(PROGRESS)).json()
    assert progress["today"] == "2026-03-06"
    # Days: 23, 24 kept | 25 not | 26, 27, Mar 1 kept (28 only skipped) | Mar 2 (weekly not done) |
    # Mar 3 (missed) | Mar 4 kept; Mar 5 only skipped, Mar 6 nothing checked in yet.
    assert progress["streak"] == {"current": 1, "best": 3}
    assert counts(_week(progress["weeks"], "2026-02-23")) == (8, 5, 1, 1, 1, 0, 0.7857)
    assert counts(_week(progress["weeks"], "2026-03-02")) == (5, 2, 0, 1, 1, 1, 0.5)
    assert [(item["keyActionId"], item["total"]) for item in progress["measures"]] == [(weekly["id"], 3.5)]
    [history] = progress["barriers"]
    assert (history["barrierId"], history["title"], history["status"]) == (
        barrier["id"],
        "No budget",
        "loosening",
    )
    assert [(step["fromStatus"], step["toStatus"], step["reason"]) for step in history["history"]] == [
        (None, "holding", None),
        ("holding", "loosening", "A grant"),
    ]

    # A check-in today counts at once, and the skipped day between does not break the run.
    today = await owner.post(CHECK_INS, json=check_in_body(daily, at="2026-03-06T08:00:00Z"))
    assert today.status_code == 201
    assert (await owner.get(PROGRESS)).json()["streak"] == {"current": 2, "best": 3}
    one = (await owner.get(f"/api/v1/key-actions/{daily['id']}/progress")).json()
    assert one["streak"] == {"current": 2, "best": 4}


async def test_progress_without_history_is_all_zeros(owner: Caller) -> None:
    progress = (await owner.get(PROGRESS)).json()
    assert progress["streak"] == {"current": 0, "best": 0}
    assert len(progress["weeks"]) == 12
    assert {counts(week) for week in progress["weeks"]} == {(0, 0, 0, 0, 0, 0, None)}
    assert (progress["measures"], progress["barriers"]) == ([], [])

    action = await create_action(owner, measure={"unit": "hours saved", "target": None})
    one = (await owner.get(f"/api/v1/key-actions/{action['id']}/progress")).json()
    assert one["measure"]["total"] == 0
    assert one["measure"]["target"] is None
    assert [week["total"] for week in one["measure"]["weeks"]] == [0] * 12


async def test_a_stranger_cannot_see_my_progress(owner: Caller, stranger: Caller) -> None:
    action = await create_action(owner, measure={"unit": "hours saved", "target": 3})
    await owner.post(CHECK_INS, json=check_in_body(action, measureValue=2))
    assert (await stranger.get(f"/api/v1/key-actions/{action['id']}/progress")).status_code == 404
    theirs = (await stranger.get(PROGRESS)).json()
    assert theirs["measures"] == []
    assert sum(week["due"] for week in theirs["weeks"]) == 0


async def test_an_unknown_key_actions_progress_is_404(owner: Caller) -> None:
    response = await owner.get(f"/api/v1/key-actions/{uuid4()}/progress")
    assert (response.status_code, response.json()["detail"]) == (404, "key action not found")


async def test_anonymous_callers_get_401_on_progress(callers: Callers) -> None:
    anonymous = callers.anonymous()
    assert (await anonymous.get(PROGRESS)).status_code == 401
    assert (await anonymous.get(f"/api/v1/key-actions/{uuid4()}/progress")).status_code == 401


# Cost


async def test_progress_costs_the_same_few_queries_for_a_week_or_a_year_of_history(
    app: Litestar, callers: Callers, database: Database, clock: FrozenClock
) -> None:
    now = clock.now()
    newcomer = await callers.participant(name="Newcomer")
    veteran = await callers.participant(name="Veteran")
    new_actions, _ = await insert_history(database, UUID(newcomer.id), now, actions=2, weeks=1)
    old_actions, in_window = await insert_history(database, UUID(veteran.id), now, actions=20, weeks=52)

    costs: dict[str, list[int]] = {}
    for caller, action_id in [(newcomer, new_actions[1]), (veteran, old_actions[1])]:
        await caller.get(PROGRESS)  # sessions and occurrences settle on the first request
        with counting_statements(app) as account:
            account_response = await caller.get(PROGRESS)
        with counting_statements(app) as one:
            one_response = await caller.get(f"/api/v1/key-actions/{action_id}/progress")
        assert account_response.status_code == one_response.status_code == 200
        costs.setdefault("account", []).append(len(account))
        costs.setdefault("one", []).append(len(one))
        for value in ("4w", "1y", "all"):
            with counting_statements(app) as ranged:
                response = await caller.get(f"/api/v1/key-actions/{action_id}/progress?range={value}")
            assert response.status_code == 200
            costs.setdefault(value, []).append(len(ranged))

    assert costs["account"][0] == costs["account"][1] <= 8, costs
    assert costs["one"][0] == costs["one"][1] <= 6, costs
    assert costs["4w"][0] == costs["4w"][1] == costs["1y"][0] == costs["1y"][1] <= 6, costs
    assert costs["all"][0] == costs["all"][1] <= 7, costs  # and one to find the first occurrence

    veteran_progress = (await veteran.get(PROGRESS)).json()
    assert sum(week["due"] for week in veteran_progress["weeks"]) == in_window
    assert len(veteran_progress["measures"]) == 10
    # Five of every six occurrences have a check-in, one of them skipped: runs are short but never zero.
    assert veteran_progress["streak"]["best"] >= 1


async def test_a_year_of_history_gives_the_expected_totals(
    callers: Callers, database: Database, clock: FrozenClock
) -> None:
    veteran = await callers.participant(name="Veteran")
    actions, _ = await insert_history(database, UUID(veteran.id), clock.now(), actions=2, weeks=52)
    progress = (await veteran.get(f"/api/v1/key-actions/{actions[1]}/progress")).json()
    # 52 weeks of Mondays and Thursdays before Monday 2026-03-02: 104 occurrences, 5 of every 6 checked in.
    checked_in = sum(1 for index in range(104) if index % 6 != 5)
    assert progress["measure"]["total"] == checked_in
    # Pattern per 6 occurrences: done, done, partly, not done, skipped, missed. The best run is 3 (done, done,
    # partly); the last two (indexes 102 and 103) are done, done.
    assert progress["streak"] == {"current": 2, "best": 3}
    assert date.fromisoformat(progress["today"]) == clock.now().date()
