// Partners: the encouragement I received, newest first, each of which I can hide.
import { useState } from "preact/hooks";
import { api, unwrap } from "../api/client";
import { useMutate } from "../store/mutate";
import { useResource } from "../store/resource";
import { ErrorNote, formatDateTime } from "../ui";

const RECEIVED_SHOWN = 3;

export function Received() {
  const list = useResource("encouragements", () =>
    unwrap(api.GET("/api/v1/encouragements", { params: { query: { limit: 20 } } })),
  );
  const { mutate, error } = useMutate();
  const [all, setAll] = useState(false);
  const items = list.data?.items ?? [];
  // The newest few; the rest on request, so a generous partner does not push everything else off screen.
  const shown = all ? items : items.slice(0, RECEIVED_SHOWN);
  const hide = async (id: string) => {
    const path = { params: { path: { encouragement_id: id } } };
    const hidden = await mutate(() => api.PATCH("/api/v1/encouragements/{encouragement_id}", { ...path, body: { hidden: true } }));
    if (hidden.status === "done") list.reload();
  };
  return (
    <section aria-labelledby="received">
      <h2 id="received">Encouragement for you</h2>
      <ErrorNote error={list.error ?? error} />
      {list.data?.items.length === 0 && <p class="sub">Nothing yet.</p>}
      <ul class="list">
        {shown.map((e) => (
          <li key={e.id} class="card" data-testid="encouragement">
            <blockquote>{e.message}</blockquote>
            <p class="row spread">
              <span class="sub">
                {e.partner.displayName} · <time dateTime={e.sentAt}>{formatDateTime(e.sentAt)}</time>
              </span>
              <button type="button" onClick={() => hide(e.id)} aria-label={`Hide “${e.message}” from ${e.partner.displayName}`}>
                Hide
              </button>
            </p>
          </li>
        ))}
      </ul>
      {shown.length < items.length && (
        <button type="button" onClick={() => setAll(true)}>
          Show all {items.length}
        </button>
      )}
    </section>
  );
}
