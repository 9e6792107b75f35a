// App-wide state: who is signed in, connectivity, and what waits in the outbox.
import { type ReadonlySignal, signal } from "@preact/signals";
import { api, csrf, OfflineError, type Schemas, unwrap } from "../api/client";
import { cacheGet, cachePut, clearAll, db, type OutboxEntry, type Rejected } from "./db";
import { dismiss as dismissRejected, enqueue, pending, rejections, replay } from "./outbox";

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
  return fetch(entry.path, {
    method: entry.method,
    credentials: "same-origin",
    headers: {
      "Content-Type": "application/json",
      ...(csrf.token ? { "X-CSRF-Token": csrf.token } : {}),
    },
    body: entry.body === undefined ? undefined : JSON.stringify(entry.body),
  });
}

const listeners = new Set<() => void>();
/** Called after a replay sent something, so screens can fetch what the server now holds. */
export function onSynced(fn: () => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export async function sync(): Promise<void> {
  if (!session.value) return;
  const result = await replay(await db(), send);
  await refreshOutbox();
  if (result.sent || result.rejected.length) listeners.forEach((fn) => fn());
}

/** Queue a write and try to send it at once. */
export async function write(entry: Omit<OutboxEntry, "seq" | "createdAt">): Promise<void> {
  await enqueue(await db(), entry);
  await refreshOutbox();
  await sync();
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
