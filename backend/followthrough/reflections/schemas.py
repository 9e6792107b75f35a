from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated
from uuid import UUID

import msgspec

from followthrough.actions import KeyActionCreate, KeyActionOut
from followthrough.barriers import BarrierCreate, BarrierOut
from followthrough.enums import BarrierLevel
from followthrough.schemas import LongText, OutSchema, Schema

MAX_ITEMS = 20


@dataclass(frozen=True, slots=True)
class Question:
    attribute: str
    """The Reflection column (and snake_case answer field) that holds the answer."""
    key: str
    """The answer's name on the wire."""
    number: int
    text: str
    barrier_level: BarrierLevel | None = None
    """Answers to this question become barriers at this level."""


# The one place the guided questions are worded; the PWA and translators read them from the API.
QUESTIONS: tuple[Question, ...] = (
    Question(
        "industry", "industry", 1, "What is holding back your industry or field?", BarrierLevel.INDUSTRY
    ),
    Question(
        "organization",
        "organization",
        2,
        "What is holding back your organization?",
        BarrierLevel.ORGANIZATION,
    ),
    Question("personal", "personal", 3, "What is holding you back?", BarrierLevel.PERSONAL),
    Question("organization_free", "organizationFree", 4, "What is needed to set your organization free?"),
    Question("personal_free", "personalFree", 5, "What is needed to set you free?"),
    Question("doing", "doing", 6, "What are you doing about it?"),
)


class QuestionOut(OutSchema):
    key: str
    number: int
    text: str
    barrier_level: BarrierLevel | None
    """Answers to questions 1 to 3 become barriers at this level; null for the others."""


class ReflectionAnswers(Schema):
    """One answer per guided question; each may be left out."""

    industry: LongText | None = None
    organization: LongText | None = None
    personal: LongText | None = None
    organization_free: LongText | None = None
    personal_free: LongText | None = None
    doing: LongText | None = None


class ReflectionKeyAction(KeyActionCreate):
    barrier_index: Annotated[int, msgspec.Meta(ge=0, lt=MAX_ITEMS)] | None = None
    """Ties the key action to a barrier made by this same request: its position in `barriers`.
    Use it or `barrierId`, not both."""


class ReflectionCreate(Schema):
    reflected_on: date | None = None
    """The participant's local date of the reflection; today unless given, and never in the future."""
    answers: ReflectionAnswers = msgspec.field(default_factory=ReflectionAnswers)
    barriers: Annotated[list[BarrierCreate], msgspec.Meta(max_length=MAX_ITEMS)] = msgspec.field(
        default_factory=list
    )
    key_actions: Annotated[list[ReflectionKeyAction], msgspec.Meta(max_length=MAX_ITEMS)] = msgspec.field(
        default_factory=list
    )


class ReflectionOut(OutSchema):
    id: UUID
    reflected_on: date
    answers: ReflectionAnswers
    created_at: datetime
    updated_at: datetime


class ReflectionCreated(OutSchema):
    reflection: ReflectionOut
    barriers: list[BarrierOut]
    """In the order they were sent, each with `reflectionId` set."""
    key_actions: list[KeyActionOut]
    """In the order they were sent."""


class DatedAnswer(OutSchema):
    reflection_id: UUID
    reflected_on: date
    answer: str | None


class QuestionAnswers(OutSchema):
    key: str
    number: int
    text: str
    answers: list[DatedAnswer]
    """One per reflection, oldest first, null where the question was not answered, so columns line up."""


class SideBySide(OutSchema):
    questions: list[QuestionAnswers]
