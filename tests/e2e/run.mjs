// End-to-end tests of the PWA against a real backend: `followthrough serve` on a temporary SQLite data
// dir and a free port, driven by Debian's Chromium through playwright-core (no browser is downloaded).
//
//   node tests/e2e/run.mjs          (from the repository root, after `npm ci && npm run build` in pwa/)
//
// Screenshots of each screen at 390x844, light and dark, go to test-artifacts/screenshots/. Every screen
// shot is also checked with axe-core in both colour schemes; the last test fails listing any violation.
import { spawn } from "node:child_process";
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer as createHttpServer } from "node:http";
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
// axe-core's source, evaluated through the DevTools protocol (page.evaluate): the app's CSP
// (`script-src 'self'`) would block an injected <script> tag, but not the protocol's own evaluation.
const AXE_SOURCE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
/** Every axe-core violation seen, as {screen, scheme, id, impact, help, nodes}. */
const axeViolations = [];
/** What axe-core could not decide (e.g. contrast over an image), kept for review in test-artifacts/. */
const axeIncomplete = [];
const axeScreens = [];

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
    // Links in invites point at this server; the test receiver on 127.0.0.1 is an allowed channel host.
    env: {
      ...process.env,
      FOLLOWTHROUGH_DATA_DIR: dataDir,
      FOLLOWTHROUGH_PUBLIC_URL: `http://127.0.0.1:${port}`,
      FOLLOWTHROUGH_CHANNEL_ALLOWED_HOSTS: "127.0.0.1",
    },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let log = "";
  child.stderr.on("data", (d) => (log += d));
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`followthrough serve exited:\n${log}`);
    try {
      if ((await fetch(`${base}/health/live`)).ok) return { base, child, dataDir, log: () => log };
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`followthrough serve did not start:\n${log}`);
}

/** A local HTTP receiver for a json:// channel: records every request it gets. */
function startReceiver() {
  const requests = [];
  const server = createHttpServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      requests.push({ method: req.method, url: req.url, body });
      res.writeHead(200, { "content-type": "application/json" });
      res.end("{}");
    });
  });
  return new Promise((ok) => server.listen(0, "127.0.0.1", () => ok({ server, requests, port: server.address().port })));
}

let backend;
let browser;
let receiver;

before(async () => {
  rmSync(SHOTS, { recursive: true, force: true });
  mkdirSync(SHOTS, { recursive: true });
  backend = await startBackend();
  receiver = await startReceiver();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
  });
});

after(async () => {
  await browser?.close();
  receiver?.server.close();
  if (backend) {
    // The server's log is kept next to the screenshots, for when a scenario fails.
    writeFileSync(join(ROOT, "test-artifacts/e2e-backend.log"), backend.log());
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

/** Runs axe-core on the current page and records its violations under `screen`. */
async function checkAxe(page, screen, scheme) {
  if (!(await page.evaluate(() => typeof window.axe === "object"))) await page.evaluate(AXE_SOURCE);
  const { violations, incomplete } = await page.evaluate(async () => {
    const result = await window.axe.run(document, { resultTypes: ["violations", "incomplete"] });
    const brief = (v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target.join(" "), html: n.html.slice(0, 160), summary: n.failureSummary })),
    });
    return { violations: result.violations.map(brief), incomplete: result.incomplete.map(brief) };
  });
  axeScreens.push(`${screen} (${scheme})`);
  for (const v of violations) axeViolations.push({ screen, scheme, ...v });
  for (const v of incomplete) axeIncomplete.push({ screen, scheme, ...v });
}

/** Screenshots of the current screen in light and dark, each checked with axe-core. */
async function shoot(page, name) {
  for (const scheme of ["light", "dark"]) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.screenshot({ path: join(SHOTS, `${name}-${scheme}.png`), fullPage: true });
    await checkAxe(page, name, scheme);
  }
  await page.emulateMedia({ colorScheme: "light" });
}

function formatViolations(violations) {
  return violations
    .map((v) =>
      [`${v.screen} (${v.scheme}): ${v.id} [${v.impact}] ${v.help}`,
        ...v.nodes.map((n) => `    ${n.target}  ${n.html}\n      ${String(n.summary).replace(/\n/g, "\n      ")}`)].join("\n"),
    )
    .join("\n");
}

async function signUp(page, email, name = "Ada", path = "/") {
  await page.goto(path);
  await page.getByRole("heading", { name: "Create an account" }).waitFor();
  await page.getByLabel("Your name").fill(name);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
}

/** Calls the API as the signed-in page (its cookie and CSRF token). */
async function apiGet(context, path) {
  const response = await context.request.get(`${backend.base}${path}`);
  assert.equal(response.status(), 200, `${path}: ${await response.text()}`);
  return response.json();
}

async function createDailyAction(page, title, visibility = "private") {
  // Through the API with the page's session, as the reflection path is covered by scenario 1.
  const today = await page.evaluate(() => {
    const d = new Date();
    return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
  });
  const status = await page.evaluate(
    async ({ title, today, visibility }) => {
      const session = await (await fetch("/api/v1/auth/session")).json();
      const r = await fetch("/api/v1/key-actions", {
        method: "POST",
        headers: { "content-type": "application/json", "x-csrf-token": session.csrfToken },
        body: JSON.stringify({
          title,
          visibility,
          schedule: { kind: "recurring", rrule: "FREQ=DAILY", startsAt: `${today}T00:05:00` },
        }),
      });
      return r.status;
    },
    { title, today, visibility },
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
    await item.getByRole("button", { name: "Partly, not done…: Decide one thing without asking" }).click();
    await item.getByRole("group", { name: "How did it go?" }).waitFor();
    await shoot(page, "04b-today-check-in-menu");
    await item.getByRole("button", { name: "Cancel" }).click();
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

  test("3: a partner accepts an invite, sees only what is shared, and encourages", async () => {
    const ada = await newPage();
    await signUp(ada.page, "ada3@example.com", "Ada");
    await ada.page.getByRole("button", { name: "Create account" }).click();
    await ada.page.getByText("question 1 of 5").waitFor();
    await createDailyAction(ada.page, "Share one draft early", "partners");
    await createDailyAction(ada.page, "Private: talk to my manager about pay", "private");

    await ada.page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Partners" }).click();
    await ada.page.getByRole("heading", { name: "Partners", exact: true }).waitFor();
    await ada.page.getByText("No partner yet. Invite someone below.").waitFor();
    await ada.page.getByLabel("The link works for").selectOption("3");
    await ada.page.getByRole("button", { name: "Create invite link" }).click();
    const link = await ada.page.getByLabel("Invite link (works once)").inputValue();
    assert.match(link, new RegExp(`^${backend.base}/partners/accept#[A-Za-z0-9_-]{20,}$`));
    // No Web Share in headless Chromium: the link is copied or selected for copying.
    await ada.page.getByRole("button", { name: "Share link" }).click();
    await ada.page.getByRole("status").filter({ hasText: /copied|Copy the/ }).waitFor();
    await shoot(ada.page, "14-partners-invite");

    // Ben opens the link signed out, signs up, and lands back on the invite, which is accepted.
    const ben = await newPage();
    await signUp(ben.page, "ben@example.com", "Ben", link.slice(backend.base.length));
    await ben.page.getByText("You have been invited to be someone’s accountability partner.").waitFor();
    await ben.page.getByText("Yes, that is my time zone").check();
    await ben.page.getByRole("button", { name: "Create account" }).click();
    await ben.page.getByText("You now support Ada.").waitFor();
    assert.equal(new URL(ben.page.url()).hash, "", "the token is taken out of the address bar");
    await shoot(ben.page, "15-invite-accepted");
    await ben.page.getByRole("button", { name: "See Ada’s progress" }).click();
    await ben.page.getByRole("heading", { name: "Ada", exact: true }).waitFor();
    await ben.page.getByRole("heading", { name: "Share one draft early" }).waitFor();
    await ben.page.waitForLoadState("networkidle");
    assert.ok(!(await ben.page.content()).includes("talk to my manager"), "a private key action is never shown");
    await shoot(ben.page, "16-supporting-shared-progress");
    await ben.page.getByRole("button", { name: "Keep going!" }).click();
    await ben.page.getByText("Sent to Ada: “Keep going!”").waitFor();
    await ben.page.getByLabel("Or write your own").fill("The draft idea is brave. Ship it!");
    await ben.page.getByRole("button", { name: "Send encouragement" }).click();
    await ben.page.getByText("Sent to Ada: “The draft idea is brave. Ship it!”").waitFor();
    // Past the day's limit (10 per person) the partner is told so plainly, not shown an HTTP error.
    const statuses = await ben.page.evaluate(async () => {
      const session = await (await fetch("/api/v1/auth/session")).json();
      const [supported] = await (await fetch("/api/v1/supporting")).json();
      const view = await (await fetch(`/api/v1/supporting/${supported.id}`)).json();
      const out = [];
      for (let i = 0; i < 8; i++) {
        const r = await fetch(`/api/v1/supporting/${supported.id}/encouragements`, {
          method: "POST",
          headers: { "content-type": "application/json", "x-csrf-token": session.csrfToken },
          body: JSON.stringify({ message: `Extra note ${i}`, keyActionId: view.keyActions[0].id }),
        });
        out.push(r.status);
      }
      return out;
    });
    assert.deepEqual(statuses, Array(8).fill(201));
    await ben.page.getByRole("button", { name: "Small steps count." }).click();
    await ben.page.getByRole("alert").filter({ hasText: "That is a lot of encouragement for one day" }).waitFor();
    await shoot(ben.page, "16b-encouragement-limit");

    await ada.page.reload();
    const received = ada.page.getByTestId("encouragement");
    await received.filter({ hasText: "Keep going!" }).waitFor();
    await received.filter({ hasText: "The draft idea is brave. Ship it!" }).getByText("Ben").waitFor();
    const partner = ada.page.getByTestId("partner").filter({ hasText: "Ben" });
    await partner.waitFor();
    await shoot(ada.page, "17-partners");
    // Hiding an encouragement takes it off the list.
    await ada.page.getByRole("button", { name: "Hide “Keep going!” from Ben" }).click();
    await received.filter({ hasText: "Keep going!" }).waitFor({ state: "detached" });
    await partner.getByRole("link", { name: "Preview what Ben sees" }).click();
    await ada.page.getByRole("heading", { name: "What your partner sees" }).waitFor();
    await ada.page.getByRole("heading", { name: "Share one draft early" }).waitFor();
    await ada.page.waitForLoadState("networkidle");
    assert.ok(!(await ada.page.content()).includes("talk to my manager"));
    await shoot(ada.page, "18-partner-preview");

    assert.deepEqual(ada.problems, []);
    assert.deepEqual(ben.problems, []);
    await ada.context.close();
    await ben.context.close();
  });

  test("4: a json:// channel gets a test message and shows its health", async () => {
    const { context, page, problems } = await newPage();
    await signUp(page, "cleo@example.com", "Cleo");
    await page.getByRole("button", { name: "Create account" }).click();
    await page.getByText("question 1 of 5").waitFor();
    await page.goto("/account");
    await page.getByRole("link", { name: "Notifications" }).click();
    await page.getByRole("heading", { name: "Notifications", exact: true }).waitFor();
    await page.getByText("No channel yet").waitFor();
    await page.getByText("Examples", { exact: true }).click();
    await page.getByRole("button", { name: "Use the ntfy example" }).waitFor();
    await shoot(page, "19-notifications-empty");

    await page.getByLabel("Name").fill("Local receiver");
    await page.getByLabel("Apprise URL").fill(`json://127.0.0.1:${receiver.port}/hook`);
    await page.getByRole("button", { name: "Add channel" }).click();
    const card = page.getByTestId("channel").filter({ hasText: "Local receiver" });
    await card.waitFor();
    const before = receiver.requests.length;
    await card.getByRole("button", { name: "Send test to Local receiver" }).click();
    await card.getByTestId("test-outcome").getByText("Test sent.").waitFor();
    // The card reloads with its health: a last success instead of "never".
    await card.locator("dd").first().filter({ hasNotText: "never" }).waitFor();
    const got = receiver.requests.slice(before).filter((r) => r.url === "/hook");
    assert.equal(got.length, 1);
    assert.equal(got[0].method, "POST");
    assert.equal(JSON.parse(got[0].body).title, "Followthrough test");
    await page.getByRole("heading", { name: "Delivery log" }).waitFor();
    await page.waitForLoadState("networkidle");
    await shoot(page, "20-notifications-channel");

    // Quiet hours and the second nudge are saved on the account.
    await page.getByLabel("From").fill("22:00");
    await page.getByLabel("Until").fill("07:00");
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await page.getByRole("status").filter({ hasText: "Saved." }).waitFor();
    const account = await apiGet(context, "/api/v1/account");
    assert.equal(account.quietHoursStart.slice(0, 5), "22:00");
    assert.equal(account.quietHoursEnd.slice(0, 5), "07:00");
    assert.deepEqual(problems, []);
    await context.close();
  });

  test("6: a push message shows a notification that links into the app", async () => {
    const { context, page, problems } = await newPage();
    await context.grantPermissions(["notifications"], { origin: backend.base });
    await page.goto("/");
    await page.waitForFunction(() => navigator.serviceWorker.controller?.state === "activated", null, { timeout: 20000 });
    const cdp = await context.newCDPSession(page);
    const registered = new Promise((ok) =>
      cdp.on("ServiceWorker.workerRegistrationUpdated", ({ registrations }) => {
        const mine = registrations.find((r) => r.scopeURL === `${backend.base}/` && !r.isDeleted);
        if (mine) ok(mine.registrationId);
      }),
    );
    await cdp.send("ServiceWorker.enable");
    const registrationId = await registered;
    const payload = { title: "Decide one thing", body: "Due in 15 minutes", url: "/today?occurrence=x" };
    await cdp.send("ServiceWorker.deliverPushMessage", { origin: backend.base, registrationId, data: JSON.stringify(payload) });
    let shown = null;
    for (let i = 0; i < 100 && !shown; i++) {
      shown = await page.evaluate(async () => {
        const registration = await navigator.serviceWorker.ready;
        const [n] = await registration.getNotifications();
        return n ? { title: n.title, body: n.body, url: n.data?.url } : null;
      });
      if (!shown) await new Promise((r) => setTimeout(r, 100));
    }
    assert.deepEqual(shown, { ...payload, url: `${backend.base}/today?occurrence=x` });
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

  // Last, so that every screen above has been shot (and checked) by now.
  test("7: no axe-core violations on any screen, light or dark", () => {
    assert.ok(axeScreens.length >= 40, `only ${axeScreens.length} screens were checked`);
    writeFileSync(join(ROOT, "test-artifacts/axe-violations.json"), JSON.stringify(axeViolations, null, 2));
    writeFileSync(join(ROOT, "test-artifacts/axe-incomplete.json"), JSON.stringify(axeIncomplete, null, 2));
    assert.equal(axeViolations.length, 0, `axe-core violations:\n${formatViolations(axeViolations)}`);
  });
});
