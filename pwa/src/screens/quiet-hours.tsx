// Quiet hours and the end-of-day nudge: account settings shown with the notifications.
import { api, type Schemas, unwrap } from "../api/client";
import { timeField, useEditForm } from "../form";
import { useResource } from "../store/resource";
import { ErrorNote, Field, Loading, orNull } from "../ui";

type QuietDraft = { quietHoursStart: string; quietHoursEnd: string; nudgeEnabled: boolean };
const quietDraft = (a: Schemas["ParticipantOut"]): QuietDraft => ({
  quietHoursStart: timeField(a.quietHoursStart),
  quietHoursEnd: timeField(a.quietHoursEnd),
  nudgeEnabled: a.nudgeEnabled,
});

function QuietHoursForm({ account, saved: onSaved }: { account: Schemas["ParticipantOut"]; saved: () => void }) {
  const send = (changed: Partial<QuietDraft>) => {
    const body: Schemas["ProfileUpdate"] = {};
    if (changed.quietHoursStart !== undefined) body.quietHoursStart = orNull(changed.quietHoursStart);
    if (changed.quietHoursEnd !== undefined) body.quietHoursEnd = orNull(changed.quietHoursEnd);
    if (changed.nudgeEnabled !== undefined) body.nudgeEnabled = changed.nudgeEnabled;
    return () => api.PATCH("/api/v1/account", { body });
  };
  const { draft, error, outcome, submit } = useEditForm(quietDraft(account), send, onSaved);
  return (
    <form class="card stack" onSubmit={submit} data-form="quiet-hours">
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
      <ErrorNote error={error} fields={["quietHoursStart", "quietHoursEnd", "nudgeEnabled"]} />
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
  return <QuietHoursForm account={a} saved={account.reload} />;
}
