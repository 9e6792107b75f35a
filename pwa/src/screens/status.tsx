// A status change with its reason, and the history of changes: the same for barriers and key actions.
import { Field, formatDate, formValues, orNull } from "../ui";

type Change = { changedAt: string; fromStatus?: string | null; toStatus: string; reason?: string | null };

export function StatusSection<S extends string>(props: {
  statuses: readonly S[];
  current: S;
  /** The field the server names when it refuses the reason (`reason` or `statusReason`). */
  reasonField: string;
  error: unknown;
  history: Change[] | undefined;
  onChange: (status: S, reason: string | null) => void;
}) {
  return (
    <>
      <form
        class="card stack"
        onSubmit={(e) => {
          e.preventDefault();
          const v = formValues(e.currentTarget as HTMLFormElement);
          props.onChange(v.status as S, orNull(v.reason));
        }}
      >
        <h2>Change status</h2>
        <Field label="Status" name="status" error={props.error}>
          <select name="status" defaultValue={props.current}>
            {props.statuses.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </Field>
        <Field label="Why? (optional)" name={props.reasonField} error={props.error}>
          <input name="reason" maxLength={500} />
        </Field>
        <button type="submit">Change status</button>
      </form>
      <h2>History</h2>
      {props.history && (
        <ol class="history">
          {props.history.map((h, i) => (
            <li key={i}>
              <time dateTime={h.changedAt}>{formatDate(h.changedAt)}</time>: {h.fromStatus ? `${h.fromStatus} → ` : ""}
              {h.toStatus}
              {h.reason && ` — ${h.reason}`}
            </li>
          ))}
        </ol>
      )}
    </>
  );
}
