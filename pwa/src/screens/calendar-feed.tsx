// The calendar feed card (on Account): a secret link that calendar apps subscribe to, shown once when made,
// replaced with a new one or turned off.
import { useState } from "preact/hooks";
import { api, type Schemas, unwrap } from "../api/client";
import { type Call, useMutate } from "../store/mutate";
import { useResource } from "../store/resource";
import { ErrorNote, formatDate, formatDateTime } from "../ui";

type Made = Schemas["CalendarFeedCreated"];

/** What the card says about a feed that exists, in words. */
export function feedSummary(feed: Schemas["CalendarFeedOut"]): string {
  if (!feed.enabled || !feed.createdAt) return "";
  const made = `Link ending …${feed.hint}, made ${formatDate(feed.createdAt)}.`;
  const read = feed.lastFetchedAt ? `Last read by a calendar app ${formatDateTime(feed.lastFetchedAt)}.` : "No calendar app has read it yet.";
  return `${made} ${read}`;
}

export function CalendarFeed() {
  const feed = useResource("calendar-feed", () => unwrap(api.GET("/api/v1/calendar-feed")));
  const [made, setMade] = useState<Made | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [copied, setCopied] = useState(false);
  const { mutate, busy, error, fail } = useMutate();

  /** Makes or ends the link; `shown` is the new link to show once (null when there is none). */
  const act = async <T,>(call: Call<T>, shown: (data: T) => Made | null) => {
    const answer = await mutate(call);
    if (answer.status !== "done") return;
    setMade(shown(answer.data));
    setConfirming(false);
    setCopied(false);
    feed.reload();
  };
  const create = () => act(() => api.POST("/api/v1/calendar-feed"), (created) => created);
  const turnOff = () => act(() => api.DELETE("/api/v1/calendar-feed"), () => null);
  const copy = (url: string) => navigator.clipboard.writeText(url).then(() => setCopied(true), fail);

  const state = feed.data;
  return (
    <div class="card stack" data-card="calendar-feed">
      <h2>Calendar feed</h2>
      <p class="sub">See your key actions, with their reminders, in the calendar app you already use.</p>
      {made && (
        <div class="banner stack" role="status">
          <p>Your calendar link. It is shown only this once, and anyone who has it can see your key actions.</p>
          <code data-feed-url>{made.url}</code>
          <p class="row">
            <button type="button" onClick={() => copy(made.url)}>
              {copied ? "Copied" : "Copy link"}
            </button>
            <a class="button primary" href={made.webcalUrl}>
              Add to calendar
            </a>
          </p>
        </div>
      )}
      {state?.enabled && !made && <p>{feedSummary(state)}</p>}
      <ErrorNote error={error ?? feed.error} />
      {state && !state.enabled && (
        <p>
          <button type="button" class="primary" disabled={busy} onClick={create}>
            Create feed link
          </button>
        </p>
      )}
      {state?.enabled && !confirming && (
        <p class="row">
          <button type="button" disabled={busy} onClick={() => setConfirming(true)}>
            New link
          </button>
          <button type="button" disabled={busy} onClick={turnOff}>
            Turn off
          </button>
        </p>
      )}
      {state?.enabled && confirming && (
        <div class="stack" role="group" aria-label="Replace the calendar link">
          <p>The current link stops working at once: calendars using it stop updating until you add the new one.</p>
          <p class="row">
            <button type="button" class="primary" disabled={busy} onClick={create}>
              Make a new link
            </button>
            <button type="button" disabled={busy} onClick={() => setConfirming(false)}>
              Keep the current link
            </button>
          </p>
        </div>
      )}
    </div>
  );
}
