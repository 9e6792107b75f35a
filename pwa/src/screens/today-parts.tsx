// Pieces of the Today screen that need nothing of its state: the ring of what is done, the snooze line.
import { Icon, SnoozedIcon } from "../icons";
import { timeInWords } from "../words";

/** "Snoozed until 12:38", in the agenda's zone, where an overdue item says "Overdue". */
export function SnoozedNote({ until, timeZone }: { until: string; timeZone: string }) {
  return (
    <p class="hint">
      <Icon icon={SnoozedIcon} /> Snoozed until <time dateTime={until}>{timeInWords(until, timeZone)}</time>
    </p>
  );
}

export function ProgressRing({ done, total }: { done: number; total: number }) {
  const radius = 20;
  const length = 2 * Math.PI * radius;
  return (
    <div class="progress">
      <svg class="ring" viewBox="0 0 48 48" aria-hidden="true" focusable="false">
        <circle class="ring-track" cx="24" cy="24" r={radius} />
        <circle
          class="ring-done"
          cx="24"
          cy="24"
          r={radius}
          stroke-dasharray={length}
          stroke-dashoffset={length * (1 - (total ? done / total : 0))}
        />
      </svg>
      <p class="progress-words" aria-live="polite">
        <strong>
          {done} of {total}
        </strong>{" "}
        done
      </p>
    </div>
  );
}
