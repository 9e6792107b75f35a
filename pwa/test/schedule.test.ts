import { describe, expect, test } from "vitest";
import { describeOffset, describePlan, describeSchedule, planToSchedule, scheduleToPlan, type Plan } from "../src/schedule";

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

  test("rules the picker cannot express are shown as they are, never misread", () => {
    const rule = (rrule: string) => ({ kind: "recurring" as const, rrule, startsAt: "2026-03-05T07:00:00" });
    expect(scheduleToPlan(rule("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO"))).toBeNull();
    expect(scheduleToPlan(rule("FREQ=DAILY;COUNT=10"))).toBeNull();
    expect(scheduleToPlan(rule("FREQ=MONTHLY;BYMONTHDAY=1"))).toBeNull();
    expect(describeSchedule(rule("FREQ=MONTHLY;BYMONTHDAY=1"))).toBe("repeating (FREQ=MONTHLY;BYMONTHDAY=1) from 2026-03-05 at 7:00");
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
