// A key action's schedule in plain words, and back. The API speaks RFC 5545 (a local start time plus an
// RRULE, or a single local due time); people speak "every Monday and Thursday at 8:00".
import type { components } from "./api/schema";

export type ApiSchedule = components["schemas"]["OnceSchedule"] | components["schemas"]["RecurringSchedule"];
export const WEEKDAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"] as const;
export type Weekday = (typeof WEEKDAYS)[number];
export const DAY_NAMES: Record<Weekday, string> = {
  MO: "Monday", TU: "Tuesday", WE: "Wednesday", TH: "Thursday", FR: "Friday", SA: "Saturday", SU: "Sunday",
};
const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
  "October", "November", "December"];

/** What the schedule picker edits. Times are local "HH:MM", dates local "YYYY-MM-DD". */
export type Plan =
  | { kind: "once"; date: string; time: string }
  | { kind: "daily"; time: string }
  | { kind: "weekly"; days: Weekday[]; time: string };

const pad = (n: number) => String(n).padStart(2, "0");

/** "08:00" → "8:00" (24-hour clock, as the examples in the brief). */
export function clockTime(time: string): string {
  const [h, m] = time.split(":");
  return `${Number(h)}:${m}`;
}

function joinWords(words: string[]): string {
  if (words.length <= 1) return words.join("");
  return `${words.slice(0, -1).join(", ")} and ${words[words.length - 1]}`;
}

function sortDays(days: Weekday[]): Weekday[] {
  return WEEKDAYS.filter((d) => days.includes(d));
}

function weekdayOf(date: string): Weekday {
  const [y, m, d] = date.split("-").map(Number);
  const js = new Date(Date.UTC(y, m - 1, d)).getUTCDay(); // 0 = Sunday
  return WEEKDAYS[(js + 6) % 7];
}

/** The plan in plain words: "every Monday and Thursday at 8:00", "once, on Friday 6 March at 17:00". */
export function describePlan(plan: Plan): string {
  const at = `at ${clockTime(plan.time)}`;
  if (plan.kind === "once") {
    const [, m, d] = plan.date.split("-").map(Number);
    return `once, on ${DAY_NAMES[weekdayOf(plan.date)]} ${d} ${MONTHS[m - 1]} ${at}`;
  }
  if (plan.kind === "daily") return `every day ${at}`;
  const days = sortDays(plan.days);
  if (days.length === 7) return `every day ${at}`;
  if (days.join() === "MO,TU,WE,TH,FR") return `every weekday ${at}`;
  if (days.join() === "SA,SU") return `every weekend day ${at}`;
  return `every ${joinWords(days.map((d) => DAY_NAMES[d]))} ${at}`;
}

/** The API body for a plan. `today` (local "YYYY-MM-DD") starts a recurring rule. */
export function planToSchedule(plan: Plan, today: string): ApiSchedule {
  if (plan.kind === "once") return { kind: "once", dueAt: `${plan.date}T${plan.time}:00` };
  const startsAt = `${today}T${plan.time}:00`;
  if (plan.kind === "daily") return { kind: "recurring", rrule: "FREQ=DAILY", startsAt };
  const days = sortDays(plan.days);
  if (days.length === 0) throw new Error("Choose at least one day");
  return { kind: "recurring", rrule: `FREQ=WEEKLY;BYDAY=${days.join(",")}`, startsAt };
}

function parseRule(rrule: string): Map<string, string> {
  const body = rrule.trim().replace(/^RRULE:/i, "");
  const parts = new Map<string, string>();
  for (const part of body.split(";")) {
    const [key, value] = part.split("=");
    if (key && value !== undefined) parts.set(key.trim().toUpperCase(), value.trim().toUpperCase());
  }
  return parts;
}

/** The plan a schedule came from, or null when the rule says more than the picker can (COUNT, INTERVAL…). */
export function scheduleToPlan(schedule: ApiSchedule): Plan | null {
  if (schedule.kind === "once") {
    const dueAt = (schedule as components["schemas"]["OnceSchedule"]).dueAt;
    return { kind: "once", date: dueAt.slice(0, 10), time: dueAt.slice(11, 16) };
  }
  const { rrule, startsAt } = schedule as components["schemas"]["RecurringSchedule"];
  const parts = parseRule(rrule);
  let time = startsAt.slice(11, 16);
  if (parts.has("BYHOUR") || parts.has("BYMINUTE")) {
    const hour = parts.get("BYHOUR") ?? time.slice(0, 2);
    const minute = parts.get("BYMINUTE") ?? time.slice(3, 5);
    if (!/^\d+$/.test(hour) || !/^\d+$/.test(minute)) return null;
    time = `${pad(Number(hour))}:${pad(Number(minute))}`;
    parts.delete("BYHOUR");
    parts.delete("BYMINUTE");
  }
  parts.delete("BYSECOND");
  if (parts.get("INTERVAL") === "1") parts.delete("INTERVAL");
  if (parts.get("WKST")) parts.delete("WKST");
  const freq = parts.get("FREQ");
  parts.delete("FREQ");
  if (freq === "DAILY" && parts.size === 0) return { kind: "daily", time };
  if (freq === "WEEKLY") {
    const byday = parts.get("BYDAY");
    parts.delete("BYDAY");
    if (parts.size > 0) return null;
    const days = byday ? byday.split(",") : [weekdayOf(startsAt.slice(0, 10))];
    if (!days.every((d): d is Weekday => (WEEKDAYS as readonly string[]).includes(d))) return null;
    return { kind: "weekly", days: sortDays(days as Weekday[]), time };
  }
  return null;
}

/** Any schedule in words; a rule the picker cannot express is shown as it is. */
export function describeSchedule(schedule: ApiSchedule): string {
  const plan = scheduleToPlan(schedule);
  if (plan) return describePlan(plan);
  const rule = schedule as components["schemas"]["RecurringSchedule"];
  return `repeating (${rule.rrule}) from ${rule.startsAt.slice(0, 10)} at ${clockTime(rule.startsAt.slice(11, 16))}`;
}

/** Reminder offsets (minutes before) in words. */
export function describeOffset(minutes: number): string {
  if (minutes === 0) return "at the time";
  if (minutes % 1440 === 0) return minutes === 1440 ? "1 day before" : `${minutes / 1440} days before`;
  if (minutes % 60 === 0) return minutes === 60 ? "1 hour before" : `${minutes / 60} hours before`;
  return `${minutes} minutes before`;
}

export function localDate(d = new Date()): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}
