"""Whether a queued reminder or weekly review is still wanted when the worker is about to send it.

Each rule is asked once per batch with all of its event's deliveries, and loads what it needs in one query.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from followthrough.actions import KeyAction, Occurrence
from followthrough.checkins import CheckIn, WeeklyReview
from followthrough.deliveries import CHECKED_IN, Delivery, StandardRule
from followthrough.enums import ActionStatus
from followthrough.identity import Participant
from followthrough.settings import Settings


class ReminderSkip(StrEnum):
    """Why a reminder or review is no longer sent (stored as the delivery's `last_error`)."""

    OCCURRENCE_GONE = "the occurrence is gone"
    CHECKED_IN = CHECKED_IN
    KEY_ACTION_PAUSED = "the key action is paused"
    KEY_ACTION_DONE = "the key action is done"
    KEY_ACTION_DROPPED = "the key action is dropped"
    NUDGE_OFF = "the end-of-day nudge was turned off"
    OFFSET_REMOVED = "the reminder time was removed"
    REVIEW_IN = "the weekly review is already in"


_NOT_ACTIVE = {
    ActionStatus.PAUSED: ReminderSkip.KEY_ACTION_PAUSED,
    ActionStatus.DONE: ReminderSkip.KEY_ACTION_DONE,
    ActionStatus.DROPPED: ReminderSkip.KEY_ACTION_DROPPED,
}


@dataclass(frozen=True, slots=True)
class _OccurrenceState:
    status: ActionStatus
    offsets: list[int]
    checked_in: bool
    nudge_enabled: bool


class ReminderRule(StandardRule):
    """`reminder.due` (planned, nudge or snoozed): not once the occurrence is answered or gone, its key
    action no longer active, the nudge turned off, or (a planned one) its reminder time removed."""

    async def skip_reasons(
        self, session: AsyncSession, deliveries: Sequence[Delivery], settings: Settings
    ) -> Mapping[UUID, StrEnum]:
        states = await _occurrence_states(session, {d.occurrence_id for d in deliveries if d.occurrence_id})
        reasons: dict[UUID, StrEnum] = {}
        for delivery in deliveries:
            if delivery.occurrence_id is None:
                continue
            reason = _reminder_skip(delivery, states.get(delivery.occurrence_id))
            if reason is not None:
                reasons[delivery.id] = reason
        return reasons


def _reminder_skip(delivery: Delivery, state: _OccurrenceState | None) -> ReminderSkip | None:
    if state is None:
        return ReminderSkip.OCCURRENCE_GONE
    if state.checked_in:
        return ReminderSkip.CHECKED_IN
    if state.status is not ActionStatus.ACTIVE:
        return _NOT_ACTIVE[state.status]
    payload = delivery.payload or {}
    if payload.get("nudge") and not state.nudge_enabled:
        return ReminderSkip.NUDGE_OFF
    planned = not payload.get("nudge") and ":snooze:" not in delivery.subject_key
    if planned and payload.get("minutesBefore") not in state.offsets:
        return ReminderSkip.OFFSET_REMOVED
    return None


async def _occurrence_states(
    session: AsyncSession, occurrence_ids: set[UUID]
) -> dict[UUID, _OccurrenceState]:
    if not occurrence_ids:
        return {}
    checked_in = exists().where(CheckIn.occurrence_id == Occurrence.id)
    rows = await session.execute(
        select(
            Occurrence.id, KeyAction.status, KeyAction.reminder_offsets, checked_in, Participant.nudge_enabled
        )
        .join(KeyAction, KeyAction.id == Occurrence.key_action_id)
        .join(Participant, Participant.id == Occurrence.participant_id)
        .where(Occurrence.id.in_(occurrence_ids))
    )
    return {
        occurrence_id: _OccurrenceState(status, list(offsets or []), bool(done), bool(nudges))
        for occurrence_id, status, offsets, done, nudges in rows
    }


class ReviewRule(StandardRule):
    """`review.weekly`: not once that week's review is in."""

    async def skip_reasons(
        self, session: AsyncSession, deliveries: Sequence[Delivery], settings: Settings
    ) -> Mapping[UUID, StrEnum]:
        people = {delivery.participant_id for delivery in deliveries}
        if not people:
            return {}
        rows = await session.execute(
            select(WeeklyReview.participant_id, WeeklyReview.week_start).where(
                WeeklyReview.participant_id.in_(people)
            )
        )
        submitted = {(person, day.isoformat()) for person, day in rows.tuples()}
        return {
            delivery.id: ReminderSkip.REVIEW_IN
            for delivery in deliveries
            if (delivery.participant_id, str((delivery.payload or {}).get("weekStart", ""))) in submitted
        }
