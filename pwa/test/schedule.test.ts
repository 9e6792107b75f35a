import { describe, expect, test } from "vitest";
import {
  type ApiSchedule,
  capitalize,
  describeOffset,
  describePlan,
  describeSchedule,
  type Plan,
  planToSchedule,
  type RecurringSchedule,
  scheduleToPlan,
} from "../src/schedule";

describe("schedule phrasing", () => {
  test("weekly days read as plain words in week order", () => {
    expect(describePlan({ kind: "weekly", days: ["TH", "MO"], time: "08:00" })).toBe("every Monday and Thursday at 8:00");
    expect(describePlan({ kind: "weekly", days: ["MO", "WE", "FR"], time: "18:30" })).toBe(
      "every Monday, Wednesday and Friday at 18:30",
    );
    expect(describePlan({ kind: "weekly", days: ["MO", "TU", "WE", "TH", "FR"], time: "07:05" })).toBe("every weekday at 7:05");
    expect(describePlan({ kind: "daily", time: "00:05" })).toBe("every day at 0:05");
  });

  test("a once schedule names the weekday and the date", () => {
    expect(describePlan({ kind: "once", date: "2026-03-06", time: "17:00" })).toBe("once, on Friday 6 March at 17:00");
  });

  test("the picker writes the RRULE the API expects", () => {
    expect(planToSchedule({ kind: "weekly", days: ["TH", "MO"], time: "08:00" }, "2026-03-02")).toEqual({
      kind: "recurring",
      rrule: "FREQ=WEEKLY;BYDAY=MO,TH",
      startsAt: "2026-03-02T08:00:00",
    });
    expect(planToSchedule({ kind: "daily", time: "21:15" }, "2026-03-02")).toEqual({
      kind: "recurring",
      rrule: "FREQ=DAILY",
      startsAt: "2026-03-02T21:15:00",
    });
    expect(planToSchedule({ kind: "once", date: "2026-03-06", time: "17:00" }, "2026-03-02")).toEqual({
      kind: "once",
      dueAt: "2026-03-06T17:00:00",
    });
    expect(() => planToSchedule({ kind: "weekly", days: [], time: "08:00" }, "2026-03-02")).toThrow(/at least one day/);
  });

  test("every plan survives the trip to an RRULE and back", () => {
    const plans: Plan[] = [
      { kind: "weekly", days: ["MO", "TH"], time: "08:00" },
      { kind: "weekly", days: ["SU"], time: "23:59" },
      { kind: "daily", time: "06:30" },
      { kind: "once", date: "2026-12-31", time: "09:00" },
    ];
    for (const plan of plans) expect(scheduleToPlan(planToSchedule(plan, "2026-03-02"))).toEqual(plan);
  });

  test("rules written elsewhere are read when the picker can express them", () => {
    const rule = (rrule: string) => ({ kind: "recurring" as const, rrule, startsAt: "2026-03-05T07:00:00" });
    expect(scheduleToPlan(rule("RRULE:FREQ=WEEKLY;BYDAY=TH,MO;INTERVAL=1"))).toEqual({
      kind: "weekly",
      days: ["MO", "TH"],
      time: "07:00",
    });
    expect(scheduleToPlan(rule("FREQ=WEEKLY"))).toEqual({ kind: "weekly", days: ["TH"], time: "07:00" });
    expect(scheduleToPlan(rule("FREQ=DAILY;BYHOUR=9;BYMINUTE=30"))).toEqual({ kind: "daily", time: "09:30" });
  });

  test("rules the picker cannot express become custom plans, never misread", () => {
    const rule = (rrule: string) => ({ kind: "recurring" as const, rrule, startsAt: "2026-03-05T07:00:00" });
    for (const rrule of ["FREQ=WEEKLY;INTERVAL=2;BYDAY=MO", "FREQ=DAILY;COUNT=10", "FREQ=MONTHLY;BYMONTHDAY=1", "FREQ=DAILY;BYHOUR=8,20"]) {
      expect(scheduleToPlan(rule(rrule))).toEqual({ kind: "custom", schedule: rule(rrule) });
    }
    expect(describeSchedule(rule("FREQ=MONTHLY;BYMONTHDAY=1"))).toBe("on the 1st of each month at 7:00");
  });

  test("reminder offsets read as words", () => {
    expect([0, 15, 60, 90, 1440, 2880].map(describeOffset)).toEqual([
      "at the time",
      "15 minutes before",
      "1 hour before",
      "90 minutes before",
      "1 day before",
      "2 days before",
    ]);
  });
});

const recurring = (rrule: string, startsAt = "2026-01-07T12:30:00"): RecurringSchedule => ({ kind: "recurring", rrule, startsAt });
const words = (rrule: string, startsAt?: string) => describeSchedule(recurring(rrule, startsAt));

describe("every rule the backend accepts reads as a sentence", () => {
  test("the issue's example: the first Wednesday of each month", () => {
    expect(words("FREQ=MONTHLY;BYDAY=1WE")).toBe("first Wednesday of each month at 12:30");
    expect(capitalize(words("FREQ=MONTHLY;BYDAY=1WE"))).toBe("First Wednesday of each month at 12:30");
  });

  test("simple rules keep the words the screens already show", () => {
    expect(words("FREQ=DAILY", "2026-03-02T00:05:00")).toBe("every day at 0:05");
    expect(`So: ${words("FREQ=DAILY", "2026-03-02T00:05:00")}.`).toBe("So: every day at 0:05.");
    expect(words("FREQ=WEEKLY;BYDAY=TH,MO", "2026-03-02T08:00:00")).toBe("every Monday and Thursday at 8:00");
    expect(words("FREQ=WEEKLY;BYDAY=SA,SU")).toBe("every weekend day at 12:30");
    expect(words("FREQ=WEEKLY")).toBe("every Wednesday at 12:30"); // the start's weekday
  });

  test("an interval counts days, weeks, months and years", () => {
    expect(words("FREQ=DAILY;INTERVAL=2")).toBe("every other day at 12:30");
    expect(words("FREQ=DAILY;INTERVAL=3")).toBe("every 3 days at 12:30");
    expect(words("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH", "2026-01-05T08:00:00")).toBe("every 2 weeks on Monday and Thursday at 8:00");
    expect(words("FREQ=WEEKLY;INTERVAL=3;BYDAY=MO,TU,WE,TH,FR")).toBe("every 3 weeks on weekdays at 12:30");
    expect(words("FREQ=MONTHLY;INTERVAL=2;BYDAY=1WE")).toBe("first Wednesday of every other month at 12:30");
    expect(words("FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=1")).toBe("on the 1st of every third month at 12:30");
    expect(words("FREQ=YEARLY;INTERVAL=2")).toBe("every other year on 7 January at 12:30");
    expect(words("FREQ=DAILY;INTERVAL=2;BYDAY=MO,TH")).toBe("every other day (only Mondays and Thursdays) at 12:30");
  });

  test("weekdays with ordinals count within the month or the year", () => {
    expect(words("FREQ=MONTHLY;BYDAY=-1FR")).toBe("last Friday of each month at 12:30");
    expect(words("FREQ=MONTHLY;BYDAY=2MO,4MO")).toBe("second and fourth Monday of each month at 12:30");
    expect(words("FREQ=MONTHLY;BYDAY=1MO,-1FR")).toBe("first Monday and last Friday of each month at 12:30");
    expect(words("FREQ=MONTHLY;BYDAY=-2SU")).toBe("second-to-last Sunday of each month at 12:30");
    expect(words("FREQ=YEARLY;BYMONTH=11;BYDAY=4TH")).toBe("every year on the fourth Thursday of November at 12:30");
    expect(words("FREQ=YEARLY;BYDAY=20MO")).toBe("20th Monday of each year at 12:30");
  });

  test("days of the month, counted from the start or the end", () => {
    expect(words("FREQ=MONTHLY;BYMONTHDAY=1,15")).toBe("on the 1st and 15th of each month at 12:30");
    expect(words("FREQ=MONTHLY;BYMONTHDAY=-1")).toBe("on the last day of each month at 12:30");
    expect(words("FREQ=MONTHLY;BYMONTHDAY=1,-1")).toBe("on the 1st and the last day of each month at 12:30");
    expect(words("FREQ=MONTHLY;BYMONTHDAY=2,3,22,23")).toBe("on the 2nd, 3rd, 22nd and 23rd of each month at 12:30");
    expect(words("FREQ=MONTHLY")).toBe("on the 7th of each month at 12:30"); // the start's day
    expect(words("FREQ=DAILY;BYMONTHDAY=11,12,13")).toBe("on the 11th, 12th and 13th of each month at 12:30");
  });

  test("months name the season of a rule", () => {
    expect(words("FREQ=YEARLY", "2026-03-03T09:00:00")).toBe("every year on 3 March at 9:00");
    expect(words("FREQ=YEARLY;BYMONTH=1,7")).toBe("every year on 7 January and 7 July at 12:30");
    expect(words("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=-1")).toBe("every year on the last day of February at 12:30");
    expect(words("FREQ=YEARLY;BYMONTH=1,4,7,10;BYMONTHDAY=1,15")).toBe(
      "every year on the 1st and 15th of January, April, July and October at 12:30",
    );
    expect(words("FREQ=DAILY;BYMONTH=1,7")).toBe("every day in January and July at 12:30");
    expect(words("FREQ=WEEKLY;BYDAY=MO;BYMONTH=12")).toBe("every Monday in December at 12:30");
    expect(words("FREQ=MONTHLY;BYMONTH=1,7;BYDAY=1WE")).toBe("first Wednesday of January and July at 12:30");
  });

  test("a set position picks among the days", () => {
    expect(words("FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1")).toBe("last weekday of each month at 12:30");
    expect(words("FREQ=MONTHLY;BYDAY=SA,SU;BYSETPOS=1")).toBe("first weekend day of each month at 12:30");
    expect(words("FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=1,-1")).toBe("first and last weekday of each month at 12:30");
    expect(words("FREQ=YEARLY;BYMONTH=3;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1")).toBe("every year on the last weekday of March at 12:30");
    // Counted through the whole year, so naming each month would be wrong: a custom schedule instead.
    expect(words("FREQ=YEARLY;BYMONTH=1,7;BYDAY=MO;BYSETPOS=1")).toBe("on a custom yearly schedule at 12:30, from 7 January 2026");
  });

  test("days of the year and week numbers", () => {
    expect(words("FREQ=YEARLY;BYYEARDAY=100")).toBe("on the 100th day of each year at 12:30");
    expect(words("FREQ=YEARLY;BYYEARDAY=-1")).toBe("on the last day of each year at 12:30");
    expect(words("FREQ=YEARLY;BYWEEKNO=10;BYDAY=MO")).toBe("every Monday in week 10 of each year at 12:30");
    expect(words("FREQ=YEARLY;BYWEEKNO=1,27")).toBe("every day in weeks 1 and 27 of each year at 12:30");
  });

  test("COUNT and UNTIL say when a rule ends", () => {
    expect(words("FREQ=DAILY;COUNT=10")).toBe("every day at 12:30, 10 times");
    expect(words("FREQ=WEEKLY;BYDAY=MO;COUNT=2")).toBe("every Monday at 12:30, twice");
    expect(words("FREQ=WEEKLY;BYDAY=MO;UNTIL=20270331T235959")).toBe("every Monday at 12:30, until 31 March 2027");
    // An UNTIL at midnight is before that day's 12:30, so the 30th is the last day.
    expect(words("FREQ=DAILY;UNTIL=20270331T000000")).toBe("every day at 12:30, until 30 March 2027");
    expect(words("FREQ=DAILY;UNTIL=20270301T000000")).toBe("every day at 12:30, until 28 February 2027");
  });

  test("hours come from the start or from BYHOUR and BYMINUTE", () => {
    expect(words("FREQ=DAILY;BYHOUR=8,20;BYMINUTE=15")).toBe("every day at 8:15 and 20:15");
    expect(words("FREQ=WEEKLY;BYDAY=FR;BYHOUR=17")).toBe("every Friday at 17:30");
    expect(words("FREQ=HOURLY;BYHOUR=9,13,17;BYDAY=MO,TU,WE,TH,FR")).toBe("every weekday at 9:30, 13:30 and 17:30");
    expect(words("FREQ=HOURLY", "2026-01-07T12:00:00")).toBe("every hour, on the hour");
    expect(words("FREQ=HOURLY;BYMINUTE=15")).toBe("every hour at 15 minutes past");
    expect(words("FREQ=HOURLY;INTERVAL=4;UNTIL=20260110T120000")).toBe("every 4 hours from 12:30, until 12:00 on 10 January 2026");
  });

  test("an exotic rule still reads as words", () => {
    expect(words("FREQ=WEEKLY;BYSETPOS=1;BYDAY=MO,TU")).toBe("on a custom weekly schedule at 12:30, from 7 January 2026");
    expect(words("FREQ=MONTHLY;BYDAY=MO,1WE;COUNT=5")).toBe("on a custom monthly schedule at 12:30, from 7 January 2026, 5 times");
    expect(words("FREQ=HOURLY;BYDAY=SA")).toBe("on a custom hourly schedule, from 12:30 on 7 January 2026");
    expect(words("FREQ=MONTHLY;BYDAY=FR;BYMONTHDAY=13")).toBe("every Friday falling on the 13th of each month at 12:30");
    expect(words("FREQ=FORTNIGHTLY")).toBe("on a custom schedule, from 12:30 on 7 January 2026");
  });

  test("no rule ever shows rule text or an ISO date", () => {
    const rules = [
      "FREQ=DAILY", "FREQ=DAILY;INTERVAL=2", "FREQ=WEEKLY", "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH", "FREQ=MONTHLY",
      "FREQ=MONTHLY;BYDAY=1WE", "FREQ=MONTHLY;BYDAY=-1FR", "FREQ=MONTHLY;BYDAY=2MO,4MO", "FREQ=MONTHLY;BYMONTHDAY=1,15",
      "FREQ=MONTHLY;BYMONTHDAY=-1", "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1", "FREQ=MONTHLY;BYDAY=FR;BYMONTHDAY=13",
      "FREQ=MONTHLY;INTERVAL=2;BYDAY=MO", "FREQ=YEARLY", "FREQ=YEARLY;BYMONTH=1,7", "FREQ=YEARLY;BYMONTH=11;BYDAY=4TH",
      "FREQ=YEARLY;BYYEARDAY=100", "FREQ=YEARLY;BYWEEKNO=10;BYDAY=MO", "FREQ=YEARLY;BYMONTHDAY=1", "FREQ=DAILY;COUNT=10",
      "FREQ=DAILY;UNTIL=20270331T000000", "FREQ=DAILY;BYHOUR=8,20", "FREQ=HOURLY", "FREQ=HOURLY;INTERVAL=3",
      "FREQ=HOURLY;BYDAY=SA", "FREQ=WEEKLY;BYSETPOS=1;BYDAY=MO,TU", "FREQ=MONTHLY;BYDAY=MO,1WE", "RRULE:FREQ=WEEKLY;WKST=SU;BYDAY=SU",
      "FREQ=YEARLY;BYMONTH=1,7;BYDAY=MO;BYSETPOS=1", "FREQ=DAILY;BYMONTH=1,7;BYDAY=MO;INTERVAL=2", "X-NAME=1", "",
    ];
    for (const rrule of rules) {
      const sentence = words(rrule);
      expect(sentence, rrule).not.toMatch(/FREQ=|BYDAY|\d{4}-\d{2}-\d{2}|undefined|NaN/);
      expect(describePlan(scheduleToPlan(recurring(rrule))), rrule).toBe(sentence);
    }
  });
});

describe("editing keeps what the person did not change", () => {
  test("a custom plan gives back its rule and start byte for byte", () => {
    const stored = recurring("RRULE:FREQ=MONTHLY;BYDAY=1WE;COUNT=12", "2026-01-07T12:30:15");
    const plan = scheduleToPlan(stored);
    expect(plan).toEqual({ kind: "custom", schedule: stored });
    expect(planToSchedule(plan, "2026-05-01")).toBe(stored);
    expect(describePlan(plan)).toBe("first Wednesday of each month at 12:30, 12 times");
  });

  test("an unchanged weekly or daily plan keeps its original start", () => {
    const weekly = recurring("FREQ=WEEKLY;BYDAY=MO,TH", "2025-11-03T08:00:00");
    expect(planToSchedule(scheduleToPlan(weekly), "2026-05-01", weekly)).toBe(weekly);
    expect(planToSchedule({ kind: "weekly", days: ["TH", "MO"], time: "08:00" }, "2026-05-01", weekly)).toBe(weekly);
    const daily = recurring("FREQ=DAILY;BYHOUR=9;BYMINUTE=30", "2025-11-03T09:30:00");
    expect(planToSchedule(scheduleToPlan(daily), "2026-05-01", daily)).toBe(daily);
    const once: ApiSchedule = { kind: "once", dueAt: "2026-06-01T17:00:00" };
    expect(planToSchedule(scheduleToPlan(once), "2026-05-01", once)).toBe(once);
  });

  test("a changed plan starts afresh from today", () => {
    const weekly = recurring("FREQ=WEEKLY;BYDAY=MO,TH", "2025-11-03T08:00:00");
    expect(planToSchedule({ kind: "weekly", days: ["MO"], time: "08:00" }, "2026-05-01", weekly)).toEqual(
      recurring("FREQ=WEEKLY;BYDAY=MO", "2026-05-01T08:00:00"),
    );
    expect(planToSchedule({ kind: "daily", time: "08:00" }, "2026-05-01", weekly)).toEqual(recurring("FREQ=DAILY", "2026-05-01T08:00:00"));
  });
});
