// A notification channel's card: its health, on or off, its events, a test message, removal, and a webhook's
// signing secret.
import { useState } from "preact/hooks";
import { api, type Schemas } from "../api/client";
import { same } from "../form";
import { useMutate } from "../store/mutate";
import { ErrorNote, formatDateTime, Toggle } from "../ui";
import { EVENT_LABEL, EventChoices, type EventName, eventsFor } from "./channel-events";
import { WebhookSecret } from "./webhook-channel";

type Channel = Schemas["ChannelOut"];

function Health({ c }: { c: Channel }) {
  const h = c.health;
  return (
    <>
      {h.disabledReason && (
        <p class="banner problem" role="alert">
          <strong>Turned off:</strong> {h.disabledReason}
        </p>
      )}
      <dl class="facts compact">
        <dt>Last success</dt>
        <dd>{h.lastSuccessAt ? formatDateTime(h.lastSuccessAt) : "never"}</dd>
        {h.lastError && (
          <>
            <dt>Last error</dt>
            <dd class="error">
              {h.lastError}
              {h.lastErrorAt && ` (${formatDateTime(h.lastErrorAt)})`}
            </dd>
          </>
        )}
        {h.consecutiveFailures > 0 && (
          <>
            <dt>Failures in a row</dt>
            <dd>{h.consecutiveFailures}</dd>
          </>
        )}
      </dl>
    </>
  );
}

export function ChannelCard({ c, reload }: { c: Channel; reload: () => void }) {
  const { mutate: write, error, clear } = useMutate();
  // The test has its own busy flag: the button says "Sending…" only while a test is on its way.
  const testing = useMutate();
  // One error at a time on the card: the newest write's.
  const mutate: typeof write = (call) => (testing.clear(), write(call));
  const [test, setTest] = useState<Schemas["ChannelTestOut"] | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [events, setEvents] = useState<EventName[]>(c.events);
  const path = { params: { path: { channel_id: c.id } } };
  const patch = async (body: Schemas["ChannelUpdate"]) => {
    const done = (await mutate(() => api.PATCH("/api/v1/channels/{channel_id}", { ...path, body }))).status === "done";
    if (done) reload();
    return done;
  };
  const sendTest = async () => {
    setTest(null);
    clear();
    const sent = await testing.mutate(() => api.POST("/api/v1/channels/{channel_id}/test", path));
    if (sent.status !== "done") return;
    setTest(sent.data);
    reload();
  };
  const remove = async () => {
    if (!confirm(`Remove “${c.label}”? Nothing more is sent there.`)) return;
    if ((await mutate(() => api.DELETE("/api/v1/channels/{channel_id}", path))).status === "done") reload();
  };
  return (
    <li class="card stack" data-testid="channel">
      <div class="item-head">
        <h3>{c.label}</h3>
        <span class={`tag ${c.enabled ? "done" : "dropped"}`}>{c.enabled ? "On" : "Off"}</span>
      </div>
      <p class="sub">
        {c.service} · <code>{c.destination}</code>
      </p>
      <Health c={c} />
      <Toggle label="Enabled" checked={c.enabled} onChange={async (v) => void (await patch({ enabled: v }))} />
      <details>
        <summary>Events for {c.label}</summary>
        <form
          data-form="channel-events"
          onSubmit={async (e) => {
            e.preventDefault();
            // Compared as sets: the order of the stored list carries no meaning.
            if (same([...events].sort(), [...c.events].sort())) return setSaved("Nothing changed.");
            setSaved((await patch({ events })) ? "Saved." : null);
          }}
        >
          <EventChoices chosen={events} onChange={(next) => (setEvents(next), setSaved(null))} options={eventsFor(c.kind)} />
          <button type="submit">Save events</button>
          {saved && <span role="status"> {saved}</span>}
        </form>
      </details>
      <p class="sub">Sends: {c.events.map((e) => EVENT_LABEL.get(e) ?? e).join(", ")}</p>
      <p class="row">
        <button type="button" onClick={sendTest} disabled={testing.busy} aria-label={`Send test to ${c.label}`}>
          {testing.busy ? "Sending…" : "Send test"}
        </button>
        <button type="button" class="danger" onClick={remove} aria-label={`Remove ${c.label}`}>
          Remove
        </button>
      </p>
      {c.kind === "webhook" && <WebhookSecret c={c} changed={reload} />}
      {test && (
        <p class={test.sent ? "banner" : "banner problem"} role="status" data-testid="test-outcome">
          {test.sent ? "Test sent. Check that it arrived." : `Test failed: ${test.error ?? "unknown error"}`}
          {!test.sent && test.permanent && " This will not work until the URL is fixed."}
        </p>
      )}
      <ErrorNote error={error ?? testing.error} />
    </li>
  );
}
