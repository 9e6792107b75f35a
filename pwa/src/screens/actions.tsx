// Key actions: the list, a new one, and a key action's detail with edits, status changes and history.
import { lazy, useLocation, useRoute } from "preact-iso";
import { useState } from "preact/hooks";
import { api, type Schemas, unwrap } from "../api/client";
import { capitalize, describeOffset, describeSchedule } from "../schedule";
import { useMutate } from "../store/mutate";
import { useResource } from "../store/resource";
import { session } from "../store/state";
import { ErrorNote, Loading, Stale } from "../ui";
import { cueSentence, nextInWords } from "../words";
import { ACTION_FIELDS, ActionForm, type ActionDraft } from "./action-form";
import { ReminderWarning, useChannels } from "./reminder-warning";
import { StatusSection } from "./status";

const STATUSES: Schemas["ActionStatus"][] = ["active", "paused", "done", "dropped"];
// The calendar and charts load after the key action itself.
const ActionHistory = lazy(() => import("./history"));

export default function Actions() {
  const list = useResource("actions", () => unwrap(api.GET("/api/v1/key-actions", { params: { query: { limit: 100 } } })));
  return (
    <section>
      <h1>Key actions</h1>
      <Stale stale={list.stale} />
      {list.loading && !list.data && <Loading what="key actions" />}
      <ErrorNote error={list.error} />
      {list.data && list.data.items.length === 0 && <p>No key actions yet.</p>}
      <ul class="list">
        {list.data?.items.map((a) => (
          <li key={a.id} class="card">
            <a href={`/actions/${a.id}`}>{a.title}</a> <span class={`tag ${a.status}`}>{a.status}</span>
            <p class="sub">{capitalize(describeSchedule(a.schedule))}</p>
          </li>
        ))}
      </ul>
      <p>
        <a class="button primary" href="/actions/new">
          New key action
        </a>
      </p>
    </section>
  );
}

export function NewAction() {
  const { route, query } = useLocation();
  const { mutate, error } = useMutate();
  const save = async (draft: Partial<ActionDraft>) => {
    const body = { ...(draft as ActionDraft), barrierId: query.barrier ?? null };
    const made = await mutate(() => api.POST("/api/v1/key-actions", { body }));
    if (made.status === "done") route(`/actions/${made.data.id}`);
  };
  return (
    <section>
      <h1>New key action</h1>
      <ErrorNote error={error} fields={ACTION_FIELDS} />
      <ActionForm formName="key-action-new" submitLabel="Create key action" onSubmit={save} error={error} />
    </section>
  );
}

export function ActionDetail() {
  const { params } = useRoute();
  const { route } = useLocation();
  const id = params.id;
  const path = { params: { path: { key_action_id: id } } };
  const one = useResource(`action:${id}`, () => unwrap(api.GET("/api/v1/key-actions/{key_action_id}", path)));
  const channels = useChannels();
  const history = useResource(`action-history:${id}`, () =>
    unwrap(api.GET("/api/v1/key-actions/{key_action_id}/history", path)),
  );
  const barrierId = one.data?.barrierId ?? null;
  const barrier = useResource(barrierId && `barrier:${barrierId}`, () =>
    unwrap(api.GET("/api/v1/barriers/{barrier_id}", { params: { path: { barrier_id: barrierId! } } })),
  );
  const { mutate, error } = useMutate();
  const [editing, setEditing] = useState(false);
  const a = one.data;
  const timeZone = session.value?.participant.timeZone ?? "UTC";
  const done = () => {
    one.reload();
    history.reload();
  };
  const save = async (changes: Partial<ActionDraft>) => {
    // Saving without a change sends nothing: what is stored stays exactly as it is.
    if (Object.keys(changes).length === 0) return setEditing(false);
    if ((await mutate(() => api.PATCH("/api/v1/key-actions/{key_action_id}", { ...path, body: changes }))).status !== "done") return;
    setEditing(false);
    done();
  };
  const changeStatus = async (status: Schemas["ActionStatus"], reason: string | null) => {
    const body = { status, reason };
    if ((await mutate(() => api.POST("/api/v1/key-actions/{key_action_id}/status", { ...path, body }))).status === "done") done();
  };
  const remove = async () => {
    if (!confirm("Delete this key action and its check-ins?")) return;
    if ((await mutate(() => api.DELETE("/api/v1/key-actions/{key_action_id}", path))).status === "done") route("/actions");
  };

  if (!a) return one.loading ? <Loading what="the key action" /> : <ErrorNote error={one.error} />;
  // The page shows once it knows whether reminders can reach the person (see ReminderWarning).
  if (channels.loading && !channels.data && !channels.error) return <Loading what="the key action" />;
  const cue = cueSentence(a.cue, a.title);
  return (
    <section>
      <p>
        <a href="/actions">← Key actions</a>
      </p>
      <h1>{a.title}</h1>
      <Stale stale={one.stale} />
      <p class="schedule-words">{capitalize(describeSchedule(a.schedule))}</p>
      {a.nextOccurrenceAt && a.status === "active" && (
        <p class="sub">Next: {nextInWords(a.nextOccurrenceAt, timeZone, new Date())}</p>
      )}
      {cue && <p class="cue">{cue}</p>}
      <ReminderWarning reminders={a.status === "active" ? a.reminderOffsets.length : 0} channels={channels} />
      <dl class="facts">
        <dt>Status</dt>
        <dd>
          <span class={`tag ${a.status}`}>{a.status}</span>
          {a.statusReason && ` — ${a.statusReason}`}
        </dd>
        {a.barrierId && (
          <>
            <dt>Barrier</dt>
            <dd>
              <a href={`/barriers/${a.barrierId}`}>{barrier.data?.title ?? "the barrier it works on"}</a>
            </dd>
          </>
        )}
        <dt>Key held by</dt>
        <dd>{a.keyHolder === "me" ? "me" : a.keyHolderName || "someone else"}</dd>
        {a.ownPart && (
          <>
            <dt>My part</dt>
            <dd>{a.ownPart}</dd>
          </>
        )}
        <dt>Reminders</dt>
        <dd>{a.reminderOffsets.length ? a.reminderOffsets.map(describeOffset).join(", ") : "none"}</dd>
        {a.measure && (
          <>
            <dt>Measure</dt>
            <dd>
              {a.measure.unit}
              {a.measure.target != null && `, target ${a.measure.target}`}
            </dd>
          </>
        )}
        <dt>Visible to</dt>
        <dd>{a.visibility === "partners" ? "my partners" : "only me"}</dd>
      </dl>
      <ErrorNote error={error} fields={editing ? ACTION_FIELDS : ["status", "reason"]} />
      {editing ? (
        <div class="card">
          <ActionForm key={a.updatedAt} formName="key-action-edit" saved={a} submitLabel="Save changes" onSubmit={save} error={error} />
          <button type="button" onClick={() => setEditing(false)}>
            Cancel
          </button>
        </div>
      ) : (
        <button type="button" onClick={() => setEditing(true)}>
          Edit
        </button>
      )}
      <ActionHistory keyAction={a} timeZone={timeZone} />
      <StatusSection
        key={a.status}
        statuses={STATUSES}
        current={a.status}
        reasonField="reason"
        error={error}
        history={history.data}
        onChange={(status, reason) => void changeStatus(status, reason)}
      />
      <button type="button" class="danger" onClick={remove}>
        Delete key action
      </button>
    </section>
  );
}
