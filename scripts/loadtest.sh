#!/usr/bin/env bash
# Load test of the team server: authenticated searches (API token, one
# audit row per request) against a case on PostgreSQL, with wrk.
#
#   scripts/loadtest.sh MAILDIR QUERIES [SECONDS]
#
# MAILDIR is ingested into a fresh case on $CASEFILE_DB (default the test
# database on 127.0.0.1) unless the case "$LOADTEST_CASE" (default
# loadtest) already holds messages; QUERIES has one query per line (the
# casebench work folder's queries.txt is the reference set). Each
# connection cycles through the queries in order, after one warm-up pass
# that checks every query answers 200 (LOADTEST_WARM=0: only the first,
# for a long stream such as bench/cmd/querymix's, whose first searches
# of each query must stay first). LOADTEST_RESULT_CACHE is serve's
# --result-cache (default its default; 0 measures every search against
# the database). Needs wrk (Debian package wrk) and a running
# PostgreSQL; prints wrk's report.
set -euo pipefail
maildir=${1:?usage: loadtest.sh MAILDIR QUERIES [SECONDS]}
queries=${2:?usage: loadtest.sh MAILDIR QUERIES [SECONDS]}
secs=${3:-30}
export CASEFILE_DB=${CASEFILE_DB:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}
name=${LOADTEST_CASE:-loadtest}
data=${LOADTEST_DATA:-${TMPDIR:-/tmp}/casefile-loadtest}
addr=${LOADTEST_ADDR:-127.0.0.1:8391}
command -v wrk >/dev/null || { echo "loadtest: wrk not installed (apt-get install wrk)" >&2; exit 1; }
root=$(cd "$(dirname "$0")/.." && pwd)
bin=$data/casefile
mkdir -p "$data"
(cd "$root" && go build -o "$bin" ./cmd/casefile)

n=$("$bin" stats --json --data-dir "$data" --case "$name" 2>/dev/null | sed -n 's/.*"messages": *\([0-9]*\).*/\1/p' | head -1 || true)
if [ -z "$n" ] || [ "$n" = 0 ]; then
  "$bin" init --data-dir "$data" --case "$name" >/dev/null 2>&1 || true
  echo "loadtest: ingesting $maildir into case $name on PostgreSQL" >&2
  /usr/bin/time -f "loadtest: ingest %e s, peak RSS %M KiB" "$bin" ingest --quiet --data-dir "$data" --case "$name" "$maildir"
fi
"$bin" user add loadtest --password-stdin >/dev/null 2>&1 <<<"loadtest-password-$(date +%s)" || true
"$bin" user grant loadtest "$name" reader >/dev/null
token=$("$bin" user token add loadtest --label loadtest --expires 1d --json | sed -n 's/.*"token": *"\([^"]*\)".*/\1/p')
[ -n "$token" ] || { echo "loadtest: could not create a token" >&2; exit 1; }

cache=()
[ -n "${LOADTEST_RESULT_CACHE:-}" ] && cache=(--result-cache "$LOADTEST_RESULT_CACHE")
"$bin" serve --data-dir "$data" --addr "$addr" "${cache[@]}" >"$data/serve.log" 2>&1 &
srv=$!
trap 'kill $srv 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -fsS -o /dev/null "http://$addr/login" 2>/dev/null && break; sleep 0.2; done

paths=$data/paths.txt
python3 - "$queries" "$name" >"$paths" <<'EOF'
import sys, urllib.parse
for q in open(sys.argv[1]):
    q = q.strip()
    if q:
        print("/c/%s/?q=%s" % (urllib.parse.quote(sys.argv[2]), urllib.parse.quote(q)))
EOF
warm=$paths
[ "${LOADTEST_WARM:-1}" = 0 ] && warm=<(head -1 "$paths")
for p in $(cat "$warm"); do
  code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" "http://$addr$p")
  [ "$code" = 200 ] || { echo "loadtest: $p answered $code" >&2; exit 1; }
done
cat >"$data/mix.lua" <<'EOF'
local paths = {}
for line in io.lines(os.getenv("LOADTEST_PATHS")) do paths[#paths + 1] = line end
local i = 0
function setup(thread) thread:set("offset", math.random(#paths)) end
function request()
  i = i + 1
  return wrk.format("GET", paths[(i + (offset or 0)) % #paths + 1], {["Authorization"] = "Bearer " .. os.getenv("LOADTEST_TOKEN")})
end
EOF
# PostgreSQL's default shared_buffers (128MB) holds little of a 100k case;
# searches then read most pages through the kernel (43 vs 61 req/s for
# the selective casebench queries at 128MB vs 4GB).
sb=$(psql "$CASEFILE_DB" -Atc "SELECT setting::bigint * 8192 / 1048576 FROM pg_settings WHERE name = 'shared_buffers'" 2>/dev/null || echo "")
if [ -n "$sb" ] && [ "$sb" -lt 1024 ]; then
  echo "loadtest: PostgreSQL shared_buffers is ${sb}MB; for numbers like a tuned server: ALTER SYSTEM SET shared_buffers = '4GB', then restart PostgreSQL" >&2
fi
echo "loadtest: $(wc -l <"$paths") queries, $secs s, wrk -t2 -c8, shared_buffers ${sb:-?}MB, result cache ${LOADTEST_RESULT_CACHE:-default}, warm-up ${LOADTEST_WARM:-1}" >&2
LOADTEST_PATHS=$paths LOADTEST_TOKEN=$token wrk -t2 -c8 -d"${secs}s" --latency -s "$data/mix.lua" "http://$addr"
