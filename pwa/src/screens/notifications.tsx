// Notifications: channels (Apprise URLs and this device's Web Push) with their health, events, test and
// removal; quiet hours and the second nudge; and the delivery log.
import { useEffect, useState } from "preact/hooks";
import { api, ApiError, type Schemas, unwrap } from "../api/client";
import { WebPush } from "./push-setting";
import { same } from "../form";
import { choiceWords } from "../words";
import { QuietHours } from "./quiet-hours";
import { useResource } from "../store/resource";
import { ErrorNote, Field, formatDateTime, formValues, Loading, orNull, Stale, Toggle } from "../ui";
import { EVENT_LABEL, EVENTS, EventChoices, type EventName, eventsFor } from "./channel-events";
import { AddWebhook, WebhookSecret } from "./webhook-channel";

type Channel = Schemas["ChannelOut"];

const EXAMPLES: [string, string][] = [
  ["ntfy", "ntfys://ntfy.sh/my-secret-topic"],
  ["Email", "mailtos://user:app-password@gmail.com?to=me@example.com"],
  ["Telegram", "tgram://bot-token/chat-id"],
  ["Discord", "discord://webhook-id/webhook-token"],
  ["Slack", "slack://TokenA/TokenB/TokenC/#channel"],
  ["Matrix", "matrixs://user:password@matrix.org/#room"],
  ["JSON webhook", "jsons://example.com/hooks/followthrough"],
];

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

function ChannelCard({ c, reload }: { c: Channel; reload: () => void }) {
  const [error, setError] = useState<unknown>(null);
  const [test, setTest] = useState<Schemas["ChannelTestOut"] | null>(null);
  const [testing, setTesting] = useState(false);
  const [saved, setSaved] = useState<string | null>(null);
  const [events, setEvents] = useState<EventName[]>(c.events);
  const path = { params: { path: { channel_id: c.id } } };
  const patch = async (body: Schemas["ChannelUpdate"]) => {
    try {
      await unwrap(api.PATCH("/api/v1/channels/{channel_id}", { ...path, body }));
      setError(null);
      reload();
      return true;
    } catch (e) {
      setError(e);
      return false;
    }
  };
  const sendTest = async () => {
    setTesting(true);
    setTest(null);
    try {
      setTest(await unwrap(api.POST("/api/v1/channels/{channel_id}/test", path)));
      setError(null);
      reload();
    } catch (e) {
      setError(e);
    } finally {
      setTesting(false);
    }
  };
  const remove = async () => {
    if (!confirm(`Remove “${c.label}”? Nothing more is sent there.`)) return;
    try {
      await unwrap(api.DELETE("/api/v1/channels/{channel_id}", path));
      reload();
    } catch (e) {
      setError(e);
    }
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
        <button type="button" onClick={sendTest} disabled={testing} aria-label={`Send test to ${c.label}`}>
          {testing ? "Sending…" : "Send test"}
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
      <ErrorNote error={error} />
    </li>
  );
}

function AddChannel({ added }: { added: () => void }) {
  const [error, setError] = useState<unknown>(null);
  const [url, setUrl] = useState("");
  const [events, setEvents] = useState<EventName[]>(EVENTS.map(([e]) => e));
  const submit = async (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const v = formValues(form);
    try {
      await unwrap(
        api.POST("/api/v1/channels", {
          body: { kind: "apprise", enabled: true, label: orNull(v.label), url: url.trim(), events },
        }),
      );
      form.reset();
      setUrl("");
      setEvents(EVENTS.map(([e]) => e));
      setError(null);
      added();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <form class="card stack" onSubmit={submit} data-form="channel-new">
      <h2>Add a channel</h2>
      <p class="sub">
        Any destination <a href="https://github.com/caronc/apprise/wiki">Apprise</a> knows: email, chat apps, ntfy and
        about a hundred more. The URL is stored encrypted and never shown again in full.
      </p>
      <Field label="Name" name="label" error={error} hint="Optional, e.g. “My phone”.">
        <input name="label" maxLength={80} />
      </Field>
      <Field label="Apprise URL" name="url" error={error}>
        <input
          name="url"
          required
          maxLength={2000}
          autoComplete="off"
          spellcheck={false}
          value={url}
          onInput={(e) => setUrl((e.currentTarget as HTMLInputElement).value)}
        />
      </Field>
      <details>
        <summary>Examples</summary>
        <ul class="list examples">
          {EXAMPLES.map(([service, example]) => (
            <li key={service}>
              <button type="button" class="link" onClick={() => setUrl(example)} aria-label={`Use the ${service} example`}>
                {service}
              </button>
              <code>{example}</code>
            </li>
          ))}
        </ul>
      </details>
      <EventChoices chosen={events} onChange={setEvents} />
      <ErrorNote error={error} fields={["label", "url"]} />
      <button type="submit" class="primary">
        Add channel
      </button>
    </form>
  );
}

const STATUS_CLASS: Record<string, string> = { sent: "done", failed: "dropped", missed: "dropped", retrying: "paused", pending: "paused" };

/** `version` changes when something here sent a message (a test), so the log shows it. */
function Deliveries({ version }: { version: number }) {
  // A new key fetches the log again (and keeps its own offline copy).
  const log = useResource(version ? `deliveries#${version}` : "deliveries", () => unwrap(api.GET("/api/v1/deliveries", { params: { query: { limit: 30 } } })));
  return (
    <section aria-labelledby="deliveries">
      <h2 id="deliveries">Delivery log</h2>
      <Stale stale={log.stale} />
      <ErrorNote error={log.error} />
      {log.data?.items.length === 0 && <p class="sub">Nothing sent yet.</p>}
      <ul class="list">
        {log.data?.items.map((d) => (
          <li key={d.id} class="card delivery">
            <div class="item-head">
              <strong>
                {EVENT_LABEL.get(d.event) ?? "Message"}
                {d.keyActionTitle && `: ${d.keyActionTitle}`}
              </strong>
              <span class={`tag ${STATUS_CLASS[d.status] ?? ""}`}>{d.status}</span>
            </div>
            {d.tap && (
              <p class="tap">
                {choiceWords(d.tap.choice)} from {d.tap.channelLabel}, {formatDateTime(d.tap.at)}
              </p>
            )}
            <p class="sub">
              to {d.channelLabel} · due {formatDateTime(d.dueAt)}
              {d.sentAt && ` · sent ${formatDateTime(d.sentAt)}`}
              {d.attempts > 1 && ` · ${d.attempts} attempts`}
              {d.nextAttemptAt && d.status === "retrying" && ` · next try ${formatDateTime(d.nextAttemptAt)}`}
            </p>
            {d.lastError && <p class="error">{d.lastError}</p>}
          </li>
        ))}
      </ul>
    </section>
  );
}

export default function Notifications() {
  const channels = useResource("channels", () => unwrap(api.GET("/api/v1/channels", { params: { query: { limit: 100 } } })));
  const [logVersion, setLogVersion] = useState(0);
  const changed = () => {
    channels.reload();
    setLogVersion((v) => v + 1);
  };
  return (
    <section>
      <p>
        <a href="/account">← Account</a>
      </p>
      <h1>Notifications</h1>
      <WebPush channels={channels.data?.items} changed={channels.reload} />
      <h2>Channels</h2>
      <Stale stale={channels.stale} />
      {channels.loading && !channels.data && <Loading what="channels" />}
      <ErrorNote error={channels.error} />
      {channels.data?.items.length === 0 && <p class="sub">No channel yet: add one below, or turn on push.</p>}
      <ul class="list">
        {channels.data?.items.map((c) => (
          <ChannelCard key={c.id} c={c} reload={changed} />
        ))}
      </ul>
      <AddChannel added={channels.reload} />
      <AddWebhook added={channels.reload} />
      <QuietHours />
      <Deliveries version={logVersion} />
    </section>
  );
}
