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
import { Field, orNull } from "../ui";

export const OFFSET_CHOICES = [0, 15, 60, 1440];

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
  return (
    <fieldset class="schedule">
      <legend>When will you do it?</legend>
      <div class="row">
        {(["once", "daily", "weekly"] as const).map((kind) => (
          <label class="choice" key={kind}>
            <input
              type="radio"
              name="scheduleKind"
              value={kind}
              checked={plan.kind === kind}
              onChange={() =>
                onChange(
                  kind === "once"
                    ? { kind, date: localDate(), time: plan.time }
                    : kind === "daily"
                      ? { kind, time: plan.time }
                      : { kind, days: days.length ? days : ["MO"], time: plan.time },
                )
              }
            />
            {kind === "once" ? "Once" : kind === "daily" ? "Every day" : "On certain days"}
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
      <p class="preview" aria-live="polite">
        {plan.kind === "weekly" && plan.days.length === 0 ? "Choose at least one day." : `So: ${describePlan(plan)}.`}
      </p>
    </fieldset>
  );
}

/** The form fields for a key action; `onSubmit` gets the draft ready for the API. */
export function ActionForm(props: {
  initial?: Partial<ActionDraft>;
  error?: unknown;
  submitLabel: string;
  busy?: boolean;
  children?: preact.ComponentChildren;
  onSubmit: (draft: ActionDraft) => void;
}) {
  const init = props.initial ?? {};
  const [plan, setPlan] = useState<Plan>(
    (init.schedule && scheduleToPlan(init.schedule)) || { kind: "weekly", days: ["MO", "TH"], time: "08:00" },
  );
  const [holder, setHolder] = useState<Schemas["KeyHolder"]>(init.keyHolder ?? "me");
  const [offsets, setOffsets] = useState<number[]>(init.reminderOffsets ?? [0]);
  const error = props.error;

  const submit = (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const get = (k: string) => String(form.get(k) ?? "");
    const unit = get("unit").trim();
    const target = get("target").trim();
    const when = get("cue").trim().replace(/^when\s+/i, "");
    if (plan.kind === "weekly" && plan.days.length === 0) return;
    props.onSubmit({
      title: get("title").trim(),
      cue: when ? `When ${when}` : null,
      keyHolder: holder,
      keyHolderName: holder === "others" ? orNull(get("keyHolderName")) : null,
      ownPart: holder === "others" ? orNull(get("ownPart")) : null,
      schedule: planToSchedule(plan, localDate()),
      reminderOffsets: [...offsets].sort((a, b) => a - b),
      measure: unit ? { unit, target: target === "" ? null : Number(target) } : null,
      visibility: get("visibility") === "partners" ? "partners" : "private",
    });
  };

  return (
    <form onSubmit={submit} class="stack">
      {props.children}
      <Field label="What will you do?" name="title" error={error}>
        <input name="title" required maxLength={200} defaultValue={init.title ?? ""} />
      </Field>
      <fieldset>
        <legend>Who holds the key to this?</legend>
        <label class="choice">
          <input type="radio" name="keyHolder" checked={holder === "me"} onChange={() => setHolder("me")} />I do
        </label>
        <label class="choice">
          <input type="radio" name="keyHolder" checked={holder === "others"} onChange={() => setHolder("others")} />
          Someone else
        </label>
        {holder === "others" && (
          <>
            <Field label="Who?" name="keyHolderName" error={error}>
              <input name="keyHolderName" maxLength={200} defaultValue={init.keyHolderName ?? ""} />
            </Field>
            <Field label="What part of it is in your own hands?" name="ownPart" error={error}>
              <textarea name="ownPart" rows={2} maxLength={2000} defaultValue={init.ownPart ?? ""} />
            </Field>
          </>
        )}
      </fieldset>
      <Field label="When …, I will … (optional)" name="cue" error={error} hint="The moment that reminds you, e.g. “I close the laptop”.">
        <input name="cue" maxLength={300} defaultValue={(init.cue ?? "").replace(/^when\s+/i, "")} placeholder="When …" />
      </Field>
      <SchedulePicker plan={plan} onChange={setPlan} />
      <fieldset>
        <legend>Remind me</legend>
        {OFFSET_CHOICES.map((m) => (
          <label class="choice" key={m}>
            <input
              type="checkbox"
              checked={offsets.includes(m)}
              onChange={(e) =>
                setOffsets((e.currentTarget as HTMLInputElement).checked ? [...offsets, m] : offsets.filter((x) => x !== m))
              }
            />
            {describeOffset(m)}
          </label>
        ))}
      </fieldset>
      <details>
        <summary>Measure the outcome (optional)</summary>
        <Field label="Unit, e.g. hours saved per week" name="measure.unit" error={error}>
          <input name="unit" maxLength={40} defaultValue={init.measure?.unit ?? ""} />
        </Field>
        <Field label="Target (optional)" name="measure.target" error={error}>
          <input name="target" type="number" step="any" defaultValue={init.measure?.target?.toString() ?? ""} />
        </Field>
      </details>
      <fieldset>
        <legend>Who can see it?</legend>
        <label class="choice">
          <input type="radio" name="visibility" value="private" defaultChecked={init.visibility !== "partners"} />
          Only me
        </label>
        <label class="choice">
          <input type="radio" name="visibility" value="partners" defaultChecked={init.visibility === "partners"} />
          My accountability partners
        </label>
      </fieldset>
      <button type="submit" class="primary" disabled={props.busy}>
        {props.submitLabel}
      </button>
    </form>
  );
}
