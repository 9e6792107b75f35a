// Webhook channels: signed JSON to an automation (Home Assistant, n8n...). Adding one, and its signing
// secret, which the server shows only in the answer that makes it (adding, or rotating).
import { useState } from "preact/hooks";
import { api, type Schemas } from "../api/client";
import { useMutate } from "../store/mutate";
import { ErrorNote, Field, formValues, orNull } from "../ui";
import { EventChoices, type EventName, eventsFor, WEBHOOK_EVENTS } from "./channel-events";
import { ChannelUrlInput } from "./channel-url";

type Channel = Schemas["ChannelOut"];

/** The secret, this once, with a Copy button. */
function SecretOnce({ secret, label }: { secret: string; label: string }) {
  const [copied, setCopied] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const copy = () => navigator.clipboard.writeText(secret).then(() => setCopied(true), setError);
  return (
    <div class="banner stack" role="status" data-testid="webhook-secret">
      <p>
        The signing secret for “{label}”. It is shown only this once: put it in your receiver now to check that
        messages come from here.
      </p>
      <code class="secret">{secret}</code>
      <p class="row">
        <button type="button" onClick={copy}>
          {copied ? "Copied" : "Copy secret"}
        </button>
        <a href="https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md">How to verify</a>
      </p>
      <ErrorNote error={error} />
    </div>
  );
}

export function AddWebhook({ added }: { added: () => void }) {
  const { mutate, error } = useMutate();
  const [url, setUrl] = useState("");
  const [events, setEvents] = useState<EventName[]>(WEBHOOK_EVENTS.map(([e]) => e));
  const [made, setMade] = useState<Channel | null>(null);
  const submit = async (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const v = formValues(form);
    const body = { kind: "webhook" as const, enabled: true, label: orNull(v.label), url: url.trim(), events };
    const channel = await mutate(() => api.POST("/api/v1/channels", { body }));
    if (channel.status !== "done") return;
    form.reset();
    setUrl("");
    setEvents(WEBHOOK_EVENTS.map(([e]) => e));
    setMade(channel.data);
    added();
  };
  return (
    <form class="card stack" onSubmit={submit} data-form="webhook-new">
      <h2>Add a webhook</h2>
      <p class="sub">
        Signed JSON for your automations: Home Assistant, n8n, Node-RED or your own script. Each message is signed
        with a secret (the Standard Webhooks scheme) that you see once, after adding.
      </p>
      {made?.signingSecret && <SecretOnce secret={made.signingSecret} label={made.label} />}
      <Field label="Name" name="label" error={error} hint="Optional, e.g. “Home Assistant”.">
        <input name="label" maxLength={80} />
      </Field>
      <Field label="Webhook URL" name="url" error={error} hint="The https:// address your Home Assistant, n8n or script listens on.">
        <ChannelUrlInput url={url} setUrl={setUrl} type="url" />
      </Field>
      <EventChoices chosen={events} onChange={setEvents} options={eventsFor("webhook")} legend="Send it when" />
      <ErrorNote error={error} fields={["label", "url", "events"]} />
      <button type="submit" class="primary">
        Add webhook
      </button>
    </form>
  );
}

/** On a webhook's card: make a new signing secret (the old one stops verifying at once). */
export function WebhookSecret({ c, changed }: { c: Channel; changed: () => void }) {
  const [confirming, setConfirming] = useState(false);
  const [secret, setSecret] = useState<string | null>(null);
  const { mutate, error } = useMutate();
  const rotate = async () => {
    const path = { params: { path: { channel_id: c.id } } };
    const rotated = await mutate(() => api.POST("/api/v1/channels/{channel_id}/rotate-secret", path));
    if (rotated.status !== "done") return;
    setSecret(rotated.data.signingSecret ?? null);
    setConfirming(false);
    changed();
  };
  return (
    <div class="stack">
      {secret && <SecretOnce secret={secret} label={c.label} />}
      {!confirming ? (
        <p>
          <button type="button" onClick={() => setConfirming(true)} aria-label={`New signing secret for ${c.label}`}>
            New signing secret
          </button>
        </p>
      ) : (
        <div class="stack" role="group" aria-label="Replace the signing secret">
          <p>The current secret stops working at once: your receiver refuses messages until you give it the new one.</p>
          <p class="row">
            <button type="button" class="primary" onClick={rotate}>
              Make a new secret
            </button>
            <button type="button" onClick={() => setConfirming(false)}>
              Keep the current secret
            </button>
          </p>
        </div>
      )}
      <ErrorNote error={error} />
    </div>
  );
}
