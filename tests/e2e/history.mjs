// History a person can see: a key action's year as a calendar with a text alternative, its streak, its
// completion over a chosen range and by weekday, its notes; Progress over a range with tables.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { apiGet, apiSend, shoot, signedInPage } from "./support.mjs";

const RESULTS = ["done", "done", "partly", "done", "not_done", "done", "skipped", "done", "done", "done"];

describe("history", () => {
  test("11: a key action's calendar, streak, ranges and notes, and Progress over a year", async () => {
    const { context, page, problems } = await signedInPage("history@example.com", { name: "Hal" });
    const action = await apiSend(context, "POST", "/api/v1/key-actions", {
      title: "Write the weekly note",
      schedule: { kind: "recurring", rrule: "FREQ=DAILY", startsAt: "2026-09-01T07:30:00" },
    });
    // Sixty days of history, ending yesterday, with every result and a few notes.
    const today = (await apiGet(context, "/api/v1/today")).date;
    const from = new Date(Date.parse(`${today}T00:00:00Z`) - 60 * 86400000).toISOString().slice(0, 10);
    const yesterday = new Date(Date.parse(`${today}T00:00:00Z`) - 86400000).toISOString().slice(0, 10);
    const past = await apiGet(context, `/api/v1/key-actions/${action.id}/occurrences?from=${from}&to=${yesterday}`);
    assert.ok(past.length >= 50, `only ${past.length} occurrences in the last 60 days`);
    for (const [i, occurrence] of past.entries()) {
      if (i % 11 === 10) continue; // a few missed days
      await apiSend(context, "POST", "/api/v1/check-ins", {
        id: crypto.randomUUID(),
        keyActionId: action.id,
        occurrenceAt: occurrence.dueAt,
        result: RESULTS[i % RESULTS.length],
        note: i === past.length - 1 ? "Wrote it on the train" : null,
      });
    }

    await page.goto(`/actions/${action.id}`);
    await page.getByRole("heading", { name: "Results" }).waitFor();
    // The calendar is a picture with a summary for those who cannot see it, and a table by month.
    await page.getByRole("img", { name: /^Calendar from .*\d+ done/ }).waitFor();
    const section = page.locator(".action-history");
    await section.getByText("Show as a table").first().click();
    await section.locator("table").first().waitFor();
    assert.ok((await section.locator("table").first().locator("tbody tr").count()) >= 2, "a row per month");
    // The streak, the range switch and the weekday breakdown.
    await section.getByText(/kept in a row; best \d+/).waitFor();
    const year = section.getByRole("group", { name: "Range" }).getByRole("button", { name: "1 year" });
    await year.click();
    assert.equal(await year.getAttribute("aria-pressed"), "true");
    await section.getByText(/Over the last 12 months/i).waitFor();
    await section.getByRole("heading", { name: "By weekday" }).waitFor();
    // The person's own notes are there to read.
    await section.getByText("Wrote it on the train").waitFor();
    assert.doesNotMatch(await page.locator("main").innerText(), /FREQ=|\d{4}-\d{2}-\d{2}/, "no RRULE or ISO date on screen");
    await page.waitForLoadState("networkidle");
    await shoot(page, "24-action-history");

    await page.goto("/progress");
    const range = page.getByRole("group", { name: "Range" }).first();
    await range.getByRole("button", { name: "All" }).click();
    assert.equal(await range.getByRole("button", { name: "All" }).getAttribute("aria-pressed"), "true");
    await page.getByText("Show as a table").first().click();
    await page.locator("table").first().waitFor();
    await page.waitForLoadState("networkidle");
    await shoot(page, "25-progress-all");
    assert.deepEqual(problems, []);
    await context.close();
  });
});
