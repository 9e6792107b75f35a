// Today: what is due, one tap for done, a menu for the rest, undo. Works offline through the outbox.
import { useState } from "preact/hooks";
import { api, type Schemas, unwrap } from "../api/client";
import type { OutboxEntry } from "../store/db";
import { useResource } from "../store/resource";
import { outbox, uuid, write } from "../store/state";
import { ErrorNote, formatTime, Loading, Stale } from "../ui";

type Item = Schemas["AgendaItem"];
type Result = Schemas["CheckInResult"];
type CheckInBody = Schemas["CheckInCreate"];

const RESULT_WORDS: Record<Result, string> = { done: "Done", partly: "Partly", not_done: "Not done", skipped: "Skipped" };

interface Shown {
  result: Result | null;
  checkInId: string | null;
  pending: boolean;
}

/** The item as the person will see it once the outbox is sent: queued check-ins and undos applied. */
export function overlay(item: Item, entries: OutboxEntry[]): Shown {
  let shown: Shown = { result: item.checkIn?.result ?? null, checkInId: item.checkIn?.id ?? null, pending: false };
  const at = new Date(item.dueAt).getTime();
  for (const entry of entries) {
    if (entry.method === "POST" && entry.path === "/api/v1/check-ins") {
      const body = entry.body as CheckInBody;
      if (body.keyActionId === item.keyAction.id && new Date(body.occurrenceAt).getTime() === at) {
        shown = { result: body.result, checkInId: body.id, pending: true };
      }
    } else if (entry.method === "DELETE" && shown.checkInId && entry.path.endsWith(`/check-ins/${shown.checkInId}`)) {
      shown = { result: null, checkInId: null, pending: true };
    }
  }
  return shown;
}

function CheckInMenu({ item, onClose }: { item: Item; onClose: () => void }) {
  const [result, setResult] = useState<Result>("partly");
  const measure = item.keyAction.measure;
  const submit = async (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const note = String(form.get("note") ?? "").trim();
    const value = String(form.get("measureValue") ?? "").trim();
    const body: CheckInBody = {
      id: uuid(),
      keyActionId: item.keyAction.id,
      occurrenceAt: item.dueAt,
      result,
      note: note || null,
      measureValue: value === "" ? null : Number(value),
    };
    onClose();
    await write({ id: body.id, method: "POST", path: "/api/v1/check-ins", body, label: `${RESULT_WORDS[result]}: ${item.keyAction.title}` });
  };
  return (
    <form class="menu" onSubmit={submit}>
      <fieldset>
        <legend>How did it go?</legend>
        {(Object.keys(RESULT_WORDS) as Result[]).map((r) => (
          <label class="choice" key={r}>
            <input type="radio" name="result" value={r} checked={result === r} onChange={() => setResult(r)} />
            {RESULT_WORDS[r]}
          </label>
        ))}
      </fieldset>
      <label class="field">
        <span class="label">Note (optional)</span>
        <textarea name="note" maxLength={2000} rows={2} />
      </label>
      {measure && (
        <label class="field">
          <span class="label">
            {measure.unit} (optional{measure.target != null ? `, target ${measure.target}` : ""})
          </span>
          <input name="measureValue" type="number" step="any" inputMode="decimal" />
        </label>
      )}
      <div class="row">
        <button type="submit" class="primary">
          Save check-in
        </button>
        <button type="button" onClick={onClose}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function AgendaRow({ item, timeZone }: { item: Item; timeZone: string }) {
  const [menu, setMenu] = useState(false);
  const shown = overlay(item, outbox.value);
  const title = item.keyAction.title;
  const done = async () => {
    const body: CheckInBody = { id: uuid(), keyActionId: item.keyAction.id, occurrenceAt: item.dueAt, result: "done" };
    await write({ id: body.id, method: "POST", path: "/api/v1/check-ins", body, label: `Done: ${title}` });
  };
  const undo = async () => {
    const id = shown.checkInId!;
    await write({ id, method: "DELETE", path: `/api/v1/check-ins/${id}`, label: `Undo check-in: ${title}` });
  };
  return (
    <li class="card agenda-item" data-result={shown.result ?? "open"}>
      <div class="item-head">
        <h2>
          <a href={`/actions/${item.keyAction.id}`}>{title}</a>
        </h2>
        <time dateTime={item.dueAt}>{formatTime(item.dueAt, timeZone)}</time>
      </div>
      {item.keyAction.cue && <p class="cue">{item.keyAction.cue}, I will do it.</p>}
      {shown.result ? (
        <div class="row">
          <p class="result">
            {RESULT_WORDS[shown.result]}
            {shown.pending && <span class="pending"> (pending sync)</span>}
          </p>
          <button type="button" onClick={undo} aria-label={`Undo check-in for ${title}`}>
            Undo
          </button>
        </div>
      ) : shown.pending ? (
        <p class="result">Undone (pending sync)</p>
      ) : null}
      {!shown.result && !menu && (
        <div class="row">
          <button type="button" class="primary" onClick={done} aria-label={`Done: ${title}`}>
            Done
          </button>
          <button type="button" onClick={() => setMenu(true)} aria-label={`Partly, not done…: ${title}`}>
            Partly, not done…
          </button>
        </div>
      )}
      {menu && <CheckInMenu item={item} onClose={() => setMenu(false)} />}
    </li>
  );
}

export function Today() {
  const today = useResource("today", () => unwrap(api.GET("/api/v1/today")));
  const agenda = today.data;
  return (
    <section>
      <h1>Today</h1>
      <Stale stale={today.stale} />
      {today.loading && !agenda && <Loading what="today" />}
      <ErrorNote error={today.error} />
      {agenda && (
        <>
          <p class="sub">
            {agenda.date} · {agenda.timeZone}
          </p>
          {agenda.items.length === 0 ? (
            <div class="card">
              <p>Nothing is due today.</p>
              <p>
                <a href="/reflect">Start a guided reflection</a> or <a href="/actions/new">add a key action</a>.
              </p>
            </div>
          ) : (
            <ul class="list">
              {agenda.items.map((item) => (
                <AgendaRow key={`${item.keyAction.id}@${item.dueAt}`} item={item} timeZone={agenda.timeZone} />
              ))}
            </ul>
          )}
        </>
      )}
    </section>
  );
}
