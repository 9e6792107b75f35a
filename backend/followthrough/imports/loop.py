"""Loop Habit Tracker's CSV export, read into an import plan.

Loop writes `Habits.csv` (one row per habit) and a folder per habit, `NNN Name/`, whose `Checkmarks.csv`
holds one row per day it knows something about. Its versions differ, and all are read:
- Habits.csv columns, in any order: Position, Name, Question, Description, and the frequency as
  NumRepetitions/Interval (before 2025) or FrequencyNumerator/FrequencyDenominator; optionally Type
  (YES_NO, NUMERICAL), Color, Unit, Target Type (AT_LEAST, AT_MOST), Target Value and Archived?.
- Checkmarks.csv: `Date,Value` or `Date,Value,Notes` with a header (2025), or without one (older). Values
  are words (YES_MANUAL, YES_AUTO, NO, UNKNOWN, SKIP) or Loop's numbers for them (2, 1, 0, -1, 3); a
  numerical habit's values are thousandths of its unit.

What each value becomes (a check-in on that day's occurrence, or nothing):
- YES_MANUAL: done. SKIP: skipped.
- NO: not done. Loop writes it only for a day the person marked so; it leaves out days it knows nothing of.
- YES_AUTO: nothing. Loop fills it in on days the habit's frequency excused, not something the person did.
- UNKNOWN: nothing.
- A numerical habit's number: its value in the key action's measure, and done, partly or not done against
  a daily target (see `_numeric_result`).

The schedule comes from the frequency, as an RRULE read in the participant's zone, due at DAY_TIME
(see `schedule_rule`). An archived habit becomes a paused key action: Loop's archive can be undone and says
nothing about whether the habit was achieved. Each habit's history is the days Loop recorded, and no more:
the days between them are not filled in as missed. A habit's question and description are not imported: the
question reads wrongly as a cue ("When Did you meditate?, I will …"), and a key action has no description.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time

from followthrough.actions import FIRST_YEAR
from followthrough.enums import ActionStatus, CheckInResult, ImportSource, KeyHolder, ScheduleKind, Visibility
from followthrough.imports.plan import ImportFileError, ImportPlan, PlannedAction, PlannedCheckIn, StatusStep
from followthrough.text import stripped_or_none

MAX_PATH = 300
"""Of a file's path inside the export zip."""

HABITS_FILE = "Habits.csv"
CHECKMARKS_FILE = "Checkmarks.csv"
DAY_TIME = time(20, 0)
"""When an imported habit is due each day: Loop tracks days, not times, and the evening is when a day's
habit is looked back on. The person can move it like any schedule."""
MAX_HABITS = 500
MAX_CHECK_INS = 100_000
"""Thirty years of ten daily habits; beyond this a file is not a real export."""
MAX_CELL = 4000
MAX_ROWS = MAX_CHECK_INS
ARCHIVED_REASON = "Archived in Loop Habit Tracker"
DEFAULT_UNIT = "count"
TITLE_LENGTH, UNIT_LENGTH = 200, 40

YES_MANUAL, YES_AUTO, NO, UNKNOWN, SKIP = 2, 1, 0, -1, 3
WORDS = {"YES_MANUAL": YES_MANUAL, "YES_AUTO": YES_AUTO, "NO": NO, "UNKNOWN": UNKNOWN, "SKIP": SKIP}
_RESULTS = {YES_MANUAL: CheckInResult.DONE, NO: CheckInResult.NOT_DONE, SKIP: CheckInResult.SKIPPED}
_HABIT_FOLDER = re.compile(r"^(?P<position>[0-9]{1,6}) ?[^/]*$")
_COLUMNS = {
    "position": ("Position",),
    "name": ("Name",),
    "type": ("Type",),
    "numerator": ("FrequencyNumerator", "NumRepetitions"),
    "denominator": ("FrequencyDenominator", "Interval"),
    "unit": ("Unit",),
    "target_type": ("Target Type",),
    "target_value": ("Target Value",),
    "archived": ("Archived?", "Archived"),
}
_REQUIRED = ("position", "name", "numerator", "denominator")
# Weekdays spread over the week for "n times a week", Monday first.
_WEEK_SPREAD = {2: "MO,TH", 3: "MO,WE,FR", 4: "MO,TU,TH,FR", 5: "MO,TU,WE,TH,FR", 6: "MO,TU,WE,TH,FR,SA"}


@dataclass(slots=True)
class _Habit:
    line: int
    position: int
    name: str
    numerator: int
    denominator: int
    numerical: bool
    unit: str
    at_most: bool
    target: float | None
    archived: bool


def read_loop_export(files: Mapping[str, str], today: date) -> ImportPlan:
    """The plan for a Loop export given as {path: text}; `today` is the participant's local date."""
    for path in files:
        if not path or len(path) > MAX_PATH:
            raise ImportFileError("files", f"each file's path in the zip must be 1 to {MAX_PATH} characters")
    base = _base_folder(files)
    habits = _read_habits(base + HABITS_FILE, files[base + HABITS_FILE])
    by_position = {habit.position: habit for habit in habits}
    entries: dict[int, list[PlannedCheckIn]] = {}
    total = 0
    for path in sorted(files):
        folder, _, name = path.removeprefix(base).rpartition("/")
        if not path.startswith(base) or name != CHECKMARKS_FILE or "/" in folder or not folder:
            continue  # Scores.csv, the all-habits Checkmarks.csv, anything else Loop or the person added
        found = _HABIT_FOLDER.match(folder)
        habit = by_position.get(int(found["position"])) if found else None
        if habit is None:
            raise ImportFileError(
                path, f"no habit in {HABITS_FILE} has the position of the folder {folder!r}"
            )
        entries[habit.position] = _read_checkmarks(path, files[path], habit, today)
        total += len(entries[habit.position])
        if total > MAX_CHECK_INS:
            raise ImportFileError(path, f"the export holds more than {MAX_CHECK_INS} check-ins")
    plan = ImportPlan(source=ImportSource.LOOP)
    keys: dict[str, int] = {}
    for habit in habits:
        key = f"habit:{habit.name}"
        keys[key] = keys.get(key, 0) + 1
        if keys[key] > 1:  # Loop allows two habits of one name; the later ones are told apart by their rank
            key = f"{key}#{keys[key]}"
        plan.actions.append(_action(habit, key, entries.get(habit.position, []), today))
    return plan


def _base_folder(files: Mapping[str, str]) -> str:
    found = sorted(path for path in files if path == HABITS_FILE or path.endswith("/" + HABITS_FILE))
    if not found:
        raise ImportFileError(HABITS_FILE, "missing: a Loop export holds Habits.csv and a folder per habit")
    if len(found) > 1:
        raise ImportFileError(found[1], f"a second {HABITS_FILE}; import one Loop export at a time")
    return found[0].removesuffix(HABITS_FILE)


def _rows(path: str, text: str) -> list[tuple[int, list[str]]]:
    """The CSV rows with their line numbers; a NUL, an overlong cell or broken quoting names its line."""
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise ImportFileError(f"{path}:{line}", "holds a NUL character: this is not a text file")
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""), strict=True)
    rows: list[tuple[int, list[str]]] = []
    start = 1
    try:
        for row in reader:
            if any(len(cell) > MAX_CELL for cell in row):
                raise ImportFileError(f"{path}:{start}", f"a cell is longer than {MAX_CELL} characters")
            if row:
                rows.append((start, row))
            if len(rows) > MAX_ROWS:
                raise ImportFileError(
                    f"{path}:{start}", f"more than {MAX_ROWS} rows: this is not a Loop export"
                )
            start = reader.line_num + 1
    except csv.Error as error:
        raise ImportFileError(f"{path}:{start}", f"is not valid CSV: {error}") from error
    return rows


def _read_habits(path: str, text: str) -> list[_Habit]:
    rows = _rows(path, text)
    if not rows:
        raise ImportFileError(f"{path}:1", "is empty; it should start with Loop's header row")
    header = [cell.strip() for cell in rows[0][1]]
    columns: dict[str, int] = {}
    for name, spellings in _COLUMNS.items():
        for spelling in spellings:
            if spelling in header:
                columns[name] = header.index(spelling)
                break
    missing = [_COLUMNS[name][0] for name in _REQUIRED if name not in columns]
    if missing:
        raise ImportFileError(
            f"{path}:1", f"the header lacks {', '.join(missing)}: is this Loop's Habits.csv?"
        )
    if len(rows) - 1 > MAX_HABITS:
        raise ImportFileError(f"{path}:{rows[MAX_HABITS + 1][0]}", f"more than {MAX_HABITS} habits")
    habits: list[_Habit] = []
    positions: dict[int, int] = {}
    for line, row in rows[1:]:
        habit = _habit(path, line, row, columns)
        if habit.position in positions:
            raise ImportFileError(
                f"{path}:{line}:{columns['position'] + 1}",
                f"position {habit.position} is also on line {positions[habit.position]}",
            )
        positions[habit.position] = line
        habits.append(habit)
    return habits


def _habit(path: str, line: int, row: list[str], columns: dict[str, int]) -> _Habit:
    def cell(name: str) -> str:
        index = columns.get(name)
        return row[index].strip() if index is not None and index < len(row) else ""

    def where(name: str) -> str:
        return f"{path}:{line}:{columns[name] + 1}"

    def whole(name: str, low: int, high: int) -> int:
        value = cell(name)
        if not value.isascii() or not value.isdigit() or not low <= int(value) <= high:
            raise ImportFileError(where(name), f"{value!r} is not a whole number from {low} to {high}")
        return int(value)

    name = cell("name")
    if not name:
        raise ImportFileError(where("name"), "the habit has no name")
    numerical = cell("type").upper() == "NUMERICAL" if "type" in columns else bool(cell("unit"))
    target = None
    if numerical and cell("target_value"):
        try:
            target = float(cell("target_value"))
        except ValueError:
            raise ImportFileError(
                where("target_value"), f"{cell('target_value')!r} is not a number"
            ) from None
        if not 0 <= target <= 1e9:
            raise ImportFileError(where("target_value"), "must be between 0 and 1000000000")
    archived = cell("archived").lower()
    if archived not in ("", "true", "false"):
        raise ImportFileError(where("archived"), f"{cell('archived')!r} is neither true nor false")
    return _Habit(
        line=line,
        position=whole("position", 1, 999_999),
        name=name,
        numerator=whole("numerator", 1, 10_000),
        denominator=whole("denominator", 1, 10_000),
        numerical=numerical,
        unit=cell("unit"),
        at_most=cell("target_type").upper() == "AT_MOST",
        target=target or None,
        archived=archived == "true",
    )


def _read_checkmarks(path: str, text: str, habit: _Habit, today: date) -> list[PlannedCheckIn]:
    rows = _rows(path, text)
    if rows and rows[0][1][:1] == ["Date"]:
        rows = rows[1:]
    seen: dict[date, int] = {}
    check_ins: list[PlannedCheckIn] = []
    for line, row in rows:
        day = _day(f"{path}:{line}:1", row[0].strip(), today)
        if day in seen:
            raise ImportFileError(f"{path}:{line}:1", f"{day} is also on line {seen[day]}")
        seen[day] = line
        if len(row) < 2:
            raise ImportFileError(f"{path}:{line}:2", "the row has no value")
        value = _value(f"{path}:{line}:2", row[1].strip(), habit.numerical)
        note = stripped_or_none(row[2]) if len(row) > 2 else None
        planned = _check_in(habit, day, value, note)
        if planned is not None:
            check_ins.append(planned)
    return check_ins


def _day(where: str, text: str, today: date) -> date:
    try:
        day = date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        day = None
    if day is None:
        raise ImportFileError(where, f"{text!r} is not a date such as 2024-03-31")
    if not date(FIRST_YEAR, 1, 1) <= day <= today:
        raise ImportFileError(where, f"{day} is not between {FIRST_YEAR}-01-01 and today ({today})")
    return day


def _value(where: str, text: str, numerical: bool) -> int:
    if text in WORDS:
        return WORDS[text]
    try:
        value = int(text)
    except ValueError:
        raise ImportFileError(where, f"{text!r} is not a value Loop writes ({', '.join(WORDS)})") from None
    if not numerical and value not in WORDS.values():
        raise ImportFileError(where, f"{value} is not a value Loop writes for a yes-or-no habit")
    if not -1 <= value <= 1_000_000_000_000:
        raise ImportFileError(where, f"{value} is out of range")
    return value


def _check_in(habit: _Habit, day: date, value: int, note: str | None) -> PlannedCheckIn | None:
    if value == UNKNOWN or (value == YES_AUTO and not habit.numerical):
        return None
    if habit.numerical:
        if value == SKIP:  # Loop's skip on a numerical habit too, though it reads as 0.003
            return _planned(day, CheckInResult.SKIPPED, note, None)
        amount = value / 1000
        return _planned(day, _numeric_result(habit, amount), note, amount)
    return _planned(day, _RESULTS[value], note, None)


def _planned(day: date, result: CheckInResult, note: str | None, amount: float | None) -> PlannedCheckIn:
    return PlannedCheckIn(
        local_date=day, due_at=None, result=result, note=note, measure_value=amount, checked_in_at=None
    )


def _numeric_result(habit: _Habit, amount: float) -> CheckInResult:
    """Against the day's share of Loop's target: at least that is done, some is partly, none is not done; for
    an "at most" habit, within it is done. Without a target, any amount is done."""
    if habit.target is None:
        return CheckInResult.DONE if amount > 0 else CheckInResult.NOT_DONE
    daily = habit.target / habit.denominator
    if habit.at_most:
        return CheckInResult.DONE if amount <= daily else CheckInResult.NOT_DONE
    if amount >= daily:
        return CheckInResult.DONE
    return CheckInResult.PARTLY if amount > 0 else CheckInResult.NOT_DONE


def schedule_rule(numerator: int, denominator: int) -> str:
    """Loop's "numerator times in denominator days" as an RRULE, due on fixed days:
    - once a day or more often: daily;
    - n times a week (n/7): weekly on n weekdays spread over the week (1: the weekday of the start;
      3: Monday, Wednesday, Friday);
    - n times a month (n/30 or n/31): monthly, on n days spread from the 1st (1: the start's day);
    - once a year (1/365 or 1/366): yearly;
    - anything else: every whole number of days nearest to denominator/numerator (2 in 3 days: every 2 days).
    Loop lets the days float within the period; a schedule here is due on fixed days, which the person can
    change afterwards."""
    if numerator >= denominator:
        return "FREQ=DAILY"
    if denominator == 7:
        return "FREQ=WEEKLY" if numerator == 1 else f"FREQ=WEEKLY;BYDAY={_WEEK_SPREAD[numerator]}"
    if denominator in (30, 31):
        if numerator == 1:
            return "FREQ=MONTHLY"
        step = 28 // numerator
        return "FREQ=MONTHLY;BYMONTHDAY=" + ",".join(str(1 + index * step) for index in range(numerator))
    if denominator in (365, 366) and numerator == 1:
        return "FREQ=YEARLY"
    every = max(1, round(denominator / numerator))
    return "FREQ=DAILY" if every == 1 else f"FREQ=DAILY;INTERVAL={every}"


def _action(habit: _Habit, key: str, check_ins: list[PlannedCheckIn], today: date) -> PlannedAction:
    first = min((check_in.local_date for check_in in check_ins), default=today)
    status = ActionStatus.PAUSED if habit.archived else ActionStatus.ACTIVE
    history = [StatusStep(None, ActionStatus.ACTIVE, None, None)]
    if habit.archived:
        history.append(StatusStep(ActionStatus.ACTIVE, ActionStatus.PAUSED, ARCHIVED_REASON, None))
    unit = habit.unit or DEFAULT_UNIT
    return PlannedAction(
        key=key,
        title=_shorten(habit.name, TITLE_LENGTH),
        cue=None,
        key_holder=KeyHolder.ME,
        key_holder_name=None,
        own_part=None,
        schedule_kind=ScheduleKind.RECURRING,
        starts_at=datetime.combine(first, DAY_TIME),
        rrule=schedule_rule(habit.numerator, habit.denominator),
        reminder_offsets=[],
        status=status,
        status_reason=ARCHIVED_REASON if habit.archived else None,
        status_changed_at=None,
        visibility=Visibility.PRIVATE,
        measure_unit=_shorten(unit, UNIT_LENGTH) if habit.numerical else None,
        # Loop's target is per period; a measure's target is per week. "At most" has no equivalent.
        measure_target=_weekly_target(habit),
        barrier_key=None,
        history=history,
        check_ins=check_ins,
        day_time=DAY_TIME,
    )


def _weekly_target(habit: _Habit) -> float | None:
    if not habit.numerical or habit.at_most or habit.target is None:
        return None
    return round(habit.target * 7 / habit.denominator, 3) or None


def _shorten(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"
