// Loaded after the first render: registers the service worker and reports what it is doing.
import { Workbox } from "workbox-window";
import { notice } from "./store/state";
import { signal } from "@preact/signals";

export const updateReady = signal<null | (() => void)>(null);

export function registerServiceWorker(): void {
  if (!("serviceWorker" in navigator)) return;
  const wb = new Workbox("/sw.js", { scope: "/" });
  wb.addEventListener("installed", (event) => {
    if (!event.isUpdate && !localStorage.getItem("ft-offline-ready")) {
      localStorage.setItem("ft-offline-ready", "1");
      notice.value = "Ready to work offline.";
    }
  });
  wb.addEventListener("waiting", () => {
    updateReady.value = () => {
      wb.addEventListener("controlling", () => location.reload());
      wb.messageSkipWaiting();
    };
  });
  // Where the browser refuses service workers (a policy, a private mode), the app simply stays online-only.
  wb.register().catch(() => undefined);
}
