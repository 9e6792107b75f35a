"""Guided reflections: the questions answered on one day, turned into barriers and key actions at once."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import UnaryExpression, select

from followthrough.actions import (
    KeyAction,
    KeyActionCreate,
    KeyActionService,
    key_action_out,
)
from followthrough.barriers import Barrier, BarrierService, barrier_out
from followthrough.context import ContextBound, RequestContext
from followthrough.errors import InvalidInput
from followthrough.identity import Participant
from followthrough.localtime import local_today
from followthrough.ownership import delete_owned, get_owned, page_of
from followthrough.reflections import schemas
from followthrough.reflections.models import Reflection
from followthrough.schemas import to_schema
from followthrough.text import stripped_or_none


def reflection_out(reflection: Reflection) -> schemas.ReflectionOut:
    return schemas.ReflectionOut(
        id=reflection.id,
        reflected_on=reflection.reflected_on,
        answers=to_schema(reflection, schemas.ReflectionAnswers),
        created_at=reflection.created_at,
        updated_at=reflection.updated_at,
    )


def questions_out() -> list[schemas.QuestionOut]:
    return [to_schema(question, schemas.QuestionOut) for question in schemas.QUESTIONS]


class ReflectionService(ContextBound):
    def __init__(
        self, context: RequestContext, barriers: BarrierService, key_actions: KeyActionService
    ) -> None:
        super().__init__(context)
        self.barriers = barriers
        self.key_actions = key_actions
        """Creates the key actions, keeping what a schedule change must keep (`actions.KeptOccurrences`)."""

    async def create(
        self, participant: Participant, data: schemas.ReflectionCreate
    ) -> schemas.ReflectionCreated:
        """Store the answers, the barriers and the key actions together. Any refused item refuses the
        request, and the transaction (committed only on success) stores none of it."""
        today = local_today(participant.time_zone, self.now)
        reflected_on = data.reflected_on or today
        if reflected_on > today:
            raise InvalidInput("reflectedOn", f"must not be after today ({today.isoformat()})")
        answers = {
            question.attribute: stripped_or_none(getattr(data.answers, question.attribute))
            for question in schemas.QUESTIONS
        }
        if not any(answers.values()) and not data.barriers and not data.key_actions:
            raise InvalidInput("answers", "answer at least one question")
        for index, item in enumerate(data.key_actions):
            if item.barrier_index is None:
                continue
            if item.barrier_index >= len(data.barriers):
                raise InvalidInput(f"keyActions[{index}].barrierIndex", "points past the end of barriers")
            if item.barrier_id is not None:
                raise InvalidInput(
                    f"keyActions[{index}].barrierIndex", "give barrierIndex or barrierId, not both"
                )

        reflection = Reflection(
            participant_id=participant.id,
            reflected_on=reflected_on,
            created_at=self.now,
            updated_at=self.now,
            **answers,
        )
        self.session.add(reflection)
        await self.session.flush()

        barrier_service = self.barriers
        barriers: list[Barrier] = []
        for index, barrier_data in enumerate(data.barriers):
            try:
                barriers.append(
                    await barrier_service.create(participant, barrier_data, reflection_id=reflection.id)
                )
            except InvalidInput as error:  # named by its path in the reflection request
                error.within(f"barriers[{index}]")
                raise

        action_service = self.key_actions
        actions: list[KeyAction] = []
        for index, item in enumerate(data.key_actions):
            fields = {name: getattr(item, name) for name in KeyActionCreate.__struct_fields__}
            if item.barrier_index is not None:
                fields["barrier_id"] = barriers[item.barrier_index].id
            try:
                actions.append(await action_service.create(participant, KeyActionCreate(**fields)))
            except InvalidInput as error:
                error.within(f"keyActions[{index}]")
                raise
        return schemas.ReflectionCreated(
            reflection=reflection_out(reflection),
            barriers=[barrier_out(barrier) for barrier in barriers],
            key_actions=[
                key_action_out(action, action_service.next_occurrence_at(participant, action))
                for action in actions
            ],
        )

    async def page(
        self, participant: Participant, limit: int = 50, offset: int = 0
    ) -> tuple[Sequence[Reflection], int]:
        """One page, newest first, and how many reflections there are."""
        owned = [Reflection.participant_id == participant.id]
        return await page_of(self.session, Reflection, owned, _newest_first(), limit, offset)

    async def get(self, participant: Participant, reflection_id: UUID) -> Reflection:
        return await get_owned(self.session, Reflection, participant.id, reflection_id, "reflection")

    async def delete(self, participant: Participant, reflection_id: UUID) -> None:
        """The barriers and key actions it produced stay; they no longer point to it."""
        await delete_owned(self.session, Reflection, participant.id, reflection_id, "reflection")

    async def side_by_side(self, participant: Participant, limit: int) -> schemas.SideBySide:
        """The answers of the latest `limit` reflections to each question, oldest first, so that a change
        of answer over the years reads along one row."""
        latest = (
            await self.session.scalars(
                select(Reflection)
                .where(Reflection.participant_id == participant.id)
                .order_by(*_newest_first())
                .limit(limit)
            )
        ).all()
        chronological = list(reversed(latest))
        return schemas.SideBySide(
            questions=[
                schemas.QuestionAnswers(
                    key=question.key,
                    number=question.number,
                    text=question.text,
                    answers=[
                        schemas.DatedAnswer(
                            reflection_id=reflection.id,
                            reflected_on=reflection.reflected_on,
                            answer=getattr(reflection, question.attribute),
                        )
                        for reflection in chronological
                    ],
                )
                for question in schemas.QUESTIONS
            ]
        )


def _newest_first() -> tuple[UnaryExpression[Any], ...]:
    return (Reflection.reflected_on.desc(), Reflection.created_at.desc(), Reflection.id.desc())
