// Sign-in methods: the accounts at this server's OpenID provider that sign in to this account, with Link and
// Unlink. The provider sends the browser back here (`?linked=1`, or `?signInError=<reason>`).
import { useState } from "preact/hooks";
import { api, type Schemas, unwrap } from "../api/client";
import { useMutate } from "../store/mutate";
import { useResource } from "../store/resource";
import { ErrorNote, formatDateTime, Loading, Stale } from "../ui";

/** What each reason the server sends the browser back with means, in words. */
export const SIGN_IN_PROBLEMS: Record<string, string> = {
  "provider-unavailable": "The sign-in provider cannot be reached right now. Try again in a moment.",
  expired: "That sign-in took too long or was started in another browser. Please start again.",
  "state-mismatch": "That sign-in could not be matched to this browser. Please start again.",
  denied: "The sign-in was cancelled or refused at the provider.",
  "invalid-token": "The provider’s answer could not be verified. Please start again.",
  "email-unverified":
    "The provider has not verified your email address, so it cannot sign you in here. Verify it there, or sign in with your password and link the provider from Account.",
  "not-allowed": "There is no account for you on this server, and it does not create new ones.",
  "identity-taken": "That provider account already signs in to another account here.",
  "signed-out": "You were signed out before linking finished. Sign in and try again.",
};

export function signInProblem(search: string): string | null {
  const reason = new URLSearchParams(search).get("signInError");
  if (!reason) return null;
  return SIGN_IN_PROBLEMS[reason] ?? "Signing in through the provider did not work. Please try again.";
}

type Identity = Schemas["SignInIdentityOut"];

export default function SignInMethods() {
  const identities = useResource("sign-in-identities", () => unwrap(api.GET("/api/v1/account/identities")));
  const { mutate, busy, error } = useMutate();
  // Busy from Link until the browser has left for the provider.
  const [leaving, setLeaving] = useState(false);
  const linked = new URLSearchParams(location.search).get("linked") === "1";
  const problem = signInProblem(location.search);

  const link = async () => {
    const started = await mutate(() => api.POST("/api/v1/account/identities/oidc/link"));
    if (started.status !== "done") return;
    setLeaving(true);
    location.assign(started.data.authorizationUrl);
  };
  const unlink = async (identity: Identity) => {
    const path = { params: { path: { identity_id: identity.id } } };
    if ((await mutate(() => api.DELETE("/api/v1/account/identities/{identity_id}", path))).status === "done") identities.reload();
  };

  const data = identities.data;
  return (
    <section>
      <h1>Sign-in methods</h1>
      <p class="sub">
        <a href="/account">Back to Account</a>
      </p>
      {linked && (
        <p class="banner" role="status">
          Linked. You can now sign in with that account.
        </p>
      )}
      {problem && (
        <p class="banner problem" role="alert">
          {problem}
        </p>
      )}
      <Stale stale={identities.stale} />
      {!data ? (
        <Loading what="sign-in methods" />
      ) : (
        <div class="card stack">
          <h2>Password</h2>
          <p>
            {data.hasPassword
              ? "You can sign in with your email and password."
              : "This account has no password: it signs in through the accounts below."}
          </p>
          <h2>Linked accounts</h2>
          {data.items.length === 0 ? (
            <p class="sub">None yet.</p>
          ) : (
            <ul class="list">
              {data.items.map((identity) => (
                <li key={identity.id} class="row">
                  <span>
                    {identity.provider}
                    {identity.email && ` · ${identity.email}`}
                    <br />
                    <small class="sub">
                      Linked {formatDateTime(identity.createdAt)}
                      {identity.lastUsedAt && ` · last used ${formatDateTime(identity.lastUsedAt)}`}
                    </small>
                  </span>
                  <button
                    type="button"
                    onClick={() => unlink(identity)}
                    aria-label={`Unlink ${identity.provider} ${identity.email ?? ""}`.trim()}
                  >
                    Unlink
                  </button>
                </li>
              ))}
            </ul>
          )}
          <ErrorNote error={error} />
          {data.canLink && (
            <p class="row">
              <button type="button" class="primary" onClick={link} disabled={busy || leaving}>
                Link an account
              </button>
            </p>
          )}
        </div>
      )}
    </section>
  );
}
