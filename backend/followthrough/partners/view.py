"""What a partner sees of one participant: key actions marked `partners`, their occurrences, check-in results
and progress. Computed on each request from the participant's current choices, so a change of visibility or
scope takes effect at once.

The figures come from the participant's own computations (`ProgressService`, `AgendaService.agenda`),
restricted to the shared key actions, so the partner's numbers can never drift from the participant's.
Notes and barrier details appear only when the participant shares details with this partner.
"""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import select

from followthrough.actions import KeyAction, Occurrence, measure_out
from followthrough.barriers import Barrier
from followthrough.checkins import AgendaService, CheckIn, ProgressService
from followthrough.context import ContextBound, RequestContext
from followthrough.enums import Visibility
from followthrough.identity import Participant
from followthrough.partners import schemas
from followthrough.partners.models import Partnership
from followthrough.partners.services import person_out

RECENT_CHECK_INS = 20


def shared_check_in(check_in: CheckIn, occurrence: Occurrence, details: bool) -> schemas.SharedCheckIn:
    return schemas.SharedCheckIn(
        id=check_in.id,
        key_action_id=check_in.key_action_id,
        occurrence_at=occurrence.due_at,
        local_date=occurrence.local_date,
        result=check_in.result,
        measure_value=check_in.measure_value,
        note=check_in.note if details else None,
    )


class PartnerView(ContextBound):
    def __init__(self, context: RequestContext, progress: ProgressService, agenda: AgendaService) -> None:
        super().__init__(context)
        self.progress = progress
        self.agenda = agenda

    async def shared_actions(self, person: Participant) -> list[tuple[KeyAction, Barrier | None]]:
        rows = await self.session.execute(
            select(KeyAction, Barrier)
            .outerjoin(Barrier, Barrier.id == KeyAction.barrier_id)
            .where(KeyAction.participant_id == person.id, KeyAction.visibility == Visibility.PARTNERS)
            .order_by(KeyAction.created_at, KeyAction.id)
        )
        return list(rows.tuples())

    async def of(self, partnership: Partnership, person: Participant) -> schemas.SharedView:
        details = partnership.share_details
        actions = await self.shared_actions(person)
        ids = [action.id for action, _ in actions]
        progress = await self.progress.for_account(person, only=ids)
        agenda = await self.agenda.agenda(person, None, only=ids)
        titles = {action.id: action.title for action, _ in actions}
        today_items = [
            schemas.SharedOccurrence(
                key_action_id=item.key_action.id,
                title=item.key_action.title,
                due_at=item.due_at,
                local_date=item.local_date,
                check_in=None
                if item.check_in is None
                else schemas.SharedCheckIn(
                    id=item.check_in.id,
                    key_action_id=item.check_in.key_action_id,
                    occurrence_at=item.check_in.occurrence_at,
                    local_date=item.check_in.local_date,
                    result=item.check_in.result,
                    measure_value=item.check_in.measure_value,
                    note=item.check_in.note if details else None,
                ),
            )
            for item in agenda.items
            if item.key_action.id in titles
        ]
        return schemas.SharedView(
            person=person_out(person, partnership.show_email),
            today=progress.today,
            time_zone=person.time_zone,
            today_items=today_items,
            this_week=progress.weeks[-1],
            streak=progress.streak,
            weeks=progress.weeks,
            measures=progress.measures,
            key_actions=[
                schemas.SharedKeyAction(
                    id=action.id,
                    title=action.title,
                    cue=action.cue,
                    status=action.status,
                    measure=measure_out(action),
                    barrier=None
                    if barrier is None or not details
                    else schemas.SharedBarrier(
                        title=barrier.title, status=barrier.status, detail=barrier.detail
                    ),
                )
                for action, barrier in actions
            ],
            recent_check_ins=await self.recent_check_ins(person, ids, details),
        )

    async def recent_check_ins(
        self, person: Participant, ids: list[UUID], details: bool
    ) -> list[schemas.SharedCheckIn]:
        rows = await self.session.execute(
            select(CheckIn, Occurrence)
            .join(Occurrence, Occurrence.id == CheckIn.occurrence_id)
            .where(CheckIn.participant_id == person.id, CheckIn.key_action_id.in_(ids))
            .order_by(Occurrence.due_at.desc(), CheckIn.id.desc())
            .limit(RECENT_CHECK_INS)
        )
        return [shared_check_in(check_in, occurrence, details) for check_in, occurrence in rows.tuples()]
