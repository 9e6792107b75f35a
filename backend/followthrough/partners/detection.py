"""Scheduler steps for partner notifications, each `async def ...(session, now, settings) -> int`.

They only detect and queue (through `deliveries.enqueue`, whose unique key makes a step that runs twice,
or on two workers at once, queue each message once); the delivery worker sends. A step looks back over the
delivery grace window only, so a worker that was down longer does not send stale news.

- `digest_step`: each partner's weekly digest, at their weekly review weekday and time in their own zone
  (`review_weekday`, `review_time`), summarising each person they support who is in their digest.
- `missed_step`: an occurrence of a shared, active key action that passed `partner_missed_grace_minutes` with
  no check-in, told to each partner for whom both sides opted in.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from followthrough.actions import KeyAction, Occurrence, OccurrenceService
from followthrough.barriers import BarrierService
from followthrough.checkins import CheckIn, ProgressService
from followthrough.context import RequestContext
from followthrough.deliveries import Delivery, Enqueuer, Step, local_instant
from followthrough.enums import ActionStatus, Event, Visibility
from followthrough.identity import Participant
from followthrough.localtime import week_start_of
from followthrough.partners.encouragement import one_tap_placeholder
from followthrough.partners.models import Partnership
from followthrough.settings import Settings


def last_digest_moment(partner: Participant, now: datetime) -> tuple[date, datetime]:
    """The partner's latest local digest day and its instant, at or before `now`."""
    zone = ZoneInfo(partner.time_zone)
    local = now.astimezone(zone)
    day = local.date() - timedelta(days=(local.weekday() - partner.review_weekday) % 7)
    moment = local_instant(day, partner.review_time, zone)
    if moment > now:
        day -= timedelta(weeks=1)
        moment = local_instant(day, partner.review_time, zone)
    return day, moment


async def digest_step(session: AsyncSession, now: datetime, settings: Settings) -> int:
    """Queue the weekly digests that fell due within the grace window; returns the deliveries made."""
    window = timedelta(minutes=settings.delivery_grace_minutes)
    rows = await session.execute(
        select(Partnership, Participant)
        .join(Participant, Participant.id == Partnership.partner_id)
        .where(Partnership.digest.is_(True))
        .order_by(Partnership.started_at, Partnership.id)
    )
    by_partner: dict[Any, tuple[Participant, list[Partnership]]] = {}
    for partnership, partner in rows.tuples():
        by_partner.setdefault(partner.id, (partner, []))[1].append(partnership)
    enqueuer = Enqueuer(session, now)
    made = 0
    for partner, partnerships in by_partner.values():
        day, moment = last_digest_moment(partner, now)
        if now - moment >= window:
            continue
        subject_key = f"digest:{partner.id}:{day.isoformat()}"
        # Cheap checks first: the summary costs a few queries per person.
        if not await enqueuer.channels_for(partner.id, Event.PARTNER_DIGEST):
            continue
        queued = await session.scalar(
            select(Delivery.id)
            .where(Delivery.event == Event.PARTNER_DIGEST, Delivery.subject_key == subject_key)
            .limit(1)
        )
        if queued is not None:
            continue
        week_start = week_start_of(day - timedelta(days=1))
        payload = await _digest_payload(session, now, settings, partnerships, week_start)
        made += await enqueuer.add(
            recipient_id=partner.id,
            event=Event.PARTNER_DIGEST,
            subject_key=subject_key,
            payload=payload,
            due_at=moment,
        )
    return made


async def _digest_payload(
    session: AsyncSession,
    now: datetime,
    settings: Settings,
    partnerships: list[Partnership],
    week_start: date,
) -> dict[str, Any]:
    """Per person: the week's done and due counts and completion rate over their shared key actions only."""
    context = RequestContext(session, now, settings)
    progress = ProgressService(context, OccurrenceService(context), BarrierService(context))
    people: list[dict[str, Any]] = []
    links: dict[str, str] = {}
    for partnership in partnerships:
        person = await session.get_one(Participant, partnership.participant_id)
        shared = list(
            await session.scalars(
                select(KeyAction.id).where(
                    KeyAction.participant_id == person.id, KeyAction.visibility == Visibility.PARTNERS
                )
            )
        )
        weeks = (await progress.for_account(person, only=shared)).weeks
        week = next((item for item in weeks if item.week_start == week_start), None)
        people.append(
            {
                "participantId": str(person.id),
                "name": person.display_name,
                "done": 0 if week is None else week.done,
                "due": 0 if week is None else week.due,
                "completionRate": None if week is None else week.completion_rate,
            }
        )
        links[str(person.id)] = one_tap_placeholder(partnership.id)
    return {"weekStart": week_start.isoformat(), "people": people, "oneTapLinks": links}


async def missed_step(session: AsyncSession, now: datetime, settings: Settings) -> int:
    """Queue `partner.missed` for occurrences whose grace period ended within the window without a check-in;
    returns the deliveries made."""
    grace = timedelta(minutes=settings.partner_missed_grace_minutes)
    window = timedelta(minutes=settings.delivery_grace_minutes)
    person = aliased(Participant)
    partner = aliased(Participant)
    rows = await session.execute(
        select(Occurrence, KeyAction.title, person, partner)
        .join(KeyAction, KeyAction.id == Occurrence.key_action_id)
        .join(person, person.id == Occurrence.participant_id)
        .join(
            Partnership,
            and_(
                Partnership.participant_id == Occurrence.participant_id,
                Partnership.participant_missed_opt_in.is_(True),
                Partnership.partner_missed_opt_in.is_(True),
            ),
        )
        .join(partner, partner.id == Partnership.partner_id)
        .outerjoin(CheckIn, CheckIn.occurrence_id == Occurrence.id)
        .where(
            CheckIn.id.is_(None),
            Occurrence.due_at <= now - grace,
            Occurrence.due_at > now - grace - window,
            KeyAction.visibility == Visibility.PARTNERS,
            KeyAction.status == ActionStatus.ACTIVE,
        )
        .order_by(Occurrence.due_at, Occurrence.id)
    )
    enqueuer = Enqueuer(session, now)
    made = 0
    for occurrence, title, supported, supporter in rows.tuples():
        made += await enqueuer.add(
            recipient_id=supporter.id,
            event=Event.PARTNER_MISSED,
            subject_key=f"missed:{occurrence.id}:{supporter.id}",
            occurrence_id=occurrence.id,
            payload={
                "participantName": supported.display_name,
                "participantId": str(supported.id),
                "keyActionTitle": title,
                "dueAt": occurrence.due_at.isoformat(),
                "timeZone": supporter.time_zone,
            },
            due_at=occurrence.due_at + grace,
        )
    return made


STEPS: tuple[Step, ...] = (digest_step, missed_step)
"""The partner notifications' detection steps, in the order the worker runs them."""
