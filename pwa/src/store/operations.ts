// The writes that may wait in the outbox, typed by what they do rather than by URL. Each is safe to send
// twice: it carries a client-made id the server stores once. `requestOf` is the one place that knows their
// HTTP shape; readers (Today's overlay, the service worker's filter) match on `op`.
import type { Schemas } from "../api/client";

export type Operation =
  | { op: "checkIn"; body: Schemas["CheckInCreate"] }
  | { op: "editCheckIn"; checkInId: string; body: Schemas["CheckInUpdate"] }
  | { op: "undoCheckIn"; checkInId: string }
  | { op: "weeklyReview"; body: Schemas["WeeklyReviewCreate"] }
  /** A reminder's button, answered through its act link (no session needed: the token is the permission). */
  | { op: "act"; token: string; body: Schemas["ActAnswerIn"] };

export type OperationName = Operation["op"];

/** An operation as queued: its client-made id (the one a replay is deduplicated on) and what it is, in words. */
export type QueuedWrite = Operation & {
  id: string;
  /** What the person did, in words, for the pending list and for errors. */
  label: string;
};

export interface HttpRequest {
  method: "POST" | "PATCH" | "DELETE";
  path: string;
  body?: unknown;
}

const checkInPath = (id: string) => `/api/v1/check-ins/${encodeURIComponent(id)}`;

/** The HTTP request that performs an operation. */
export function requestOf(operation: Operation): HttpRequest {
  switch (operation.op) {
    case "checkIn":
      return { method: "POST", path: "/api/v1/check-ins", body: operation.body };
    case "editCheckIn":
      return { method: "PATCH", path: checkInPath(operation.checkInId), body: operation.body };
    case "undoCheckIn":
      return { method: "DELETE", path: checkInPath(operation.checkInId) };
    case "weeklyReview":
      return { method: "POST", path: "/api/v1/weekly-reviews", body: operation.body };
    case "act":
      return { method: "POST", path: `/api/v1/act/${encodeURIComponent(operation.token)}`, body: operation.body };
  }
}

/** Operations that create a record by its client-made id: a 410 answer means that id was undone on purpose. */
export function createsById(operation: Operation): boolean {
  return operation.op === "checkIn" || operation.op === "weeklyReview";
}

/** An entry as versions before typed operations stored it: a method, a path and a body. */
export interface LegacyEntry {
  id: string;
  method: string;
  path: string;
  body?: unknown;
  label: string;
}

/**
 * The typed operation a legacy entry stands for, or null for a shape no version ever queued. Those versions
 * queued only these five writes (check-in, its edit and undo, the weekly review, a reminder's button), so a
 * write queued offline before an update is still sent after it.
 */
export function fromLegacy(entry: LegacyEntry): Operation | null {
  const body = entry.body as never;
  const checkIn = /^\/api\/v1\/check-ins\/([^/]+)$/.exec(entry.path);
  const act = /^\/api\/v1\/act\/([^/]+)$/.exec(entry.path);
  if (entry.method === "POST" && entry.path === "/api/v1/check-ins") return { op: "checkIn", body };
  if (entry.method === "POST" && entry.path === "/api/v1/weekly-reviews") return { op: "weeklyReview", body };
  if (entry.method === "PATCH" && checkIn) return { op: "editCheckIn", checkInId: decodeURIComponent(checkIn[1]), body };
  if (entry.method === "DELETE" && checkIn) return { op: "undoCheckIn", checkInId: decodeURIComponent(checkIn[1]) };
  if (entry.method === "POST" && act) return { op: "act", token: decodeURIComponent(act[1]), body };
  return null;
}
