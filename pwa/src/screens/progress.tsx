// Progress: completion over a chosen range, streak, outcomes against target, barriers, past weekly
// reviews week by week, and past reflections side by side.
import { Fragment } from "preact";
import { useState } from "preact/hooks";
import { api, type Schemas, unwrap } from "../api/client";
import {
  ChartSkeleton,
  CompletionChart,
  dateWords,
  MeasureChart,
  PERIOD_HEADING,
  type ProgressRange,
  RangeSwitch,
  rangeBuckets,
  TotalSlot,
  usePaged,
} from "../charts";
import { useResource } from "../store/resource";
import { ErrorNote, formatDate, Loading, Stale } from "../ui";

type Reviews = ReturnType<typeof useReviews>;

const useReviews = () =>
  usePaged("weekly-reviews", (offset) => unwrap(api.GET("/api/v1/weekly-reviews", { params: { query: { limit: 5, offset } } })));

function WeeklyReviews({ reviews }: { reviews: Reviews }) {
  return (
    <>
      <ErrorNote error={reviews.error} />
      {reviews.loading && !reviews.data && <Loading what="weekly reviews" />}
      {reviews.data && reviews.items.length === 0 && <p class="sub">No weekly review yet.</p>}
      <ol class="timeline">
        {reviews.items.map((r) => (
          <WeeklyReview key={r.id} review={r} />
        ))}
      </ol>
      <ErrorNote error={reviews.moreError} />
      {reviews.hasMore && (
        <button type="button" onClick={() => void reviews.loadMore()} disabled={reviews.busy}>
          {reviews.busy ? "Loading…" : "Show earlier weeks"}
        </button>
      )}
    </>
  );
}

function WeeklyReview({ review }: { review: Schemas["WeeklyReviewOut"] }) {
  const answers: [string, string | null][] = [
    ["What moved", review.moved],
    ["What got in the way", review.inTheWay],
    ["What next", review.nextStep],
  ];
  return (
    <li>
      <h3>Week of {dateWords(review.weekStart, { day: "numeric", month: "long", year: "numeric" })}</h3>
      <dl class="facts compact">
        {answers
          .filter(([, answer]) => answer)
          .map(([question, answer]) => (
            <Fragment key={question}>
              <dt>{question}</dt>
              <dd>{answer}</dd>
            </Fragment>
          ))}
        <dt>Confidence</dt>
        <dd>{review.confidence} of 5</dd>
      </dl>
    </li>
  );
}

export default function Progress() {
  const [range, setRange] = useState<ProgressRange>("3m");
  // All three load at once, but show top to bottom: a section appears only once everything above it has,
  // so nothing that arrives pushes down what is already on screen.
  const progress = useResource(`progress:${range}`, () => unwrap(api.GET("/api/v1/progress", { params: { query: { range } } })));
  const reviews = useReviews();
  const side = useResource("side-by-side", () =>
    unwrap(api.GET("/api/v1/reflections/side-by-side", { params: { query: { limit: 3 } } })),
  );
  const p = progress.data;
  // A reload on coming back to the app keeps what is shown; only a range not yet here says "Loading".
  const rangeLoading = progress.loading && p?.range !== range;
  const progressShown = Boolean(p || progress.error);
  const reviewsShown = progressShown && Boolean(reviews.data || reviews.error);
  return (
    <section>
      <h1>Progress</h1>
      <h2>Completion</h2>
      <RangeSwitch value={range} onChange={setRange} />
      <Stale stale={progress.stale} />
      <ErrorNote error={progress.error} />
      {!progress.error && <TotalSlot loading={rangeLoading} what="progress" total={p?.total} range={p?.range} />}
      {!p && !progress.error && <ChartSkeleton />}
      {p && (
        <>
          {p.total.due > 0 && <CompletionChart name="Completion" period={PERIOD_HEADING[p.bucketUnit]} buckets={rangeBuckets(p.buckets, p.bucketUnit)} />}
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
          {p.barriers.length === 0 && <p class="sub">No barriers named yet.</p>}
          <ul class="list">
            {p.barriers.map((b) => (
              <li key={b.barrierId}>
                <a href={`/barriers/${b.barrierId}`}>{b.title}</a>: <span class={`tag ${b.status}`}>{b.status}</span>
              </li>
            ))}
          </ul>
        </>
      )}
      {progressShown && (
        <>
          <h2>Weekly reviews</h2>
          <WeeklyReviews reviews={reviews} />
        </>
      )}
      {reviewsShown && (
        <>
          <h2>Reflections side by side</h2>
          <ErrorNote error={side.error} />
          {side.loading && !side.data && <Loading what="reflections" />}
          {side.data && side.data.questions.every((q) => q.answers.length === 0) && <p class="sub">No reflections yet.</p>}
          {side.data?.questions
            .filter((q) => q.answers.length > 0)
            .map((q) => (
            <div key={q.key} class="card">
              <h3>{q.text}</h3>
              <dl class="facts">
                {q.answers.map((a) => (
                  <Fragment key={a.reflectionId}>
                    <dt>{formatDate(a.reflectedOn)}</dt>
                    <dd>{a.answer ?? "—"}</dd>
                  </Fragment>
                ))}
              </dl>
            </div>
          ))}
        </>
      )}
    </section>
  );
}
