// The typed API client (types generated from the backend's OpenAPI by openapi-typescript).
import createClient, { type Middleware } from "openapi-fetch";
import type { components, paths } from "./schema";

export type Schemas = components["schemas"];
export type FieldError = Schemas["FieldError"];

/** The session's CSRF token, sent on every write (the cookie alone must not be enough to write). */
export const csrf: { token: string | null } = { token: null };

/** msgspec's validator wording, and what a person should read instead. */
const VALIDATOR_WORDS: [RegExp, (...groups: string[]) => string][] = [
  [/^Expected `(?:str|array)` of length >= (\d+)/, (n) => (n === "1" ? "This is required." : `Use at least ${n} characters.`)],
  [/^Expected `(?:str|array)` of length <= (\d+)/, (n) => `Use at most ${n} characters.`],
  [/^Expected `(?:int|float|number)` >= (-?[\d.]+)/, (n) => `Use a number of at least ${n}.`],
  [/^Expected `(?:int|float|number)` <= (-?[\d.]+)/, (n) => `Use a number of at most ${n}.`],
  [/^Expected `int`/, () => "Use a whole number."],
  [/^Expected `(?:float|number)`/, () => "Use a number."],
  [/^Expected `bool`/, () => "Choose yes or no."],
  [/^Expected `str`/, () => "Use text here."],
  [/^Expected `(?:array|object)`/, () => "This value has the wrong shape."],
  [/^Object missing required field/, () => "This is required."],
  [/^Invalid enum value/, () => "Choose one of the options."],
  [/^Invalid (?:RFC 3339|RFC3339|ISO 8601)[^\n]*(?:date|time)/i, () => "Use a valid date and time."],
  [/^Invalid UUID/i, () => "This id is not valid."],
];

/** A server message as a sentence a person reads under a field: validator wording replaced, first letter
 * capitalised, one full stop. */
export function plainMessage(message: string): string {
  for (const [pattern, words] of VALIDATOR_WORDS) {
    const m = message.match(pattern);
    if (m) return words(...m.slice(1));
  }
  const text = message.trim().replace(/\.$/, "");
  return text ? `${text.charAt(0).toUpperCase()}${text.slice(1)}.` : "This value is not accepted.";
}

/** An HTTP answer that is not a success, with the fields the server named. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly errors: FieldError[] = [],
    /** Seconds to wait before trying again, when the server said (Retry-After on a 429 or 503). */
    readonly retryAfter: number | null = null,
  ) {
    // Each problem once, in plain words: not the server's joined `detail`, which repeats the field errors.
    super(errors.length ? errors.map((e) => plainMessage(e.message)).join(" ") : plainMessage(detail));
    this.name = "ApiError";
  }

  static from(status: number, body: unknown, headers?: Headers): ApiError {
    const b = (body ?? {}) as Partial<Schemas["ErrorBody"]>;
    const detail =
      typeof b.detail === "string" && b.detail
        ? b.detail
        : status >= 500
          ? `The server could not answer (HTTP ${status}); try again in a moment`
          : `The server refused this (HTTP ${status})`;
    const errors = Array.isArray(b.errors) ? b.errors : [];
    return new ApiError(status, detail, errors, retryAfterSeconds(headers?.get("Retry-After") ?? null));
  }

  /** The message for one form field (camelCase, as on the wire), in plain words, if the server named it. */
  field(name: string): string | undefined {
    const found = this.errors.find((e) => e.field === name);
    return found && plainMessage(found.message);
  }

  /** The problems not about any of `shown` (fields that show their own message), in plain words. */
  others(shown: readonly string[]): string[] {
    return this.errors.filter((e) => !shown.includes(e.field)).map((e) => plainMessage(e.message));
  }
}

/** A Retry-After header as seconds from `now`: it holds either a number of seconds or an HTTP date. */
export function retryAfterSeconds(header: string | null, now: number = Date.now()): number | null {
  if (!header) return null;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text);
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - now) / 1000));
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
  if (!answer.response.ok) throw ApiError.from(answer.response.status, answer.error, answer.response.headers);
  return answer.data as T;
}

/** A person-readable message for any error from the API. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError || error instanceof OfflineError) return error.message;
  return error instanceof Error ? error.message : String(error);
}
