// Sign up (time zone from the browser, confirmed by the person) and sign in. Creating an account is offered
// only when the server's registration is open, or invite-only and the person came with an invite link.
import { useLocation } from "preact-iso";
import { useEffect, useState } from "preact/hooks";
import { api, type Schemas, unwrap } from "../api/client";
import { afterSignIn, pendingInvite, previewInvite } from "../invite";
import { AccountMayExist, canSignUp, type RegistrationMode, signIn, signUpAndSignIn, signUpUnavailable } from "../sign-up";
import { useMutate } from "../store/mutate";
import { setSession } from "../store/state";
import { ErrorNote, Field, formValues } from "../ui";
import { signInProblem } from "./sign-in-methods";
import { browserTimeZone, zoneOptions, ZoneSelect } from "../zones";

/** The sign-in methods the server offers; when a trusted proxy stands in front, signs in through it at once. */
function useSignInMethods(route: (path: string) => void): Schemas["SignInMethods"] | null {
  const [methods, setMethods] = useState<Schemas["SignInMethods"] | null>(null);
  useEffect(() => {
    let live = true;
    // Back from the provider, signed in: this browser was signed out, so the app has not asked yet.
    if (new URLSearchParams(location.search).get("signedIn") === "1") {
      unwrap(api.GET("/api/v1/auth/session")).then((session) => {
        if (!live) return;
        setSession(session);
        route(afterSignIn("/today"));
      }, () => undefined);
    }
    unwrap(api.GET("/api/v1/auth/methods")).then(async (answer) => {
      if (!live) return;
      setMethods(answer);
      if (!answer.trustedHeader) return;
      // No one signed in at the proxy, or no account here (a refusal): the forms below stay.
      const body = { timeZone: browserTimeZone() };
      const session = await unwrap(api.POST("/api/v1/auth/trusted-header", { body })).catch(() => null);
      if (!live || !session) return;
      setSession(session);
      route(afterSignIn("/today"));
    }, () => undefined);
    return () => {
      live = false;
    };
  }, []);
  return methods;
}

/** The server's registration mode, or null until it has said (or when it cannot be reached). */
function useRegistration(): RegistrationMode | null {
  const [mode, setMode] = useState<RegistrationMode | null>(null);
  useEffect(() => {
    let live = true;
    unwrap(api.GET("/api/v1/auth/registration")).then(
      (answer) => live && setMode(answer.mode),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, []);
  return mode;
}

export default function Auth() {
  const invite = pendingInvite();
  const registration = useRegistration();
  const open = canSignUp(registration, Boolean(invite));
  const [chosen, setChosen] = useState<"sign-in" | "sign-up" | null>(null);
  const mode = open ? (chosen ?? "sign-up") : "sign-in";
  // Kept across the two forms, so "sign in instead" starts with the email already typed.
  const [email, setEmail] = useState("");
  const { mutate, busy, error, clear } = useMutate();
  const { route } = useLocation();
  const zone = browserTimeZone();
  const methods = useSignInMethods(route);
  const providerProblem = signInProblem(location.search);

  const choose = (next: "sign-in" | "sign-up") => {
    setChosen(next);
    clear();
  };

  const submit = async (event: Event) => {
    event.preventDefault();
    const v = formValues(event.currentTarget as HTMLFormElement);
    const timeZone = v.zoneOk === "yes" ? zone : v.timeZone;
    const signUp = { email: v.email, password: v.password, displayName: v.displayName, timeZone, invite };
    const steps = mode === "sign-up" ? () => signUpAndSignIn(api, signUp) : () => signIn(api, v.email, v.password);
    const signedIn = await mutate({ steps });
    if (signedIn.status !== "done") return;
    setSession(signedIn.data);
    route(afterSignIn(mode === "sign-up" ? "/reflect" : "/today"));
  };

  const unavailable = signUpUnavailable(registration, Boolean(invite));
  return (
    <section class="auth">
      <h1>Followthrough</h1>
      <p class="sub">Name what holds you back. Hold the key. Follow through.</p>
      <InviteBanner canCreate={open} />
      {providerProblem && (
        <p class="banner problem" role="alert">
          {providerProblem}
        </p>
      )}
      {methods?.oidc && (
        <p class="row">
          {/* target: a full navigation to the server, not a route inside the app. */}
          <a class="button primary" target="_top" href={`/api/v1/auth/oidc/start?${new URLSearchParams({ timeZone: zone })}`}>
            Sign in with {methods.oidc.name}
          </a>
        </p>
      )}
      {open ? (
        <div class="row" role="group" aria-label="Account">
          <button type="button" aria-pressed={mode === "sign-up"} onClick={() => choose("sign-up")}>
            Create an account
          </button>
          <button type="button" aria-pressed={mode === "sign-in"} onClick={() => choose("sign-in")}>
            Sign in
          </button>
        </div>
      ) : (
        <p class="banner" role="status">
          {unavailable}
        </p>
      )}
      <form onSubmit={submit} class="card" key={mode} data-form={mode}>
        <h2>{mode === "sign-up" ? "Create an account" : "Sign in"}</h2>
        {mode === "sign-up" && (
          <Field label="Your name" name="displayName" error={error}>
            <input name="displayName" required maxLength={80} autoComplete="name" />
          </Field>
        )}
        <Field label="Email" name="email" error={error}>
          <input
            name="email"
            type="email"
            required
            maxLength={254}
            autoComplete="email"
            value={email}
            onInput={(e) => setEmail((e.currentTarget as HTMLInputElement).value)}
          />
        </Field>
        <Field label="Password" name="password" error={error} hint={mode === "sign-up" ? "At least 8 characters." : undefined}>
          <input
            name="password"
            type="password"
            required
            maxLength={256}
            autoComplete={mode === "sign-up" ? "new-password" : "current-password"}
          />
        </Field>
        {mode === "sign-up" && <ZoneConfirm zone={zone} error={error} />}
        {error instanceof AccountMayExist ? (
          <div class="banner" role="status" data-testid="account-may-exist">
            <p>{error.message}</p>
            <button type="button" class="link" onClick={() => choose("sign-in")}>
              Sign in with this email
            </button>
          </div>
        ) : (
          <ErrorNote error={error} fields={["displayName", "email", "password", "timeZone"]} />
        )}
        <button type="submit" class="primary" disabled={busy}>
          {mode === "sign-up" ? "Create account" : "Sign in"}
        </button>
      </form>
    </section>
  );
}

/** An invite waits for this person: name who sent it once the server says, else say it without a name. */
function InviteBanner({ canCreate }: { canCreate: boolean }) {
  const token = pendingInvite();
  const [inviter, setInviter] = useState<string | null>(null);
  useEffect(() => {
    if (!token) return;
    let live = true;
    // A dead or unreachable invite keeps the nameless words; the invite page explains after signing in.
    previewInvite(token).then(
      (preview) => live && setInviter(preview.inviter.displayName),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [token]);
  if (!token) return null;
  return (
    <p class="banner" role="status">
      {inviter ? (
        <>
          <strong>{inviter}</strong> invited you to be their accountability partner.
        </>
      ) : (
        "You have been invited to be someone’s accountability partner."
      )}{" "}
      {canCreate ? "Create an account or sign in to accept." : "Sign in to accept."}
    </p>
  );
}

function ZoneConfirm({ zone, error }: { zone: string; error: unknown }) {
  const [ok, setOk] = useState(true);
  const [chosen, setChosen] = useState(zone);
  const zones = zoneOptions(zone);
  return (
    <fieldset>
      <legend>Your time zone</legend>
      <p>
        This device says <strong>{zone}</strong>. Reminders follow it.
      </p>
      <label class="choice">
        <input type="radio" name="zoneOk" value="yes" checked={ok} onChange={() => setOk(true)} />
        Yes, that is my time zone
      </label>
      <label class="choice">
        <input type="radio" name="zoneOk" value="no" checked={!ok} onChange={() => setOk(false)} />
        No, choose another
      </label>
      {!ok && (
        <Field label="Time zone" name="timeZone" error={error}>
          <ZoneSelect zones={zones} name="timeZone" value={chosen} onChange={(e: Event) => setChosen((e.currentTarget as HTMLSelectElement).value)} />
        </Field>
      )}
    </fieldset>
  );
}
