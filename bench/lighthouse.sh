#!/usr/bin/env bash
# Lighthouse (mobile) against the PWA as the backend serves it, plus the first-load JS size.
#
#   bench/lighthouse.sh            builds pwa/, starts `followthrough serve` on a temp data dir and a free
#                                  port, audits the sign-in page (/), Today and the
#                                  other main screens (signed in)
#
# Needs: pwa/node_modules (npm ci), Chromium at $CHROME_PATH (default /usr/bin/chromium). Runs offline.
# Reports go to bench/results/lighthouse-*.json. Targets: performance >= 95, accessibility 100,
# best practices >= 95, first-load JS <= 50 KB gzipped.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export CHROME_PATH="${CHROME_PATH:-/usr/bin/chromium}"
RESULTS="$ROOT/bench/results"
mkdir -p "$RESULTS"

(cd pwa && npm run build >/dev/null)

DATA="$(mktemp -d)"
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
FOLLOWTHROUGH_DATA_DIR="$DATA" .venv/bin/followthrough serve --host 127.0.0.1 --port "$PORT" >"$DATA/serve.log" 2>&1 &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null; wait "$SERVER" 2>/dev/null; rm -rf "$DATA"' EXIT
BASE="http://127.0.0.1:$PORT"
for _ in $(seq 1 100); do curl -fs "$BASE/health/live" >/dev/null && break; sleep 0.1; done

# A signed-in session for /today (the cookie is passed to Lighthouse as a header).
COOKIE="$(curl -fs -c - -o /dev/null -H 'content-type: application/json' \
  -d '{"email":"bench@example.com","password":"bench-password","displayName":"Bench","timeZone":"UTC"}' \
  "$BASE/api/v1/auth/sign-up" | awk '$6 == "ft_session" {print $7}')"

audit() { # name url [extra headers json]
  local name="$1" url="$2" headers="${3:-}"
  pwa/node_modules/.bin/lighthouse "$url" --quiet --output=json --output-path="$RESULTS/lighthouse-$name.json" \
    --only-categories=performance,accessibility,best-practices \
    --chrome-flags="--headless=new --no-sandbox --disable-gpu --disable-background-networking --disable-component-update --disable-sync" \
    ${headers:+--extra-headers="$headers"} >/dev/null
  node -e '
    const r = require(process.argv[1]);
    const c = r.categories;
    const s = (k) => Math.round(c[k].score * 100);
    const failed = Object.values(r.audits).filter((a) => a.score !== null && a.score < 1 && a.scoreDisplayMode === "binary").map((a) => a.id);
    console.log(`${process.argv[2].padEnd(8)} performance ${s("performance")}  accessibility ${s("accessibility")}  best-practices ${s("best-practices")}  LCP ${r.audits["largest-contentful-paint"].displayValue}  TBT ${r.audits["total-blocking-time"].displayValue}${failed.length ? "  failing: " + failed.join(",") : ""}`);
  ' "$RESULTS/lighthouse-$name.json" "$name"
}

audit sign-in "$BASE/"
SIGNED_IN="{\"Cookie\": \"ft_session=$COOKIE\"}"
for screen in today reflect actions progress account; do
  audit "$screen" "$BASE/$screen" "$SIGNED_IN"
done

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
