import { strToU8, zipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { readPicked } from "../src/import-file";
import { countsInWords, placeInWords } from "../src/screens/import";

const none = { reflections: 0, barriers: 0, keyActions: 0, checkIns: 0, weeklyReviews: 0 };

describe("import", () => {
  it("says what an import adds in words, leaving out what is zero", () => {
    expect(countsInWords({ ...none, keyActions: 1, checkIns: 13 })).toBe("1 key action, 13 check-ins");
    expect(countsInWords(none)).toBe("nothing");
  });

  it("says where a refused file is wrong as file, line and column", () => {
    expect(placeInWords("001 Meditate/Checkmarks.csv:12:2")).toBe("001 Meditate/Checkmarks.csv, line 12, column 2");
    expect(placeInWords("Habits.csv")).toBe("Habits.csv");
    expect(placeInWords("keyActions[3].rrule")).toBe("keyActions[3].rrule");
  });

  it("reads a Loop zip as its CSV files, leaving out the scores", async () => {
    const zip = zipSync({ "Habits.csv": strToU8("Position,Name\n"), "001 A/Checkmarks.csv": strToU8("Date,Value\n"), "001 A/Scores.csv": strToU8("x") });
    const picked = await readPicked(new File([zip], "loop.zip"));
    expect(picked).toEqual({ kind: "loop", name: "loop.zip", files: { "Habits.csv": "Position,Name\n", "001 A/Checkmarks.csv": "Date,Value\n" } });
  });

  it("refuses a file that is neither JSON nor a zip, and CSV that is not UTF-8", async () => {
    await expect(readPicked(new File(["not json"], "notes.txt"))).rejects.toThrow("neither a Followthrough export");
    const latin = zipSync({ "Habits.csv": new Uint8Array([0x43, 0x61, 0x66, 0xe9]) });
    await expect(readPicked(new File([latin], "loop.zip"))).rejects.toThrow("Habits.csv is not UTF-8 text.");
  });
});
