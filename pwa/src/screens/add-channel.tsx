// Adding an Apprise channel: any destination Apprise knows, with examples to start from.
import { useState } from "preact/hooks";
import { api } from "../api/client";
import { useMutate } from "../store/mutate";
import { ErrorNote, Field, formValues, orNull } from "../ui";
import { EVENTS, EventChoices, type EventName } from "./channel-events";
import { ChannelUrlInput } from "./channel-url";

const EXAMPLES: [string, string][] = [
  ["ntfy", "ntfys://ntfy.sh/my-secret-topic"],
  ["Email", "mailtos://user:app-password@gmail.com?to=me@example.com"],
  ["Telegram", "tgram://bot-token/chat-id"],
  ["Discord", "discord://webhook-id/webhook-token"],
  ["Slack", "slack://TokenA/TokenB/TokenC/#channel"],
  ["Matrix", "matrixs://user:password@matrix.org/#room"],
  ["JSON webhook", "jsons://example.com/hooks/followthrough"],
];

export function AddChannel({ added }: { added: () => void }) {
  const { mutate, error } = useMutate();
  const [url, setUrl] = useState("");
  const [events, setEvents] = useState<EventName[]>(EVENTS.map(([e]) => e));
  const submit = async (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const v = formValues(form);
    const body = { kind: "apprise" as const, enabled: true, label: orNull(v.label), url: url.trim(), events };
    if ((await mutate(() => api.POST("/api/v1/channels", { body }))).status !== "done") return;
    form.reset();
    setUrl("");
    setEvents(EVENTS.map(([e]) => e));
    added();
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
        <ChannelUrlInput url={url} setUrl={setUrl} />
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
