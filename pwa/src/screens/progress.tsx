// Progress: completion per week, streaks, outcome against target (plain SVG, each with a text
// alternative), and past reflections side by side.
import { api, type Schemas, unwrap } from "../api/client";
import { useResource } from "../store/resource";
import { ErrorNote, formatDate, Loading, Stale } from "../ui";

const pct = (rate: number | null) => (rate == null ? "nothing due" : `${Math.round(rate * 100)}%`);

export function CompletionChart({ weeks }: { weeks: Schemas["WeekProgress"][] }) {
  const w = 320;
  const h = 120;
  const bar = w / Math.max(weeks.length, 1);
  const summary = weeks.map((wk) => `week of ${formatDate(wk.weekStart)}: ${pct(wk.completionRate)} (${wk.done} of ${wk.due} done)`);
  return (
    <figure>
      <svg viewBox={`0 0 ${w} ${h + 20}`} role="img" aria-labelledby="completion-title completion-desc" class="chart">
        <title id="completion-title">Completion per week</title>
        <desc id="completion-desc">{summary.join("; ")}</desc>
        {weeks.map((wk, i) => {
          const height = (wk.completionRate ?? 0) * h;
          return (
            <g key={wk.weekStart}>
              <rect class="bar" x={i * bar + 2} y={h - height} width={bar - 4} height={height} />
              {(weeks.length - 1 - i) % 3 === 0 && (
                <text class="axis" x={i * bar + bar / 2} y={h + 14} text-anchor="middle">
                  {wk.weekStart.slice(5)}
                </text>
              )}
            </g>
          );
        })}
        <line class="base" x1="0" x2={w} y1={h} y2={h} />
      </svg>
      <figcaption class="sr-only">{summary.join(". ")}</figcaption>
    </figure>
  );
}

export function MeasureChart({ measure }: { measure: Schemas["MeasureProgress"] }) {
  const w = 320;
  const h = 120;
  const max = Math.max(measure.target ?? 0, ...measure.weeks.map((x) => x.total), 1);
  const bar = w / Math.max(measure.weeks.length, 1);
  const ty = h - ((measure.target ?? 0) / max) * h;
  const text = `${measure.title}: ${measure.total} ${measure.unit} in total${
    measure.target != null ? `, target ${measure.target} per week` : ""
  }. ${measure.weeks.map((x) => `week of ${formatDate(x.weekStart)}: ${x.total}`).join("; ")}`;
  return (
    <figure>
      <figcaption>
        {measure.title} ({measure.unit})
      </figcaption>
      <svg viewBox={`0 0 ${w} ${h}`} role="img" aria-label={text} class="chart">
        {measure.weeks.map((x, i) => (
          <rect key={x.weekStart} class="bar measure" x={i * bar + 2} y={h - (x.total / max) * h} width={bar - 4} height={(x.total / max) * h} />
        ))}
        {measure.target != null && <line class="target" x1="0" x2={w} y1={ty} y2={ty} />}
      </svg>
      <p class="sr-only">{text}</p>
    </figure>
  );
}

export default function Progress() {
  const progress = useResource("progress", () => unwrap(api.GET("/api/v1/progress")));
  const side = useResource("side-by-side", () =>
    unwrap(api.GET("/api/v1/reflections/side-by-side", { params: { query: { limit: 3 } } })),
  );
  const p = progress.data;
  return (
    <section>
      <h1>Progress</h1>
      <Stale stale={progress.stale} />
      {progress.loading && !p && <Loading what="progress" />}
      <ErrorNote error={progress.error} />
      {p && (
        <>
          <h2>Completion per week</h2>
          <CompletionChart weeks={p.weeks} />
          <h2>Streak</h2>
          <p>
            <strong>{p.streak.current}</strong> {p.streak.current === 1 ? "day" : "days"} in a row with everything kept; best{" "}
            <strong>{p.streak.best}</strong>.
          </p>
          <h2>Outcomes</h2>
          {p.measures.length === 0 && <p class="sub">No key action measures an outcome yet.</p>}
          {p.measures.map((m) => (
            <MeasureChart key={m.keyActionId} measure={m} />
          ))}
          <h2>Barriers</h2>
          <ul class="list">
            {p.barriers.map((b) => (
              <li key={b.barrierId}>
                <a href={`/barriers/${b.barrierId}`}>{b.title}</a>: <span class={`tag ${b.status}`}>{b.status}</span>
              </li>
            ))}
          </ul>
        </>
      )}
      <h2>Reflections side by side</h2>
      {side.data && side.data.questions.every((q) => q.answers.length === 0) && <p class="sub">No reflections yet.</p>}
      {side.data?.questions.map((q) => (
        <div key={q.key} class="card">
          <h3>{q.text}</h3>
          <dl class="facts">
            {q.answers.map((a) => (
              <>
                <dt key={`d${a.reflectionId}`}>{formatDate(a.reflectedOn)}</dt>
                <dd key={`a${a.reflectionId}`}>{a.answer ?? "—"}</dd>
              </>
            ))}
          </dl>
        </div>
      ))}
    </section>
  );
}
