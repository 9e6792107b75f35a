// The people I support: their shared progress with encouragement (sent after a few seconds, so a mistake
// can be undone before it reaches them), and accepting an invite.
import { useLocation, useRoute } from "preact-iso";
import { useEffect, useState } from "preact/hooks";
import { api, ApiError, type Schemas, unwrap } from "../api/client";
import { captureInvite, forgetInvite, type InvitePreview, previewInvite } from "../invite";
import { useMutate } from "../store/mutate";
import { useResource } from "../store/resource";
import { ErrorNote, Field, formatDate, Loading, Stale } from "../ui";
import { SharedProgress } from "./shared-view";

/** True when every problem the server named is already shown under its own field. */
const shownByFields = (e: unknown) =>
  e instanceof ApiError && e.errors.length > 0 && e.errors.every((x) => x.field === "message" || x.field === "keyActionId");

const UNDO_MS = 4000;
const PRESETS = ["Keep going!", "Proud of you for showing up.", "Small steps count.", "You hold the key. Go for it."];

function Encourage({ view, partnershipId }: { view: Schemas["SharedView"]; partnershipId: string }) {
  const { mutate, busy, error, clear } = useMutate();
  const [sent, setSent] = useState<string | null>(null);
  // Encouragement is always about something: a shared key action (the first, unless the partner picks).
  const [about, setAbout] = useState(view.keyActions[0]?.id ?? "");
  // A message waits UNDO_MS before it is sent, so one sent by mistake can be taken back before it reaches them.
  const [waiting, setWaiting] = useState<{ message: string; timer: number } | null>(null);
  useEffect(() => () => waiting && clearTimeout(waiting.timer), [waiting]);
  const post = async (message: string) => {
    setWaiting(null);
    const path = { params: { path: { partnership_id: partnershipId } } };
    const body = { message, keyActionId: about };
    const posted = await mutate(() => api.POST("/api/v1/supporting/{partnership_id}/encouragements", { ...path, body }));
    setSent(posted.status === "done" ? `Sent to ${view.person.displayName}: “${message}”` : null);
  };
  const send = (message: string) => {
    setSent(null);
    clear();
    setWaiting({ message, timer: window.setTimeout(() => void post(message), UNDO_MS) });
    return true;
  };
  const undo = () => {
    if (waiting) clearTimeout(waiting.timer);
    setWaiting(null);
    setSent("Not sent.");
  };
  const custom = (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const message = String(new FormData(form).get("message") ?? "").trim();
    if (message && send(message)) form.reset();
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
          <button type="button" key={p} disabled={busy || waiting !== null} onClick={() => send(p)}>
            {p}
          </button>
        ))}
      </div>
      <form class="stack" onSubmit={custom} data-form="encouragement">
        <Field label="Or write your own" name="message" error={error} hint="Up to 280 characters.">
          <input name="message" maxLength={280} required />
        </Field>
        <button type="submit" class="primary" disabled={busy || waiting !== null}>
          Send encouragement
        </button>
      </form>
      {waiting && (
        <p class="banner row spread" role="status">
          <span>
            Sending to {view.person.displayName}: “{waiting.message}”
          </span>
          <button type="button" onClick={undo}>
            Undo
          </button>
        </p>
      )}
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

type InviteState = {
  token?: string;
  preview?: InvitePreview;
  done?: Schemas["AcceptedOut"];
  error?: unknown;
  missing?: boolean;
};

/** A used, expired or revoked invite will not get better; a network error or a rate limit might. */
const settled = (error: unknown) => error instanceof ApiError && error.status !== 429;

/** /partners/accept#<token>: shows whom the invite is from, and accepts it when the person says so (the shell
 * sends them here after signing in or up). */
export function AcceptInvite() {
  const { route } = useLocation();
  const [state, setState] = useState<InviteState>({});
  const { mutate, busy } = useMutate();
  useEffect(() => {
    const token = captureInvite(location);
    // The token has done its job in the address bar; keep it out of history and screenshots.
    if (location.hash) history.replaceState(null, "", location.pathname);
    if (!token) {
      setState({ missing: true });
      return;
    }
    let live = true;
    previewInvite(token).then(
      (preview) => live && setState({ token, preview }),
      (error) => {
        if (settled(error)) forgetInvite();
        if (live) setState({ error });
      },
    );
    return () => {
      live = false;
    };
  }, []);
  const accept = async () => {
    if (!state.token) return;
    const body = { token: state.token };
    setState({ ...state, error: undefined });
    const accepted = await mutate(() => api.POST("/api/v1/invites/accept", { body }));
    if (accepted.status === "done") {
      forgetInvite();
      return setState({ done: accepted.data });
    }
    const error = accepted.status === "failed" ? accepted.error : undefined;
    if (!settled(error)) return setState({ ...state, error });
    // This invite cannot be accepted any more: no Accept button to press again.
    forgetInvite();
    setState({ error });
  };
  const notNow = () => {
    // The link still works later; only this tab stops steering the person back here.
    forgetInvite();
    route("/today");
  };
  const { preview, done, error, missing } = state;
  const inviter = preview?.inviter.displayName;
  return (
    <section>
      <h1>Partner invite</h1>
      {!preview && !done && !error && !missing && <Loading what="the invite" />}
      {missing && <p>This link has no invite in it. Ask for a new link.</p>}
      {preview && !done && (
        <div class="stack">
          <p>
            <strong>{inviter}</strong> invites you to be their accountability partner.
            {preview.mutual && " It is mutual: you support each other."}
          </p>
          <p class="row">
            <button type="button" class="primary" disabled={busy} onClick={accept}>
              Accept
            </button>
            <button type="button" disabled={busy} onClick={notNow}>
              Not now
            </button>
          </p>
        </div>
      )}
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
