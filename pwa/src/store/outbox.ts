// Writes go through a first-in, first-out outbox, so that a check-in made offline is sent later, in order,
// exactly once (each carries a client-made id the server deduplicates on). The page and the service worker
// (a notification's Done button) share it; a lock keeps them from sending at the same time.
import type { Db, OutboxEntry, Rejected } from "./db";
import { createsById, type QueuedWrite } from "./operations";

/** Sends one entry. Throws only when the network fails; any HTTP answer is returned. */
export type Sender = (entry: OutboxEntry) => Promise<Response>;

export interface ReplayResult {
  sent: number;
  rejected: Rejected[];
  /** True when replay stopped early (network error or a server error): the rest waits for the next try. */
  stopped: boolean;
}

export async function enqueue(db: Db, entry: QueuedWrite): Promise<OutboxEntry> {
  const full: OutboxEntry = { ...entry, createdAt: new Date().toISOString() };
  full.seq = await db.add("outbox", full);
  return full;
}

export async function pending(db: Db): Promise<OutboxEntry[]> {
  return db.getAll("outbox"); // keys are increasing integers, so this is insertion order
}

export async function rejections(db: Db): Promise<Rejected[]> {
  return db.getAll("rejected");
}

export async function dismiss(db: Db, seq: number): Promise<void> {
  await db.delete("rejected", seq);
}

async function messageOf(response: Response): Promise<string> {
  try {
    const body = (await response.json()) as { detail?: string; errors?: { field: string; message: string }[] };
    const fields = (body.errors ?? []).map((e) => (e.field ? `${e.field}: ${e.message}` : e.message));
    return [body.detail, ...fields].filter(Boolean).join(" — ") || `HTTP ${response.status}`;
  } catch {
    return `HTTP ${response.status}`;
  }
}

/** A 410 on a write that creates by its client-made id means that id was undone. */
function undoneOnPurpose(entry: OutboxEntry, response: Response): boolean {
  return response.status === 410 && createsById(entry);
}

/** Which entries a replayer may send; the others wait, in order, for one that may. */
export type Selection = (entry: OutboxEntry) => boolean;

const everything: Selection = () => true;
let running: Promise<ReplayResult> | undefined;
let next: Promise<ReplayResult> | undefined;

/** Sends what is waiting, oldest first. Only one replay runs at a time in this context and, where the browser
 * has Web Locks, across the page and the service worker too. A replay asked for while one runs is one more
 * pass after it, shared by everyone asking meanwhile: the running pass read the outbox once, perhaps before
 * the caller's write was queued, which would otherwise wait for the next trigger. */
export function replay(db: Db, send: Sender, only: Selection = everything): Promise<ReplayResult> {
  if (!running) {
    running = exclusively(() => drain(db, send, only)).finally(() => {
      running = undefined;
    });
    return running;
  }
  next ??= running
    .catch(() => undefined)
    .then(() => {
      next = undefined;
      return replay(db, send, only);
    });
  return next;
}

interface LockManagerLike {
  request<T>(name: string, callback: () => Promise<T>): Promise<T>;
}

function exclusively<T>(work: () => Promise<T>): Promise<T> {
  const locks = (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator?.locks;
  return locks ? locks.request("followthrough-outbox", work) : work();
}

async function drain(db: Db, send: Sender, only: Selection): Promise<ReplayResult> {
  const result: ReplayResult = { sent: 0, rejected: [], stopped: false };
  for (const entry of await pending(db)) {
    if (!only(entry)) continue;
    let response: Response;
    try {
      response = await send(entry);
    } catch {
      result.stopped = true; // offline again: keep this and everything after it, in order
      break;
    }
    if (response.ok) {
      result.sent += 1;
      // Read to the end though unused: an unread body keeps the request open (and the page never idle).
      await response.arrayBuffer().catch(() => undefined);
    } else if (undoneOnPurpose(entry, response)) {
      // The person undid this check-in after it was queued: the server keeps the id as undone, so this
      // stale retry is finished, and nothing needs saying.
    } else if (response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429) {
      // The server will never take this one: tell the person instead of retrying or dropping it silently.
      const rejected: Rejected = { entry, status: response.status, message: await messageOf(response) };
      rejected.seq = await db.add("rejected", rejected);
      result.rejected.push(rejected);
    } else {
      result.stopped = true; // a server error or rate limit: try again later
      break;
    }
    await db.delete("outbox", entry.seq!);
  }
  return result;
}
