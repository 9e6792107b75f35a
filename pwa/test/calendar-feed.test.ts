import { describe, expect, test } from "vitest";
import { feedSummary } from "../src/screens/calendar-feed";

describe("the calendar feed card", () => {
  test("says which link is on, in words, and whether a calendar app has read it", () => {
    const made = { enabled: true, hint: "ZL84", createdAt: "2026-12-01T19:00:00Z", lastFetchedAt: null };
    expect(feedSummary(made)).toMatch(/^Link ending …ZL84, made .*2026\. No calendar app has read it yet\.$/);
    expect(feedSummary({ ...made, lastFetchedAt: "2026-12-01T19:15:00Z" })).toMatch(/Last read by a calendar app .*2026/);
  });

  test("says nothing without a feed", () => {
    expect(feedSummary({ enabled: false, hint: null, createdAt: null, lastFetchedAt: null })).toBe("");
  });
});
