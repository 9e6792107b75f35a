// App-wide state: who is signed in, connectivity, and what waits in the outbox.
import { type ReadonlySignal, signal } from "@preact/signals";
import { api, csrf, OfflineError, type Schemas, unwrap } from "../api/client";
import { cacheGet, cachePut, clearAll, db, type OutboxEntry, type Rejected } from "./db";
import { type QueuedWrite, requestOf } from "./operations";
import { dismiss as dismissRejected, enqueue, pending, rejections, replay, type ReplayResult } from "./outbox";

export const session = signal<Schemas["SessionOut"] | null | undefined>(undefined); // undefined: not known yet
export const online = signal(typeof navigator === "undefined" ? true : navigator.onLine);
export const outbox = signal<OutboxEntry[]>([]);
export const rejected = signal<Rejected[]>([]);
export const notice = signal<string | null>(null);
/** What the app reads of the service-worker bridge (sw-bridge.ts), once loaded: it is kept out of the first
 * bundle, and described here rather than imported, as the bridge itself reports through this module. */
export interface ServiceWorkerBridge {
  /** Set when a new version waits: calling it activates that version and reloads. */
  updateReady: ReadonlySignal<null | (() => void)>;
}
export const bridge = signal<ServiceWorkerBridge | null>(null);

// Remembers that this browser holds a session, so a first visit does not ask the server (and log a 401).
const SIGNED_IN = "ft-signed-in";

export function setSession(value: Schemas["SessionOut"] | null): void {
  session.value = value;
  csrf.token = value?.csrfToken ?? null;
  if (value) {
    localStorage.setItem(SIGNED_IN, "1");
    void cachePut("session", value);
  } else {
    localStorage.removeItem(SIGNED_IN);
  }
}

/** The last session seen, even offline, so the app opens without a network. */
export async function loadSession(): Promise<void> {
  if (!localStorage.getItem(SIGNED_IN)) {
    setSession(null);
    return;
  }
  try {
    setSession(await unwrap(api.GET("/api/v1/auth/session")));
  } catch (error) {
    if (error instanceof OfflineError) {
      setSession((await cacheGet<Schemas["SessionOut"]>("session")) ?? null);
    } else {
      await clearAll();
      setSession(null);
    }
  }
}

export async function signOut(): Promise<void> {
  try {
    await unwrap(api.POST("/api/v1/auth/sign-out"));
  } finally {
    await clearAll();
    setSession(null);
    await refreshOutbox();
  }
}

export async function refreshOutbox(): Promise<void> {
  const d = await db();
  outbox.value = await pending(d);
  rejected.value = await rejections(d);
}

function send(entry: OutboxEntry): Promise<Response> {
  const request = requestOf(entry);
  return fetch(request.path, {
    method: request.method,
    credentials: "same-origin",
    headers: {
      "Content-Type": "application/json",
      ...(csrf.token ? { "X-CSRF-Token": csrf.token } : {}),
    },
    body: request.body === undefined ? undefined : JSON.stringify(request.body),
  });
}

/** Fetches a screen's data again; the promise settles once that fetch has answered. */
export type Refetch = () => void | Promise<void>;
const listeners = new Set<Refetch>();
/** Called after a replay sent something, so screens fetch what the server now holds. */
export function onSynced(fn: Refetch): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

// Long enough for a slow network's answer; a fetch that never answers must not keep "pending sync" forever.
const REFETCH_WAIT_MS = 10_000;

/** Has every screen fetch again, and waits (a while at most) for their answers. */
async function refetched(): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const waited = new Promise<void>((resolve) => (timer = setTimeout(resolve, REFETCH_WAIT_MS)));
  try {
    await Promise.race([Promise.allSettled([...listeners].map(async (refetch) => refetch())), waited]);
  } finally {
    clearTimeout(timer);
  }
}

export async function sync(): Promise<ReplayResult | undefined> {
  if (!session.value) return undefined;
  const result = await replay(await db(), send);
  // Sent writes stay in `outbox`, so in Today's overlay, until the screens' new fetches answer: dropped
  // sooner, a check-in would show as not done (an undo as still done) for one round trip.
  if (result.sent || result.rejected.length) await refetched();
  await refreshOutbox();
  return result;
}

/** What became of a queued write: sent, still waiting (offline), or refused by the server. */
export type WriteResult = { kind: "sent" } | { kind: "queued" } | { kind: "refused"; rejected: Rejected };

/** Queue a write and try to send it at once. */
export async function write(entry: QueuedWrite): Promise<WriteResult> {
  const { seq } = await enqueue(await db(), entry);
  await refreshOutbox();
  // A replay already under way when this was queued answers with one more pass, which sends it (outbox.ts).
  const result = await sync();
  const waiting = () => outbox.value.some((e) => e.seq === seq);
  const refused = result?.rejected.find((r) => r.entry.seq === seq);
  if (refused) return { kind: "refused", rejected: refused };
  return waiting() ? { kind: "queued" } : { kind: "sent" };
}

export async function dismiss(seq: number): Promise<void> {
  await dismissRejected(await db(), seq);
  await refreshOutbox();
}

export function startSync(): void {
  addEventListener("online", () => {
    online.value = true;
    void sync();
  });
  addEventListener("offline", () => {
    online.value = false;
  });
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") void sync();
  });
  void refreshOutbox().then(sync);
}

export function uuid(): string {
  return crypto.randomUUID();
}
