// Push on this device: ask for permission, subscribe, and register the subscription as a channel (or undo it).
import { useEffect, useState } from "preact/hooks";
import { api, ApiError, type Schemas, unwrap } from "../api/client";
import { useMutate } from "../store/mutate";
import { deviceLabel, forgetPushChannel, pushChannelFor, rememberPushChannel, subscriptionBody, urlBase64ToBytes } from "../push";
import { ErrorNote } from "../ui";

type Channel = Schemas["ChannelOut"];

type PushState = "unsupported" | "denied" | "off" | "on" | "busy";

export function WebPush({ channels, changed }: { channels: Channel[] | undefined; changed: () => void }) {
  const [state, setState] = useState<PushState>("busy");
  const { mutate, error, clear } = useMutate();
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

  /** A subscription for the server's key (one made with another key cannot be reused), registered as a channel. */
  const subscribe = async () => {
    const { publicKey } = await unwrap(api.GET("/api/v1/push/vapid-public-key"));
    const registration = await navigator.serviceWorker.ready;
    await (await registration.pushManager.getSubscription())?.unsubscribe();
    const sub = await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: urlBase64ToBytes(publicKey) });
    const body = { kind: "webpush" as const, enabled: true, label: deviceLabel(navigator.userAgent), subscription: subscriptionBody(sub.toJSON()) };
    const channel = await unwrap(api.POST("/api/v1/channels", { body }));
    rememberPushChannel(sub.endpoint, channel.id);
  };
  /** The channel removed (already gone from the list is fine: the subscription still has to go), then the subscription. */
  const unsubscribe = async () => {
    const sub = await current();
    if (!sub) return;
    const id = pushChannelFor(sub.endpoint);
    if (id) {
      const path = { params: { path: { channel_id: id } } };
      await unwrap(api.DELETE("/api/v1/channels/{channel_id}", path)).catch((e) => {
        if (!(e instanceof ApiError && e.status === 404)) throw e;
      });
      forgetPushChannel(sub.endpoint);
    }
    await sub.unsubscribe();
  };
  const turnOn = async () => {
    setState("busy");
    clear();
    if ((await Notification.requestPermission()) !== "granted") return setState("denied");
    if ((await mutate({ steps: subscribe })).status !== "done") return setState("off");
    setState("on");
    changed();
  };
  const turnOff = async () => {
    setState("busy");
    if ((await mutate({ steps: unsubscribe })).status !== "done") return setState("on");
    setState("off");
    changed();
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
