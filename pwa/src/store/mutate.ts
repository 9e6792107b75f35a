// Every write the app makes goes through one hook, `useMutate`, online and offline. It sends a call through
// the typed client, or queues an outbox operation (sent now when it can be, later when offline); it keeps the
// busy flag and the last error, and `problemsOf` turns that error into messages for each field and one for the
// rest. Screens say what to write and what to do once it is written; they hold no try/catch of their own.
import { useRef, useState } from "preact/hooks";
import { ApiError, describeError, plainMessage, unwrap } from "../api/client";
import type { QueuedWrite } from "./operations";
import { write as queueWrite, type WriteResult } from "./state";

type Answer<T> = { data?: T; error?: unknown; response: Response };

/** One call through the typed client, e.g. `() => api.PATCH("/api/v1/account", { body })`. */
export type Call<T> = () => Promise<Answer<T>>;

/** A write made of several steps (sign up then sign in; read a file then send it). Each API step awaits its
 * answer with `unwrap`; any step may throw, and what it throws is the error shown. */
export interface Steps<T> {
  steps: () => Promise<T>;
}

/** How a write ended. `queued`: kept in the outbox, to be sent when the network is back. */
export type Outcome<T> = { status: "done"; data: T } | { status: "queued" } | { status: "failed"; error: unknown };

export interface MutationState {
  /** True while the server has not answered: buttons that would write again are disabled. */
  busy: boolean;
  /** The last write's error (an ApiError names its fields), until the next write starts. */
  error: unknown;
}

/** Queues an outbox operation and tries to send it (state.write; tests pass their own). */
export type Queue = (entry: QueuedWrite) => Promise<WriteResult>;

const IDLE: MutationState = { busy: false, error: null };

/** The hook's state and its writes, apart from Preact so that tests drive it directly. */
export class Mutation {
  state: MutationState = IDLE;

  constructor(
    private readonly changed: (state: MutationState) => void = () => undefined,
    private readonly queue: Queue = queueWrite,
  ) {}

  private set(state: MutationState): void {
    this.state = state;
    this.changed(state);
  }

  /** Sends `write` and says how it ended; it never throws. */
  run = async <T = undefined>(write: Call<T> | Steps<T> | QueuedWrite): Promise<Outcome<T>> => {
    this.set({ busy: true, error: null });
    try {
      const outcome: Outcome<T> =
        typeof write === "function"
          ? { status: "done", data: await unwrap(write()) }
          : "steps" in write
            ? { status: "done", data: await write.steps() }
            : await this.queued<T>(write);
      this.set(IDLE);
      return outcome;
    } catch (error) {
      this.set({ busy: false, error });
      return { status: "failed", error };
    }
  };

  private async queued<T>(entry: QueuedWrite): Promise<Outcome<T>> {
    const result = await this.queue(entry);
    // The refusal also stays in the app's list of writes not saved, where it outlives this screen.
    if (result.kind === "refused") throw new ApiError(result.rejected.status, result.rejected.message);
    return result.kind === "queued" ? { status: "queued" } : { status: "done", data: undefined as T };
  }

  /** Shows an error from a step that is not a write (the clipboard, a push subscription). */
  fail = (error: unknown): void => this.set({ busy: false, error });

  clear = (): void => this.set(IDLE);
}

export interface Mutate extends MutationState {
  mutate: Mutation["run"];
  fail: Mutation["fail"];
  clear: Mutation["clear"];
}

/** A screen's writes: `const { mutate, busy, error } = useMutate()`, then `await mutate(() => api.POST(...))`,
 * `await mutate({ steps })` or `await mutate(checkInOperation)`; and `<Field error={error}>` and
 * `<ErrorNote error={error}>` to show what went wrong. */
export function useMutate(): Mutate {
  const [state, setState] = useState<MutationState>(IDLE);
  const mutation = useRef<Mutation | null>(null);
  mutation.current ??= new Mutation(setState);
  const { run, fail, clear } = mutation.current;
  return { ...state, mutate: run, fail, clear };
}

/** An error as a person reads it: a message per field the form shows (`shown`, wire names), and one for the rest. */
export interface Problems {
  byField: Record<string, string>;
  general: string | null;
}

export function problemsOf(error: unknown, shown: readonly string[] = []): Problems {
  if (!error) return { byField: {}, general: null };
  if (!(error instanceof ApiError) || error.errors.length === 0) return { byField: {}, general: describeError(error) || null };
  const byField: Record<string, string> = {};
  const rest: string[] = [];
  for (const { field, message } of error.errors) {
    if (shown.includes(field)) byField[field] ??= plainMessage(message);
    else rest.push(plainMessage(message));
  }
  return { byField, general: rest.join(" ") || null };
}
