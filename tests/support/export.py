"""For the export and account-deletion tests: one participant's rows in every table that can hold them, the
tables of a CSV export, and how many rows each participant has in each table."""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from uuid import UUID, uuid4

from sqlalchemy import func, select

from followthrough.actions.models import KeyAction, KeyActionStatusChange, Occurrence
from followthrough.actlinks import ActLink, ActPurpose
from followthrough.barriers.models import Barrier, BarrierStatusChange
from followthrough.calendarfeed.models import CalendarFeed
from followthrough.checkins.models import CheckIn, StreakCheckpoint, UndoneCheckIn, WeeklyReview
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
from followthrough.identity.models import Participant
from followthrough.imports.models import ImportRecord
from followthrough.notifications.models import Channel
from followthrough.partners.models import Encouragement, Invite, Partnership
from followthrough.reflections.models import Reflection
from followthrough.sso.models import SignInIdentity
from tests.conftest import Caller, Database

EXPORT_JSON = "/api/v1/account/export"
SECRET_CHANNEL_URL = "json://127.0.0.1:9/hooks/s3cr3t-path-token"


@dataclass
class Seeded:
    """The ids of what was stored for one participant."""

    ids: dict[str, list[str]] = field(default_factory=dict)

    def add(self, table: str, row_id: UUID) -> None:
        self.ids.setdefault(table, []).append(str(row_id))

    def all_ids(self) -> set[str]:
        return {row_id for ids in self.ids.values() for row_id in ids}


async def seed_every_table(
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


def zip_tables(content: bytes) -> dict[str, list[dict[str, str]]]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {
            name.removesuffix(".csv"): list(csv.DictReader(io.StringIO(archive.read(name).decode("utf-8"))))
            for name in archive.namelist()
        }


async def rows_per_table(database: Database, participant_id: str) -> dict[str, int]:
    """How many rows of each owned table belong to one participant."""
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
