// The weekly review: first the week's open occurrences, then the reflections.
import { useState } from "preact/hooks";
import { api, type Schemas, unwrap } from "../api/client";
import { useResource } from "../store/resource";
import { useMutate } from "../store/mutate";
import { uuid } from "../store/state";
import { ErrorNote, formatDate, formValues, Loading, orNull, Stale } from "../ui";

const RESULTS: [Schemas["CheckInResult"], string][] = [
  ["done", "Done"],
  ["partly", "Partly"],
  ["not_done", "Not done"],
  ["skipped", "Skipped"],
];

export default function Review() {
  const week = useResource("review-current", () => unwrap(api.GET("/api/v1/weekly-reviews/current")));
  const [sent, setSent] = useState(false);
  const { mutate } = useMutate();
  const w = week.data;
  if (!w) return week.loading ? <Loading what="this week" /> : <ErrorNote error={week.error} />;

  const open = w.openOccurrences.filter((o) => !o.checkIn);
  const submit = async (event: Event) => {
    event.preventDefault();
    const v = formValues(event.currentTarget as HTMLFormElement);
    const checkIns: Schemas["CheckInCreate"][] = open.flatMap((o, i) =>
      v[`r${i}`] ? [{ id: uuid(), keyActionId: o.keyActionId, occurrenceAt: o.dueAt, result: v[`r${i}`] as Schemas["CheckInResult"] }] : [],
    );
    const body: Schemas["WeeklyReviewCreate"] = {
      id: uuid(),
      weekStart: w.weekStart,
      confidence: Number(v.confidence),
      moved: orNull(v.moved),
      inTheWay: orNull(v.inTheWay),
      nextStep: orNull(v.nextStep),
      checkIns,
    };
    // Through the outbox: offline it waits, and a refusal is listed with the app's other unsaved writes.
    await mutate({ op: "weeklyReview", id: body.id, body, label: `Weekly review of ${w.weekStart}` });
    setSent(true);
  };

  return (
    <section>
      <h1>Weekly review</h1>
      <p class="sub">Week of {formatDate(w.weekStart)}</p>
      <Stale stale={week.stale} />
      {w.review || sent ? (
        <div class="card">
          <p>This week's review is {w.review ? "done" : "saved"}. Thank you.</p>
          {w.review && (
            <dl class="facts">
              <dt>What moved</dt>
              <dd>{w.review.moved ?? "—"}</dd>
              <dt>What got in the way</dt>
              <dd>{w.review.inTheWay ?? "—"}</dd>
              <dt>What next</dt>
              <dd>{w.review.nextStep ?? "—"}</dd>
              <dt>Confidence</dt>
              <dd>{w.review.confidence} of 5</dd>
            </dl>
          )}
        </div>
      ) : (
        <form class="stack" onSubmit={submit} data-form="weekly-review">
          <h2>1. This week's open check-ins</h2>
          {open.length === 0 && <p>Everything this week has a check-in.</p>}
          {open.map((o, i) => (
            <fieldset key={`${o.keyActionId}${o.dueAt}`}>
              <legend>
                {o.keyActionTitle} · {formatDate(o.localDate)}
              </legend>
              <div class="row">
                {RESULTS.map(([value, words]) => (
                  <label class="choice" key={value}>
                    <input type="radio" name={`r${i}`} value={value} />
                    {words}
                  </label>
                ))}
              </div>
            </fieldset>
          ))}
          <h2>2. Reflect</h2>
          <label class="field">
            <span class="label">What moved?</span>
            <textarea name="moved" rows={2} maxLength={2000} />
          </label>
          <label class="field">
            <span class="label">What got in the way?</span>
            <textarea name="inTheWay" rows={2} maxLength={2000} />
          </label>
          <label class="field">
            <span class="label">What next?</span>
            <textarea name="nextStep" rows={2} maxLength={2000} />
          </label>
          <fieldset>
            <legend>How confident are you about next week? (1 to 5)</legend>
            <div class="row">
              {[1, 2, 3, 4, 5].map((n) => (
                <label class="choice" key={n}>
                  <input type="radio" name="confidence" value={n} required defaultChecked={n === 3} />
                  {n}
                </label>
              ))}
            </div>
          </fieldset>
          <button type="submit" class="primary">
            Save the review
          </button>
        </form>
      )}
    </section>
  );
}
