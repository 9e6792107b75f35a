// End-to-end tests of the PWA against a real backend, in Debian's Chromium (see support.mjs).
//
//   node tests/e2e/run.mjs          (from the repository root, after `npm ci && npm run build` in pwa/)
//
// Screenshots of each screen at 390x844, light and dark, go to test-artifacts/screenshots/. Every screen
// shot is also checked with axe-core in both colour schemes; the last test fails listing any violation.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { axeIncomplete, axeScreens, axeViolations, formatViolations, ROOT } from "./support.mjs";
import "./scenarios.mjs";
import "./forms.mjs";
import "./history.mjs";
import "./act.mjs";
import "./push.mjs";
import "./accounts.mjs";
import "./calendar.mjs";
import "./webhooks.mjs";
import "./imports.mjs";
import "./sso.mjs";

describe("accessibility", () => {
  // Last, so that every screen above has been shot (and checked) by now.
  test("7: no axe-core violations on any screen, light or dark", () => {
    assert.ok(axeScreens.length >= 40, `only ${axeScreens.length} screens were checked`);
    writeFileSync(join(ROOT, "test-artifacts/axe-violations.json"), JSON.stringify(axeViolations, null, 2));
    writeFileSync(join(ROOT, "test-artifacts/axe-incomplete.json"), JSON.stringify(axeIncomplete, null, 2));
    assert.equal(axeViolations.length, 0, `axe-core violations:\n${formatViolations(axeViolations)}`);
  });
});
