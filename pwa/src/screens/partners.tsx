// Partners: the people who support me (scope, preview, end), invites (share or copy the link), the people
// I support (their shared progress, encouragement) and the encouragement I received.
import { useRoute } from "preact-iso";
import { useEffect, useRef, useState } from "preact/hooks";
import { api, type Schemas, unwrap } from "../api/client";
import { useResource } from "../store/resource";
import { ErrorNote, Field, formatDate, formatDateTime, Loading, Stale, Toggle } from "../ui";
import { SharedProgress } from "./shared-view";

/** One person, whichever way the partnership runs: they support me, I support them, or both (mutual). */
interface Person {
  id: string;
  name: string;
  supportsMe?: Schemas["PartnershipOut"];
  supportedByMe?: Schemas["SupportedOut"];
}

export function peopleOf(partnerships: Schemas["PartnershipOut"][], supporting: Schemas["SupportedOut"][]): Person[] {
  const byId = new Map<string, Person>();
  const person = (id: string, name: string) => byId.get(id) ?? byId.set(id, { id, name }).get(id)!;
  for (const p of partnerships) person(p.partner.id, p.partner.displayName).supportsMe = p;
  for (const s of supporting) person(s.person.id, s.person.displayName).supportedByMe = s;
  return [...byId.values()].sort((x, y) => x.name.localeCompare(y.name));
}

function People() {
  const partnerships = useResource("partnerships", () => unwrap(api.GET("/api/v1/partnerships")));
  const supporting = useResource("supporting", () => unwrap(api.GET("/api/v1/supporting")));
  const [error, setError] = useState<unknown>(null);
  const act = async (call: () => Promise<unknown>, reload: () => void) => {
    try {
      await call();
      setError(null);
      reload();
    } catch (e) {
      setError(e);
    }
  };
  const update = (id: string, body: Schemas["PartnershipUpdate"]) =>
    act(() => unwrap(api.PATCH("/api/v1/partnerships/{partnership_id}", { params: { path: { partnership_id: id } }, body })), partnerships.reload);
  const updateSupport = (id: string, body: Schemas["SupportUpdate"]) =>
    act(() => unwrap(api.PATCH("/api/v1/supporting/{partnership_id}", { params: { path: { partnership_id: id } }, body })), supporting.reload);
  const end = (p: Schemas["PartnershipOut"]) => {
    if (!confirm(`Stop sharing with ${p.partner.displayName}? They stop seeing your progress at once.`)) return;
    void act(() => unwrap(api.DELETE("/api/v1/partnerships/{partnership_id}", { params: { path: { partnership_id: p.id } } })), partnerships.reload);
  };
  const loaded = partnerships.data && supporting.data;
  const people = loaded ? peopleOf(partnerships.data!, supporting.data!) : [];
  return (
    <section aria-labelledby="people">
      <h2 id="people">Your partners</h2>
      <p class="sub">They see only the key actions you mark “My accountability partners”.</p>
      <Stale stale={partnerships.stale || supporting.stale} />
      {!loaded && (partnerships.loading || supporting.loading) && <Loading what="your partners" />}
      <ErrorNote error={partnerships.error ?? supporting.error ?? error} />
      {loaded && people.length === 0 && <p class="sub">No partner yet. Invite someone below.</p>}
      <ul class="list">
        {people.map(({ id, name, supportsMe: p, supportedByMe: s }) => (
          <li key={id} class="card stack" data-testid="partner">
            <h3>{name}</h3>
            <p class="sub">
              {p && s ? "Mutual: you support each other" : p ? "Supports you" : "You support them"}
              {p && ` · since ${formatDate(p.startedAt)}`}
              {p?.partner.email && ` · ${p.partner.email}`}
            </p>
            {s && (
              <p>
                <a class="button" href={`/partners/supporting/${s.id}`}>
                  {name}’s progress and encouragement
                </a>
              </p>
            )}
            {p && (
              <fieldset>
                <legend>What {name} sees of you</legend>
                <Toggle
                  label="Share details"
                  hint="Notes, cues and barriers, not only done or not."
                  checked={p.shareDetails}
                  onChange={(v) => update(p.id, { shareDetails: v })}
                />
                <Toggle label="Show my email" checked={p.showEmail} onChange={(v) => update(p.id, { showEmail: v })} />
                <Toggle
                  label="Tell them when I miss a check-in"
                  hint={p.partnerWantsMissedNudges ? "They asked for these." : "Sent only if they opt in too."}
                  checked={p.missedNudges}
                  onChange={(v) => update(p.id, { missedNudges: v })}
                />
                <p class="row">
                  <a class="button" href={`/partners/${p.id}/preview`}>
                    Preview what {name} sees
                  </a>
                  <button type="button" class="danger" onClick={() => end(p)}>
                    Stop sharing with {name}
                  </button>
                </p>
              </fieldset>
            )}
            {s && (
              <fieldset>
                <legend>What you hear about {name}</legend>
                <Toggle label="Weekly digest" checked={s.digest} onChange={(v) => updateSupport(s.id, { digest: v })} />
                <Toggle
                  label="Tell me when they miss a check-in"
                  hint={s.personAllowsMissedNudges ? "They allow it." : "Only if they allow it too."}
                  checked={s.missedNudges}
                  onChange={(v) => updateSupport(s.id, { missedNudges: v })}
                />
              </fieldset>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

async function shareLink(url: string): Promise<"shared" | "copied" | "shown"> {
  const data = { title: "Followthrough", text: "Will you be my accountability partner?", url };
  if (typeof navigator.share === "function" && (!navigator.canShare || navigator.canShare(data))) {
    try {
      await navigator.share(data);
      return "shared";
    } catch (e) {
      if (e instanceof DOMException && e.name === "AbortError") return "shown";
    }
  }
  return (await copy(url)) ? "copied" : "shown";
}

async function copy(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}

function Invites() {
  const invites = useResource("invites", () => unwrap(api.GET("/api/v1/invites")));
  const [made, setMade] = useState<Schemas["InviteCreated"] | null>(null);
  const [outcome, setOutcome] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [days, setDays] = useState("7");
  const [mutual, setMutual] = useState(false);
  const linkRef = useRef<HTMLInputElement>(null);
  const create = async (event: Event) => {
    event.preventDefault();
    try {
      const created = await unwrap(
        api.POST("/api/v1/invites", {
          body: { mutual, expiresInDays: Number(days) },
        }),
      );
      setMade(created);
      setOutcome(null);
      setError(null);
      invites.reload();
    } catch (e) {
      setError(e);
    }
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
    try {
      await unwrap(api.DELETE("/api/v1/invites/{invite_id}", { params: { path: { invite_id: id } } }));
      invites.reload();
    } catch (e) {
      setError(e);
    }
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

const RECEIVED_SHOWN = 3;

function Received() {
  const list = useResource("encouragements", () =>
    unwrap(api.GET("/api/v1/encouragements", { params: { query: { limit: 20 } } })),
  );
  const [error, setError] = useState<unknown>(null);
  const [all, setAll] = useState(false);
  const items = list.data?.items ?? [];
  // The newest few; the rest on request, so a generous partner does not push everything else off screen.
  const shown = all ? items : items.slice(0, RECEIVED_SHOWN);
  const hide = async (id: string) => {
    try {
      await unwrap(
        api.PATCH("/api/v1/encouragements/{encouragement_id}", {
          params: { path: { encouragement_id: id } },
          body: { hidden: true },
        }),
      );
      list.reload();
    } catch (e) {
      setError(e);
    }
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

export default function Partners() {
  return (
    <section>
      <h1>Partners</h1>
      <Received />
      <People />
      <Invites />
    </section>
  );
}

export function PartnerPreview() {
  const { params } = useRoute();
  const view = useResource(`preview-${params.id}`, () =>
    unwrap(api.GET("/api/v1/partnerships/{partnership_id}/preview", { params: { path: { partnership_id: params.id } } })),
  );
  return (
    <section>
      <p>
        <a href="/partners">← Partners</a>
      </p>
      <h1>What your partner sees</h1>
      <p class="banner">This is exactly what they see of you. Nothing else is shared.</p>
      <Stale stale={view.stale} />
      {view.loading && !view.data && <Loading what="the preview" />}
      <ErrorNote error={view.error} />
      {view.data && <SharedProgress view={view.data} />}
    </section>
  );
}

export { AcceptInvite, SupportedPerson } from "./supporting";
