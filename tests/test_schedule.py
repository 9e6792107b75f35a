"""Schedules: what is accepted, and the occurrences derived from it across zones and clock changes."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr

from followthrough.actions import schedule as schedule_module
from followthrough.actions.schedule import (
    MAX_RRULE_LENGTH,
    Schedule,
    ScheduleError,
    is_occurrence,
    next_occurrence_after,
    occurrences_between,
    validate_schedule,
)
from followthrough.localtime import week_start_of

NEW_YORK = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")
KOLKATA = ZoneInfo("Asia/Kolkata")
CHATHAM = ZoneInfo("Pacific/Chatham")
LORD_HOWE = ZoneInfo("Australia/Lord_Howe")
UTC_ZONE = ZoneInfo("UTC")

# Monday 5 January 2026, 08:00 local: the first occurrence of a weekly Monday action.
MONDAYS_AT_EIGHT = Schedule("recurring", datetime(2026, 1, 5, 8, 0), "FREQ=WEEKLY;BYDAY=MO")


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def recurring(rrule: str, starts_at: datetime = datetime(2026, 1, 5, 8, 0)) -> Schedule:
    return Schedule("recurring", starts_at, rrule)


def due_ats(
    schedule: Schedule, zone: ZoneInfo, window_start: datetime, window_end: datetime
) -> list[datetime]:
    return [occurrence.due_at for occurrence in occurrences_between(schedule, zone, window_start, window_end)]


def rejection(schedule: Schedule) -> ScheduleError:
    with pytest.raises(ScheduleError) as raised:
        validate_schedule(schedule)
    return raised.value


# The Monday before a clock change, and the UTC instants of 08:00 local on it and on the Monday after.
CLOCK_CHANGES = [
    ("new_york-spring-2026", NEW_YORK, date(2026, 3, 2), utc(2026, 3, 2, 13), utc(2026, 3, 9, 12)),
    ("new_york-fall-2026", NEW_YORK, date(2026, 10, 26), utc(2026, 10, 26, 12), utc(2026, 11, 2, 13)),
    ("new_york-spring-2027", NEW_YORK, date(2027, 3, 8), utc(2027, 3, 8, 13), utc(2027, 3, 15, 12)),
    ("new_york-fall-2027", NEW_YORK, date(2027, 11, 1), utc(2027, 11, 1, 12), utc(2027, 11, 8, 13)),
    ("london-spring-2026", LONDON, date(2026, 3, 23), utc(2026, 3, 23, 8), utc(2026, 3, 30, 7)),
    ("london-autumn-2026", LONDON, date(2026, 10, 19), utc(2026, 10, 19, 7), utc(2026, 10, 26, 8)),
    ("london-spring-2027", LONDON, date(2027, 3, 22), utc(2027, 3, 22, 8), utc(2027, 3, 29, 7)),
    ("london-autumn-2027", LONDON, date(2027, 10, 25), utc(2027, 10, 25, 7), utc(2027, 11, 1, 8)),
    # Kolkata keeps +05:30 all year: the weeks of New York's changes move nothing there.
    ("kolkata-march-2026", KOLKATA, date(2026, 3, 2), utc(2026, 3, 2, 2, 30), utc(2026, 3, 9, 2, 30)),
    ("kolkata-nov-2026", KOLKATA, date(2026, 10, 26), utc(2026, 10, 26, 2, 30), utc(2026, 11, 2, 2, 30)),
    # Chatham: +13:45 in summer, +12:45 in winter, so 08:00 on Monday is Sunday evening in UTC.
    ("chatham-apr-2026", CHATHAM, date(2026, 3, 30), utc(2026, 3, 29, 18, 15), utc(2026, 4, 5, 19, 15)),
    ("chatham-sep-2026", CHATHAM, date(2026, 9, 21), utc(2026, 9, 20, 19, 15), utc(2026, 9, 27, 18, 15)),
    ("chatham-apr-2027", CHATHAM, date(2027, 3, 29), utc(2027, 3, 28, 18, 15), utc(2027, 4, 4, 19, 15)),
    ("chatham-sep-2027", CHATHAM, date(2027, 9, 20), utc(2027, 9, 19, 19, 15), utc(2027, 9, 26, 18, 15)),
    # Lord Howe moves its clocks by only 30 minutes: +11:00 in summer, +10:30 in winter.
    ("lord_howe-apr-2026", LORD_HOWE, date(2026, 3, 30), utc(2026, 3, 29, 21), utc(2026, 4, 5, 21, 30)),
    ("lord_howe-oct-2026", LORD_HOWE, date(2026, 9, 28), utc(2026, 9, 27, 21, 30), utc(2026, 10, 4, 21)),
    ("lord_howe-apr-2027", LORD_HOWE, date(2027, 3, 29), utc(2027, 3, 28, 21), utc(2027, 4, 4, 21, 30)),
    ("lord_howe-oct-2027", LORD_HOWE, date(2027, 9, 27), utc(2027, 9, 26, 21, 30), utc(2027, 10, 3, 21)),
]


@pytest.mark.parametrize(
    ("zone", "monday_before", "due_before", "due_after"),
    [pytest.param(*change, id=name) for name, *change in CLOCK_CHANGES],
)
def test_a_monday_0800_action_stays_at_0800_local_across_each_clock_change(
    zone: ZoneInfo, monday_before: date, due_before: datetime, due_after: datetime
) -> None:
    window_start = datetime.combine(monday_before, time(), tzinfo=zone)
    occurrences = occurrences_between(MONDAYS_AT_EIGHT, zone, window_start, window_start + timedelta(days=8))

    assert [occurrence.due_at for occurrence in occurrences] == [due_before, due_after]
    mondays = [monday_before, monday_before + timedelta(weeks=1)]
    assert [occurrence.local_date for occurrence in occurrences] == mondays
    assert [occurrence.week_start for occurrence in occurrences] == mondays
    assert [occurrence.due_at.astimezone(zone).time() for occurrence in occurrences] == [time(8), time(8)]


def test_a_0230_action_on_the_new_york_spring_forward_day_moves_on_to_0330_edt() -> None:
    daily = recurring("FREQ=DAILY", datetime(2026, 3, 1, 2, 30))

    occurrences = occurrences_between(daily, NEW_YORK, utc(2026, 3, 7), utc(2026, 3, 10))

    # 02:30 EST, then the nonexistent 02:30 read as EST (= 03:30 EDT), then 02:30 EDT.
    assert [o.due_at for o in occurrences] == [
        utc(2026, 3, 7, 7, 30),
        utc(2026, 3, 8, 7, 30),
        utc(2026, 3, 9, 6, 30),
    ]
    assert occurrences[1].due_at.astimezone(NEW_YORK).time() == time(3, 30)
    assert occurrences[1].local_date == date(2026, 3, 8)


def test_a_0130_action_on_the_new_york_fall_back_day_happens_once_at_the_first_0130() -> None:
    daily = recurring("FREQ=DAILY", datetime(2026, 10, 1, 1, 30))

    occurrences = occurrences_between(daily, NEW_YORK, utc(2026, 11, 1), utc(2026, 11, 2))

    assert [o.due_at for o in occurrences] == [utc(2026, 11, 1, 5, 30)]
    assert occurrences[0].due_at.astimezone(NEW_YORK).utcoffset() == timedelta(hours=-4)


def test_a_once_action_at_0215_in_lord_howes_half_hour_gap_moves_on_to_0245() -> None:
    once = Schedule("once", datetime(2026, 10, 4, 2, 15))

    occurrences = occurrences_between(once, LORD_HOWE, utc(2026, 10, 3), utc(2026, 10, 5))

    assert [o.due_at for o in occurrences] == [utc(2026, 10, 3, 15, 45)]
    assert occurrences[0].due_at.astimezone(LORD_HOWE).time() == time(2, 45)


def test_two_wall_times_that_are_one_instant_give_one_occurrence() -> None:
    hourly = recurring("FREQ=HOURLY", datetime(2026, 3, 8, 0, 0))

    occurrences = occurrences_between(hourly, NEW_YORK, utc(2026, 3, 8, 5), utc(2026, 3, 8, 9))

    # 00:00 and 01:00 EST, then 02:00 (which does not exist) and 03:00 EDT are both 07:00 UTC, then 04:00.
    assert [o.due_at for o in occurrences] == [utc(2026, 3, 8, h) for h in (5, 6, 7, 8)]


def test_the_local_date_is_the_date_in_the_zone_not_in_utc() -> None:
    once = Schedule("once", datetime(2026, 3, 2, 0, 30))

    [occurrence] = occurrences_between(once, KOLKATA, utc(2026, 3, 1), utc(2026, 3, 3))

    assert occurrence.due_at == utc(2026, 3, 1, 19, 0)
    assert occurrence.local_date == date(2026, 3, 2)
    assert occurrence.week_start == date(2026, 3, 2)


def test_a_once_action_yields_exactly_its_due_time_and_only_inside_the_window() -> None:
    once = Schedule("once", datetime(2026, 6, 15, 9, 30))
    due = utc(2026, 6, 15, 8, 30)

    assert due_ats(once, LONDON, due, due + timedelta(hours=1)) == [due]
    assert due_ats(once, LONDON, utc(2026, 1, 1), utc(2027, 1, 1)) == [due]
    assert due_ats(once, LONDON, due - timedelta(hours=1), due) == []
    assert due_ats(once, LONDON, due + timedelta(seconds=1), utc(2027, 1, 1)) == []


def test_a_once_due_time_keeps_whole_seconds_as_dateutil_does_for_recurring_starts() -> None:
    once = Schedule("once", datetime(2026, 6, 15, 9, 30, 15, 999999))

    [occurrence] = occurrences_between(once, UTC_ZONE, utc(2026, 6, 15), utc(2026, 6, 16))

    assert occurrence.due_at == utc(2026, 6, 15, 9, 30, 15)


def test_a_daily_rule_that_started_five_years_before_the_window_fills_a_twelve_week_window() -> None:
    daily = recurring("FREQ=DAILY", datetime(2021, 3, 1, 8, 0))
    window_start = datetime(2026, 3, 2, tzinfo=NEW_YORK)

    occurrences = occurrences_between(daily, NEW_YORK, window_start, window_start + timedelta(weeks=12))

    assert len(occurrences) == 84
    assert occurrences[0].due_at == utc(2026, 3, 2, 13)
    assert occurrences[-1].due_at == utc(2026, 5, 24, 12)
    assert {o.due_at.astimezone(NEW_YORK).time() for o in occurrences} == {time(8)}


@pytest.mark.parametrize(
    ("rrule", "starts_at"),
    [
        ("FREQ=WEEKLY;INTERVAL=3;BYDAY=TU,FR", datetime(2019, 5, 9, 7, 15)),
        ("FREQ=WEEKLY;INTERVAL=2;WKST=SU;BYDAY=MO,SU", datetime(2020, 2, 4, 18, 0)),
        ("FREQ=MONTHLY;BYDAY=-1FR", datetime(2018, 1, 31, 17, 0)),
        ("FREQ=MONTHLY;INTERVAL=5", datetime(2021, 3, 31, 9, 0)),  # months without a 31st are skipped
        ("FREQ=YEARLY;INTERVAL=2;BYMONTH=3;BYDAY=2SU", datetime(2019, 6, 1, 10, 0)),  # none in 2026
        ("FREQ=YEARLY", datetime(2016, 3, 15, 6, 45)),
        ("FREQ=DAILY;INTERVAL=10;BYHOUR=8,20", datetime(2020, 7, 7, 8, 0)),
        ("FREQ=HOURLY;INTERVAL=7;BYMINUTE=20", datetime(2021, 11, 3, 13, 5)),
        ("FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1", datetime(2019, 3, 1, 12, 0)),
        ("FREQ=DAILY;COUNT=1000", datetime(2024, 1, 1, 8, 0)),
        ("FREQ=WEEKLY;UNTIL=20260410T000000", datetime(2025, 1, 1, 8, 0)),
    ],
)
def test_a_window_years_after_the_start_matches_dateutils_scan_from_the_start(
    rrule: str, starts_at: datetime
) -> None:
    schedule = recurring(rrule, starts_at)
    validate_schedule(schedule)
    window_start, window_end = datetime(2026, 2, 20), datetime(2027, 6, 3)
    scanned = rrulestr(rrule, dtstart=starts_at).between(window_start, window_end, inc=True)

    found = due_ats(schedule, UTC_ZONE, window_start.replace(tzinfo=UTC), window_end.replace(tzinfo=UTC))

    assert scanned
    assert found == [wall_time.replace(tzinfo=UTC) for wall_time in scanned]


def test_the_week_start_of_a_weekly_rule_does_not_follow_the_process_wide_calendar_setting() -> None:
    fortnightly = recurring("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,SU", datetime(2026, 1, 7, 9, 0))
    window = (utc(2026, 1, 1), utc(2026, 2, 1))
    calendar.setfirstweekday(calendar.SUNDAY)
    try:
        occurrences = occurrences_between(fortnightly, UTC_ZONE, *window)
    finally:
        calendar.setfirstweekday(calendar.MONDAY)

    # Weeks start on Monday (RFC 5545): Sunday the 11th closes the first week, then Monday the 19th.
    assert [o.due_at.day for o in occurrences] == [11, 19, 25]


def test_a_count_rule_stops_after_its_count_whatever_the_window() -> None:
    three_days = recurring("FREQ=DAILY;COUNT=3", datetime(2026, 3, 1, 8, 0))

    first_three = [utc(2026, 3, 1, 8), utc(2026, 3, 2, 8), utc(2026, 3, 3, 8)]
    assert due_ats(three_days, UTC_ZONE, utc(2026, 1, 1), utc(2027, 1, 1)) == first_three
    assert due_ats(three_days, UTC_ZONE, utc(2026, 3, 2), utc(2027, 1, 1)) == first_three[1:]
    assert due_ats(three_days, UTC_ZONE, utc(2026, 3, 4), utc(2027, 1, 1)) == []


def test_an_occurrence_is_exactly_a_derived_instant() -> None:
    assert is_occurrence(MONDAYS_AT_EIGHT, NEW_YORK, utc(2026, 3, 9, 12))
    assert is_occurrence(MONDAYS_AT_EIGHT, NEW_YORK, datetime(2026, 3, 9, 8, tzinfo=NEW_YORK))
    assert not is_occurrence(MONDAYS_AT_EIGHT, NEW_YORK, utc(2026, 3, 9, 13))  # 08:00 EST, a week too late
    assert not is_occurrence(MONDAYS_AT_EIGHT, NEW_YORK, utc(2026, 3, 9, 12, 0, 1))
    assert not is_occurrence(MONDAYS_AT_EIGHT, NEW_YORK, utc(2026, 3, 10, 12))  # a Tuesday
    assert not is_occurrence(MONDAYS_AT_EIGHT, NEW_YORK, utc(2025, 12, 29, 13))  # before the start
    once = Schedule("once", datetime(2026, 6, 15, 9, 30))
    assert is_occurrence(once, LONDON, utc(2026, 6, 15, 8, 30))
    assert not is_occurrence(once, LONDON, utc(2026, 6, 15, 9, 30))


def test_the_next_occurrence_is_strictly_after_the_instant() -> None:
    first = next_occurrence_after(MONDAYS_AT_EIGHT, NEW_YORK, utc(2026, 1, 1))
    after_an_occurrence = next_occurrence_after(MONDAYS_AT_EIGHT, NEW_YORK, utc(2026, 3, 2, 13))
    across_the_change = next_occurrence_after(MONDAYS_AT_EIGHT, NEW_YORK, utc(2026, 3, 2, 13, 0, 1))

    assert first is not None
    assert first.due_at == utc(2026, 1, 5, 13)
    assert after_an_occurrence is not None
    assert after_an_occurrence.due_at == utc(2026, 3, 9, 12)
    assert across_the_change == after_an_occurrence
    assert after_an_occurrence.local_date == date(2026, 3, 9)


def test_there_is_no_next_occurrence_after_a_rule_or_a_once_action_has_run_out() -> None:
    once = Schedule("once", datetime(2026, 6, 15, 9, 30))
    until = recurring("FREQ=WEEKLY;BYDAY=MO;UNTIL=20260301T000000")

    assert next_occurrence_after(recurring("FREQ=DAILY;COUNT=2"), UTC_ZONE, utc(2026, 1, 6, 8)) is None
    assert next_occurrence_after(until, UTC_ZONE, utc(2026, 2, 23, 8)) is None
    assert next_occurrence_after(once, LONDON, utc(2026, 6, 15, 8, 30)) is None
    found = next_occurrence_after(once, LONDON, utc(2026, 6, 15, 8, 29))
    assert found is not None
    assert found.due_at == utc(2026, 6, 15, 8, 30)


def test_instants_without_a_zone_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        occurrences_between(MONDAYS_AT_EIGHT, LONDON, datetime(2026, 1, 1), utc(2026, 2, 1))
    with pytest.raises(ValueError, match="aware"):
        next_occurrence_after(MONDAYS_AT_EIGHT, LONDON, datetime(2026, 1, 1))


@pytest.mark.parametrize(
    "schedule",
    [
        Schedule("once", datetime(2026, 6, 15, 9, 30)),
        recurring("FREQ=WEEKLY;BYDAY=MO,TH"),
        recurring("RRULE:FREQ=WEEKLY;BYDAY=MO"),
        recurring("  rrule:freq=daily;byhour=8  "),
        recurring("FREQ=DAILY;BYHOUR=8,9"),
        recurring("FREQ=HOURLY;INTERVAL=2"),
        recurring("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29"),  # first in 2028
        recurring("FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1"),
        recurring("FREQ=DAILY;COUNT=1000"),
        recurring("FREQ=DAILY;UNTIL=20260105T080000"),  # UNTIL is inclusive
        Schedule("recurring", datetime(1970, 1, 1), "FREQ=DAILY"),
        Schedule("recurring", datetime(2200, 12, 31, 23, 59), "FREQ=DAILY"),
    ],
)
def test_these_schedules_are_accepted(schedule: Schedule) -> None:
    validate_schedule(schedule)


def test_a_daily_rule_at_0800_and_0900_is_accepted_and_gives_occurrences_one_hour_apart() -> None:
    pair = recurring("FREQ=DAILY;BYHOUR=8,9", datetime(2026, 1, 5, 8, 0))

    validate_schedule(pair)

    assert due_ats(pair, UTC_ZONE, utc(2026, 1, 5), utc(2026, 1, 7)) == [
        utc(2026, 1, 5, 8),
        utc(2026, 1, 5, 9),
        utc(2026, 1, 6, 8),
        utc(2026, 1, 6, 9),
    ]


@pytest.mark.parametrize(
    ("schedule", "field", "reason"),
    [
        (Schedule("once", datetime(2026, 1, 5, 8), "FREQ=DAILY"), "rrule", "a once schedule has no rrule"),
        (Schedule("recurring", datetime(2026, 1, 5, 8)), "rrule", "a recurring schedule needs an rrule"),
        (
            Schedule("recurring", datetime(2026, 1, 5, 8), "  "),
            "rrule",
            "a recurring schedule needs an rrule",
        ),
        (
            Schedule("recurring", datetime(1969, 12, 31, 23), "FREQ=DAILY"),
            "startsAt",
            "between 1970 and 2200",
        ),
        (Schedule("recurring", datetime(2201, 1, 1), "FREQ=DAILY"), "startsAt", "between 1970 and 2200"),
        (Schedule("once", datetime(1969, 12, 31, 23)), "dueAt", "between 1970 and 2200"),
        (Schedule("once", datetime(2026, 1, 5, 8, tzinfo=UTC)), "dueAt", "without a UTC offset"),
        (recurring("FREQ=DAILY;" + "BYHOUR=8;" * 60), "rrule", f"at most {MAX_RRULE_LENGTH} characters"),
        (recurring("FREQ=WEEKLY;FOO=1"), "rrule", "cannot be parsed: unknown parameter 'FOO'"),
        (recurring("FREQ=FORTNIGHTLY"), "rrule", "cannot be parsed: invalid 'FREQ'"),
        (recurring("FREQ=DAILY;BYHOUR=25"), "rrule", "cannot be parsed: hour must be in 0..23"),
        (recurring("FREQ=HOURLY;BYHOUR=25"), "rrule", "cannot be expanded"),
        (recurring("BYDAY=MO"), "rrule", "FREQ is required"),
        (
            recurring("DTSTART:20260105T080000\nRRULE:FREQ=DAILY"),
            "rrule",
            "only a single RRULE is accepted, not DTSTART",
        ),
        (
            recurring("FREQ=DAILY\nEXDATE:20260106T080000"),
            "rrule",
            "only a single RRULE is accepted, not EXDATE",
        ),
        (recurring("RDATE:20260106T080000"), "rrule", "only a single RRULE is accepted, not RDATE"),
        (
            recurring("FREQ=DAILY;DTSTART=20260105T080000"),
            "rrule",
            "only a single RRULE is accepted, not DTSTART",
        ),
        (recurring("FREQ=DAILY\nFREQ=WEEKLY"), "rrule", "only a single RRULE is accepted, not a second line"),
        (
            recurring("RRULE:FREQ=DAILY\r\nRRULE:FREQ=WEEKLY"),
            "rrule",
            "only a single RRULE is accepted, not RRULE",
        ),
        (
            recurring("FREQ=MINUTELY"),
            "rrule",
            "FREQ=MINUTELY is too frequent: occurrences must be an hour apart",
        ),
        (recurring("FREQ=SECONDLY;INTERVAL=3600"), "rrule", "FREQ=SECONDLY is too frequent"),
        (
            recurring("FREQ=HOURLY;BYMINUTE=0,30"),
            "rrule",
            "at least an hour apart, so BYMINUTE takes one value",
        ),
        (
            recurring("FREQ=DAILY;BYHOUR=8;BYSECOND=0,59"),
            "rrule",
            "at least an hour apart, so BYSECOND takes one",
        ),
        (recurring("FREQ=DAILY;INTERVAL=0"), "rrule", "INTERVAL must be at least 1"),
        (recurring("FREQ=DAILY;BYDAY=MO;BYDAY=TU"), "rrule", "BYDAY is given more than once"),
        (recurring("FREQ=YEARLY;BYEASTER=0"), "rrule", "BYEASTER is not part of RFC 5545"),
        (recurring("FREQ=DAILY;UNTIL=20261231T235959Z"), "rrule", "UNTIL must be a local date and time"),
        (recurring("FREQ=DAILY;UNTIL=20261231"), "rrule", "UNTIL must be a local date and time such as"),
        (
            recurring("FREQ=DAILY;COUNT=3;UNTIL=20261231T235959"),
            "rrule",
            "COUNT and UNTIL cannot both be given",
        ),
        (recurring("FREQ=DAILY;COUNT=1001"), "rrule", "COUNT must be at most 1000"),
        (recurring("FREQ=YEARLY;COUNT=12"), "rrule", "COUNT must run out within ten years of the start"),
        (recurring("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30"), "rrule", "never produces an occurrence"),
        (recurring("FREQ=DAILY;COUNT=0"), "rrule", "never produces an occurrence"),
        (recurring("FREQ=DAILY;UNTIL=20251231T000000"), "rrule", "never produces an occurrence"),
    ],
)
def test_this_schedule_is_refused_naming_the_field_and_why(
    schedule: Schedule, field: str, reason: str
) -> None:
    error = rejection(schedule)

    assert error.field == field
    assert error.message.startswith(f"{field}: ")
    assert reason in error.message
    assert str(error) == error.message


def test_a_rule_whose_first_occurrence_is_more_than_ten_years_away_is_refused_and_says_so() -> None:
    # 29 February falls on a Monday in 2016 and next in 2044.
    leap_mondays = "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO"

    error = rejection(recurring(leap_mondays, datetime(2026, 1, 5, 8)))

    assert error.message == "rrule: never produces an occurrence within ten years of its start"
    validate_schedule(recurring(leap_mondays, datetime(2035, 1, 1, 8)))


HUGE = 10**20


@pytest.mark.parametrize(
    ("rrule", "reason"),
    [
        ("FREQ=DAILY;BYMONTH=2;BYMONTHDAY=31", "never produces"),
        ("FREQ=HOURLY;BYYEARDAY=366;BYMONTH=1", "never produces"),
        ("FREQ=HOURLY;INTERVAL=5;BYMONTH=2;BYMONTHDAY=30", "never produces"),
        ("FREQ=WEEKLY;BYMONTH=4;BYMONTHDAY=31", "never produces"),
        ("FREQ=MONTHLY;BYDAY=MO;BYSETPOS=6", "never produces"),
        ("FREQ=YEARLY;BYWEEKNO=53;BYMONTH=6", "never produces"),
        ("FREQ=DAILY;INTERVAL=7;BYDAY=TU", "never produces"),  # the start is a Monday
        (f"FREQ=YEARLY;INTERVAL={HUGE};BYMONTH=2;BYMONTHDAY=29", "never produces"),
        (f"FREQ=MONTHLY;INTERVAL={HUGE};BYMONTH=2,4;BYMONTHDAY=31", "never produces"),
        ("FREQ=HOURLY;BYMONTH=2;BYMONTHDAY=29;BYHOUR=8;COUNT=3", "COUNT must run out"),  # 2028, 2032, 2036
    ],
)
def test_a_hostile_rule_is_refused_without_scanning_to_the_year_9999(rrule: str, reason: str) -> None:
    assert reason in rejection(recurring(rrule, datetime(2026, 1, 5, 8, 0))).message


@pytest.mark.parametrize(
    ("rrule", "expected"),
    [
        (f"FREQ=DAILY;INTERVAL={HUGE}", [utc(2026, 1, 5, 8)]),
        (f"FREQ=HOURLY;INTERVAL={HUGE}", [utc(2026, 1, 5, 8)]),
        (f"FREQ=WEEKLY;INTERVAL={HUGE};BYDAY=TU", [utc(2026, 1, 6, 8)]),
        ("FREQ=HOURLY;BYMONTH=2;BYMONTHDAY=29;BYHOUR=8;COUNT=2", [utc(2028, 2, 29, 8), utc(2032, 2, 29, 8)]),
    ],
)
def test_a_hostile_rule_that_does_produce_is_accepted_and_expanded_without_scanning_to_the_year_9999(
    rrule: str, expected: list[datetime]
) -> None:
    schedule = recurring(rrule, datetime(2026, 1, 5, 8, 0))

    validate_schedule(schedule)

    assert due_ats(schedule, UTC_ZONE, utc(2026, 1, 1), utc(2060, 1, 1)) == expected
    assert next_occurrence_after(schedule, UTC_ZONE, expected[-1]) is None


def test_validating_a_rule_that_never_matches_scans_ten_years_of_periods_not_eight_thousand(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    scanned_days: list[int] = []
    count_step = schedule_module._CountingInterval._advance

    def counted(interval: schedule_module._CountingInterval, periods: int) -> None:
        scanned_days.append(periods)
        count_step(interval, periods)

    monkeypatch.setattr(schedule_module._CountingInterval, "_advance", counted)

    rejection(recurring("FREQ=DAILY;BYMONTH=2;BYMONTHDAY=31", datetime(2026, 1, 5, 8, 0)))

    # 2026-01-05 to 2036-01-05 is 3652 days; dateutil on its own would go on to the year 9999.
    assert 3652 < sum(scanned_days) <= 3656


def test_the_week_starts_on_monday() -> None:
    assert week_start_of(date(2026, 3, 2)) == date(2026, 3, 2)  # a Monday
    assert week_start_of(date(2026, 3, 8)) == date(2026, 3, 2)  # the Sunday after
    assert week_start_of(date(2027, 1, 1)) == date(2026, 12, 28)  # across the new year
    assert week_start_of(date(2028, 2, 29)) == date(2028, 2, 28)
