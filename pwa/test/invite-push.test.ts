// Invite links and Web Push subscriptions: the parts of partners and notifications that are pure logic.
import { describe, expect, test } from "vitest";
import { ACCEPT_PATH, afterSignIn, captureInvite, forgetInvite, parseInviteToken, pendingInvite } from "../src/invite";
import { readPush, safeUrl } from "../src/notify";
import { deviceLabel, forgetPushChannel, pushChannelFor, rememberPushChannel, subscriptionBody, urlBase64ToBytes } from "../src/push";

function memory() {
  const m = new Map<string, string>();
  return {
    getItem: (k: string) => m.get(k) ?? null,
    setItem: (k: string, v: string) => void m.set(k, v),
    removeItem: (k: string) => void m.delete(k),
  };
}

const TOKEN = "q3Zb_9-xYw8aVbT1s2Kd0pLmNoPqRsTuVwXyZ012345";

describe("invite links", () => {
  test("the token is read from the fragment, with or without the hash sign", () => {
    expect(parseInviteToken(`#${TOKEN}`)).toBe(TOKEN);
    expect(parseInviteToken(TOKEN)).toBe(TOKEN);
  });

  test("a percent-encoded or token= fragment still gives the token", () => {
    expect(parseInviteToken(`#token%3D${TOKEN}`)).toBe(TOKEN);
    expect(parseInviteToken(`#token=${TOKEN}`)).toBe(TOKEN);
  });

  test("an empty, mangled or oversized fragment gives no token", () => {
    expect(parseInviteToken("")).toBeNull();
    expect(parseInviteToken("#")).toBeNull();
    expect(parseInviteToken("#abc def<script>")).toBeNull();
    expect(parseInviteToken("#%E0%A4%A")).toBeNull();
    expect(parseInviteToken(`#${"a".repeat(201)}`)).toBeNull();
  });

  test("the token opened signed out waits for sign-in, which then returns to the accept page", () => {
    const store = memory();
    expect(afterSignIn("/reflect", store)).toBe("/reflect");
    expect(captureInvite({ pathname: ACCEPT_PATH, hash: `#${TOKEN}` }, store)).toBe(TOKEN);
    expect(afterSignIn("/reflect", store)).toBe(ACCEPT_PATH);
    // After the redirect the fragment is gone; the remembered token is still found.
    expect(captureInvite({ pathname: ACCEPT_PATH, hash: "" }, store)).toBe(TOKEN);
    forgetInvite(store);
    expect(pendingInvite(store)).toBeNull();
    expect(afterSignIn("/today", store)).toBe("/today");
  });

  test("a fragment on another page is not taken for an invite", () => {
    const store = memory();
    expect(captureInvite({ pathname: "/today", hash: `#${TOKEN}` }, store)).toBeNull();
    expect(pendingInvite(store)).toBeNull();
  });
});

describe("web push", () => {
  test("the VAPID key in base64url becomes its raw bytes", () => {
    const bytes = new Uint8Array(65).map((_, i) => (i * 37 + 4) % 256);
    const b64url = Buffer.from(bytes).toString("base64url");
    expect(b64url).not.toContain("=");
    expect(Array.from(urlBase64ToBytes(b64url))).toEqual(Array.from(bytes));
    expect(Array.from(urlBase64ToBytes("-_8"))).toEqual([0xfb, 0xff]);
  });

  test("a browser subscription becomes the channels API body", () => {
    const json = { endpoint: "https://push.example/abc", expirationTime: null, keys: { p256dh: "BPk-_x", auth: "a_b-c" } };
    expect(subscriptionBody(json)).toEqual({ endpoint: json.endpoint, expirationTime: null, keys: { p256dh: "BPk-_x", auth: "a_b-c" } });
    expect(subscriptionBody({ ...json, expirationTime: 1700000000000.4 }).expirationTime).toBe(1700000000000);
  });

  test("a subscription without keys is refused before it reaches the server", () => {
    expect(() => subscriptionBody({ endpoint: "https://push.example/abc" })).toThrow(/without keys/);
    expect(() => subscriptionBody({ keys: { p256dh: "x", auth: "y" } })).toThrow(/without keys/);
  });

  test("this device's channel is remembered per endpoint and forgotten on unsubscribe", () => {
    const store = memory();
    rememberPushChannel("https://push.example/a", "ch-1", store);
    rememberPushChannel("https://push.example/b", "ch-2", store);
    expect(pushChannelFor("https://push.example/a", store)).toBe("ch-1");
    forgetPushChannel("https://push.example/a", store);
    expect(pushChannelFor("https://push.example/a", store)).toBeNull();
    expect(pushChannelFor("https://push.example/b", store)).toBe("ch-2");
    store.setItem("ft-push-channels", "not json");
    expect(pushChannelFor("https://push.example/b", store)).toBeNull();
  });

  test("the device label names the system", () => {
    expect(deviceLabel("Mozilla/5.0 (Linux; Android 14; Pixel 8)")).toBe("Push on this device (Android)");
    expect(deviceLabel("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)")).toBe("Push on this device (iOS)");
    expect(deviceLabel("curl/8")).toBe("Push on this device (browser)");
  });
});

describe("push messages in the service worker", () => {
  const origin = "https://ft.example";

  test("a JSON payload gives title, body and a link in the app", () => {
    const m = readPush(JSON.stringify({ title: "Decide one thing", body: "in 15 minutes", url: "/today?occurrence=1" }), origin);
    expect(m).toEqual({ title: "Decide one thing", body: "in 15 minutes", url: "https://ft.example/today?occurrence=1" });
  });

  test("plain text or nothing still shows a notification that opens Today", () => {
    expect(readPush("hello", origin)).toEqual({ title: "Followthrough", body: "hello", url: "https://ft.example/today" });
    expect(readPush(null, origin).url).toBe("https://ft.example/today");
    expect(readPush(JSON.stringify({ title: 5 }), origin).title).toBe("Followthrough");
  });

  test("a link to another site is never opened from a notification", () => {
    expect(safeUrl("https://evil.example/x", origin)).toBe("https://ft.example/today");
    expect(safeUrl("https://ft.example/partners", origin)).toBe("https://ft.example/partners");
  });
});
