// A key action's schedule in plain words, and back. The API speaks RFC 5545 (a local start time plus an
// RRULE, or a single local due time); people speak "every Monday and Thursday at 8:00" or "first Wednesday of
// each month at 12:30". No rule text and no ISO date ever reaches the screen: a rule too unusual to put in
// words becomes "on a custom monthly schedule at 12:30, from 7 January 2026".
import type { components } from "./api/schema";

export type OnceSchedule = components["schemas"]["OnceSchedule"];
export type RecurringSchedule = components["schemas"]["RecurringSchedule"];
export type ApiSchedule = OnceSchedule | RecurringSchedule;
export const WEEKDAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"] as const;
export type Weekday = (typeof WEEKDAYS)[number];
export const DAY_NAMES: Record<Weekday, string> = {
  MO: "Monday", TU: "Tuesday", WE: "Wednesday", TH: "Thursday", FR: "Friday", SA: "Saturday", SU: "Sunday",
};
const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
  "October", "November", "December"];

/** What the schedule picker edits. Times are local "HH:MM", dates local "YYYY-MM-DD". A rule the picker
 * cannot express (monthly, every other week, until a date…) is carried whole as "custom". */
export type Plan =
  | { kind: "once"; date: string; time: string }
  | { kind: "daily"; time: string }
  | { kind: "weekly"; days: Weekday[]; time: string }
  | { kind: "custom"; schedule: RecurringSchedule };

const pad = (n: number) => String(n).padStart(2, "0");

/** "08:00" → "8:00" (24-hour clock, as the examples in the brief). */
export function clockTime(time: string): string {
  const [h, m] = time.split(":");
  return `${Number(h)}:${m}`;
}

/** Upper-cases the first letter, for a description that starts a sentence. */
export function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function joinWords(words: string[], last = "and"): string {
  if (words.length <= 1) return words.join("");
  return `${words.slice(0, -1).join(", ")} ${last} ${words[words.length - 1]}`;
}

function sortDays(days: readonly Weekday[]): Weekday[] {
  return WEEKDAYS.filter((d) => days.includes(d));
}

function weekdayOf(date: string): Weekday {
  const [y, m, d] = date.split("-").map(Number);
  const js = new Date(Date.UTC(y, m - 1, d)).getUTCDay(); // 0 = Sunday
  return WEEKDAYS[(js + 6) % 7];
}

/** "every Monday and Thursday", "every weekday": the days of a plain weekly rule. */
function everyWeekday(days: readonly Weekday[]): string {
  const sorted = sortDays(days);
  if (sorted.length === 7) return "every day";
  if (sorted.join() === "MO,TU,WE,TH,FR") return "every weekday";
  if (sorted.join() === "SA,SU") return "every weekend day";
  return `every ${joinWords(sorted.map((d) => DAY_NAMES[d]))}`;
}

/** The plan in plain words: "every Monday and Thursday at 8:00", "once, on Friday 6 March at 17:00". */
export function describePlan(plan: Plan): string {
  if (plan.kind === "custom") return describeSchedule(plan.schedule);
  const at = `at ${clockTime(plan.time)}`;
  if (plan.kind === "once") {
    const [, m, d] = plan.date.split("-").map(Number);
    return `once, on ${DAY_NAMES[weekdayOf(plan.date)]} ${d} ${MONTHS[m - 1]} ${at}`;
  }
  if (plan.kind === "daily") return `every day ${at}`;
  return `${everyWeekday(plan.days)} ${at}`;
}

/** The API body for a plan. `today` (local "YYYY-MM-DD") starts a new recurring rule.
 *
 * Editing must not rewrite what the person did not change: a custom plan gives back its stored schedule
 * byte for byte, and when `original` is the schedule being edited and the plan still equals
 * scheduleToPlan(original), `original` itself is returned, keeping its start date and exact rule text. */
export function planToSchedule(plan: Plan, today: string, original?: ApiSchedule): ApiSchedule {
  if (plan.kind === "custom") return plan.schedule;
  if (original && samePlan(scheduleToPlan(original), plan)) return original;
  if (plan.kind === "once") return { kind: "once", dueAt: `${plan.date}T${plan.time}:00` };
  const startsAt = `${today}T${plan.time}:00`;
  if (plan.kind === "daily") return { kind: "recurring", rrule: "FREQ=DAILY", startsAt };
  const days = sortDays(plan.days);
  if (days.length === 0) throw new Error("Choose at least one day");
  return { kind: "recurring", rrule: `FREQ=WEEKLY;BYDAY=${days.join(",")}`, startsAt };
}

function samePlan(a: Plan, b: Plan): boolean {
  const normal = (p: Plan) => (p.kind === "weekly" ? { ...p, days: sortDays(p.days) } : p);
  return JSON.stringify(normal(a)) === JSON.stringify(normal(b));
}

// ---- Reading a rule ------------------------------------------------------------------------------------

type Frequency = "HOURLY" | "DAILY" | "WEEKLY" | "MONTHLY" | "YEARLY";
const FREQUENCY_WORDS: Record<Frequency, string> = {
  HOURLY: "hourly", DAILY: "daily", WEEKLY: "weekly", MONTHLY: "monthly", YEARLY: "yearly",
};
interface DayRef { ordinal: number | null; day: Weekday }
interface Rule {
  freq: Frequency;
  interval: number;
  byDay?: DayRef[];
  byMonthDay?: number[];
  byMonth?: number[];
  byYearDay?: number[];
  byWeekNo?: number[];
  bySetPos?: number[];
  hours?: number[];
  minute?: number;
  second?: number;
  count?: number;
  until?: string; // local "YYYYMMDDTHHMMSS", the only UNTIL the backend accepts
}
interface Start { year: number; month: number; day: number; hour: number; minute: number; second: number; weekday: Weekday }

function readStart(startsAt: string): Start {
  const [year, month, day, hour, minute, second] = (startsAt.match(/\d+/g) ?? []).map(Number);
  const weekday = weekdayOf(startsAt.slice(0, 10));
  return { year, month, day, hour: hour ?? 0, minute: minute ?? 0, second: second ?? 0, weekday };
}

function numbers(value: string, min: number, max: number): number[] | null {
  const list = value.split(",").map((v) => (/^[+-]?\d+$/.test(v) ? Number(v) : NaN));
  return list.every((n) => Number.isInteger(n) && n !== 0 && Math.abs(n) >= min && Math.abs(n) <= max)
    ? [...new Set(list)].sort(byPosition) : null;
}

// 1, 2, 15, then -3, -2, -1: positions from the start, then from the end, in calendar order.
function byPosition(a: number, b: number): number {
  return (a < 0 ? 1000 : 0) + a - ((b < 0 ? 1000 : 0) + b);
}

const whole = (v: string, min: number, max = Infinity) => (/^\d+$/.test(v) && +v >= min && +v <= max ? +v : null);
const part = <K extends keyof Rule>(key: K, value: Rule[K] | null): Partial<Rule> | null =>
  value === null ? null : ({ [key]: value } as Partial<Rule>);
const hourList = (v: string) => {
  const hours = v.split(",").map((h) => whole(h, 0, 23));
  return hours.every((h) => h !== null) ? [...new Set(hours as number[])].sort((a, b) => a - b) : null;
};
// Each part the backend accepts, read into the Rule; a part not listed here makes the rule "custom".
const PART_READERS: Record<string, (value: string) => Partial<Rule> | null> = {
  WKST: (v) => ((WEEKDAYS as readonly string[]).includes(v) ? {} : null), // changes nothing that is said
  INTERVAL: (v) => part("interval", whole(v, 1)),
  COUNT: (v) => part("count", whole(v, 1)),
  UNTIL: (v) => part("until", /^\d{8}T\d{6}$/.test(v) ? v : null),
  BYMONTH: (v) => part("byMonth", numbers(v, 1, 12)?.every((m) => m > 0) ? numbers(v, 1, 12) : null),
  BYMONTHDAY: (v) => part("byMonthDay", numbers(v, 1, 31)),
  BYYEARDAY: (v) => part("byYearDay", numbers(v, 1, 366)),
  BYWEEKNO: (v) => part("byWeekNo", numbers(v, 1, 53)),
  BYSETPOS: (v) => part("bySetPos", numbers(v, 1, 366)),
  BYDAY: (v) => part("byDay", readDays(v)),
  BYHOUR: (v) => part("hours", hourList(v)),
  BYMINUTE: (v) => part("minute", whole(v, 0, 59)), // the backend takes a single minute and second
  BYSECOND: (v) => part("second", whole(v, 0, 60)),
};

/** The rule's parts, or null for anything this reader does not know (shown as a custom schedule). */
function readRule(rrule: string): Rule | null {
  const parts = new Map<string, string>();
  for (const piece of rrule.trim().replace(/^RRULE:/i, "").split(";")) {
    const [name, value] = piece.split("=").map((s) => s.trim().toUpperCase());
    if (name && value !== undefined) parts.set(name, value);
  }
  const freq = parts.get("FREQ");
  if (!freq || !Object.hasOwn(FREQUENCY_WORDS, freq)) return null;
  parts.delete("FREQ");
  const rule: Rule = { freq: freq as Frequency, interval: 1 };
  for (const [name, value] of parts) {
    const read = Object.hasOwn(PART_READERS, name) && PART_READERS[name](value);
    if (!read) return null;
    Object.assign(rule, read);
  }
  return rule;
}

function readDays(value: string): DayRef[] | null {
  const refs: DayRef[] = [];
  for (const item of value.split(",")) {
    const match = /^([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$/.exec(item);
    if (!match || match[1] === "0") return null;
    refs.push({ ordinal: match[1] ? Number(match[1]) : null, day: match[2] as Weekday });
  }
  return refs;
}

/** The plan a schedule came from; a rule the picker cannot express (COUNT, INTERVAL, monthly…) is "custom". */
export function scheduleToPlan(schedule: ApiSchedule): Plan {
  if (schedule.kind === "once") {
    const { dueAt } = schedule as OnceSchedule;
    return { kind: "once", date: dueAt.slice(0, 10), time: dueAt.slice(11, 16) };
  }
  const recurring = schedule as RecurringSchedule;
  const custom: Plan = { kind: "custom", schedule: recurring };
  const rule = readRule(recurring.rrule);
  if (!rule || rule.interval !== 1 || (rule.hours?.length ?? 1) > 1) return custom;
  const { byDay, hours, minute, second, freq, ...rest } = rule;
  if (Object.keys(rest).some((key) => key !== "interval")) return custom;
  const start = readStart(recurring.startsAt);
  const time = `${pad(hours?.[0] ?? start.hour)}:${pad(minute ?? start.minute)}`;
  if (freq === "DAILY" && !byDay) return { kind: "daily", time };
  if (freq !== "WEEKLY" || byDay?.some((d) => d.ordinal !== null)) return custom;
  return { kind: "weekly", days: sortDays(byDay ? byDay.map((d) => d.day) : [start.weekday]), time };
}

// ---- Putting a rule in words ---------------------------------------------------------------------------

const ORDINAL_WORDS = ["first", "second", "third", "fourth", "fifth"];

/** 1 → "1st", 22 → "22nd", 13 → "13th". */
function nth(n: number): string {
  const suffix = n % 100 >= 11 && n % 100 <= 13 ? "th" : (["th", "st", "nd", "rd"][n % 10] ?? "th");
  return `${n}${suffix}`;
}

/** 1 → "first", -1 → "last", -2 → "second-to-last", 20 → "20th". */
function position(n: number): string {
  if (n === -1) return "last";
  if (n < 0) return `${position(-n)}-to-last`;
  return ORDINAL_WORDS[n - 1] ?? nth(n);
}

/** The numbered days of a month or year: "the 1st and 15th", "the 1st and the last day", "the 100th day". */
function numberedDays(values: number[], alwaysSayDay: boolean): string {
  const counted = (names: string[], sayDay: boolean) =>
    `the ${joinWords(names)}${sayDay ? (names.length > 1 ? " days" : " day") : ""}`;
  const fromStart = values.filter((n) => n > 0).map(nth);
  const fromEnd = values.filter((n) => n < 0).map(position);
  if (!fromEnd.length) return counted(fromStart, alwaysSayDay);
  if (!fromStart.length) return counted(fromEnd, true);
  return `${counted(fromStart, alwaysSayDay)} and ${counted(fromEnd, true)}`;
}

/** "every day", "every other day", "every 3 days". Weeks keep the number: "every 2 weeks on Monday". */
function everyUnit(n: number, unit: string): string {
  if (n === 1) return `every ${unit}`;
  return n === 2 && unit !== "week" ? `every other ${unit}` : `every ${n} ${unit}s`;
}

/** "each month", "every other month", "every third month": the periods a position is counted in. */
function eachUnit(n: number, unit: string): string {
  return n === 1 ? `each ${unit}` : n === 2 ? `every other ${unit}` : `every ${position(n)} ${unit}`;
}

const monthList = (months: number[]) => joinWords(months.map((m) => MONTHS[m - 1]));
const plainDays = (refs: DayRef[]) => (refs.every((r) => r.ordinal === null) ? refs.map((r) => r.day) : null);
const orDays = (days: Weekday[]) => joinWords(sortDays(days).map((d) => DAY_NAMES[d]), "or");

/** One of a set of weekdays, as a noun: "weekday", "Monday or Thursday". */
function dayNoun(days: Weekday[]): string {
  const set = sortDays(days).join();
  if (set === WEEKDAYS.join()) return "day";
  return set === "MO,TU,WE,TH,FR" ? "weekday" : set === "SA,SU" ? "weekend day" : orDays(days);
}

/** "second and fourth Monday and last Friday" from 2MO,4MO,-1FR. */
function ordinalDays(refs: DayRef[]): string {
  return joinWords(sortDays(refs.map((r) => r.day)).map((day) => {
    const ordinals = refs.filter((r) => r.day === day).map((r) => r.ordinal as number).sort(byPosition);
    return `${joinWords(ordinals.map(position))} ${DAY_NAMES[day]}`;
  }));
}

/** Which days a rule falls on, without the time: "first Wednesday of each month". Null when too unusual. */
function describeDays(rule: Rule, start: Start): string | null {
  const { byDay, byMonthDay, byMonth, byYearDay, byWeekNo, bySetPos, interval } = rule;
  const plain = byDay && plainDays(byDay);
  const ordinal = byDay && !plain && byDay.every((r) => r.ordinal !== null) ? byDay : undefined;
  if (byDay && !plain && !ordinal) return null; // "MO,1WE": plain and numbered days in one rule
  const inMonths = byMonth ? ` in ${monthList(byMonth)}` : "";
  switch (rule.freq) {
    case "DAILY":
      if (bySetPos || byYearDay || byWeekNo || ordinal) return null;
      if (byMonthDay) {
        return plain || interval > 1 ? null : `on ${numberedDays(byMonthDay, false)} of ${byMonth ? monthList(byMonth) : "each month"}`;
      }
      if (!plain) return everyUnit(interval, "day") + inMonths;
      if (interval === 1) return everyWeekday(plain) + inMonths;
      return `${everyUnit(interval, "day")}${inMonths} (only ${joinWords(sortDays(plain).map((d) => `${DAY_NAMES[d]}s`))})`;
    case "WEEKLY": {
      if (bySetPos || byMonthDay || byYearDay || byWeekNo || ordinal) return null;
      const days = plain ?? [start.weekday];
      if (interval === 1) return everyWeekday(days) + inMonths;
      const named = sortDays(days).join() === "MO,TU,WE,TH,FR" ? "weekdays" : joinWords(sortDays(days).map((d) => DAY_NAMES[d]));
      return `${everyUnit(interval, "week")} on ${named}${inMonths}`;
    }
    case "MONTHLY": {
      if (byYearDay || byWeekNo || (byMonth && interval > 1)) return null;
      const scope = byMonth ? monthList(byMonth) : eachUnit(interval, "month");
      return daysOfPeriod(rule, plain, ordinal, scope, start.day, interval === 1 ? inMonths : ` of ${scope}`);
    }
    case "YEARLY":
      return describeYearly(rule, plain, ordinal, start);
    case "HOURLY":
      return null; // only reached for the unusual ones: describeRule puts plain hourly rules in words
  }
}

/** Days within a month (or a year, with BYMONTH): the part MONTHLY and YEARLY share. */
function daysOfPeriod(rule: Rule, plain: Weekday[] | null | undefined, ordinal: DayRef[] | undefined,
  scope: string, startDay: number, everyDayScope: string): string | null {
  const { byMonthDay, bySetPos } = rule;
  if (bySetPos) {
    if (!plain || byMonthDay) return null;
    return `${joinWords(bySetPos.map(position))} ${dayNoun(plain)} of ${scope}`;
  }
  if (ordinal) return byMonthDay ? null : `${ordinalDays(ordinal)} of ${scope}`;
  const dates = `${numberedDays(byMonthDay ?? [startDay], false)} of ${scope}`;
  if (plain) return byMonthDay ? `every ${orDays(plain)} falling on ${dates}` : everyWeekday(plain) + everyDayScope;
  return `on ${dates}`;
}

function describeYearly(rule: Rule, plain: Weekday[] | null | undefined, ordinal: DayRef[] | undefined,
  start: Start): string | null {
  const { byMonthDay, byMonth, byYearDay, byWeekNo, bySetPos, interval } = rule;
  const everyYear = everyUnit(interval, "year");
  const yearScope = eachUnit(interval, "year");
  if (byYearDay) {
    if (rule.byDay || byMonthDay || byMonth || byWeekNo || bySetPos) return null;
    return `on ${numberedDays(byYearDay, true)} of ${yearScope}`;
  }
  if (byWeekNo) {
    if (ordinal || byMonthDay || byMonth || bySetPos || byWeekNo.some((w) => w < 0)) return null;
    const weeks = `week${byWeekNo.length > 1 ? "s" : ""} ${joinWords(byWeekNo.map(String))}`;
    return `${plain ? everyWeekday(plain) : "every day"} in ${weeks} of ${yearScope}`;
  }
  if (!rule.byDay && !bySetPos) {
    const days = byMonthDay ?? [start.day];
    const months = byMonth ?? (byMonthDay ? undefined : [start.month]);
    if (!months) return `on ${numberedDays(days, false)} of each month${interval > 1 ? `, ${everyYear}` : ""}`;
    if (days.every((d) => d > 0) && days.length * months.length <= 4) {
      return `${everyYear} on ${joinWords(months.flatMap((m) => days.map((d) => `${d} ${MONTHS[m - 1]}`)))}`;
    }
    return `${everyYear} on ${numberedDays(days, false)} of ${monthList(months)}`;
  }
  // A set position counts through the whole year, so "last weekday of January and July" would be wrong.
  if (bySetPos && (byMonth?.length ?? 1) > 1) return null;
  if (plain && !bySetPos && !byMonthDay) {
    return `${everyWeekday(plain)}${byMonth ? ` in ${monthList(byMonth)}` : ""}${interval > 1 ? `, ${everyYear}` : ""}`;
  }
  if (!byMonth) return daysOfPeriod(rule, plain, ordinal, yearScope, start.day, "");
  const days = daysOfPeriod(rule, plain, ordinal, monthList(byMonth), start.day, "");
  // "every year on the fourth Thursday of November", "every year on the 13th of March": the day, then the year.
  if (days?.startsWith("every ")) return interval > 1 ? `${days}, ${everyYear}` : days;
  return days && `${everyYear} on ${days.replace(/^on /, "").replace(/^(?!the )/, "the ")}`;
}

/** "at 8:00", "at 8:00 and 20:00". */
function timesOfDay(rule: Rule, start: Start): string {
  const minute = pad(rule.minute ?? start.minute);
  return `at ${joinWords((rule.hours ?? [start.hour]).map((h) => `${h}:${minute}`))}`;
}

/** "7 January 2026". */
function dateWords(year: number, month: number, day: number): string {
  return `${day} ${MONTHS[month - 1]} ${year}`;
}

/** ", 10 times", ", until 31 March 2027": the end of a rule, naming the last day it can fall on. */
function ending(rule: Rule, start: Start, hourly: boolean): string {
  if (rule.count) return rule.count === 1 ? ", once only" : rule.count === 2 ? ", twice" : `, ${rule.count} times`;
  if (!rule.until) return "";
  const [y, m, d, hh, mm, ss] = (rule.until.match(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)$/) ?? []).slice(1).map(Number);
  if (hourly) return `, until ${hh}:${pad(mm)} on ${dateWords(y, m, d)}`;
  const first = Math.min(...(rule.hours ?? [start.hour])) * 3600 + (rule.minute ?? start.minute) * 60
    + (rule.second ?? start.second);
  // UNTIL 20270331T000000 with a daily 8:00 ends on 30 March: the 31st's 8:00 is past it.
  const last = hh * 3600 + mm * 60 + ss < first ? new Date(Date.UTC(y, m - 1, d - 1)) : new Date(Date.UTC(y, m - 1, d));
  return `, until ${dateWords(last.getUTCFullYear(), last.getUTCMonth() + 1, last.getUTCDate())}`;
}

function describeRule(rrule: string, startsAt: string): string {
  const start = readStart(startsAt);
  const parsed = readRule(rrule);
  // HOURLY at listed hours is a daily rule at those hours.
  const rule = parsed?.freq === "HOURLY" && parsed.interval === 1 && parsed.hours
    ? { ...parsed, freq: "DAILY" as const } : parsed;
  if (rule?.freq === "HOURLY" && !rule.byDay && !rule.byMonthDay && !rule.byMonth && !rule.byYearDay
    && !rule.byWeekNo && !rule.bySetPos) {
    const minute = rule.minute ?? start.minute;
    const hourly = rule.interval > 1 ? `every ${rule.interval} hours from ${start.hour}:${pad(minute)}`
      : minute === 0 ? "every hour, on the hour" : `every hour at ${minute} minutes past`;
    return hourly + ending(rule, start, true);
  }
  const days = rule && describeDays(rule, start);
  if (rule && days) return `${days} ${timesOfDay(rule, start)}${ending(rule, start, false)}`;
  const kind = parsed ? `custom ${FREQUENCY_WORDS[parsed.freq]}` : "custom";
  const from = dateWords(start.year, start.month, start.day);
  const when = parsed?.freq === "HOURLY" || !rule ? `, from ${start.hour}:${pad(start.minute)} on ${from}`
    : ` ${timesOfDay(rule, start)}, from ${from}`;
  return `on a ${kind} schedule${when}${rule ? ending(rule, start, rule.freq === "HOURLY") : ""}`;
}

/** Any schedule in words, lower-case for use mid-sentence ("So: every day at 0:05."); see capitalize. */
export function describeSchedule(schedule: ApiSchedule): string {
  if (schedule.kind === "once") return describePlan(scheduleToPlan(schedule));
  const { rrule, startsAt } = schedule as RecurringSchedule;
  return describeRule(rrule, startsAt);
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
