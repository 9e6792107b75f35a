// The end of the guided reflection: turn on reminders (push on this device, or a channel), and see Today.
import { api, unwrap } from "../api/client";
import { useResource } from "../store/resource";
import { formatTime } from "../ui";
import { WebPush } from "./push-setting";

export function ReflectionDone({ onFinish }: { onFinish: () => void }) {
  const channels = useResource("channels", () => unwrap(api.GET("/api/v1/channels", { params: { query: { limit: 100 } } })));
  const today = useResource("today", () => unwrap(api.GET("/api/v1/today")));
  const agenda = today.data;
  return (
    <section>
      <h1>Your first key action is set</h1>
      <p>A reminder at the right moment makes the difference. Where should reminders reach you?</p>
      <WebPush channels={channels.data?.items} changed={channels.reload} />
      <p>
        Or send them to email, ntfy, Telegram, Signal and about a hundred more:{" "}
        <a href="/settings/notifications">add a channel</a>.
      </p>
      <h2>Today</h2>
      <div class="card preview-today">
        {agenda && agenda.items.length === 0 && <p class="sub">Nothing is due today. Your key action starts on its first day.</p>}
        <ul class="list">
          {agenda?.items.map((item) => (
            <li key={`${item.keyAction.id}@${item.dueAt}`} class="row spread">
              <span>{item.keyAction.title}</span>
              <time dateTime={item.dueAt}>{formatTime(item.dueAt, agenda.timeZone)}</time>
            </li>
          ))}
        </ul>
      </div>
      <button type="button" class="primary" onClick={onFinish}>
        Go to Today
      </button>
    </section>
  );
}
