"""A realistic demo participant with a year of history, for trying the app and for the benchmarks.

Rows are written through the models and `OccurrenceService`. The story is seeded, so two runs with the same
"now" tell the same year: a reflection, barriers at every level (one broken), half a dozen key actions and
the check-ins and weekly reviews of someone who mostly keeps their word.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, fields, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import click
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from followthrough.actions import KeyAction, KeyActionStatusChange, Occurrence, OccurrenceService
from followthrough.barriers import Barrier, BarrierStatusChange
from followthrough.checkins import CheckIn, WeeklyReview
from followthrough.clock import Clock
from followthrough.context import RequestContext
from followthrough.database import alchemy_config, session_scope
from followthrough.demo_story import (
    BARRIERS,
    DEFAULT_PASSWORD,
    EXTRA_ACTIONS,
    KEY_ACTIONS,
    NOTES,
    REFLECTION,
    REVIEWS,
    ActionPlan,
)
from followthrough.enums import (
    ActionStatus,
    BarrierStatus,
    CheckInResult,
    KeyHolder,
    ScheduleKind,
    Visibility,
)
from followthrough.identity import Participant, hash_password
from followthrough.reflections import Reflection
from followthrough.settings import Settings

DEMO_NAME = "Sam Rivera"
DEMO_ZONE = "Europe/London"
SEED = 5
HISTORY_DAYS = 365
RESULTS = [CheckInResult.DONE, CheckInResult.PARTLY, CheckInResult.NOT_DONE, CheckInResult.SKIPPED]


@dataclass
class DemoCounts:
    reflections: int = 0
    barriers: int = 0
    barrier_status_changes: int = 0
    key_actions: int = 0
    key_action_status_changes: int = 0
    occurrences: int = 0
    check_ins: int = 0
    weekly_reviews: int = 0

    def describe(self) -> str:
        return ", ".join(f"{f.name.replace('_', ' ')}: {getattr(self, f.name)}" for f in fields(self))


async def load_demo(settings: Settings, *, email: str, password: str, now: datetime | None = None) -> str:
    """Create (or re-create) the demo account and its year of history; returns a summary to print."""
    now = now or Clock().now()
    config = alchemy_config(settings)
    try:
        async with session_scope(config) as session:
            participant = await replace_demo_participant(session, settings, email, password, now)
            counts = await seed_history(RequestContext(session, now, settings), participant)
    finally:
        await config.get_engine().dispose()
    shown = password if password == DEFAULT_PASSWORD else "(the password you gave)"
    return (
        f"Demo participant {DEMO_NAME} ({DEMO_ZONE}) loaded: {counts.describe()}.\n"
        f"Sign in at {settings.public_url} with {participant.email} / {shown}"
    )


async def replace_demo_participant(
    session: AsyncSession, settings: Settings, email: str, password: str, now: datetime
) -> Participant:
    """A fresh demo account; an earlier demo account with this email goes, with everything it owns."""
    email = email.strip().lower()
    earlier = await session.scalar(select(Participant).where(Participant.email == email))
    if earlier is not None:
        if not earlier.is_demo:
            raise click.ClickException(f"{email} belongs to a real account; choose another --email")
        # Every owned row references the participant with ON DELETE CASCADE.
        await session.execute(delete(Participant).where(Participant.id == earlier.id))
        session.expunge(earlier)
    participant = Participant(
        email=email,
        display_name=DEMO_NAME,
        password_hash=await hash_password(password, settings.password_hash_cost),
        time_zone=DEMO_ZONE,
        review_weekday=6,
        review_time=time(18, 0),
        quiet_hours_start=time(22, 0),
        quiet_hours_end=time(7, 0),
        is_demo=True,
        created_at=now - timedelta(days=HISTORY_DAYS + 1),
    )
    session.add(participant)
    await session.flush()
    return participant


async def materialise_history(
    context: RequestContext, action: KeyAction, zone: ZoneInfo, since: datetime, end: datetime
) -> None:
    """Every occurrence of `action` from `since` to `end`, pass after pass: one pass stores at most a few
    hundred occurrences ahead of its "now", and each next one carries on where the last stopped."""
    while action.occurrences_until is None or action.occurrences_until < end:
        await OccurrenceService(replace(context, now=since)).materialise([action], zone, end)
        since = action.occurrences_until or end


class _Story:
    """Writes one participant's year.

    Days are counted from the first local day of the history: `at(n, h)` is the instant of h o'clock on
    day n (never later than now), `local(n, h)` the same wall time without a zone.
    """

    def __init__(self, context: RequestContext, participant: Participant, seed: int, years: int = 1) -> None:
        self.context = context
        self.session = context.session
        self.participant = participant
        self.now = now = context.now
        self.zone = ZoneInfo(participant.time_zone)
        # Longer histories start earlier; the story's days still count from the first one.
        self.history_days = HISTORY_DAYS * years
        self.first_day = now.astimezone(self.zone).date() - timedelta(days=self.history_days)
        self.random = random.Random(seed)
        self.counts = DemoCounts()

    def at(self, day: int, hour: int = 9, minute: int = 0) -> datetime:
        local = datetime.combine(self.first_day + timedelta(days=day), time(hour, minute), self.zone)
        return min(local.astimezone(ZoneInfo("UTC")), self.now)

    def local(self, day: int, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(self.first_day + timedelta(days=day), time(hour, minute))

    def owned(self, **values: object) -> dict[str, object]:
        return {"participant_id": self.participant.id, **values}

    async def reflection(self) -> Reflection:
        row = Reflection(**self.owned(reflected_on=self.first_day, created_at=self.at(0, 8), **REFLECTION))
        self.session.add(row)
        await self.session.flush()
        self.counts.reflections += 1
        return row

    async def barriers(self, reflection: Reflection) -> list[Barrier]:
        made: list[Barrier] = []
        for plan in BARRIERS:
            created = self.at(plan.day, 8, 30)
            barrier = Barrier(
                **self.owned(
                    title=plan.title,
                    detail=plan.detail,
                    level=plan.level,
                    key_holder=KeyHolder.OTHERS if plan.key_holder_name else KeyHolder.ME,
                    key_holder_name=plan.key_holder_name,
                    status=BarrierStatus.HOLDING,
                    status_changed_at=created,
                    reflection_id=reflection.id if plan.day == 0 else None,
                    created_at=created,
                )
            )
            self.session.add(barrier)
            await self.session.flush()
            changes: list[tuple[BarrierStatus | None, BarrierStatus, str | None, datetime]] = [
                (None, BarrierStatus.HOLDING, None, created)
            ]
            for day, status, reason in plan.history:
                changes.append((barrier.status, status, reason, self.at(day, 19)))
                barrier.status, barrier.status_changed_at = status, self.at(day, 19)
            if barrier.status is BarrierStatus.BROKEN:
                barrier.resolved_at = barrier.status_changed_at
            for before, after, why, changed_at in changes:
                self.session.add(
                    BarrierStatusChange(
                        **self.owned(
                            barrier_id=barrier.id,
                            from_status=before,
                            to_status=after,
                            reason=why,
                            changed_at=changed_at,
                            created_at=changed_at,
                        )
                    )
                )
            self.counts.barriers += 1
            self.counts.barrier_status_changes += len(changes)
            made.append(barrier)
        return made

    def key_action(self, plan: ActionPlan, barriers: list[Barrier]) -> KeyAction:
        created = self.at(plan.day, 8, 45)
        return KeyAction(
            **self.owned(
                barrier_id=barriers[plan.barrier].id if plan.barrier is not None else None,
                title=plan.title,
                cue=plan.cue,
                key_holder=KeyHolder.OTHERS if plan.key_holder_name else KeyHolder.ME,
                key_holder_name=plan.key_holder_name,
                own_part=plan.own_part,
                schedule_kind=ScheduleKind.RECURRING if plan.rrule else ScheduleKind.ONCE,
                starts_at=self.local(plan.day + 1, *plan.at),
                rrule=plan.rrule,
                reminder_offsets=list(plan.reminders),
                status=ActionStatus.ACTIVE,
                status_changed_at=created,
                visibility=Visibility.PARTNERS if plan.shared else Visibility.PRIVATE,
                measure_unit=plan.measure_unit,
                measure_target=plan.measure_target,
                created_at=created,
            )
        )

    def status_change(self, action: KeyAction, to: ActionStatus, at: datetime, reason: str | None) -> None:
        before = None if at == action.created_at else action.status
        self.session.add(
            KeyActionStatusChange(
                **self.owned(
                    key_action_id=action.id,
                    from_status=before,
                    to_status=to,
                    reason=reason,
                    changed_at=at,
                    created_at=at,
                )
            )
        )
        action.status, action.status_changed_at, action.status_reason = to, at, reason
        self.counts.key_action_status_changes += 1

    async def key_actions(self, plans: list[ActionPlan], barriers: list[Barrier]) -> list[KeyAction]:
        actions = [self.key_action(plan, barriers) for plan in plans]
        self.session.add_all(actions)
        await self.session.flush()
        until = self.now + OccurrenceService(self.context).horizon
        for plan, action in zip(plans, actions, strict=True):
            # A paused action stops where it was paused.
            end = self.at(plan.paused[0], 20) if plan.paused else until
            await materialise_history(self.context, action, self.zone, self.at(0, 0), end)
            self.status_change(action, ActionStatus.ACTIVE, action.created_at, None)
        self.counts.key_actions += len(actions)
        return actions

    async def weekly_reviews(self) -> dict[date, WeeklyReview]:
        reviews: dict[date, WeeklyReview] = {}
        week = self.first_day - timedelta(days=self.first_day.weekday()) + timedelta(days=7)
        while True:
            sunday = week + timedelta(days=6)
            submitted = datetime.combine(sunday, time(18, self.random.randint(2, 50)), self.zone)
            if submitted >= self.now:
                break
            progress = (week - self.first_day).days / self.history_days
            if self.random.random() < 0.9:
                moved, in_the_way, next_step = self.random.choice(REVIEWS)
                confidence = max(1, min(5, round(2 + 2.5 * progress + self.random.uniform(-1, 1))))
                reviews[week] = WeeklyReview(
                    **self.owned(
                        week_start=week,
                        moved=moved,
                        in_the_way=in_the_way,
                        next_step=next_step,
                        confidence=confidence,
                        submitted_at=submitted,
                        created_at=submitted,
                    )
                )
            week += timedelta(days=7)
        self.session.add_all(reviews.values())
        await self.session.flush()
        self.counts.weekly_reviews += len(reviews)
        return reviews

    def result(self, day: int) -> CheckInResult | None:
        # Mostly done, a rough patch in late summer, and an occasional forgotten check-in.
        rough = 150 <= day <= 180
        weights = [50, 20, 20, 6] if rough else [76, 11, 6, 3]
        if self.random.random() < (0.1 if rough else 0.04):
            return None
        return self.random.choices(RESULTS, weights=weights)[0]

    async def check_ins(
        self, plans: list[ActionPlan], actions: list[KeyAction], reviews: dict[date, WeeklyReview]
    ) -> None:
        plan_of = {action.id: plan for plan, action in zip(plans, actions, strict=True)}
        action_of = {action.id: action for action in actions}
        due = await self.session.scalars(
            select(Occurrence)
            .where(Occurrence.participant_id == self.participant.id, Occurrence.due_at <= self.now)
            .order_by(Occurrence.due_at)
        )
        recent = self.now - timedelta(hours=20)
        rows: list[CheckIn] = []
        for occurrence in due:
            plan, action = plan_of[occurrence.key_action_id], action_of[occurrence.key_action_id]
            day = (occurrence.local_date - self.first_day).days
            # The once action was done: it is the story's turning point.
            result = CheckInResult.DONE if plan.rrule is None else self.result(day)
            if result is None or (occurrence.due_at > recent and self.random.random() < 0.5):
                continue  # missed, or still waiting on today's list
            checked_in_at = min(occurrence.due_at + timedelta(minutes=self.random.randint(5, 600)), self.now)
            review = reviews.get(occurrence.week_start)
            # Some check-ins are made in the weekly review, after the fact.
            if review is None or review.submitted_at < occurrence.due_at or self.random.random() >= 0.2:
                review = None
            else:
                checked_in_at = review.submitted_at
            measure = None
            if plan.measure_target and result in (CheckInResult.DONE, CheckInResult.PARTLY):
                trend = plan.measure_target * min(1.1, 0.1 + day / self.history_days)
                measure = max(0.0, round((trend + self.random.uniform(-0.8, 0.8)) * 2) / 2)
            note = self.random.choice(NOTES[result]) if self.random.random() < 0.25 else None
            rows.append(
                CheckIn(
                    **self.owned(
                        key_action_id=occurrence.key_action_id,
                        occurrence_id=occurrence.id,
                        result=result,
                        note=note,
                        measure_value=measure,
                        checked_in_at=checked_in_at,
                        weekly_review_id=review.id if review else None,
                        created_at=checked_in_at,
                    )
                )
            )
            if action.schedule_kind is ScheduleKind.ONCE and result is CheckInResult.DONE:
                self.status_change(action, ActionStatus.DONE, checked_in_at, "Sent it; waiting to hear back")
        self.session.add_all(rows)
        self.counts.check_ins += len(rows)

    async def pause(self, plans: list[ActionPlan], actions: list[KeyAction]) -> None:
        for plan, action in zip(plans, actions, strict=True):
            if plan.paused:
                day, reason = plan.paused
                self.status_change(action, ActionStatus.PAUSED, self.at(day, 20), reason)


def action_plans(extra_actions: int = 0) -> list[ActionPlan]:
    """The demo's six key actions, plus `extra_actions` more (for the benchmarks' heavier participant)."""
    extras = [EXTRA_ACTIONS[index % len(EXTRA_ACTIONS)] for index in range(extra_actions)]
    return [*KEY_ACTIONS, *extras]


async def seed_history(
    context: RequestContext,
    participant: Participant,
    *,
    extra_actions: int = 0,
    seed: int = SEED,
    years: int = 1,
) -> DemoCounts:
    """`years` of history (one by default) for an existing participant, ending at the context's `now`. A
    longer history keeps the same story and key actions, begun that much earlier (the benchmarks' long-time
    participant)."""
    session = context.session
    story = _Story(context, participant, seed, years)
    reflection = await story.reflection()
    barriers = await story.barriers(reflection)
    plans = action_plans(extra_actions)
    actions = await story.key_actions(plans, barriers)
    reviews = await story.weekly_reviews()
    await story.check_ins(plans, actions, reviews)
    await story.pause(plans, actions)
    await session.flush()
    story.counts.occurrences = len(
        (
            await session.scalars(select(Occurrence.id).where(Occurrence.participant_id == participant.id))
        ).all()
    )
    return story.counts
