// The app's forms, listed. Every <form> carries a data-form name; every edit form (one that changes a stored
// record) must have a save-without-changes round trip in the browser tests (tests/e2e/*.mjs, `roundTrip("name"`).
// A new form fails here until it is listed, and a new edit form until its round trip exists.
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, test } from "vitest";

/** Each form by its data-form name: "edit" changes a stored record, "create" makes a new one or acts. */
const FORMS: Record<string, "edit" | "create"> = {
  "account-profile": "edit",
  "quiet-hours": "edit",
  "barrier-edit": "edit",
  "key-action-edit": "edit",
  "status-change": "edit",
  "channel-events": "edit",
  "check-in-edit": "edit",
  "sign-up": "create",
  "sign-in": "create",
  "barrier-new": "create",
  "key-action-new": "create",
  "reflection-question": "create",
  reflection: "create",
  "weekly-review": "create",
  "check-in": "create",
  "channel-new": "create",
  "webhook-new": "create",
  invite: "create",
  encouragement: "create",
  "token-new": "create",
  "account-delete": "create",
  // Sets a new password: it shows nothing stored, so there is nothing to round-trip.
  "account-password": "create",
  "act-note": "create",
  "act-encourage": "create",
};

const ROOT = resolve(import.meta.dirname, "..");
const E2E = resolve(ROOT, "../tests/e2e");

function sources(dir: string): { path: string; text: string }[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith(".tsx") ? [{ path, text: readFileSync(path, "utf8") }] : [];
  });
}

const app = sources(join(ROOT, "src"));

/** Every form name the app uses: data-form="…" on a <form>, or formName="…" given to a form component. */
function namesInApp(): Set<string> {
  const names = new Set<string>();
  for (const { text } of app) {
    for (const m of text.matchAll(/(?:data-form|formName)="([a-z-]+)"/g)) names.add(m[1]);
    // data-form={cond ? "a" : "b"}: one form element that is two forms by what it does.
    for (const m of text.matchAll(/data-form=\{([^}]*)\}/g)) for (const n of m[1].matchAll(/"([a-z-]+)"/g)) names.add(n[1]);
    // Sign-in and sign-up are one form named after its mode.
    if (/data-form=\{mode\}/.test(text)) ["sign-in", "sign-up"].forEach((n) => names.add(n));
  }
  return names;
}

describe("the app's forms", () => {
  test("every <form> tag carries a data-form name", () => {
    const unnamed = app.flatMap(({ path, text }) =>
      [...text.matchAll(/<form\b[^>]*>/gs)].filter((m) => !/data-form=/.test(m[0])).map((m) => `${path}: ${m[0].slice(0, 60)}`),
    );
    expect(unnamed).toEqual([]);
  });

  test("every form in the app is listed, and every listed form exists", () => {
    const used = [...namesInApp()].sort();
    expect(used).toEqual(Object.keys(FORMS).sort());
  });

  test("every edit form has a save-without-changes round trip in the browser tests", () => {
    const e2e = readdirSync(E2E)
      .filter((f) => f.endsWith(".mjs"))
      .map((f) => readFileSync(join(E2E, f), "utf8"))
      .join("\n");
    const missing = Object.entries(FORMS)
      .filter(([name, kind]) => kind === "edit" && !e2e.includes(`roundTrip("${name}"`))
      .map(([name]) => name);
    expect(missing).toEqual([]);
  });
});
