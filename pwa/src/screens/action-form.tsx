// The key action form: what, who holds the key, the cue, a schedule in plain words, reminders.
import { useState } from "preact/hooks";
import type { Schemas } from "../api/client";
import {
  type ApiSchedule,
  DAY_NAMES,
  describeOffset,
  describePlan,
  localDate,
  type Plan,
  planToSchedule,
  scheduleToPlan,
  WEEKDAYS,
} from "../schedule";
import { changedKeys, useDraft } from "../form";
import { Field, orNull } from "../ui";

export const OFFSET_CHOICES = [0, 15, 60, 1440];
/** The inputs of the key action form that show their own server message (see Field). */
export const ACTION_FIELDS = ["title", "keyHolderName", "ownPart", "cue", "measure.unit", "measure.target"] as const;

export interface ActionDraft {
  title: string;
  cue: string | null;
  keyHolder: Schemas["KeyHolder"];
  keyHolderName: string | null;
  ownPart: string | null;
  schedule: ApiSchedule;
  reminderOffsets: number[];
  measure: Schemas["Measure"] | null;
  visibility: Schemas["Visibility"];
}

export function SchedulePicker({ plan, onChange }: { plan: Plan; onChange: (p: Plan) => void }) {
  const days = plan.kind === "weekly" ? plan.days : [];
  // A stored rule the picker cannot build stays on offer as it is, even after trying another choice.
  const [custom] = useState(plan.kind === "custom" ? plan : null);
  const time = plan.kind === "custom" ? plan.schedule.startsAt.slice(11, 16) : plan.time;
  const kinds = custom ? (["custom", "once", "daily", "weekly"] as const) : (["once", "daily", "weekly"] as const);
  const choose = (kind: Plan["kind"]): Plan =>
    kind === "custom"
      ? custom!
      : kind === "once"
        ? { kind, date: localDate(), time }
        : kind === "daily"
          ? { kind, time }
          : { kind, days: days.length ? days : ["MO"], time };
  return (
    <fieldset class="schedule">
      <legend>When will you do it?</legend>
      <div class="row">
        {kinds.map((kind) => (
          <label class="choice" key={kind}>
            <input type="radio" name="scheduleKind" value={kind} checked={plan.kind === kind} onChange={() => onChange(choose(kind))} />
            {kind === "custom" ? `As now: ${describePlan(custom!)}` : kind === "once" ? "Once" : kind === "daily" ? "Every day" : "On certain days"}
          </label>
        ))}
      </div>
      {plan.kind === "weekly" && (
        <div class="days" role="group" aria-label="Days of the week">
          {WEEKDAYS.map((d) => (
            <label class="choice day" key={d}>
              <input
                type="checkbox"
                checked={days.includes(d)}
                onChange={(e) => {
                  const on = (e.currentTarget as HTMLInputElement).checked;
                  onChange({ ...plan, days: on ? [...days, d] : days.filter((x) => x !== d) });
                }}
              />
              {DAY_NAMES[d].slice(0, 3)}
            </label>
          ))}
        </div>
      )}
      {plan.kind === "once" && (
        <label class="field">
          <span class="label">Date</span>
          <input type="date" required value={plan.date} onInput={(e) => onChange({ ...plan, date: (e.currentTarget as HTMLInputElement).value })} />
        </label>
      )}
      {plan.kind !== "custom" && (
      <label class="field">
        <span class="label">Time</span>
        <input
          type="time"
          name="time"
          required
          value={plan.time}
          onInput={(e) => onChange({ ...plan, time: (e.currentTarget as HTMLInputElement).value || plan.time })}
        />
      </label>
      )}
      <p class="preview" aria-live="polite">
        {plan.kind === "weekly" && plan.days.length === 0 ? "Choose at least one day." : `So: ${describePlan(plan)}.`}
      </p>
    </fieldset>
  );
}

/** The key action form's fields, as the form shows them. */
export interface ActionFields {
  title: string;
  cue: string;
  keyHolder: Schemas["KeyHolder"];
  keyHolderName: string;
  ownPart: string;
  plan: Plan;
  reminderOffsets: number[];
  unit: string;
  target: string;
  visibility: Schemas["Visibility"];
}

const NEW_ACTION: ActionFields = {
  title: "",
  cue: "",
  keyHolder: "me",
  keyHolderName: "",
  ownPart: "",
  plan: { kind: "weekly", days: ["MO", "TH"], time: "08:00" },
  reminderOffsets: [0],
  unit: "",
  target: "",
  visibility: "private",
};

/** The cue as stored ("When I open my laptop") without its "When", as the field shows it. */
const cueField = (cue: string | null | undefined) => (cue ?? "").replace(/^when\s+/i, "");

export function actionFields(a?: Partial<ActionDraft>): ActionFields {
  if (!a) return NEW_ACTION;
  return {
    title: a.title ?? "",
    cue: cueField(a.cue),
    keyHolder: a.keyHolder ?? "me",
    keyHolderName: a.keyHolderName ?? "",
    ownPart: a.ownPart ?? "",
    plan: (a.schedule && scheduleToPlan(a.schedule)) || NEW_ACTION.plan,
    reminderOffsets: [...(a.reminderOffsets ?? [0])].sort((x, y) => x - y),
    unit: a.measure?.unit ?? "",
    target: a.measure?.target?.toString() ?? "",
    visibility: a.visibility ?? "private",
  };
}

/** The whole key action as the API takes it. `saved` keeps a stored schedule the plan did not change. */
export function actionDraft(f: ActionFields, saved?: ApiSchedule): ActionDraft {
  const others = f.keyHolder === "others";
  const cue = f.cue.trim().replace(/^when\s+/i, "");
  const unit = f.unit.trim();
  return {
    title: f.title.trim(),
    cue: cue ? `When ${cue}` : null,
    keyHolder: f.keyHolder,
    keyHolderName: others ? orNull(f.keyHolderName) : null,
    ownPart: others ? orNull(f.ownPart) : null,
    schedule: planToSchedule(f.plan, localDate(), saved),
    reminderOffsets: [...f.reminderOffsets].sort((x, y) => x - y),
    measure: unit ? { unit, target: f.target.trim() === "" ? null : Number(f.target) } : null,
    visibility: f.visibility,
  };
}

/** Which API fields each form field feeds: a change to the form field sends these. */
const FEEDS: Record<keyof ActionFields, (keyof ActionDraft)[]> = {
  title: ["title"],
  cue: ["cue"],
  keyHolder: ["keyHolder", "keyHolderName", "ownPart"],
  keyHolderName: ["keyHolderName"],
  ownPart: ["ownPart"],
  plan: ["schedule"],
  reminderOffsets: ["reminderOffsets"],
  unit: ["measure"],
  target: ["measure"],
  visibility: ["visibility"],
};

/** Only what the person changed, as an API update; empty when nothing changed. */
export function actionChanges(saved: ActionFields, draft: ActionFields, savedSchedule?: ApiSchedule): Partial<ActionDraft> {
  const whole = actionDraft(draft, savedSchedule);
  const out: Partial<ActionDraft> = {};
  for (const key of Object.keys(changedKeys(saved, draft)) as (keyof ActionFields)[]) {
    for (const field of FEEDS[key]) (out as Record<string, unknown>)[field] = whole[field];
  }
  return out;
}

/** The form for a key action. With `saved` it edits, and `onSubmit` gets only the changed fields. */
export function ActionForm(props: {
  saved?: Schemas["KeyActionOut"];
  error?: unknown;
  submitLabel: string;
  busy?: boolean;
  formName: string;
  children?: preact.ComponentChildren;
  onSubmit: (draft: Partial<ActionDraft>) => void;
}) {
  const initial = actionFields(props.saved);
  const draft = useDraft(initial);
  const f = draft.value;
  const error = props.error;

  const submit = (event: Event) => {
    event.preventDefault();
    if (f.plan.kind === "weekly" && f.plan.days.length === 0) return;
    props.onSubmit(props.saved ? actionChanges(initial, f, props.saved.schedule ?? undefined) : actionDraft(f));
  };

  return (
    <form onSubmit={submit} class="stack" data-form={props.formName}>
      {props.children}
      <Field label="What will you do?" name="title" error={error}>
        <input required maxLength={200} {...draft.bind("title")} />
      </Field>
      <fieldset>
        <legend>Who holds the key to this?</legend>
        <label class="choice">
          <input type="radio" name="keyHolder" checked={f.keyHolder === "me"} onChange={() => draft.set("keyHolder", "me")} />I do
        </label>
        <label class="choice">
          <input type="radio" name="keyHolder" checked={f.keyHolder === "others"} onChange={() => draft.set("keyHolder", "others")} />
          Someone else
        </label>
        {f.keyHolder === "others" && (
          <>
            <Field label="Who?" name="keyHolderName" error={error}>
              <input maxLength={200} {...draft.bind("keyHolderName")} />
            </Field>
            <Field label="What part of it is in your own hands?" name="ownPart" error={error}>
              <textarea rows={2} maxLength={2000} {...draft.bind("ownPart")} />
            </Field>
          </>
        )}
      </fieldset>
      <Field label="When …, I will … (optional)" name="cue" error={error} hint="The moment that reminds you, e.g. “I close the laptop”.">
        <input maxLength={300} placeholder="When …" {...draft.bind("cue")} />
      </Field>
      <SchedulePicker plan={f.plan} onChange={(plan) => draft.set("plan", plan)} />
      <fieldset>
        <legend>Remind me</legend>
        {offsetChoices(f.reminderOffsets).map((m) => (
          <label class="choice" key={m}>
            <input
              type="checkbox"
              checked={f.reminderOffsets.includes(m)}
              onChange={(e) =>
                draft.set(
                  "reminderOffsets",
                  (e.currentTarget as HTMLInputElement).checked
                    ? [...f.reminderOffsets, m].sort((x, y) => x - y)
                    : f.reminderOffsets.filter((x) => x !== m),
                )
              }
            />
            {describeOffset(m)}
          </label>
        ))}
      </fieldset>
      <details open={Boolean(f.unit)}>
        <summary>Measure the outcome (optional)</summary>
        <Field label="Unit, e.g. hours saved per week" name="measure.unit" error={error}>
          <input maxLength={40} {...draft.bind("unit")} />
        </Field>
        <Field label="Target (optional)" name="measure.target" error={error}>
          <input type="number" step="any" {...draft.bind("target")} />
        </Field>
      </details>
      <fieldset>
        <legend>Who can see it?</legend>
        <label class="choice">
          <input type="radio" name="visibility" checked={f.visibility === "private"} onChange={() => draft.set("visibility", "private")} />
          Only me
        </label>
        <label class="choice">
          <input type="radio" name="visibility" checked={f.visibility === "partners"} onChange={() => draft.set("visibility", "partners")} />
          My accountability partners
        </label>
      </fieldset>
      <button type="submit" class="primary" disabled={props.busy}>
        {props.submitLabel}
      </button>
    </form>
  );
}

/** The offered reminder offsets, plus any stored one the list does not offer (so it shows and stays). */
function offsetChoices(stored: number[]): number[] {
  return [...new Set([...OFFSET_CHOICES, ...stored])].sort((x, y) => x - y);
}
