// Barriers: the list by level, a new barrier, and a barrier's detail with edits, status and history.
import { useLocation, useRoute } from "preact-iso";
import { useState } from "preact/hooks";
import { api, type Schemas, unwrap } from "../api/client";
import { useMutate } from "../store/mutate";
import { useResource } from "../store/resource";
import { StatusSection } from "./status";
import type { ComponentChildren } from "preact";
import { useDraft } from "../form";
import { capitalize, describeSchedule } from "../schedule";
import { ErrorNote, Field, Loading, orNull, Stale } from "../ui";

type Barrier = Schemas["BarrierOut"];
const LEVELS: Schemas["BarrierLevel"][] = ["industry", "organization", "personal"];
const STATUSES: Schemas["BarrierStatus"][] = ["holding", "loosening", "broken"];
export const LEVEL_WORDS: Record<Schemas["BarrierLevel"], string> = {
  industry: "Industry or field",
  organization: "Organization",
  personal: "Personal",
};

type BarrierDraft = {
  title: string;
  detail: string;
  level: Schemas["BarrierLevel"];
  keyHolder: Schemas["KeyHolder"];
  keyHolderName: string;
};

/** The inputs of the barrier form that show their own server message (see Field). */
const BARRIER_FIELDS = ["title", "detail", "level", "keyHolder", "keyHolderName"];

const EMPTY: BarrierDraft = { title: "", detail: "", level: "personal", keyHolder: "me", keyHolderName: "" };

const barrierDraft = (b: Barrier): BarrierDraft => ({
  title: b.title,
  detail: b.detail ?? "",
  level: b.level,
  keyHolder: b.keyHolder,
  keyHolderName: b.keyHolderName ?? "",
});

/** The API body for the fields in `fields` (all of them for a new barrier, or only those that changed). */
function barrierBody(fields: Partial<BarrierDraft>, all: BarrierDraft): Schemas["BarrierUpdate"] {
  const body: Schemas["BarrierUpdate"] = {};
  if (fields.title !== undefined) body.title = fields.title.trim();
  if (fields.detail !== undefined) body.detail = orNull(fields.detail);
  if (fields.level !== undefined) body.level = fields.level;
  if (fields.keyHolder !== undefined) body.keyHolder = fields.keyHolder;
  // The name belongs to "someone else": it goes with a change of either field.
  if (fields.keyHolder !== undefined || fields.keyHolderName !== undefined) {
    body.keyHolderName = all.keyHolder === "others" ? orNull(all.keyHolderName) : null;
  }
  return body;
}

/** The barrier form, for a new barrier (no `saved`) and for edits, which send only the changed fields. */
function BarrierForm(props: {
  saved?: Barrier;
  error: unknown;
  formName: string;
  submitLabel: string;
  /** null: an edit that changed nothing. */
  onSubmit: (body: Schemas["BarrierUpdate"] | null) => void;
  onCancel: () => void;
  children?: ComponentChildren;
}) {
  const draft = useDraft(props.saved ? barrierDraft(props.saved) : EMPTY);
  const { error } = props;
  const submit = (event: Event) => {
    event.preventDefault();
    if (!props.saved) return props.onSubmit(barrierBody(draft.value, draft.value));
    const changed = draft.changes();
    props.onSubmit(Object.keys(changed).length ? barrierBody(changed, draft.value) : null);
  };
  return (
    <form class="card stack" onSubmit={submit} data-form={props.formName}>
      {props.children}
      <Field label="Barrier" name="title" error={error}>
        <input required maxLength={200} {...draft.bind("title")} />
      </Field>
      <Field label="Detail (optional)" name="detail" error={error}>
        <textarea rows={3} maxLength={4000} {...draft.bind("detail")} />
      </Field>
      <Field label="Level" name="level" error={error}>
        <select {...draft.bind("level")}>
          {LEVELS.map((l) => (
            <option key={l} value={l}>
              {LEVEL_WORDS[l]}
            </option>
          ))}
        </select>
      </Field>
      <Field label="Who holds the key?" name="keyHolder" error={error}>
        <select {...draft.bind("keyHolder")}>
          <option value="me">I do</option>
          <option value="others">Someone else</option>
        </select>
      </Field>
      {draft.value.keyHolder === "others" && (
        <Field label="Who?" name="keyHolderName" error={error}>
          <input maxLength={200} {...draft.bind("keyHolderName")} />
        </Field>
      )}
      <ErrorNote error={error} fields={BARRIER_FIELDS} />
      <div class="row">
        <button class="primary" type="submit">
          {props.submitLabel}
        </button>
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

export default function Barriers() {
  const list = useResource("barriers", () => unwrap(api.GET("/api/v1/barriers", { params: { query: { limit: 100 } } })));
  // Plan's "Add a barrier" opens this screen with the form open (?add=1).
  const [adding, setAdding] = useState(useLocation().query.add === "1");
  const { mutate, error } = useMutate();
  const add = async (body: Schemas["BarrierUpdate"] | null) => {
    if ((await mutate(() => api.POST("/api/v1/barriers", { body: body as Schemas["BarrierCreate"] }))).status !== "done") return;
    setAdding(false);
    list.reload();
  };
  return (
    <section>
      <h1>Barriers</h1>
      <Stale stale={list.stale} />
      {list.loading && !list.data && <Loading what="barriers" />}
      <ErrorNote error={list.error} />
      {list.data &&
        LEVELS.map((level) => {
          const items = list.data!.items.filter((b) => b.level === level);
          return (
            <div key={level}>
              <h2 class="level">{LEVEL_WORDS[level]}</h2>
              {items.length === 0 ? (
                <p class="sub">None yet.</p>
              ) : (
                <ul class="list">
                  {items.map((b) => (
                    <li key={b.id} class="card">
                      <a href={`/barriers/${b.id}`}>{b.title}</a> <span class={`tag ${b.status}`}>{b.status}</span>
                    </li>
                  ))}
                </ul>
              )}
            </div>
          );
        })}
      {adding ? (
        <BarrierForm formName="barrier-new" submitLabel="Add barrier" error={error} onSubmit={add} onCancel={() => setAdding(false)}>
          <h2>New barrier</h2>
        </BarrierForm>
      ) : (
        <p class="row">
          <button type="button" onClick={() => setAdding(true)}>
            Add a barrier
          </button>
          <a class="button" href="/reflect">
            Guided reflection
          </a>
        </p>
      )}
    </section>
  );
}

export function BarrierDetail() {
  const { params } = useRoute();
  const { route } = useLocation();
  const id = params.id;
  const one = useResource(`barrier:${id}`, () =>
    unwrap(api.GET("/api/v1/barriers/{barrier_id}", { params: { path: { barrier_id: id } } })),
  );
  const history = useResource(`barrier-history:${id}`, () =>
    unwrap(api.GET("/api/v1/barriers/{barrier_id}/history", { params: { path: { barrier_id: id } } })),
  );
  const actions = useResource(`barrier-actions:${id}`, () =>
    unwrap(api.GET("/api/v1/key-actions", { params: { query: { barrierId: id, limit: 100 } } })),
  );
  const { mutate, error } = useMutate();
  const [editing, setEditing] = useState(false);
  const b = one.data;
  const path = { params: { path: { barrier_id: id } } };
  const patch = async (body: Schemas["BarrierUpdate"]) => {
    if ((await mutate(() => api.PATCH("/api/v1/barriers/{barrier_id}", { ...path, body }))).status !== "done") return;
    setEditing(false);
    one.reload();
    history.reload();
  };
  const remove = async () => {
    if (!confirm("Delete this barrier? Its key actions stay.")) return;
    if ((await mutate(() => api.DELETE("/api/v1/barriers/{barrier_id}", path))).status === "done") route("/barriers");
  };

  if (!b) return one.loading ? <Loading what="the barrier" /> : <ErrorNote error={one.error} />;
  return (
    <section>
      <p>
        <a href="/barriers">← Barriers</a>
      </p>
      <h1>{b.title}</h1>
      <Stale stale={one.stale} />
      <p class="sub">
        {LEVEL_WORDS[b.level]} · key held by {b.keyHolder === "me" ? "me" : b.keyHolderName || "someone else"} ·{" "}
        <span class={`tag ${b.status}`}>{b.status}</span>
      </p>
      {b.detail && <p>{b.detail}</p>}
      <ErrorNote error={error} fields={editing ? BARRIER_FIELDS : ["status", "statusReason"]} />
      {editing ? (
        <BarrierForm
          key={b.updatedAt}
          saved={b}
          formName="barrier-edit"
          submitLabel="Save"
          error={error}
          onSubmit={(body) => (body ? void patch(body) : setEditing(false))}
          onCancel={() => setEditing(false)}
        />
      ) : (
        <p class="row">
          <button type="button" onClick={() => setEditing(true)}>
            Edit
          </button>
          <a class="button" href={`/actions/new?barrier=${b.id}`}>
            Add a key action
          </a>
        </p>
      )}
      <h2>Key actions on it</h2>
      {actions.data?.items.length === 0 && <p class="sub">None yet. What part of it is in your own hands?</p>}
      <ul class="list">
        {actions.data?.items.map((a) => (
          <li key={a.id} class="card">
            <a href={`/actions/${a.id}`}>{a.title}</a> <span class={`tag ${a.status}`}>{a.status}</span>
            <p class="sub">{capitalize(describeSchedule(a.schedule))}</p>
          </li>
        ))}
      </ul>
      <StatusSection
        key={b.status}
        statuses={STATUSES}
        current={b.status}
        reasonField="statusReason"
        error={error}
        history={history.data}
        onChange={(status, reason) => void patch({ status, statusReason: reason })}
      />
      <button type="button" class="danger" onClick={remove}>
        Delete barrier
      </button>
    </section>
  );
}
