// Passing an invite link on: the phone's share sheet where there is one, else the clipboard, else the person
// copies it themselves (the screen then selects the link for them).

/** Shares `url` with the invite's words; says how it went, so the screen can say what to do next. */
export async function shareLink(url: string): Promise<"shared" | "copied" | "shown"> {
  const data = { title: "Followthrough", text: "Will you be my accountability partner?", url };
  if (typeof navigator.share === "function" && (!navigator.canShare || navigator.canShare(data))) {
    try {
      await navigator.share(data);
      return "shared";
    } catch (e) {
      if (e instanceof DOMException && e.name === "AbortError") return "shown";
    }
  }
  return (await copy(url)) ? "copied" : "shown";
}

/** Copies `text`; false when the browser will not (no permission, or not a secure context). */
export async function copy(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}
