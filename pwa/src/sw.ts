// The service worker: precache the app shell, answer navigations with index.html, wait for the page's
// "Update available, reload" before a new version takes over (SKIP_WAITING), show Web Push messages, and
// answer a reminder from its buttons through the app's own outbox (so it works offline, exactly once).
import { clientsClaim } from "workbox-core";
import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute } from "workbox-precaching";
import { NavigationRoute, registerRoute } from "workbox-routing";
import {
  actEntry,
  confirmation,
  isActWrite,
  isPushChoice,
  notificationFor,
  readReminder,
  subjectOf,
  type Outcome,
  type PushChoice,
  type ReminderData,
  type ShownOptions,
} from "./push-actions";
import { db, type OutboxEntry } from "./store/db";
import { requestOf } from "./store/operations";
import { enqueue, replay } from "./store/outbox";

/** The Background Sync tag under which queued answers wait for the network. */
const SYNC_TAG = "followthrough-outbox";
const SEND_TIMEOUT_MS = 10_000;

interface WindowClientLike {
  url: string;
  focus(): Promise<unknown>;
  navigate(url: string): Promise<unknown>;
}
interface ExtendableEventLike extends Event {
  waitUntil(promise: Promise<unknown>): void;
}
interface PushEventLike extends ExtendableEventLike {
  data: { text(): string } | null;
}
interface NotificationEventLike extends ExtendableEventLike {
  action: string;
  notification: Notification;
}
interface SyncEventLike extends ExtendableEventLike {
  tag: string;
}

declare const self: {
  __WB_MANIFEST: Array<string | { url: string; revision: string | null }>;
  location: Location;
  registration: ServiceWorkerRegistration & { sync?: { register(tag: string): Promise<void> } };
  clients: {
    matchAll(options: { type: "window"; includeUncontrolled: boolean }): Promise<WindowClientLike[]>;
    openWindow(url: string): Promise<unknown>;
  };
  skipWaiting(): Promise<void>;
  addEventListener(type: "message", listener: (event: MessageEvent) => void): void;
  addEventListener(type: "push", listener: (event: PushEventLike) => void): void;
  addEventListener(type: "notificationclick", listener: (event: NotificationEventLike) => void): void;
  addEventListener(type: "sync", listener: (event: SyncEventLike) => void): void;
};

precacheAndRoute(self.__WB_MANIFEST);
cleanupOutdatedCaches();
// The API, its docs, health checks and calendar feeds are the server's; everything else is a route of the app.
registerRoute(
  new NavigationRoute(createHandlerBoundToURL("index.html"), { denylist: [/^\/api\//, /^\/schema/, /^\/health\//, /^\/calendar\//] }),
);
self.addEventListener("message", (event) => {
  if ((event.data as { type?: string } | null)?.type === "SKIP_WAITING") void self.skipWaiting();
});

self.addEventListener("push", (event) => {
  const { title, options } = notificationFor(readReminder(event.data?.text(), self.location.origin));
  event.waitUntil(self.registration.showNotification(title, options));
});

self.addEventListener("notificationclick", (event) => {
  const data = event.notification.data as ReminderData | null;
  if (isPushChoice(event.action) && data?.actToken) {
    event.waitUntil(answer(event.notification, event.action, data.actToken));
  } else {
    event.notification.close();
    event.waitUntil(openApp(data?.url ?? new URL("/today", self.location.origin).href));
  }
});

self.addEventListener("sync", (event) => {
  if (event.tag !== SYNC_TAG) return;
  // A rejected promise tells the browser to try again later.
  event.waitUntil(
    sendQueuedAnswers().then((result) => {
      if (result.stopped) throw new Error("still offline");
    }),
  );
});

/** Queue the button's answer, try to send it now, and replace the reminder with what happened. */
async function answer(reminder: Notification, choice: PushChoice, actToken: string): Promise<void> {
  const subject = subjectOf(reminder.title, reminder.data as ReminderData);
  const entry = await enqueue(await db(), actEntry(actToken, choice, subject, crypto.randomUUID()));
  const result = await sendQueuedAnswers();
  const refused = result.rejected.find((r) => r.entry.id === entry.id);
  let outcome: Outcome = { kind: "sent" };
  if (refused) {
    outcome = { kind: "refused", message: refused.message };
  } else if (result.stopped) {
    outcome = { kind: "queued" };
    await self.registration.sync?.register(SYNC_TAG).catch(() => undefined); // the app's replay remains
  }
  const words = confirmation(choice, subject, outcome);
  if (!reminder.tag) reminder.close(); // with a tag, the confirmation takes its place
  const options: ShownOptions = {
    body: words.body,
    icon: "/icons/icon-192.png",
    badge: "/icons/icon-192.png",
    tag: reminder.tag || undefined,
    silent: true,
    data: { url: (reminder.data as ReminderData).url },
  };
  await self.registration.showNotification(words.title, options);
}

/** Only answers from notifications: the app's own writes need its session's CSRF token, so they wait for it. */
function sendQueuedAnswers() {
  return db().then((d) => replay(d, sendWithoutSession, isActWrite));
}

function sendWithoutSession(entry: OutboxEntry): Promise<Response> {
  const request = requestOf(entry);
  return fetch(request.path, {
    method: request.method,
    credentials: "omit", // the token is the permission; no cookie needed
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(request.body),
    signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
  });
}

async function openApp(url: string): Promise<void> {
  const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
  // An open window of the app is reused (and moved to the link) rather than opening another.
  const open = windows.find((w) => w.url === url) ?? windows[0];
  if (open) {
    // Focus needs the click's user activation; should that have lapsed, moving the window still helps.
    await open.focus().catch(() => undefined);
    if (open.url !== url) await open.navigate(url);
  } else {
    await self.clients.openWindow(url);
  }
}
// The first install takes the open page at once, so it works offline without a reload; updates still wait.
clientsClaim();
