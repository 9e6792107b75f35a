// What every browser scenario shares: one `followthrough serve` on a temporary SQLite data dir and a free
// port, one Debian Chromium driven through playwright-core (no browser is downloaded), a local receiver for
// json:// channels, screenshots with axe-core checks, and API calls made with a page's own session.
import { spawn } from "node:child_process";
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer as createHttpServer } from "node:http";
import { createServer } from "node:net";
import { setPriority, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, afterEach, before } from "node:test";
import assert from "node:assert/strict";

export const ROOT = resolve(import.meta.dirname, "../..");
const require = createRequire(join(ROOT, "pwa/package.json"));
const { chromium } = require("playwright-core");

const CHROMIUM = process.env.CHROME_PATH || "/usr/bin/chromium";
export const SHOTS = join(ROOT, "test-artifacts/screenshots");
/** What a failed test leaves behind: each page it had open (screenshot and text) and what its browser asked
 * the server, timed by the wall clock like the lines of e2e-backend.log. */
const FAILURES = join(ROOT, "test-artifacts/failures");
const VIEWPORT = { width: 390, height: 844 };
export const PASSWORD = "correct horse battery";
// axe-core's source, evaluated through the DevTools protocol (page.evaluate): the app's CSP
// (`script-src 'self'`) would block an injected <script> tag, but not the protocol's own evaluation.
const AXE_SOURCE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
/** Every axe-core violation seen, as {screen, scheme, id, impact, help, nodes}. */
export const axeViolations = [];
/** What axe-core could not decide (e.g. contrast over an image), kept for review in test-artifacts/. */
export const axeIncomplete = [];
export const axeScreens = [];

export function freePort() {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => ok(port));
    });
    server.on("error", fail);
  });
}

/** `niceness` above 0 starts it at a lower CPU priority, for a server started ahead of need (backendSoon). */
export async function startBackend(extraEnv = {}, { niceness = 0 } = {}) {
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
      // Every scenario signs up from 127.0.0.1; the per-address limit is for strangers, not for this suite.
      FOLLOWTHROUGH_SIGN_UPS_PER_ADDRESS: "1000",
      // The cheap argon2 parameters, as in pytest and the schemathesis run: the suite signs up and in about 45
      // times, 0.3 CPU seconds each at the real cost, and no scenario is about the hash.
      FOLLOWTHROUGH_PASSWORD_HASH_COST: "low",
      // Web Push stays off with an http: public URL and no contact address (push services refuse those).
      FOLLOWTHROUGH_VAPID_SUBJECT: "mailto:e2e@example.com",
      ...extraEnv,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  if (niceness) lowerPriority(child, niceness);
  // Both streams, each line stamped: uvicorn's access log (stdout) says which answers a failing page got.
  const lines = [];
  for (const stream of [child.stdout, child.stderr]) {
    let partial = "";
    stream.on("data", (d) => {
      const parts = (partial + d).split("\n");
      partial = parts.pop();
      for (const line of parts) lines.push(`${clock()} ${line}`);
    });
  }
  const log = () => lines.join("\n");
  const base = `http://127.0.0.1:${port}`;
  // Up to three minutes: on a busy machine, importing, migrating a fresh database and starting the worker
  // have taken over a minute.
  for (const deadline = Date.now() + 180_000; Date.now() < deadline; ) {
    if (child.exitCode !== null) throw new Error(`followthrough serve exited:\n${log()}`);
    try {
      if ((await fetch(`${base}/health/live`)).ok) return { base, child, dataDir, log };
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill("SIGTERM");
  rmSync(dataDir, { recursive: true, force: true });
  throw new Error(`followthrough serve did not start:\n${log()}`);
}

/** Lets a process started ahead of need take only the CPU the running scenario leaves (best effort). */
export function lowerPriority(child, niceness = 5) {
  try {
    setPriority(child.pid, niceness);
  } catch {
    /* not allowed here: it simply runs at the usual priority */
  }
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

export let backend;
export let browser;
export let receiver;

/** Servers with other settings, for the few scenarios that need one (see backendSoon). */
const laterStarts = [];
const otherBackends = [];
let stopping = false;

/**
 * A server with other settings for a scenario that needs one. Each start costs what the main one's does
 * (imports, migrations, the worker: a minute on a busy machine), so these start in the background, one after
 * another, once the main server is up, at a lower CPU priority so that they slow the running scenarios as
 * little as possible, and the scenarios before the one that needs it hide the wait. Call at
 * a module's top level; `env` may be a function (run at start), and `prepare(server)` runs once it is up.
 */
export function backendSoon(env, prepare = async () => undefined) {
  let go;
  const ready = new Promise((ok) => (go = ok)).then(async () => {
    const server = await startBackend(typeof env === "function" ? await env() : env, { niceness: 5 });
    otherBackends.push(server);
    await prepare(server);
    return server;
  });
  // A failed start is reported by the scenario that awaits it, not as an unhandled rejection here.
  ready.catch(() => undefined);
  laterStarts.push({ go, ready, started: false });
  return ready;
}

before(async () => {
  rmSync(SHOTS, { recursive: true, force: true });
  mkdirSync(SHOTS, { recursive: true });
  rmSync(FAILURES, { recursive: true, force: true });
  backend = await startBackend();
  // In turn, not all at once: they share the machine with the scenarios that run meanwhile.
  void laterStarts.reduce(
    (previous, later) =>
      previous.then(() => {
        if (stopping) return undefined;
        later.started = true;
        later.go();
        return later.ready.catch(() => undefined);
      }),
    Promise.resolve(),
  );
  receiver = await startReceiver();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
  });
});

after(async () => {
  writeContactSheet();
  await browser?.close();
  receiver?.server.close();
  // A start still under way (its scenario was filtered out) is let finish, so that its server is stopped too.
  stopping = true;
  await Promise.allSettled(laterStarts.filter((later) => later.started).map((later) => later.ready));
  for (const [i, server] of otherBackends.entries()) {
    writeFileSync(join(ROOT, `test-artifacts/e2e-backend-other-${i + 1}.log`), server.log());
    server.child.kill("SIGTERM");
    rmSync(server.dataDir, { recursive: true, force: true });
  }
  if (backend) {
    // The server's log is kept next to the screenshots, for when a scenario fails.
    writeFileSync(join(ROOT, "test-artifacts/e2e-backend.log"), backend.log());
    backend.child.kill("SIGTERM");
    rmSync(backend.dataDir, { recursive: true, force: true });
  }
});

/** The wall-clock time of day, to the millisecond: the browser's events and the server's lines line up. */
const clock = () => new Date().toISOString().slice(11, 23);

/** Contexts made by newPage and not closed yet, each with what its pages did. Every test closes its contexts
 * when it passes, so one still open after a test belongs to a test that failed. */
const openContexts = new Map();

afterEach(async (t) => {
  for (const [context, events] of openContexts) {
    mkdirSync(FAILURES, { recursive: true });
    const name = t.name.replace(/[^A-Za-z0-9]+/g, "-").slice(0, 60);
    for (const [i, page] of context.pages().entries()) {
      // Bounded: a page that broke the test may not answer at all.
      await page.screenshot({ path: join(FAILURES, `${name}-page${i}.png`), fullPage: true, timeout: 10_000 }).catch(() => undefined);
      const text = await Promise.race([
        page.locator("body").innerText({ timeout: 5_000 }),
        new Promise((ok) => setTimeout(() => ok("(no answer)"), 6_000)),
      ]).catch((e) => `(unreadable: ${e})`);
      events.push(`${clock()} page ${i} is at ${page.url()} and shows:\n${text}`);
    }
    writeFileSync(join(FAILURES, `${name}.log`), `${events.join("\n")}\n`);
    // Closed here, so its timers and requests do not run on into the next test.
    await context.close().catch(() => undefined);
    openContexts.delete(context);
  }
});

/** Keeps the requests, answers, navigations and console lines of a context's pages, for afterEach. */
function recordEvents(context) {
  const events = [];
  const note = (line) => events.push(`${clock()} ${line}`);
  const where = (url) => url.replace(backend.base, "");
  context.on("request", (r) => note(`> ${r.method()} ${where(r.url())}`));
  context.on("response", (r) => note(`< ${r.status()} ${r.request().method()} ${where(r.url())}`));
  context.on("requestfailed", (r) => note(`! ${r.method()} ${where(r.url())}: ${r.failure()?.errorText}`));
  context.on("page", (page) => {
    page.on("framenavigated", (f) => f === page.mainFrame() && note(`at ${where(f.url())}`));
    page.on("console", (m) => note(`console.${m.type()}: ${m.text()}`));
    page.on("pageerror", (e) => note(`page error: ${e}`));
  });
  context.on("close", () => openContexts.delete(context));
  openContexts.set(context, events);
}

export async function newPage(colorScheme = "light", options = {}) {
  const context = await browser.newContext({ viewport: VIEWPORT, colorScheme, baseURL: backend.base, serviceWorkers: "allow", ...options });
  recordEvents(context);
  const page = await context.newPage();
  const problems = [];
  page.on("pageerror", (e) => problems.push(String(e)));
  page.on("console", (m) => {
    if (m.type() === "error" && !/Failed to load resource|net::ERR_INTERNET_DISCONNECTED/.test(m.text())) problems.push(m.text());
  });
  return { context, page, problems };
}

/** Runs axe-core on the current page and records its violations under `screen`. */
export async function checkAxe(page, screen, scheme) {
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

/** Screenshots of the current screen in light and dark, each checked with axe-core. `fullPage: false` shoots
 * only the 390x844 viewport, for a part of a long screen scrolled into view. */
export async function shoot(page, name, { fullPage = true } = {}) {
  // A screen is shot once it has loaded what it shows, not while it says "Loading …".
  await page.waitForFunction(() => !/\bLoading\b[^\n]*…/.test(document.body.innerText), null, { timeout: 15000 });
  for (const scheme of ["light", "dark"]) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.screenshot({ path: join(SHOTS, `${name}-${scheme}.png`), fullPage });
    await checkAxe(page, name, scheme);
  }
  await page.emulateMedia({ colorScheme: "light" });
}

export function formatViolations(violations) {
  return violations
    .map((v) =>
      [`${v.screen} (${v.scheme}): ${v.id} [${v.impact}] ${v.help}`,
        ...v.nodes.map((n) => `    ${n.target}  ${n.html}\n      ${String(n.summary).replace(/\n/g, "\n      ")}`)].join("\n"),
    )
    .join("\n");
}

export async function signUp(page, email, name = "Ada", path = "/") {
  await page.goto(path);
  await page.getByRole("heading", { name: "Create an account" }).waitFor();
  await page.getByLabel("Your name").fill(name);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
}

/** Calls the API as the signed-in page (its cookie and CSRF token). */
export async function apiGet(context, path) {
  const response = await context.request.get(`${backend.base}${path}`);
  assert.equal(response.status(), 200, `${path}: ${await response.text()}`);
  return response.json();
}

export async function createDailyAction(page, title, visibility = "private") {
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
      // Read to the end: API answers are no-store, so nothing else drains an unread body, and an undrained
      // request keeps the page from ever being network-idle.
      await r.arrayBuffer();
      return r.status;
    },
    { title, today, visibility },
  );
  assert.equal(status, 201);
}

/** Calls the API as the signed-in context (its cookie, and the session's CSRF token for writes). */
export async function apiSend(context, method, path, body) {
  const session = await (await context.request.get(`${backend.base}/api/v1/auth/session`)).json();
  const response = await context.request.fetch(`${backend.base}${path}`, {
    method,
    headers: { "content-type": "application/json", "x-csrf-token": session.csrfToken },
    data: body === undefined ? undefined : JSON.stringify(body),
  });
  assert.ok(response.ok(), `${method} ${path}: ${response.status()} ${await response.text()}`);
  return response.status() === 204 ? null : response.json();
}

/** A new participant, signed up through the API, in a page that opens signed in (as after a real sign-up). */
export async function signedInPage(email, { name = "Ada", colorScheme = "light", timeZone = "UTC", ...options } = {}) {
  const opened = await newPage(colorScheme, options);
  await apiSignUp(opened.context, { email, password: PASSWORD, displayName: name, timeZone });
  // The app asks for its session only when this browser says it holds one (see pwa/src/store/state.ts).
  await opened.context.addInitScript(() => localStorage.setItem("ft-signed-in", "1"));
  return opened;
}

/** Signs up as the app does: sign-up answers 202 whoever the email belongs to and signs no one in, so a sign-in
 * with the same email and password follows; it sets the context's session cookie. */
export async function apiSignUp(context, body, base = backend.base) {
  const json = { "content-type": "application/json" };
  const signUp = await context.request.post(`${base}/api/v1/auth/sign-up`, { headers: json, data: JSON.stringify(body) });
  assert.equal(signUp.status(), 202, await signUp.text());
  const signIn = await context.request.post(`${base}/api/v1/auth/sign-in`, {
    headers: json,
    data: JSON.stringify({ email: body.email, password: body.password }),
  });
  assert.equal(signIn.status(), 200, await signIn.text());
  return signIn.json();
}

/** test-artifacts/screenshots/index.html: every screen, light beside dark, to look at in one place. */
function writeContactSheet() {
  let names;
  try {
    names = readdirSync(SHOTS).filter((f) => f.endsWith("-light.png")).map((f) => f.slice(0, -"-light.png".length)).sort();
  } catch {
    return;
  }
  const rows = names
    .map((n) => `<figure><figcaption>${n}</figcaption><img src="${n}-light.png" alt="${n}, light"><img src="${n}-dark.png" alt="${n}, dark"></figure>`)
    .join("\n");
  writeFileSync(
    join(SHOTS, "index.html"),
    `<!doctype html><meta charset="utf-8"><title>Followthrough screens</title><style>body{font:14px system-ui;margin:1rem}` +
      `figure{display:inline-block;margin:0 1rem 1.5rem 0;vertical-align:top}img{width:195px;margin-right:4px;border:1px solid #ccc;vertical-align:top}` +
      `figcaption{font-weight:600;margin-bottom:4px}</style><h1>Followthrough at 390x844, light and dark</h1>\n${rows}\n`,
  );
}

/**
 * Waits until the app's service worker controls `page`; returns `send(payload)`, which hands a payload to it as
 * a push service would (through the DevTools protocol), and that protocol session and registration.
 */
export async function pushInto(context, page) {
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
  const send = (payload) =>
    cdp.send("ServiceWorker.deliverPushMessage", { origin: backend.base, registrationId, data: JSON.stringify(payload) });
  return { send, cdp, registrationId };
}
