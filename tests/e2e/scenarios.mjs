// The main journeys: sign up and reflect, offline check-ins, a partner, a channel, push, the service worker.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { apiGet, apiSend, backend, createDailyAction, newPage, pushInto, receiver, shoot, signUp } from "./support.mjs";

describe("the PWA against the real backend", () => {
  test("1: sign up, reflect, create a key action and check in", async () => {
    const { context, page, problems } = await newPage();
    await page.goto("/");
    await page.getByRole("heading", { name: "Create an account" }).waitFor();
    await shoot(page, "01-sign-up");
    await signUp(page, "ada@example.com");
    await page.getByText("Yes, that is my time zone").check();
    await page.getByRole("button", { name: "Create account" }).click();
    // A short welcome says what the app is for, then why the questions go from the field to you.
    await page.getByRole("heading", { name: "Be the one with the key" }).waitFor();
    await shoot(page, "01b-welcome");
    await page.getByRole("button", { name: "Next" }).click();
    await page.getByRole("heading", { name: "Five questions, from the outside in" }).waitFor();
    await page.getByRole("button", { name: "Start" }).click();

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
    // The reflection ends by offering reminders and a look at Today.
    await page.getByRole("heading", { name: "Your first key action is set" }).waitFor();
    await page.locator(".preview-today").getByText("Decide one thing without asking").waitFor();
    await page.waitForLoadState("networkidle");
    await shoot(page, "03b-reflection-done");
    await page.getByRole("button", { name: "Go to Today" }).click();

    // The screen before has a "Today" heading of its own (the preview): wait for the Today screen itself.
    await page.waitForURL("**/today");
    await page.getByRole("heading", { name: "Today", exact: true, level: 1 }).waitFor();
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

    // Five tabs, each with an icon and a label; the rest is one tap further, on Plan and More.
    const tabs = page.getByRole("navigation", { name: "Main" }).getByRole("link");
    const labels = await tabs.locator(".tab-label").allInnerTexts();
    assert.deepEqual(labels, ["Today", "Progress", "Plan", "Partners", "More"]);
    for (const [link, path, heading, name] of [
      ["Plan", "/plan", "Plan", "06-plan"],
      ["Progress", "/progress", "Progress", "09-progress"],
      ["More", "/more", "More", "10-more"],
    ]) {
      await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: link }).click();
      await page.getByRole("heading", { name: heading, exact: true }).waitFor();
      assert.equal(new URL(page.url()).pathname, path);
      await page.waitForLoadState("networkidle");
      await shoot(page, name);
    }
    for (const [link, path, heading, name] of [
      ["Weekly review", "/review", "Weekly review", "08-review"],
      ["Account", "/account", "Account", "10b-account"],
      ["Install the app", "/install", "Install the app", "10c-install"],
    ]) {
      await page.goto("/more");
      await page.getByRole("link", { name: link }).click();
      await page.getByRole("heading", { name: heading, exact: true }).waitFor();
      assert.equal(new URL(page.url()).pathname, path);
      await page.waitForLoadState("networkidle");
      await shoot(page, name);
    }
    for (const [path, heading, name] of [
      ["/actions", "Key actions", "06b-actions"],
      ["/barriers", "Barriers", "07-barriers"],
    ]) {
      await page.goto(path);
      await page.getByRole("heading", { name: heading, exact: true }).waitFor();
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
    await page.getByRole("heading", { name: "Be the one with the key" }).waitFor();
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
    await ada.page.getByRole("heading", { name: "Be the one with the key" }).waitFor();
    await createDailyAction(ada.page, "Share one draft early", "partners");
    await createDailyAction(ada.page, "Private: talk to my manager about pay", "private");
    const [shared] = (await apiGet(ada.context, "/api/v1/today")).items.filter((i) => i.keyAction.title === "Share one draft early");
    await apiSend(ada.context, "POST", "/api/v1/check-ins", {
      id: crypto.randomUUID(),
      keyActionId: shared.keyAction.id,
      occurrenceAt: shared.dueAt,
      result: "not_done",
    });

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

    // Ben opens the link signed out (the banner names Ada), signs up, lands back on the invite and accepts it.
    const ben = await newPage();
    await signUp(ben.page, "ben@example.com", "Ben", link.slice(backend.base.length));
    await ben.page.getByText("Ada invited you to be their accountability partner.").waitFor();
    await ben.page.getByText("Yes, that is my time zone").check();
    await ben.page.getByRole("button", { name: "Create account" }).click();
    await ben.page.getByText("Ada invites you").waitFor();
    await ben.page.getByRole("button", { name: "Accept", exact: true }).click();
    await ben.page.getByText("You now support Ada.").waitFor();
    assert.equal(new URL(ben.page.url()).hash, "", "the token is taken out of the address bar");
    await shoot(ben.page, "15-invite-accepted");
    await ben.page.getByRole("button", { name: "See Ada’s progress" }).click();
    await ben.page.getByRole("heading", { name: "Ada", exact: true }).waitFor();
    await ben.page.getByRole("heading", { name: "Share one draft early" }).waitFor();
    await ben.page.waitForLoadState("networkidle");
    assert.ok(!(await ben.page.content()).includes("talk to my manager"), "a private key action is never shown");
    // "Not done" has its own look, never the green of done.
    const notDone = ben.page.locator(".tag", { hasText: "Not done" }).first();
    await notDone.waitFor();
    assert.match(await notDone.getAttribute("class"), /\bresult-not_done\b/);
    await shoot(ben.page, "16-supporting-shared-progress");
    // An encouragement sent by mistake can be taken back before it goes out.
    await ben.page.getByRole("button", { name: "Proud of you for showing up." }).click();
    await ben.page.getByRole("button", { name: "Undo" }).click();
    await ben.page.getByText("Not sent.").waitFor();
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
        await r.arrayBuffer(); // drained, as in createDailyAction
        out.push(r.status);
      }
      return out;
    });
    assert.deepEqual(statuses, Array(8).fill(201));
    await ben.page.getByRole("button", { name: "Small steps count." }).click();
    await ben.page.getByRole("alert").filter({ hasText: "That is a lot of encouragement for one day" }).waitFor();
    await shoot(ben.page, "16b-encouragement-limit");

    // Ada's Partners page was open all along: coming back to the app shows what Ben did, without a reload.
    await ada.page.evaluate(() => document.dispatchEvent(new Event("visibilitychange")));
    await ada.page.getByText("No partner yet. Invite someone below.").waitFor({ state: "detached" });
    const received = ada.page.getByTestId("encouragement");
    await ada.page.getByRole("button", { name: "Show all 10" }).click();
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
    await page.getByRole("heading", { name: "Be the one with the key" }).waitFor();
    await page.goto("/account");
    await page.getByRole("link", { name: "Notifications" }).click();
    await page.getByRole("heading", { name: "Notifications", exact: true }).waitFor();
    await page.getByText("No channel yet").waitFor();
    await page.getByText("Examples", { exact: true }).click();
    await page.getByRole("button", { name: "Use the ntfy example" }).waitFor();
    await shoot(page, "19-notifications-empty");

    // The screen also has the webhook form, with its own Name field.
    const addChannel = page.locator('form[data-form="channel-new"]');
    await addChannel.getByLabel("Name").fill("Local receiver");
    await addChannel.getByLabel("Apprise URL").fill(`json://127.0.0.1:${receiver.port}/hook`);
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
    // The test is in the log like any message.
    await page.locator(".delivery", { hasText: "Test message" }).waitFor();
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
    const { send } = await pushInto(context, page);
    const payload = { title: "Decide one thing", body: "Due in 15 minutes", url: "/today?occurrence=x" };
    await send(payload);
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
    // Shortcuts from the home-screen icon, and screenshots for the install dialog.
    assert.deepEqual(manifest.shortcuts.map((s) => s.url), ["/today", "/actions/new"]);
    assert.ok(manifest.screenshots.some((s) => s.form_factor === "narrow" && s.sizes === "390x844"));
    for (const shot of manifest.screenshots) {
      assert.equal((await context.request.get(new URL(shot.src, backend.base).href)).status(), 200, shot.src);
    }
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
