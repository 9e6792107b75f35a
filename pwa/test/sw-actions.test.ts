// What a Web Push reminder shows and what its buttons write: the service worker's pure parts.
import { describe, expect, test } from "vitest";
import { actEntry, confirmation, isActWrite, notificationFor, readReminder, subjectOf, todayAt } from "../src/push-actions";
import { requestOf } from "../src/store/operations";

const ORIGIN = "https://ft.example.org";
const OCCURRENCE = "0190c3a4-0000-7000-8000-000000000001";
const TOKEN = "AbCdEfGhIjKlMnOpQrStUv";
const REMINDER = {
  title: "Now: Walk 10 minutes",
  body: "Due Mon 2 Mar, 08:00.",
  url: `${ORIGIN}/today?occurrence=${OCCURRENCE}`,
  tag: `occurrence:${OCCURRENCE}`,
  occurrenceId: OCCURRENCE,
  actToken: TOKEN,
  actions: [
    { action: "done", title: "Done" },
    { action: "snooze_1h", title: "Snooze 1 h" },
  ],
};
const push = (data: unknown) => readReminder(JSON.stringify(data), ORIGIN);

describe("a reminder push", () => {
  test("is one notification per occurrence, with its buttons and what they need", () => {
    const { title, options } = notificationFor(push(REMINDER));
    expect(title).toBe("Now: Walk 10 minutes");
    expect(options).toMatchObject({
      body: "Due Mon 2 Mar, 08:00.",
      tag: `occurrence:${OCCURRENCE}`,
      renotify: true, // a snooze that replaces the earlier reminder sounds again
      data: { url: REMINDER.url, occurrenceId: OCCURRENCE, actToken: TOKEN },
      actions: REMINDER.actions,
    });
  });

  test("a message that is not a reminder has no tag, no renotify and no buttons", () => {
    const { options } = notificationFor(push({ title: "Followthrough test", body: "Works", url: "/settings" }));
    expect(options.tag).toBeUndefined();
    expect(options.renotify).toBeUndefined(); // browsers refuse renotify without a tag
    expect(options.actions).toBeUndefined();
    expect(options.data).toMatchObject({ url: `${ORIGIN}/settings` });
  });

  test("buttons need a well-formed act token, and only known choices become buttons", () => {
    expect(push({ ...REMINDER, actToken: undefined }).actions).toEqual([]);
    expect(push({ ...REMINDER, actToken: "../../api/v1/me" }).actions).toEqual([]);
    expect(push({ ...REMINDER, actToken: "../../api/v1/me" }).actToken).toBeUndefined();
    const odd = push({ ...REMINDER, actions: [{ action: "delete_everything", title: "X" }, { action: "done" }, "done"] });
    expect(odd.actions).toEqual([{ action: "done", title: "Done" }]);
  });

  test("tapping the body opens Today at the occurrence, and never another site", () => {
    expect(push({ ...REMINDER, url: undefined }).url).toBe(todayAt(OCCURRENCE, ORIGIN));
    expect(todayAt(OCCURRENCE, ORIGIN)).toBe(`${ORIGIN}/today?occurrence=${OCCURRENCE}`);
    expect(push({ ...REMINDER, url: "https://evil.example/today" }).url).toBe(`${ORIGIN}/today`);
  });

  test("plain text and empty pushes still show something", () => {
    expect(readReminder("hello", ORIGIN)).toMatchObject({ body: "hello", actions: [], tag: undefined });
    expect(readReminder(null, ORIGIN)).toMatchObject({ title: "Followthrough", actions: [] });
  });
});

describe("a reminder's buttons", () => {
  test("Done is an outbox write to the act link carrying the client id twice, once for the outbox", () => {
    const entry = actEntry(TOKEN, "done", "Walk 10 minutes", "6f1c…id");
    expect(entry).toEqual({
      id: "6f1c…id",
      op: "act",
      token: TOKEN,
      body: { choice: "done", id: "6f1c…id" },
      label: "Done: Walk 10 minutes",
    });
    expect(requestOf(entry)).toEqual({ method: "POST", path: `/api/v1/act/${TOKEN}`, body: { choice: "done", id: "6f1c…id" } });
    expect(isActWrite(entry)).toBe(true);
    expect(isActWrite({ op: "checkIn" })).toBe(false);
  });

  test("Snooze 1 h says what it was about in the pending list", () => {
    const entry = actEntry(TOKEN, "snooze_1h", "Walk", "x");
    expect(entry).toMatchObject({ op: "act", body: { choice: "snooze_1h", id: "x" } });
    expect(entry.label).toBe("Snooze 1 h: Walk");
  });

  test("the key action is named without the reminder's heading", () => {
    expect(subjectOf("Now: Walk", { url: "" })).toBe("Walk");
    expect(subjectOf("In 1 h 30 min: Call: mum", { url: "" })).toBe("Call: mum");
    expect(subjectOf("Still open: Walk", { url: "" })).toBe("Walk");
    expect(subjectOf("Now: Walk", { url: "", keyActionTitle: "Walk 10 min" })).toBe("Walk 10 min");
    expect(subjectOf("Email: inbox zero", null)).toBe("Email: inbox zero");
  });

  test("the confirmation says what happened, and when it is only saved for later", () => {
    expect(confirmation("done", "Walk", { kind: "sent" })).toEqual({ title: "Done ✓ Walk", body: "" });
    expect(confirmation("done", "Walk", { kind: "queued" }).body).toMatch(/sent when you are back online/);
    expect(confirmation("snooze_1h", "Walk", { kind: "sent" })).toEqual({ title: "Snoozed for an hour", body: "Walk" });
    expect(confirmation("snooze_1h", "Walk", { kind: "queued" }).body).toMatch(/^Walk\. Saved/);
    const refused = confirmation("done", "Walk", { kind: "refused", message: "This link has expired." });
    expect(refused).toEqual({ title: "Not recorded: Walk", body: "This link has expired." });
  });
});
