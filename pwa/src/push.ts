// Web Push for this device: the VAPID key's encoding, the subscription body the channels API takes, and
// which channel holds this device's subscription (remembered per endpoint, since channel URLs are secret
// and come back masked).
import type { Schemas } from "./api/client";

/** A base64url string (the VAPID public key) as the bytes `pushManager.subscribe` wants. */
export function urlBase64ToBytes(value: string): Uint8Array<ArrayBuffer> {
  const padded = value.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (value.length % 4)) % 4);
  const binary = atob(padded);
  const out = new Uint8Array(new ArrayBuffer(binary.length));
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

/** The channels API's `subscription` from a PushSubscription's toJSON(); throws if the browser left keys out. */
export function subscriptionBody(json: PushSubscriptionJSON): Schemas["PushSubscription"] {
  const { endpoint, keys, expirationTime } = json;
  if (!endpoint || !keys?.p256dh || !keys?.auth) throw new Error("The browser gave a push subscription without keys.");
  return {
    endpoint,
    keys: { p256dh: keys.p256dh, auth: keys.auth },
    expirationTime: expirationTime == null ? null : Math.round(expirationTime),
  };
}

/** A label for this device's channel, e.g. "This phone (Android)". */
export function deviceLabel(userAgent: string): string {
  const os = /Android/.test(userAgent)
    ? "Android"
    : /iPhone|iPad|iPod/.test(userAgent)
      ? "iOS"
      : /Mac OS X/.test(userAgent)
        ? "macOS"
        : /Windows/.test(userAgent)
          ? "Windows"
          : /Linux/.test(userAgent)
            ? "Linux"
            : "browser";
  return `Push on this device (${os})`;
}

const KEY = "ft-push-channels";
type Store = Pick<Storage, "getItem" | "setItem">;

function read(store: Store): Record<string, string> {
  try {
    return JSON.parse(store.getItem(KEY) ?? "{}") as Record<string, string>;
  } catch {
    return {};
  }
}

export function rememberPushChannel(endpoint: string, channelId: string, store: Store = localStorage): void {
  store.setItem(KEY, JSON.stringify({ ...read(store), [endpoint]: channelId }));
}

export function pushChannelFor(endpoint: string, store: Store = localStorage): string | null {
  return read(store)[endpoint] ?? null;
}

export function forgetPushChannel(endpoint: string, store: Store = localStorage): void {
  const all = read(store);
  delete all[endpoint];
  store.setItem(KEY, JSON.stringify(all));
}
