from __future__ import annotations

import csv
import io
import json
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from sqlalchemy import func, select

from followthrough.actions.models import KeyAction, KeyActionStatusChange, Occurrence
from followthrough.actlinks import ActLink, ActPurpose
from followthrough.barriers.models import Barrier, BarrierStatusChange
from followthrough.calendarfeed.models import CalendarFeed
from followthrough.checkins.models import CheckIn, StreakCheckpoint, UndoneCheckIn, WeeklyReview
from followthrough.clock import FrozenClock
from followthrough.database import metadata
from followthrough.deliveries.models import Delivery
from followthrough.enums import (
    ActionStatus,
    BarrierLevel,
    BarrierStatus,
    ChannelKind,
    CheckInResult,
    DeliveryStatus,
    Event,
    ImportSource,
    KeyHolder,
    ScheduleKind,
)
from followthrough.export.services import csv_cell, owned_tables
from followthrough.identity.models import ApiToken, Participant
from followthrough.imports.models import ImportRecord
from followthrough.notifications.models import Channel
from followthrough.partners.models import Encouragement, Invite, Partnership
from followthrough.reflections.models import Reflection
from followthrough.sso.models import SignInIdentity
from tests.conftest import Caller, Callers, Database

EXPORT_JSON = "/api/v1/account/export"
EXPORT_ZIP = "/api/v1/account/export.zip"
SECRET_CHANNEL_URL = "json://127.0.0.1:9/hooks/s3cr3t-path-token"


@dataclass
class Seeded:
    """The ids of what was stored for one participant."""

    ids: dict[str, list[str]] = field(default_factory=dict)

    def add(self, table: str, row_id: UUID) -> None:
        self.ids.setdefault(table, []).append(str(row_id))

    def all_ids(self) -> set[str]:
        return {row_id for ids in self.ids.values() for row_id in ids}


async def _seed(
    database: Database, caller: Caller, now: datetime, title: str = "No budget for training"
) -> Seeded:
    """One or more rows in every owned table, written through the models."""
    seeded = Seeded()
    owner_id = UUID(caller.id)
    week_start = date(2026, 2, 23)
    async with database() as db:
        reflection = Reflection(
            participant_id=owner_id,
            reflected_on=date(2026, 2, 20),
            industry="Training is seen as a cost",
            organization="Nobody owns onboarding",
            personal="I wait for permission",
            organization_free="A budget line for learning",
            personal_free="Asking my manager plainly",
            doing="Book a monthly slot",
        )
        db.add(reflection)
        await db.flush()
        barrier = Barrier(
            participant_id=owner_id,
            title=title,
            level=BarrierLevel.ORGANIZATION,
            key_holder=KeyHolder.OTHERS,
            key_holder_name="Finance",
            status=BarrierStatus.LOOSENING,
            status_changed_at=now,
            reflection_id=reflection.id,
        )
        db.add(barrier)
        await db.flush()
        changes = [
            BarrierStatusChange(
                participant_id=owner_id,
                barrier_id=barrier.id,
                to_status=BarrierStatus.HOLDING,
                changed_at=now - timedelta(days=10),
            ),
            BarrierStatusChange(
                participant_id=owner_id,
                barrier_id=barrier.id,
                from_status=BarrierStatus.HOLDING,
                to_status=BarrierStatus.LOOSENING,
                reason="Finance agreed to talk",
                changed_at=now,
            ),
        ]
        action = KeyAction(
            participant_id=owner_id,
            barrier_id=barrier.id,
            title="Ask for a training budget line",
            key_holder=KeyHolder.OTHERS,
            key_holder_name="Finance",
            own_part="Write the one-page case",
            schedule_kind=ScheduleKind.RECURRING,
            starts_at=datetime(2026, 2, 23, 9, 0),
            rrule="FREQ=WEEKLY;BYDAY=MO",
            reminder_offsets=[15, 60],
            status=ActionStatus.ACTIVE,
            status_changed_at=now - timedelta(days=10),
            measure_unit="hours saved per week",
            measure_target=5.0,
        )
        db.add_all([*changes, action])
        await db.flush()
        action_change = KeyActionStatusChange(
            participant_id=owner_id,
            key_action_id=action.id,
            to_status=ActionStatus.ACTIVE,
            changed_at=now - timedelta(days=10),
        )
        occurrence = Occurrence(
            participant_id=owner_id,
            key_action_id=action.id,
            due_at=datetime.fromisoformat("2026-02-23T09:00:00+00:00"),
            local_date=week_start,
            week_start=week_start,
            time_zone="Europe/London",
        )
        review = WeeklyReview(
            participant_id=owner_id,
            week_start=week_start,
            moved="Wrote the case",
            in_the_way="Month-end close",
            next_step="Send it",
            confidence=4,
            submitted_at=now - timedelta(days=1),
        )
        db.add_all([action_change, occurrence, review])
        await db.flush()
        check_in = CheckIn(
            participant_id=owner_id,
            key_action_id=action.id,
            occurrence_id=occurrence.id,
            result=CheckInResult.PARTLY,
            note="Half of it, = not bad",
            measure_value=2.5,
            checked_in_at=now - timedelta(days=1),
            weekly_review_id=review.id,
        )
        db.add(check_in)
        await db.flush()
        # A supporter, so that the rows between two people exist too.
        supporter = Participant(
            email=f"supporter-{uuid4().hex[:10]}@example.com",
            display_name="Supporter",
            password_hash="not a real hash",
            time_zone="Europe/London",
        )
        channel = Channel(
            participant_id=owner_id,
            kind=ChannelKind.APPRISE,
            label="My inbox",
            url=SECRET_CHANNEL_URL,
            masked_url="json://127.0.0.1/...",
            events=["reminder.due"],
        )
        db.add_all([supporter, channel])
        await db.flush()
        delivery = Delivery(
            participant_id=owner_id,
            event=Event.REMINDER_DUE,
            subject_key=f"occurrence:{occurrence.id}:15",
            occurrence_id=occurrence.id,
            channel_id=channel.id,
            due_at=now,
            next_attempt_at=now,
            status=DeliveryStatus.SENT,
            payload={"keyActionTitle": action.title},
        )
        invite = Invite(participant_id=owner_id, token_hash=uuid4().hex, expires_at=now + timedelta(days=7))
        partnership = Partnership(participant_id=owner_id, partner_id=supporter.id, started_at=now)
        encouragement = Encouragement(
            participant_id=owner_id,
            partner_id=supporter.id,
            key_action_id=action.id,
            message="Keep going",
            sent_at=now,
        )
        db.add_all([delivery, invite, partnership, encouragement])
        await db.flush()
        # The link in the reminder, answered: only its token's hash is stored.
        act_link = ActLink(
            participant_id=owner_id,
            token_hash=uuid4().hex * 2,
            purpose=ActPurpose.REMINDER,
            delivery_id=delivery.id,
            occurrence_id=occurrence.id,
            expires_at=now + timedelta(days=2),
            choice="done",
            answered_at=now,
            check_in_id=check_in.id,
        )
        # A check-in the person undid: only its id is kept, so a stale retry cannot bring it back.
        undone = UndoneCheckIn(
            participant_id=owner_id, key_action_id=action.id, undone_at=now - timedelta(hours=1)
        )
        # What an import made of a row of its file: bookkeeping, deleted with the account, never exported.
        imported = ImportRecord(
            participant_id=owner_id,
            source=ImportSource.LOOP,
            external_key="habit:Meditate",
            entity="key_action",
            entity_id=action.id,
        )
        # The calendar feed's address is a secret: only its hash is stored, and never exported.
        feed = CalendarFeed(participant_id=owner_id, token_hash=uuid4().hex * 2, token_hint="abcd")
        identity = SignInIdentity(
            participant_id=owner_id,
            issuer="https://id.example.org",
            subject=f"subject-{uuid4().hex}",
            email="person@example.org",
        )
        # A streak's settled part: counted from the check-ins, deleted with the account, never exported.
        checkpoint = StreakCheckpoint(participant_id=owner_id, scope="account")
        db.add_all([act_link, undone, imported, feed, identity, checkpoint])
        await db.flush()
        for table, row in [
            ("calendar_feed", feed),
            ("sign_in_identity", identity),
            ("undone_check_in", undone),
            ("act_link", act_link),
            ("channel", channel),
            ("delivery", delivery),
            ("partner_invite", invite),
            ("partnership", partnership),
            ("encouragement", encouragement),
            ("reflection", reflection),
            ("barrier", barrier),
            ("barrier_status_change", changes[0]),
            ("barrier_status_change", changes[1]),
            ("key_action", action),
            ("key_action_status_change", action_change),
            ("occurrence", occurrence),
            ("weekly_review", review),
            ("check_in", check_in),
        ]:
            seeded.add(table, row.id)
    token = await caller.post("/api/v1/account/tokens", json={"name": "My script"})
    assert token.status_code == 201, token.text
    seeded.add("api_token", UUID(token.json()["id"]))
    return seeded


def _zip_tables(content: bytes) -> dict[str, list[dict[str, str]]]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {
            name.removesuffix(".csv"): list(csv.DictReader(io.StringIO(archive.read(name).decode("utf-8"))))
            for name in archive.namelist()
        }


async def _rows_per_table(database: Database, participant_id: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    async with database() as db:
        for table in metadata.sorted_tables:
            if "participant_id" in table.columns:
                counts[table.name] = (
                    await db.scalar(
                        select(func.count())
                        .select_from(table)
                        .where(table.c.participant_id == UUID(participant_id))
                    )
                    or 0
                )
    return counts


async def test_the_json_export_holds_all_my_data_and_none_of_a_strangers(
    owner: Caller, stranger: Caller, database: Database, clock: FrozenClock
) -> None:
    mine = await _seed(database, owner, clock.now())
    theirs = await _seed(database, stranger, clock.now(), title="Stranger's own barrier")

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
    await _seed(database, owner, clock.now())
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
    mine = await _seed(database, owner, clock.now())
    theirs = await _seed(database, stranger, clock.now())

    response = await owner.get(EXPORT_ZIP)

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    assert (
        response.headers["content-disposition"]
        == 'attachment; filename="followthrough-export-2026-03-02.zip"'
    )
    tables = _zip_tables(response.content)
    # Sessions are credentials: the JSON counts them, the zip leaves them out.
    # Sessions are credentials, import records and streak checkpoints bookkeeping: none is the person's data.
    assert set(tables) == {"participant"} | {table.name for table in owned_tables()} - {"auth_session"} - {
        "import_record",
        "streak_checkpoint",
    }
    counts = await _rows_per_table(database, owner.id)
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
    tables = _zip_tables((await owner.get(EXPORT_ZIP)).content)

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
    await _seed(database, owner, clock.now(), title=title)

    tables = _zip_tables((await owner.get(EXPORT_ZIP)).content)
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
    await _seed(database, owner, clock.now())
    await _seed(database, stranger, clock.now())
    before_mine = await _rows_per_table(database, owner.id)
    before_theirs = await _rows_per_table(database, stranger.id)
    assert all(count > 0 for count in before_mine.values()), before_mine

    response = await owner.post("/api/v1/account/delete", json={"password": owner.password})

    assert response.status_code == 204
    after_mine = await _rows_per_table(database, owner.id)
    assert set(after_mine) == {table.name for table in owned_tables()}
    assert after_mine == dict.fromkeys(after_mine, 0)
    assert await _rows_per_table(database, stranger.id) == before_theirs
    async with database() as db:
        assert await db.get(Participant, UUID(owner.id)) is None
        assert await db.get(Participant, UUID(stranger.id)) is not None
    assert (await stranger.get(EXPORT_JSON)).json()["barriers"] != []
    assert json.loads((await owner.get(EXPORT_JSON)).text)["status"] == 401
