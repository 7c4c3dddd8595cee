#!/usr/bin/env bash
# Series-index scale benchmark (not CI): taildb and InfluxDB 1.x (tsi1) on the same N distinct series,
# one server at a time, posted by the same loader (`taildb loadgen --series-mode cross`, streamed).
#
# Shape: customers × hosts × dcs × directions, one point per series by default. customers =
# ceil(N / (hosts·dcs·directions)), so with the defaults (5 hosts, 2 dcs, 1 direction) 10 M series have
# 1 M customer values. Tag values: customer=cust000000…, host=host-00…, dc=ams1,fra1,…, direction=outbound
# (then inbound).
#
# For each server: start it on a free loopback port with a fresh data dir and cardinality limits off,
# create the database, load the series (2 workers, 5000-line batches) while sampling RSS from /proc;
# make the data durable (taildb: POST /internal/force_flush; InfluxDB: wait until its WAL has been
# snapshotted to TSM); stop it with SIGTERM; start it again and time how long until /ping answers and
# until a first SHOW MEASUREMENTS returns; read RSS right then and again after an idle pause, before any
# other query; then time each statement (median of --runs runs, curl's time_total, bounded by
# --query-timeout) and record its HTTP status, output bytes and row count against the expected count.
# A server that fails or times out gets a status in the table and the script goes on.
# Results: results.jsonl (one object per server) and results.md (side by side, with taildb/InfluxDB
# ratios) in the output directory; the markdown is also printed.
#
# Servers listen on 127.0.0.1 only (checked after each start: a server with any other listener is
# killed and the run aborts). Every wait is bounded.
#
# Usage: scripts/bench-index.sh [options]
#   --series N           distinct series to load (default 10000000; rounded up to whole customers)
#   --only LIST          servers, comma-separated: taildb,influxdb (default: both)
#   --hosts H            hosts per dc (default 5)
#   --dcs D              data centres (default 2)
#   --directions R       1 or 2 (default 1)
#   --points P           points per series (default 1)
#   --workers N          loader connections (default 2)
#   --batch N            lines per POST (default 5000)
#   --runs N             runs per statement, the median is reported (default 3)
#   --query-timeout S    longest a statement may take, seconds (default 600)
#   --load-timeout S     longest the load may take, seconds (default 7200)
#   --idle S             pause after restart before the second RSS reading, seconds (default 10)
#   --taildb-config F    extra TOML appended to taildb's config (default: limits off only)
#   --workdir DIR        where data dirs go (default: a new temp dir)
#   --out DIR            where results go (default: target/bench-index/<UTC time>)
#   --no-build           use the existing target/release/taildb
#   --keep               keep the data dirs
#   --max-rss-gib G      kill a server whose RSS passes G GiB during the load and record it as
#                        "killed: RSS over G GiB" (default 16; protects the shared machine)
# Needs: cargo, curl, python3, ss (iproute2); influxd for InfluxDB (Debian: apt-get install -y influxdb).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SERIES=10000000
ONLY=taildb,influxdb
HOSTS=5
DCS=2
DIRECTIONS=1
POINTS=1
WORKERS=2
BATCH=5000
RUNS=3
QUERY_MAX=600
LOAD_MAX=7200
IDLE=10
TAILDB_EXTRA=
WORKDIR=
OUT=
BUILD=1
KEEP=0
READY_MAX=600  # seconds to wait for a (re)starting server to answer /ping: restart is measured
STOP_MAX=300   # seconds to wait for a server to exit after SIGTERM
FLUSH_MAX=900  # seconds to wait for data to become durable after the load
DB=bench
MAX_RSS_GIB=16

while [ $# -gt 0 ]; do
  case "$1" in
    --series) SERIES=$2; shift 2 ;;
    --max-rss-gib) MAX_RSS_GIB=$2; shift 2 ;;
    --only) ONLY=$2; shift 2 ;;
    --hosts) HOSTS=$2; shift 2 ;;
    --dcs) DCS=$2; shift 2 ;;
    --directions) DIRECTIONS=$2; shift 2 ;;
    --points) POINTS=$2; shift 2 ;;
    --workers) WORKERS=$2; shift 2 ;;
    --batch) BATCH=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    --query-timeout) QUERY_MAX=$2; shift 2 ;;
    --load-timeout) LOAD_MAX=$2; shift 2 ;;
    --idle) IDLE=$2; shift 2 ;;
    --taildb-config) TAILDB_EXTRA=$2; shift 2 ;;
    --workdir) WORKDIR=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    --keep) KEEP=1; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option $1 (try --help)" >&2; exit 2 ;;
  esac
done

log() { printf '[bench-index %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
# shellcheck source=lib/bench-common.sh
. "$ROOT/scripts/lib/bench-common.sh"

for v in SERIES HOSTS DCS DIRECTIONS POINTS WORKERS BATCH RUNS QUERY_MAX LOAD_MAX IDLE; do
  [[ ${!v} =~ ^[0-9]+$ ]] && [ "${!v}" -gt 0 ] || { echo "--${v,,}: expected a positive integer, got '${!v}'" >&2; exit 2; }
done
PER_CUSTOMER=$((HOSTS * DCS * DIRECTIONS))
CUSTOMERS=$(((SERIES + PER_CUSTOMER - 1) / PER_CUSTOMER))
SERIES=$((CUSTOMERS * PER_CUSTOMER))
SHAPE="--series-mode cross --seed 1 --customers $CUSTOMERS --hosts $HOSTS --dcs $DCS --directions $DIRECTIONS --points $POINTS"

# ---------------------------------------------------------------------------------------------------
# Statements: name, expected row count, InfluxQL. Values are ones the generator really writes.
last=$((CUSTOMERS - 1)); CW=${#last}; [ "$CW" -ge 6 ] || CW=6  # customer number width, as generated
last=$((HOSTS - 1)); HW=${#last}; [ "$HW" -ge 2 ] || HW=2          # host number width
printf -v H1 "host-%0${HW}d" $((1 % HOSTS))
printf -v H2 "host-%0${HW}d" $((3 % HOSTS))
# A regex over the customer dictionary matching ten customers (120…129, or 0…9 when fewer exist).
CBASE=120; [ "$CUSTOMERS" -gt 129 ] || CBASE=0
printf -v CPREFIX "cust%0$((CW - 1))d" $((CBASE / 10))
STATEMENTS=(
  "tag_values_customer|$CUSTOMERS|SHOW TAG VALUES FROM \"email_latency\" WITH KEY = \"customer\""
  "tag_values_customer_dc|$CUSTOMERS|SHOW TAG VALUES FROM \"email_latency\" WITH KEY = \"customer\" WHERE \"dc\" = 'ams1'"
  "tag_values_customer_host_regex|$CUSTOMERS|SHOW TAG VALUES FROM \"email_latency\" WITH KEY = \"customer\" WHERE \"host\" =~ /^($H1|$H2)\$/"
  "tag_values_host_customer_regex|$HOSTS|SHOW TAG VALUES FROM \"email_latency\" WITH KEY = \"host\" WHERE \"customer\" =~ /^${CPREFIX}[0-9]\$/"
  "series_exact_cardinality|$SERIES|SHOW SERIES EXACT CARDINALITY"
  "measurements|1|SHOW MEASUREMENTS"
  "tag_keys|4|SHOW TAG KEYS"
)

# ---------------------------------------------------------------------------------------------------
# Setup
if [ -z "$WORKDIR" ]; then WORKDIR=$(mktemp -d "${TMPDIR:-/tmp}/taildb-bench-index.XXXXXX"); fi
mkdir -p "$WORKDIR"
WORKDIR=$(cd "$WORKDIR" && pwd)
if [ -z "$OUT" ]; then OUT="$ROOT/target/bench-index/$(date -u +%Y%m%dT%H%M%SZ)"; fi
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
RESULTS="$OUT/results.jsonl"
: > "$RESULTS"

SERVER_PID=
LOADER_PID=
cleanup() {
  if [ -n "$LOADER_PID" ] && kill -0 "$LOADER_PID" 2>/dev/null; then kill "$LOADER_PID" 2>/dev/null || true; fi
  kill_server
  if [ "$KEEP" = 0 ]; then rm -rf "$WORKDIR"/data-*; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ "$BUILD" = 1 ]; then
  log "building taildb (release)"
  (cd "$ROOT" && cargo build --release --bin taildb) >&2
fi
TAILDB="$ROOT/target/release/taildb"
[ -x "$TAILDB" ] || { echo "no $TAILDB: build it or drop --no-build" >&2; exit 1; }

log "machine: $(machine_info)"
machine_info > "$OUT/machine.txt"
log "shape: $CUSTOMERS customers × $HOSTS hosts × $DCS dcs × $DIRECTIONS directions = $SERIES series, $POINTS point(s) each"
printf '%s\n' "${STATEMENTS[@]}" > "$OUT/statements.txt"

# ---------------------------------------------------------------------------------------------------
# Helpers (the rest are in scripts/lib/bench-common.sh)

disk_bytes() { du -sB1 "$1" 2>/dev/null | cut -f1; }

# Runs InfluxQL $2 against the server, output to file $1; prints "<curl exit> <http code> <seconds>".
query() {
  local out=$1 q=$2 rc=0 w
  w=$(curl -sS -G -o "$out" -w '%{http_code} %{time_total}' --max-time "$QUERY_MAX" \
    --data-urlencode "db=$DB" --data-urlencode "q=$q" "$BASE/query" 2>> "$LOG") || rc=$?
  echo "$rc ${w:-000 0}"
}

# Row count and first-column sum of a /query answer, or its error: prints one JSON object.
summarize() {
  python3 - "$1" <<'PY'
import json, sys
try:
    d = json.load(open(sys.argv[1]))
except Exception as e:  # not JSON: a proxy page, a truncated body
    print(json.dumps({"error": f"unreadable answer: {e}"})); sys.exit()
res = (d.get("results") or [{}])[0]
err = d.get("error") or res.get("error")
rows, total = 0, 0
for s in res.get("series", []) or []:
    vals = s.get("values", []) or []
    rows += len(vals)
    for v in vals:
        if v and isinstance(v[0], (int, float)): total += v[0]
        elif len(v) > 1 and isinstance(v[1], (int, float)): total += v[1]
print(json.dumps({"rows": rows, "sum": total, **({"error": err} if err else {})}))
PY
}

# ---------------------------------------------------------------------------------------------------
# Servers: start_<name> (scripts/lib/bench-common.sh) sets SERVER_PID, BASE; durable_<name> runs after
# the load.

durable_taildb() {
  curl -sf -X POST --max-time "$FLUSH_MAX" -o /dev/null "$BASE/internal/force_flush" ||
    { log "taildb: POST /internal/force_flush failed"; return 1; }
}

# The cache is snapshotted to TSM after 5 s without writes: wait until no WAL segment holds data.
durable_influxdb() {
  local deadline=$((SECONDS + FLUSH_MAX))
  sleep 5
  while [ $SECONDS -lt $deadline ]; do
    [ "$(find "$DATA/wal" -name '*.wal' -size +0 2>/dev/null | wc -l)" -eq 0 ] && return 0
    sleep 1
  done
  log "influxdb: WAL still holds data after ${FLUSH_MAX}s"
  return 1
}

# ---------------------------------------------------------------------------------------------------
# One server, start to finish; appends one JSON object to $RESULTS.

record_fail() { # server status [partial JSON file]
  python3 - "$1" "$2" "$SERIES" "${3:-}" <<'PY' >> "$RESULTS"
import json, sys, os
s, status, series, part = sys.argv[1:]
r = json.load(open(part)) if part and os.path.exists(part) else {}
r.update({"server": s, "status": status, "series": int(series)})
print(json.dumps(r))
PY
}

run_one() {
  local S=$1
  DATA="$WORKDIR/data-$S"; LOG="$OUT/$S.log"
  local part="$OUT/$S.partial.json"
  rm -rf "$DATA" "$DATA.conf" "$DATA.toml"; mkdir -p "$DATA"; : > "$LOG"; echo '{}' > "$part"
  TAILDB_TOML="$DATA.toml"
  printf '[limits]\nmax-series-per-database = 0\nmax-series-per-measurement = 0\nmax-values-per-tag = 0\n' > "$TAILDB_TOML"
  if [ -n "$TAILDB_EXTRA" ]; then cat "$TAILDB_EXTRA" >> "$TAILDB_TOML"; fi
  setj() { python3 - "$part" "$1" "$2" <<'PY'
import json, sys
p, k, v = sys.argv[1:]
d = json.load(open(p)); d[k] = json.loads(v); json.dump(d, open(p, "w"))
PY
  }

  log "$S: starting"
  if ! "start_$S" || ! wait_ready "$BASE/ping"; then
    log "$S: server did not come up; last log lines:"; tail -5 "$LOG" >&2 || true
    stop_server; record_fail "$S" "server did not start"; return 0
  fi
  check_loopback_only

  # Load, sampling RSS every 0.5 s.
  log "$S: loading $SERIES series ($WORKERS workers, $BATCH lines/batch)"
  local report="$OUT/$S.loader.json" rc=0 max_rss=0 r killed=0 t_load
  t_load=$(now)
  # shellcheck disable=SC2086
  timeout "$LOAD_MAX" "$TAILDB" loadgen $SHAPE --url "$BASE" --db "$DB" --create-db \
    --workers "$WORKERS" --batch "$BATCH" --progress 30 --json > "$report" 2>> "$LOG" &
  LOADER_PID=$!
  while kill -0 "$LOADER_PID" 2>/dev/null; do
    r=$(rss_kb "$SERVER_PID" VmRSS); [ "${r:-0}" -gt "$max_rss" ] && max_rss=$r
    if [ "${r:-0}" -gt $((MAX_RSS_GIB * 1024 * 1024)) ]; then
      log "$S: RSS ${r} kB passed ${MAX_RSS_GIB} GiB after $(elapsed "$t_load") s of loading; killing it"
      killed=1; kill -9 "$SERVER_PID" 2>/dev/null || true; kill "$LOADER_PID" 2>/dev/null || true
      break
    fi
    sleep 0.5
  done
  if [ "$killed" = 1 ]; then
    wait "$LOADER_PID" 2>/dev/null || true
    LOADER_PID=
    setj ingest_rss_max_kb "${max_rss:-0}"; setj killed_after_s "$(elapsed "$t_load")"
    stop_server
    record_fail "$S" "killed: RSS over ${MAX_RSS_GIB} GiB after $(elapsed "$t_load") s of loading" "$part"
    return 0
  fi
  wait "$LOADER_PID" || rc=$?
  LOADER_PID=
  local hwm; hwm=$(rss_kb "$SERVER_PID" VmHWM)
  setj ingest_rss_max_kb "${max_rss:-0}"; setj ingest_hwm_kb "${hwm:-0}"
  setj ingest_rss_end_kb "$(rss_kb "$SERVER_PID" VmRSS)"
  if [ -s "$report" ]; then setj loader "$(cat "$report")"; fi
  if [ "$rc" != 0 ]; then
    log "$S: loader failed (exit $rc); see $LOG"
    stop_server; record_fail "$S" "loader failed (exit $rc)" "$part"; return 0
  fi
  log "$S: loaded: $(head -c 300 "$report")"

  # Durable, stop, restart.
  local t0; t0=$(now)
  "durable_$S" || setj durable_failed true
  setj durable_s "$(elapsed "$t0")"
  stop_server; setj stop_s "$STOP_S"
  setj disk_bytes "$(disk_bytes "$DATA")"
  log "$S: restarting"
  t0=$(now)
  if ! "start_$S" || ! wait_ready "$BASE/ping"; then
    log "$S: server did not come back; last log lines:"; tail -5 "$LOG" >&2 || true
    stop_server; record_fail "$S" "did not restart within ${READY_MAX}s" "$part"; return 0
  fi
  local t_ping t_ready rss_restart ans="$OUT/$S.first.json" res code secs
  t_ping=$(now)
  res=$(query "$ans" "SHOW MEASUREMENTS"); read -r rc code secs <<< "$res"
  t_ready=$(now)
  rss_restart=$(rss_kb "$SERVER_PID" VmRSS)
  check_loopback_only
  setj restart_ping_s "$(python3 -c "import sys; print(round(float(sys.argv[2]) - float(sys.argv[1]), 3))" "$t0" "$t_ping")"
  setj restart_ready_s "$(python3 -c "import sys; print(round(float(sys.argv[2]) - float(sys.argv[1]), 3))" "$t0" "$t_ready")"
  setj rss_restart_kb "$rss_restart"
  setj first_show_measurements "$(summarize "$ans" | python3 -c "import json,sys; d=json.load(sys.stdin); d.update(curl_exit=int(sys.argv[1]), http=sys.argv[2], seconds=float(sys.argv[3])); print(json.dumps(d))" "$rc" "$code" "$secs")"
  sleep "$IDLE"
  setj rss_idle_kb "$(rss_kb "$SERVER_PID" VmRSS)"
  log "$S: restart: $(python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print({k: d.get(k) for k in ('restart_ping_s','restart_ready_s','rss_restart_kb','rss_idle_kb')})" "$part")"

  # Statements.
  local spec name expect q i
  for spec in "${STATEMENTS[@]}"; do
    IFS='|' read -r name expect q <<< "$spec"
    local times=() status=ok bytes=0 summary='{}'
    for i in $(seq 1 "$RUNS"); do
      if ! kill -0 "$SERVER_PID" 2>/dev/null; then status="server died"; break; fi
      ans="$OUT/$S.$name.json"
      res=$(query "$ans" "$q"); read -r rc code secs <<< "$res"
      if [ "$rc" = 28 ]; then status="timeout (${QUERY_MAX}s)"; break; fi
      if [ "$rc" != 0 ]; then status="curl exit $rc"; break; fi
      if [ "$code" != 200 ]; then status="HTTP $code"; break; fi
      times+=("$secs"); bytes=$(stat -c %s "$ans")
      summary=$(summarize "$ans")
    done
    status=$(python3 - "$part" "$name" "$q" "$expect" "$status" "$bytes" "$summary" "${times[@]}" <<'PY'
import json, statistics, sys
p, name, q, expect, status, nbytes, summary, *times = sys.argv[1:]
d = json.load(open(p)); s = json.loads(summary); t = [float(x) for x in times]
if status == "ok" and "error" in s: status = f"error: {s['error']}"
value = s.get("rows", 0) if name != "series_exact_cardinality" else s.get("sum", 0)
if status == "ok" and value != int(expect): status = f"rows {value} != expected {expect}"
d.setdefault("queries", []).append({"name": name, "q": q, "status": status, "times_s": t,
    "median_s": statistics.median(t) if t else None, "bytes": int(nbytes), "rows": s.get("rows"),
    "value": value, "expected": int(expect)})
json.dump(d, open(p, "w"))
print(status)
PY
)
    log "$S: $name: $status; seconds: ${times[*]:-none}"
  done
  stop_server
  python3 - "$part" "$S" "$SERIES" "$CUSTOMERS" "$HOSTS" "$DCS" "$DIRECTIONS" "$POINTS" <<'PY' >> "$RESULTS"
import json, sys
p, s, series, c, h, d, r, pts = sys.argv[1:]
o = json.load(open(p))
o.update({"server": s, "status": "failed to flush" if o.pop("durable_failed", False) else "ok",
          "series": int(series), "shape": {"customers": int(c), "hosts": int(h), "dcs": int(d),
          "directions": int(r), "points": int(pts)}})
print(json.dumps(o))
PY
  rm -f "$part"
  if [ "$KEEP" = 0 ]; then rm -rf "$DATA"; fi
}

for S in ${ONLY//,/ }; do
  case "$S" in taildb|influxdb) ;; *) echo "unknown server $S" >&2; exit 2 ;; esac
  run_one "$S"
done

# ---------------------------------------------------------------------------------------------------
# Report: one column per server, one row per measure, and taildb/InfluxDB where both ran.
python3 - "$RESULTS" "$(machine_info)" > "$OUT/results.md" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
by = {r["server"]: r for r in rows}
servers = list(by)
series = rows[0]["series"] if rows else 0
shape = next((r["shape"] for r in rows if "shape" in r), None)
print(f"Machine: {sys.argv[2]}\n")
if shape:
    print(f"Series: {series} = {shape['customers']} customers × {shape['hosts']} hosts × {shape['dcs']} dcs × "
          f"{shape['directions']} directions, {shape['points']} point(s) each.\n")

def get(r, *path):
    for k in path:
        if not isinstance(r, dict) or k not in r: return None
        r = r[k]
    return r

def mib(kb): return None if kb is None else kb / 1024
def per_series(kb): return None if not kb else kb * 1024 / series
def series_per_s(r):
    e = get(r, "loader", "elapsed_s"); n = get(r, "loader", "lines_sent")
    pts = get(r, "shape", "points") or 1
    return None if not e else n / pts / e

measures = [  # label, function, format, better: "lower"/"higher"
    ("status", lambda r: r.get("status"), "s", None),
    ("ingest lines/s", lambda r: get(r, "loader", "lines_per_s"), ".0f", "higher"),
    ("ingest new series/s", series_per_s, ".0f", "higher"),
    ("loader waited on generator s", lambda r: get(r, "loader", "producer_wait_s"), ".1f", None),
    ("peak RSS during ingest MiB (VmHWM)", lambda r: mib(r.get("ingest_hwm_kb")), ".0f", "lower"),
    ("peak RSS during ingest B/series", lambda r: per_series(r.get("ingest_hwm_kb")), ".0f", "lower"),
    ("flush / WAL snapshot s", lambda r: r.get("durable_s"), ".1f", None),
    ("stop s", lambda r: r.get("stop_s"), ".1f", None),
    ("disk after stop MiB", lambda r: None if r.get("disk_bytes") is None else r["disk_bytes"] / 2**20, ".0f", "lower"),
    ("restart: /ping s", lambda r: r.get("restart_ping_s"), ".2f", "lower"),
    ("restart: first SHOW MEASUREMENTS s", lambda r: r.get("restart_ready_s"), ".2f", "lower"),
    ("RSS after restart MiB", lambda r: mib(r.get("rss_restart_kb")), ".0f", "lower"),
    ("RSS after restart B/series", lambda r: per_series(r.get("rss_restart_kb")), ".0f", "lower"),
    ("RSS after restart + idle MiB", lambda r: mib(r.get("rss_idle_kb")), ".0f", "lower"),
    ("RSS after restart + idle B/series", lambda r: per_series(r.get("rss_idle_kb")), ".0f", "lower"),
]
names = []
for r in rows:
    for q in r.get("queries", []):
        if q["name"] not in [n for n, _ in names]: names.append((q["name"], q["q"]))
for name, _ in names:
    def med(r, name=name):
        q = next((q for q in r.get("queries", []) if q["name"] == name), None)
        return None if q is None or q["status"] != "ok" else q["median_s"]
    def cell(r, name=name):
        q = next((q for q in r.get("queries", []) if q["name"] == name), None)
        if q is None: return None
        n = f"count {q['value']}" if name == "series_exact_cardinality" else f"{q['value']} rows"
        s = f"{n}, {q['bytes'] / 1e6:.1f} MB"
        return s if q["status"] == "ok" else f"{s}; {q['status']}"
    measures.append((f"`{name}` median s", med, ".3f", "lower"))
    measures.append((f"`{name}` result", cell, "s", None))

both = "taildb" in by and "influxdb" in by
print("| measure | " + " | ".join(servers) + (" | taildb / InfluxDB |" if both else " |"))
print("|---|" + "---:|" * len(servers) + ("---:|" if both else ""))
for label, f, fmt, better in measures:
    vals = [f(by[s]) for s in servers]
    cells = ["—" if v is None else (v if fmt == "s" else format(v, fmt)) for v in vals]
    line = f"| {label} | " + " | ".join(str(c) for c in cells) + " |"
    if both:
        a, b = f(by["taildb"]), f(by["influxdb"])
        ratio = f"{a / b:.3g}" if better and isinstance(a, (int, float)) and isinstance(b, (int, float)) and b else ""
        line += f" {ratio} |"
    print(line)
if both:
    print("\nRatio: taildb's number divided by InfluxDB's (times, RSS, disk: < 1 = taildb better; rates: > 1 = taildb better).")
print("\nStatements:\n")
for name, q in names:
    print(f"- `{name}`: `{q}`")
PY
cat "$OUT/results.md"
log "results: $OUT/results.md, $RESULTS"
