// Moving in: a Loop Habit Tracker zip, built here in Loop's own format, imported from the Account screen; its
// habits then show on Today and Plan. A bad file is refused with its place named, and nothing is stored.
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { join } from "node:path";
import { describe, test } from "node:test";
import { apiGet, ROOT, shoot, signedInPage } from "./support.mjs";

const { zipSync, strToU8 } = createRequire(join(ROOT, "pwa/package.json"))("fflate");

const HEADER =
  "Position,Name,Type,Question,Description,FrequencyNumerator,FrequencyDenominator,Color,Unit,Target Type,Target Value,Archived?\n";

/** The day `back` days before today, in UTC (the people here live in UTC), as Loop writes dates. */
function daysAgo(back) {
  return new Date(Date.now() - back * 86400000).toISOString().slice(0, 10);
}

/** A Loop export zip: Habits.csv and a folder per habit with its Checkmarks.csv (and Scores.csv, ignored). */
function loopZip(meditateValue = "YES_MANUAL") {
  const folder = "Loop Habits CSV/";
  return Buffer.from(
    zipSync({
      [`${folder}Habits.csv`]: strToU8(
        `${HEADER}001,Meditate,YES_NO,Did you meditate this morning?,,1,1,#FF8F00,,,,false\n` +
          "002,Read,NUMERICAL,How many pages did you read?,,1,1,#5E35B1,pages,AT_LEAST,20.0,false\n",
      ),
      [`${folder}001 Meditate/Checkmarks.csv`]: strToU8(
        `Date,Value,Notes\n${daysAgo(1)},${meditateValue},\n${daysAgo(2)},SKIP,Travelling\n${daysAgo(3)},YES_AUTO,\n`,
      ),
      [`${folder}001 Meditate/Scores.csv`]: strToU8(`Date,Score\n${daysAgo(1)},0.1000\n`),
      [`${folder}002 Read/Checkmarks.csv`]: strToU8(`Date,Value,Notes\n${daysAgo(1)},25000,\n`),
    }),
  );
}

describe("imports", () => {
  test("40: a Loop export is imported from Account and its habits are due on Today and Plan", async () => {
    const { context, page, problems } = await signedInPage("mover@example.com", { name: "Mo" });
    await page.goto("/account");
    await page.getByRole("link", { name: "Import" }).click();
    await page.getByRole("heading", { name: "Import", exact: true }).waitFor();
    await shoot(page, "40a-import");

    await page.getByLabel("Export file").setInputFiles({ name: "Loop Habits CSV.zip", mimeType: "application/zip", buffer: loopZip() });
    const preview = page.locator("[data-import-preview]");
    await preview.getByText("Loop Habit Tracker export").waitFor();
    await preview.getByText("2 key actions, 3 check-ins").waitFor();
    // Only a dry run so far: nothing is stored before "Import".
    assert.equal((await apiGet(context, "/api/v1/key-actions")).total, 0);
    await shoot(page, "40b-import-preview");

    await page.getByRole("button", { name: "Import", exact: true }).click();
    await page.locator("[data-import-done]").getByText("Imported 2 key actions, 3 check-ins.").waitFor();
    await shoot(page, "40c-import-done");
    await page.getByRole("link", { name: "See today" }).click();
    await page.getByText("Meditate").first().waitFor();
    await page.getByText("Read").first().waitFor();
    await shoot(page, "40d-today-after-import");
    await page.goto("/plan");
    await page.getByText("Meditate").first().waitFor();
    const titles = (await apiGet(context, "/api/v1/key-actions")).items.map((a) => a.title).sort();
    assert.deepEqual(titles, ["Meditate", "Read"]);

    // The same file again changes nothing.
    await page.goto("/account/import");
    await page.getByLabel("Export file").setInputFiles({ name: "Loop Habits CSV.zip", mimeType: "application/zip", buffer: loopZip() });
    await page.locator("[data-import-preview]").getByText("It will add nothing").waitFor();
    assert.deepEqual(problems, []);
    await context.close();
  });

  test("41: a Loop file with a value Loop never writes is refused with its file, line and column", async () => {
    const { context, page } = await signedInPage("mover-two@example.com", { name: "Mo" });
    await page.goto("/account/import");
    await page.getByLabel("Export file").setInputFiles({ name: "Loop.zip", mimeType: "application/zip", buffer: loopZip("MAYBE") });
    const refusal = page.getByRole("alert");
    await refusal.getByText("Nothing was imported").waitFor();
    await refusal.getByText("Loop Habits CSV/001 Meditate/Checkmarks.csv, line 2, column 2").waitFor();
    await shoot(page, "41-import-refused");
    assert.equal((await apiGet(context, "/api/v1/key-actions")).total, 0);
    await context.close();
  });
});
