import "fake-indexeddb/auto";
import { beforeEach, describe, expect, test } from "vitest";
import { openDb, type Db, type OutboxEntry } from "../src/store/db";
import type { QueuedWrite } from "../src/store/operations";
import { enqueue, pending, rejections, replay } from "../src/store/outbox";

let db: Db;
let n = 0;
beforeEach(async () => {
  db = await openDb(`test-${++n}`);
});

const checkIn = (id: string): QueuedWrite => ({
  id,
  op: "checkIn",
  body: { id, keyActionId: "k", occurrenceAt: "2026-12-01T08:00:00Z", result: "done" },
  label: `check-in ${id}`,
});
const answer = (status: number, body: unknown = {}) => new Response(JSON.stringify(body), { status });

describe("the outbox", () => {
  test("replays first in, first out, and empties on success", async () => {
    for (const id of ["a", "b", "c"]) await enqueue(db, checkIn(id));
    const seen: string[] = [];
    const result = await replay(db, async (e) => {
      seen.push(e.id);
      return answer(201);
    });
    expect(seen).toEqual(["a", "b", "c"]);
    expect(result).toEqual({ sent: 3, rejected: [], stopped: false });
    expect(await pending(db)).toEqual([]);
  });

  test("stops at the first network error and keeps the rest in order", async () => {
    for (const id of ["a", "b", "c"]) await enqueue(db, checkIn(id));
    const seen: string[] = [];
    const result = await replay(db, async (e) => {
      seen.push(e.id);
      if (e.id === "b") throw new TypeError("Failed to fetch");
      return answer(201);
    });
    expect(seen).toEqual(["a", "b"]);
    expect(result.stopped).toBe(true);
    expect((await pending(db)).map((e) => e.id)).toEqual(["b", "c"]);
  });

  test("a server error stops the replay without losing the write", async () => {
    await enqueue(db, checkIn("a"));
    const result = await replay(db, async () => answer(503));
    expect(result.stopped).toBe(true);
    expect((await pending(db)).map((e) => e.id)).toEqual(["a"]);
  });

  test("a 4xx is kept for the person with the server's words, and the rest still goes", async () => {
    await enqueue(db, checkIn("a"));
    await enqueue(db, checkIn("b"));
    const result = await replay(db, async (e) =>
      e.id === "a"
        ? answer(422, { status: 422, detail: "Validation failed", errors: [{ field: "occurrenceAt", message: "not a due time" }] })
        : answer(201),
    );
    expect(result.sent).toBe(1);
    expect(await pending(db)).toEqual([]);
    const kept = await rejections(db);
    expect(kept).toHaveLength(1);
    expect(kept[0].entry.id).toBe("a");
    expect(kept[0].status).toBe(422);
    expect(kept[0].message).toBe("Validation failed — occurrenceAt: not a due time");
  });

  test("two replays at once send each write once", async () => {
    for (const id of ["a", "b"]) await enqueue(db, checkIn(id));
    const seen: string[] = [];
    const send = async (e: OutboxEntry) => {
      seen.push(e.id);
      await new Promise((r) => setTimeout(r, 5));
      return answer(201);
    };
    await Promise.all([replay(db, send), replay(db, send), replay(db, send)]);
    expect(seen).toEqual(["a", "b"]);
  });

  test("a write queued while a replay runs is sent by one more pass, not left waiting", async () => {
    await enqueue(db, checkIn("a"));
    const seen: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const send = async (e: OutboxEntry) => {
      seen.push(e.id);
      if (e.id === "a") await held; // the first pass is mid-send when "b" is queued
      return answer(201);
    };
    const first = replay(db, send);
    await new Promise((r) => setTimeout(r, 5));
    await enqueue(db, checkIn("b"));
    const second = replay(db, send);
    const third = replay(db, send); // asked for meanwhile too: shares the same extra pass
    release();
    expect(await first).toEqual({ sent: 1, rejected: [], stopped: false });
    expect(await second).toEqual({ sent: 1, rejected: [], stopped: false });
    expect(await third).toEqual({ sent: 1, rejected: [], stopped: false });
    expect(seen).toEqual(["a", "b"]);
    expect(await pending(db)).toEqual([]);
  });

  test("entries carry their client id and a creation time", async () => {
    const made = await enqueue(db, checkIn("x"));
    expect(made.seq).toBeTypeOf("number");
    expect(made.createdAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect((await pending(db))[0]).toMatchObject({ id: "x", op: "checkIn" });
  });
});

describe("the outbox shared with the service worker", () => {
  const act = (id: string): QueuedWrite => ({ id, op: "act", token: `tok${id}`, body: { choice: "done", id }, label: `Done ${id}` });

  test("a replayer sends only what it may and leaves the rest in order", async () => {
    await enqueue(db, checkIn("a"));
    await enqueue(db, act("b"));
    await enqueue(db, checkIn("c"));
    const seen: string[] = [];
    const result = await replay(
      db,
      async (e) => {
        seen.push(e.id);
        return answer(200);
      },
      (e) => e.op === "act",
    );
    expect(seen).toEqual(["b"]);
    expect(result).toEqual({ sent: 1, rejected: [], stopped: false });
    expect((await pending(db)).map((e) => e.id)).toEqual(["a", "c"]);
    await replay(db, async () => answer(201));
    expect(await pending(db)).toEqual([]);
  });

  test("the page and the worker take turns through the browser's lock", async () => {
    const held: string[] = [];
    const locks = {
      request: async <T>(name: string, work: () => Promise<T>) => {
        held.push(name);
        return work();
      },
    };
    const saved = Object.getOwnPropertyDescriptor(globalThis, "navigator");
    Object.defineProperty(globalThis, "navigator", { value: { locks }, configurable: true });
    try {
      await enqueue(db, act("a"));
      await replay(db, async () => answer(200));
    } finally {
      if (saved) Object.defineProperty(globalThis, "navigator", saved);
      else delete (globalThis as { navigator?: unknown }).navigator;
    }
    expect(held).toEqual(["followthrough-outbox"]);
    expect(await pending(db)).toEqual([]);
  });

  test("a check-in the person undid (410 on its id) is dropped quietly, and the rest still goes", async () => {
    await enqueue(db, checkIn("undone"));
    await enqueue(db, checkIn("b"));
    const result = await replay(db, async (e) =>
      e.id === "undone" ? answer(410, { status: 410, detail: "id: this check-in was undone" }) : answer(201),
    );
    expect(result).toEqual({ sent: 1, rejected: [], stopped: false });
    expect(await pending(db)).toEqual([]);
    expect(await rejections(db)).toEqual([]);
  });

  test("an answer the server refuses (an expired link) is kept for the person, not retried", async () => {
    await enqueue(db, act("a"));
    const result = await replay(db, async () => answer(410, { status: 410, detail: "This link has expired." }));
    expect(result.rejected.map((r) => [r.entry.id, r.message])).toEqual([["a", "This link has expired."]]);
    expect(await pending(db)).toEqual([]);
  });
});
