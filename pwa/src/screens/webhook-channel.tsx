// Webhook channels: signed JSON to an automation (Home Assistant, n8n...). Adding one, and its signing
// secret, which the server shows only in the answer that makes it (adding, or rotating).
import { useState } from "preact/hooks";
import { api, type Schemas, unwrap } from "../api/client";
import { ErrorNote, Field, formValues, orNull } from "../ui";
import { EventChoices, type EventName, eventsFor, WEBHOOK_EVENTS } from "./channel-events";

type Channel = Schemas["ChannelOut"];

/** The secret, this once, with a Copy button. */
function SecretOnce({ secret, label }: { secret: string; label: string }) {
  const [copied, setCopied] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(secret);
      setCopied(true);
    } catch (e) {
      setError(e);
    }
  };
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
  const [error, setError] = useState<unknown>(null);
  const [url, setUrl] = useState("");
  const [events, setEvents] = useState<EventName[]>(WEBHOOK_EVENTS.map(([e]) => e));
  const [made, setMade] = useState<Channel | null>(null);
  const submit = async (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const v = formValues(form);
    try {
      const channel = await unwrap(
        api.POST("/api/v1/channels", {
          body: { kind: "webhook", enabled: true, label: orNull(v.label), url: url.trim(), events },
        }),
      );
      form.reset();
      setUrl("");
      setEvents(WEBHOOK_EVENTS.map(([e]) => e));
      setError(null);
      setMade(channel);
      added();
    } catch (e) {
      setError(e);
    }
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
        <input
          name="url"
          type="url"
          required
          maxLength={2000}
          autoComplete="off"
          spellcheck={false}
          value={url}
          onInput={(e) => setUrl((e.currentTarget as HTMLInputElement).value)}
        />
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
  const [error, setError] = useState<unknown>(null);
  const rotate = async () => {
    try {
      const rotated = await unwrap(api.POST("/api/v1/channels/{channel_id}/rotate-secret", { params: { path: { channel_id: c.id } } }));
      setSecret(rotated.signingSecret ?? null);
      setConfirming(false);
      setError(null);
      changed();
    } catch (e) {
      setError(e);
    }
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
