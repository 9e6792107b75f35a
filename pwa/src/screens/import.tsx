// Moving in: pick the app's own JSON export or Loop Habit Tracker's CSV zip, see what it holds (a dry run on
// the server, which checks it with the same rules), then import it. Nothing is stored until "Import".
import { unzipSync } from "fflate";
import { useState } from "preact/hooks";
import { ApiError, api, type Schemas, plainMessage, unwrap } from "../api/client";
import { ErrorNote } from "../ui";

type Summary = Schemas["ImportSummary"];
type Counts = Schemas["ImportCounts"];
type Picked =
  | { kind: "followthrough"; name: string; document: Schemas["AccountDocument"] }
  | { kind: "loop"; name: string; files: Record<string, string> };

/** The server's limit for an import body. */
const MAX_BYTES = 16 * 1024 * 1024;
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

/** A picked file read for sending: JSON as the export document, a zip as Loop's CSV files. */
export async function readPicked(file: File): Promise<Picked> {
  if (file.size > MAX_BYTES) throw new Error("This file is larger than 16 MB; an export is far smaller.");
  const bytes = new Uint8Array(await file.arrayBuffer());
  const isZip = bytes[0] === 0x50 && bytes[1] === 0x4b;
  if (!isZip) {
    let document: unknown;
    try {
      document = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
    } catch {
      throw new Error("This is neither a Followthrough export (JSON) nor a Loop Habit Tracker export (zip).");
    }
    return { kind: "followthrough", name: file.name, document: document as Schemas["AccountDocument"] };
  }
  let entries: Record<string, Uint8Array>;
  try {
    // Only the CSV files Loop's import reads; its Scores.csv files are left out to keep the upload small.
    entries = unzipSync(bytes, { filter: (entry) => entry.name.endsWith(".csv") && !entry.name.endsWith("Scores.csv") });
  } catch {
    throw new Error("This zip file cannot be opened.");
  }
  const files: Record<string, string> = {};
  for (const [path, content] of Object.entries(entries)) {
    try {
      files[path] = new TextDecoder("utf-8", { fatal: true }).decode(content);
    } catch {
      throw new Error(`${path} is not UTF-8 text.`);
    }
  }
  return { kind: "loop", name: file.name, files };
}

async function send(picked: Picked, dryRun: boolean): Promise<Summary> {
  const query = { params: { query: { dryRun } } };
  if (picked.kind === "loop") return unwrap(api.POST("/api/v1/imports/loop", { ...query, body: { files: picked.files } }));
  return unwrap(api.POST("/api/v1/imports/followthrough", { ...query, body: picked.document }));
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
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const run = async (work: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await work();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const pick = (file: File | undefined) =>
    run(async () => {
      setPicked(null);
      setPreview(null);
      setDone(null);
      if (!file) return;
      const read = await readPicked(file);
      setPreview(await send(read, true));
      setPicked(read);
    });
  const confirm = () =>
    run(async () => {
      if (!picked) return;
      setDone(await send(picked, false));
      setPicked(null);
      setPreview(null);
    });

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
