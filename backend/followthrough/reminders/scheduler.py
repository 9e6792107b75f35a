"""Detection of reminders, nudges and weekly reviews: the steps that find what is due and queue deliveries.

Each is a `deliveries.Step` (deliveries queued) and idempotent: it looks at a bounded window around now and
relies on the deliveries' unique key, so running it twice, or on two workers at once, queues each delivery
once. Before writing, a step reads which deliveries already exist, so the common case (nothing new since the
last poll) writes nothing and takes no write lock on SQLite.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from followthrough.actions import KeyAction, Occurrence, OccurrenceService
from followthrough.checkins import CheckIn, WeeklyReview
from followthrough.context import RequestContext
from followthrough.deliveries import Delivery, Enqueuer, Step, local_instant, occurrence_key
from followthrough.enums import ActionStatus, Event
from followthrough.identity import Participant
from followthrough.notifications import Channel
from followthrough.settings import Settings
from followthrough.signing import sign

# Deliveries are queued this far ahead of when they are due, so they are waiting when the moment comes.
LOOKAHEAD = timedelta(hours=1)
# The largest reminder offset the API accepts (actions/schemas.py: seven days).
MAX_OFFSET = timedelta(days=7)
# The end-of-day nudge, local time, for what fell due earlier that day without a check-in.
NUDGE_TIME = time(20, 0)
# How long a snooze link in a reminder keeps working after the occurrence was due.
SNOOZE_LINK_LIFETIME = timedelta(days=1)
PARTICIPANTS_PER_PASS = 200
MATERIALISE_PASSES = 10


@dataclass(frozen=True, slots=True)
class Window:
    """Detection looks at what becomes due in (start, end]: from the grace period back to the lookahead."""

    start: datetime
    end: datetime

    @classmethod
    def around(cls, now: datetime, settings: Settings) -> Window:
        return cls(now - timedelta(minutes=settings.delivery_grace_minutes), now + LOOKAHEAD)

    def __contains__(self, instant: object) -> bool:
        return isinstance(instant, datetime) and self.start < instant <= self.end


def snooze_token(settings: Settings, occurrence: Occurrence, source: str) -> str:
    expires_at = occurrence.due_at + SNOOZE_LINK_LIFETIME
    return sign(settings.resolved_secret_key, "snooze", {"o": str(occurrence.id), "s": source}, expires_at)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()[:16]


def reminder_payload(
    settings: Settings,
    action: KeyAction,
    occurrence: Occurrence,
    time_zone: str,
    *,
    minutes_before: int,
    nudge: bool,
    source: str,
    snoozed_from: str | None = None,
) -> dict[str, Any]:
    """What a reminder says, fixed when it is queued (contract with notifications/messages.py). A snoozed
    reminder carries `snoozedFrom`, when the first reminder of its chain was due ("Snoozed from 11:38").
    The act link's token is not here: the worker adds `actToken` when it writes the message."""
    payload = {
        "keyActionId": str(action.id),
        "keyActionTitle": action.title,
        "cue": action.cue,
        "occurrenceId": str(occurrence.id),
        "dueAt": occurrence.due_at.isoformat(),
        "timeZone": time_zone,
        "minutesBefore": minutes_before,
        "nudge": nudge,
        "snoozeToken": snooze_token(settings, occurrence, source),
    }
    if snoozed_from is not None:
        payload["snoozedFrom"] = snoozed_from
    return payload


async def _existing(session: AsyncSession, event: Event, keys: Sequence[str]) -> dict[str, set[UUID]]:
    """For each subject key, the channels that already have a delivery of the event."""
    found: dict[str, set[UUID]] = {}
    for offset in range(0, len(keys), 500):
        rows = await session.execute(
            select(Delivery.subject_key, Delivery.channel_id).where(
                Delivery.event == event, Delivery.subject_key.in_(keys[offset : offset + 500])
            )
        )
        for key, channel_id in rows:
            found.setdefault(key, set()).add(channel_id)
    return found


@dataclass(frozen=True, slots=True)
class _Candidate:
    recipient_id: UUID
    subject_key: str
    due_at: datetime
    occurrence_id: UUID | None
    payload: Any  # a callable building the payload only when something is actually queued


async def _queue(session: AsyncSession, now: datetime, event: Event, candidates: list[_Candidate]) -> int:
    if not candidates:
        return 0
    existing = await _existing(session, event, [candidate.subject_key for candidate in candidates])
    enqueuer = Enqueuer(session, now)
    await enqueuer.preload({candidate.recipient_id for candidate in candidates})
    queued = 0
    for candidate in candidates:
        wanted = {channel.id for channel in await enqueuer.channels_for(candidate.recipient_id, event)}
        if not wanted - existing.get(candidate.subject_key, set()):
            continue
        queued += await enqueuer.add(
            recipient_id=candidate.recipient_id,
            event=event,
            subject_key=candidate.subject_key,
            payload=candidate.payload(),
            due_at=candidate.due_at,
            occurrence_id=candidate.occurrence_id,
        )
    return queued


def _has_enabled_channel(participant_id: Any) -> Any:
    return exists().where(Channel.participant_id == participant_id, Channel.enabled.is_(True))


async def materialise_step(session: AsyncSession, now: datetime, settings: Settings) -> int:
    """Keep occurrences materialised past the furthest reminder the other steps may look for, also for
    participants who have not opened the app for weeks. Returns the participants extended."""
    needed = now + LOOKAHEAD + MAX_OFFSET + timedelta(days=1)
    stale = (
        select(KeyAction.participant_id)
        .where(
            KeyAction.status == ActionStatus.ACTIVE,
            or_(KeyAction.occurrences_until.is_(None), KeyAction.occurrences_until < needed),
        )
        .distinct()
        .limit(PARTICIPANTS_PER_PASS)
    )
    people = (await session.scalars(select(Participant).where(Participant.id.in_(stale)))).all()
    service = OccurrenceService(RequestContext(session, now, settings))
    for person in people:
        await service.ensure_for_participant(person, max(service.until, needed))
    return len(people)


async def reminder_step(session: AsyncSession, now: datetime, settings: Settings) -> int:
    """reminder.due at each of an active action's offsets before each occurrence not yet checked in."""
    window = Window.around(now, settings)
    offsets = await _offsets_in_use(session)
    if not offsets:
        return 0
    # One range of due times per distinct offset, rather than every occurrence of the coming week.
    ranges = [
        and_(
            Occurrence.due_at > window.start + timedelta(minutes=minutes),
            Occurrence.due_at <= window.end + timedelta(minutes=minutes),
        )
        for minutes in sorted(offsets)
    ]
    rows = await session.execute(
        select(Occurrence, KeyAction, Participant.time_zone)
        .join(KeyAction, KeyAction.id == Occurrence.key_action_id)
        .join(Participant, Participant.id == Occurrence.participant_id)
        .where(
            or_(*ranges),
            KeyAction.status == ActionStatus.ACTIVE,
            ~exists().where(CheckIn.occurrence_id == Occurrence.id),
            _has_enabled_channel(Occurrence.participant_id),
        )
    )
    candidates: list[_Candidate] = []
    for occurrence, action, zone in rows.tuples():
        for minutes in sorted(set(action.reminder_offsets or [])):
            remind_at = occurrence.due_at - timedelta(minutes=minutes)
            if remind_at not in window:
                continue
            candidates.append(
                _Candidate(
                    recipient_id=occurrence.participant_id,
                    subject_key=occurrence_key(occurrence.id, str(minutes)),
                    due_at=remind_at,
                    occurrence_id=occurrence.id,
                    payload=_payload_maker(settings, action, occurrence, zone, minutes, nudge=False),
                )
            )
    return await _queue(session, now, Event.REMINDER_DUE, candidates)


def _payload_maker(
    settings: Settings, action: KeyAction, occurrence: Occurrence, zone: str, minutes: int, *, nudge: bool
) -> Any:
    source = "nudge" if nudge else str(minutes)
    return lambda: reminder_payload(
        settings, action, occurrence, zone, minutes_before=minutes, nudge=nudge, source=source
    )


async def _offsets_in_use(session: AsyncSession) -> set[int]:
    lists = await session.scalars(
        select(KeyAction.reminder_offsets).where(
            KeyAction.status == ActionStatus.ACTIVE, _has_enabled_channel(KeyAction.participant_id)
        )
    )
    return {int(minutes) for offsets in lists for minutes in (offsets or [])}


def nudge_at(occurrence: Occurrence) -> datetime:
    return local_instant(occurrence.local_date, NUDGE_TIME, ZoneInfo(occurrence.time_zone))


async def nudge_step(session: AsyncSession, now: datetime, settings: Settings) -> int:
    """For participants who turned the nudge on: at 20:00 local, a second reminder for each occurrence that
    fell due earlier that day and still has no check-in."""
    window = Window.around(now, settings)
    # Local dates that could reach 20:00 within the window, in any zone (offsets stay within a day).
    days = [
        window.start.date() + timedelta(days=delta)
        for delta in range(-1, (window.end - window.start).days + 2)
    ]
    rows = await session.execute(
        select(Occurrence, KeyAction, Participant.time_zone)
        .join(KeyAction, KeyAction.id == Occurrence.key_action_id)
        .join(Participant, Participant.id == Occurrence.participant_id)
        .where(
            Participant.nudge_enabled.is_(True),
            Occurrence.local_date.in_(days),
            KeyAction.status == ActionStatus.ACTIVE,
            ~exists().where(CheckIn.occurrence_id == Occurrence.id),
            _has_enabled_channel(Occurrence.participant_id),
        )
    )
    candidates: list[_Candidate] = []
    for occurrence, action, zone in rows.tuples():
        at = nudge_at(occurrence)
        if at not in window or occurrence.due_at >= at:
            continue
        candidates.append(
            _Candidate(
                recipient_id=occurrence.participant_id,
                subject_key=occurrence_key(occurrence.id, "nudge"),
                due_at=at,
                occurrence_id=occurrence.id,
                payload=_payload_maker(settings, action, occurrence, zone, 0, nudge=True),
            )
        )
    return await _queue(session, now, Event.REMINDER_DUE, candidates)


def review_key(participant_id: UUID, week_start: date) -> str:
    return f"review:{participant_id}:{week_start.isoformat()}"


def review_instants(person: Participant, now: datetime) -> list[tuple[date, datetime]]:
    """This local week's and next week's review moment, each with the Monday of its week."""
    zone = ZoneInfo(person.time_zone)
    today = now.astimezone(zone).date()
    monday = today - timedelta(days=today.weekday())
    return [
        (week, local_instant(week + timedelta(days=person.review_weekday), person.review_time, zone))
        for week in (monday - timedelta(days=7), monday, monday + timedelta(days=7))
    ]


async def review_step(session: AsyncSession, now: datetime, settings: Settings) -> int:
    """review.weekly at the participant's local review weekday and time, unless that week's review is in."""
    window = Window.around(now, settings)
    # Only people whose review weekday can be "today" somewhere on Earth within the window.
    weekdays = {(window.start + timedelta(days=delta)).weekday() for delta in range(-1, 3)}
    people = (
        await session.scalars(
            select(Participant).where(
                Participant.review_weekday.in_(weekdays), _has_enabled_channel(Participant.id)
            )
        )
    ).all()
    due: list[tuple[Participant, date, datetime]] = [
        (person, week, at) for person in people for week, at in review_instants(person, now) if at in window
    ]
    if not due:
        return 0
    submitted = set(
        (
            await session.execute(
                select(WeeklyReview.participant_id, WeeklyReview.week_start).where(
                    WeeklyReview.participant_id.in_({person.id for person, _, _ in due})
                )
            )
        ).tuples()
    )
    candidates: list[_Candidate] = []
    for person, week, at in due:
        if (person.id, week) in submitted:
            continue
        open_count = await _open_occurrences(session, person.id, week)
        candidates.append(
            _Candidate(
                recipient_id=person.id,
                subject_key=review_key(person.id, week),
                due_at=at,
                occurrence_id=None,
                payload=lambda week=week, count=open_count, zone=person.time_zone: {
                    "weekStart": week.isoformat(),
                    "openOccurrences": count,
                    "timeZone": zone,
                },
            )
        )
    return await _queue(session, now, Event.REVIEW_WEEKLY, candidates)


async def _open_occurrences(session: AsyncSession, participant_id: UUID, week: date) -> int:
    count = await session.scalar(
        select(func.count())
        .select_from(Occurrence)
        .where(
            Occurrence.participant_id == participant_id,
            Occurrence.week_start == week,
            ~exists().where(CheckIn.occurrence_id == Occurrence.id),
        )
    )
    return int(count or 0)


async def occurrences_step(session: AsyncSession, now: datetime, settings: Settings) -> int:
    """Materialise occurrences before the reminder steps look for them (after a long outage, everyone's,
    a bounded number of passes per poll). Queues nothing."""
    for _ in range(MATERIALISE_PASSES):
        if await materialise_step(session, now, settings) < PARTICIPANTS_PER_PASS:
            break
    return 0


STEPS: tuple[Step, ...] = (occurrences_step, reminder_step, nudge_step, review_step)
"""The reminders' detection steps, in the order the worker runs them: occurrences first."""
