"""Today and the agenda: what is due on a local date, and a key action's occurrences, each with its check-in.

Read models of check-ins over the occurrences `actions` materialises: they are here, with the check-ins,
so that `actions` knows nothing of check-ins or reminders.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from sqlalchemy import select

from followthrough.actions import (
    MAX_LISTED,
    KeyAction,
    Occurrence,
    OccurrenceService,
    measure_out,
    start_of_local_day,
    too_many_listed,
)
from followthrough.checkins import schemas
from followthrough.checkins.models import CheckIn
from followthrough.checkins.ranges import EARLIEST_DATE, LATEST_DATE, checked_date, checked_span
from followthrough.checkins.services import check_in_out
from followthrough.context import ContextBound, RequestContext
from followthrough.deliveries import snoozed_until
from followthrough.enums import ActionStatus
from followthrough.errors import InvalidInput
from followthrough.identity import Participant
from followthrough.localtime import local_today, week_start_of
from followthrough.ownership import get_owned

MAX_RANGE_DAYS = 366


class AgendaService(ContextBound):
    def __init__(self, context: RequestContext, occurrences: OccurrenceService) -> None:
        super().__init__(context)
        self.occurrences = occurrences

    async def occurrences_of(
        self, participant: Participant, key_action_id: UUID, since: date | None, until: date | None
    ) -> list[schemas.OccurrenceOut]:
        """Occurrences between two local dates (inclusive), with their check-ins: the stored ones, then
        the ones the schedule will produce beyond what is stored yet; more than MAX_LISTED is a 422."""
        since, until = self._range(participant, since, until)
        action = await get_owned(self.session, KeyAction, participant.id, key_action_id, "key action")
        projected: list[schemas.OccurrenceOut] = []
        if action.status is ActionStatus.ACTIVE:
            await self.occurrences.ensure_for_participant(participant)
            projected = [
                schemas.OccurrenceOut(
                    key_action_id=action.id, due_at=item.due_at, local_date=item.local_date, check_in=None
                )
                for item in self.occurrences.projected(action, ZoneInfo(participant.time_zone), since, until)
            ]
        rows = await self.session.execute(
            select(Occurrence, CheckIn)
            .outerjoin(CheckIn, CheckIn.occurrence_id == Occurrence.id)
            .where(
                Occurrence.participant_id == participant.id,
                Occurrence.key_action_id == action.id,
                Occurrence.local_date >= since,
                Occurrence.local_date <= until,
            )
            .order_by(Occurrence.due_at)
            .limit(MAX_LISTED + 1)  # one more tells that there are too many, without reading them all
        )
        found = [
            schemas.OccurrenceOut(
                key_action_id=action.id,
                due_at=row.due_at,
                local_date=row.local_date,
                check_in=None if check_in is None else check_in_out(check_in, row),
            )
            for row, check_in in rows.tuples()
        ]
        stored = {item.due_at for item in found}
        found += [item for item in projected if item.due_at not in stored]
        if len(found) > MAX_LISTED:
            raise too_many_listed()
        return found

    def _range(self, participant: Participant, since: date | None, until: date | None) -> tuple[date, date]:
        """The dates asked for, or a week: this local week, or the week from or to the one date given."""
        checked_span(since, until, MAX_RANGE_DAYS)
        if since is None and until is None:
            since = week_start_of(local_today(participant.time_zone, self.now))
        if since is None:
            assert until is not None
            since = max(until - timedelta(days=6), EARLIEST_DATE)
        if until is None:
            until = min(since + timedelta(days=6), LATEST_DATE)
        return since, until

    async def agenda(
        self, participant: Participant, day: date | None, only: Collection[UUID] | None = None
    ) -> schemas.Agenda:
        """Everything due on one local date (today unless given), earliest first, with its check-in; with
        `only`, of those key actions alone (what a partner is shown). An open occurrence says until when its
        reminder was snoozed, if it was.
        Two queries whatever the history: the staleness check and the agenda itself."""
        today = local_today(participant.time_zone, self.now)
        day = checked_date(day, "date") or today
        horizon = self.settings.occurrence_horizon_days
        if day > today + timedelta(days=horizon):
            raise InvalidInput("date", f"may be at most {horizon} days ahead")
        end_of_day = start_of_local_day(day + timedelta(days=2), ZoneInfo(participant.time_zone))
        await self.occurrences.ensure_for_participant(participant, max(self.occurrences.until, end_of_day))
        query = (
            select(Occurrence, KeyAction, CheckIn, snoozed_until(Occurrence.id, Occurrence.participant_id))
            .join(KeyAction, KeyAction.id == Occurrence.key_action_id)
            .outerjoin(CheckIn, CheckIn.occurrence_id == Occurrence.id)
            .where(Occurrence.participant_id == participant.id, Occurrence.local_date == day)
            .order_by(Occurrence.due_at, Occurrence.id)
        )
        if only is not None:
            query = query.where(Occurrence.key_action_id.in_(only))
        rows = await self.session.execute(query)
        items = [
            schemas.AgendaItem(
                occurrence_id=occurrence.id,
                key_action=schemas.AgendaKeyAction(
                    id=action.id,
                    title=action.title,
                    cue=action.cue,
                    measure=measure_out(action),
                    visibility=action.visibility,
                ),
                due_at=occurrence.due_at,
                local_date=occurrence.local_date,
                check_in=None if check_in is None else check_in_out(check_in, occurrence),
                # A snoozed reminder still waits after a check-in (the worker skips it when it is due).
                snoozed_until=snoozed if check_in is None else None,
            )
            for occurrence, action, check_in, snoozed in rows.tuples()
        ]
        return schemas.Agenda(date=day, time_zone=participant.time_zone, items=items)
