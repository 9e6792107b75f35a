// Dates, times, cues and check-in results as a person says them. Every function that depends on the clock
// or the zone takes them as parameters, so that what a screen shows is pinned down in tests.
import type { components } from "./api/schema";

export type CheckInResult = components["schemas"]["CheckInResult"];

const RESULT_WORDS: Record<CheckInResult, string> = {
  done: "Done", partly: "Partly", not_done: "Not done", skipped: "Skipped",
};
/** A check-in result in words: `resultWords.not_done` or `resultWords("not_done")` → "Not done". Both
 * spellings work because screens use it as a lookup table and as a function. */
export const resultWords: ((result: CheckInResult) => string) & Readonly<Record<CheckInResult, string>> =
  Object.assign((result: CheckInResult) => RESULT_WORDS[result], RESULT_WORDS);

const formatters = new Map<string, Intl.DateTimeFormat>();
// Building a DateTimeFormat costs far more than using one, and a list formats the same way many times.
function formatter(locale: string | undefined, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale ?? ""}|${JSON.stringify(options)}`;
  let found = formatters.get(key);
  if (!found) formatters.set(key, (found = new Intl.DateTimeFormat(locale, options)));
  return found;
}

/** The calendar day an instant falls on in a zone, as a count of days since 1970 (for differences). */
function dayInZone(instant: Date, timeZone: string): { dayNumber: number; year: number } {
  const parts = formatter("en-US", { timeZone, year: "numeric", month: "numeric", day: "numeric" }).formatToParts(instant);
  const value = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const year = value("year");
  return { dayNumber: Date.UTC(year, value("month") - 1, value("day")) / 86_400_000, year };
}

/** "Tuesday 1 December" (in the locale's order), with the year only when it is not the year of `today`
 * (a local "YYYY-MM-DD"; the device's date when left out). `isoDate` is a local "YYYY-MM-DD". */
export function dateInWords(isoDate: string, locale?: string, today?: string): string {
  const [year, month, day] = isoDate.slice(0, 10).split("-").map(Number);
  const thisYear = today ? Number(today.slice(0, 4)) : new Date().getFullYear();
  return formatter(locale, {
    timeZone: "UTC", weekday: "long", day: "numeric", month: "long", year: year === thisYear ? undefined : "numeric",
  }).format(new Date(Date.UTC(year, month - 1, day)));
}

/** "17:00", "8:05": a 24-hour clock time in `timeZone`, the hour without a leading zero. `iso` is an
 * instant with its offset, such as an occurrence's dueAt. */
export function timeInWords(iso: string | Date, timeZone: string, locale?: string): string {
  return formatter(locale, { timeZone, hour: "numeric", minute: "2-digit", hourCycle: "h23" })
    .formatToParts(new Date(iso))
    .map((p) => (p.type === "hour" ? p.value.replace(/^0(?=\d)/, "") : p.value))
    .join("");
}

/** When an instant comes, seen from `now` in `timeZone`: "today 17:00", "tomorrow 8:00", "Thursday 8:00"
 * (within six days), else "3 Dec 8:00" ("3 Dec 2027 8:00" in another year). Days are counted between
 * calendar dates in the zone, not in 24-hour steps, so a daylight-saving change cannot shift them. */
export function nextInWords(iso: string | Date, timeZone: string, now: Date, locale?: string): string {
  const instant = new Date(iso);
  const target = dayInZone(instant, timeZone);
  const current = dayInZone(now, timeZone);
  const days = target.dayNumber - current.dayNumber;
  const time = timeInWords(instant, timeZone, locale);
  if (days === 0) return `today ${time}`;
  if (days === 1) return `tomorrow ${time}`;
  if (days === -1) return `yesterday ${time}`;
  const date: Intl.DateTimeFormatOptions = days > 1 && days <= 6
    ? { weekday: "long" }
    : { day: "numeric", month: "short", year: target.year === current.year ? undefined : "numeric" };
  return `${formatter(locale, { timeZone, ...date }).format(instant)} ${time}`;
}

// Cues that already say when: "After lunch, I will…" needs no "When" in front.
const OPENING_WORDS = /^(after|before|as soon as|once|whenever|while|if|every|each)\b/i;

/** The implementation intention as one sentence: cue "When I sit down at my desk" (or without "When")
 * and title "Block 90 minutes for deep work" → "When I sit down at my desk, I will block 90 minutes for
 * deep work". Null when there is no cue (or no title). */
export function cueSentence(cue: string | null, title: string): string | null {
  const situation = (cue ?? "").trim().replace(/[\s.,;:]+$/, "").replace(/^(when\b\s*)+/i, "").trim();
  const action = title.trim().replace(/\.+$/, "").replace(/^I will\s+/i, "");
  if (!situation || !action) return null;
  // A cue written as the whole intention ("When I close my laptop, I will write one line") stands as it is.
  if (/,\s*I(?: will|'ll|’ll)\s/i.test(situation)) return /^when\b/i.test(situation) ? situation : `When ${situation}`;
  const opening = OPENING_WORDS.test(situation)
    ? situation.charAt(0).toUpperCase() + situation.slice(1)
    : `When ${situation}`;
  // A title that already speaks as "I" ("I'm going to read") needs no "I will" of its own.
  if (/^I\b/.test(action)) return `${opening}, ${action}`;
  return `${opening}, I will ${lowerFirstWord(action)}`;
}

/** "Block…" → "block…", but "NHS…" and "PRs…" keep their capital (second letter upper case). */
function lowerFirstWord(text: string): string {
  return /^.\p{Lu}/u.test(text) ? text : text.charAt(0).toLowerCase() + text.slice(1);
}

const CHOICE_WORDS: Record<string, string> = {
  done: "Done",
  partly: "Partly",
  not_done: "Not done",
  skipped: "Skipped",
  snooze_15m: "Snoozed for 15 minutes",
  snooze_1h: "Snoozed for 1 hour",
  snooze_tonight: "Snoozed until tonight",
  encourage: "Encouragement sent",
};

/** An answer from a reminder's link in words ("Not done", "Snoozed for 1 hour"); never a code. */
export function choiceWords(choice: string): string {
  return CHOICE_WORDS[choice] ?? "Answered";
}
