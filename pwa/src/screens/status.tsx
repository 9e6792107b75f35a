// A status change with its reason, and the history of changes: the same for barriers and key actions.
import { useState } from "preact/hooks";
import { Field, formatDate, orNull } from "../ui";

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
  const [status, setStatus] = useState<S>(props.current);
  const [reason, setReason] = useState("");
  const [outcome, setOutcome] = useState<string | null>(null);
  return (
    <>
      <form
        class="card stack"
        data-form="status-change"
        onSubmit={(e) => {
          e.preventDefault();
          // The same status again is no change: nothing is sent and no history line is written.
          if (status === props.current) return setOutcome(`It is already ${status}.`);
          setOutcome(null);
          props.onChange(status, orNull(reason));
          setReason("");
        }}
      >
        <h2>Change status</h2>
        <Field label="Status" name="status" error={props.error}>
          <select name="status" value={status} onChange={(e) => setStatus((e.currentTarget as HTMLSelectElement).value as S)}>
            {props.statuses.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Why? (optional)" name={props.reasonField} error={props.error}>
          <input name="reason" maxLength={500} value={reason} onInput={(e) => setReason((e.currentTarget as HTMLInputElement).value)} />
        </Field>
        {outcome && <p role="status">{outcome}</p>}
        <button type="submit">Change status</button>
      </form>
      <h2>Status history</h2>
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
