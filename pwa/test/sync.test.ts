import "fake-indexeddb/auto";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import type { Schemas } from "../src/api/client";
import { db } from "../src/store/db";
import type { QueuedWrite } from "../src/store/operations";
import { onSynced, outbox, session, write } from "../src/store/state";

const checkIn = (id: string): QueuedWrite => ({
  op: "checkIn",
  id,
  body: { id, keyActionId: "k1", occurrenceAt: "2026-12-01T08:00:00Z", result: "done" },
  label: "Done: Walk",
});

describe("a sync and the screens' data", () => {
  beforeEach(async () => {
    session.value = { csrfToken: "t" } as Schemas["SessionOut"];
    const d = await db();
    await Promise.all([d.clear("outbox"), d.clear("rejected")]);
    vi.stubGlobal("fetch", async () => new Response("{}", { status: 201 }));
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    session.value = undefined;
  });

  test("a sent write stays in the overlay until the screens' new fetch has answered", async () => {
    const atRefetch: string[][] = [];
    let answer!: () => void;
    const stop = onSynced(() => {
      atRefetch.push(outbox.value.map((e) => e.id));
      return new Promise<void>((resolve) => (answer = resolve));
    });
    try {
      const written = write(checkIn("c1"));
      await vi.waitFor(() => expect(atRefetch).toHaveLength(1));
      expect(atRefetch[0]).toEqual(["c1"]); // Today still shows it done while it fetches again
      await new Promise((r) => setTimeout(r, 20));
      expect(outbox.value.map((e) => e.id)).toEqual(["c1"]);
      answer();
      expect(await written).toEqual({ kind: "sent" });
      expect(outbox.value).toEqual([]);
    } finally {
      stop();
    }
  });
});
