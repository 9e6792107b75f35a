"""Moving in from Loop Habit Tracker: its CSV export imported into an account, through the API and the CLI
(which takes the app's own export too; tests/test_import_own_export.py covers that one through the API)."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from click.testing import CliRunner

from followthrough.clock import FrozenClock
from followthrough.imports.files import read_loop_files
from followthrough.imports.loop import schedule_rule
from followthrough.settings import Settings
from tests.conftest import Caller, Database
from tests.support.export import EXPORT_JSON, rows_per_table

LOOP = "/api/v1/imports/loop"
FIXTURE = Path(__file__).parent / "fixtures" / "loop"
HABITS_HEADER = (
    "Position,Name,Type,Question,Description,FrequencyNumerator,FrequencyDenominator,Color,Unit,"
    "Target Type,Target Value,Archived?\n"
)


def loop_files() -> dict[str, str]:
    return read_loop_files(FIXTURE)


def one_habit(checkmarks: str, habit: str = "001,Meditate,YES_NO,,,1,1,#FF8F00,,,,false\n") -> dict[str, str]:
    return {"Habits.csv": HABITS_HEADER + habit, "001 Meditate/Checkmarks.csv": checkmarks}


async def actions_by_title(caller: Caller) -> dict[str, dict[str, Any]]:
    body = (await caller.get("/api/v1/key-actions?limit=200")).json()
    return {action["title"]: action for action in body["items"]}


async def check_ins_of(caller: Caller, action_id: str) -> dict[str, dict[str, Any]]:
    body = (await caller.get(f"/api/v1/check-ins?keyActionId={action_id}&limit=200")).json()
    return {item["localDate"]: item for item in body["items"]}


async def test_a_loop_export_becomes_key_actions_and_check_ins(owner: Caller) -> None:
    response = await owner.post(LOOP, json={"files": loop_files()})

    assert response.status_code == 200, response.text
    summary = response.json()
    assert summary["created"] == {
        "reflections": 0,
        "barriers": 0,
        "keyActions": 4,
        "checkIns": 13,
        "weeklyReviews": 0,
    }
    assert summary["unchanged"]["keyActions"] == 0
    assert summary["dryRun"] is False
    actions = await actions_by_title(owner)
    assert set(actions) == {"Meditate", "Run", "Read", "Floss"}
    meditate = actions["Meditate"]
    assert meditate["cue"] is None
    assert meditate["schedule"] == {
        "kind": "recurring",
        "startsAt": "2026-02-25T20:00:00",
        "rrule": "FREQ=DAILY",
    }
    assert actions["Run"]["schedule"]["rrule"] == "FREQ=WEEKLY;BYDAY=MO,WE,FR"
    assert actions["Read"]["measure"] == {"unit": "pages", "target": 140.0}
    assert actions["Floss"]["status"] == "paused"
    assert actions["Floss"]["statusReason"] == "Archived in Loop Habit Tracker"
    meditations = await check_ins_of(owner, meditate["id"])
    assert {day: item["result"] for day, item in meditations.items()} == {
        "2026-03-01": "done",
        "2026-02-28": "skipped",
        "2026-02-27": "not_done",
        "2026-02-25": "done",
    }
    assert meditations["2026-02-27"]["note"] == "Overslept, again"
    assert meditations["2026-02-25"]["note"] == '"Calm" morning'
    assert meditations["2026-03-01"]["occurrenceAt"].startswith("2026-03-01T20:00:00")
    assert set(await check_ins_of(owner, actions["Run"]["id"])) == {"2026-02-28", "2026-02-26", "2026-02-24"}
    reading = await check_ins_of(owner, actions["Read"]["id"])
    assert {day: (item["result"], item["measureValue"]) for day, item in reading.items()} == {
        "2026-03-01": ("done", 25.0),
        "2026-02-28": ("partly", 12.5),
        "2026-02-27": ("not_done", 0.0),
        "2026-02-26": ("skipped", None),
    }


async def test_imported_habits_are_due_today_like_typed_in_key_actions(owner: Caller) -> None:
    await owner.post(LOOP, json={"files": loop_files()})

    today = (await owner.get("/api/v1/today")).json()

    # 2 March 2026 is a Monday: the daily habits and the Monday run, not the archived one.
    titles = sorted(item["keyAction"]["title"] for item in today["items"])
    assert titles == ["Meditate", "Read", "Run"]
    assert all(item["dueAt"].startswith("2026-03-02T20:00:00") for item in today["items"])
    history = await owner.get(f"/api/v1/key-actions/{today['items'][0]['keyAction']['id']}/history")
    assert [change["toStatus"] for change in history.json()] == ["active"]


async def test_a_habit_imported_after_its_time_today_is_still_on_today(
    owner: Caller, clock: FrozenClock
) -> None:
    # 21:30 in London, after the 20:00 the habits are due: today's occurrence is earlier than now.
    clock.advance(timedelta(hours=12, minutes=30))
    await owner.post(LOOP, json={"files": loop_files()})

    today = (await owner.get("/api/v1/today")).json()

    titles = sorted(item["keyAction"]["title"] for item in today["items"])
    assert titles == ["Meditate", "Read", "Run"]
    assert all(item["dueAt"].startswith("2026-03-02T20:00:00") for item in today["items"])


@pytest.mark.parametrize(
    ("value", "result"),
    [
        ("YES_MANUAL", "done"),
        ("SKIP", "skipped"),
        ("NO", "not_done"),
        ("YES_AUTO", None),
        ("UNKNOWN", None),
        ("2", "done"),
        ("3", "skipped"),
        ("0", "not_done"),
        ("1", None),
        ("-1", None),
    ],
)
async def test_each_value_loop_writes_becomes_its_check_in_or_none(
    owner: Caller, value: str, result: str | None
) -> None:
    response = await owner.post(LOOP, json={"files": one_habit(f"Date,Value,Notes\n2026-03-01,{value},\n")})

    assert response.status_code == 200, response.text
    [action] = (await actions_by_title(owner)).values()
    found = await check_ins_of(owner, action["id"])
    assert {day: item["result"] for day, item in found.items()} == ({"2026-03-01": result} if result else {})


async def test_an_older_loop_export_without_headers_or_words_is_read_too(owner: Caller) -> None:
    header = "Position,Name,Question,Description,NumRepetitions,Interval,Color\n"
    files = {
        "Loop Habits CSV 2021-05-01/Habits.csv": header + "001,Stretch,Did you stretch?,,2,7,#FF8F00\n",
        "Loop Habits CSV 2021-05-01/001 Stretch/Checkmarks.csv": "2021-04-30,2\n2021-04-29,1\n2021-04-28,0\n",
    }

    response = await owner.post(LOOP, json={"files": files})

    assert response.status_code == 200, response.text
    [action] = (await actions_by_title(owner)).values()
    assert action["schedule"]["rrule"] == "FREQ=WEEKLY;BYDAY=MO,TH"
    assert response.json()["created"]["checkIns"] == 2


@pytest.mark.parametrize(
    ("numerator", "denominator", "rule"),
    [
        (1, 1, "FREQ=DAILY"),
        (7, 7, "FREQ=DAILY"),
        (1, 7, "FREQ=WEEKLY"),
        (3, 7, "FREQ=WEEKLY;BYDAY=MO,WE,FR"),
        (1, 30, "FREQ=MONTHLY"),
        (2, 30, "FREQ=MONTHLY;BYMONTHDAY=1,15"),
        (1, 365, "FREQ=YEARLY"),
        (1, 3, "FREQ=DAILY;INTERVAL=3"),
        (2, 5, "FREQ=DAILY;INTERVAL=2"),
    ],
)
def test_loop_frequencies_become_rrules(numerator: int, denominator: int, rule: str) -> None:
    assert schedule_rule(numerator, denominator) == rule


async def test_importing_the_same_loop_export_again_changes_nothing(
    owner: Caller, database: Database
) -> None:
    await owner.post(LOOP, json={"files": loop_files()})
    rows_before = await rows_per_table(database, owner.id)
    export_before = (await owner.get(EXPORT_JSON)).json()

    again = await owner.post(LOOP, json={"files": loop_files()})

    assert again.status_code == 200, again.text
    assert again.json()["created"] == dict.fromkeys(again.json()["created"], 0)
    assert again.json()["unchanged"]["keyActions"] == 4
    assert again.json()["unchanged"]["checkIns"] == 13
    assert await rows_per_table(database, owner.id) == rows_before
    assert (await owner.get(EXPORT_JSON)).json() == export_before


async def test_a_later_loop_export_adds_only_the_new_days(owner: Caller, clock: FrozenClock) -> None:
    await owner.post(LOOP, json={"files": one_habit("Date,Value,Notes\n2026-03-01,YES_MANUAL,\n")})
    clock.advance(timedelta(days=1))

    later = await owner.post(
        LOOP, json={"files": one_habit("Date,Value,Notes\n2026-03-02,NO,\n2026-03-01,YES_MANUAL,\n")}
    )

    assert later.json()["created"]["checkIns"] == 1
    assert later.json()["unchanged"] == {**later.json()["unchanged"], "keyActions": 1, "checkIns": 1}
    [action] = (await actions_by_title(owner)).values()
    assert set(await check_ins_of(owner, action["id"])) == {"2026-03-01", "2026-03-02"}


async def test_a_deleted_imported_key_action_comes_back_on_the_next_import(owner: Caller) -> None:
    await owner.post(LOOP, json={"files": loop_files()})
    meditate = (await actions_by_title(owner))["Meditate"]
    await owner.delete(f"/api/v1/key-actions/{meditate['id']}")

    again = await owner.post(LOOP, json={"files": loop_files()})

    assert again.json()["created"]["keyActions"] == 1
    assert "Meditate" in await actions_by_title(owner)


BAD_LOOP_FILES = [
    ({"001 Meditate/Checkmarks.csv": "Date,Value\n"}, "Habits.csv", "missing"),
    (one_habit("Date,Value,Notes\n2026-03-01,MAYBE,\n"), "001 Meditate/Checkmarks.csv:2:2", "'MAYBE'"),
    (
        one_habit("Date,Value,Notes\n2026-02-30,YES_MANUAL,\n"),
        "001 Meditate/Checkmarks.csv:2:1",
        "not a date",
    ),
    (one_habit("Date,Value,Notes\n2026-03-03,YES_MANUAL,\n"), "001 Meditate/Checkmarks.csv:2:1", "today"),
    (one_habit("Date,Value,Notes\n1969-12-31,YES_MANUAL,\n"), "001 Meditate/Checkmarks.csv:2:1", "1970"),
    (
        one_habit("Date,Value,Notes\n2026-03-01,YES_MANUAL,\n2026-02-28,NO,\n2026-03-01,NO,\n"),
        "001 Meditate/Checkmarks.csv:4:1",
        "also on line 2",
    ),
    (one_habit("Date,Value,Notes\n2026-03-01,7,\n"), "001 Meditate/Checkmarks.csv:2:2", "yes-or-no"),
    (
        one_habit('Date,Value,Notes\n2026-03-01,YES_MANUAL,"never closed\n'),
        "001 Meditate/Checkmarks.csv:2",
        "CSV",
    ),
    (one_habit("", habit="001,Meditate,YES_NO,,,one,1,#FF8F00,,,,false\n"), "Habits.csv:2:6", "whole number"),
    (one_habit("", habit="001,,YES_NO,,,1,1,#FF8F00,,,,false\n"), "Habits.csv:2:2", "no name"),
    (
        one_habit("", habit="001,Meditate,YES_NO,,,1,1,#FF8F00,,,,maybe\n"),
        "Habits.csv:2:12",
        "true nor false",
    ),
    ({"Habits.csv": "Name,Color\nMeditate,#FF8F00\n"}, "Habits.csv:1", "Position"),
    (
        {"Habits.csv": HABITS_HEADER, "009 Ghost/Checkmarks.csv": "Date,Value\n"},
        "009 Ghost/Checkmarks.csv",
        "no habit",
    ),
    (
        {
            "Habits.csv": HABITS_HEADER
            + "".join(f"{n:03d},H{n},YES_NO,,,1,1,#000,,,,false\n" for n in range(1, 502))
        },
        "Habits.csv:502",
        "more than 500 habits",
    ),
]


@pytest.mark.parametrize(("files", "field", "message"), BAD_LOOP_FILES)
async def test_a_bad_loop_file_names_file_and_line_and_stores_nothing(
    owner: Caller, database: Database, files: dict[str, str], field: str, message: str
) -> None:
    rows_before = await rows_per_table(database, owner.id)

    response = await owner.post(LOOP, json={"files": files})

    assert response.status_code == 422, response.text
    [error] = response.json()["errors"]
    assert error["field"] == field
    assert message in error["message"]
    assert await rows_per_table(database, owner.id) == rows_before


async def test_a_huge_or_malformed_body_is_a_4xx(owner: Caller) -> None:
    huge = "Date,Value\n" + "2026-03-01,YES_MANUAL\n" * 900_000
    too_big = await owner.post(LOOP, json={"files": one_habit(huge)})
    wrong_type = await owner.post(LOOP, json={"files": {"Habits.csv": 5}})
    formula = await owner.post(
        LOOP,
        json={
            "files": one_habit("Date,Value\n", habit='001,"=HYPERLINK(""x"")",YES_NO,,,1,1,#000,,,,false\n')
        },
    )

    assert too_big.status_code == 413
    assert wrong_type.status_code == 400
    assert formula.status_code == 200
    assert '=HYPERLINK("x")' in await actions_by_title(owner)


async def test_a_file_of_more_rows_than_any_real_export_is_refused_early(owner: Caller) -> None:
    start = datetime(1990, 1, 1)
    rows = "".join(f"{(start + timedelta(days=n)).date()},YES_MANUAL\n" for n in range(13_000))
    files = {
        "Habits.csv": HABITS_HEADER
        + "".join(f"{n:03d},H{n},YES_NO,,,1,1,#000,,,,false\n" for n in range(1, 10))
    } | {f"{n:03d} H{n}/Checkmarks.csv": rows for n in range(1, 10)}

    response = await owner.post(LOOP, json={"files": files})

    assert response.status_code == 422, response.text
    assert "more than 100000 check-ins" in response.json()["errors"][0]["message"]


async def test_a_dry_run_counts_without_storing(owner: Caller, database: Database) -> None:
    rows_before = await rows_per_table(database, owner.id)

    response = await owner.post(f"{LOOP}?dryRun=true", json={"files": loop_files()})

    assert response.status_code == 200, response.text
    assert response.json()["dryRun"] is True
    assert response.json()["created"]["checkIns"] == 13
    assert await rows_per_table(database, owner.id) == rows_before


async def test_an_import_leaves_someone_elses_account_untouched(
    owner: Caller, stranger: Caller, database: Database
) -> None:
    await stranger.post(LOOP, json={"files": loop_files()})
    theirs_before = (await stranger.get(EXPORT_JSON)).json()
    rows_before = await rows_per_table(database, stranger.id)

    await owner.post(LOOP, json={"files": loop_files()})

    assert (await owner.post(LOOP, json={"files": loop_files()})).json()["unchanged"]["keyActions"] == 4
    assert (await stranger.get(EXPORT_JSON)).json() == theirs_before
    assert await rows_per_table(database, stranger.id) == rows_before


def _cli_env(settings: Settings) -> dict[str, str]:
    return {
        "FOLLOWTHROUGH_DATA_DIR": str(settings.data_dir),
        "FOLLOWTHROUGH_DATABASE_URL": settings.database_url,
        "FOLLOWTHROUGH_SECRET_KEY": settings.secret_key,
        "FOLLOWTHROUGH_CHANNEL_KEY": settings.channel_key,
        "FOLLOWTHROUGH_PASSWORD_HASH_COST": "low",
        "FOLLOWTHROUGH_EMBEDDED_WORKER": "false",
    }


def test_the_cli_imports_a_loop_zip_and_an_export(settings: Settings, tmp_path: Path) -> None:
    from followthrough.cli import main

    runner = CliRunner()
    env = _cli_env(settings)
    email = f"cli-{uuid4().hex[:8]}@example.com"
    made = runner.invoke(
        main,
        ["users", "create", "--email", email, "--name", "Cli", "--password", "correct horse battery"],
        env=env,
    )
    assert made.exit_code == 0, made.output
    archive = tmp_path / "Loop Habits CSV 2026-03-01.zip"
    with zipfile.ZipFile(archive, "w") as writing:
        for name, text in loop_files().items():
            writing.writestr(name, text)

    first = runner.invoke(main, ["import", "loop", "--email", email, str(archive)], env=env)
    again = runner.invoke(main, ["import", "loop", "--email", email, str(FIXTURE)], env=env)
    document = tmp_path / "export.json"
    document.write_text(json.dumps({"formatVersion": 1, "participant": {"reviewWeekday": 2}}))
    own = runner.invoke(main, ["import", "followthrough", "--email", email, str(document)], env=env)
    broken = tmp_path / "broken.json"
    broken.write_text('{"formatVersion": 1,\n "participant": {]}')
    refused = runner.invoke(main, ["import", "followthrough", "--email", email, str(broken)], env=env)
    bad_zip = tmp_path / "bad.zip"
    with zipfile.ZipFile(bad_zip, "w") as writing:
        writing.writestr(
            "Habits.csv",
            HABITS_HEADER.encode() + "001,Caf\xe9,YES_NO,,,1,1,#000,,,,false\n".encode("latin-1"),
        )
    undecodable = runner.invoke(main, ["import", "loop", "--email", email, str(bad_zip)], env=env)

    assert first.exit_code == 0, first.output
    assert "key actions: 4 new, 0 already here" in first.output
    assert "check-ins: 13 new, 0 already here" in first.output
    assert again.exit_code == 0, again.output
    assert "key actions: 0 new, 4 already here" in again.output
    assert own.exit_code == 0, own.output
    assert "settings" in own.output
    assert refused.exit_code == 1
    assert "broken.json:2:" in refused.output
    assert undecodable.exit_code == 1
    assert "Habits.csv:2: is not UTF-8" in undecodable.output


def test_a_loop_zip_is_read_like_its_folder(tmp_path: Path) -> None:
    archive = tmp_path / "loop.zip"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as writing:
        for name, text in loop_files().items():
            writing.writestr(name, text)
    archive.write_bytes(buffer.getvalue())

    assert read_loop_files(archive) == loop_files()
