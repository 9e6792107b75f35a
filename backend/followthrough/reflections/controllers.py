from __future__ import annotations

from typing import Annotated
from uuid import UUID

from litestar import Controller, delete, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody, Parameter
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from followthrough.actions import KeptOccurrences, KeyActionService, OccurrenceService
from followthrough.barriers import BarrierService
from followthrough.context import RequestContext
from followthrough.identity import Participant
from followthrough.reflections import schemas
from followthrough.reflections.services import ReflectionService, questions_out, reflection_out
from followthrough.schemas import LimitParam, OffsetParam, Page

CompareParam = Annotated[
    int, Parameter(ge=1, le=20, description="How many of the latest reflections to compare")
]


def provide_reflection_service(
    context: NamedDependency[RequestContext],
    occurrences: NamedDependency[OccurrenceService],
    kept_occurrences: NamedDependency[KeptOccurrences],
) -> ReflectionService:
    return ReflectionService(
        context, BarrierService(context), KeyActionService(context, occurrences, kept_occurrences)
    )


class ReflectionController(Controller):
    path = "/reflections"
    tags = ["reflections"]
    dependencies = {"reflections": Provide(provide_reflection_service, sync_to_thread=False)}

    @get("/questions", operation_id="listReflectionQuestions")
    async def list_questions(self) -> list[schemas.QuestionOut]:
        """The guided questions, worded once for every client and translation."""
        return questions_out()

    @post("", operation_id="createReflection", status_code=HTTP_201_CREATED)
    async def create_reflection(
        self,
        data: JSONBody[schemas.ReflectionCreate],
        participant: NamedDependency[Participant],
        reflections: NamedDependency[ReflectionService],
    ) -> schemas.ReflectionCreated:
        """Answer the guided questions and turn the answers into barriers and key actions, all or nothing:
        a refused item names its path (such as `barriers[1].title`) and nothing is stored."""
        return await reflections.create(participant, data)

    @get("", operation_id="listReflections")
    async def list_reflections(
        self,
        participant: NamedDependency[Participant],
        reflections: NamedDependency[ReflectionService],
        limit: LimitParam = 50,
        offset: OffsetParam = 0,
    ) -> Page[schemas.ReflectionOut]:
        """The participant's reflections, newest first."""
        items, total = await reflections.page(participant, limit=limit, offset=offset)
        return Page(items=[reflection_out(item) for item in items], total=total, limit=limit, offset=offset)

    @get("/side-by-side", operation_id="compareReflections")
    async def side_by_side(
        self,
        participant: NamedDependency[Participant],
        reflections: NamedDependency[ReflectionService],
        limit: CompareParam = 5,
    ) -> schemas.SideBySide:
        """Each question with its answers from the latest reflections, oldest first, to see whether the
        answers changed over the years."""
        return await reflections.side_by_side(participant, limit)

    @get("/{reflection_id:uuid}", operation_id="getReflection")
    async def get_reflection(
        self,
        reflection_id: FromPath[UUID],
        participant: NamedDependency[Participant],
        reflections: NamedDependency[ReflectionService],
    ) -> schemas.ReflectionOut:
        """One reflection."""
        return reflection_out(await reflections.get(participant, reflection_id))

    @delete("/{reflection_id:uuid}", operation_id="deleteReflection", status_code=HTTP_204_NO_CONTENT)
    async def delete_reflection(
        self,
        reflection_id: FromPath[UUID],
        participant: NamedDependency[Participant],
        reflections: NamedDependency[ReflectionService],
    ) -> None:
        """Delete a reflection. The barriers and key actions made from it stay, with `reflectionId` null."""
        await reflections.delete(participant, reflection_id)
