// Key actions: the list, a new one, and a key action's detail with edits, status changes and history.
import { useLocation, useRoute } from "preact-iso";
import { useState } from "preact/hooks";
import { api, type Schemas, unwrap } from "../api/client";
import { describeOffset, describeSchedule } from "../schedule";
import { useResource } from "../store/resource";
import { ErrorNote, Loading, Stale } from "../ui";
import { ActionForm, type ActionDraft } from "./action-form";
import { StatusSection } from "./status";

const STATUSES: Schemas["ActionStatus"][] = ["active", "paused", "done", "dropped"];

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
            <p class="sub">{describeSchedule(a.schedule)}</p>
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
  const [error, setError] = useState<unknown>(null);
  const save = async (draft: ActionDraft) => {
    try {
      const made = await unwrap(api.POST("/api/v1/key-actions", { body: { ...draft, barrierId: query.barrier ?? null } }));
      route(`/actions/${made.id}`);
    } catch (e) {
      setError(e);
    }
  };
  return (
    <section>
      <h1>New key action</h1>
      <ErrorNote error={error} />
      <ActionForm submitLabel="Create key action" onSubmit={save} error={error} />
    </section>
  );
}

export function ActionDetail() {
  const { params } = useRoute();
  const { route } = useLocation();
  const id = params.id;
  const path = { params: { path: { key_action_id: id } } };
  const one = useResource(`action:${id}`, () => unwrap(api.GET("/api/v1/key-actions/{key_action_id}", path)));
  const history = useResource(`action-history:${id}`, () =>
    unwrap(api.GET("/api/v1/key-actions/{key_action_id}/history", path)),
  );
  const [error, setError] = useState<unknown>(null);
  const [editing, setEditing] = useState(false);
  const a = one.data;
  const done = () => {
    setError(null);
    one.reload();
    history.reload();
  };
  const save = async (draft: ActionDraft) => {
    try {
      await unwrap(api.PATCH("/api/v1/key-actions/{key_action_id}", { ...path, body: draft }));
      setEditing(false);
      done();
    } catch (e) {
      setError(e);
    }
  };
  const changeStatus = async (status: Schemas["ActionStatus"], reason: string | null) => {
    try {
      await unwrap(api.POST("/api/v1/key-actions/{key_action_id}/status", { ...path, body: { status, reason } }));
      done();
    } catch (e) {
      setError(e);
    }
  };
  const remove = async () => {
    if (!confirm("Delete this key action and its check-ins?")) return;
    try {
      await unwrap(api.DELETE("/api/v1/key-actions/{key_action_id}", path));
      route("/actions");
    } catch (e) {
      setError(e);
    }
  };

  if (!a) return one.loading ? <Loading what="the key action" /> : <ErrorNote error={one.error} />;
  return (
    <section>
      <p>
        <a href="/actions">← Key actions</a>
      </p>
      <h1>{a.title}</h1>
      <Stale stale={one.stale} />
      <dl class="facts">
        <dt>Status</dt>
        <dd>
          <span class={`tag ${a.status}`}>{a.status}</span>
          {a.statusReason && ` — ${a.statusReason}`}
        </dd>
        <dt>When</dt>
        <dd>{describeSchedule(a.schedule)}</dd>
        {a.cue && (
          <>
            <dt>Cue</dt>
            <dd>{a.cue}, I will do it.</dd>
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
        {a.nextOccurrenceAt && (
          <>
            <dt>Next</dt>
            <dd>{new Date(a.nextOccurrenceAt).toLocaleString()}</dd>
          </>
        )}
      </dl>
      <ErrorNote error={error} />
      {editing ? (
        <div class="card">
          <ActionForm initial={a} submitLabel="Save changes" onSubmit={save} error={error} />
          <button type="button" onClick={() => setEditing(false)}>
            Cancel
          </button>
        </div>
      ) : (
        <button type="button" onClick={() => setEditing(true)}>
          Edit
        </button>
      )}
      <StatusSection
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
