// What a Web Push reminder shows and what its buttons do, kept apart from sw.ts so it can be tested.
import { readPush, safeUrl, type PushMessage } from "./notify";
import type { OutboxEntry } from "./store/db";
import type { QueuedWrite } from "./store/operations";

/** The answers a notification button gives (the act endpoint's choices that need no note). */
export type PushChoice = "done" | "snooze_1h";
const CHOICE_WORDS: Record<PushChoice, string> = { done: "Done", snooze_1h: "Snooze 1 h" };

export function isPushChoice(action: string): action is PushChoice {
  return Object.hasOwn(CHOICE_WORDS, action);
}

export interface PushAction {
  action: PushChoice;
  title: string;
}

/** A push message with what a reminder adds: one notification per occurrence, and its act link. */
export interface Reminder extends PushMessage {
  tag?: string;
  occurrenceId?: string;
  actToken?: string;
  /** The key action's own words when the sender gave them; otherwise read from the title. */
  keyActionTitle?: string;
  actions: PushAction[];
}

/** What the notification carries for its click handler. */
export interface ReminderData {
  url: string;
  occurrenceId?: string;
  actToken?: string;
  keyActionTitle?: string;
}

/** NotificationOptions as the service worker may use them (TypeScript's DOM types lack these two). */
export interface ShownOptions extends NotificationOptions {
  actions?: PushAction[];
  renotify?: boolean;
}

const ICON = "/icons/icon-192.png";
// An act token is base64url; anything else is not put into a path.
const TOKEN = /^[A-Za-z0-9_-]{16,128}$/;

/** The payload as a reminder: unknown or malformed extras are left out, never guessed. */
export function readReminder(text: string | null | undefined, origin: string): Reminder {
  const message = readPush(text, origin);
  let data: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(text ?? "");
    if (parsed && typeof parsed === "object") data = parsed as Record<string, unknown>;
  } catch {
    // plain text: readPush made it the body
  }
  const text_ = (v: unknown, max: number) => (typeof v === "string" && v.trim() ? v.slice(0, max) : undefined);
  const occurrenceId = text_(data.occurrenceId, 64);
  const actToken = typeof data.actToken === "string" && TOKEN.test(data.actToken) ? data.actToken : undefined;
  const actions = actToken && Array.isArray(data.actions) ? data.actions.flatMap((a) => readAction(a)) : [];
  const url = text_(data.url, 2000) ? message.url : occurrenceId ? todayAt(occurrenceId, origin) : message.url;
  return {
    ...message,
    url,
    tag: text_(data.tag, 100),
    occurrenceId,
    actToken,
    keyActionTitle: text_(data.keyActionTitle, 200),
    actions: actions.slice(0, 2), // what every browser that shows actions can show
  };
}

function readAction(value: unknown): PushAction[] {
  const { action, title } = (value ?? {}) as { action?: unknown; title?: unknown };
  if (typeof action !== "string" || !isPushChoice(action)) return [];
  return [{ action, title: typeof title === "string" && title.trim() ? title.slice(0, 40) : CHOICE_WORDS[action] }];
}

export function todayAt(occurrenceId: string, origin: string): string {
  return safeUrl(`/today?occurrence=${encodeURIComponent(occurrenceId)}`, origin);
}

/** The notification for a reminder. A tag makes a later reminder of the same occurrence (a snooze) replace
 * the earlier one, and `renotify` makes the replacement sound again instead of changing silently. */
export function notificationFor(reminder: Reminder): { title: string; options: ShownOptions } {
  const data: ReminderData = {
    url: reminder.url,
    occurrenceId: reminder.occurrenceId,
    actToken: reminder.actToken,
    keyActionTitle: reminder.keyActionTitle,
  };
  const options: ShownOptions = { body: reminder.body, icon: ICON, badge: ICON, data };
  if (reminder.tag) Object.assign(options, { tag: reminder.tag, renotify: true });
  if (reminder.actions.length) options.actions = reminder.actions;
  return { title: reminder.title, options };
}

// Reminder titles lead with when ("Now: Walk", "In 10 min: Walk", "Still open: Walk").
const HEADING = /^(?:Now|Still open|In [^:]{1,20}): /;

/** The key action a reminder is about, in its own words. */
export function subjectOf(notificationTitle: string, data: ReminderData | null | undefined): string {
  return data?.keyActionTitle ?? notificationTitle.replace(HEADING, "");
}

/** The outbox write for a button: the same queue, client id and replay as the app's own check-ins. */
export function actEntry(
  actToken: string,
  choice: PushChoice,
  subject: string,
  id: string,
): QueuedWrite {
  return {
    id,
    op: "act",
    token: actToken,
    body: { choice, id },
    label: `${CHOICE_WORDS[choice]}: ${subject}`,
  };
}

/** Writes the service worker may send itself: act links need no session, so no CSRF token. */
export function isActWrite(entry: Pick<OutboxEntry, "op">): boolean {
  return entry.op === "act";
}

/** How the write went: sent, kept for later (offline), or refused by the server with its words. */
export type Outcome = { kind: "sent" } | { kind: "queued" } | { kind: "refused"; message: string };

/** The short notification that replaces the reminder once a button was used. */
export function confirmation(choice: PushChoice, subject: string, outcome: Outcome): { title: string; body: string } {
  if (outcome.kind === "refused") {
    return { title: `Not recorded: ${subject}`, body: outcome.message };
  }
  const later = outcome.kind === "queued" ? "Saved on this device; it is sent when you are back online." : "";
  if (choice === "done") return { title: `Done ✓ ${subject}`, body: later };
  return { title: "Snoozed for an hour", body: later ? `${subject}. ${later}` : subject };
}
