// The calendar feed: made on Account, read by a calendar app without signing in, replaced, turned off.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { createDailyAction, shoot, signedInPage } from "./support.mjs";

/** What a calendar app gets from the address: no cookie, no token. */
async function fetchFeed(url) {
  const response = await fetch(url);
  return { status: response.status, type: response.headers.get("content-type"), body: await response.text() };
}

/** Waits until the server has noted that a calendar app read the feed (`lastFetchedAt`). */
async function readNoted(page) {
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; ) {
    const feed = await (await page.request.get("/api/v1/calendar-feed")).json();
    if (feed.lastFetchedAt) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("the feed's read was never noted");
}

describe("calendar feed", () => {
  test("calendar 1: a feed link is made once, read without signing in, replaced and turned off", async () => {
    const { context, page, problems } = await signedInPage("calendar@example.com", { name: "Cal", timeZone: "Europe/London" });
    await context.grantPermissions(["clipboard-read", "clipboard-write"]);
    await page.goto("/account");
    await createDailyAction(page, "Write one page");
    const card = page.locator('[data-card="calendar-feed"]');
    await card.getByRole("heading", { name: "Calendar feed" }).waitFor();

    await card.getByRole("button", { name: "Create feed link" }).click();
    const shown = card.locator("[data-feed-url]");
    await shown.waitFor();
    const url = await shown.innerText();
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/calendar\/[A-Za-z0-9_-]{43}\.ics$/);
    assert.equal(await card.getByRole("link", { name: "Add to calendar" }).getAttribute("href"), url.replace(/^http:/, "webcal:"));
    await card.getByText("It is shown only this once").waitFor();
    await card.getByRole("button", { name: "Copy link" }).click();
    await card.getByRole("button", { name: "Copied" }).waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), url);

    const feed = await fetchFeed(url);
    assert.equal(feed.status, 200);
    assert.equal(feed.type, "text/calendar; charset=utf-8");
    assert.match(feed.body, /BEGIN:VEVENT/);
    assert.match(feed.body, /SUMMARY:Write one page/);
    assert.match(feed.body, /DTSTART;TZID=Europe\/London:/);
    await card.scrollIntoViewIfNeeded();
    await shoot(page, "40-calendar-feed-made", { fullPage: false });

    // Replacing asks first, then the old address stops answering at once.
    await card.getByRole("button", { name: "New link" }).click();
    await card.getByText("The current link stops working at once").waitFor();
    await card.getByRole("button", { name: "Keep the current link" }).scrollIntoViewIfNeeded();
    await shoot(page, "41-calendar-feed-replace", { fullPage: false });
    await card.getByRole("button", { name: "Make a new link" }).click();
    await page.waitForFunction((old) => document.querySelector("[data-feed-url]")?.textContent !== old, url);
    const replaced = await shown.innerText();
    assert.notEqual(replaced, url);
    assert.equal((await fetchFeed(url)).status, 404);
    assert.equal((await fetchFeed(replaced)).status, 200);

    // Later visits never show the address again, only its last characters and when it was read. The read is
    // noted after the calendar app has its answer, in a transaction of its own: wait until it is stored.
    await readNoted(page);
    await page.reload();
    await card.getByText(`Link ending …${replaced.slice(-8, -4)}`).waitFor();
    await card.getByText("Last read by a calendar app").waitFor();
    assert.equal(await card.locator("[data-feed-url]").count(), 0);
    assert.ok(!(await page.locator("main").innerText()).includes(replaced.slice(-20)));
    await card.scrollIntoViewIfNeeded();
    await shoot(page, "42-calendar-feed-on", { fullPage: false });

    await card.getByRole("button", { name: "Turn off" }).click();
    await card.getByRole("button", { name: "Create feed link" }).waitFor();
    assert.equal((await fetchFeed(replaced)).status, 404);
    assert.deepEqual(problems, []);
    await context.close();
  });
});
