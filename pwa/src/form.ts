// Controlled edit forms: a form shows the saved values and saves back only what changed.
//
// Every edit form keeps a draft in the form's own terms (strings for inputs, booleans for checkboxes),
// made from the saved record by a pure function. On submit the draft is compared with the draft of the
// saved record, key by key, and only the keys that differ are sent. Saving without touching anything
// sends nothing, so nothing stored can be overwritten by what a field happened to show.
import { useEffect, useState } from "preact/hooks";
import { type Call, useMutate } from "./store/mutate";

/** True when two draft values are the same (drafts hold plain data: strings, numbers, arrays, objects). */
export function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The keys of `draft` whose values differ from `saved`, with their draft values. */
export function changedKeys<T extends object>(saved: T, draft: T): Partial<T> {
  const out: Partial<T> = {};
  for (const key of Object.keys(draft) as (keyof T)[]) {
    if (!same(saved[key], draft[key])) out[key] = draft[key];
  }
  return out;
}

export interface Draft<T extends object> {
  value: T;
  set: <K extends keyof T>(key: K, value: T[K]) => void;
  /** Props for a text-like input, textarea or select bound to `key` (a string field). */
  bind: <K extends keyof T>(key: K) => { name: string; value: string; onInput: (e: Event) => void };
  /** Props for a checkbox bound to `key` (a boolean field). */
  check: <K extends keyof T>(key: K) => { name: string; checked: boolean; onChange: (e: Event) => void };
  changes: () => Partial<T>;
  /** Start again from `next` (the record as now stored). */
  replace: (next: T) => void;
}

/**
 * A draft of `saved`, compared with `saved` for what changed. A form whose record may change underneath it
 * either uses useEditForm or is mounted with a `key` that changes with the record (its updatedAt).
 */
export function useDraft<T extends object>(saved: T): Draft<T> {
  const [value, setValue] = useState<T>(saved);
  const set = <K extends keyof T>(key: K, v: T[K]) => setValue((d) => ({ ...d, [key]: v }));
  return {
    value,
    set,
    bind: (key) => ({
      name: String(key),
      value: String(value[key] ?? ""),
      onInput: (e: Event) => set(key, (e.currentTarget as HTMLInputElement).value as T[typeof key]),
    }),
    check: (key) => ({
      name: String(key),
      checked: Boolean(value[key]),
      onChange: (e: Event) => set(key, (e.currentTarget as HTMLInputElement).checked as T[typeof key]),
    }),
    changes: () => changedKeys(saved, value),
    replace: (next: T) => setValue(next),
  };
}

export interface EditForm<T extends object> {
  draft: Draft<T>;
  error: unknown;
  /** "Saved." or "Nothing changed." once the person has saved. */
  outcome: string | null;
  submit: (event: Event) => Promise<void>;
}

/**
 * An edit form over `saved`: on submit, `send` makes the call for only the fields changed since the last save,
 * or is not called at all when nothing changed (the form then says so); `onSaved` follows a stored save. A
 * refused save keeps the draft and shows the error. The form stays mounted across saves, so what it says
 * after saving stays on screen; when the stored record changes elsewhere (another device) while nothing is
 * being edited, the form takes the new values.
 */
export function useEditForm<T extends object>(saved: T, send: (changes: Partial<T>) => Call<unknown>, onSaved?: () => void): EditForm<T> {
  const [baseline, setBaseline] = useState<T>(saved);
  const draft = useDraft(baseline);
  const { mutate, error, clear } = useMutate();
  const [outcome, setOutcome] = useState<string | null>(null);
  const incoming = JSON.stringify(saved);
  useEffect(() => {
    if (!same(saved, baseline) && same(draft.value, baseline)) {
      setBaseline(saved);
      draft.replace(saved);
    }
  }, [incoming]);
  const submit = async (event: Event) => {
    event.preventDefault();
    const changes = draft.changes();
    if (Object.keys(changes).length === 0) {
      clear();
      setOutcome("Nothing changed.");
      return;
    }
    if ((await mutate(send(changes))).status !== "done") return setOutcome(null);
    setBaseline(draft.value);
    setOutcome("Saved.");
    onSaved?.();
  };
  return { draft, error, outcome, submit };
}

/** "HH:MM:SS" or "HH:MM" as an <input type=time> shows it ("HH:MM"); null as "". */
export const timeField = (t: string | null | undefined): string => (t ? t.slice(0, 5) : "");
