// Which events a channel receives: the catalogue with the words for each, and the checkboxes that choose
// them. Webhooks (signed JSON for automations) may take every event; other channels only those with words.
import type { Schemas } from "../api/client";

export type EventName = Schemas["Event"];

export const EVENTS: [EventName, string][] = [
  ["reminder.due", "Reminders"],
  ["review.weekly", "Weekly review"],
  ["encouragement.received", "Encouragement"],
  ["invite.accepted", "Invite accepted"],
  ["partner.digest", "Partner digest"],
  ["partner.missed", "Partner missed a check-in"],
  ["channel.disabled", "A channel was turned off"],
  ["sign-up.attempted", "Someone tried to sign up with my email"],
];
/** Only webhooks receive these: they are data for automations, not messages for a person. */
export const WEBHOOK_EVENTS: [EventName, string][] = [
  ["checkin.recorded", "A check-in is recorded"],
  ["occurrence.missed", "An occurrence is missed"],
  ["review.submitted", "A weekly review is submitted"],
];
/** Events a channel cannot choose, but the delivery log shows. */
const LOGGED_ONLY: [EventName, string][] = [["channel.test", "Test message"]];
export const EVENT_LABEL = new Map([...EVENTS, ...WEBHOOK_EVENTS, ...LOGGED_ONLY]);

/** The events a channel of this kind may choose, in the catalogue's order. */
export function eventsFor(kind: Schemas["ChannelKind"]): [EventName, string][] {
  return kind === "webhook" ? [...WEBHOOK_EVENTS, ...EVENTS] : EVENTS;
}

/** The events a channel receives, as checkboxes bound to `chosen` (kept in the catalogue's order). */
export function EventChoices({
  chosen,
  onChange,
  options = EVENTS,
  legend = "Send me",
}: {
  chosen: EventName[];
  onChange: (events: EventName[]) => void;
  options?: [EventName, string][];
  legend?: string;
}) {
  return (
    <fieldset>
      <legend>{legend}</legend>
      {options.map(([value, label]) => (
        <label class="choice block" key={value}>
          <input
            type="checkbox"
            value={value}
            checked={chosen.includes(value)}
            onChange={(e) =>
              onChange(
                options.map(([x]) => x).filter((x) => (x === value ? (e.currentTarget as HTMLInputElement).checked : chosen.includes(x))),
              )
            }
          />
          {label}
        </label>
      ))}
    </fieldset>
  );
}
