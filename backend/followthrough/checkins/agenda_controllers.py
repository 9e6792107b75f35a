"""Today and a key action's occurrences, each with its check-in. The occurrences keep their address under
`/key-actions`: they are read about a key action, but shown with check-ins, so they are served from here."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

from litestar import Controller, get
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, QueryParameter

from followthrough.actions import OccurrenceService
from followthrough.checkins import schemas
from followthrough.checkins.agenda import AgendaService
from followthrough.context import RequestContext
from followthrough.identity import Participant
from followthrough.readcache import remembered_read

FromParam = Annotated[
    date | None,
    QueryParameter(
        name="from", description="First local date (inclusive), 1970 to 2200; Monday of this week"
    ),
]
ToParam = Annotated[
    date | None,
    QueryParameter(
        name="to",
        description="Last local date (inclusive), 1970 to 2200, at most 365 days after from; Sunday",
    ),
]
DateParam = Annotated[
    date | None,
    QueryParameter(
        name="date", description="A local date, 1970 to at most the horizon ahead; today unless given"
    ),
]


def provide_agenda_service(
    context: NamedDependency[RequestContext],
    occurrences: NamedDependency[OccurrenceService],
) -> AgendaService:
    return AgendaService(context, occurrences)


class OccurrenceController(Controller):
    path = "/key-actions"
    tags = ["key actions"]
    dependencies = {"agendas": Provide(provide_agenda_service, sync_to_thread=False)}

    @get("/{key_action_id:uuid}/occurrences", operation_id="listKeyActionOccurrences")
    async def list_occurrences(
        self,
        key_action_id: FromPath[UUID],
        participant: NamedDependency[Participant],
        agendas: NamedDependency[AgendaService],
        since: FromParam = None,
        until: ToParam = None,
    ) -> list[schemas.OccurrenceOut]:
        """Occurrences between two local dates (inclusive; this local week unless given), earliest first,
        each with its check-in if there is one."""
        return await agendas.occurrences_of(participant, key_action_id, since, until)


class TodayController(Controller):
    path = "/today"
    tags = ["key actions"]
    dependencies = {"agendas": Provide(provide_agenda_service, sync_to_thread=False)}

    @get("", operation_id="getToday", middleware=[remembered_read])
    async def get_today(
        self,
        participant: NamedDependency[Participant],
        agendas: NamedDependency[AgendaService],
        day: DateParam = None,
    ) -> schemas.Agenda:
        """Everything due on the participant's local today (or the given local date), earliest first,
        each with its check-in if there is one."""
        return await agendas.agenda(participant, day)
