// Answering a reminder from its Web Push notification. A real reminder goes from the backend's worker,
// signed and encrypted, to a push service of our own on 127.0.0.1 (it decrypts with the subscription keys it
// made, RFC 8291); the test hands that payload to Chromium through the DevTools protocol, as a push service
// would. The service worker's notificationclick handler is then exercised inside the worker for each action,
// online and offline, and the server must end up with exactly one check-in.
import assert from "node:assert/strict";
import { createDecipheriv, createECDH, hkdfSync, randomBytes } from "node:crypto";
import { createServer } from "node:http";
import { describe, test } from "node:test";
import { apiGet, apiSend, backend, pushInto, signedInPage } from "./support.mjs";

const TITLE = "Water the balcony plants";
const SYNC_TAG = "followthrough-outbox"; // pwa/src/sw.ts

/** A local wall time `seconds` from now in UTC (the participant's zone), as the schedule wants it. */
function localInUtc(seconds) {
  return new Date(Date.now() + seconds * 1000).toISOString().slice(0, 19);
}

async function waitFor(probe, seconds, what) {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const found = await probe();
    if (found) return found;
    if (Date.now() > deadline) assert.fail(`waited ${seconds} s for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** A push service for one subscription: it checks the VAPID header's shape, decrypts and keeps each payload. */
function startPushService() {
  const keys = createECDH("prime256v1");
  keys.generateKeys();
  const auth = randomBytes(16);
  const received = [];
  const server = createServer((request, response) => {
    const chunks = [];
    request.on("data", (chunk) => chunks.push(chunk));
    request.on("end", () => {
      try {
        const vapid = (request.headers.authorization ?? "").match(/^vapid t=([\w-]+)\.([\w-]+)\.[\w-]+, k=[\w-]+$/);
        assert.ok(vapid, `a VAPID authorization header: ${request.headers.authorization}`);
        // As Apple's push service does (BadJwtToken): the contact must be a mailto: or https: address.
        const { sub } = JSON.parse(Buffer.from(vapid[2], "base64url").toString("utf8"));
        assert.match(sub ?? "", /^(mailto:|https:)/, `the VAPID subject ${sub}`);
        assert.equal(request.headers["content-encoding"], "aes128gcm");
        received.push(JSON.parse(decrypt(Buffer.concat(chunks), keys, auth)));
        response.writeHead(201).end();
      } catch (error) {
        received.push({ error: String(error) });
        response.writeHead(400).end();
      }
    });
  });
  return new Promise((ok) =>
    server.listen(0, "127.0.0.1", () => {
      const endpoint = `http://127.0.0.1:${server.address().port}/push/${randomBytes(16).toString("base64url")}`;
      const subscription = { endpoint, keys: { p256dh: keys.getPublicKey().toString("base64url"), auth: auth.toString("base64url") } };
      ok({ server, received, subscription });
    }),
  );
}

/** RFC 8291 (aes128gcm, one record): what the browser's push stack does with what the server sent. */
function decrypt(body, keys, auth) {
  const salt = body.subarray(0, 16);
  const keyLength = body[20];
  const senderKey = body.subarray(21, 21 + keyLength);
  const record = body.subarray(21 + keyLength);
  const info = Buffer.concat([Buffer.from("WebPush: info\0"), keys.getPublicKey(), senderKey]);
  const ikm = Buffer.from(hkdfSync("sha256", keys.computeSecret(senderKey), auth, info, 32));
  const contentKey = Buffer.from(hkdfSync("sha256", ikm, salt, "Content-Encoding: aes128gcm\0", 16));
  const nonce = Buffer.from(hkdfSync("sha256", ikm, salt, "Content-Encoding: nonce\0", 12));
  const decipher = createDecipheriv("aes-128-gcm", contentKey, nonce);
  decipher.setAuthTag(record.subarray(-16));
  const padded = Buffer.concat([decipher.update(record.subarray(0, -16)), decipher.final()]);
  return padded.subarray(0, padded.lastIndexOf(2)).toString("utf8"); // the delimiter, then zero padding
}

/** The notifications the service worker shows under `tag`, as plain data. */
function notifications(page, tag) {
  return page.evaluate(async (tag) => {
    const registration = await navigator.serviceWorker.ready;
    return (await registration.getNotifications({ tag })).map((n) => ({
      title: n.title,
      body: n.body,
      tag: n.tag,
      actions: n.actions.map(({ action, title }) => ({ action, title })),
      data: n.data,
    }));
  }, tag);
}

/** The app's outbox in IndexedDB (the one the page and the service worker share), or its refused writes. */
function outbox(page, store = "outbox") {
  return page.evaluate(
    (store) =>
      new Promise((ok, fail) => {
        const opened = indexedDB.open("followthrough");
        opened.onerror = () => fail(opened.error);
        opened.onsuccess = () => {
          const read = opened.result.transaction(store).objectStore(store).getAll();
          read.onsuccess = () => ok(read.result.map((e) => e.entry ?? e).map(({ id, op, token, body, label }) => ({ id, op, token, body, label })));
          read.onerror = () => fail(read.error);
        };
      }),
    store,
  );
}

/** Taps a notification's button (or its body, action "") inside the worker: a NotificationEvent made there
 * with the shown notification goes to the worker's own listener. A script-made event may not extend its
 * own lifetime, so what the listener hands to waitUntil is collected and awaited here. */
async function tap(context, tag, action) {
  const worker = context.serviceWorkers().find((w) => w.url().endsWith("/sw.js")) ?? (await context.waitForEvent("serviceworker"));
  const waited = await worker.evaluate(
    async ({ tag, action }) => {
      const [notification] = await self.registration.getNotifications({ tag });
      if (!notification) throw new Error(`no notification tagged ${tag}`);
      const event = new NotificationEvent("notificationclick", { notification, action });
      const pending = [];
      Object.defineProperty(event, "waitUntil", { value: (promise) => pending.push(promise) });
      self.dispatchEvent(event);
      await Promise.all(pending);
      return pending.length;
    },
    { tag, action },
  );
  assert.equal(waited, 1, `the worker handled the ${action || "body"} tap`);
}

describe("answering a reminder from its Web Push notification", () => {
  test("13: a real push shows Done and Snooze 1 h; Done counts once, online and offline", async () => {
    const push = await startPushService();
    const { context, page, problems } = await signedInPage("push-act@example.com", { name: "Ada", timeZone: "UTC" });
    try {
      await context.grantPermissions(["notifications"], { origin: backend.base });
      await page.goto("/today");
      const { send, cdp, registrationId } = await pushInto(context, page);
      /** Hands a payload to the browser, as a push service would, and waits until it is on screen. */
      const deliver = async (payload) => {
        await send(payload);
        const onScreen = async () => (await notifications(page, payload.tag)).find((n) => n.title === payload.title && n.actions.length);
        // Generous: the service worker may have to be started first, on a machine busy with the other steps.
        return waitFor(onScreen, 30, `the notification “${payload.title}”`);
      };
      const backgroundSync = () =>
        cdp.send("ServiceWorker.dispatchSyncEvent", { origin: backend.base, registrationId, tag: SYNC_TAG, lastChance: false });

      // The app's own flow: this browser's subscription (at our push service) and a reminder due soon.
      await apiSend(context, "POST", "/api/v1/channels", {
        kind: "webpush",
        subscription: push.subscription,
        label: "Test phone",
        events: ["reminder.due"],
      });
      const action = await apiSend(context, "POST", "/api/v1/key-actions", {
        title: TITLE,
        schedule: { kind: "once", dueAt: localInUtc(80) },
        reminderOffsets: [1],
      });
      const checkIns = async () => (await apiGet(context, `/api/v1/check-ins?keyActionId=${action.id}`)).total;

      const reminder = await waitFor(() => push.received.find((p) => p.error || p.actToken), 90, "a reminder push with an act token");
      assert.equal(reminder.error, undefined, "the push decrypts");
      assert.match(reminder.title, new RegExp(TITLE));
      assert.equal(reminder.tag, `occurrence:${reminder.occurrenceId}`);
      assert.match(reminder.actToken, /^[A-Za-z0-9_-]{16,}$/);
      const { tag, actToken, occurrenceId } = reminder;
      const todayUrl = `${backend.base}/today?occurrence=${occurrenceId}`;

      // Shown with its tag, its two buttons and what they need.
      const shown = await deliver(reminder);
      assert.equal(shown.title, reminder.title);
      assert.deepEqual(shown.actions, [{ action: "done", title: "Done" }, { action: "snooze_1h", title: "Snooze 1 h" }]);
      assert.deepEqual({ url: shown.data.url, occurrenceId: shown.data.occurrenceId, actToken: shown.data.actToken }, { url: todayUrl, occurrenceId, actToken });
      // One notification per occurrence: a later reminder of it (a snooze) replaces the earlier one.
      await deliver({ ...reminder, title: `Now: ${TITLE}` });
      assert.equal((await notifications(page, tag)).length, 1);
      await deliver(reminder);

      // Tapping the body opens Today at the occurrence, in the open window; it changes nothing.
      await page.goto("/account");
      await tap(context, tag, "");
      await page.waitForURL(todayUrl);
      // Today marks the card of that occurrence.
      await page.locator('.agenda-item[aria-current="true"]', { hasText: TITLE }).waitFor();
      assert.equal(await checkIns(), 0);

      // Snooze 1 h, online: sent at once, and the reminder becomes a short confirmation without buttons.
      await deliver(reminder);
      await tap(context, tag, "snooze_1h");
      const [snoozed] = await notifications(page, tag);
      assert.equal(snoozed.title, "Snoozed for an hour");
      assert.equal(snoozed.body, TITLE);
      assert.deepEqual(snoozed.actions, []);
      const afterSnooze = await (await fetch(`${backend.base}/api/v1/act/${actToken}`)).json();
      assert.equal(afterSnooze.state, "answered");
      assert.equal(afterSnooze.answer.choice, "snooze_1h");
      assert.equal(await checkIns(), 0);
      assert.ok((await fetch(`${backend.base}/api/v1/act/${actToken}/undo`, { method: "POST" })).ok, "undo the snooze");

      // Done, offline: kept in the app's outbox, said so, and sent by Background Sync once back online. The
      // page leaves the app (a same-origin page the worker does not serve), so only the worker can send it.
      await page.goto("/health/live");
      await deliver(reminder);
      await context.setOffline(true);
      await tap(context, tag, "done");
      const [saved] = await notifications(page, tag);
      assert.equal(saved.title, `Done ✓ ${TITLE}`);
      assert.match(saved.body, /sent when you are back online/);
      assert.deepEqual(saved.actions, []);
      const [queued] = await outbox(page);
      assert.deepEqual([queued.op, queued.token], ["act", actToken]);
      assert.deepEqual(queued.body, { choice: "done", id: queued.id });
      assert.equal(queued.label, `Done: ${TITLE}`);
      assert.equal(await checkIns(), 0, "nothing reached the server offline");
      await context.setOffline(false);
      await backgroundSync();
      await waitFor(async () => (await outbox(page)).length === 0, 15, "the outbox to empty");
      assert.equal(await checkIns(), 1, "Background Sync sent it once");

      // Done again from a notification still on screen: the same answer, still one check-in.
      await deliver(reminder);
      await tap(context, tag, "done");
      assert.equal((await notifications(page, tag))[0].title, `Done ✓ ${TITLE}`);
      assert.equal(await checkIns(), 1, "a second Done is the same answer");

      // Done offline once more (after Undo), then the app opens: its own replay sends the worker's entry.
      assert.ok((await fetch(`${backend.base}/api/v1/act/${actToken}/undo`, { method: "POST" })).ok, "undo Done");
      assert.equal(await checkIns(), 0, "undo took it back");
      await deliver(reminder);
      await context.setOffline(true);
      await tap(context, tag, "done");
      assert.equal((await outbox(page)).length, 1);
      await context.setOffline(false);
      await page.goto("/today");
      await page.getByRole("heading", { name: "Today" }).waitFor();
      await waitFor(async () => (await outbox(page)).length === 0, 15, "the outbox to empty");
      await page.getByTestId("pending-sync").waitFor({ state: "detached" });
      assert.equal(await checkIns(), 1, "the app's replay sent it, once");
      const answered = await (await fetch(`${backend.base}/api/v1/act/${actToken}`)).json();
      assert.equal(answered.answer.choice, "done");
      assert.deepEqual(await outbox(page, "rejected"), [], "nothing was refused");
      assert.deepEqual(problems, []);
    } finally {
      push.server.close();
      await context.close();
    }
  });
});
