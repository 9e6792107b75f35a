// Adding a webhook channel in the PWA: its signing secret is shown once, with Copy; Send test reaches a local
// receiver that verifies the Standard Webhooks signature with that secret (written here from the spec); the
// secret never shows again; its events form saves nothing when nothing changed; a new secret replaces it.
import assert from "node:assert/strict";
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer } from "node:http";
import { describe, test } from "node:test";
import { apiGet, shoot, signedInPage } from "./support.mjs";

/** A receiver that answers 204 only to a request signed with `state.secret` within five minutes. */
function startVerifier() {
  const state = { secret: "", accepted: [], refused: [] };
  const server = createServer((request, response) => {
    const chunks = [];
    request.on("data", (chunk) => chunks.push(chunk));
    request.on("end", () => {
      const body = Buffer.concat(chunks);
      const id = request.headers["webhook-id"];
      const timestamp = request.headers["webhook-timestamp"];
      const key = Buffer.from(state.secret.replace(/^whsec_/, ""), "base64");
      const expected = createHmac("sha256", key).update(`${id}.${timestamp}.`).update(body).digest();
      const fresh = Math.abs(Date.now() / 1000 - Number(timestamp)) <= 300;
      const signed = String(request.headers["webhook-signature"] ?? "")
        .split(" ")
        .some((entry) => {
          const [version, signature] = entry.split(",");
          const given = Buffer.from(signature ?? "", "base64");
          return version === "v1" && given.length === expected.length && timingSafeEqual(given, expected);
        });
      if (fresh && signed) state.accepted.push(JSON.parse(body.toString("utf8")));
      else state.refused.push({ fresh, signed });
      response.writeHead(fresh && signed ? 204 : 401).end();
    });
  });
  return new Promise((ok) => server.listen(0, "127.0.0.1", () => ok({ server, state, url: `http://127.0.0.1:${server.address().port}/hook` })));
}

describe("webhooks", () => {
  test("20: a webhook shows its secret once, and Send test arrives signed with it", async () => {
    const verifier = await startVerifier();
    const { context, page, problems } = await signedInPage(`webhook-${Date.now()}@example.com`, { name: "Wren" });
    try {
      await context.grantPermissions(["clipboard-read", "clipboard-write"]);
      await page.goto("/settings/notifications");
      const form = page.locator('form[data-form="webhook-new"]');
      await form.getByRole("heading", { name: "Add a webhook" }).waitFor();
      await form.getByLabel("Name").fill("Home Assistant");
      await form.getByLabel("Webhook URL").fill(verifier.url);
      // The three webhook events are ticked; reminders are on offer too, unticked.
      assert.equal(await form.getByLabel("A check-in is recorded").isChecked(), true);
      assert.equal(await form.getByLabel("Reminders").isChecked(), false);
      await form.getByRole("button", { name: "Add webhook" }).click();

      const banner = form.getByTestId("webhook-secret");
      await banner.waitFor();
      const secret = (await banner.locator("code").innerText()).trim();
      assert.match(secret, /^whsec_[A-Za-z0-9+/=]{40,}$/);
      await banner.getByRole("button", { name: "Copy secret" }).click();
      await banner.getByRole("button", { name: "Copied" }).waitFor();
      assert.equal(await page.evaluate(() => navigator.clipboard.readText()), secret);
      await banner.scrollIntoViewIfNeeded();
      await shoot(page, "50-webhook-secret-once", { fullPage: false });

      const card = page.getByTestId("channel").filter({ hasText: "Home Assistant" });
      await card.getByText(`Webhook · ${verifier.url.replace("/hook", "/****")}`).waitFor();
      verifier.state.secret = secret;
      await card.getByRole("button", { name: "Send test to Home Assistant" }).click();
      await card.getByTestId("test-outcome").getByText("Test sent").waitFor();
      assert.deepEqual(verifier.state.refused, []);
      assert.equal(verifier.state.accepted.length, 1);
      assert.equal(verifier.state.accepted[0].type, "channel.test");
      assert.equal(verifier.state.accepted[0].data.channelLabel, "Home Assistant");
      await card.getByText("never").waitFor({ state: "detached" }); // its health, reloaded after the test
      // The card's head, below the app's sticky header.
      await card.evaluate((el) => window.scrollTo(0, el.getBoundingClientRect().top + window.scrollY - 130));
      await shoot(page, "51-webhook-card", { fullPage: false });

      // Shown once: neither the page after a reload nor the API holds it again.
      await page.reload();
      await card.waitFor();
      assert.equal(await page.getByText(secret).count(), 0);
      const [listed] = (await apiGet(context, "/api/v1/channels")).items;
      assert.equal(listed.signingSecret, null);

      // The events form saves nothing when nothing changed.
      await card.getByText("Events for Home Assistant").click();
      const events = card.locator('form[data-form="channel-events"]');
      assert.equal(await events.getByLabel("An occurrence is missed").isChecked(), true);
      const before = listed.updatedAt;
      await events.getByRole("button", { name: "Save events" }).click();
      await events.getByText("Nothing changed.").waitFor();
      assert.equal((await apiGet(context, `/api/v1/channels/${listed.id}`)).updatedAt, before);

      // A new secret: shown once, and the old one no longer verifies.
      await card.getByRole("button", { name: "New signing secret for Home Assistant" }).click();
      await card.getByRole("button", { name: "Make a new secret" }).click();
      const rotated = (await card.getByTestId("webhook-secret").locator("code").innerText()).trim();
      assert.notEqual(rotated, secret);
      await card.getByRole("button", { name: "Send test to Home Assistant" }).click();
      await card.getByTestId("test-outcome").getByText("Test failed").waitFor();
      assert.equal(verifier.state.refused.length, 1);
      assert.deepEqual(problems.filter((p) => !/401/.test(p)), []);
    } finally {
      await context.close();
      verifier.server.close();
    }
  });
});
