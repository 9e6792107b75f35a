// A key action with reminders while nothing can deliver them: say so where the reminders are set, with
// push on this device one tap away.
import { api, unwrap } from "../api/client";
import { Icon, WarningIcon } from "../icons";
import { useResource } from "../store/resource";
import { WebPush } from "./push-setting";

/** The person's channels, for the warning: a screen loads them with its own data, so the warning does not
 * arrive late and push the screen down. */
export function useChannels() {
  return useResource("channels", () => unwrap(api.GET("/api/v1/channels", { params: { query: { limit: 100 } } })));
}

export function ReminderWarning({ reminders, channels }: { reminders: number; channels: ReturnType<typeof useChannels> }) {
  const items = channels.data?.items;
  if (!reminders || !items || items.some((c) => c.enabled && c.events.includes("reminder.due"))) return null;
  return (
    <div class="banner problem stack" role="note" data-testid="reminder-warning">
      <p>
        <Icon icon={WarningIcon} /> <strong>Reminders are set, but nothing can reach you yet.</strong> Turn on push on
        this device, or <a href="/settings/notifications">add a channel</a> such as email or ntfy.
      </p>
      <WebPush channels={items} changed={channels.reload} />
    </div>
  );
}
