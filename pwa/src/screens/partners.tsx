// Partners: the people who support me (scope, preview, end), invites (share or copy the link), the people
// I support (their shared progress, encouragement) and the encouragement I received.
import { useLocation, useRoute } from "preact-iso";
import { useEffect, useRef, useState } from "preact/hooks";
import { api, ApiError, type Schemas, unwrap } from "../api/client";
import { captureInvite, forgetInvite } from "../invite";
import { useResource } from "../store/resource";
import { ErrorNote, Field, formatDate, formatDateTime, Loading, Stale, Toggle } from "../ui";
import { SharedProgress } from "./shared-view";

/** True when every problem the server named is already shown under its own field. */
const shownByFields = (e: unknown) =>
  e instanceof ApiError && e.errors.length > 0 && e.errors.every((x) => x.field === "message" || x.field === "keyActionId");

const PRESETS = ["Keep going!", "Proud of you for showing up.", "Small steps count.", "You hold the key. Go for it."];

function MyPartners() {
  const list = useResource("partnerships", () => unwrap(api.GET("/api/v1/partnerships")));
  const [error, setError] = useState<unknown>(null);
  const update = async (id: string, body: Schemas["PartnershipUpdate"]) => {
    try {
      await unwrap(api.PATCH("/api/v1/partnerships/{partnership_id}", { params: { path: { partnership_id: id } }, body }));
      setError(null);
      list.reload();
    } catch (e) {
      setError(e);
    }
  };
  const end = async (p: Schemas["PartnershipOut"]) => {
    if (!confirm(`End the partnership with ${p.partner.displayName}? They stop seeing your progress at once.`)) return;
    try {
      await unwrap(api.DELETE("/api/v1/partnerships/{partnership_id}", { params: { path: { partnership_id: p.id } } }));
      list.reload();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <section aria-labelledby="my-partners">
      <h2 id="my-partners">Your partners</h2>
      <p class="sub">They see only the key actions you mark “Partners can see”.</p>
      <Stale stale={list.stale} />
      {list.loading && !list.data && <Loading what="your partners" />}
      <ErrorNote error={list.error ?? error} />
      {list.data?.length === 0 && <p class="sub">No partner yet. Invite someone below.</p>}
      <ul class="list">
        {list.data?.map((p) => (
          <li key={p.id} class="card stack" data-testid="partner">
            <h3>{p.partner.displayName}</h3>
            <p class="sub">
              {p.partner.email && `${p.partner.email} · `}since {formatDate(p.startedAt)}
            </p>
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
                Preview what {p.partner.displayName} sees
              </a>
              <button type="button" class="danger" onClick={() => end(p)}>
                End partnership
              </button>
            </p>
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
  const linkRef = useRef<HTMLInputElement>(null);
  const create = async (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    try {
      const created = await unwrap(
        api.POST("/api/v1/invites", {
          body: { mutual: form.get("mutual") === "on", expiresInDays: Number(form.get("days")) },
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
      <form class="stack" onSubmit={create}>
        <label class="choice">
          <input type="checkbox" name="mutual" />
          Mutual: we support each other
        </label>
        <Field label="The link works for" name="expiresInDays" error={error}>
          <select name="days" defaultValue="7">
            {[1, 3, 7, 14, 30].map((d) => (
              <option key={d} value={d}>
                {d} {d === 1 ? "day" : "days"}
              </option>
            ))}
          </select>
        </Field>
        <ErrorNote error={error} />
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

function Supporting() {
  const list = useResource("supporting", () => unwrap(api.GET("/api/v1/supporting")));
  const [error, setError] = useState<unknown>(null);
  const update = async (id: string, body: Schemas["SupportUpdate"]) => {
    try {
      await unwrap(api.PATCH("/api/v1/supporting/{partnership_id}", { params: { path: { partnership_id: id } }, body }));
      list.reload();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <section aria-labelledby="supporting">
      <h2 id="supporting">People you support</h2>
      <Stale stale={list.stale} />
      <ErrorNote error={list.error ?? error} />
      {list.data?.length === 0 && <p class="sub">When someone invites you, they appear here.</p>}
      <ul class="list">
        {list.data?.map((s) => (
          <li key={s.id} class="card stack" data-testid="supported">
            <h3>
              <a href={`/partners/supporting/${s.id}`}>{s.person.displayName}: progress and encouragement</a>
            </h3>
            <Toggle label="Weekly digest" checked={s.digest} onChange={(v) => update(s.id, { digest: v })} />
            <Toggle
              label="Tell me when they miss a check-in"
              hint={s.personAllowsMissedNudges ? "They allow it." : "Only if they allow it too."}
              checked={s.missedNudges}
              onChange={(v) => update(s.id, { missedNudges: v })}
            />
          </li>
        ))}
      </ul>
    </section>
  );
}

function Received() {
  const list = useResource("encouragements", () =>
    unwrap(api.GET("/api/v1/encouragements", { params: { query: { limit: 20 } } })),
  );
  const [error, setError] = useState<unknown>(null);
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
        {list.data?.items.map((e) => (
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
    </section>
  );
}

export default function Partners() {
  return (
    <section>
      <h1>Partners</h1>
      <Received />
      <MyPartners />
      <Invites />
      <Supporting />
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

function Encourage({ view, partnershipId }: { view: Schemas["SharedView"]; partnershipId: string }) {
  const [error, setError] = useState<unknown>(null);
  const [sent, setSent] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // Encouragement is always about something: a shared key action (the first, unless the partner picks).
  const [about, setAbout] = useState(view.keyActions[0]?.id ?? "");
  const send = async (message: string) => {
    setBusy(true);
    try {
      await unwrap(
        api.POST("/api/v1/supporting/{partnership_id}/encouragements", {
          params: { path: { partnership_id: partnershipId } },
          body: { message, keyActionId: about },
        }),
      );
      setSent(`Sent to ${view.person.displayName}: “${message}”`);
      setError(null);
      return true;
    } catch (e) {
      setError(e);
      setSent(null);
      return false;
    } finally {
      setBusy(false);
    }
  };
  const custom = async (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const message = String(new FormData(form).get("message") ?? "").trim();
    if (message && (await send(message))) form.reset();
  };
  const tooMany = error instanceof ApiError && error.status === 429;
  if (view.keyActions.length === 0) {
    return (
      <div class="card">
        <h2>Encourage {view.person.displayName}</h2>
        <p class="sub">Once {view.person.displayName} shares a key action, you can encourage them on it here.</p>
      </div>
    );
  }
  return (
    <div class="card stack">
      <h2>Encourage {view.person.displayName}</h2>
      <Field label="About" name="keyActionId" error={error}>
        <select value={about} onChange={(e) => setAbout((e.currentTarget as HTMLSelectElement).value)}>
          {view.keyActions.map((a) => (
            <option key={a.id} value={a.id}>
              {a.title}
            </option>
          ))}
        </select>
      </Field>
      <div class="row" role="group" aria-label="Quick messages">
        {PRESETS.map((p) => (
          <button type="button" key={p} disabled={busy} onClick={() => send(p)}>
            {p}
          </button>
        ))}
      </div>
      <form class="stack" onSubmit={custom}>
        <Field label="Or write your own" name="message" error={error} hint="Up to 280 characters.">
          <input name="message" maxLength={280} required />
        </Field>
        <button type="submit" class="primary" disabled={busy}>
          Send encouragement
        </button>
      </form>
      {sent && <p role="status">{sent}</p>}
      {tooMany ? (
        <p class="banner" role="alert">
          That is a lot of encouragement for one day: {view.person.displayName} has had the most we send in a day.
          Try again tomorrow.
        </p>
      ) : (
        <ErrorNote error={shownByFields(error) ? null : error} />
      )}
    </div>
  );
}

export function SupportedPerson() {
  const { params } = useRoute();
  const view = useResource(`shared-${params.id}`, () =>
    unwrap(api.GET("/api/v1/supporting/{partnership_id}", { params: { path: { partnership_id: params.id } } })),
  );
  const v = view.data;
  return (
    <section>
      <p>
        <a href="/partners">← Partners</a>
      </p>
      <h1>{v ? v.person.displayName : "Shared progress"}</h1>
      {v && <p class="sub">Their day is {formatDate(v.today)} ({v.timeZone}).</p>}
      <Stale stale={view.stale} />
      {view.loading && !v && <Loading what="their progress" />}
      <ErrorNote error={view.error} />
      {v && <Encourage view={v} partnershipId={params.id} />}
      {v && <SharedProgress view={v} />}
    </section>
  );
}

/** /partners/accept#<token>: accepts the invite once the person is signed in (the shell sends them here after). */
export function AcceptInvite() {
  const { route } = useLocation();
  const [state, setState] = useState<{ done?: Schemas["AcceptedOut"]; error?: unknown; missing?: boolean }>({});
  useEffect(() => {
    const token = captureInvite(location);
    // The token has done its job in the address bar; keep it out of history and screenshots.
    if (location.hash) history.replaceState(null, "", location.pathname);
    if (!token) {
      setState({ missing: true });
      return;
    }
    let live = true;
    unwrap(api.POST("/api/v1/invites/accept", { body: { token } })).then(
      (done) => {
        forgetInvite();
        if (live) setState({ done });
      },
      (error) => {
        // A used, expired or revoked invite will not get better; a network error might.
        if (error instanceof ApiError) forgetInvite();
        if (live) setState({ error });
      },
    );
    return () => {
      live = false;
    };
  }, []);
  const { done, error, missing } = state;
  return (
    <section>
      <h1>Partner invite</h1>
      {!done && !error && !missing && <Loading what="the invite" />}
      {missing && <p>This link has no invite in it. Ask for a new link.</p>}
      {error instanceof ApiError && error.status === 410 ? (
        <p class="banner problem" role="alert">
          This invite has expired, was revoked or was already used. Ask for a new link.
        </p>
      ) : (
        <ErrorNote error={error} />
      )}
      {done && (
        <div class="stack" role="status">
          <p>
            You now support <strong>{done.supporting.person.displayName}</strong>.
            {done.partnership && " It is mutual: they support you too."}
          </p>
          <p class="row">
            <button type="button" class="primary" onClick={() => route(`/partners/supporting/${done.supporting.id}`)}>
              See {done.supporting.person.displayName}’s progress
            </button>
            <a class="button" href="/partners">
              All partners
            </a>
          </p>
        </div>
      )}
    </section>
  );
}
