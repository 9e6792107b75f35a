import "fake-indexeddb/auto";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { ApiError, makeClient, OfflineError, type Schemas } from "../src/api/client";
import { db } from "../src/store/db";
import { Mutation, type MutationState, problemsOf } from "../src/store/mutate";
import type { QueuedWrite } from "../src/store/operations";
import { pending, rejections } from "../src/store/outbox";
import { session } from "../src/store/state";

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

/** A client whose every request gets `answer` (or fails as a dropped network does). */
const clientAnswering = (answer: () => Response) =>
  makeClient("http://ft.test", async () => answer());

const barrier = { title: "Meetings eat the mornings", level: "personal" as const, keyHolder: "me" as const };

/** A mutation that records each state it passes through. */
function recorded() {
  const states: MutationState[] = [];
  return { states, mutation: new Mutation((s) => states.push(s)) };
}

describe("the mutate hook's writes through the client", () => {
  test("an online write answers with the server's data and ends idle, without an error", async () => {
    const api = clientAnswering(() => json(201, { id: "b1", ...barrier }));
    const { states, mutation } = recorded();
    const outcome = await mutation.run(() => api.POST("/api/v1/barriers", { body: barrier }));
    expect(outcome).toMatchObject({ status: "done", data: { id: "b1" } });
    expect(states).toEqual([
      { busy: true, error: null },
      { busy: false, error: null },
    ]);
  });

  test("a 4xx names its fields: each message goes next to its field, the rest to one general message", async () => {
    const api = clientAnswering(() =>
      json(422, {
        status: 422,
        detail: "Validation failed",
        errors: [
          { field: "title", message: "Expected `str` of length <= 200" },
          { field: "barrierIndex", message: "no such barrier" },
        ],
        requestId: "r1",
      }),
    );
    const { mutation } = recorded();
    const outcome = await mutation.run(() => api.POST("/api/v1/barriers", { body: barrier }));
    expect(outcome.status).toBe("failed");
    expect(mutation.state.busy).toBe(false);
    expect(mutation.state.error).toBeInstanceOf(ApiError);
    expect(problemsOf(mutation.state.error, ["title", "detail"])).toEqual({
      byField: { title: "Use at most 200 characters." },
      general: "No such barrier.",
    });
  });

  test("a network error is kept as an offline error with one general message, and nothing is thrown", async () => {
    const api = makeClient("http://ft.test", async () => {
      throw new TypeError("Failed to fetch");
    });
    const { mutation } = recorded();
    const outcome = await mutation.run(() => api.DELETE("/api/v1/barriers/{barrier_id}", { params: { path: { barrier_id: "b1" } } }));
    expect(outcome.status).toBe("failed");
    expect(mutation.state.error).toBeInstanceOf(OfflineError);
    expect(problemsOf(mutation.state.error, ["title"])).toEqual({
      byField: {},
      general: "You are offline or the server cannot be reached.",
    });
  });

  test("a write of several steps shows what a step threw, in its own words", async () => {
    const { mutation } = recorded();
    const outcome = await mutation.run({
      steps: async () => {
        throw new Error("This zip file cannot be opened.");
      },
    });
    expect(outcome.status).toBe("failed");
    expect(problemsOf(mutation.state.error).general).toBe("This zip file cannot be opened.");
  });

  test("the next write starts without the last one's error", async () => {
    const api = clientAnswering(() => json(201, { id: "b1", ...barrier }));
    const { states, mutation } = recorded();
    mutation.fail(new Error("earlier"));
    await mutation.run(() => api.POST("/api/v1/barriers", { body: barrier }));
    expect(states.slice(1)).toEqual([
      { busy: true, error: null },
      { busy: false, error: null },
    ]);
  });
});

describe("the mutate hook's writes through the outbox", () => {
  const checkIn = (id: string): QueuedWrite => ({
    op: "checkIn",
    id,
    body: { id, keyActionId: "k1", occurrenceAt: "2026-12-01T08:00:00Z", result: "done" } satisfies Schemas["CheckInCreate"],
    label: "Done: Walk",
  });

  beforeEach(async () => {
    session.value = { csrfToken: "t" } as Schemas["SessionOut"];
    const d = await db();
    await Promise.all([d.clear("outbox"), d.clear("rejected")]);
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    session.value = undefined;
  });

  test("offline, the write is queued in the outbox and says so", async () => {
    vi.stubGlobal("fetch", async () => {
      throw new TypeError("Failed to fetch");
    });
    const { mutation } = recorded();
    const outcome = await mutation.run(checkIn("c1"));
    expect(outcome).toEqual({ status: "queued" });
    expect(mutation.state).toEqual({ busy: false, error: null });
    expect((await pending(await db())).map((e) => [e.op, e.id])).toEqual([["checkIn", "c1"]]);
  });

  test("online, the queued write is sent at once to its endpoint and leaves the outbox empty", async () => {
    const sent: [string, string][] = [];
    vi.stubGlobal("fetch", async (path: string, init: RequestInit) => {
      sent.push([String(init.method), path]);
      return json(201, {});
    });
    const { mutation } = recorded();
    expect(await mutation.run(checkIn("c2"))).toEqual({ status: "done", data: undefined });
    expect(sent).toEqual([["POST", "/api/v1/check-ins"]]);
    expect(await pending(await db())).toEqual([]);
  });

  test("a queued write the server refuses fails with its status, and stays listed for the person", async () => {
    vi.stubGlobal("fetch", async () => json(422, { status: 422, detail: "Validation failed", errors: [{ field: "result", message: "bad" }] }));
    const { mutation } = recorded();
    const outcome = await mutation.run(checkIn("c3"));
    expect(outcome.status).toBe("failed");
    expect((mutation.state.error as ApiError).status).toBe(422);
    expect((await rejections(await db())).map((r) => r.entry.id)).toEqual(["c3"]);
  });
});
