import { describe, expect, test } from "vitest";
import { ApiError, describeError, makeClient, retryAfterSeconds } from "../src/api/client";
import {
  AccountMayExist,
  canSignUp,
  passwordChanged,
  signIn,
  signUpAndSignIn,
  signUpUnavailable,
  TooManyAttempts,
} from "../src/sign-up";

type Answer = { status: number; body?: unknown; headers?: Record<string, string> };
type Seen = { path: string; body: Record<string, unknown> };

/** A server that answers each path from a list, in order, and records what it was sent. */
function server(answers: Record<string, Answer[]>, seen: Seen[] = []): typeof fetch {
  return async (input: RequestInfo | URL) => {
    const request = input as Request;
    const path = new URL(request.url).pathname;
    seen.push({ path, body: request.method === "GET" ? {} : await request.json() });
    const next = answers[path]?.shift();
    if (!next) throw new Error(`no answer left for ${path}`);
    return new Response(next.body === undefined ? null : JSON.stringify(next.body), {
      status: next.status,
      headers: { "content-type": "application/json", ...next.headers },
    });
  };
}

const SESSION = {
  participant: {
    id: "7d4f1d0e-8d59-4c1b-9b43-1f0d5d1c1e11",
    email: "ada@example.com",
    displayName: "Ada",
    timeZone: "Europe/Berlin",
    reviewWeekday: 6,
    reviewTime: "18:00",
    quietHoursStart: null,
    quietHoursEnd: null,
    nudgeEnabled: false,
    createdAt: "2026-01-01T00:00:00Z",
  },
  csrfToken: "csrf",
};
const ACCEPTED = { status: 202, body: { message: "If this email can be used, the account is ready: sign in." } };
const FORM = { email: "ada@example.com", password: "correct horse", displayName: "Ada", timeZone: "Europe/Berlin" };

describe("signing up", () => {
  test("asks for the account, then signs in with the same email and password", async () => {
    const seen: Seen[] = [];
    const client = makeClient("http://test", server({ "/api/v1/auth/sign-up": [ACCEPTED], "/api/v1/auth/sign-in": [{ status: 200, body: SESSION }] }, seen));
    const session = await signUpAndSignIn(client, FORM);
    expect(session.participant.email).toBe("ada@example.com");
    expect(seen).toEqual([
      { path: "/api/v1/auth/sign-up", body: FORM },
      { path: "/api/v1/auth/sign-in", body: { email: "ada@example.com", password: "correct horse" } },
    ]);
  });

  test("passes the invite token along, and sends none when there is none", async () => {
    const seen: Seen[] = [];
    const answers = () => ({ "/api/v1/auth/sign-up": [ACCEPTED], "/api/v1/auth/sign-in": [{ status: 200, body: SESSION }] });
    await signUpAndSignIn(makeClient("http://test", server(answers(), seen)), { ...FORM, invite: "tok_abc-123" });
    await signUpAndSignIn(makeClient("http://test", server(answers(), seen)), { ...FORM, invite: null });
    expect(seen[0].body.invite).toBe("tok_abc-123");
    expect(seen[2].path).toBe("/api/v1/auth/sign-up");
    expect("invite" in seen[2].body).toBe(false);
  });

  test("a refused sign-in after the sign-up says the email may already have an account", async () => {
    const client = makeClient(
      "http://test",
      server({ "/api/v1/auth/sign-up": [ACCEPTED], "/api/v1/auth/sign-in": [{ status: 401, body: { status: 401, detail: "wrong email or password" } }] }),
    );
    const error = await signUpAndSignIn(client, FORM).catch((e) => e);
    expect(error).toBeInstanceOf(AccountMayExist);
    expect(describeError(error)).toMatch(/may already have an account\. Sign in instead/);
    // Calm words: nothing says the email is taken or that the password was wrong.
    expect(describeError(error)).not.toMatch(/taken|exists|wrong|HTTP/i);
  });

  test("a refused field stays the server's error, named for its field, and no sign-in is tried", async () => {
    const seen: Seen[] = [];
    const refused = { status: 422, body: { status: 422, detail: "Validation failed", errors: [{ field: "password", message: "Expected `str` of length >= 8" }] } };
    const client = makeClient("http://test", server({ "/api/v1/auth/sign-up": [refused] }, seen));
    const error = await signUpAndSignIn(client, { ...FORM, password: "short" }).catch((e) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error.field("password")).toBe("Use at least 8 characters.");
    expect(seen.map((s) => s.path)).toEqual(["/api/v1/auth/sign-up"]);
  });

  test("too many sign-ups from here says how many minutes to wait", async () => {
    const limited = { status: 429, body: { status: 429, detail: "too many sign-ups" }, headers: { "Retry-After": "900" } };
    const error = await signUpAndSignIn(makeClient("http://test", server({ "/api/v1/auth/sign-up": [limited] })), FORM).catch((e) => e);
    expect(error).toBeInstanceOf(TooManyAttempts);
    expect(describeError(error)).toBe("Too many attempts from here; try again in 15 minutes.");
  });

  test("too many sign-ins, after the sign-up or on its own, says it the same way, rounding up to whole minutes", async () => {
    const limited = (seconds: string) => ({ status: 429, body: { status: 429, detail: "too many" }, headers: { "Retry-After": seconds } });
    const afterSignUp = makeClient("http://test", server({ "/api/v1/auth/sign-up": [ACCEPTED], "/api/v1/auth/sign-in": [limited("61")] }));
    expect(describeError(await signUpAndSignIn(afterSignUp, FORM).catch((e) => e))).toBe(
      "Too many attempts from here; try again in 2 minutes.",
    );
    const alone = makeClient("http://test", server({ "/api/v1/auth/sign-in": [limited("20")] }));
    expect(describeError(await signIn(alone, "ada@example.com", "x").catch((e) => e))).toBe(
      "Too many attempts from here; try again in 1 minute.",
    );
  });

  test("Retry-After is read as seconds or as an HTTP date", () => {
    const now = Date.parse("2026-03-01T12:00:00Z");
    expect(retryAfterSeconds("120", now)).toBe(120);
    expect(retryAfterSeconds("Sun, 01 Mar 2026 12:05:00 GMT", now)).toBe(300);
    expect(retryAfterSeconds("Sun, 01 Mar 2026 11:00:00 GMT", now)).toBe(0);
    expect(retryAfterSeconds("soon", now)).toBeNull();
    expect(retryAfterSeconds(null, now)).toBeNull();
  });
});

describe("what the sign-in screen offers", () => {
  test("creating an account only when registration is open, or invite-only and an invite came", () => {
    expect(canSignUp("open", false)).toBe(true);
    expect(canSignUp("invite-only", true)).toBe(true);
    expect(canSignUp("invite-only", false)).toBe(false);
    expect(canSignUp("closed", true)).toBe(false);
    expect(canSignUp("closed", false)).toBe(false);
    // Until the server has said, the usual case: open.
    expect(canSignUp(null, false)).toBe(true);
  });

  test("says why there is no way to create an account", () => {
    expect(signUpUnavailable("open", false)).toBeNull();
    expect(signUpUnavailable("invite-only", true)).toBeNull();
    expect(signUpUnavailable("invite-only", false)).toMatch(/^Sign-up on this server is by invite only\./);
    expect(signUpUnavailable("closed", true)).toBe("Sign-up on this server is closed; ask the person who runs it.");
  });
});

describe("after changing the password", () => {
  const token = (name: string, prefix: string) => ({
    id: `00000000-0000-4000-8000-${prefix.padStart(12, "0")}`,
    name,
    prefix,
    createdAt: "2026-01-01T00:00:00Z",
    lastUsedAt: null,
    expiresAt: null,
  });

  test("says how many devices were signed out and which tokens were revoked", () => {
    const answer = { endedSessions: 2, revokedTokens: [token("Zapier", "ft_a1"), token("Shortcut", "ft_b2"), token("CLI", "ft_c3")] };
    expect(passwordChanged(answer)).toBe(
      "Password changed. Signed out 2 other devices and revoked 3 API tokens: “Zapier”, “Shortcut”, “CLI”.",
    );
  });

  test("one of each, in the singular", () => {
    expect(passwordChanged({ endedSessions: 1, revokedTokens: [token("CLI", "ft_c3")] })).toBe(
      "Password changed. Signed out 1 other device and revoked 1 API token: “CLI”.",
    );
  });

  test("nothing else signed in, and tokens kept by choice", () => {
    expect(passwordChanged({ endedSessions: 0, revokedTokens: [] })).toBe("Password changed. No other device was signed in.");
    expect(passwordChanged({ endedSessions: 0, revokedTokens: [] }, 2)).toBe(
      "Password changed. No other device was signed in. Your 2 API tokens still work.",
    );
    expect(passwordChanged({ endedSessions: 3, revokedTokens: [] }, 1)).toBe(
      "Password changed. Signed out 3 other devices. Your API token still works.",
    );
  });
});
