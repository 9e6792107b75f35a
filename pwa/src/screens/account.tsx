// Account: name, time zone, weekly-review day and time, links to notifications and partners, export, password,
// calendar feed, API tokens, sign out, delete.
import { useState } from "preact/hooks";
import { api, type Schemas, unwrap } from "../api/client";
import { passwordChanged } from "../sign-up";
import { type Resource, useResource } from "../store/resource";
import { clearAll } from "../store/db";
import { useMutate } from "../store/mutate";
import { outbox, setSession, signOut } from "../store/state";
import { timeField, useEditForm } from "../form";
import { ErrorNote, Field, formatDate, formValues, Loading } from "../ui";
import { CalendarFeed } from "./calendar-feed";
import { zoneOptions, ZoneSelect } from "../zones";

const DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

type TokenList = Resource<Schemas["ApiTokenOut"][]>;

/** Changing the password signs out the other devices and, unless the person unticks it, revokes every API token:
 * whoever learned the old password may have made one. */
function PasswordForm({ tokens, hasPassword, saved }: { tokens: TokenList; hasPassword: boolean; saved: () => void }) {
  const [revokeTokens, setRevokeTokens] = useState(true);
  const { mutate, busy, error } = useMutate();
  const [outcome, setOutcome] = useState<string | null>(null);
  const held = tokens.data?.length ?? 0;
  const submit = async (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const v = formValues(form);
    // Without tokens on screen there is no choice to make: any made meanwhile go too, the safe default.
    const revoke = held === 0 || revokeTokens;
    const body = { ...(hasPassword ? { currentPassword: v.currentPassword } : {}), newPassword: v.newPassword, revokeTokens: revoke };
    const answer = await mutate(() => api.POST("/api/v1/account/password", { body }));
    if (answer.status !== "done") return setOutcome(null);
    form.reset();
    setOutcome(hasPassword ? passwordChanged(answer.data, revoke ? 0 : held) : "Password set. You can now sign in with it too.");
    tokens.reload();
    if (!hasPassword) saved();
  };
  return (
    <form class="card stack" onSubmit={submit} data-form="account-password">
      <h2>Password</h2>
      {hasPassword ? (
        <>
          <p class="sub">Changing it signs you out on your other devices.</p>
          <Field label="Current password" name="currentPassword" error={error}>
            <input name="currentPassword" type="password" required maxLength={256} autoComplete="current-password" />
          </Field>
        </>
      ) : (
        <p class="sub">
          You sign in through your organization's sign-in, so you have no password here. Set one to sign in without it
          too; for your safety this works only within 10 minutes of signing in.
        </p>
      )}
      <Field label="New password" name="newPassword" error={error} hint="At least 8 characters.">
        <input name="newPassword" type="password" required maxLength={256} autoComplete="new-password" />
      </Field>
      {held > 0 && (
        <label class="choice toggle">
          <input
            type="checkbox"
            name="revokeTokens"
            checked={revokeTokens}
            onChange={(e) => setRevokeTokens((e.currentTarget as HTMLInputElement).checked)}
          />
          <span>
            Also revoke my API tokens ({held})
            <span class="hint block">Scripts and apps using them stop working until you give them a new token.</span>
          </span>
        </label>
      )}
      <ErrorNote error={error} fields={["currentPassword", "newPassword"]} />
      {outcome && <p role="status">{outcome}</p>}
      <button type="submit" class="primary" disabled={busy}>
        {hasPassword ? "Change password" : "Set password"}
      </button>
    </form>
  );
}

function Tokens({ tokens }: { tokens: TokenList }) {
  const [made, setMade] = useState<Schemas["ApiTokenCreated"] | null>(null);
  const { mutate, error } = useMutate();
  const create = async (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const v = formValues(form);
    const body = { name: v.name.trim(), expiresInDays: v.days ? Number(v.days) : null };
    const answer = await mutate(() => api.POST("/api/v1/account/tokens", { body }));
    if (answer.status !== "done") return;
    setMade(answer.data);
    form.reset();
    tokens.reload();
  };
  const revoke = async (id: string) => {
    const answer = await mutate(() => api.DELETE("/api/v1/account/tokens/{token_id}", { params: { path: { token_id: id } } }));
    if (answer.status === "done") tokens.reload();
  };
  return (
    <div class="card stack">
      <h2>API tokens</h2>
      <p class="sub">For scripts and other apps. A token is shown once.</p>
      {made && (
        <p class="banner" role="status">
          New token “{made.name}”: <code>{made.token}</code>
        </p>
      )}
      <ul class="list">
        {tokens.data?.map((t) => (
          <li key={t.id} class="row">
            <span>
              {t.name} <code>{t.prefix}…</code>
              {t.expiresAt && ` · expires ${formatDate(t.expiresAt)}`}
            </span>
            <button type="button" onClick={() => revoke(t.id)} aria-label={`Revoke ${t.name}`}>
              Revoke
            </button>
          </li>
        ))}
      </ul>
      <form class="stack" onSubmit={create} data-form="token-new">
        <Field label="Token name" name="name" error={error}>
          <input name="name" required maxLength={80} />
        </Field>
        <Field label="Expires after days (optional)" name="expiresInDays" error={error}>
          <input name="days" type="number" min={1} />
        </Field>
        <ErrorNote error={error} fields={["name", "expiresInDays"]} />
        <button type="submit">Create token</button>
      </form>
    </div>
  );
}

type AccountData = Schemas["ParticipantOut"];

/** The profile form's fields, as the form shows them. */
type ProfileDraft = ReturnType<typeof profileDraft>;
function profileDraft(a: AccountData) {
  return {
    displayName: a.displayName,
    timeZone: a.timeZone,
    reviewWeekday: String(a.reviewWeekday),
    reviewTime: timeField(a.reviewTime),
  };
}

function ProfileForm({ account, saved: onSaved }: { account: AccountData; saved: () => void }) {
  const zones = zoneOptions(account.timeZone);
  const send = (changed: Partial<ProfileDraft>) => {
    const body: Schemas["ProfileUpdate"] = {};
    if (changed.displayName !== undefined) body.displayName = changed.displayName.trim();
    if (changed.timeZone !== undefined) body.timeZone = changed.timeZone;
    if (changed.reviewWeekday !== undefined) body.reviewWeekday = Number(changed.reviewWeekday);
    if (changed.reviewTime !== undefined) body.reviewTime = changed.reviewTime;
    return () => api.PATCH("/api/v1/account", { body });
  };
  const { draft, error, outcome, submit } = useEditForm(profileDraft(account), send, onSaved);
  return (
    <form class="card stack" onSubmit={submit} data-form="account-profile">
      <h2>You</h2>
      <Field label="Name" name="displayName" error={error}>
        <input required maxLength={80} {...draft.bind("displayName")} />
      </Field>
      <Field label="Time zone" name="timeZone" error={error}>
        <ZoneSelect zones={zones} {...draft.bind("timeZone")} />
      </Field>
      <Field label="Weekly review day" name="reviewWeekday" error={error}>
        <select {...draft.bind("reviewWeekday")}>
          {DAYS.map((d, i) => (
            <option key={d} value={String(i)}>
              {d}
            </option>
          ))}
        </select>
      </Field>
      <Field label="Weekly review time" name="reviewTime" error={error}>
        <input type="time" required {...draft.bind("reviewTime")} />
      </Field>
      <ErrorNote error={error} fields={["displayName", "timeZone", "reviewWeekday", "reviewTime"]} />
      {outcome && <p role="status">{outcome}</p>}
      <button type="submit" class="primary">
        Save
      </button>
    </form>
  );
}

export default function Account() {
  const account = useResource("account", () => unwrap(api.GET("/api/v1/account")));
  const tokens = useResource("tokens", () => unwrap(api.GET("/api/v1/account/tokens")));
  const { mutate: deleteAccount, error: deleteError } = useMutate();
  const a = account.data;
  if (!a) return account.loading ? <Loading what="your account" /> : <ErrorNote error={account.error} />;

  const remove = async (event: Event) => {
    event.preventDefault();
    const v = formValues(event.currentTarget as HTMLFormElement);
    const confirmation = a.hasPassword ? { password: v.password } : { confirmEmail: v.confirmEmail };
    if ((await deleteAccount(() => api.POST("/api/v1/account/delete", { body: confirmation }))).status !== "done") return;
    await clearAll();
    setSession(null);
  };

  return (
    <section>
      <h1>Account</h1>
      <p class="sub">{a.email}</p>
      <ProfileForm account={a} saved={account.reload} />
      <nav class="card stack" aria-label="Settings">
        <h2>Reminders and partners</h2>
        <p class="sub">Where reminders go, quiet hours, and who supports you.</p>
        <p class="row">
          <a class="button" href="/settings/notifications">
            Notifications
          </a>
          <a class="button" href="/partners">
            Partners
          </a>
          <a class="button" href="/settings/sign-in">
            Sign-in methods
          </a>
        </p>
      </nav>
      <div class="card stack">
        <h2>Your data</h2>
        <p class="row">
          <a class="button" href="/api/v1/account/export" download="followthrough.json">
            Export JSON
          </a>
          <a class="button" href="/api/v1/account/export.zip" download="followthrough-csv.zip">
            Export CSV (zip)
          </a>
          <a class="button" href="/account/import">
            Import
          </a>
        </p>
      </div>
      <CalendarFeed />
      <PasswordForm tokens={tokens} hasPassword={a.hasPassword} saved={account.reload} />
      <Tokens tokens={tokens} />
      <p>
        <button
          type="button"
          onClick={() => {
            const waiting = outbox.value.length;
            if (!waiting || confirm(`${waiting} check-in(s) have not been sent yet and will be lost. Sign out anyway?`)) {
              void signOut();
            }
          }}
        >
          Sign out
        </button>
      </p>
      <form class="card stack danger-zone" onSubmit={remove} data-form="account-delete">
        <h2>Delete account</h2>
        <p>This removes everything you stored, at once and for good.</p>
        {a.hasPassword ? (
          <Field label="Your password, to confirm" name="password" error={deleteError}>
            <input name="password" type="password" required autoComplete="current-password" />
          </Field>
        ) : (
          <Field label="Your email, to confirm" name="confirmEmail" error={deleteError} hint={a.email}>
            <input name="confirmEmail" type="email" required maxLength={320} autoComplete="off" />
          </Field>
        )}
        <ErrorNote error={deleteError} fields={["password", "confirmEmail"]} />
        <button type="submit" class="danger">
          Delete my account
        </button>
      </form>
    </section>
  );
}
