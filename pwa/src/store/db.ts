// The app's IndexedDB: last-seen API answers (so screens open offline) and the outbox of writes.
import { openDB, type DBSchema, type IDBPDatabase } from "idb";

export interface OutboxEntry {
  seq?: number;
  /** The client-made UUID the write carries, so a replay is stored once. */
  id: string;
  method: "POST" | "PATCH" | "DELETE";
  path: string;
  body?: unknown;
  /** What the person did, in words, for the pending list and for errors. */
  label: string;
  createdAt: string;
}

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

export function openDb(name = "followthrough"): Promise<Db> {
  return openDB<FtDB>(name, 1, {
    upgrade(db) {
      db.createObjectStore("cache", { keyPath: "key" });
      db.createObjectStore("outbox", { keyPath: "seq", autoIncrement: true });
      db.createObjectStore("rejected", { keyPath: "seq", autoIncrement: true });
    },
  });
}

let shared: Promise<Db> | undefined;
export function db(): Promise<Db> {
  shared ??= openDb();
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
