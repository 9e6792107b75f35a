// Creating an account without telling a stranger whether an email is registered.
//
// The server answers every well-formed sign-up the same way (202) and signs no one in: a new account is made,
// or the owner of an existing one is told someone tried. The app then signs in with the same email and
// password. When that sign-in is refused, the email may already belong to someone, so the person is asked,
// calmly, to sign in instead; they are never told "this email is taken".
import { ApiError, type makeClient, type Schemas, unwrap } from "./api/client";

type Client = ReturnType<typeof makeClient>;
export type RegistrationMode = Schemas["RegistrationOut"]["mode"];

/** Sign-in after sign-up was refused: the email may already have an account. */
export class AccountMayExist extends Error {
  constructor() {
    super("This email may already have an account. Sign in instead; its owner has been told someone tried to sign up with it.");
    this.name = "AccountMayExist";
  }
}

/** Too many sign-ups or sign-ins from this address: the server said when to try again. */
export class TooManyAttempts extends Error {
  constructor(readonly minutes: number) {
    super(`Too many attempts from here; try again in ${minutes === 1 ? "1 minute" : `${minutes} minutes`}.`);
    this.name = "TooManyAttempts";
  }
}

/** A 429 in plain words, with the wait rounded up to whole minutes (at least one); any other error as it is. */
export function explainRefusal(error: unknown): unknown {
  if (!(error instanceof ApiError) || error.status !== 429) return error;
  return new TooManyAttempts(Math.max(1, Math.ceil((error.retryAfter ?? 60) / 60)));
}

export interface SignUpForm {
  email: string;
  password: string;
  displayName: string;
  timeZone: string;
  /** The token of the partner invite this person arrived with, if any (lets them in on an invite-only server). */
  invite?: string | null;
}

/** Signs in with email and password; a 429 becomes TooManyAttempts. */
export async function signIn(client: Client, email: string, password: string): Promise<Schemas["SessionOut"]> {
  try {
    return await unwrap(client.POST("/api/v1/auth/sign-in", { body: { email, password } }));
  } catch (error) {
    throw explainRefusal(error);
  }
}

/**
 * Asks for an account, then signs in to it with the same email and password. Throws AccountMayExist when the
 * sign-in is refused (the email was registered already, with another password), TooManyAttempts on a 429 from
 * either step, and the server's ApiError for anything else (a refused field, a closed server).
 */
export async function signUpAndSignIn(client: Client, form: SignUpForm): Promise<Schemas["SessionOut"]> {
  const body: Schemas["SignUp"] = {
    email: form.email,
    password: form.password,
    displayName: form.displayName,
    timeZone: form.timeZone,
  };
  if (form.invite) body.invite = form.invite;
  try {
    await unwrap(client.POST("/api/v1/auth/sign-up", { body }));
  } catch (error) {
    throw explainRefusal(error);
  }
  try {
    return await signIn(client, form.email, form.password);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) throw new AccountMayExist();
    throw error;
  }
}

/** Whether the sign-in screen offers to create an account. Until the server has said, it does (the usual case). */
export function canSignUp(mode: RegistrationMode | null, hasInvite: boolean): boolean {
  if (mode === "invite-only") return hasInvite;
  return mode !== "closed";
}

/** What the sign-in screen says instead of offering to create an account, or null when it offers it. */
export function signUpUnavailable(mode: RegistrationMode | null, hasInvite: boolean): string | null {
  if (canSignUp(mode, hasInvite)) return null;
  return mode === "closed"
    ? "Sign-up on this server is closed; ask the person who runs it."
    : "Sign-up on this server is by invite only. Open the invite link you were sent to create an account.";
}

const count = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** What a password change did, in one or two sentences. `keptTokens`: tokens the person chose to keep. */
export function passwordChanged(answer: Schemas["PasswordChanged"], keptTokens = 0): string {
  const done: string[] = [];
  if (answer.endedSessions > 0) done.push(`signed out ${count(answer.endedSessions, "other device", "other devices")}`);
  const revoked = answer.revokedTokens;
  if (revoked.length > 0) {
    done.push(`revoked ${count(revoked.length, "API token", "API tokens")}: ${revoked.map((t) => `“${t.name}”`).join(", ")}`);
  }
  const what = done.length ? `${done.join(" and ")}.` : "no other device was signed in.";
  const kept = keptTokens === 0 ? "" : keptTokens === 1 ? " Your API token still works." : ` Your ${keptTokens} API tokens still work.`;
  return `Password changed. ${what.charAt(0).toUpperCase()}${what.slice(1)}${kept}`;
}
