// The typed client is only as good as its types: schema.d.ts must be what openapi-typescript makes of
// openapi.json (which tests/test_pwa_api_types.py keeps equal to the backend's schema).
import { readFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { describe, expect, test } from "vitest";

describe("the generated API types", () => {
  test("schema.d.ts is generated from the committed openapi.json", () => {
    const fresh = execFileSync("node", ["node_modules/openapi-typescript/bin/cli.js", "src/api/openapi.json"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    });
    const committed = readFileSync("src/api/schema.d.ts", "utf8");
    expect(committed.trim() === fresh.trim(), "run `npm run gen:api` in pwa/").toBe(true);
    // It starts a Node process that parses the whole schema: seconds on a busy 2-core machine.
  }, 30_000);
});
