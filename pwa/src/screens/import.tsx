// Moving in: pick the app's own JSON export or Loop Habit Tracker's CSV zip, see what it holds (a dry run on
// the server, which checks it with the same rules), then import it. Nothing is stored until "Import".
import { useState } from "preact/hooks";
import { ApiError, api, type Schemas, plainMessage, unwrap } from "../api/client";
import { type Picked, readPicked } from "../import-file";
import { type Call, useMutate } from "../store/mutate";
import { ErrorNote } from "../ui";

type Summary = Schemas["ImportSummary"];
type Counts = Schemas["ImportCounts"];

const KINDS: [keyof Counts, string, string][] = [
  ["keyActions", "key action", "key actions"],
  ["checkIns", "check-in", "check-ins"],
  ["barriers", "barrier", "barriers"],
  ["reflections", "reflection", "reflections"],
  ["weeklyReviews", "weekly review", "weekly reviews"],
];

/** "4 key actions, 13 check-ins", leaving out what is zero; "nothing" when all are. */
export function countsInWords(counts: Counts): string {
  const parts = KINDS.filter(([key]) => counts[key] > 0).map(([key, one, many]) => `${counts[key]} ${counts[key] === 1 ? one : many}`);
  return parts.length ? parts.join(", ") : "nothing";
}

/** Where a refusal points, in words: "001 Meditate/Checkmarks.csv:12:2" → "001 Meditate/Checkmarks.csv, line 12, column 2". */
export function placeInWords(field: string): string {
  const found = field.match(/^(.*?\.csv)(?::(\d+))?(?::(\d+))?$/);
  if (!found) return field === "body" ? "The file" : field;
  const [, file, line, column] = found;
  return [file, line && `line ${line}`, column && `column ${column}`].filter(Boolean).join(", ");
}

function send(picked: Picked, dryRun: boolean): Call<Summary> {
  const query = { params: { query: { dryRun } } };
  if (picked.kind === "loop") return () => api.POST("/api/v1/imports/loop", { ...query, body: { files: picked.files } });
  return () => api.POST("/api/v1/imports/followthrough", { ...query, body: picked.document });
}

function Refusal({ error }: { error: unknown }) {
  if (!(error instanceof ApiError) || !error.errors.length) return <ErrorNote error={error} />;
  return (
    <div class="error" role="alert">
      <p>Nothing was imported. The file has a problem:</p>
      <ul>
        {error.errors.map((e) => (
          <li key={e.field}>
            <strong>{placeInWords(e.field)}</strong>: {plainMessage(e.message)}
          </li>
        ))}
      </ul>
    </div>
  );
}

export default function Import() {
  const [picked, setPicked] = useState<Picked | null>(null);
  const [preview, setPreview] = useState<Summary | null>(null);
  const [done, setDone] = useState<Summary | null>(null);
  const { mutate, busy, error, clear } = useMutate();

  const pick = async (file: File | undefined) => {
    setPicked(null);
    setPreview(null);
    setDone(null);
    clear();
    if (!file) return;
    // Read, then a dry run: a file that is not an export is refused before anything is sent.
    const previewed = await mutate({
      steps: async () => {
        const read = await readPicked(file);
        return { read, summary: await unwrap(send(read, true)()) };
      },
    });
    if (previewed.status !== "done") return;
    setPreview(previewed.data.summary);
    setPicked(previewed.data.read);
  };
  const confirm = async () => {
    if (!picked) return;
    const imported = await mutate(send(picked, false));
    if (imported.status !== "done") return;
    setDone(imported.data);
    setPicked(null);
    setPreview(null);
  };

  const source = picked?.kind === "loop" ? "Loop Habit Tracker export" : "Followthrough export";
  return (
    <section>
      <h1>Import</h1>
      <p class="sub">Bring in your own Followthrough export, or what you tracked in Loop Habit Tracker.</p>
      <div class="card stack">
        <label class="field">
          <span class="label">Export file</span>
          <span class="hint">The JSON from Account, Export JSON; or the zip from Loop's Settings, Export as CSV.</span>
          <input type="file" accept=".json,.zip,application/json,application/zip" disabled={busy} onChange={(e) => pick(e.currentTarget.files?.[0])} />
        </label>
        {busy && <p aria-live="polite">Reading the file…</p>}
        <Refusal error={error} />
        {picked && preview && (
          <div class="stack" data-import-preview>
            <h2>{source}</h2>
            <p>
              It will add <strong>{countsInWords(preview.created)}</strong>.
              {countsInWords(preview.unchanged) !== "nothing" && ` Already here from an earlier import, and left as they are: ${countsInWords(preview.unchanged)}.`}
            </p>
            {preview.settingsChanged && <p>Your weekly review time, quiet hours and nudge setting will be taken from the file.</p>}
            {picked.kind === "loop" && <p class="sub">Habits become key actions, due at 8 pm on their days; archived habits are paused.</p>}
            <p class="row">
              <button type="button" class="primary" disabled={busy} onClick={confirm}>
                Import
              </button>
              <button type="button" disabled={busy} onClick={() => (setPicked(null), setPreview(null))}>
                Cancel
              </button>
            </p>
          </div>
        )}
        {done && (
          <div class="banner stack" role="status" data-import-done>
            <p>
              Imported {countsInWords(done.created)}.
              {countsInWords(done.unchanged) !== "nothing" && ` Already here: ${countsInWords(done.unchanged)}.`}
            </p>
            <p class="row">
              <a class="button primary" href="/today">
                See today
              </a>
              <a class="button" href="/plan">
                See the plan
              </a>
            </p>
          </div>
        )}
      </div>
    </section>
  );
}
