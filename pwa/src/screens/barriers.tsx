// Barriers: the list by level, a new barrier, and a barrier's detail with edits, status and history.
import { useLocation, useRoute } from "preact-iso";
import { useState } from "preact/hooks";
import { api, type Schemas, unwrap } from "../api/client";
import { useResource } from "../store/resource";
import { StatusSection } from "./status";
import { ErrorNote, Field, formValues, Loading, orNull, Stale } from "../ui";

type Barrier = Schemas["BarrierOut"];
const LEVELS: Schemas["BarrierLevel"][] = ["industry", "organization", "personal"];
const STATUSES: Schemas["BarrierStatus"][] = ["holding", "loosening", "broken"];

function BarrierFields({ barrier, error }: { barrier?: Barrier; error: unknown }) {
  return (
    <>
      <Field label="Barrier" name="title" error={error}>
        <input name="title" required maxLength={200} defaultValue={barrier?.title ?? ""} />
      </Field>
      <Field label="Detail (optional)" name="detail" error={error}>
        <textarea name="detail" rows={3} maxLength={4000} defaultValue={barrier?.detail ?? ""} />
      </Field>
      <Field label="Level" name="level" error={error}>
        <select name="level" defaultValue={barrier?.level ?? "personal"}>
          {LEVELS.map((l) => (
            <option key={l}>{l}</option>
          ))}
        </select>
      </Field>
      <Field label="Who holds the key?" name="keyHolder" error={error}>
        <select name="keyHolder" defaultValue={barrier?.keyHolder ?? "me"}>
          <option value="me">I do</option>
          <option value="others">Someone else</option>
        </select>
      </Field>
      <Field label="If someone else: who?" name="keyHolderName" error={error}>
        <input name="keyHolderName" maxLength={200} defaultValue={barrier?.keyHolderName ?? ""} />
      </Field>
    </>
  );
}

function fields(v: Record<string, string>) {
  return {
    title: v.title.trim(),
    detail: orNull(v.detail),
    level: v.level as Schemas["BarrierLevel"],
    keyHolder: v.keyHolder as Schemas["KeyHolder"],
    keyHolderName: v.keyHolder === "others" ? orNull(v.keyHolderName) : null,
  };
}

export default function Barriers() {
  const list = useResource("barriers", () => unwrap(api.GET("/api/v1/barriers", { params: { query: { limit: 100 } } })));
  const [adding, setAdding] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const add = async (event: Event) => {
    event.preventDefault();
    try {
      await unwrap(api.POST("/api/v1/barriers", { body: fields(formValues(event.currentTarget as HTMLFormElement)) }));
      setAdding(false);
      setError(null);
      list.reload();
    } catch (e) {
      setError(e);
    }
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
              <h2 class="level">{level}</h2>
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
        <form class="card stack" onSubmit={add}>
          <h2>New barrier</h2>
          <BarrierFields error={error} />
          <ErrorNote error={error} />
          <div class="row">
            <button class="primary" type="submit">
              Add barrier
            </button>
            <button type="button" onClick={() => setAdding(false)}>
              Cancel
            </button>
          </div>
        </form>
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
  const [error, setError] = useState<unknown>(null);
  const [editing, setEditing] = useState(false);
  const b = one.data;

  const patch = async (body: Schemas["BarrierUpdate"]) => {
    try {
      await unwrap(api.PATCH("/api/v1/barriers/{barrier_id}", { params: { path: { barrier_id: id } }, body }));
      setError(null);
      setEditing(false);
      one.reload();
      history.reload();
    } catch (e) {
      setError(e);
    }
  };
  const remove = async () => {
    if (!confirm("Delete this barrier? Its key actions stay.")) return;
    try {
      await unwrap(api.DELETE("/api/v1/barriers/{barrier_id}", { params: { path: { barrier_id: id } } }));
      route("/barriers");
    } catch (e) {
      setError(e);
    }
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
        {b.level} · key held by {b.keyHolder === "me" ? "me" : b.keyHolderName || "someone else"} ·{" "}
        <span class={`tag ${b.status}`}>{b.status}</span>
      </p>
      {b.detail && <p>{b.detail}</p>}
      <ErrorNote error={error} />
      {editing ? (
        <form
          class="card stack"
          onSubmit={(e) => {
            e.preventDefault();
            void patch(fields(formValues(e.currentTarget as HTMLFormElement)));
          }}
        >
          <BarrierFields barrier={b} error={error} />
          <div class="row">
            <button class="primary" type="submit">
              Save
            </button>
            <button type="button" onClick={() => setEditing(false)}>
              Cancel
            </button>
          </div>
        </form>
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
      <StatusSection
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
