// The app's IndexedDB: last-seen API answers (so screens open offline) and the outbox of writes.
import { openDB, type DBSchema, type IDBPDatabase, type IDBPTransaction, type StoreNames } from "idb";
import { fromLegacy, type LegacyEntry, type QueuedWrite } from "./operations";

/** A write waiting in the outbox: a typed operation, its order and when it was made. */
export type OutboxEntry = QueuedWrite & {
  seq?: number;
  createdAt: string;
};

export interface Rejected {
  seq?: number;
  entry: OutboxEntry;
  status: number;
  message: string;
}

export interface FtDB extends DBSchema {
  cache: { key: string; value: { key: string; value: unknown; savedAt: string } };
  outbox: { key: number; value: OutboxEntry };
  rejected: { key: number; value: Rejected };
}

export type Db = IDBPDatabase<FtDB>;

// Version 2 stores outbox entries as typed operations; version 1 stored a method and a path.
const VERSION = 2;

export function openDb(name = "followthrough", onBlocking?: () => void): Promise<Db> {
  return openDB<FtDB>(name, VERSION, {
    upgrade(db, oldVersion, _newVersion, transaction) {
      if (oldVersion < 1) {
        db.createObjectStore("cache", { keyPath: "key" });
        db.createObjectStore("outbox", { keyPath: "seq", autoIncrement: true });
        db.createObjectStore("rejected", { keyPath: "seq", autoIncrement: true });
      } else if (oldVersion < 2) {
        void typeStoredWrites(transaction);
      }
    },
    // Another tab or the service worker needs a newer version: let go, so its upgrade is not held up.
    blocking(_current, _blocked, event) {
      (event.target as IDBDatabase).close();
      onBlocking?.();
    },
  });
}

type UpgradeTransaction = IDBPTransaction<FtDB, StoreNames<FtDB>[], "versionchange">;

/** Writes queued by a version before typed operations, rewritten as operations: an update keeps them. */
async function typeStoredWrites(transaction: UpgradeTransaction): Promise<void> {
  const typed = (stored: OutboxEntry): OutboxEntry | null => {
    if ("op" in stored) return stored;
    const legacy = stored as unknown as LegacyEntry & { seq?: number; createdAt: string };
    const operation = fromLegacy(legacy);
    return operation && { ...operation, id: legacy.id, label: legacy.label, seq: legacy.seq, createdAt: legacy.createdAt };
  };
  for (let cursor = await transaction.objectStore("outbox").openCursor(); cursor; cursor = await cursor.continue()) {
    const entry = typed(cursor.value);
    await (entry ? cursor.update(entry) : cursor.delete()); // no version queued another shape
  }
  for (let cursor = await transaction.objectStore("rejected").openCursor(); cursor; cursor = await cursor.continue()) {
    const entry = typed(cursor.value.entry);
    await (entry ? cursor.update({ ...cursor.value, entry }) : cursor.delete());
  }
}

let shared: Promise<Db> | undefined;
export function db(): Promise<Db> {
  shared ??= openDb(undefined, () => {
    shared = undefined; // closed for another context's upgrade: the next use opens the new version
  });
  return shared;
}

export async function cachePut(key: string, value: unknown): Promise<void> {
  await (await db()).put("cache", { key, value, savedAt: new Date().toISOString() });
}

export async function cacheGet<T>(key: string): Promise<T | undefined> {
  return (await (await db()).get("cache", key))?.value as T | undefined;
}

export async function clearAll(): Promise<void> {
  const d = await db();
  await Promise.all([d.clear("cache"), d.clear("outbox"), d.clear("rejected")]);
}
