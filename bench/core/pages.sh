#!/usr/bin/env bash
# The case page as a browser gets it, with 100,000 cases in the database
# (issue 10, "Done when": page weight and time to first byte of the case page).
#   * time to first byte of GET /cases/{id} (the HTML page, signed in with a
#     session cookie as a browser is; each read audited), one request at a
#     time: median, p95 and the slowest of N;
#   * the same for the case list page and a case's case work page;
#   * the weight of each page: the HTML and the files it loads (stylesheet,
#     scripts; the fonts are the system's), uncompressed, as served.
# Usage: bench/core/pages.sh [BIN]   (default: the release build of this tree)
# Environment: CASES (default 100000), SEED_DIR (the seeded database shared
#   with throughput.sh; seeded here when missing), N (requests per page,
#   default 300).
# Needs curl and python3.
set -euo pipefail
cd "$(dirname "$0")/../.."
CASES=${CASES:-100000}
SEED_DIR=${SEED_DIR:-/tmp/safepath-bench-$CASES}
N=${N:-300}
ADDR=127.0.0.1:18183
TARGET=${CARGO_TARGET_DIR:-target}
BIN=${1:-}
if [ -z "$BIN" ]; then
  cargo build --release -q -p safepath
  BIN="$TARGET/release/safepath"
fi
wait_ready() { until curl -fs "http://$ADDR/healthz" >/dev/null 2>&1; do sleep 0.05; done; }

# Seeded as throughput.sh seeds it: the demo's `--cases N*4/7` gives N cases.
if [ ! -f "$SEED_DIR/.seeded" ]; then
  rm -rf "$SEED_DIR"; mkdir -p "$SEED_DIR"
  "$BIN" demo --data-dir "$SEED_DIR" --addr $ADDR --cases $(( (CASES * 4 + 6) / 7 )) >/dev/null 2>&1 & PID=$!
  wait_ready; kill -INT $PID; wait $PID || true
  touch "$SEED_DIR/.seeded"
fi

DIR=$(mktemp -d)
trap 'kill -INT $PID 2>/dev/null || true; rm -rf "$DIR"' EXIT
cp -a "$SEED_DIR/." "$DIR/"
"$BIN" demo --data-dir "$DIR" --addr $ADDR >/dev/null 2>&1 & PID=$!
wait_ready
# Let search before create's state finish building (D-T7), so that the
# figures are those of a server at work, not one still starting.
sleep 20

# Sign in through the page, as a browser does (the session cookie is
# `Secure`, so it is carried by hand over plain HTTP here).
COOKIE=$(python3 - "$ADDR" <<'EOF'
import http.client, re, sys, urllib.parse
addr = sys.argv[1]
c = http.client.HTTPConnection(addr)
c.request("GET", "/login")
r = c.getresponse(); html = r.read().decode()
jar = "; ".join(v.split(";")[0] for k, v in r.getheaders() if k.lower() == "set-cookie")
csrf = re.search(r'name="csrf" value="([^"]+)"', html).group(1)
body = urllib.parse.urlencode({"csrf": csrf, "username": "demo-cm-a", "password": "safepath-demo"})
c.request("POST", "/login", body, {"content-type": "application/x-www-form-urlencoded", "cookie": jar})
r = c.getresponse(); r.read()
session = [v.split(";")[0] for k, v in r.getheaders() if k.lower() == "set-cookie" and "session" in v.split("=")[0].lower()]
if r.status not in (302, 303) or not session:
    sys.exit(f"sign-in answered {r.status}")
print(session[0])
EOF
)
TOKEN=$(curl -s "http://$ADDR/api/v1/auth/login" -d '{"username":"demo-cm-a","password":"safepath-demo"}' | python3 -c 'import sys,json;print(json.load(sys.stdin)["token"])')
read -r ID TOTAL < <(curl -s -H "Authorization: Bearer $TOKEN" "http://$ADDR/api/v1/cases?per_page=1" | python3 -c 'import sys,json;d=json.load(sys.stdin);print(d["items"][0]["id"], d["total"])')

# N requests of one page: "median p95 max" time to first byte in ms, and
# the bytes of the last answer.
ttfb() {
  local path=$1 i
  for i in $(seq "$N"); do
    curl -s -o /dev/null -H "Cookie: $COOKIE" -w '%{http_code} %{time_starttransfer} %{size_download}\n' "http://$ADDR$path"
  done | python3 -c '
import sys
rows = [l.split() for l in sys.stdin if l.strip()]
bad = [r for r in rows if r[0] != "200"]
if bad: sys.exit(f"{len(bad)} answers were not 200: {bad[0][0]}")
t = sorted(float(r[1]) * 1000 for r in rows)
print(f"{t[len(t) // 2]:.1f} {t[int(len(t) * 0.95) - 1]:.1f} {t[-1]:.1f} {rows[-1][2]}")'
}

# The bytes of the files a page loads (stylesheet, scripts), once each.
assets() {
  local path=$1
  curl -s -H "Cookie: $COOKIE" "http://$ADDR$path" \
    | grep -oE '(href|src)="/static/[^"]+"' | sed -E 's/^(href|src)="//; s/"$//' | sort -u \
    | while read -r a; do curl -s -o /dev/null -w '%{size_download}\n' "http://$ADDR$a"; done \
    | awk '{s += $1} END {print s + 0}'
}

echo "SafePath $(git rev-parse --short HEAD), $TOTAL cases in demo-cm-a's case list (of $CASES in the database), $N requests per page, one at a time"
echo
echo "| page | TTFB median (ms) | p95 (ms) | slowest (ms) | HTML (KiB) | with its CSS and scripts (KiB) |"
echo "|---|---|---|---|---|---|"
for page in "case:/cases/$ID" "case work:/cases/$ID/work" "case list:/cases"; do
  name=${page%%:*}; path=${page#*:}
  read -r med p95 max html < <(ttfb "$path")
  extra=$(assets "$path")
  python3 -c "print(f'| $name | $med | $p95 | $max | {$html / 1024:.1f} | {($html + $extra) / 1024:.1f} |')"
done
