// Today: what is due, one tap for done, a menu for the rest, undo and edit. Works offline through the outbox.
import { useLocation } from "preact-iso";
import { useEffect, useRef, useState } from "preact/hooks";
import { api, type Schemas, unwrap } from "../api/client";
import {
  BellIcon,
  DoneIcon,
  EncouragementIcon,
  Icon,
  type IconNode,
  NotDoneIcon,
  OverdueIcon,
  PartlyIcon,
  SkippedIcon,
} from "../icons";
import { reviewDue } from "../store/attention";
import type { OutboxEntry } from "../store/db";
import { useMutate } from "../store/mutate";
import { useResource } from "../store/resource";
import { outbox, uuid } from "../store/state";
import { ErrorNote, Loading, Stale } from "../ui";
import { cueSentence, dateInWords, resultWords, timeInWords } from "../words";
import { ProgressRing, SnoozedNote } from "./today-parts";
import "./today.css";

type Item = Schemas["AgendaItem"];
type Result = Schemas["CheckInResult"];
type CheckInBody = Schemas["CheckInCreate"];
type CheckInChange = Schemas["CheckInUpdate"];
type Encouragement = Schemas["EncouragementOut"];

const RESULTS: Result[] = ["done", "partly", "not_done", "skipped"];
const RESULT_ICONS: Record<Result, IconNode> = {
  done: DoneIcon,
  partly: PartlyIcon,
  not_done: NotDoneIcon,
  skipped: SkippedIcon,
};
// Encouragement older than this has done its work; Today shows what is fresh.
const ENCOURAGEMENT_DAYS = 7;
const DAY_MS = 24 * 60 * 60 * 1000;

/** What a person reported, as the card shows it. */
interface Report {
  result: Result;
  note: string | null;
  measureValue: number | null;
}

export interface Shown {
  result: Result | null;
  note?: string | null;
  measureValue?: number | null;
  checkInId: string | null;
  pending: boolean;
}

/** The item as the person will see it once the outbox is sent: queued check-ins, edits and undos applied. */
export function overlay(item: Item, entries: OutboxEntry[]): Shown {
  const saved = item.checkIn;
  let shown: Shown = saved
    ? { result: saved.result, note: saved.note, measureValue: saved.measureValue, checkInId: saved.id, pending: false }
    : { result: null, checkInId: null, pending: false };
  const at = new Date(item.dueAt).getTime();
  for (const entry of entries) {
    if (entry.op === "checkIn") {
      const body = entry.body;
      if (body.keyActionId === item.keyAction.id && new Date(body.occurrenceAt).getTime() === at) {
        const { result, note = null, measureValue = null } = body;
        shown = { result, note, measureValue, checkInId: body.id, pending: true };
      }
    } else if (entry.op === "undoCheckIn" && entry.checkInId === shown.checkInId) {
      shown = { result: null, checkInId: null, pending: true };
    } else if (entry.op === "editCheckIn" && entry.checkInId === shown.checkInId) {
      shown = { ...shown, ...entry.body, pending: true };
    }
  }
  return shown;
}

/** When the snoozed reminder of an open item comes back, while that is still ahead; else null. */
export function activeSnooze(item: Item, shown: Shown, now: number): string | null {
  const until = item.snoozedUntil;
  return shown.result === null && until && Date.parse(until) > now ? until : null;
}

/** Due time passed, nothing reported yet, and no snooze still running. */
export function isOverdue(item: Item, shown: Shown, now: number): boolean {
  return shown.result === null && Date.parse(item.dueAt) < now && !activeSnooze(item, shown, now);
}

/** How many of the shown items are done, out of all. */
export function progressOf(shown: Shown[]): { done: number; total: number } {
  return { done: shown.filter((s) => s.result === "done").length, total: shown.length };
}

/** Fresh, visible encouragement per key action, newest first. */
export function encouragementByAction(items: Encouragement[], now: number): Map<string, Encouragement[]> {
  const since = now - ENCOURAGEMENT_DAYS * DAY_MS;
  const byAction = new Map<string, Encouragement[]>();
  const fresh = items
    .filter((e) => !e.hidden && e.keyActionId && Date.parse(e.sentAt) >= since)
    .sort((a, b) => Date.parse(b.sentAt) - Date.parse(a.sentAt));
  for (const e of fresh) byAction.set(e.keyActionId!, [...(byAction.get(e.keyActionId!) ?? []), e]);
  return byAction;
}

/** Only the fields that differ from what is shown, so an edit never overwrites what it did not touch. */
export function changesBetween(before: Pick<Shown, "result" | "note" | "measureValue">, after: Report): CheckInChange | null {
  const change: CheckInChange = {};
  if (after.result !== before.result) change.result = after.result;
  if (after.note !== (before.note ?? null)) change.note = after.note;
  if (after.measureValue !== (before.measureValue ?? null)) change.measureValue = after.measureValue;
  return Object.keys(change).length ? change : null;
}

const formatNumber = (value: number) => new Intl.NumberFormat().format(value);

/** A short tap on phones that can; the check-in should feel like something happened. */
function tap(): void {
  navigator.vibrate?.(12);
}

/** Re-renders every minute, so items turn overdue while the screen is open. */
function useNow(): number {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 60_000);
    return () => clearInterval(timer);
  }, []);
  return now;
}

function ResultLabel({ result }: { result: Result }) {
  return (
    <span class={`result-word result-${result}`}>
      <Icon icon={RESULT_ICONS[result]} />
      {resultWords(result)}
    </span>
  );
}

function CheckInMenu(props: { item: Item; before?: Shown; onSave: (report: Report) => void; onClose: () => void }) {
  const { item, before } = props;
  // Controlled fields: a re-render (choosing a result) must not reset what was typed.
  const [result, setResult] = useState<Result>(before?.result ?? "partly");
  const [note, setNote] = useState(before?.note ?? "");
  const [value, setValue] = useState(before?.measureValue == null ? "" : String(before.measureValue));
  const measure = item.keyAction.measure;
  const submit = (event: Event) => {
    event.preventDefault();
    const measureValue = value.trim() === "" ? null : Number(value);
    props.onSave({ result, note: note.trim() || null, measureValue });
  };
  return (
    <form class="menu" onSubmit={submit} data-form={before ? "check-in-edit" : "check-in"}>
      <fieldset>
        <legend>How did it go?</legend>
        {RESULTS.map((r) => (
          <label class="choice" key={r}>
            <input type="radio" name="result" value={r} checked={result === r} onChange={() => setResult(r)} />
            <ResultLabel result={r} />
          </label>
        ))}
      </fieldset>
      <label class="field">
        <span class="label">Note (optional)</span>
        <textarea
          name="note"
          maxLength={2000}
          rows={2}
          value={note}
          onInput={(e) => setNote((e.currentTarget as HTMLTextAreaElement).value)}
        />
      </label>
      {measure && (
        <label class="field">
          <span class="label">
            {measure.unit} (optional{measure.target != null ? `, target ${measure.target}` : ""})
          </span>
          <input
            name="measureValue"
            type="number"
            step="any"
            inputMode="decimal"
            value={value}
            onInput={(e) => setValue((e.currentTarget as HTMLInputElement).value)}
          />
        </label>
      )}
      <div class="row">
        <button type="submit" class="primary">
          {before ? "Save changes" : "Save check-in"}
        </button>
        <button type="button" onClick={props.onClose}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/** What was reported: result, note and measure, with the ways to change it. */
function Reported(props: { item: Item; shown: Shown & { result: Result }; fresh: boolean; onEdit: () => void; onUndo: () => void }) {
  const { item, shown } = props;
  const title = item.keyAction.title;
  const measure = item.keyAction.measure;
  const hasDetail = Boolean(shown.note) || shown.measureValue != null;
  return (
    <div class={props.fresh ? "reported fresh" : "reported"}>
      <p class="result">
        <ResultLabel result={shown.result} />
        {shown.pending && <span class="pending"> (pending sync)</span>}
      </p>
      {shown.note && <p class="note">{shown.note}</p>}
      {shown.measureValue != null && (
        <p class="measure">
          {formatNumber(shown.measureValue)} {measure?.unit}
          {measure?.target != null && <span class="target"> · target {formatNumber(measure.target)}</span>}
        </p>
      )}
      <div class="row">
        <button type="button" onClick={props.onEdit} aria-label={hasDetail ? `Edit check-in for ${title}` : `Add a note to ${title}`}>
          {hasDetail ? "Edit" : "Add a note"}
        </button>
        <button type="button" onClick={props.onUndo} aria-label={`Undo check-in for ${title}`}>
          Undo
        </button>
      </div>
    </div>
  );
}

function AgendaRow(props: { item: Item; timeZone: string; now: number; encouragement: Encouragement[]; named?: boolean }) {
  const { item, timeZone } = props;
  // A notification's body opens /today?occurrence=<id>: that card is brought into view and marked.
  const card = useRef<HTMLLIElement>(null);
  useEffect(() => {
    if (props.named) card.current?.scrollIntoView({ block: "center" });
  }, [props.named]);
  const [menu, setMenu] = useState(false);
  const [fresh, setFresh] = useState(false);
  // Check-ins go through the outbox: offline they wait, and the card shows them as pending sync.
  const { mutate } = useMutate();
  const shown = overlay(item, outbox.value);
  const overdue = isOverdue(item, shown, props.now);
  const snoozed = activeSnooze(item, shown, props.now);
  const title = item.keyAction.title;
  const checkIn = async (report: Report) => {
    tap();
    setFresh(true);
    setMenu(false);
    const body: CheckInBody = { id: uuid(), keyActionId: item.keyAction.id, occurrenceAt: item.dueAt, ...report };
    await mutate({ op: "checkIn", id: body.id, body, label: `${resultWords(report.result)}: ${title}` });
  };
  const edit = async (report: Report) => {
    setMenu(false);
    const change = changesBetween(shown, report);
    if (!change || !shown.checkInId) return;
    tap();
    const label = `Edit check-in: ${title}`;
    await mutate({ op: "editCheckIn", id: uuid(), checkInId: shown.checkInId, body: change, label });
  };
  const undo = async () => {
    const id = shown.checkInId!;
    setFresh(false);
    await mutate({ op: "undoCheckIn", id, checkInId: id, label: `Undo check-in: ${title}` });
  };
  return (
    <li
      ref={card}
      class={props.named ? "card agenda-item named" : "card agenda-item"}
      aria-current={props.named ? "true" : undefined}
      data-result={shown.result ?? "open"}
      data-overdue={overdue ? "" : undefined}
    >
      <div class="item-head">
        <h2>
          <a href={`/actions/${item.keyAction.id}`}>{title}</a>
        </h2>
        <time dateTime={item.dueAt}>{timeInWords(item.dueAt, timeZone)}</time>
      </div>
      {overdue && (
        <p class="overdue">
          <Icon icon={OverdueIcon} />
          Overdue
        </p>
      )}
      {snoozed && <SnoozedNote until={snoozed} timeZone={timeZone} />}
      {item.keyAction.cue && <p class="cue">{cueSentence(item.keyAction.cue, title)}</p>}
      {props.encouragement.slice(0, 2).map((e) => (
        <p class="encouragement" key={e.id}>
          <Icon icon={EncouragementIcon} />
          <span>
            <strong>{e.partner.displayName}:</strong> {e.message}
          </span>
        </p>
      ))}
      {shown.result && !menu ? (
        <Reported item={item} shown={{ ...shown, result: shown.result }} fresh={fresh} onEdit={() => setMenu(true)} onUndo={undo} />
      ) : !shown.result && shown.pending ? (
        <p class="result">Undone (pending sync)</p>
      ) : null}
      {!shown.result && !menu && (
        <div class="row">
          <button type="button" class="primary" onClick={() => checkIn({ result: "done", note: null, measureValue: null })} aria-label={`Done: ${title}`}>
            <Icon icon={DoneIcon} />
            Done
          </button>
          <button type="button" onClick={() => setMenu(true)} aria-label={`Partly, not done…: ${title}`}>
            Partly, not done…
          </button>
        </div>
      )}
      {menu && (
        <CheckInMenu item={item} before={shown.result ? shown : undefined} onSave={shown.result ? edit : checkIn} onClose={() => setMenu(false)} />
      )}
    </li>
  );
}

/** The zone in small print, only when it is not the device's own (travelling, or a borrowed computer). */
function ZoneNote({ timeZone }: { timeZone: string }) {
  if (Intl.DateTimeFormat().resolvedOptions().timeZone === timeZone) return null;
  return <p class="zone">Times in {timeZone.replace(/_/g, " ")}</p>;
}

function ReviewCard() {
  if (!reviewDue.value) return null;
  return (
    <div class="card review-due">
      <Icon icon={BellIcon} />
      <div>
        <p>Your weekly review is due.</p>
        <a class="button primary" href="/review">
          Write this week's review
        </a>
      </div>
    </div>
  );
}

export function Today() {
  const today = useResource("today", () => unwrap(api.GET("/api/v1/today")));
  const named = useLocation().query.occurrence;
  // The same query as the Partners screen, so both share one saved copy for offline use.
  const received = useResource("encouragements", () =>
    unwrap(api.GET("/api/v1/encouragements", { params: { query: { limit: 20 } } })),
  );
  const now = useNow();
  const agenda = today.data;
  const encouragement = encouragementByAction(received.data?.items ?? [], now);
  const shown = agenda?.items.map((item) => overlay(item, outbox.value)) ?? [];
  const { done, total } = progressOf(shown);
  return (
    <section class="today">
      <div class="today-head">
        <div>
          <h1>Today</h1>
          {agenda && <p class="sub">{dateInWords(agenda.date, undefined, agenda.date)}</p>}
          {agenda && <ZoneNote timeZone={agenda.timeZone} />}
        </div>
        {total > 0 && <ProgressRing done={done} total={total} />}
      </div>
      <Stale stale={today.stale} />
      {today.loading && !agenda && <Loading what="today" />}
      <ErrorNote error={today.error} />
      <ReviewCard />
      {agenda &&
        (agenda.items.length === 0 ? (
          <div class="card">
            <p>Nothing is due today.</p>
            <p>
              <a href="/reflect">Start a guided reflection</a> or <a href="/actions/new">add a key action</a>.
            </p>
          </div>
        ) : (
          <ul class="list">
            {agenda.items.map((item) => (
              <AgendaRow
                key={`${item.keyAction.id}@${item.dueAt}`}
                named={item.occurrenceId === named}
                item={item}
                timeZone={agenda.timeZone}
                now={now}
                encouragement={encouragement.get(item.keyAction.id) ?? []}
              />
            ))}
          </ul>
        ))}
    </section>
  );
}
