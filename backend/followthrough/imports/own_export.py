"""The app's own JSON export (`export`, format version 1), read into an import plan.

Everything a person made is taken: reflections, barriers and key actions with their status histories,
check-ins with their occurrences, weekly reviews, and the weekly review, quiet hours and nudge settings. Not
taken: the time zone, name and email (the account's own), API tokens and channels (their secrets were never
exported), sessions, partnerships, deliveries and the rest of `otherTables`, which belong to a place and time.

Ids are the export's, used only to join rows inside the file; what is stored gets new ids, since the old
account may live on. Times (created, changed, checked in) are kept as the file says.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from uuid import UUID

from followthrough.actions import (
    FIRST_YEAR,
    LAST_YEAR,
    Schedule,
    ScheduleError,
    validate_schedule,
)
from followthrough.barriers import require_key_holder
from followthrough.enums import ImportSource, ScheduleKind
from followthrough.errors import InvalidInput
from followthrough.imports import schemas
from followthrough.imports.plan import (
    ImportFileError,
    ImportPlan,
    PlannedAction,
    PlannedBarrier,
    PlannedCheckIn,
    PlannedReflection,
    PlannedReview,
    Preferences,
    Stamps,
    StatusStep,
)
from followthrough.schemas import EXPORT_FORMAT_VERSION, require_quiet_hours
from followthrough.text import stripped_or_none

_EARLIEST = datetime(FIRST_YEAR, 1, 1, tzinfo=UTC)
_LATEST = datetime(LAST_YEAR, 12, 31, tzinfo=UTC)
_REFLECTION_ANSWERS = ("industry", "organization", "personal", "organization_free", "personal_free", "doing")


def read_account_export(document: schemas.AccountDocument, today: date) -> ImportPlan:
    """The plan for an export; `today` is the participant's local date (nothing may be checked in later)."""
    if document.format_version != EXPORT_FORMAT_VERSION:
        raise ImportFileError(
            "formatVersion",
            f"is {document.format_version}; this server reads version {EXPORT_FORMAT_VERSION}",
        )
    plan = ImportPlan(source=ImportSource.FOLLOWTHROUGH, preferences=_preferences(document.participant))
    reflections = _unique_ids("reflections", document.reflections)
    barriers = _unique_ids("barriers", document.barriers)
    _unique_ids("keyActions", document.key_actions)
    reviews = _unique_ids("weeklyReviews", document.weekly_reviews)
    for index, reflection in enumerate(document.reflections):
        where = f"reflections[{index}]"
        _check_day(f"{where}.reflectedOn", reflection.reflected_on)
        plan.reflections.append(
            PlannedReflection(
                key=f"reflection:{reflection.id}",
                reflected_on=reflection.reflected_on,
                answers={name: stripped_or_none(getattr(reflection, name)) for name in _REFLECTION_ANSWERS},
                stamps=_stamps(where, reflection),
            )
        )
    for index, barrier in enumerate(document.barriers):
        plan.barriers.append(_barrier(f"barriers[{index}]", barrier, reflections))
    weeks: dict[date, int] = {}
    for index, review in enumerate(document.weekly_reviews):
        where = f"weeklyReviews[{index}]"
        _check_day(f"{where}.weekStart", review.week_start)
        if review.week_start.weekday() != 0:
            raise ImportFileError(f"{where}.weekStart", "must be a Monday")
        if review.week_start in weeks:
            raise ImportFileError(
                f"{where}.weekStart", f"is also the week of weeklyReviews[{weeks[review.week_start]}]"
            )
        weeks[review.week_start] = index
        plan.reviews.append(
            PlannedReview(
                key=f"week:{review.week_start}",
                week_start=review.week_start,
                moved=stripped_or_none(review.moved),
                in_the_way=stripped_or_none(review.in_the_way),
                next_step=stripped_or_none(review.next_step),
                confidence=review.confidence,
                submitted_at=_instant(f"{where}.submittedAt", review.submitted_at),
                stamps=_stamps(where, review),
            )
        )
    by_id: dict[UUID, PlannedAction] = {}
    for index, action in enumerate(document.key_actions):
        by_id[action.id] = _action(f"keyActions[{index}]", action, barriers)
        plan.actions.append(by_id[action.id])
    taken: dict[tuple[UUID, datetime], int] = {}
    review_weeks = {review.id: review.week_start for review in document.weekly_reviews}
    for index, check_in in enumerate(document.check_ins):
        where = f"checkIns[{index}]"
        planned = by_id.get(check_in.key_action_id)
        if planned is None:
            raise ImportFileError(f"{where}.keyActionId", "names no key action in this file")
        occurrence_at = _instant(f"{where}.occurrenceAt", check_in.occurrence_at)
        if (check_in.key_action_id, occurrence_at) in taken:
            raise ImportFileError(
                f"{where}.occurrenceAt",
                f"already has a check-in: checkIns[{taken[(check_in.key_action_id, occurrence_at)]}]",
            )
        taken[(check_in.key_action_id, occurrence_at)] = index
        _check_day(f"{where}.localDate", check_in.local_date)
        if abs(check_in.local_date - occurrence_at.date()) > timedelta(days=1):
            raise ImportFileError(f"{where}.localDate", "is not the date of occurrenceAt in any time zone")
        if check_in.local_date > today + timedelta(days=1):
            raise ImportFileError(
                f"{where}.localDate", "is a later day than today: nothing is checked in ahead"
            )
        if check_in.measure_value is not None and planned.measure_unit is None:
            raise ImportFileError(f"{where}.measureValue", "its key action has no measure")
        if check_in.weekly_review_id is not None and check_in.weekly_review_id not in reviews:
            raise ImportFileError(f"{where}.weeklyReviewId", "names no weekly review in this file")
        planned.check_ins.append(
            PlannedCheckIn(
                local_date=check_in.local_date,
                due_at=occurrence_at,
                result=check_in.result,
                note=check_in.note,
                measure_value=check_in.measure_value,
                checked_in_at=_optional_instant(f"{where}.checkedInAt", check_in.checked_in_at),
                review_key=None
                if check_in.weekly_review_id is None
                else f"week:{review_weeks[check_in.weekly_review_id]}",
                stamps=_stamps(where, check_in),
            )
        )
    return plan


def _wall_time(value: str | None) -> time | None:
    return None if value is None else time.fromisoformat(value)  # the schema's pattern admits only times


def _preferences(participant: schemas.ExportParticipant) -> Preferences:
    quiet_start = _wall_time(participant.quiet_hours_start)
    quiet_end = _wall_time(participant.quiet_hours_end)
    try:
        require_quiet_hours(quiet_start, quiet_end)
    except InvalidInput as error:
        raise ImportFileError(f"participant.{error.field}", error.message) from None
    return Preferences(
        review_weekday=participant.review_weekday,
        review_time=_wall_time(participant.review_time),
        quiet_hours_start=quiet_start,
        quiet_hours_end=quiet_end,
        nudge_enabled=participant.nudge_enabled,
    )


def _barrier(where: str, barrier: schemas.ExportBarrier, reflections: set[UUID]) -> PlannedBarrier:
    name = stripped_or_none(barrier.key_holder_name)
    _key_holder(where, barrier.key_holder, name)
    if barrier.reflection_id is not None and barrier.reflection_id not in reflections:
        raise ImportFileError(f"{where}.reflectionId", "names no reflection in this file")
    return PlannedBarrier(
        key=f"barrier:{barrier.id}",
        title=barrier.title.strip(),
        detail=stripped_or_none(barrier.detail),
        level=barrier.level,
        key_holder=barrier.key_holder,
        key_holder_name=name,
        status=barrier.status,
        status_changed_at=_optional_instant(f"{where}.statusChangedAt", barrier.status_changed_at),
        resolved_at=_optional_instant(f"{where}.resolvedAt", barrier.resolved_at),
        reflection_key=None if barrier.reflection_id is None else f"reflection:{barrier.reflection_id}",
        history=_history(f"{where}.statusChanges", barrier.status_changes),
        stamps=_stamps(where, barrier),
    )


def _action(where: str, action: schemas.ExportKeyAction, barriers: set[UUID]) -> PlannedAction:
    name = stripped_or_none(action.key_holder_name)
    _key_holder(where, action.key_holder, name)
    rrule = action.rrule.strip() if action.rrule is not None else None
    schedule = Schedule(kind=action.schedule_kind.value, starts_at=action.starts_at, rrule=rrule)
    try:
        validate_schedule(schedule)
    except ScheduleError as error:
        field = "rrule" if error.field == "rrule" else "startsAt"
        raise ImportFileError(f"{where}.{field}", error.message.removeprefix(f"{error.field}: ")) from error
    if len(set(action.reminder_offsets)) != len(action.reminder_offsets):
        raise ImportFileError(f"{where}.reminderOffsets", "lists the same offset twice")
    if action.measure_target is not None and action.measure_unit is None:
        raise ImportFileError(f"{where}.measureTarget", "a target needs a measureUnit")
    if action.barrier_id is not None and action.barrier_id not in barriers:
        raise ImportFileError(f"{where}.barrierId", "names no barrier in this file")
    return PlannedAction(
        key=f"key_action:{action.id}",
        title=action.title.strip(),
        cue=stripped_or_none(action.cue),
        key_holder=action.key_holder,
        key_holder_name=name,
        own_part=stripped_or_none(action.own_part),
        schedule_kind=ScheduleKind(schedule.kind),
        starts_at=schedule.starts_at,
        rrule=rrule if schedule.kind == "recurring" else None,
        reminder_offsets=sorted(action.reminder_offsets),
        status=action.status,
        status_reason=stripped_or_none(action.status_reason),
        status_changed_at=_optional_instant(f"{where}.statusChangedAt", action.status_changed_at),
        visibility=action.visibility,
        measure_unit=None if action.measure_unit is None else action.measure_unit.strip(),
        measure_target=action.measure_target,
        barrier_key=None if action.barrier_id is None else f"barrier:{action.barrier_id}",
        history=_history(f"{where}.statusChanges", action.status_changes),
        check_ins=[],
        stamps=_stamps(where, action),
    )


def _history(
    where: str, changes: Iterable[schemas.ExportBarrierChange | schemas.ExportActionChange]
) -> list[StatusStep]:
    return [
        StatusStep(
            from_status=change.from_status,
            to_status=change.to_status,
            reason=stripped_or_none(change.reason),
            changed_at=_instant(f"{where}[{index}].changedAt", change.changed_at),
            stamps=_stamps(f"{where}[{index}]", change),
        )
        for index, change in enumerate(changes)
    ]


def _key_holder(where: str, key_holder: object, name: str | None) -> None:
    try:
        require_key_holder(key_holder, name)  # type: ignore[arg-type]
    except InvalidInput as error:
        raise ImportFileError(f"{where}.{error.field}", error.message) from None


def _unique_ids(section: str, rows: Iterable[schemas.ExportRow]) -> set[UUID]:
    seen: dict[UUID, int] = {}
    for index, row in enumerate(rows):
        row_id: UUID = row.id  # type: ignore[attr-defined]
        if row_id in seen:
            raise ImportFileError(f"{section}[{index}].id", f"is also the id of {section}[{seen[row_id]}]")
        seen[row_id] = index
    return set(seen)


def _stamps(where: str, row: schemas.ExportRow) -> Stamps:
    return Stamps(
        created_at=_optional_instant(f"{where}.createdAt", row.created_at),
        updated_at=_optional_instant(f"{where}.updatedAt", row.updated_at),
    )


def _instant(where: str, value: datetime) -> datetime:
    value = value.astimezone(UTC)
    if not _EARLIEST <= value <= _LATEST:
        raise ImportFileError(where, f"must be between {FIRST_YEAR} and {LAST_YEAR}")
    return value


def _optional_instant(where: str, value: datetime | None) -> datetime | None:
    return None if value is None else _instant(where, value)


def _check_day(where: str, value: date) -> None:
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ImportFileError(where, f"must be between {FIRST_YEAR} and {LAST_YEAR}")
