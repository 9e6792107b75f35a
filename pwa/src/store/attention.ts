// What deserves the person's attention outside the screen they are on: new encouragement from partners
// (a count on the Partners tab) and a weekly review that is due (a dot on More, a line on Today).
import { type Signal, signal } from "@preact/signals";
import { api, type Schemas, unwrap } from "../api/client";
import { session } from "./state";

/** Encouragements that arrived after the person last opened Partners. */
export const newEncouragement: Signal<number> = signal(0);
/** True when this week's review is not written yet and its weekday and time have passed. */
export const reviewDue: Signal<boolean> = signal(false);

// Per participant, so two people sharing a browser do not clear each other's count.
const seenKey = (participantId: string) => `ft-encouragement-seen:${participantId}`;
// Before Partners was ever opened, only the last week's encouragements count as new (not a year of them).
const FIRST_LOOK_BACK_MS = 7 * 24 * 60 * 60 * 1000;

/** Remember that the person has now seen every encouragement (called when Partners opens). */
export function markEncouragementSeen(): void {
  const participant = session.value?.participant;
  if (!participant) return;
  localStorage.setItem(seenKey(participant.id), new Date().toISOString());
  newEncouragement.value = 0;
}

function lastSeen(participantId: string): number {
  const saved = localStorage.getItem(seenKey(participantId));
  const time = saved ? Date.parse(saved) : NaN;
  return Number.isNaN(time) ? Date.now() - FIRST_LOOK_BACK_MS : time;
}

async function countNewEncouragement(participantId: string): Promise<number> {
  const page = await unwrap(api.GET("/api/v1/encouragements", { params: { query: { limit: 50 } } }));
  const since = lastSeen(participantId);
  return page.items.filter((e) => !e.hidden && Date.parse(e.sentAt) > since).length;
}

const WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/** Monday-based weekday (0 = Monday) and minutes since midnight, now, on the wall clock of `timeZone`. */
export function wallClock(now: Date, timeZone: string): { weekday: number; minutes: number } {
  const parts = new Intl.DateTimeFormat("en-GB", {
    timeZone,
    weekday: "short",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).formatToParts(now);
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  return { weekday: WEEKDAYS.indexOf(part("weekday")), minutes: Number(part("hour")) * 60 + Number(part("minute")) };
}

/** Whether the review moment of this local week (weekday, "HH:MM[:SS]") has passed in the person's zone. */
export function reviewMomentPassed(
  account: Pick<Schemas["ParticipantOut"], "reviewWeekday" | "reviewTime" | "timeZone">,
  now = new Date(),
): boolean {
  const { weekday, minutes } = wallClock(now, account.timeZone);
  const [hour, minute] = account.reviewTime.split(":").map(Number);
  const reviewMinutes = (hour ?? 0) * 60 + (minute ?? 0);
  return weekday > account.reviewWeekday || (weekday === account.reviewWeekday && minutes >= reviewMinutes);
}

async function isReviewDue(fallback: Schemas["ParticipantOut"]): Promise<boolean> {
  const [week, account] = await Promise.all([
    unwrap(api.GET("/api/v1/weekly-reviews/current")),
    unwrap(api.GET("/api/v1/account")).catch(() => fallback),
  ]);
  return week.review === null && reviewMomentPassed(account);
}

let inFlight: Promise<void> | null = null;

/** Ask the server again. Offline or failing answers keep the last values (a badge should not flicker). */
export function refreshAttention(): Promise<void> {
  const participant = session.value?.participant;
  if (!participant) {
    newEncouragement.value = 0;
    reviewDue.value = false;
    return Promise.resolve();
  }
  inFlight ??= Promise.allSettled([countNewEncouragement(participant.id), isReviewDue(participant)])
    .then(([count, due]) => {
      // On Partners the encouragement is on screen as it arrives: seen, not new.
      if (/^\/partners(\/|$)/.test(location.pathname)) markEncouragementSeen();
      else if (count.status === "fulfilled") newEncouragement.value = count.value;
      if (due.status === "fulfilled") reviewDue.value = due.value;
    })
    .finally(() => {
      inFlight = null;
    });
  return inFlight;
}

let watching = false;

/** Refresh now and whenever the app comes back to the foreground. Safe to call more than once. */
export function watchAttention(): void {
  void refreshAttention();
  if (watching) return;
  watching = true;
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") void refreshAttention();
  });
  addEventListener("focus", () => void refreshAttention());
}
