import { describe, expect, test } from "vitest";
import { cueSentence, dateInWords, nextInWords, resultWords, timeInWords } from "../src/words";

describe("dates and times in words", () => {
  test("a date names the weekday, and the year only when it is not this year", () => {
    expect(dateInWords("2026-12-01", "en-GB", "2026-06-01")).toBe("Tuesday 1 December");
    expect(dateInWords("2026-12-01", "en-GB", "2025-12-31")).toBe("Tuesday, 1 December 2026"); // the locale's own punctuation
    expect(dateInWords("2026-03-29T00:30:00", "en-GB", "2026-01-01")).toBe("Sunday 29 March");
  });

  test("a time is a 24-hour clock in the zone, without a leading zero", () => {
    expect(timeInWords("2026-07-01T15:00:00Z", "Europe/Berlin", "en-GB")).toBe("17:00");
    expect(timeInWords("2026-07-01T06:05:00Z", "Europe/Berlin", "en-GB")).toBe("8:05");
    expect(timeInWords("2026-07-01T12:05:00Z", "America/New_York", "en-US")).toBe("8:05");
    expect(timeInWords("2026-07-01T22:05:00Z", "Europe/London", "en-GB")).toBe("23:05");
    expect(timeInWords("2026-07-01T23:05:00Z", "Europe/London", "en-GB")).toBe("0:05");
  });

  test("the next occurrence says today, tomorrow, a weekday or a date", () => {
    const now = new Date("2026-11-30T10:00:00Z"); // a Monday in London
    const next = (iso: string) => nextInWords(iso, "Europe/London", now, "en-GB");
    expect(next("2026-11-30T17:00:00Z")).toBe("today 17:00");
    expect(next("2026-12-01T08:00:00Z")).toBe("tomorrow 8:00");
    expect(next("2026-12-03T08:00:00Z")).toBe("Thursday 8:00");
    expect(next("2026-12-06T08:00:00Z")).toBe("Sunday 8:00"); // six days on
    expect(next("2026-12-07T08:00:00Z")).toBe("7 Dec 8:00"); // a week on: a weekday name would mislead
    expect(next("2027-01-05T08:00:00Z")).toBe("5 Jan 2027 8:00");
    expect(next("2026-11-29T20:00:00Z")).toBe("yesterday 20:00");
  });

  test("days are counted in the zone, not from UTC", () => {
    const now = new Date("2026-11-30T23:30:00Z"); // Tuesday 1 December 10:30 in Sydney
    expect(nextInWords("2026-12-01T06:00:00Z", "Australia/Sydney", now, "en-GB")).toBe("today 17:00");
    expect(nextInWords("2026-12-01T06:00:00Z", "Europe/London", now, "en-GB")).toBe("tomorrow 6:00");
  });

  test("a spring-forward night in Berlin does not blur today and tomorrow", () => {
    // 29 March 2026: at 2:00 CET the clocks go to 3:00 CEST. From 1:30 to 0:30 the next day is 22 hours.
    expect(nextInWords("2026-03-29T22:30:00Z", "Europe/Berlin", new Date("2026-03-29T00:30:00Z"), "en-GB")).toBe("tomorrow 0:30");
    expect(nextInWords("2026-03-29T06:00:00Z", "Europe/Berlin", new Date("2026-03-28T22:30:00Z"), "en-GB")).toBe("tomorrow 8:00");
    expect(nextInWords("2026-03-29T21:30:00Z", "Europe/Berlin", new Date("2026-03-28T23:30:00Z"), "en-GB")).toBe("today 23:30");
    expect(nextInWords("2026-04-03T06:00:00Z", "Europe/Berlin", new Date("2026-03-28T22:30:00Z"), "en-GB")).toBe("Friday 8:00");
    expect(nextInWords("2026-04-04T06:00:00Z", "Europe/Berlin", new Date("2026-03-28T22:30:00Z"), "en-GB")).toBe("4 Apr 8:00");
  });

  test("a fall-back night in New York does not blur today and tomorrow", () => {
    // 1 November 2026: at 2:00 EDT the clocks go back to 1:00 EST, so that day has 25 hours.
    const lateOnSaturday = new Date("2026-11-01T03:30:00Z"); // 23:30 EDT, 31 October
    const justAfterMidnight = new Date("2026-11-01T04:30:00Z"); // 0:30 EDT, 1 November
    expect(nextInWords("2026-11-02T04:30:00Z", "America/New_York", lateOnSaturday, "en-US")).toBe("tomorrow 23:30");
    expect(nextInWords("2026-11-02T04:30:00Z", "America/New_York", justAfterMidnight, "en-US")).toBe("today 23:30");
    expect(nextInWords("2026-11-01T05:30:00Z", "America/New_York", justAfterMidnight, "en-US")).toBe("today 1:30");
    expect(nextInWords("2026-11-01T06:30:00Z", "America/New_York", justAfterMidnight, "en-US")).toBe("today 1:30");
  });

  test("nothing in words is an ISO date", () => {
    const now = new Date("2026-03-28T22:30:00Z");
    for (let days = -3; days < 400; days += 7) {
      const iso = new Date(now.getTime() + days * 86_400_000).toISOString();
      expect(nextInWords(iso, "Europe/Berlin", now, "en-GB")).not.toMatch(/\d{4}-\d{2}-\d{2}|T\d\d:/);
    }
  });
});

describe("cues as implementation intentions", () => {
  const title = "Block 90 minutes for deep work";

  test("the cue and the title make one sentence", () => {
    expect(cueSentence("When I sit down at my desk", title)).toBe("When I sit down at my desk, I will block 90 minutes for deep work");
    expect(cueSentence("I sit down at my desk", title)).toBe("When I sit down at my desk, I will block 90 minutes for deep work");
    expect(cueSentence("when when I sit down at my desk.", title)).toBe("When I sit down at my desk, I will block 90 minutes for deep work");
    expect(cueSentence("  When I sit down at my desk.  ", `${title}.`)).toBe("When I sit down at my desk, I will block 90 minutes for deep work");
  });

  test("no cue, no sentence", () => {
    expect(cueSentence(null, title)).toBeNull();
    expect(cueSentence("  ", title)).toBeNull();
    expect(cueSentence("When ", title)).toBeNull();
  });

  test("a cue that already says when keeps its own opening", () => {
    expect(cueSentence("After lunch", "Walk for 20 minutes")).toBe("After lunch, I will walk for 20 minutes");
    expect(cueSentence("When after lunch", "Walk for 20 minutes")).toBe("After lunch, I will walk for 20 minutes");
  });

  test("the title's capital stays on I, acronyms and names written like them", () => {
    expect(cueSentence("When the kids are asleep", "I will read for 20 minutes")).toBe("When the kids are asleep, I will read for 20 minutes");
    expect(cueSentence("When the kids are asleep", "I'm going to read")).toBe("When the kids are asleep, I'm going to read");
    expect(cueSentence("When I get to work", "NHS forms first")).toBe("When I get to work, I will NHS forms first");
    expect(cueSentence("When I get to work", "PRs before email")).toBe("When I get to work, I will PRs before email");
    expect(cueSentence("When I get to work", "Call Anna")).toBe("When I get to work, I will call Anna");
    expect(cueSentence("When I get to work", "Inbox to zero")).toBe("When I get to work, I will inbox to zero");
  });
});

test("check-in results in words", () => {
  expect([resultWords.done, resultWords.partly, resultWords.not_done, resultWords.skipped]).toEqual(["Done", "Partly", "Not done", "Skipped"]);
  expect(resultWords("skipped")).toBe("Skipped");
});
