// Partners: inviting someone. A single-use link, shared through the phone's share sheet or copied, and the
// invites still waiting, which can be revoked.
import { useRef, useState } from "preact/hooks";
import { api, type Schemas, unwrap } from "../api/client";
import { useMutate } from "../store/mutate";
import { useResource } from "../store/resource";
import { copy, shareLink } from "../share";
import { ErrorNote, Field, formatDate, formatDateTime } from "../ui";

export function Invites() {
  const invites = useResource("invites", () => unwrap(api.GET("/api/v1/invites")));
  const [made, setMade] = useState<Schemas["InviteCreated"] | null>(null);
  const [outcome, setOutcome] = useState<string | null>(null);
  const { mutate, error } = useMutate();
  const [days, setDays] = useState("7");
  const [mutual, setMutual] = useState(false);
  const linkRef = useRef<HTMLInputElement>(null);
  const create = async (event: Event) => {
    event.preventDefault();
    const created = await mutate(() => api.POST("/api/v1/invites", { body: { mutual, expiresInDays: Number(days) } }));
    if (created.status !== "done") return;
    setMade(created.data);
    setOutcome(null);
    invites.reload();
  };
  const share = async () => {
    if (!made) return;
    const how = await shareLink(made.url);
    if (how === "shown") linkRef.current?.select();
    setOutcome(how === "shared" ? "Shared." : how === "copied" ? "Link copied." : "Copy the link above and send it.");
  };
  const copyOnly = async () => {
    if (!made) return;
    if (await copy(made.url)) setOutcome("Link copied.");
    else {
      linkRef.current?.select();
      setOutcome("Copy the selected link and send it.");
    }
  };
  const revoke = async (id: string) => {
    const path = { params: { path: { invite_id: id } } };
    if ((await mutate(() => api.DELETE("/api/v1/invites/{invite_id}", path))).status === "done") invites.reload();
  };
  const pending = invites.data?.filter((i) => i.status === "pending") ?? [];
  return (
    <section aria-labelledby="invite" class="card stack">
      <h2 id="invite">Invite a partner</h2>
      <form class="stack" onSubmit={create} data-form="invite">
        <label class="choice">
          <input type="checkbox" name="mutual" checked={mutual} onChange={(e) => setMutual((e.currentTarget as HTMLInputElement).checked)} />
          Mutual: we support each other
        </label>
        <Field label="The link works for" name="expiresInDays" error={error}>
          <select name="days" value={days} onChange={(e) => setDays((e.currentTarget as HTMLSelectElement).value)}>
            {[1, 3, 7, 14, 30].map((d) => (
              <option key={d} value={String(d)}>
                {d} {d === 1 ? "day" : "days"}
              </option>
            ))}
          </select>
        </Field>
        <ErrorNote error={error} fields={["expiresInDays"]} />
        <button type="submit" class="primary">
          Create invite link
        </button>
      </form>
      {made && (
        <div class="stack" data-testid="invite-link">
          <Field label="Invite link (works once)" hint={`Until ${formatDateTime(made.invite.expiresAt)}.`}>
            <input ref={linkRef} readOnly value={made.url} onFocus={(e) => (e.currentTarget as HTMLInputElement).select()} />
          </Field>
          <p class="row">
            <button type="button" class="primary" onClick={share}>
              Share link
            </button>
            <button type="button" onClick={copyOnly}>
              Copy link
            </button>
          </p>
          {outcome && <p role="status">{outcome}</p>}
        </div>
      )}
      {pending.length > 0 && (
        <>
          <h3>Waiting to be accepted</h3>
          <ul class="list">
            {pending.map((i) => (
              <li key={i.id} class="row spread">
                <span>
                  {i.mutual ? "Mutual invite" : "Invite"} · until {formatDate(i.expiresAt)}
                </span>
                <button type="button" onClick={() => revoke(i.id)} aria-label={`Revoke the invite made ${formatDateTime(i.createdAt)}`}>
                  Revoke
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
