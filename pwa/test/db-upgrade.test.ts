import "fake-indexeddb/auto";
import { openDB } from "idb";
import { describe, expect, test } from "vitest";
import { openDb } from "../src/store/db";
import { requestOf } from "../src/store/operations";
import { pending, rejections } from "../src/store/outbox";

/** Writes as the versions before typed operations queued them: a method, a path and a body. */
const LEGACY = [
  { id: "c1", method: "POST", path: "/api/v1/check-ins", body: { id: "c1", keyActionId: "k", occurrenceAt: "2026-12-01T08:00:00Z", result: "done" } },
  { id: "e1", method: "PATCH", path: "/api/v1/check-ins/c1", body: { note: "most of it" } },
  { id: "c1", method: "DELETE", path: "/api/v1/check-ins/c1" },
  { id: "w1", method: "POST", path: "/api/v1/weekly-reviews", body: { id: "w1", weekStart: "2026-11-30", confidence: 3, checkIns: [] } },
  { id: "a1", method: "POST", path: "/api/v1/act/AbCdEfGhIjKlMnOpQrStUv", body: { choice: "done", id: "a1" } },
];

async function versionOne(name: string): Promise<void> {
  const old = await openDB(name, 1, {
    upgrade(db) {
      db.createObjectStore("cache", { keyPath: "key" });
      db.createObjectStore("outbox", { keyPath: "seq", autoIncrement: true });
      db.createObjectStore("rejected", { keyPath: "seq", autoIncrement: true });
    },
  });
  for (const entry of LEGACY) await old.add("outbox", { ...entry, label: `legacy ${entry.id}`, createdAt: "2026-12-01T07:00:00Z" });
  await old.add("rejected", { entry: { ...LEGACY[0], label: "Done: Walk", createdAt: "x" }, status: 422, message: "No." });
  old.close();
}

describe("writes queued before an update", () => {
  test("are read as typed operations, in order, and sent to the same endpoints as before", async () => {
    await versionOne("upgrade-1");
    const db = await openDb("upgrade-1");
    const entries = await pending(db);
    expect(entries.map((e) => e.op)).toEqual(["checkIn", "editCheckIn", "undoCheckIn", "weeklyReview", "act"]);
    expect(entries.map((e) => [e.id, e.label, e.createdAt])).toEqual(LEGACY.map((l) => [l.id, `legacy ${l.id}`, "2026-12-01T07:00:00Z"]));
    expect(entries.map(requestOf)).toEqual(LEGACY.map(({ method, path, body }) => (body === undefined ? { method, path } : { method, path, body })));
    db.close();
  });

  test("refused writes kept for the person are typed too", async () => {
    await versionOne("upgrade-2");
    const db = await openDb("upgrade-2");
    const [kept] = await rejections(db);
    expect(kept).toMatchObject({ status: 422, message: "No.", entry: { op: "checkIn", id: "c1", label: "Done: Walk" } });
    db.close();
  });
});
