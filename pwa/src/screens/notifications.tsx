// Notifications: channels (Apprise URLs and this device's Web Push) with their health, events, test and
// removal; quiet hours and the second nudge; and the delivery log.
import { useEffect, useState } from "preact/hooks";
import { api, ApiError, type Schemas, unwrap } from "../api/client";
import { deviceLabel, forgetPushChannel, pushChannelFor, rememberPushChannel, subscriptionBody, urlBase64ToBytes } from "../push";
import { useResource } from "../store/resource";
import { ErrorNote, Field, formatDateTime, formValues, Loading, orNull, Stale, Toggle } from "../ui";

type Channel = Schemas["ChannelOut"];
type EventName = Schemas["Event"];

export const EVENTS: [EventName, string][] = [
  ["reminder.due", "Reminders"],
  ["review.weekly", "Weekly review"],
  ["encouragement.received", "Encouragement"],
  ["invite.accepted", "Invite accepted"],
  ["partner.digest", "Partner digest"],
  ["partner.missed", "Partner missed a check-in"],
  ["channel.disabled", "A channel was turned off"],
];
const EVENT_LABEL = new Map(EVENTS);

const EXAMPLES: [string, string][] = [
  ["ntfy", "ntfys://ntfy.sh/my-secret-topic"],
  ["Email", "mailtos://user:app-password@gmail.com?to=me@example.com"],
  ["Telegram", "tgram://bot-token/chat-id"],
  ["Discord", "discord://webhook-id/webhook-token"],
  ["Slack", "slack://TokenA/TokenB/TokenC/#channel"],
  ["Matrix", "matrixs://user:password@matrix.org/#room"],
  ["JSON webhook", "jsons://example.com/hooks/followthrough"],
];

function EventChoices({ name, chosen }: { name: string; chosen: EventName[] }) {
  return (
    <fieldset>
      <legend>Send me</legend>
      {EVENTS.map(([value, label]) => (
        <label class="choice block" key={value}>
          <input type="checkbox" name={name} value={value} defaultChecked={chosen.includes(value)} />
          {label}
        </label>
      ))}
    </fieldset>
  );
}

const chosenEvents = (form: HTMLFormElement, name: string) =>
  new FormData(form).getAll(name).map(String) as EventName[];

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
  const [saved, setSaved] = useState(false);
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
          onSubmit={async (e) => {
            e.preventDefault();
            setSaved(await patch({ events: chosenEvents(e.currentTarget as HTMLFormElement, "events") }));
          }}
        >
          <EventChoices name="events" chosen={c.events} />
          <button type="submit">Save events</button>
          {saved && <span role="status"> Saved.</span>}
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
  const submit = async (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const v = formValues(form);
    try {
      await unwrap(
        api.POST("/api/v1/channels", {
          body: { kind: "apprise", enabled: true, label: orNull(v.label), url: url.trim(), events: chosenEvents(form, "newEvents") },
        }),
      );
      form.reset();
      setUrl("");
      setError(null);
      added();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <form class="card stack" onSubmit={submit}>
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
      <EventChoices name="newEvents" chosen={EVENTS.map(([e]) => e)} />
      <ErrorNote error={error} />
      <button type="submit" class="primary">
        Add channel
      </button>
    </form>
  );
}

type PushState = "unsupported" | "denied" | "off" | "on" | "busy";

function WebPush({ channels, changed }: { channels: Channel[] | undefined; changed: () => void }) {
  const [state, setState] = useState<PushState>("busy");
  const [error, setError] = useState<unknown>(null);
  const supported = typeof window !== "undefined" && "serviceWorker" in navigator && "PushManager" in window;

  const current = async () => (await navigator.serviceWorker.ready).pushManager.getSubscription();
  useEffect(() => {
    if (!supported) return setState("unsupported");
    if (Notification.permission === "denied") return setState("denied");
    void current().then((sub) => {
      const id = sub && pushChannelFor(sub.endpoint);
      setState(id && (!channels || channels.some((c) => c.id === id)) ? "on" : "off");
    });
  }, [channels]);

  const turnOn = async () => {
    setState("busy");
    setError(null);
    try {
      if ((await Notification.requestPermission()) !== "granted") return setState("denied");
      const { publicKey } = await unwrap(api.GET("/api/v1/push/vapid-public-key"));
      const registration = await navigator.serviceWorker.ready;
      const old = await registration.pushManager.getSubscription();
      // A subscription made with another server key cannot be reused.
      if (old) await old.unsubscribe();
      const sub = await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: urlBase64ToBytes(publicKey) });
      const channel = await unwrap(
        api.POST("/api/v1/channels", {
          body: { kind: "webpush", enabled: true, label: deviceLabel(navigator.userAgent), subscription: subscriptionBody(sub.toJSON()) },
        }),
      );
      rememberPushChannel(sub.endpoint, channel.id);
      setState("on");
      changed();
    } catch (e) {
      setError(e);
      setState("off");
    }
  };
  const turnOff = async () => {
    setState("busy");
    setError(null);
    try {
      const sub = await current();
      if (sub) {
        const id = pushChannelFor(sub.endpoint);
        if (id) {
          await unwrap(api.DELETE("/api/v1/channels/{channel_id}", { params: { path: { channel_id: id } } })).catch((e) => {
            // Already removed from the list: the subscription still has to go.
            if (!(e instanceof ApiError && e.status === 404)) throw e;
          });
          forgetPushChannel(sub.endpoint);
        }
        await sub.unsubscribe();
      }
      setState("off");
      changed();
    } catch (e) {
      setError(e);
      setState("on");
    }
  };

  return (
    <div class="card stack">
      <h2>Push on this device</h2>
      {state === "unsupported" && <p class="sub">This browser cannot receive push messages. Installing the app may help.</p>}
      {state === "denied" && <p class="sub">Notifications are blocked for this site. Allow them in the browser’s settings.</p>}
      {(state === "on" || state === "off" || state === "busy") && supported && (
        <>
          <p class="sub">{state === "on" ? "This device gets push messages." : "Reminders as notifications on this device."}</p>
          <button
            type="button"
            aria-pressed={state === "on"}
            disabled={state === "busy"}
            onClick={state === "on" ? turnOff : turnOn}
          >
            {state === "on" ? "Turn push off" : "Turn push on"}
          </button>
        </>
      )}
      <ErrorNote error={error} />
    </div>
  );
}

function QuietHours() {
  const account = useResource("account", () => unwrap(api.GET("/api/v1/account")));
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const a = account.data;
  if (!a) return account.loading ? <Loading what="quiet hours" /> : <ErrorNote error={account.error} />;
  const save = async (event: Event) => {
    event.preventDefault();
    const v = formValues(event.currentTarget as HTMLFormElement);
    try {
      await unwrap(
        api.PATCH("/api/v1/account", {
          body: { quietHoursStart: orNull(v.quietHoursStart), quietHoursEnd: orNull(v.quietHoursEnd), nudgeEnabled: v.nudge === "on" },
        }),
      );
      setError(null);
      setSaved(true);
      account.reload();
    } catch (e) {
      setError(e);
      setSaved(false);
    }
  };
  return (
    <form class="card stack" onSubmit={save}>
      <h2>Quiet hours</h2>
      <p class="sub">Anything due inside them waits until they end ({a.timeZone}).</p>
      <div class="row pair">
        <Field label="From" name="quietHoursStart" error={error}>
          <input name="quietHoursStart" type="time" defaultValue={a.quietHoursStart?.slice(0, 5) ?? ""} />
        </Field>
        <Field label="Until" name="quietHoursEnd" error={error}>
          <input name="quietHoursEnd" type="time" defaultValue={a.quietHoursEnd?.slice(0, 5) ?? ""} />
        </Field>
      </div>
      <label class="choice toggle">
        <input type="checkbox" name="nudge" defaultChecked={a.nudgeEnabled} />
        <span>
          Second nudge
          <span class="hint block">At the end of the day, if a key action is still open.</span>
        </span>
      </label>
      <ErrorNote error={error} />
      {saved && <p role="status">Saved.</p>}
      <button type="submit" class="primary">
        Save
      </button>
    </form>
  );
}

const STATUS_CLASS: Record<string, string> = { sent: "done", failed: "dropped", missed: "dropped", retrying: "paused", pending: "paused" };

function Deliveries() {
  const log = useResource("deliveries", () => unwrap(api.GET("/api/v1/deliveries", { params: { query: { limit: 30 } } })));
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
              <strong>{EVENT_LABEL.get(d.event) ?? d.event}</strong>
              <span class={`tag ${STATUS_CLASS[d.status] ?? ""}`}>{d.status}</span>
            </div>
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
          <ChannelCard key={c.id} c={c} reload={channels.reload} />
        ))}
      </ul>
      <AddChannel added={channels.reload} />
      <QuietHours />
      <Deliveries />
    </section>
  );
}
