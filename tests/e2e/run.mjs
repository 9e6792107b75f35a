// End-to-end tests of the PWA against a real backend: `followthrough serve` on a temporary SQLite data
// dir and a free port, driven by Debian's Chromium through playwright-core (no browser is downloaded).
//
//   node tests/e2e/run.mjs          (from the repository root, after `npm ci && npm run build` in pwa/)
//
// Screenshots of each screen at 390x844, light and dark, go to test-artifacts/screenshots/.
import { spawn } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";

const ROOT = resolve(import.meta.dirname, "../..");
const require = createRequire(join(ROOT, "pwa/package.json"));
const { chromium } = require("playwright-core");

const CHROMIUM = process.env.CHROME_PATH || "/usr/bin/chromium";
const SHOTS = join(ROOT, "test-artifacts/screenshots");
const VIEWPORT = { width: 390, height: 844 };
const PASSWORD = "correct horse battery";

function freePort() {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => ok(port));
    });
    server.on("error", fail);
  });
}

async function startBackend() {
  const dataDir = mkdtempSync(join(tmpdir(), "ft-e2e-"));
  const port = await freePort();
  const child = spawn(join(ROOT, ".venv/bin/followthrough"), ["serve", "--host", "127.0.0.1", "--port", String(port)], {
    cwd: ROOT,
    env: { ...process.env, FOLLOWTHROUGH_DATA_DIR: dataDir },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let log = "";
  child.stderr.on("data", (d) => (log += d));
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`followthrough serve exited:\n${log}`);
    try {
      if ((await fetch(`${base}/health/live`)).ok) return { base, child, dataDir };
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`followthrough serve did not start:\n${log}`);
}

let backend;
let browser;

before(async () => {
  rmSync(SHOTS, { recursive: true, force: true });
  mkdirSync(SHOTS, { recursive: true });
  backend = await startBackend();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
  });
});

after(async () => {
  await browser?.close();
  if (backend) {
    backend.child.kill("SIGTERM");
    rmSync(backend.dataDir, { recursive: true, force: true });
  }
});

async function newPage(colorScheme = "light") {
  const context = await browser.newContext({ viewport: VIEWPORT, colorScheme, baseURL: backend.base, serviceWorkers: "allow" });
  const page = await context.newPage();
  const problems = [];
  page.on("pageerror", (e) => problems.push(String(e)));
  page.on("console", (m) => {
    if (m.type() === "error" && !/Failed to load resource|net::ERR_INTERNET_DISCONNECTED/.test(m.text())) problems.push(m.text());
  });
  return { context, page, problems };
}

/** Screenshots of the current screen in light and dark. */
async function shoot(page, name) {
  await page.emulateMedia({ colorScheme: "light" });
  await page.screenshot({ path: join(SHOTS, `${name}-light.png`), fullPage: true });
  await page.emulateMedia({ colorScheme: "dark" });
  await page.screenshot({ path: join(SHOTS, `${name}-dark.png`), fullPage: true });
  await page.emulateMedia({ colorScheme: "light" });
}

async function signUp(page, email) {
  await page.goto("/");
  await page.getByRole("heading", { name: "Create an account" }).waitFor();
  await page.getByLabel("Your name").fill("Ada");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
}

/** Calls the API as the signed-in page (its cookie and CSRF token). */
async function apiGet(context, path) {
  const response = await context.request.get(`${backend.base}${path}`);
  assert.equal(response.status(), 200, `${path}: ${await response.text()}`);
  return response.json();
}

async function createDailyAction(page, title) {
  // Through the API with the page's session, as the reflection path is covered by scenario 1.
  const today = await page.evaluate(() => {
    const d = new Date();
    return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
  });
  const status = await page.evaluate(
    async ({ title, today }) => {
      const session = await (await fetch("/api/v1/auth/session")).json();
      const r = await fetch("/api/v1/key-actions", {
        method: "POST",
        headers: { "content-type": "application/json", "x-csrf-token": session.csrfToken },
        body: JSON.stringify({ title, schedule: { kind: "recurring", rrule: "FREQ=DAILY", startsAt: `${today}T00:05:00` } }),
      });
      return r.status;
    },
    { title, today },
  );
  assert.equal(status, 201);
}

describe("the PWA against the real backend", () => {
  test("1: sign up, reflect, create a key action and check in", async () => {
    const { context, page, problems } = await newPage();
    await page.goto("/");
    await page.getByRole("heading", { name: "Create an account" }).waitFor();
    await shoot(page, "01-sign-up");
    await signUp(page, "ada@example.com");
    await page.getByText("Yes, that is my time zone").check();
    await page.getByRole("button", { name: "Create account" }).click();

    const answers = [
      "Procurement rules that reward the lowest bid",
      "Meetings that decide nothing",
      "I wait for permission",
      "Clear ownership of decisions",
      "Starting before I feel ready",
    ];
    for (const [i, answer] of answers.entries()) {
      await page.getByText(`question ${i + 1} of 5`).waitFor();
      if (i === 0) await shoot(page, "02-reflection-question");
      await page.getByRole("textbox").fill(answer);
      await page.getByRole("button", { name: "Next" }).click();
    }
    await page.getByRole("heading", { name: "What are you doing about it?" }).waitFor();
    await page.getByLabel("What will you do?").fill("Decide one thing without asking");
    await page.getByLabel("Which barrier does it work on?").selectOption({ label: "personal: I wait for permission" });
    await page.getByLabel("When …, I will … (optional)").fill("I open my laptop in the morning");
    await page.getByText("Every day").check();
    await page.getByLabel("Time", { exact: true }).fill("00:05");
    await page.getByText("So: every day at 0:05.").waitFor();
    await shoot(page, "03-key-action");
    await page.getByRole("button", { name: "Save reflection and key action" }).click();

    await page.getByRole("heading", { name: "Today" }).waitFor();
    const item = page.locator(".agenda-item", { hasText: "Decide one thing without asking" });
    await item.waitFor();
    await shoot(page, "04-today");
    await item.getByRole("button", { name: "Done: Decide one thing without asking" }).click();
    await item.locator(".result", { hasText: "Done" }).waitFor();
    await item.getByRole("button", { name: /Undo/ }).waitFor();
    await page.getByTestId("pending-sync").waitFor({ state: "detached" });
    await shoot(page, "05-today-checked-in");
    // Undo takes the check-in back on the server; checking in again stores a new one.
    await item.getByRole("button", { name: "Undo check-in for Decide one thing without asking" }).click();
    await item.getByRole("button", { name: "Done: Decide one thing without asking" }).waitFor();
    await page.getByTestId("pending-sync").waitFor({ state: "detached" });
    assert.equal((await apiGet(context, "/api/v1/check-ins")).total, 0);
    await item.getByRole("button", { name: "Done: Decide one thing without asking" }).click();
    await item.locator(".result", { hasText: "Done" }).waitFor();
    await page.getByTestId("pending-sync").waitFor({ state: "detached" });

    const barriers = await apiGet(context, "/api/v1/barriers");
    assert.deepEqual(
      barriers.items.map((b) => [b.level, b.title]).sort(),
      [
        ["industry", answers[0]],
        ["organization", answers[1]],
        ["personal", answers[2]],
      ].sort(),
    );
    const checkIns = await apiGet(context, "/api/v1/check-ins");
    assert.equal(checkIns.total, 1);
    assert.equal(checkIns.items[0].result, "done");

    for (const [link, path, heading, name] of [
      ["Actions", "/actions", "Key actions", "06-actions"],
      ["Barriers", "/barriers", "Barriers", "07-barriers"],
      ["Review", "/review", "Weekly review", "08-review"],
      ["Progress", "/progress", "Progress", "09-progress"],
      ["Account", "/account", "Account", "10-account"],
    ]) {
      await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: link }).click();
      await page.getByRole("heading", { name: heading, exact: true }).waitFor();
      assert.equal(new URL(page.url()).pathname, path);
      await page.waitForLoadState("networkidle");
      await shoot(page, name);
    }
    const action = (await apiGet(context, "/api/v1/key-actions")).items[0];
    await page.goto(`/actions/${action.id}`);
    await page.getByText("every day at 0:05").waitFor();
    await shoot(page, "11-action-detail");
    const barrier = barriers.items.find((b) => b.level === "personal");
    await page.goto(`/barriers/${barrier.id}`);
    await page.getByRole("heading", { name: barrier.title }).waitFor();
    await page.getByLabel("Status").selectOption("loosening");
    await page.getByLabel("Why? (optional)").fill("I asked less this week");
    await page.getByRole("button", { name: "Change status" }).click();
    await page.getByText("holding → loosening — I asked less this week").waitFor();
    await shoot(page, "12-barrier-detail");
    assert.deepEqual(problems, []);
    await context.close();
  });

  test("2: check-ins made offline sync later, exactly once each", async () => {
    const { context, page, problems } = await newPage();
    await signUp(page, "grace@example.com");
    await page.getByRole("button", { name: "Create account" }).click();
    await page.getByText("question 1 of 5").waitFor();
    await createDailyAction(page, "Write the weekly note");
    await createDailyAction(page, "Ask one question in the meeting");
    await page.goto("/today");
    await page.locator(".agenda-item").nth(1).waitFor();
    // The service worker must control the page before it can serve the app offline.
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 20000 });

    await context.setOffline(true);
    await page.evaluate(() => window.dispatchEvent(new Event("offline")));
    for (const title of ["Write the weekly note", "Ask one question in the meeting"]) {
      const item = page.locator(".agenda-item", { hasText: title });
      await item.getByRole("button", { name: `Done: ${title}` }).click();
      await item.getByText("(pending sync)").waitFor();
    }
    await page.getByTestId("pending-sync").getByText("2 pending sync").waitFor();
    await shoot(page, "13-today-offline");

    await page.reload();
    await page.getByRole("heading", { name: "Today" }).waitFor();
    await page.getByText("Offline: showing what was last seen.").waitFor();
    await page.getByTestId("pending-sync").getByText("2 pending sync").waitFor();
    assert.equal(await page.locator(".agenda-item .pending").count(), 2);

    await context.setOffline(false);
    await page.evaluate(() => window.dispatchEvent(new Event("online")));
    await page.getByTestId("pending-sync").waitFor({ state: "detached" });
    // A second replay trigger must not send anything twice.
    await page.evaluate(() => document.dispatchEvent(new Event("visibilitychange")));
    await page.reload();
    await page.locator(".agenda-item").nth(1).waitFor();

    const checkIns = await apiGet(context, "/api/v1/check-ins");
    assert.equal(checkIns.total, 2);
    const actions = (await apiGet(context, "/api/v1/key-actions")).items;
    assert.deepEqual(
      checkIns.items.map((c) => actions.find((a) => a.id === c.keyActionId).title).sort(),
      ["Ask one question in the meeting", "Write the weekly note"],
    );
    assert.ok(checkIns.items.every((c) => c.result === "done"));
    assert.deepEqual(problems, []);
    await context.close();
  });

  test("5: the service worker is active and the manifest is valid", async () => {
    const { context, page } = await newPage();
    await page.goto("/");
    await page.waitForFunction(() => navigator.serviceWorker.controller?.state === "activated", null, { timeout: 20000 });
    const state = await page.evaluate(async () => {
      const registration = await navigator.serviceWorker.ready;
      return { state: registration.active?.state, scope: registration.scope };
    });
    assert.equal(state.state, "activated");
    assert.equal(state.scope, `${backend.base}/`);

    const href = await page.locator('link[rel="manifest"]').getAttribute("href");
    const response = await context.request.get(new URL(href, backend.base).href);
    assert.equal(response.status(), 200);
    assert.match(response.headers()["content-type"], /application\/manifest\+json/);
    const manifest = await response.json();
    assert.equal(manifest.name, "Followthrough");
    assert.equal(manifest.display, "standalone");
    assert.ok(manifest.start_url && manifest.theme_color && manifest.background_color);
    const sizes = manifest.icons.map((i) => `${i.sizes} ${i.purpose}`);
    assert.ok(sizes.includes("192x192 any") && sizes.includes("512x512 any") && sizes.includes("512x512 maskable"));
    for (const icon of manifest.icons) {
      const r = await context.request.get(new URL(icon.src, backend.base).href);
      assert.equal(r.status(), 200, icon.src);
      const body = await r.body();
      assert.equal(body.subarray(1, 4).toString(), "PNG");
      const [w, h] = [body.readUInt32BE(16), body.readUInt32BE(20)];
      assert.equal(`${w}x${h}`, icon.sizes);
    }
    // The app's HTML carries the strict policy and the service worker is revalidated on every load.
    const html = await context.request.get(`${backend.base}/today`);
    assert.match(html.headers()["content-security-policy"], /script-src 'self'/);
    assert.equal((await context.request.get(`${backend.base}/sw.js`)).headers()["cache-control"], "no-cache");
    await context.close();
  });
});
