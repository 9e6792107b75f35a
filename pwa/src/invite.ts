// Invite links: `{public_url}/partners/accept#<token>`. The token rides in the fragment so it never reaches
// a server log or a Referer header; until the person has signed in it waits in sessionStorage (this tab only).
import { api, type Schemas, unwrap } from "./api/client";

const PENDING = "ft-pending-invite";
export const ACCEPT_PATH = "/partners/accept";

/** The invite token in a location fragment ("#abc" or "abc"), or null when there is none that could be one. */
export function parseInviteToken(hash: string): string | null {
  let raw = hash.startsWith("#") ? hash.slice(1) : hash;
  // Some apps that pass links on percent-encode the fragment or wrap it as `token=…`.
  try {
    raw = decodeURIComponent(raw);
  } catch {
    return null;
  }
  if (raw.startsWith("token=")) raw = raw.slice("token=".length);
  raw = raw.trim();
  // The server's tokens are URL-safe (base64url and dots); anything else is a mangled link.
  return raw.length > 0 && raw.length <= 200 && /^[A-Za-z0-9._~-]+$/.test(raw) ? raw : null;
}

type Store = Pick<Storage, "getItem" | "setItem" | "removeItem">;
const storage = (): Store | null => (typeof sessionStorage === "undefined" ? null : sessionStorage);

/** Keeps the token while the person signs in or up (the fragment is lost on the way). */
export function rememberInvite(token: string, store: Store | null = storage()): void {
  store?.setItem(PENDING, token);
}

export function pendingInvite(store: Store | null = storage()): string | null {
  return store?.getItem(PENDING) ?? null;
}

export function forgetInvite(store: Store | null = storage()): void {
  store?.removeItem(PENDING);
}

/** On the accept page: the fragment's token (remembered), or one remembered earlier. */
export function captureInvite(loc: { pathname: string; hash: string }, store: Store | null = storage()): string | null {
  if (loc.pathname !== ACCEPT_PATH) return pendingInvite(store);
  const token = parseInviteToken(loc.hash);
  if (token) rememberInvite(token, store);
  return token ?? pendingInvite(store);
}

/** Where to go after signing in or up: back to a waiting invite, else the usual place. */
export function afterSignIn(usual: string, store: Store | null = storage()): string {
  return pendingInvite(store) ? ACCEPT_PATH : usual;
}

export type InvitePreview = Schemas["InvitePreviewOut"];

let previewing: { token: string; answer: Promise<InvitePreview> } | null = null;

/** Who invites and whether it is mutual, without using the invite. The sign-up banner and the invite page ask
 * for the same token one after the other, so the answer is kept; a failure is not, so a retry asks again. */
export function previewInvite(token: string): Promise<InvitePreview> {
  if (previewing?.token !== token) {
    const answer = unwrap(api.POST("/api/v1/invites/preview", { body: { token } }));
    previewing = { token, answer };
    answer.catch(() => {
      if (previewing?.answer === answer) previewing = null;
    });
  }
  return previewing.answer;
}
