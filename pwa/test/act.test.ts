import { describe, expect, test } from "vitest";
import { ApiError, OfflineError } from "../src/api/client";
import {
  type ActLink, answeredAtWords, answerWords, choiceWords, dueWords, failureOf, localDateIn, suggestedChoice, undoLeftWords,
} from "../src/screens/act";

const ZONE = "Europe/Berlin";
// 08:00 in Berlin on Tuesday 1 December 2026.
const DUE = "2026-12-01T07:00:00Z";
const NOW = new Date("2026-12-01T07:03:00Z");

function link(answer: Partial<ActLink["answer"]> | null = null, extra: Partial<ActLink> = {}): ActLink {
  return {
    purpose: "reminder",
    keyActionTitle: "Write one line",
    cue: "I open my laptop",
    dueAt: DUE,
    timeZone: ZONE,
    personName: null,
    choices: ["done", "partly", "not_done", "snooze_15m", "snooze_1h", "snooze_tonight"],
    state: answer ? "answered" : "open",
    answer: answer && { choice: "done", at: NOW.toISOString(), undoUntil: null, snoozedUntil: null, note: null, ...answer },
    ...extra,
  };
}

describe("the act page's words", () => {
  test("the due time is said in the person's zone, relative to today", () => {
    expect(dueWords(link(), NOW, "en-GB")).toBe("Due today 8:00");
    expect(dueWords(link(), new Date("2026-12-02T09:00:00Z"), "en-GB")).toBe("Due yesterday 8:00");
  });

  test("the local date is the zone's calendar day, not UTC's", () => {
    expect(localDateIn("2026-11-30T23:30:00Z", ZONE)).toBe("2026-12-01");
    expect(localDateIn("2026-11-30T23:30:00Z", "UTC")).toBe("2026-11-30");
  });

  test("a done answer says which day it counted for", () => {
    expect(answerWords(link({ choice: "done" }), NOW, "en-GB")).toBe("Done — counted for Tuesday 1 December");
    expect(answerWords(link({ choice: "partly" }), NOW, "en-GB")).toBe("Partly — counted for Tuesday 1 December");
    expect(answerWords(link({ choice: "not_done" }), NOW, "en-GB")).toBe("Not done — noted for Tuesday 1 December");
  });

  test("a snooze says until when, with the day only when it is not today", () => {
    expect(answerWords(link({ choice: "snooze_1h", snoozedUntil: "2026-12-01T11:38:00Z" }), NOW, "en-GB")).toBe("Snoozed until 12:38");
    expect(answerWords(link({ choice: "snooze_tonight", snoozedUntil: "2026-12-02T07:00:00Z" }), NOW, "en-GB")).toBe(
      "Snoozed until tomorrow 8:00",
    );
  });

  test("an encouragement says to whom and what", () => {
    const sent = link({ choice: "encourage", note: "Keep going!" }, { purpose: "encourage", personName: "Ada" });
    expect(answerWords(sent, NOW)).toBe("Sent to Ada: “Keep going!”");
  });

  test("when it was answered is said in words", () => {
    expect(answeredAtWords(link({ choice: "done" }), NOW, "en-GB")).toBe("You answered today 8:03.");
  });

  test("no choice is shown as a code", () => {
    expect(choiceWords("not_done")).toBe("Not done");
    expect(choiceWords("snooze_15m")).toBe("Snoozed for 15 minutes");
    expect(choiceWords("something_new")).toBe("Answered");
  });

  test("undo counts down in minutes, then seconds, then is gone", () => {
    const until = "2026-12-01T07:13:00Z";
    expect(undoLeftWords(until, NOW)).toBe("10 minutes left to undo");
    expect(undoLeftWords(until, new Date("2026-12-01T07:12:01Z"))).toBe("59 seconds left to undo");
    expect(undoLeftWords(until, new Date("2026-12-01T07:11:30Z"))).toBe("2 minutes left to undo");
    expect(undoLeftWords(until, new Date("2026-12-01T07:13:00Z"))).toBeNull();
    expect(undoLeftWords(null, NOW)).toBeNull();
  });

  test("a link's suggested choice is kept only when the page offers it", () => {
    expect(suggestedChoice("done", link().choices)).toBe("done");
    expect(suggestedChoice("encourage", link().choices)).toBeNull();
    expect(suggestedChoice("drop_table", link().choices)).toBeNull();
    expect(suggestedChoice(undefined, link().choices)).toBeNull();
  });

  test("failures are told apart: invalid, expired, offline, already answered", () => {
    expect(failureOf(new ApiError(404, "This link is not valid."))).toBe("invalid");
    expect(failureOf(new ApiError(410, "expired"))).toBe("expired");
    expect(failureOf(new ApiError(409, "already answered"))).toBe("conflict");
    expect(failureOf(new OfflineError())).toBe("offline");
    expect(failureOf(new ApiError(500, "boom"))).toBe("other");
  });
});
