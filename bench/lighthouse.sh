#!/usr/bin/env bash
# Lighthouse (mobile) against the PWA as the backend serves it, plus the first-load JS size.
#
#   bench/lighthouse.sh            builds pwa/, loads the demo participant into a temp data dir, starts
#                                  `followthrough serve` on a free port, audits the sign-in page (/) signed
#                                  out and Today, Progress, Key actions, Reflect and Account signed in
#                                  (bench/lighthouse-audit.mjs), and prints each page's scores, its <h1>
#                                  and every /api/ request it made with the status
#
# Exits non-zero when a signed-in audit showed the sign-in form or missed its screen's API request.
#
# Needs: pwa/node_modules (npm ci), Chromium at $CHROME_PATH (default /usr/bin/chromium). Runs offline.
# Reports go to bench/results/lighthouse-*.json, each page's final screenshot to lighthouse-*.jpg.
# Targets: performance >= 95, accessibility 100, best practices >= 95, SEO 100, first-load JS <= 50 KB gzipped.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export CHROME_PATH="${CHROME_PATH:-/usr/bin/chromium}"
RESULTS="$ROOT/bench/results"
mkdir -p "$RESULTS"

(cd pwa && npm run build >/dev/null)

DATA="$(mktemp -d)"
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
DEMO_EMAIL=demo@example.com
DEMO_PASSWORD=followthrough-demo
FOLLOWTHROUGH_DATA_DIR="$DATA" .venv/bin/followthrough demo --email "$DEMO_EMAIL" --password "$DEMO_PASSWORD" >/dev/null
FOLLOWTHROUGH_DATA_DIR="$DATA" .venv/bin/followthrough serve --host 127.0.0.1 --port "$PORT" >"$DATA/serve.log" 2>&1 &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null; wait "$SERVER" 2>/dev/null || true; rm -rf "$DATA"' EXIT
BASE="http://127.0.0.1:$PORT"
for _ in $(seq 1 100); do curl -fs "$BASE/health/live" >/dev/null && break; sleep 0.1; done

# Sign-in page signed out, then Today, Progress and the other main screens signed in as the demo participant
# (a year of history): the audit script signs in through the real form, so the app holds both the session
# cookie and its "signed in" flag, and fails when a screen did not show or did not load its data.
AUDITS=0
node bench/lighthouse-audit.mjs "$BASE" "$RESULTS" "$DEMO_EMAIL" "$DEMO_PASSWORD" || AUDITS=$?

# First-load JS: the entry script and what index.html preloads, gzipped as served.
node -e '
  const fs = require("fs"), zlib = require("zlib"), path = require("path");
  const dist = process.argv[1];
  const html = fs.readFileSync(path.join(dist, "index.html"), "utf8");
  const files = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.js)"/g)].map((m) => m[1]);
  const gz = files.reduce((n, f) => n + zlib.gzipSync(fs.readFileSync(path.join(dist, f)), { level: 9 }).length, 0);
  const all = fs.readdirSync(path.join(dist, "assets")).filter((f) => f.endsWith(".js"))
    .reduce((n, f) => n + zlib.gzipSync(fs.readFileSync(path.join(dist, "assets", f)), { level: 9 }).length, 0);
  console.log(`first-load JS ${(gz / 1024).toFixed(1)} KB gzipped (${files.join(", ")}); all JS ${(all / 1024).toFixed(1)} KB gzipped`);
' "$ROOT/pwa/dist"
exit "$AUDITS"
