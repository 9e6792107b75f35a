import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import { problemsOf } from "./store/mutate";

/**
 * The error of a failed request, in plain words. `fields` names the inputs that show their own message
 * (see Field): those are not repeated here, so each problem is said once, next to its field when it has one.
 */
export function ErrorNote({ error, fields }: { error: unknown; fields?: readonly string[] }) {
  const text = problemsOf(error, fields).general;
  if (!text) return null;
  return (
    <p class="error" role="alert">
      {text}
    </p>
  );
}

/** A labelled field whose server-side error (by wire field name) is shown under it. */
export function Field(props: { label: string; name?: string; error?: unknown; hint?: string; children: ComponentChildren }) {
  const message = props.name ? problemsOf(props.error, [props.name]).byField[props.name] : undefined;
  return (
    <label class="field">
      <span class="label">{props.label}</span>
      {props.hint && <span class="hint">{props.hint}</span>}
      {props.children}
      {message && (
        <span class="error" role="alert">
          {message}
        </span>
      )}
    </label>
  );
}

export function Loading({ what }: { what: string }) {
  return <p aria-live="polite">Loading {what}…</p>;
}

export function Stale({ stale }: { stale: boolean }) {
  return stale ? <p class="stale">Offline: showing what was last seen.</p> : null;
}

export function formatTime(iso: string, timeZone?: string): string {
  return new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit", hourCycle: "h23", timeZone }).format(new Date(iso));
}

export function formatDate(isoDate: string): string {
  const [y, m, d] = isoDate.slice(0, 10).split("-").map(Number);
  return new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" }).format(
    new Date(Date.UTC(y, m - 1, d)),
  );
}

/** Reads a form's named inputs as strings. */
export function formValues(form: HTMLFormElement): Record<string, string> {
  const out: Record<string, string> = {};
  new FormData(form).forEach((v, k) => {
    out[k] = String(v);
  });
  return out;
}

export const orNull = (s: string | undefined) => (s && s.trim() ? s.trim() : null);

/** A checkbox that saves at once; `busy` while the server answers. */
export function Toggle(props: { label: string; checked: boolean; hint?: string; onChange: (value: boolean) => Promise<void> }) {
  const [busy, setBusy] = useState(false);
  return (
    <label class="choice toggle">
      <input
        type="checkbox"
        checked={props.checked}
        disabled={busy}
        onChange={async (e) => {
          setBusy(true);
          try {
            await props.onChange((e.currentTarget as HTMLInputElement).checked);
          } finally {
            setBusy(false);
          }
        }}
      />
      <span>
        {props.label}
        {props.hint && <span class="hint block">{props.hint}</span>}
      </span>
    </label>
  );
}

export function formatDateTime(iso: string): string {
  return new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" }).format(new Date(iso));
}
