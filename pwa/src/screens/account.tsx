// Account: name, time zone, weekly-review day and time, links to notifications and partners, export, API tokens, sign out, delete.
import { useState } from "preact/hooks";
import { api, type Schemas, unwrap } from "../api/client";
import { useResource } from "../store/resource";
import { clearAll } from "../store/db";
import { outbox, setSession, signOut } from "../store/state";
import { ErrorNote, Field, formatDate, formValues, Loading } from "../ui";

const DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

function Tokens() {
  const tokens = useResource("tokens", () => unwrap(api.GET("/api/v1/account/tokens")));
  const [made, setMade] = useState<Schemas["ApiTokenCreated"] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const create = async (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const v = formValues(form);
    try {
      setMade(
        await unwrap(
          api.POST("/api/v1/account/tokens", {
            body: { name: v.name.trim(), expiresInDays: v.days ? Number(v.days) : null },
          }),
        ),
      );
      form.reset();
      setError(null);
      tokens.reload();
    } catch (e) {
      setError(e);
    }
  };
  const revoke = async (id: string) => {
    try {
      await unwrap(api.DELETE("/api/v1/account/tokens/{token_id}", { params: { path: { token_id: id } } }));
      tokens.reload();
    } catch (e) {
      setError(e);
    }
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
      <form class="stack" onSubmit={create}>
        <Field label="Token name" name="name" error={error}>
          <input name="name" required maxLength={80} />
        </Field>
        <Field label="Expires after days (optional)" name="expiresInDays" error={error}>
          <input name="days" type="number" min={1} />
        </Field>
        <ErrorNote error={error} />
        <button type="submit">Create token</button>
      </form>
    </div>
  );
}

export default function Account() {
  const account = useResource("account", () => unwrap(api.GET("/api/v1/account")));
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const [deleteError, setDeleteError] = useState<unknown>(null);
  const a = account.data;
  if (!a) return account.loading ? <Loading what="your account" /> : <ErrorNote error={account.error} />;
  const zones = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [a.timeZone];

  const save = async (event: Event) => {
    event.preventDefault();
    const v = formValues(event.currentTarget as HTMLFormElement);
    try {
      await unwrap(
        api.PATCH("/api/v1/account", {
          body: {
            displayName: v.displayName.trim(),
            timeZone: v.timeZone,
            reviewWeekday: Number(v.reviewWeekday),
            reviewTime: v.reviewTime,
          },
        }),
      );
      setError(null);
      setSaved(true);
      account.reload();
    } catch (e) {
      setError(e);
      setSaved(false);
    }
  };
  const remove = async (event: Event) => {
    event.preventDefault();
    const v = formValues(event.currentTarget as HTMLFormElement);
    try {
      await unwrap(api.POST("/api/v1/account/delete", { body: { password: v.password } }));
      await clearAll();
      setSession(null);
    } catch (e) {
      setDeleteError(e);
    }
  };

  return (
    <section>
      <h1>Account</h1>
      <p class="sub">{a.email}</p>
      <form class="card stack" onSubmit={save}>
        <h2>You</h2>
        <Field label="Name" name="displayName" error={error}>
          <input name="displayName" required maxLength={80} defaultValue={a.displayName} />
        </Field>
        <Field label="Time zone" name="timeZone" error={error}>
          <select name="timeZone" defaultValue={a.timeZone}>
            {zones.map((z) => (
              <option key={z}>{z}</option>
            ))}
          </select>
        </Field>
        <Field label="Weekly review day" name="reviewWeekday" error={error}>
          <select name="reviewWeekday" defaultValue={String(a.reviewWeekday)}>
            {DAYS.map((d, i) => (
              <option key={d} value={i}>
                {d}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Weekly review time" name="reviewTime" error={error}>
          <input name="reviewTime" type="time" required defaultValue={a.reviewTime.slice(0, 5)} />
        </Field>
        <ErrorNote error={error} />
        {saved && <p role="status">Saved.</p>}
        <button type="submit" class="primary">
          Save
        </button>
      </form>
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
        </p>
      </div>
      <Tokens />
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
      <form class="card stack danger-zone" onSubmit={remove}>
        <h2>Delete account</h2>
        <p>This removes everything you stored, at once and for good.</p>
        <Field label="Your password, to confirm" name="password" error={deleteError}>
          <input name="password" type="password" required autoComplete="current-password" />
        </Field>
        <ErrorNote error={deleteError} />
        <button type="submit" class="danger">
          Delete my account
        </button>
      </form>
    </section>
  );
}
