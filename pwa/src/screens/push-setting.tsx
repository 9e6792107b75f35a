// Push on this device: ask for permission, subscribe, and register the subscription as a channel (or undo it).
import { useEffect, useState } from "preact/hooks";
import { api, ApiError, type Schemas, unwrap } from "../api/client";
import { deviceLabel, forgetPushChannel, pushChannelFor, rememberPushChannel, subscriptionBody, urlBase64ToBytes } from "../push";
import { ErrorNote } from "../ui";

type Channel = Schemas["ChannelOut"];

type PushState = "unsupported" | "denied" | "off" | "on" | "busy";

export function WebPush({ channels, changed }: { channels: Channel[] | undefined; changed: () => void }) {
  const [state, setState] = useState<PushState>("busy");
  const [error, setError] = useState<unknown>(null);
  const supported = typeof window !== "undefined" && "serviceWorker" in navigator && "PushManager" in window;

  const current = async () => (await navigator.serviceWorker.ready).pushManager.getSubscription();
  useEffect(() => {
    if (!supported) return setState("unsupported");
    if (Notification.permission === "denied") return setState("denied");
    void current().then((sub) => {
      const id = sub && pushChannelFor(sub.endpoint);
      setState(id && (!channels || channels.some((c) => c.id === id)) ? "on" : "off");
    });
  }, [channels]);

  const turnOn = async () => {
    setState("busy");
    setError(null);
    try {
      if ((await Notification.requestPermission()) !== "granted") return setState("denied");
      const { publicKey } = await unwrap(api.GET("/api/v1/push/vapid-public-key"));
      const registration = await navigator.serviceWorker.ready;
      const old = await registration.pushManager.getSubscription();
      // A subscription made with another server key cannot be reused.
      if (old) await old.unsubscribe();
      const sub = await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: urlBase64ToBytes(publicKey) });
      const channel = await unwrap(
        api.POST("/api/v1/channels", {
          body: { kind: "webpush", enabled: true, label: deviceLabel(navigator.userAgent), subscription: subscriptionBody(sub.toJSON()) },
        }),
      );
      rememberPushChannel(sub.endpoint, channel.id);
      setState("on");
      changed();
    } catch (e) {
      setError(e);
      setState("off");
    }
  };
  const turnOff = async () => {
    setState("busy");
    setError(null);
    try {
      const sub = await current();
      if (sub) {
        const id = pushChannelFor(sub.endpoint);
        if (id) {
          await unwrap(api.DELETE("/api/v1/channels/{channel_id}", { params: { path: { channel_id: id } } })).catch((e) => {
            // Already removed from the list: the subscription still has to go.
            if (!(e instanceof ApiError && e.status === 404)) throw e;
          });
          forgetPushChannel(sub.endpoint);
        }
        await sub.unsubscribe();
      }
      setState("off");
      changed();
    } catch (e) {
      setError(e);
      setState("on");
    }
  };

  return (
    <div class="card stack">
      <h2>Push on this device</h2>
      {state === "unsupported" && <p class="sub">This browser cannot receive push messages. Installing the app may help.</p>}
      {state === "denied" && <p class="sub">Notifications are blocked for this site. Allow them in the browser’s settings.</p>}
      {(state === "on" || state === "off" || state === "busy") && supported && (
        <>
          <p class="sub">{state === "on" ? "This device gets push messages." : "Reminders as notifications on this device."}</p>
          <button
            type="button"
            aria-pressed={state === "on"}
            disabled={state === "busy"}
            onClick={state === "on" ? turnOff : turnOn}
          >
            {state === "on" ? "Turn push off" : "Turn push on"}
          </button>
        </>
      )}
      <ErrorNote error={error} />
    </div>
  );
}
