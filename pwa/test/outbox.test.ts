import "fake-indexeddb/auto";
import { beforeEach, describe, expect, test } from "vitest";
import { openDb, type Db, type OutboxEntry } from "../src/store/db";
import { enqueue, pending, rejections, replay } from "../src/store/outbox";

let db: Db;
let n = 0;
beforeEach(async () => {
  db = await openDb(`test-${++n}`);
});

const checkIn = (id: string) => ({ id, method: "POST" as const, path: "/api/v1/check-ins", body: { id }, label: `check-in ${id}` });
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

  test("entries carry their client id and a creation time", async () => {
    const made = await enqueue(db, checkIn("x"));
    expect(made.seq).toBeTypeOf("number");
    expect(made.createdAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect((await pending(db))[0]).toMatchObject({ id: "x", method: "POST", path: "/api/v1/check-ins" });
  });
});
