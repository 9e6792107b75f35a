import { render } from "preact";
import "./styles.css";
import { App } from "./app";
import { watchInstallPrompt } from "./store/install";
import { bridge, loadSession, startSync } from "./store/state";

watchInstallPrompt();
void loadSession().then(startSync);
const root = document.getElementById("app")!;
root.textContent = ""; // the static "Loading…" line is only for the moment before this script runs
render(<App />, root);
// The service-worker bridge is not needed for the first paint.
addEventListener("load", () => {
  void import("./sw-bridge").then((m) => {
    m.registerServiceWorker();
    bridge.value = m;
  });
});
