// Answering a reminder where it arrives: a real reminder reaches a json:// channel, and its link opens the
// act page signed out. Opening it changes nothing; Done counts once; the answer stays on reload; Undo takes
// it back; a tampered link gets a friendly page.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { apiGet, apiSend, newPage, receiver, shoot, signedInPage } from "./support.mjs";

const TITLE = "Stretch for five minutes";
const HOOK = "/act-test";

/** A local wall time `seconds` from now in UTC (the participant's zone), as the schedule wants it. */
function localInUtc(seconds) {
  return new Date(Date.now() + seconds * 1000).toISOString().slice(0, 19);
}

/** Every link to an act page in a received message (its JSON fields, or the raw body). */
function actLinks(body) {
  let text = body;
  try {
    text = Object.values(JSON.parse(body)).filter((v) => typeof v === "string").join("\n");
  } catch {
    /* not JSON: read the body as it is */
  }
  return (text.match(/https?:\/\/[^\s"'<>()[\]]+/g) ?? []).map((u) => u.replace(/&amp;/g, "&")).filter((u) => u.includes("/act/"));
}

/** Waits (at most `seconds`) for the reminder message on the receiver, and returns its act links. */
async function reminderLinks(seconds) {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    for (const request of receiver.requests.filter((r) => r.url === HOOK)) {
      const links = actLinks(request.body);
      if (links.length) return links;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  const seen = receiver.requests.filter((r) => r.url === HOOK).map((r) => r.body);
  assert.fail(`no reminder with an /act/ link reached the receiver in ${seconds} s; got: ${JSON.stringify(seen)}`);
}

describe("answering a reminder from its link", () => {
  test("12: a reminder's link opens signed out, acts once on a tap, and can be undone", async () => {
    const { context, page, problems } = await signedInPage("act@example.com", { name: "Ada", timeZone: "UTC" });
    await apiSend(context, "POST", "/api/v1/channels", {
      kind: "apprise",
      enabled: true,
      label: "Act test",
      url: `json://127.0.0.1:${receiver.port}${HOOK}`,
      events: ["reminder.due"],
    });
    // Due in about 80 s with a reminder one minute before: the worker sends it in about 20 s.
    const action = await apiSend(context, "POST", "/api/v1/key-actions", {
      title: TITLE,
      cue: "I close my laptop",
      schedule: { kind: "once", dueAt: localInUtc(80) },
      reminderOffsets: [1],
    });
    const checkIns = async () => (await apiGet(context, `/api/v1/check-ins?keyActionId=${action.id}`)).total;

    const links = await reminderLinks(90);
    // The link for Done, if the message has one per choice: opening it must still not act.
    const chosen = links.find((u) => u.includes("choice=done")) ?? links[0];
    const url = new URL(chosen);
    const token = url.pathname.split("/act/")[1];
    assert.match(token, /^[A-Za-z0-9_-]{16,}$/, `a token in ${chosen}`);
    assert.ok(!url.pathname.startsWith("/api/"), "the message links to the app's page, not the API");

    // Signed out, in a browser that has never seen the app.
    const visitor = await newPage();
    await visitor.page.goto(`${url.pathname}${url.search}`);
    await visitor.page.getByRole("heading", { name: TITLE }).waitFor();
    await visitor.page.getByText(/^Due (today|tomorrow) \d{1,2}:\d{2}$/).waitFor();
    await visitor.page.getByText("When I close my laptop, I will stretch for five minutes").waitFor();
    const done = visitor.page.getByRole("button", { name: "Done", exact: true });
    await done.waitFor();
    for (const name of ["Partly…", "Not done…", "15 min", "1 hour", "Tonight"]) {
      await visitor.page.getByRole("button", { name, exact: true }).waitFor();
    }
    assert.equal(await visitor.page.locator("nav.tabs").count(), 0, "no tab bar when signed out");
    assert.doesNotMatch(await visitor.page.locator("main").innerText(), /\d{4}-\d{2}-\d{2}|snooze_|not_done/, "words, not codes");
    // Loading the page (a GET, as a mail scanner would) changed nothing.
    assert.equal(await checkIns(), 0, "opening the link made no check-in");
    assert.equal((await apiGet(visitor.context, `/api/v1/act/${token}`)).state, "open");
    await visitor.page.waitForLoadState("networkidle");
    await shoot(visitor.page, "26a-act-page");

    await done.click();
    await visitor.page.getByRole("heading", { name: /^Done — counted for / }).waitFor();
    assert.equal(await checkIns(), 1, "one tap, one check-in");
    await visitor.page.getByRole("button", { name: "Undo" }).waitFor();
    await visitor.page.getByText(/minutes? left to undo/).waitFor();
    await shoot(visitor.page, "26b-act-done");

    // Reloaded, the page shows the answer and still offers Undo; nothing is counted twice.
    await visitor.page.reload();
    await visitor.page.getByText(/^You answered today \d{1,2}:\d{2}\.$/).waitFor();
    await visitor.page.getByRole("heading", { name: /^Done — counted for / }).waitFor();
    assert.equal(await checkIns(), 1);
    await visitor.page.getByRole("button", { name: "Undo" }).click();
    await done.waitFor();
    assert.equal(await checkIns(), 0, "undo took the check-in back");
    await done.click();
    await visitor.page.getByRole("heading", { name: /^Done — counted for / }).waitFor();
    assert.equal(await checkIns(), 1, "done again: one check-in");

    // A link cut short or changed gets a friendly page, not an error code.
    await visitor.page.goto(`/act/${token.slice(0, -3)}xyz`);
    await visitor.page.getByRole("heading", { name: "This link does not work" }).waitFor();
    await visitor.page.getByText("It may have been cut off when copied.").waitFor();
    await shoot(visitor.page, "26c-act-invalid");
    assert.deepEqual(visitor.problems, []);
    await visitor.context.close();

    // Signed in, the same link shows the answer inside the app.
    await page.goto(`/act/${token}`);
    await page.getByText(/^You answered today/).waitFor();
    assert.equal(await page.locator("nav.tabs").count(), 1);
    assert.equal(await checkIns(), 1);
    assert.deepEqual(problems, []);
    await context.close();
  });
});
