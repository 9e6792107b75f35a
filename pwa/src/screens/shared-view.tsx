// What a partner sees of a person: today, this week, streak, completion, outcomes and recent check-ins,
// over the key actions that person shares only. Used for the people I support and for "preview".
import type { Schemas } from "../api/client";
import { CompletionChart, MeasureChart, pct, weekBuckets } from "../charts";
import { formatDate, formatTime } from "../ui";

const RESULT: Record<Schemas["CheckInResult"], string> = { done: "Done", partly: "Partly", not_done: "Not done", skipped: "Skipped" };

export function SharedProgress({ view }: { view: Schemas["SharedView"] }) {
  const titles = new Map(view.keyActions.map((a) => [a.id, a.title]));
  const week = view.thisWeek;
  return (
    <div class="shared">
      <h2>Today</h2>
      {view.todayItems.length === 0 && <p class="sub">Nothing shared is due today.</p>}
      <ul class="list">
        {view.todayItems.map((o) => (
          <li key={`${o.keyActionId}${o.dueAt}`} class="row spread">
            <span>
              <time dateTime={o.dueAt}>{formatTime(o.dueAt, view.timeZone)}</time> {o.title}
            </span>
            <span class={`tag result-${o.checkIn ? o.checkIn.result : "open"}`}>{o.checkIn ? RESULT[o.checkIn.result] : "Open"}</span>
          </li>
        ))}
      </ul>
      <h2>This week</h2>
      <p>
        <strong>{week.done}</strong> of <strong>{week.due}</strong> done ({pct(week.completionRate)}); streak{" "}
        <strong>{view.streak.current}</strong> {view.streak.current === 1 ? "day" : "days"}, best <strong>{view.streak.best}</strong>.
      </p>
      <h2>Completion per week</h2>
      <CompletionChart name="Completion per week" period="Week" buckets={weekBuckets(view.weeks)} />
      {view.measures.length > 0 && <h2>Outcomes</h2>}
      {view.measures.map((m) => (
        <MeasureChart key={m.keyActionId} measure={m} />
      ))}
      <h2>Shared key actions</h2>
      {view.keyActions.length === 0 && <p class="sub">No key action is shared.</p>}
      <ul class="list">
        {view.keyActions.map((a) => (
          <li key={a.id} class="card">
            <h3>{a.title}</h3>
            {a.cue && <p class="cue">{a.cue}</p>}
            {a.barrier && (
              <p class="sub">
                Barrier: {a.barrier.title} <span class={`tag ${a.barrier.status}`}>{a.barrier.status}</span>
              </p>
            )}
            <span class={`tag ${a.status}`}>{a.status}</span>
          </li>
        ))}
      </ul>
      {view.recentCheckIns.length > 0 && (
        <>
          <h2>Recent check-ins</h2>
          <ul class="list">
            {view.recentCheckIns.map((c) => (
              <li key={c.id} class="checkin">
                <span class={`tag result-${c.result}`}>{RESULT[c.result]}</span> · {titles.get(c.keyActionId) ?? "a key action"} · {formatDate(c.localDate)}
                {c.measureValue != null && ` · ${c.measureValue}`}
                {c.note && <p class="sub">“{c.note}”</p>}
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}
