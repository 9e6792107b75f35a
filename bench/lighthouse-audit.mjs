// Lighthouse (mobile, default throttling) over the served PWA: the sign-in page signed out, then the main
// screens signed in for real. Called by bench/lighthouse.sh; exits non-zero when a signed-in audit did not
// show its screen or did not make its screen's API request.
//
//   node bench/lighthouse-audit.mjs <base-url> <results-dir> <email> <password>
//
// The app asks for its session only when localStorage holds "ft-signed-in" (pwa/src/store/state.ts), so a
// cookie alone shows the sign-in form. Here one Chromium, on a profile of its own, first signs in through the
// real form (which sets the cookie and the flag), then Lighthouse audits each screen in that same browser.
// Lighthouse's own storage reset clears the service worker, Cache Storage and the HTTP cache but keeps
// cookies and localStorage, so each audit is a cold load of a signed-in person; IndexedDB is cleared too, so
// no screen starts from what an earlier audit cached.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const [base, resultsDir, email, password] = process.argv.slice(2);
if (!password) {
  console.error("usage: node bench/lighthouse-audit.mjs <base-url> <results-dir> <email> <password>");
  process.exit(2);
}

// The tools live in pwa/node_modules; import their ES builds (the ones Lighthouse itself uses).
const modules = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "pwa", "node_modules");
const load = (file) => import(pathToFileURL(path.join(modules, file)).href);
const { default: lighthouse } = await load("lighthouse/core/index.js");
const { default: puppeteer } = await load("puppeteer-core/lib/esm/puppeteer/puppeteer-core.js");

const SIGN_IN_HEADING = "Followthrough"; // the <h1> of the sign-in / sign-up form (pwa/src/screens/auth.tsx)

/** What each screen must show and fetch; `heading: null` when the <h1> varies (Reflect asks a question). */
const SIGNED_IN_SCREENS = [
  { name: "today", path: "/today", heading: "Today", request: "/api/v1/today" },
  { name: "progress", path: "/progress", heading: "Progress", request: "/api/v1/progress" },
  { name: "actions", path: "/actions", heading: "Key actions", request: "/api/v1/key-actions" },
  { name: "reflect", path: "/reflect", heading: null, request: null },
  { name: "account", path: "/account", heading: "Account", request: "/api/v1/account/tokens" },
];

const flags = {
  output: "json",
  logLevel: "error",
  onlyCategories: ["performance", "accessibility", "best-practices", "seo"],
  // Lighthouse's default list plus IndexedDB; cookies and localStorage (the sign-in) are kept.
  clearStorageTypes: ["file_systems", "shader_cache", "service_workers", "cache_storage", "indexeddb"],
};

const profile = mkdtempSync(path.join(tmpdir(), "ft-lighthouse-profile-"));
const browser = await puppeteer.launch({
  executablePath: process.env.CHROME_PATH || "/usr/bin/chromium",
  userDataDir: profile,
  headless: true, // with the flag below: the new headless mode
  args: [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});

const problems = [];
try {
  await audit({ name: "sign-in", path: "/", heading: SIGN_IN_HEADING, request: null, signedIn: false });
  await signIn();
  for (const screen of SIGNED_IN_SCREENS) await audit({ ...screen, signedIn: true });
} finally {
  await browser.close();
  rmSync(profile, { recursive: true, force: true });
}

if (problems.length) {
  console.error(`\nFAILED: ${problems.length} check(s)`);
  for (const p of problems) console.error(`  - ${p}`);
  process.exit(1);
}

/** Signs in through the real form, as a person would; the app then sets the cookie and the localStorage flag. */
async function signIn() {
  const page = await browser.newPage();
  await page.goto(`${base}/`, { waitUntil: "networkidle0" });
  await clickButton(page, "Sign in");
  await page.type('input[name="email"]', email);
  await page.type('input[name="password"]', password);
  await page.click('button[type="submit"]');
  await page.waitForFunction(
    (heading) => localStorage.getItem("ft-signed-in") === "1" && document.querySelector("h1")?.textContent !== heading,
    { timeout: 15_000 },
    SIGN_IN_HEADING,
  );
  const cookies = await browser.cookies();
  if (!cookies.some((c) => c.name === "ft_session")) throw new Error("signed in, yet no ft_session cookie was set");
  console.log(`signed in as ${email} (cookie ft_session and localStorage ft-signed-in set)\n`);
  await page.close();
}

async function clickButton(page, text) {
  const buttons = await page.$$("button");
  for (const button of buttons) {
    if ((await button.evaluate((b) => b.textContent.trim())) === text) return button.click();
  }
  throw new Error(`no button "${text}" on ${page.url()}`);
}

async function audit({ name, path: screenPath, heading, request, signedIn }) {
  const page = await browser.newPage();
  const result = await lighthouse(`${base}${screenPath}`, flags, undefined, page);
  const lhr = result.lhr;
  writeFileSync(path.join(resultsDir, `lighthouse-${name}.json`), result.report);
  const screenshot = lhr.audits["final-screenshot"]?.details?.data; // a data: URL of what the page ended on
  if (screenshot) {
    writeFileSync(path.join(resultsDir, `lighthouse-${name}.jpg`), Buffer.from(screenshot.split(",")[1], "base64"));
  }
  // The page stays where Lighthouse left it: read the heading it ended on.
  const finalHeading = await page.evaluate(() => document.querySelector("h1")?.textContent?.trim() ?? "(no h1)");
  await page.close();

  const score = (id) => String(Math.round((lhr.categories[id]?.score ?? 0) * 100)).padStart(3);
  const metric = (id) => lhr.audits[id]?.displayValue ?? "-";
  const failing = Object.values(lhr.audits)
    .filter((a) => a.scoreDisplayMode === "binary" && a.score !== null && a.score < 1)
    .map((a) => a.id);
  console.log(
    `${name.padEnd(9)} performance ${score("performance")}  accessibility ${score("accessibility")}  ` +
      `best-practices ${score("best-practices")}  seo ${score("seo")}  ` +
      `LCP ${metric("largest-contentful-paint")}  TBT ${metric("total-blocking-time")}  ` +
      `CLS ${metric("cumulative-layout-shift")}` +
      (failing.length ? `  failing: ${failing.join(",")}` : ""),
  );
  console.log(`          h1 "${finalHeading}"  (${lhr.finalDisplayedUrl})`);

  const apiRequests = (lhr.audits["network-requests"].details?.items ?? [])
    .map((item) => ({ url: new URL(item.url), status: item.statusCode }))
    .filter(({ url }) => url.pathname.startsWith("/api/"));
  for (const { url, status } of apiRequests) console.log(`          ${status} ${url.pathname}${url.search}`);
  if (!apiRequests.length) console.log("          (no API requests)");
  for (const warning of lhr.runWarnings ?? []) console.log(`          warning: ${warning}`);

  const check = (ok, message) => ok || problems.push(`${name}: ${message}`);
  const answered = (pathname) => apiRequests.filter(({ url }) => url.pathname === pathname).map((r) => r.status);
  check(!lhr.runtimeError, `Lighthouse could not load the page: ${lhr.runtimeError?.message}`);
  if (heading) check(finalHeading === heading, `expected the heading "${heading}", got "${finalHeading}"`);
  if (signedIn) {
    check(finalHeading !== SIGN_IN_HEADING, "showed the sign-in form, not the screen");
    check(answered("/api/v1/auth/session").includes(200), "no /api/v1/auth/session request answered 200");
    check(!apiRequests.some(({ status }) => status === 401), "an API request answered 401");
    if (request) check(answered(request).includes(200), `no ${request} request answered 200`);
  } else {
    check(!apiRequests.some(({ status }) => status >= 400), "an API request failed while signed out");
  }
  console.log("");
}
