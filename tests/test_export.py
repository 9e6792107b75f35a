from __future__ import annotations

import io
import json
import zipfile
from datetime import date
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import select

from followthrough.clock import FrozenClock
from followthrough.enums import (
    ActionStatus,
)
from followthrough.export.services import csv_cell, owned_tables
from followthrough.identity.models import ApiToken, Participant
from tests.conftest import Caller, Callers, Database
from tests.support.export import EXPORT_JSON, SECRET_CHANNEL_URL, rows_per_table, seed_every_table, zip_tables

EXPORT_ZIP = "/api/v1/account/export.zip"


async def test_the_json_export_holds_all_my_data_and_none_of_a_strangers(
    owner: Caller, stranger: Caller, database: Database, clock: FrozenClock
) -> None:
    mine = await seed_every_table(database, owner, clock.now())
    theirs = await seed_every_table(database, stranger, clock.now(), title="Stranger's own barrier")

    response = await owner.get(EXPORT_JSON)

    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert (
        response.headers["content-disposition"]
        == 'attachment; filename="followthrough-export-2026-03-02.json"'
    )
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["formatVersion"] == 1
    assert body["exportedAt"].startswith("2026-03-02T09:00:00")
    assert body["participant"]["email"] == owner.email
    assert body["participant"]["id"] == owner.id
    assert "passwordHash" not in body["participant"]
    assert [barrier["id"] for barrier in body["barriers"]] == mine.ids["barrier"]
    barrier = body["barriers"][0]
    assert barrier["title"] == "No budget for training"
    assert barrier["keyHolderName"] == "Finance"
    assert [change["toStatus"] for change in barrier["statusChanges"]] == ["holding", "loosening"]
    assert barrier["statusChanges"][1]["reason"] == "Finance agreed to talk"
    action = body["keyActions"][0]
    assert [row["id"] for row in body["keyActions"]] == mine.ids["key_action"]
    assert action["ownPart"] == "Write the one-page case"
    assert action["reminderOffsets"] == [15, 60]
    assert action["measureUnit"] == "hours saved per week"
    assert action["startsAt"] == "2026-02-23T09:00:00"
    assert [change["toStatus"] for change in action["statusChanges"]] == ["active"]
    [check_in] = body["checkIns"]
    assert check_in["id"] == mine.ids["check_in"][0]
    assert check_in["occurrenceAt"].startswith("2026-02-23T09:00:00")
    assert check_in["localDate"] == "2026-02-23"
    assert check_in["result"] == "partly"
    assert check_in["measureValue"] == 2.5
    assert check_in["note"] == "Half of it, = not bad"
    assert [review["id"] for review in body["weeklyReviews"]] == mine.ids["weekly_review"]
    assert body["weeklyReviews"][0]["confidence"] == 4
    assert [reflection["id"] for reflection in body["reflections"]] == mine.ids["reflection"]
    assert body["reflections"][0]["personalFree"] == "Asking my manager plainly"
    [token] = body["apiTokens"]
    assert set(token) == {"id", "name", "prefix", "createdAt", "lastUsedAt", "expiresAt"}
    assert token["name"] == "My script"
    assert token["prefix"].startswith("ft_")
    assert body["sessionsCount"] == 1
    other = body["otherTables"]
    assert set(other) == {
        "channel",
        "delivery",
        "partner_invite",
        "partnership",
        "encouragement",
        "act_link",
        "undone_check_in",
        "calendar_feed",
        "sign_in_identity",
    }
    for name, rows in other.items():
        assert [row["id"] for row in rows] == mine.ids[name]
    assert other["channel"][0]["maskedUrl"] == "json://127.0.0.1/..."
    assert "url" not in other["channel"][0]
    assert SECRET_CHANNEL_URL not in response.text
    assert "tokenHash" not in other["partner_invite"][0]
    assert "tokenHash" not in other["calendar_feed"][0]
    text = response.text
    assert all(row_id not in text for row_id in theirs.all_ids())
    assert stranger.id not in text
    assert "Stranger's own barrier" not in text


async def test_the_export_never_contains_a_password_or_token_hash(
    owner: Caller, database: Database, clock: FrozenClock
) -> None:
    await seed_every_table(database, owner, clock.now())
    async with database() as db:
        password_hash = await db.scalar(
            select(Participant.password_hash).where(Participant.id == UUID(owner.id))
        )
        token_hashes = list(
            await db.scalars(select(ApiToken.token_hash).where(ApiToken.participant_id == UUID(owner.id)))
        )
    assert password_hash
    assert token_hashes

    as_json = await owner.get(EXPORT_JSON)
    as_zip = await owner.get(EXPORT_ZIP)

    assert as_json.status_code == as_zip.status_code == 200
    with zipfile.ZipFile(io.BytesIO(as_zip.content)) as archive:
        csv_text = "".join(archive.read(name).decode("utf-8") for name in archive.namelist())
    for text in (as_json.text, csv_text):
        assert password_hash not in text
        assert all(token_hash not in text for token_hash in token_hashes)
        for name in ("password_hash", "passwordHash", "token_hash", "tokenHash"):
            assert name not in text


async def test_the_csv_zip_has_one_file_per_owned_table_with_my_rows_only(
    owner: Caller, stranger: Caller, database: Database, clock: FrozenClock
) -> None:
    mine = await seed_every_table(database, owner, clock.now())
    theirs = await seed_every_table(database, stranger, clock.now())

    response = await owner.get(EXPORT_ZIP)

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    assert (
        response.headers["content-disposition"]
        == 'attachment; filename="followthrough-export-2026-03-02.zip"'
    )
    tables = zip_tables(response.content)
    # Sessions are credentials: the JSON counts them, the zip leaves them out.
    # Sessions are credentials, import records and streak checkpoints bookkeeping: none is the person's data.
    assert set(tables) == {"participant"} | {table.name for table in owned_tables()} - {"auth_session"} - {
        "import_record",
        "streak_checkpoint",
    }
    counts = await rows_per_table(database, owner.id)
    for name, rows in tables.items():
        if name == "participant":
            assert [row["email"] for row in rows] == [owner.email]
        else:
            assert len(rows) == counts[name], name
            assert {row["id"] for row in rows} == set(mine.ids.get(name, [])), name
    assert not theirs.all_ids() & {row["id"] for rows in tables.values() for row in rows}
    [check_in] = tables["check_in"]
    assert check_in["occurrence_at"] == "2026-02-23T09:00:00Z"
    assert check_in["local_date"] == "2026-02-23"
    assert check_in["measure_value"] == "2.5"
    assert tables["key_action"][0]["reminder_offsets"] == "[15,60]"
    assert tables["key_action"][0]["starts_at"] == "2026-02-23T09:00:00"
    assert "participant_id" not in tables["barrier"][0]


async def test_an_empty_account_exports_headers_and_empty_lists(owner: Caller) -> None:
    as_json = (await owner.get(EXPORT_JSON)).json()
    tables = zip_tables((await owner.get(EXPORT_ZIP)).content)

    for key in ("barriers", "keyActions", "checkIns", "weeklyReviews", "reflections", "apiTokens"):
        assert as_json[key] == [], key
    with zipfile.ZipFile(io.BytesIO((await owner.get(EXPORT_ZIP)).content)) as archive:
        header = archive.read("barrier.csv").decode("utf-8")
    assert header.startswith("id,title,detail,level,")
    assert header.endswith("\r\n")
    assert tables["barrier"] == []


async def test_csv_cells_that_a_spreadsheet_would_run_start_with_a_quote(
    owner: Caller, database: Database, clock: FrozenClock
) -> None:
    title = '=HYPERLINK("http://evil.example","click"), then "quotes"\nand a line'
    await seed_every_table(database, owner, clock.now(), title=title)

    tables = zip_tables((await owner.get(EXPORT_ZIP)).content)
    as_json = (await owner.get(EXPORT_JSON)).json()

    assert tables["barrier"][0]["title"] == "'" + title
    assert tables["check_in"][0]["note"] == "Half of it, = not bad"
    assert as_json["barriers"][0]["title"] == title


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+44 20 7946 0000", "'+44 20 7946 0000"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("plain, text", "plain, text"),
        ("", ""),
        (None, ""),
        (-2.5, "-2.5"),
        (True, "true"),
        (ActionStatus.PAUSED, "paused"),
        (date(2026, 3, 2), "2026-03-02"),
        ([15, 60], "[15,60]"),
    ],
)
def test_csv_cell_writes_values_as_spreadsheet_text(value: Any, cell: str) -> None:
    assert csv_cell(value) == cell


async def test_an_api_token_can_download_the_export(owner: Caller, callers: Callers) -> None:
    token = (await owner.post("/api/v1/account/tokens", json={"name": "backup"})).json()["token"]
    script = callers.anonymous()

    response = await script.client.get(EXPORT_JSON, headers={"authorization": f"Bearer {token}"})

    assert response.status_code == 200
    assert response.json()["participant"]["id"] == owner.id
    assert response.json()["sessionsCount"] == 1


@pytest.mark.parametrize("url", [EXPORT_JSON, EXPORT_ZIP])
async def test_an_anonymous_caller_gets_401_for_the_export(callers: Callers, url: str) -> None:
    response = await callers.anonymous().client.get(url)

    assert response.status_code == 401
    assert "participant" not in response.text


async def test_deleting_my_account_leaves_no_row_of_mine_in_any_table_and_keeps_the_strangers(
    owner: Caller, stranger: Caller, database: Database, clock: FrozenClock
) -> None:
    await seed_every_table(database, owner, clock.now())
    await seed_every_table(database, stranger, clock.now())
    before_mine = await rows_per_table(database, owner.id)
    before_theirs = await rows_per_table(database, stranger.id)
    assert all(count > 0 for count in before_mine.values()), before_mine

    response = await owner.post("/api/v1/account/delete", json={"password": owner.password})

    assert response.status_code == 204
    after_mine = await rows_per_table(database, owner.id)
    assert set(after_mine) == {table.name for table in owned_tables()}
    assert after_mine == dict.fromkeys(after_mine, 0)
    assert await rows_per_table(database, stranger.id) == before_theirs
    async with database() as db:
        assert await db.get(Participant, UUID(owner.id)) is None
        assert await db.get(Participant, UUID(stranger.id)) is not None
    assert (await stranger.get(EXPORT_JSON)).json()["barriers"] != []
    assert json.loads((await owner.get(EXPORT_JSON)).text)["status"] == 401
