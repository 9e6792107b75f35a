// Installing Followthrough on the home screen: the browser's own prompt where there is one (Chromium),
// step-by-step guidance on iPhone and iPad (Safari has no prompt, and needs the installed app for Web Push).
import { useState } from "preact/hooks";
import { installed, installPrompt } from "../store/install";
import { AddToHomeScreenIcon, BellIcon, Icon, InstallIcon, ShareIcon } from "../icons";

/** iPhone, iPod, or an iPad (which reports itself as a Mac, but has a touch screen). */
function isAppleMobile(): boolean {
  return /iPhone|iPad|iPod/.test(navigator.userAgent) || (navigator.platform === "MacIntel" && navigator.maxTouchPoints > 1);
}

export function isStandalone(): boolean {
  return matchMedia("(display-mode: standalone)").matches || (navigator as { standalone?: boolean }).standalone === true;
}

function PromptInstall() {
  const [answer, setAnswer] = useState<"accepted" | "dismissed" | null>(null);
  const prompt = installPrompt.value!;
  const install = async () => {
    await prompt.prompt();
    const choice = await prompt.userChoice;
    setAnswer(choice.outcome);
    // A prompt can be shown only once; the browser fires a new event if it may ask again.
    installPrompt.value = null;
  };
  if (answer === "dismissed") return <p>Not installed. You can install it later from your browser's menu.</p>;
  return (
    <>
      <p>Install Followthrough to open it from your home screen like any other app, with its own window.</p>
      <p>
        <button type="button" class="primary" onClick={install}>
          <Icon icon={InstallIcon} /> Install Followthrough
        </button>
      </p>
    </>
  );
}

function AppleSteps() {
  return (
    <>
      <p>
        On iPhone and iPad, Followthrough can send reminders as notifications only once it is on your Home Screen: that
        is how Safari allows web apps to use push.
      </p>
      <ol class="steps">
        <li>
          <Icon icon={ShareIcon} class="lead" />
          <span>
            Tap the <strong>Share</strong> button, a square with an arrow pointing up. In Safari it is in the toolbar at the
            bottom of the screen (at the top on iPad).
          </span>
        </li>
        <li>
          <Icon icon={AddToHomeScreenIcon} class="lead" />
          <span>
            Scroll the list of actions and tap <strong>Add to Home Screen</strong>.
          </span>
        </li>
        <li>
          <Icon icon={InstallIcon} class="lead" />
          <span>
            Keep the name Followthrough and tap <strong>Add</strong>.
          </span>
        </li>
        <li>
          <Icon icon={BellIcon} class="lead" />
          <span>
            Open Followthrough from your Home Screen, sign in, and turn on push in{" "}
            <a href="/settings/notifications">Notifications</a>.
          </span>
        </li>
      </ol>
    </>
  );
}

export default function Install() {
  let body;
  if (installed.value || isStandalone()) {
    body = (
      <p>
        Followthrough is installed on this device. Open it from your home screen; notifications are set up in{" "}
        <a href="/settings/notifications">Notifications</a>.
      </p>
    );
  } else if (installPrompt.value) {
    body = <PromptInstall />;
  } else if (isAppleMobile()) {
    body = <AppleSteps />;
  } else {
    body = (
      <p>
        Look in your browser's menu for <strong>Install app</strong> or <strong>Add to Home screen</strong>. If there is
        none, this browser does not install web apps; Followthrough works in the browser all the same.
      </p>
    );
  }
  return (
    <section>
      <h1>Install the app</h1>
      {body}
    </section>
  );
}
