// Takes the web-app manifest's screenshots (public/screenshots/*.png) from a running app signed in as the
// demo participant. Start a backend with `followthrough demo` data and the Vite dev server first, then:
//   FT_APP=http://127.0.0.1:5173 node scripts/screenshots.mjs
import { chromium } from "playwright-core";

const app = process.env.FT_APP ?? "http://127.0.0.1:5173";
const out = new URL("../public/screenshots/", import.meta.url);
const shots = [
  { path: "/today", file: "today-narrow.png" },
  { path: "/plan", file: "plan-narrow.png" },
];

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
});
// 390x844 CSS pixels at scale 1: the size the manifest declares, and small enough to ship.
const context = await browser.newContext({ viewport: { width: 390, height: 844 }, colorScheme: "light", serviceWorkers: "block" });
const page = await context.newPage();
await page.goto(`${app}/`);
await page.getByRole("button", { name: "Sign in", exact: true }).click();
await page.getByLabel("Email").fill("demo@example.com");
await page.getByLabel("Password").fill("followthrough-demo");
await page.locator("form").getByRole("button", { name: "Sign in" }).click();
await page.waitForURL(/\/today/);
for (const shot of shots) {
  await page.goto(`${app}${shot.path}`);
  await page.locator("main h1").waitFor();
  await page.waitForLoadState("networkidle");
  await page.screenshot({ path: new URL(shot.file, out).pathname });
  console.log(`wrote public/screenshots/${shot.file}`);
}
await browser.close();
