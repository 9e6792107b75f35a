// Charts shared by Progress, a key action's history and the partner view: plain SVG bar charts with
// axes, value labels and a table alternative, plus the range switch and bucket labels in words.
import { useEffect, useState } from "preact/hooks";
import type { Schemas } from "./api/client";
import { useResource } from "./store/resource";
import "./history.css";

export type ProgressRange = Schemas["ProgressRange"];
export type BucketUnit = Schemas["BucketUnit"];
export type ResultCounts = Schemas["ProgressCounts"];

export const RANGES: { value: ProgressRange; label: string; span: string }[] = [
  { value: "4w", label: "4 weeks", span: "the last 4 weeks" },
  { value: "3m", label: "3 months", span: "the last 3 months" },
  { value: "1y", label: "1 year", span: "the last 12 months" },
  { value: "all", label: "All", span: "all time" },
];

export const pct = (rate: number | null) => (rate == null ? "nothing due" : `${Math.round(rate * 100)}%`);

/** A local date (YYYY-MM-DD) as a UTC midnight, so day arithmetic ignores the device's zone. */
export const utcDate = (isoDate: string) => {
  const [y, m, d] = isoDate.slice(0, 10).split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d));
};

// Making a formatter costs far more than using one, and a chart labels every bar: keep one per format.
const dateFormats = new Map<string, Intl.DateTimeFormat>();

/** A local date in words, e.g. "3 Nov" or "Nov 3" by locale; the ISO date is only ever read, never shown. */
export function dateWords(isoDate: string, options: Intl.DateTimeFormatOptions, locale?: string): string {
  const key = `${locale ?? ""} ${JSON.stringify(options)}`;
  let format = dateFormats.get(key);
  if (!format) dateFormats.set(key, (format = new Intl.DateTimeFormat(locale, { ...options, timeZone: "UTC" })));
  return format.format(utcDate(isoDate));
}

/** A bucket's name: `tiny` fits under a narrow bar, `short` under a wide one, `long` goes in tables. */
export function bucketLabel(start: string, unit: BucketUnit, form: "tiny" | "short" | "long", locale?: string): string {
  if (unit === "year") return start.slice(0, 4);
  if (unit === "month") return dateWords(start, form === "long" ? { month: "long", year: "numeric" } : { month: "short" }, locale);
  if (form === "long") return `Week of ${dateWords(start, { day: "numeric", month: "long", year: "numeric" }, locale)}`;
  const day = dateWords(start, { day: "numeric", month: "short" }, locale);
  return form === "short" ? `wk of ${day}` : day;
}

/** The short weekday name of 0 = Monday … 6 = Sunday. */
export function weekdayName(weekday: number, form: "short" | "long" = "short", locale?: string): string {
  return dateWords(`2024-01-0${weekday + 1}`, { weekday: form }, locale); // 1 January 2024 was a Monday
}

/** A round number at or above `value` (1, 2, 2.5 or 5 times a power of ten), so axis labels read well. */
export function niceCeiling(value: number): number {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  return ([1, 2, 2.5, 5, 10].find((step) => step * power >= value - 1e-9) ?? 10) * power;
}

/** Every how many bars an x label can be shown without labels overlapping. */
export function labelStride(slotWidth: number, longestLabel: number, charWidth = LABEL_CHAR_WIDTH): number {
  return Math.max(1, Math.ceil((longestLabel * charWidth + 6) / slotWidth));
}

const numberFormat = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });
const number = (value: number) => numberFormat.format(value);

const WIDTH = 360;
const LEFT = 36;
const RIGHT = 10; // room for the last x label's overhang
const TOP = 16;
const PLOT = 120;
const CHAR_WIDTH = 6.2; // of an 11px system-ui digit, generously
const LABEL_CHAR_WIDTH = 5.6; // of an 11px system-ui letter or digit, on average

interface Bar {
  key: string;
  /** Under the bar; may be left out where bars are too narrow (the table always has it). */
  label: string;
  value: number | null;
  /** Over the bar, when all of them fit: "80%", "5.5", "–" for nothing due. */
  valueText: string;
}

export interface Table {
  head: string[];
  rows: { key: string; cells: (string | number)[] }[];
}

export function ChartTable({ caption, table }: { caption: string; table: Table }) {
  // Built when first opened: a page of charts would otherwise build every table while it loads.
  const [opened, setOpened] = useState(false);
  return (
    <details class="chart-table" onToggle={(e) => e.currentTarget.open && setOpened(true)}>
      <summary>Show as a table</summary>
      {opened && <TableView caption={caption} table={table} />}
    </details>
  );
}

function TableView({ caption, table }: { caption: string; table: Table }) {
  // Focusable, so a keyboard can scroll a table wider than the phone.
  return (
    <div class="table-scroll" tabIndex={0} role="region" aria-label={caption}>
      <table>
        <caption class="sr-only">{caption}</caption>
        <thead>
          <tr>
            {table.head.map((h, i) => (
              <th key={h} scope="col" class={i > 0 ? "num" : undefined}>
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {table.rows.map((row) => (
            <tr key={row.key}>
              {row.cells.map((cell, i) =>
                i === 0 ? (
                  <th key={i} scope="row">
                    {cell}
                  </th>
                ) : (
                  <td key={i} class="num">
                    {cell}
                  </td>
                ),
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** A bar chart with a y axis (three gridlines), x labels, value labels and an optional target line. */
function BarChart(props: {
  name: string;
  bars: Bar[];
  max: number;
  yLabel: (value: number) => string;
  target?: { value: number; text: string };
  measure?: boolean;
  table: Table;
}) {
  const { bars, max } = props;
  const slot = (WIDTH - LEFT - RIGHT) / Math.max(bars.length, 1);
  const stride = labelStride(slot, Math.max(0, ...bars.map((b) => b.label.length)));
  // On narrow bars value labels drop their "%" (the y axis says it), and are left to the table when even
  // that would overlap.
  const fits = (texts: string[]) => slot >= Math.max(0, ...texts.map((t) => t.length)) * CHAR_WIDTH + 2;
  const fullValues = fits(bars.map((b) => b.valueText));
  const valueText = (bar: Bar) => (fullValues ? bar.valueText : bar.valueText.replace(/%$/, ""));
  const showValues = fits(bars.map(valueText));
  const y = (value: number) => TOP + PLOT - (Math.min(value, max) / max) * PLOT;
  const ticks = [0, max / 2, max];
  return (
    <figure class="chart-figure">
      <svg viewBox={`0 0 ${WIDTH} ${TOP + PLOT + 20}`} role="img" aria-label={props.name} class="chart">
        {ticks.map((tick) => (
          <g key={tick}>
            <line class="grid" x1={LEFT} x2={WIDTH} y1={y(tick)} y2={y(tick)} />
            <text class="axis" x={LEFT - 4} y={y(tick) + 4} text-anchor="end">
              {props.yLabel(tick)}
            </text>
          </g>
        ))}
        {props.target && <line class="target" x1={LEFT} x2={WIDTH} y1={y(props.target.value)} y2={y(props.target.value)} />}
        {bars.map((bar, i) => {
          const x = LEFT + i * slot;
          const top = y(bar.value ?? 0);
          return (
            <g key={bar.key}>
              <rect class={props.measure ? "bar measure" : "bar"} x={x + slot * 0.15} y={top} width={slot * 0.7} height={TOP + PLOT - top} />
              {showValues && (
                <text class="value" x={x + slot / 2} y={top - 3} text-anchor="middle">
                  {valueText(bar)}
                </text>
              )}
              {(bars.length - 1 - i) % stride === 0 && (
                <text class="axis" x={x + slot / 2} y={TOP + PLOT + 15} text-anchor="middle">
                  {bar.label}
                </text>
              )}
            </g>
          );
        })}
        <line class="base" x1={LEFT} x2={WIDTH} y1={TOP + PLOT} y2={TOP + PLOT} />
      </svg>
      {props.target && (
        <p class="sub target-key">
          <svg width="24" height="8" aria-hidden="true" class="chart target-swatch">
            <line class="target" x1="0" x2="24" y1="4" y2="4" />
          </svg>{" "}
          {props.target.text}
        </p>
      )}
      <ChartTable caption={props.name} table={props.table} />
    </figure>
  );
}

/**
 * Where a bar chart will be, while its data loads: the same figure with an empty grid and a hidden "Show as a
 * table", so the chart arrives into a box of its own final height and nothing under it moves.
 */
export function ChartSkeleton() {
  const y = (share: number) => TOP + PLOT - share * PLOT;
  return (
    <figure class="chart-figure skeleton" aria-hidden="true">
      <svg viewBox={`0 0 ${WIDTH} ${TOP + PLOT + 20}`} class="chart">
        {[0.5, 1].map((share) => (
          <line key={share} class="grid" x1={LEFT} x2={WIDTH} y1={y(share)} y2={y(share)} />
        ))}
        <line class="base" x1={LEFT} x2={WIDTH} y1={y(0)} y2={y(0)} />
      </svg>
      <TableSlot />
    </figure>
  );
}

/** An invisible closed "Show as a table", holding the place of one that comes with the data. */
export function TableSlot() {
  return (
    <details class="chart-table table-slot" aria-hidden="true">
      <summary tabIndex={-1}>Show as a table</summary>
    </details>
  );
}

/**
 * The one-line summary of a range, in a box that keeps its height while a range loads; the "Loading …" text
 * stands in the same box (announced politely), so switching ranges moves nothing below.
 */
export function TotalSlot(props: { loading: boolean; what: string; total?: ResultCounts; range?: ProgressRange }) {
  return (
    <div class="total-slot" aria-live="polite">
      {props.loading ? <p>Loading {props.what}…</p> : props.total && props.range && <TotalLine total={props.total} range={props.range} />}
    </div>
  );
}

const COUNT_HEAD = ["Completion", "Done", "Partly", "Not done", "Skipped", "Missed"];
const countCells = (c: ResultCounts) => [pct(c.completionRate), c.done, c.partly, c.notDone, c.skipped, c.missed];

export interface CompletionBucket extends ResultCounts {
  key: string;
  /** Under its bar. */
  label: string;
  /** In the table: "Week of 3 November 2026", "November 2026", "Monday". */
  longLabel: string;
}

/** Completion rate per bucket (weeks, months, years or weekdays), 0 to 100%. */
export function CompletionChart({ name, period, buckets }: { name: string; period: string; buckets: CompletionBucket[] }) {
  const latest = buckets.at(-1);
  const summary = latest ? `${name}: ${buckets.length} bars, the last (${latest.longLabel}) at ${pct(latest.completionRate)}` : name;
  return (
    <BarChart
      name={summary}
      bars={buckets.map((b) => ({ key: b.key, label: b.label, value: b.completionRate, valueText: b.completionRate == null ? "–" : pct(b.completionRate) }))}
      max={1}
      yLabel={(v) => `${Math.round(v * 100)}%`}
      table={{ head: [period, ...COUNT_HEAD], rows: buckets.map((b) => ({ key: b.key, cells: [b.longLabel, ...countCells(b)] })) }}
    />
  );
}

/** Range buckets as chart bars, with labels that fit how many there are. */
export function rangeBuckets(buckets: (ResultCounts & { start: string })[], unit: BucketUnit): CompletionBucket[] {
  const form = unit === "week" && buckets.length <= 6 ? "short" : "tiny";
  return buckets.map((b) => ({ ...b, key: b.start, label: bucketLabel(b.start, unit, form), longLabel: bucketLabel(b.start, unit, "long") }));
}

/** The fixed 12 weeks of a partner's view as chart bars. */
export function weekBuckets(weeks: Schemas["WeekProgress"][]): CompletionBucket[] {
  return rangeBuckets(
    weeks.map((w) => ({ ...w, start: w.weekStart })),
    "week",
  );
}

export const PERIOD_HEADING: Record<BucketUnit, string> = { week: "Week", month: "Month", year: "Year" };

/** An outcome measure per week, against its weekly target when it has one. */
export function MeasureChart({ measure }: { measure: Schemas["MeasureProgress"] }) {
  const max = niceCeiling(Math.max(measure.target ?? 0, ...measure.weeks.map((x) => x.total)));
  const name = `${measure.title}: ${number(measure.total)} ${measure.unit} in total${
    measure.target != null ? `, target ${number(measure.target)} per week` : ""
  }`;
  const weeks = measure.weeks.map((x) => ({ key: x.weekStart, start: x.weekStart, total: x.total }));
  return (
    <>
      <h3 class="chart-title">
        {measure.title} <span class="sub">({measure.unit})</span>
      </h3>
      <BarChart
        name={name}
        measure
        bars={weeks.map((w) => ({ key: w.key, label: bucketLabel(w.start, "week", "tiny"), value: w.total, valueText: number(w.total) }))}
        max={max}
        yLabel={number}
        target={measure.target != null ? { value: measure.target, text: `Target: ${number(measure.target)} a week` } : undefined}
        table={{
          head: ["Week", measure.unit],
          rows: weeks.map((w) => ({ key: w.key, cells: [bucketLabel(w.start, "week", "long"), number(w.total)] })),
        }}
      />
    </>
  );
}

/** The 4 weeks / 3 months / 1 year / all switch, as toggle buttons. */
export function RangeSwitch({ value, onChange }: { value: ProgressRange; onChange: (range: ProgressRange) => void }) {
  return (
    <div class="segmented" role="group" aria-label="Range">
      {RANGES.map((r) => (
        <button key={r.value} type="button" aria-pressed={r.value === value} onClick={() => onChange(r.value)}>
          {r.label}
        </button>
      ))}
    </div>
  );
}

/** A one-line summary of a range's counts. */
export function TotalLine({ total, range }: { total: ResultCounts; range: ProgressRange }) {
  const span = RANGES.find((r) => r.value === range)?.span ?? "";
  if (total.due === 0) return <p class="sub">Nothing was due in {span}.</p>;
  return (
    <p>
      Over {span}: <strong>{pct(total.completionRate)}</strong> ({total.done} done, {total.partly} partly, {total.notDone} not done,{" "}
      {total.skipped} skipped, {total.missed} missed).
    </p>
  );
}

interface Page<T> {
  items: T[];
  total: number;
}

/** A paged list, newest first: the first page is a cached resource, "Show more" appends the next. */
export function usePaged<T>(key: string, load: (offset: number) => Promise<Page<T>>) {
  const first = useResource(key, () => load(0));
  const [more, setMore] = useState<T[]>([]);
  const [busy, setBusy] = useState(false);
  const [moreError, setMoreError] = useState<unknown>();
  useEffect(() => setMore([]), [first.data]);
  const items = [...(first.data?.items ?? []), ...more];
  const loadMore = async () => {
    setBusy(true);
    setMoreError(undefined);
    try {
      const page = await load(items.length);
      setMore((m) => [...m, ...page.items]);
    } catch (error) {
      setMoreError(error);
    } finally {
      setBusy(false);
    }
  };
  return { ...first, items, hasMore: items.length < (first.data?.total ?? 0), loadMore, busy, moreError };
}
