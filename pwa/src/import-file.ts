// Reading an export file the person picked, before anything is sent: the app's own JSON export, or Loop Habit
// Tracker's CSV zip (only the CSV files its import reads). A file that is neither is refused here, in words.
import { unzipSync } from "fflate";
import type { Schemas } from "./api/client";

export type Picked =
  | { kind: "followthrough"; name: string; document: Schemas["AccountDocument"] }
  | { kind: "loop"; name: string; files: Record<string, string> };

/** The server's limit for an import body. */
const MAX_BYTES = 16 * 1024 * 1024;

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
