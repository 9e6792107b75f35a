// Installing the app: the prompt Chromium offers once, early, kept for the Install screen.
import { signal } from "@preact/signals";

/** Chromium's install prompt event (not in the DOM typings). */
export interface BeforeInstallPromptEvent extends Event {
  prompt(): Promise<void>;
  userChoice: Promise<{ outcome: "accepted" | "dismissed" }>;
}
/** The browser's install prompt, kept for the Install screen: the event fires once, early, on any page. */
export const installPrompt = signal<BeforeInstallPromptEvent | null>(null);
export const installed = signal(false);

/** Listens for the browser's install events; called once at start (main.tsx), before the prompt can fire. */
export function watchInstallPrompt(): void {
  addEventListener("beforeinstallprompt", (event) => {
    event.preventDefault(); // the Install screen offers it; no mini-infobar over the app
    installPrompt.value = event as BeforeInstallPromptEvent;
  });
  addEventListener("appinstalled", () => {
    installPrompt.value = null;
    installed.value = true;
  });
}
