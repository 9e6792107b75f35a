// A key action's results over time: a year as a calendar, its streak, completion over a chosen range,
// by weekday, and its check-ins with notes. Lazy-loaded on the key action page.
import { useEffect, useRef, useState } from "preact/hooks";
import { api, type Schemas, unwrap } from "../api/client";
import {
  ChartSkeleton,
  ChartTable,
  CompletionChart,
  dateWords,
  PERIOD_HEADING,
  type ProgressRange,
  RangeSwitch,
  rangeBuckets,
  TableSlot,
  TotalSlot,
  usePaged,
  utcDate,
  weekdayName,
} from "../charts";
import { useResource } from "../store/resource";
import { ErrorNote, Loading, Stale } from "../ui";

type Occurrence = Schemas["OccurrenceOut"];
type CheckInResult = Schemas["CheckInResult"];
/** What one calendar day shows: a result, missed (due and past with no check-in), open, or nothing due. */
export type DayKind = CheckInResult | "missed" | "open" | "none";

export const KIND_LABEL: Record<DayKind, string> = {
  done: "Done",
  partly: "Partly",
  not_done: "Not done",
  skipped: "Skipped",
  missed: "Missed",
  open: "Open",
  none: "Not due",
};
const COUNTED: Exclude<DayKind, "none">[] = ["done", "partly", "not_done", "skipped", "missed", "open"];

/** Today's date (YYYY-MM-DD) in an IANA time zone. */
export function localToday(timeZone: string, now = new Date()): string {
  const parts = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).formatToParts(now);
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  return `${part("year")}-${part("month")}-${part("day")}`;
}

export function addDays(isoDate: string, days: number): string {
  const date = utcDate(isoDate);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

export const mondayOf = (isoDate: string) => addDays(isoDate, -((utcDate(isoDate).getUTCDay() + 6) % 7));

export function occurrenceKind(occurrence: Occurrence, today: string): DayKind {
  if (occurrence.checkIn) return occurrence.checkIn.result;
  return occurrence.localDate < today ? "missed" : "open";
}

/** One kind for a day with several occurrences: the shared one, else "partly" if anything was kept. */
export function dayKind(kinds: DayKind[]): DayKind {
  if (kinds.length === 0) return "none";
  if (kinds.includes("open")) return "open";
  if (kinds.every((k) => k === kinds[0])) return kinds[0];
  if (kinds.some((k) => k === "done" || k === "partly")) return "partly";
  if (kinds.includes("not_done")) return "not_done";
  return kinds.includes("missed") ? "missed" : "skipped";
}

export interface CalendarDay {
  date: string;
  kind: DayKind;
}

/** Whole weeks from a Monday, each Monday..Sunday, with what each day shows. */
export function calendarWeeks(firstMonday: string, weeks: number, occurrences: Occurrence[], today: string): CalendarDay[][] {
  const byDate = new Map<string, DayKind[]>();
  for (const o of occurrences) byDate.set(o.localDate, [...(byDate.get(o.localDate) ?? []), occurrenceKind(o, today)]);
  return Array.from({ length: weeks }, (_, w) =>
    Array.from({ length: 7 }, (_, d) => {
      const date = addDays(firstMonday, w * 7 + d);
      return { date, kind: dayKind(byDate.get(date) ?? []) };
    }),
  );
}

export type KindCounts = Record<Exclude<DayKind, "none">, number>;
const noCounts = (): KindCounts => ({ done: 0, partly: 0, not_done: 0, skipped: 0, missed: 0, open: 0 });

/** Occurrences counted by kind, per calendar month (YYYY-MM), oldest first, and in total. */
export function countByMonth(occurrences: Occurrence[], today: string): { months: [string, KindCounts][]; total: KindCounts } {
  const months = new Map<string, KindCounts>();
  const total = noCounts();
  for (const o of occurrences) {
    const kind = occurrenceKind(o, today) as keyof KindCounts;
    const month = o.localDate.slice(0, 7);
    if (!months.has(month)) months.set(month, noCounts());
    months.get(month)![kind] += 1;
    total[kind] += 1;
  }
  return { months: [...months].sort(([a], [b]) => a.localeCompare(b)), total };
}

export function describeCounts(counts: KindCounts): string {
  const parts = COUNTED.filter((k) => counts[k] > 0).map((k) => `${counts[k]} ${KIND_LABEL[k].toLowerCase()}`);
  return parts.length ? parts.join(", ") : "nothing was due";
}

const WEEKS = 52;
const CELL = 11;
const STEP = 14;
const TOP = 16;
const longDate = (isoDate: string) => dateWords(isoDate, { day: "numeric", month: "short", year: "numeric" });

/** One cell; kinds differ by a mark as well as by colour. */
function Cell({ kind, x, y }: { kind: DayKind; x: number; y: number }) {
  const mid = CELL / 2;
  return (
    <g transform={`translate(${x} ${y})`} class={`cell k-${kind}`}>
      <rect width={CELL} height={CELL} rx="2" />
      {kind === "partly" && <path class="half" d={`M${CELL} 0V${CELL}H0Z`} />}
      {kind === "not_done" && <path class="mark" d={`M3 3L${CELL - 3} ${CELL - 3}M${CELL - 3} 3L3 ${CELL - 3}`} />}
      {kind === "skipped" && <path class="mark" d={`M2.5 ${mid}H${CELL - 2.5}`} />}
      {kind === "missed" && <circle class="dot" cx={mid} cy={mid} r="2" />}
    </g>
  );
}

function Legend() {
  return (
    <ul class="legend">
      {(["done", "partly", "not_done", "skipped", "missed", "open", "none"] as const).map((kind) => (
        <li key={kind}>
          <svg width={CELL} height={CELL} aria-hidden="true" class="heatmap">
            <Cell kind={kind} x={0} y={0} />
          </svg>
          {kind === "open" ? "Open (not checked in yet)" : KIND_LABEL[kind]}
        </li>
      ))}
    </ul>
  );
}

/** A year of days as a calendar heatmap: weeks as columns, Monday..Sunday as rows. */
function YearCalendar({ keyAction, today }: { keyAction: Schemas["KeyActionOut"]; today: string }) {
  const [yearsBack, setYearsBack] = useState(0);
  const first = addDays(mondayOf(today), -(WEEKS - 1 + yearsBack * WEEKS) * 7);
  const last = addDays(first, WEEKS * 7 - 1);
  const started = [keyAction.createdAt, keyAction.schedule.kind === "once" ? keyAction.schedule.dueAt : keyAction.schedule.startsAt]
    .map((d) => d.slice(0, 10))
    .sort()[0];
  const occurrences = useResource(`action-occurrences:${keyAction.id}:${first}`, () =>
    unwrap(api.GET("/api/v1/key-actions/{key_action_id}/occurrences", { params: { path: { key_action_id: keyAction.id }, query: { from: first, to: last } } })),
  );
  const scroller = useRef<HTMLDivElement>(null);
  useEffect(() => {
    // The latest weeks are at the right end; on a phone that is where the eye should land.
    if (scroller.current) scroller.current.scrollLeft = scroller.current.scrollWidth;
  }, [occurrences.data]);

  const list = occurrences.data ?? [];
  const weeks = calendarWeeks(first, WEEKS, list, today);
  const { months, total } = countByMonth(list, today);
  const span = `${longDate(first)} to ${longDate(last > today ? today : last)}`;
  const width = WEEKS * STEP;
  const height = TOP + 7 * STEP;
  return (
    <>
      <div class="row spread">
        <p class="sub">{span}</p>
        <div class="row">
          {first > started && (
            <button type="button" class="link" onClick={() => setYearsBack((y) => y + 1)}>
              Earlier year
            </button>
          )}
          {yearsBack > 0 && (
            <button type="button" class="link" onClick={() => setYearsBack((y) => y - 1)}>
              Later year
            </button>
          )}
        </div>
      </div>
      <div class="heatmap-frame">
        {/* Over the empty grid, which already has the calendar's size, so nothing moves when days arrive. */}
        {!occurrences.data && (
          <div class="heatmap-note">
            {occurrences.loading ? <Loading what="the calendar" /> : <ErrorNote error={occurrences.error} />}
          </div>
        )}
        <svg class="heatmap weekdays" width="30" height={height} aria-hidden="true">
          {[0, 2, 4].map((d) => (
            <text key={d} class="axis" x="0" y={TOP + d * STEP + CELL - 1}>
              {weekdayName(d)}
            </text>
          ))}
        </svg>
        <div class="heatmap-scroll" ref={scroller} tabIndex={0} role="group" aria-label="Calendar, scrolls sideways">
          <svg class="heatmap" width={width} height={height} role="img" aria-label={`Calendar from ${span}: ${describeCounts(total)}.`}>
            {weeks.map((week, w) => {
              const newMonth = week.find((day) => day.date.endsWith("-01"));
              // The first column names its month too, unless a month starting soon after would overlap it.
              const firstColumn = w === 0 && !weeks.slice(1, 3).some((wk) => wk.some((day) => day.date.endsWith("-01")));
              return (
                <g key={week[0].date}>
                  {(newMonth || firstColumn) && w < WEEKS - 2 && (
                    <text class="axis" x={w * STEP} y={TOP - 5}>
                      {dateWords((newMonth ?? week[0]).date, { month: "short" })}
                    </text>
                  )}
                  {week.map((day, d) => (
                    <Cell key={day.date} kind={day.kind} x={w * STEP} y={TOP + d * STEP} />
                  ))}
                </g>
              );
            })}
          </svg>
        </div>
      </div>
      <Legend />
      <Stale stale={occurrences.stale} />
      {!occurrences.data && <TableSlot />}
      {months.length > 0 && (
        <ChartTable
          caption={`Check-ins per month, ${span}`}
          table={{
            head: ["Month", ...COUNTED.map((k) => KIND_LABEL[k])],
            rows: months.map(([month, counts]) => ({
              key: month,
              cells: [dateWords(`${month}-01`, { month: "long", year: "numeric" }), ...COUNTED.map((k) => counts[k])],
            })),
          }}
        />
      )}
    </>
  );
}

const useCheckIns = (keyAction: Schemas["KeyActionOut"]) =>
  usePaged(`action-check-ins:${keyAction.id}`, (offset) =>
    unwrap(api.GET("/api/v1/check-ins", { params: { query: { keyActionId: keyAction.id, limit: 20, offset } } })),
  );

function CheckIns({ keyAction, checkIns }: { keyAction: Schemas["KeyActionOut"]; checkIns: ReturnType<typeof useCheckIns> }) {
  const unit = keyAction.measure?.unit;
  return (
    <>
      <ErrorNote error={checkIns.error} />
      {checkIns.loading && !checkIns.data && <Loading what="check-ins" />}
      {checkIns.data && checkIns.items.length === 0 && <p class="sub">No check-ins yet.</p>}
      <ul class="list">
        {checkIns.items.map((c) => (
          <li key={c.id} class="checkin">
            <span class={`tag result-${c.result}`}>{KIND_LABEL[c.result]}</span>{" "}
            <time dateTime={c.localDate}>{dateWords(c.localDate, { weekday: "short", day: "numeric", month: "long", year: "numeric" })}</time>
            {c.measureValue != null && ` · ${c.measureValue}${unit ? ` ${unit}` : ""}`}
            {c.note && <p class="sub">“{c.note}”</p>}
          </li>
        ))}
      </ul>
      <ErrorNote error={checkIns.moreError} />
      {checkIns.hasMore && (
        <button type="button" onClick={() => void checkIns.loadMore()} disabled={checkIns.busy}>
          {checkIns.busy ? "Loading…" : "Show more"}
        </button>
      )}
    </>
  );
}

export default function ActionHistory({ keyAction, timeZone }: { keyAction: Schemas["KeyActionOut"]; timeZone: string }) {
  const [range, setRange] = useState<ProgressRange>("3m");
  const today = localToday(timeZone);
  const progress = useResource(`action-progress:${keyAction.id}:${range}`, () =>
    unwrap(api.GET("/api/v1/key-actions/{key_action_id}/progress", { params: { path: { key_action_id: keyAction.id }, query: { range } } })),
  );
  // Loaded at once, shown top to bottom: the check-ins wait for the charts above them, so they never push
  // down what is on screen.
  const checkIns = useCheckIns(keyAction);
  const p = progress.data;
  const rangeLoading = progress.loading && p?.range !== range; // not on a reload when the person comes back
  return (
    <section class="action-history" aria-labelledby="results-heading">
      <h2 id="results-heading">Results</h2>
      <h3>Calendar</h3>
      <YearCalendar keyAction={keyAction} today={today} />
      <h3>Streak</h3>
      <ErrorNote error={progress.error} />
      <Stale stale={progress.stale} />
      {!progress.error && (
        <p aria-live="polite">
          {p ? (
            <>
              <strong>{p.streak.current}</strong> kept in a row; best <strong>{p.streak.best}</strong>.
            </>
          ) : (
            "Loading the streak…"
          )}
        </p>
      )}
      <h3>Completion</h3>
      <RangeSwitch value={range} onChange={setRange} />
      {!progress.error && <TotalSlot loading={rangeLoading} what="completion" total={p?.total} range={p?.range} />}
      {!p && !progress.error && (
        <>
          <ChartSkeleton />
          <h3>By weekday</h3>
          <ChartSkeleton />
        </>
      )}
      {p && p.total.due > 0 && (
        <>
          <CompletionChart name="Completion" period={PERIOD_HEADING[p.bucketUnit]} buckets={rangeBuckets(p.buckets, p.bucketUnit)} />
          <h3>By weekday</h3>
          <CompletionChart
            name="Completion by weekday"
            period="Weekday"
            buckets={p.weekdays.map((w) => ({
              ...w,
              key: String(w.weekday),
              label: weekdayName(w.weekday),
              longLabel: weekdayName(w.weekday, "long"),
            }))}
          />
        </>
      )}
      {(p || progress.error) && (
        <>
          <h3>Check-ins</h3>
          <CheckIns keyAction={keyAction} checkIns={checkIns} />
        </>
      )}
    </section>
  );
}
