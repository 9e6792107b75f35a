// Notifications: channels (this device's Web Push, Apprise URLs and webhooks) with their health, events, test
// and removal; quiet hours and the second nudge; and the delivery log.
import { useState } from "preact/hooks";
import { api, unwrap } from "../api/client";
import { useResource } from "../store/resource";
import { ErrorNote, formatDateTime, Loading, Stale } from "../ui";
import { choiceWords } from "../words";
import { AddChannel } from "./add-channel";
import { ChannelCard } from "./channel-card";
import { EVENT_LABEL } from "./channel-events";
import { WebPush } from "./push-setting";
import { QuietHours } from "./quiet-hours";
import { AddWebhook } from "./webhook-channel";

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
