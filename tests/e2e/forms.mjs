// Forms keep what was saved. Every edit form opens a record whose every field holds a non-default value,
// is saved without a touch (the record must be unchanged, through the API), then saved with one field
// changed (only that field may change). pwa/test/forms.test.ts fails when an edit form has no roundTrip here.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { apiGet, apiSend, newPage, receiver, shoot, signUp, signedInPage } from "./support.mjs";

/** The keys whose values differ between two records, leaving out the ones that change on every write. */
function changedKeys(before, after, ignore = ["updatedAt"]) {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys].filter((k) => !ignore.includes(k) && JSON.stringify(before[k]) !== JSON.stringify(after[k])).sort();
}

async function until(read, ok, what) {
  for (let i = 0; i < 100; i++) {
    const value = await read();
    if (ok(value)) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`timed out waiting for ${what}`);
}

/**
 * The round trip for the form named `name` (its data-form attribute). `open` shows the form; `change` edits
 * one field in it; `changes` lists the record keys that may then differ (besides updatedAt).
 */
async function roundTrip(name, page, { read, open, change, changes, ignore }) {
  const before = await read();
  await open();
  const form = page.locator(`form[data-form="${name}"]`).first();
  await form.waitFor();
  await form.locator('button[type="submit"]').click();
  // An untouched form says so, or closes; either way nothing is sent.
  await page.waitForFunction((n) => {
    const shown = document.querySelector(`form[data-form="${n}"]`);
    return !shown || shown.querySelector('[role="status"]');
  }, name);
  await page.waitForLoadState("networkidle");
  assert.deepEqual(await read(), before, `${name}: saving without changes changed the stored record`);

  await open();
  await form.waitFor();
  await change(form);
  await form.locator('button[type="submit"]').click();
  const after = await until(read, (r) => changedKeys(before, r, ignore).length > 0, `${name} to save its change`);
  await page.waitForLoadState("networkidle");
  assert.deepEqual(changedKeys(before, await read(), ignore), changes, `${name}: only the changed field may change`);
  return after;
}

describe("edit forms keep what was saved", () => {
  test("8: account, quiet hours, barrier, key action, status and channel events round-trip untouched", async () => {
    const { context, page, problems } = await signedInPage("forms@example.com", { name: "Dana" });
    const account = () => apiGet(context, "/api/v1/account");
    // Every field away from its default, in a zone unlike the browser's (UTC) and unlike the list's first.
    const fresh = await account();
    await apiSend(context, "PATCH", "/api/v1/account", {
      timeZone: "Asia/Kolkata",
      reviewWeekday: 4,
      reviewTime: "18:30",
      quietHoursStart: "21:15",
      quietHoursEnd: "06:45",
      nudgeEnabled: !fresh.nudgeEnabled,
    });

    const openAccount = async () => {
      await page.goto("/account");
      await page.getByRole("heading", { name: "Account", exact: true }).waitFor();
    };
    await openAccount();
    // The selects show the stored values, not their first options.
    assert.equal(await page.locator('select[name="timeZone"]').inputValue(), "Asia/Kolkata");
    assert.equal(await page.getByLabel("Weekly review day").inputValue(), "4");
    await roundTrip("account-profile", page, {
      read: account,
      open: openAccount,
      change: (form) => form.getByLabel("Name", { exact: true }).fill("Dana Scully"),
      changes: ["displayName"],
    });

    const openNotifications = async () => {
      await page.goto("/settings/notifications");
      await page.getByRole("heading", { name: "Quiet hours" }).waitFor();
    };
    await roundTrip("quiet-hours", page, {
      read: account,
      open: openNotifications,
      change: (form) => form.getByLabel("Until").fill("07:00"),
      changes: ["quietHoursEnd"],
    });

    const barrier = await apiSend(context, "POST", "/api/v1/barriers", {
      title: "Decisions wait for the board",
      detail: "Every purchase over 500 goes to the monthly meeting.",
      level: "organization",
      keyHolder: "others",
      keyHolderName: "The board",
    });
    await apiSend(context, "PATCH", `/api/v1/barriers/${barrier.id}`, { status: "loosening", statusReason: "They delegated one budget" });
    const readBarrier = () => apiGet(context, `/api/v1/barriers/${barrier.id}`);
    const openBarrier = async () => {
      await page.goto(`/barriers/${barrier.id}`);
      await page.getByRole("heading", { name: barrier.title }).waitFor();
      if (await page.getByRole("button", { name: "Edit", exact: true }).isVisible()) {
        await page.getByRole("button", { name: "Edit", exact: true }).click();
      }
    };
    await openBarrier();
    assert.equal(await page.locator('form[data-form="barrier-edit"]').getByLabel("Level").inputValue(), "organization");
    await shoot(page, "21-barrier-edit");
    await roundTrip("barrier-edit", page, {
      read: readBarrier,
      open: openBarrier,
      change: (form) => form.getByLabel("Barrier").fill("Decisions wait for the monthly board meeting"),
      changes: ["title"],
    });
    const barrierHistory = () => apiGet(context, `/api/v1/barriers/${barrier.id}/history`);
    const historyBefore = await barrierHistory();
    await roundTrip("status-change", page, {
      read: readBarrier,
      open: async () => {
        await page.goto(`/barriers/${barrier.id}`);
        await page.getByRole("heading", { name: "Change status" }).waitFor();
        assert.equal(await page.getByLabel("Status").inputValue(), "loosening");
      },
      change: (form) => form.getByLabel("Status").selectOption("broken"),
      changes: ["resolvedAt", "status", "statusChangedAt", "statusReason"].filter((k) => k in barrier),
    });
    assert.equal((await barrierHistory()).length, historyBefore.length + 1, "one status change, one history line");

    const action = await apiSend(context, "POST", "/api/v1/key-actions", {
      title: "Block 90 minutes for deep work",
      cue: "When I sit down at my desk",
      keyHolder: "others",
      keyHolderName: "My manager",
      ownPart: "Ask for the slot and defend it",
      schedule: { kind: "recurring", rrule: "FREQ=MONTHLY;BYDAY=1WE", startsAt: "2026-01-07T12:30:00" },
      reminderOffsets: [15, 30, 1440],
      measure: { unit: "hours of focus", target: 6 },
      visibility: "partners",
      barrierId: barrier.id,
    });
    const readAction = () => apiGet(context, `/api/v1/key-actions/${action.id}`);
    const openAction = async () => {
      await page.goto(`/actions/${action.id}`);
      await page.getByRole("heading", { name: action.title, level: 1 }).waitFor();
      await page.getByRole("button", { name: "Edit", exact: true }).click();
    };
    await openAction();
    // A rule the picker cannot build is shown in words, and kept.
    await page.getByText(/first Wednesday of each month at 12:30/i).first().waitFor();
    assert.ok(!(await page.content()).includes("FREQ="), "no raw RRULE on screen");
    await shoot(page, "22-key-action-edit");
    await roundTrip("key-action-edit", page, {
      read: readAction,
      open: openAction,
      change: (form) => form.getByLabel("What will you do?").fill("Block 2 hours for deep work"),
      changes: ["title"],
    });

    const channel = await apiSend(context, "POST", "/api/v1/channels", {
      kind: "apprise",
      enabled: true,
      label: "Hook",
      url: `json://127.0.0.1:${receiver.port}/forms`,
      events: ["partner.digest", "reminder.due"],
    });
    const readChannel = () => apiGet(context, `/api/v1/channels/${channel.id}`);
    await roundTrip("channel-events", page, {
      read: readChannel,
      open: async () => {
        await openNotifications();
        await page.getByText("Events for Hook").click();
      },
      change: (form) => form.getByLabel("Weekly review").check(),
      changes: ["events"],
    });
    assert.deepEqual(problems, []);
    await context.close();
  });

  test("8b: a check-in's note and measure stay, and editing them changes only what changed", async () => {
    const { context, page, problems } = await signedInPage("checkin-edit@example.com");
    await apiSend(context, "POST", "/api/v1/key-actions", {
      title: "Ask one question in the meeting",
      schedule: { kind: "recurring", rrule: "FREQ=DAILY", startsAt: "2026-01-01T00:05:00" },
      measure: { unit: "questions asked", target: 1 },
    });
    const [item] = (await apiGet(context, "/api/v1/today")).items;
    const checkIn = await apiSend(context, "POST", "/api/v1/check-ins", {
      id: crypto.randomUUID(),
      keyActionId: item.keyAction.id,
      occurrenceAt: item.dueAt,
      result: "partly",
      note: "Asked about the budget, not the plan",
      measureValue: 2,
    });
    const read = () => apiGet(context, `/api/v1/check-ins/${checkIn.id}`);
    const title = item.keyAction.title;
    const open = async () => {
      await page.goto("/today");
      const card = page.locator(".agenda-item", { hasText: title });
      await card.getByText("Asked about the budget").waitFor();
      await card.getByRole("button", { name: `Edit check-in for ${title}` }).click();
    };
    await roundTrip("check-in-edit", page, {
      read,
      open,
      change: (form) => form.getByLabel("Note (optional)").fill("Asked about the budget and the plan"),
      changes: ["note"],
    });
    await page.getByTestId("pending-sync").waitFor({ state: "detached" });
    assert.deepEqual(problems, []);
    await context.close();
  });

  test("9: new forms start where they should: invites for 7 days, the detected zone, a personal barrier", async () => {
    const signUpPage = await newPage("light", { timezoneId: "Europe/Berlin" });
    await signUp(signUpPage.page, "zone@example.com");
    await signUpPage.page.getByText("No, choose another").check();
    assert.equal(await signUpPage.page.locator('select[name="timeZone"]').inputValue(), "Europe/Berlin");
    // A refused field gets its message once, in plain words, next to it.
    await signUpPage.page.getByLabel("Password").fill("short");
    await signUpPage.page.getByRole("button", { name: "Create account" }).click();
    await signUpPage.page.getByText("Use at least 8 characters.").waitFor();
    const text = await signUpPage.page.locator("main").innerText();
    assert.equal(text.split("Use at least 8 characters.").length - 1, 1, "the message is said once");
    assert.doesNotMatch(text, /Expected|`str`|length >=/);
    await shoot(signUpPage.page, "23-sign-up-error");
    await signUpPage.context.close();

    const { context, page, problems } = await signedInPage("new-forms@example.com");
    await page.goto("/partners");
    await page.getByRole("heading", { name: "Invite a partner" }).waitFor();
    assert.equal(await page.getByLabel("The link works for").inputValue(), "7");
    await page.getByRole("button", { name: "Create invite link" }).click();
    await page.getByLabel("Invite link (works once)").waitFor();
    const [invite] = await apiGet(context, "/api/v1/invites");
    const days = (new Date(invite.expiresAt) - new Date(invite.createdAt)) / 86400000;
    assert.ok(Math.abs(days - 7) < 0.01, `the invite lasts ${days} days`);

    await page.goto("/barriers");
    await page.getByRole("button", { name: "Add a barrier" }).click();
    const form = page.locator('form[data-form="barrier-new"]');
    assert.equal(await form.getByLabel("Level").inputValue(), "personal");
    await form.getByLabel("Barrier").fill("I say yes to every meeting");
    await form.getByRole("button", { name: "Add barrier" }).click();
    await form.waitFor({ state: "detached" });
    const barriers = await apiGet(context, "/api/v1/barriers");
    assert.deepEqual(barriers.items.map((b) => [b.title, b.level, b.keyHolder]), [["I say yes to every meeting", "personal", "me"]]);
    assert.deepEqual(problems, []);
    await context.close();
  });

  test("10: a reflection left mid-way keeps its answers", async () => {
    const { context, page, problems } = await signedInPage("draft@example.com");
    await page.goto("/reflect");
    await page.getByRole("button", { name: "Skip the welcome" }).click();
    await page.getByText("question 1 of 5").waitFor();
    // The field and the organization can be skipped in one tap each.
    await page.getByRole("button", { name: "Skip: What is holding back your industry or field?" }).click();
    await page.getByText("question 2 of 5").waitFor();
    await page.getByRole("textbox").fill("Meetings that decide nothing");
    await page.getByRole("button", { name: "Next" }).click();
    await page.getByText("question 3 of 5").waitFor();
    await page.getByRole("textbox").fill("I wait for permi");
    // The draft is written to IndexedDB as the person types, a moment after the keystroke: leave once it holds
    // the last one (navigating at once can abort that write, and the test would then flake).
    await page.waitForFunction(
      () =>
        new Promise((ok) => {
          const open = indexedDB.open("followthrough");
          open.onerror = () => ok(false);
          open.onsuccess = () => {
            const read = open.result.transaction("cache").objectStore("cache").get("reflection-draft");
            read.onerror = () => ok(false);
            read.onsuccess = () => {
              open.result.close();
              ok(read.result?.value?.answers?.personal === "I wait for permi");
            };
          };
        }),
      null,
      { polling: 100 },
    );
    await page.goto("/today");
    await page.getByRole("heading", { name: "Today" }).waitFor();

    await page.goto("/reflect");
    await page.getByText("question 3 of 5").waitFor();
    assert.equal(await page.getByRole("textbox").inputValue(), "I wait for permi");
    await page.getByRole("button", { name: "Back" }).click();
    assert.equal(await page.getByRole("textbox").inputValue(), "Meetings that decide nothing");
    assert.deepEqual(problems, []);
    await context.close();
  });
});
