import { describe, expect, test } from "vitest";
import type { Schemas } from "../src/api/client";
import { activeSnooze, changesBetween, encouragementByAction, isOverdue, overlay, progressOf } from "../src/screens/today";
import type { OutboxEntry } from "../src/store/db";
import type { Operation } from "../src/store/operations";

type Item = Schemas["AgendaItem"];
type Encouragement = Schemas["EncouragementOut"];

const ACTION = "a1";
const DUE = "2026-12-01T17:30:00Z";
const NOW = Date.parse("2026-12-01T12:00:00Z");

function item(checkIn: Partial<Schemas["CheckInOut"]> | null = null, snoozedUntil: string | null = null): Item {
  return {
    occurrenceId: "o1",
    snoozedUntil,
    dueAt: DUE,
    localDate: "2026-12-01",
    keyAction: { id: ACTION, title: "Write one line", cue: null, measure: { unit: "lines", target: 1 }, visibility: "private" },
    checkIn: checkIn && ({ id: "c1", result: "done", note: null, measureValue: null, ...checkIn } as Schemas["CheckInOut"]),
  };
}

const queued = (operation: Operation): OutboxEntry => ({ ...operation, id: "x", label: "", createdAt: "" });
const post = (body: Partial<Schemas["CheckInCreate"]>) =>
  queued({ op: "checkIn", body: { id: "new", keyActionId: ACTION, occurrenceAt: "2026-12-01T17:30:00+00:00", result: "done", ...body } });
const edit = (checkInId: string, body: Schemas["CheckInUpdate"]) => queued({ op: "editCheckIn", checkInId, body });
const undo = (checkInId: string) => queued({ op: "undoCheckIn", checkInId });

describe("overlay", () => {
  test("it shows the saved check-in with its note and measure", () => {
    expect(overlay(item({ result: "partly", note: "half", measureValue: 2 }), [])).toEqual({
      result: "partly",
      note: "half",
      measureValue: 2,
      checkInId: "c1",
      pending: false,
    });
  });

  test("it shows a queued check-in for the same occurrence, whatever the offset notation", () => {
    const shown = overlay(item(), [post({ result: "skipped", note: "ill" })]);
    expect(shown).toMatchObject({ result: "skipped", note: "ill", measureValue: null, checkInId: "new", pending: true });
  });

  test("it ignores a check-in for another occurrence", () => {
    expect(overlay(item(), [post({ occurrenceAt: "2026-12-02T17:30:00Z" })]).result).toBeNull();
  });

  test("it applies a queued edit on top of the saved check-in, keeping what the edit did not touch", () => {
    const shown = overlay(item({ result: "partly", note: "half", measureValue: 2 }), [edit("c1", { note: "most of it" })]);
    expect(shown).toEqual({ result: "partly", note: "most of it", measureValue: 2, checkInId: "c1", pending: true });
  });

  test("it applies an edit to a check-in that is itself still queued", () => {
    const shown = overlay(item(), [post({}), edit("new", { result: "partly", measureValue: 3 })]);
    expect(shown).toMatchObject({ result: "partly", measureValue: 3, checkInId: "new", pending: true });
  });

  test("it ignores an edit of another check-in", () => {
    expect(overlay(item(), [edit("other", { result: "partly" })]).pending).toBe(false);
  });

  test("an undo after an edit leaves nothing reported", () => {
    const entries = [edit("c1", { note: "x" }), undo("c1")];
    expect(overlay(item({}), entries)).toEqual({ result: null, checkInId: null, pending: true });
  });
});

describe("overdue", () => {
  test("an item is overdue once its time passed with nothing reported", () => {
    expect(isOverdue(item(), overlay(item(), []), Date.parse(DUE) + 1)).toBe(true);
    expect(isOverdue(item(), overlay(item(), []), NOW)).toBe(false);
    expect(isOverdue(item({}), overlay(item({}), []), Date.parse(DUE) + 1)).toBe(false);
  });
});

describe("snoozed", () => {
  const SNOOZED_UNTIL = "2026-12-01T18:15:00Z";
  const after = (iso: string) => Date.parse(iso) + 1;

  test("an open item snoozed past its due time is not overdue until the snooze time passes", () => {
    const snoozed = item(null, SNOOZED_UNTIL);
    const shown = overlay(snoozed, []);
    expect(activeSnooze(snoozed, shown, after(DUE))).toBe(SNOOZED_UNTIL);
    expect(isOverdue(snoozed, shown, after(DUE))).toBe(false);
    expect(activeSnooze(snoozed, shown, after(SNOOZED_UNTIL))).toBeNull();
    expect(isOverdue(snoozed, shown, after(SNOOZED_UNTIL))).toBe(true);
  });

  test("an item reported, even only queued in the outbox, says nothing of a snooze", () => {
    const snoozed = item(null, SNOOZED_UNTIL);
    expect(activeSnooze(snoozed, overlay(snoozed, [post({})]), NOW)).toBeNull();
  });

  test("an item never snoozed has no snooze", () => {
    expect(activeSnooze(item(), overlay(item(), []), NOW)).toBeNull();
  });
});

describe("progress", () => {
  test("it counts done out of all, not other results", () => {
    const shown = [item({ result: "done" }), item({ result: "partly" }), item(), item({ result: "done" })].map((i) => overlay(i, []));
    expect(progressOf(shown)).toEqual({ done: 2, total: 4 });
  });
});

describe("encouragement on a card", () => {
  const note = (id: string, sentAt: string, more: Partial<Encouragement> = {}): Encouragement => ({
    id,
    sentAt,
    keyActionId: ACTION,
    checkInId: null,
    hidden: false,
    message: "Keep going!",
    partner: { id: "p", displayName: "Ben" },
    ...more,
  });

  test("it keeps the last week's visible messages per key action, newest first", () => {
    const byAction = encouragementByAction(
      [
        note("old", "2026-11-20T10:00:00Z"),
        note("earlier", "2026-11-28T10:00:00Z"),
        note("hidden", "2026-11-30T10:00:00Z", { hidden: true }),
        note("latest", "2026-11-30T11:00:00Z"),
        note("other", "2026-11-30T11:00:00Z", { keyActionId: "a2" }),
        note("unlinked", "2026-11-30T11:00:00Z", { keyActionId: null }),
      ],
      NOW,
    );
    expect(byAction.get(ACTION)?.map((e) => e.id)).toEqual(["latest", "earlier"]);
    expect(byAction.get("a2")?.map((e) => e.id)).toEqual(["other"]);
    expect(byAction.size).toBe(2);
  });
});

describe("editing a check-in", () => {
  const before = { result: "partly" as const, note: "half", measureValue: 2 };

  test("it sends only the fields that changed", () => {
    expect(changesBetween(before, { ...before, note: "most" })).toEqual({ note: "most" });
    expect(changesBetween(before, { ...before, result: "done", measureValue: null })).toEqual({ result: "done", measureValue: null });
  });

  test("it sends nothing when nothing changed", () => {
    expect(changesBetween(before, before)).toBeNull();
    expect(changesBetween({ result: "done" }, { result: "done", note: null, measureValue: null })).toBeNull();
  });
});
