// The typed API client (types generated from the backend's OpenAPI by openapi-typescript).
import createClient, { type Middleware } from "openapi-fetch";
import type { components, paths } from "./schema";

export type Schemas = components["schemas"];
export type FieldError = Schemas["FieldError"];

/** The session's CSRF token, sent on every write (the cookie alone must not be enough to write). */
export const csrf: { token: string | null } = { token: null };

/** An HTTP answer that is not a success, with the fields the server named. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly errors: FieldError[] = [],
  ) {
    super(errors.length ? `${detail}: ${errors.map((e) => `${e.field}: ${e.message}`).join("; ")}` : detail);
    this.name = "ApiError";
  }

  static from(status: number, body: unknown): ApiError {
    const b = (body ?? {}) as Partial<Schemas["ErrorBody"]>;
    const detail = typeof b.detail === "string" && b.detail ? b.detail : `HTTP ${status}`;
    const errors = Array.isArray(b.errors) ? b.errors : [];
    return new ApiError(status, detail, errors);
  }

  /** The message for one form field (camelCase, as on the wire), if the server named it. */
  field(name: string): string | undefined {
    return this.errors.find((e) => e.field === name)?.message;
  }
}

/** The network could not be reached (offline, DNS, server down): the request never got an answer. */
export class OfflineError extends Error {
  constructor(cause?: unknown) {
    super("You are offline or the server cannot be reached.");
    this.name = "OfflineError";
    this.cause = cause;
  }
}

const csrfHeader: Middleware = {
  onRequest({ request }) {
    if (request.method !== "GET" && request.method !== "HEAD" && csrf.token) {
      request.headers.set("X-CSRF-Token", csrf.token);
    }
    return request;
  },
};

export function makeClient(baseUrl = "", fetchImpl?: typeof fetch) {
  const client = createClient<paths>({
    baseUrl,
    credentials: "same-origin",
    ...(fetchImpl ? { fetch: fetchImpl } : {}),
  });
  client.use(csrfHeader);
  return client;
}

export const api = makeClient(typeof location === "undefined" ? "http://localhost" : location.origin);

type Answer<T> = { data?: T; error?: unknown; response: Response };

/** Awaits an openapi-fetch call: its data, an ApiError for a 4xx/5xx, an OfflineError when no answer came. */
export async function unwrap<T>(call: Promise<Answer<T>>): Promise<T> {
  let answer: Answer<T>;
  try {
    answer = await call;
  } catch (error) {
    if (error instanceof ApiError) throw error;
    throw new OfflineError(error);
  }
  if (!answer.response.ok) throw ApiError.from(answer.response.status, answer.error);
  return answer.data as T;
}

/** A person-readable message for any error from the API. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError || error instanceof OfflineError) return error.message;
  return error instanceof Error ? error.message : String(error);
}
