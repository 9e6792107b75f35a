// What the service worker shows for a push message (kept apart from sw.ts so it can be tested).
export interface PushMessage {
  title: string;
  body: string;
  url: string;
}

/** A push payload ({title, body, url} as JSON) as a notification; plain text becomes the body. */
export function readPush(text: string | null | undefined, origin: string): PushMessage {
  const fallback = { title: "Followthrough", body: "", url: "/today" };
  if (!text) return { ...fallback, url: new URL(fallback.url, origin).href };
  let data: Partial<Record<keyof PushMessage, unknown>>;
  try {
    data = JSON.parse(text) as typeof data;
  } catch {
    return { ...fallback, body: text.slice(0, 500), url: new URL(fallback.url, origin).href };
  }
  const str = (v: unknown, d: string) => (typeof v === "string" && v.trim() ? v : d);
  return {
    title: str(data.title, fallback.title),
    body: str(data.body, ""),
    url: safeUrl(str(data.url, fallback.url), origin),
  };
}

/** Only this app's own pages are opened from a notification. */
export function safeUrl(url: string, origin: string): string {
  try {
    const u = new URL(url, origin);
    return u.origin === origin ? u.href : new URL("/today", origin).href;
  } catch {
    return new URL("/today", origin).href;
  }
}
