import { describe, expect, it } from "vitest";
import type { Schemas } from "../src/api/client";
import { bucketLabel, labelStride, niceCeiling, rangeBuckets, weekdayName } from "../src/charts";
import { addDays, calendarWeeks, countByMonth, dayKind, describeCounts, localToday, mondayOf, occurrenceKind } from "../src/screens/history";

type Occurrence = Schemas["OccurrenceOut"];

function occurrence(localDate: string, result: Schemas["CheckInResult"] | null = null): Occurrence {
  const dueAt = `${localDate}T09:00:00Z`;
  return {
    keyActionId: "a",
    localDate,
    dueAt,
    checkIn:
      result &&
      ({
        id: `c${localDate}`,
        keyActionId: "a",
        localDate,
        result,
        note: null,
        measureValue: null,
        occurrenceAt: dueAt,
        checkedInAt: dueAt,
        updatedAt: dueAt,
        weeklyReviewId: null,
      } satisfies Schemas["CheckInOut"]),
  };
}

describe("dates", () => {
  it("reads today in the person's zone, not the device's", () => {
    const now = new Date("2026-12-01T23:30:00Z");
    expect(localToday("Europe/London", now)).toBe("2026-12-01");
    expect(localToday("Asia/Tokyo", now)).toBe("2026-12-02");
    expect(localToday("America/Los_Angeles", now)).toBe("2026-12-01");
  });

  it("adds days across months, years and a leap day", () => {
    expect(addDays("2026-12-31", 1)).toBe("2027-01-01");
    expect(addDays("2028-03-01", -1)).toBe("2028-02-29");
    expect(addDays("2026-11-30", -364)).toBe("2025-12-01");
  });

  it("finds the Monday of a week", () => {
    expect(mondayOf("2026-12-01")).toBe("2026-11-30"); // a Tuesday
    expect(mondayOf("2026-11-30")).toBe("2026-11-30");
    expect(mondayOf("2026-12-06")).toBe("2026-11-30"); // a Sunday
  });
});

describe("calendar days", () => {
  it("calls a past occurrence without a check-in missed, and today's or a later one open", () => {
    expect(occurrenceKind(occurrence("2026-11-30"), "2026-12-01")).toBe("missed");
    expect(occurrenceKind(occurrence("2026-12-01"), "2026-12-01")).toBe("open");
    expect(occurrenceKind(occurrence("2026-12-03"), "2026-12-01")).toBe("open");
    expect(occurrenceKind(occurrence("2026-11-30", "skipped"), "2026-12-01")).toBe("skipped");
  });

  it("gives a day with several occurrences one kind", () => {
    expect(dayKind([])).toBe("none");
    expect(dayKind(["done", "done"])).toBe("done");
    expect(dayKind(["done", "not_done"])).toBe("partly");
    expect(dayKind(["missed", "not_done"])).toBe("not_done");
    expect(dayKind(["missed", "skipped"])).toBe("missed");
    expect(dayKind(["done", "open"])).toBe("open");
  });

  it("lays out whole weeks, Monday first, with what each day shows", () => {
    const weeks = calendarWeeks("2026-11-23", 2, [occurrence("2026-11-23", "done"), occurrence("2026-11-27"), occurrence("2026-12-02")], "2026-12-01");
    expect(weeks).toHaveLength(2);
    expect(weeks.map((w) => w.length)).toEqual([7, 7]);
    expect(weeks[0][0]).toEqual({ date: "2026-11-23", kind: "done" });
    expect(weeks[0][4]).toEqual({ date: "2026-11-27", kind: "missed" });
    expect(weeks[1][2]).toEqual({ date: "2026-12-02", kind: "open" });
    expect(weeks[1][6]).toEqual({ date: "2026-12-06", kind: "none" });
  });

  it("counts occurrences per month, oldest first, and says so in words", () => {
    const { months, total } = countByMonth(
      [occurrence("2026-11-02", "done"), occurrence("2026-10-05", "partly"), occurrence("2026-11-09"), occurrence("2026-11-16", "done")],
      "2026-12-01",
    );
    expect(months.map(([m]) => m)).toEqual(["2026-10", "2026-11"]);
    expect(months[1][1]).toMatchObject({ done: 2, missed: 1, partly: 0 });
    expect(describeCounts(total)).toBe("2 done, 1 partly, 1 missed");
    expect(describeCounts(countByMonth([], "2026-12-01").total)).toBe("nothing was due");
  });
});

describe("chart labels", () => {
  it("names buckets in words", () => {
    expect(bucketLabel("2026-11-02", "week", "short", "en-GB")).toBe("wk of 2 Nov");
    expect(bucketLabel("2026-11-02", "week", "tiny", "en-GB")).toBe("2 Nov");
    expect(bucketLabel("2026-11-02", "week", "long", "en-GB")).toBe("Week of 2 November 2026");
    expect(bucketLabel("2026-11-01", "month", "short", "en-GB")).toBe("Nov");
    expect(bucketLabel("2026-11-01", "month", "long", "en-GB")).toBe("November 2026");
    expect(bucketLabel("2026-01-01", "year", "short", "en-GB")).toBe("2026");
  });

  it("names weekdays Monday first", () => {
    expect(weekdayName(0, "short", "en-GB")).toBe("Mon");
    expect(weekdayName(6, "long", "en-GB")).toBe("Sunday");
  });

  it("uses the long week label only when few bars share the width", () => {
    const counts = { due: 1, done: 1, partly: 0, notDone: 0, skipped: 0, missed: 0, completionRate: 1 };
    const four = ["2026-11-09", "2026-11-16", "2026-11-23", "2026-11-30"].map((start) => ({ ...counts, start, end: addDays(start, 6) }));
    expect(rangeBuckets(four, "week")[0].label).toMatch(/^wk of /);
    const thirteen = Array.from({ length: 13 }, (_, i) => ({ ...counts, start: addDays("2026-09-07", i * 7), end: addDays("2026-09-07", i * 7 + 6) }));
    expect(rangeBuckets(thirteen, "week")[0].label).not.toMatch(/^wk of /);
  });

  it("rounds an axis maximum up to a number that reads well", () => {
    expect(niceCeiling(0)).toBe(1);
    expect(niceCeiling(6)).toBe(10);
    expect(niceCeiling(4.5)).toBe(5);
    expect(niceCeiling(2.2)).toBe(2.5);
    expect(niceCeiling(120)).toBe(200);
  });

  it("spaces x labels so they do not overlap", () => {
    expect(labelStride(80, 10)).toBe(1);
    expect(labelStride(24, 6)).toBe(2);
  });
});
