// Quiet hours and the end-of-day nudge: account settings shown with the notifications.
import { useState } from "preact/hooks";
import { api, type Schemas, unwrap } from "../api/client";
import { timeField, useDraft } from "../form";
import { useResource } from "../store/resource";
import { ErrorNote, Field, Loading, orNull } from "../ui";

type QuietDraft = { quietHoursStart: string; quietHoursEnd: string; nudgeEnabled: boolean };
const quietDraft = (a: Schemas["ParticipantOut"]): QuietDraft => ({
  quietHoursStart: timeField(a.quietHoursStart),
  quietHoursEnd: timeField(a.quietHoursEnd),
  nudgeEnabled: a.nudgeEnabled,
});

function QuietHoursForm({ account, saved: onSaved }: { account: Schemas["ParticipantOut"]; saved: () => void }) {
  const draft = useDraft(quietDraft(account));
  const [error, setError] = useState<unknown>(null);
  const [outcome, setOutcome] = useState<string | null>(null);
  const save = async (event: Event) => {
    event.preventDefault();
    const changed = draft.changes();
    if (Object.keys(changed).length === 0) {
      setError(null);
      setOutcome("Nothing changed.");
      return;
    }
    const body: Schemas["ProfileUpdate"] = {};
    if (changed.quietHoursStart !== undefined) body.quietHoursStart = orNull(changed.quietHoursStart);
    if (changed.quietHoursEnd !== undefined) body.quietHoursEnd = orNull(changed.quietHoursEnd);
    if (changed.nudgeEnabled !== undefined) body.nudgeEnabled = changed.nudgeEnabled;
    try {
      await unwrap(api.PATCH("/api/v1/account", { body }));
      setError(null);
      setOutcome("Saved.");
      onSaved();
    } catch (e) {
      setError(e);
      setOutcome(null);
    }
  };
  return (
    <form class="card stack" onSubmit={save} data-form="quiet-hours">
      <h2>Quiet hours</h2>
      <p class="sub">Anything due inside them waits until they end ({account.timeZone.replace(/_/g, " ")}).</p>
      <div class="row pair">
        <Field label="From" name="quietHoursStart" error={error}>
          <input type="time" {...draft.bind("quietHoursStart")} />
        </Field>
        <Field label="Until" name="quietHoursEnd" error={error}>
          <input type="time" {...draft.bind("quietHoursEnd")} />
        </Field>
      </div>
      <label class="choice toggle">
        <input type="checkbox" {...draft.check("nudgeEnabled")} />
        <span>
          Second nudge
          <span class="hint block">At the end of the day, if a key action is still open.</span>
        </span>
      </label>
      <ErrorNote error={error} />
      {outcome && <p role="status">{outcome}</p>}
      <button type="submit" class="primary">
        Save
      </button>
    </form>
  );
}

export function QuietHours() {
  const account = useResource("account", () => unwrap(api.GET("/api/v1/account")));
  const a = account.data;
  if (!a) return account.loading ? <Loading what="quiet hours" /> : <ErrorNote error={account.error} />;
  return <QuietHoursForm key={JSON.stringify(quietDraft(a))} account={a} saved={account.reload} />;
}
