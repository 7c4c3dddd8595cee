#!/usr/bin/env bash
# Side-by-side ingest benchmark: taildb, InfluxDB 1.x (tsi1) and VictoriaMetrics on the same workload
# files, posted by the same loader (`taildb loadgen --file`), one server at a time.
#
# For each server and workload: start it on a free loopback port with a fresh data dir, wait until it
# answers, create the database, post the file (2 workers, 5000-line batches, gzip off), read RSS from
# /proc, trigger flush/compaction, wait until the data dir stops changing, measure bytes on disk, stop
# the server, measure bytes on disk again. Results: results.jsonl (one object per run) and results.md
# (absolute numbers and ratios) in the output directory; the markdown is also printed.
#
# Servers listen on 127.0.0.1 only (checked after start: a server with any other listener is killed
# and the run aborts). Every wait is bounded.
#
# Usage: scripts/bench-ingest.sh [options]
#   --only LIST        servers to run, comma-separated: taildb,influxdb,victoriametrics (default: all)
#   --workloads LIST   A, B or A,B (default A,B)
#   --lines N          lines per workload file (default 2000000)
#   --workers N        loader connections (default 2)
#   --batch N          lines per POST (default 5000)
#   --workdir DIR      where workload files and data dirs go (default: a new temp dir); workload files
#                      already there with the same parameters are reused
#   --out DIR          where results go (default: target/bench-ingest/<UTC time>)
#   --settle-max S     longest wait for compaction/settling per run, seconds (default 300)
#   --no-build         use the existing target/release/taildb
#   --keep             keep the data dirs of the servers
# Needs: cargo, curl, python3, ss (iproute2); influxd and victoria-metrics for those servers
# (Debian: apt-get install -y influxdb victoria-metrics).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
ONLY=taildb,influxdb,victoriametrics
WORKLOADS=A,B
LINES=2000000
WORKERS=2
BATCH=5000
WORKDIR=
OUT=
SETTLE_MAX=300
BUILD=1
KEEP=0
READY_MAX=60   # seconds to wait for a server to answer
STOP_MAX=60    # seconds to wait for a server to exit after SIGTERM
LOAD_MAX=3600  # seconds a load may take

while [ $# -gt 0 ]; do
  case "$1" in
    --only) ONLY=$2; shift 2 ;;
    --workloads) WORKLOADS=$2; shift 2 ;;
    --lines) LINES=$2; shift 2 ;;
    --workers) WORKERS=$2; shift 2 ;;
    --batch) BATCH=$2; shift 2 ;;
    --workdir) WORKDIR=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --settle-max) SETTLE_MAX=$2; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    --keep) KEEP=1; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option $1 (try --help)" >&2; exit 2 ;;
  esac
done

log() { printf '[bench %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
# shellcheck source=lib/bench-common.sh
. "$ROOT/scripts/lib/bench-common.sh"
INFLUX_DATA_EXTRA='  compact-full-write-cold-duration = "10s"'

# Workload definitions (docs/benchmarks.md explains them). Same seed = same bytes.
workload_flags() {
  case "$1" in
    A) echo "--seed 1 --customers 1000 --dcs 4 --hosts 20 --zipf 1.1" ;;   # ~40 k series
    B) echo "--seed 2 --customers 100000 --dcs 8 --hosts 200 --zipf 1.1" ;; # ~700 k series
    *) echo "unknown workload $1" >&2; return 1 ;;
  esac
}

# ---------------------------------------------------------------------------------------------------
# Setup
if [ -z "$WORKDIR" ]; then WORKDIR=$(mktemp -d "${TMPDIR:-/tmp}/taildb-bench.XXXXXX"); fi
mkdir -p "$WORKDIR"
WORKDIR=$(cd "$WORKDIR" && pwd)
if [ -z "$OUT" ]; then OUT="$ROOT/target/bench-ingest/$(date -u +%Y%m%dT%H%M%SZ)"; fi
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
RESULTS="$OUT/results.jsonl"
: > "$RESULTS"

SERVER_PID=
cleanup() {
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

# Generate each workload file once (reused when the same parameters were used before).
declare -A FILE SERIES
for W in ${WORKLOADS//,/ }; do
  flags="$(workload_flags "$W") --lines $LINES"
  f="$WORKDIR/workload-$W.lp"
  if [ -f "$f" ] && [ "$(cat "$f.params" 2>/dev/null)" = "$flags" ]; then
    log "workload $W: reusing $f"
  else
    log "workload $W: generating ($flags)"
    # shellcheck disable=SC2086
    "$TAILDB" loadgen --dump $flags > "$f.tmp"
    mv "$f.tmp" "$f"
    echo "$flags" > "$f.params"
  fi
  FILE[$W]=$f
  SERIES[$W]=$("$ROOT/scripts/count-series.sh" "$f" | sed 's/.*series=//')
  log "workload $W: $(stat -c %s "$f") bytes, ${SERIES[$W]} distinct series"
done

# ---------------------------------------------------------------------------------------------------
# Helpers

# Allocated bytes under a directory, less the subdirectory $DISK_SKIP (caches a server rebuilds by
# itself and only writes at shutdown, e.g. VictoriaMetrics' cache/): what the data needs on disk.
DISK_SKIP=
disk_bytes() {
  local all skip=0
  all=$(du -sB1 "$1" 2>/dev/null | cut -f1)
  if [ -n "$DISK_SKIP" ] && [ -d "$1/$DISK_SKIP" ]; then skip=$(du -sB1 "$1/$DISK_SKIP" | cut -f1); fi
  echo $(( ${all:-0} - skip ))
}

# Waits until the data dir size is unchanged for STABLE_FOR seconds (after at least $1 seconds), at
# most SETTLE_MAX seconds; `$2` (optional) is a function called before each sample (a compaction
# trigger or a readiness condition returning non-zero while work is pending). Prints seconds waited.
STABLE_FOR=20
wait_settled() {
  local min=$1 cond=${2:-} dir=$DATA t0=$SECONDS last=-1 since=$SECONDS now size
  while :; do
    now=$SECONDS
    [ $((now - t0)) -ge "$SETTLE_MAX" ] && { log "settle: gave up after ${SETTLE_MAX}s"; break; }
    size=$(disk_bytes "$dir")
    if [ "$size" != "$last" ]; then last=$size; since=$now; fi
    if [ $((now - t0)) -ge "$min" ] && [ $((now - since)) -ge "$STABLE_FOR" ]; then
      if [ -z "$cond" ] || "$cond"; then break; fi
    fi
    sleep 2
  done
  echo $((SECONDS - t0))
}

# ---------------------------------------------------------------------------------------------------
# Servers: start_<name> (scripts/lib/bench-common.sh) sets SERVER_PID, BASE, READY_URL; compact_<name>
# runs after the load.

compact_taildb() {
  # Flush every memtable and merge every shard's segments (POST /internal/force_merge), then wait
  # for the data directory to stop changing. TAILDB_FLUSH_PATH overrides the endpoint.
  local path="${TAILDB_FLUSH_PATH:-/internal/force_merge}"
  curl -sf -X POST --max-time 600 -o /dev/null "$BASE$path" || log "taildb: POST $path failed"
  SETTLE_S=$(wait_settled 5)
}

# The WAL is snapshotted to TSM after 5 s cold and fully compacted after 10 s cold: wait for the
# WAL to empty and the size to hold still.
compact_influxdb() { SETTLE_S=$(wait_settled 15 influx_wal_empty); }

compact_victoriametrics() {
  curl -sf --max-time 60 -o /dev/null "$BASE/internal/force_flush" || log "victoriametrics: force_flush failed"
  curl -sf --max-time 60 -o /dev/null "$BASE/internal/force_merge" || log "victoriametrics: force_merge failed"
  SETTLE_S=$(wait_settled 5)
}

# ---------------------------------------------------------------------------------------------------
# Runs

record() { # JSON object on stdin -> results file
  cat >> "$RESULTS"; echo >> "$RESULTS"
}

run_one() {
  local S=$1 W=$2
  DATA="$WORKDIR/data-$S-$W"; LOG="$OUT/$S-$W.log"
  rm -rf "$DATA" "$DATA.conf"; mkdir -p "$DATA"; DISK_SKIP=
  # VictoriaMetrics has no databases (`db` becomes a label) and rebuilds its cache/ by itself.
  CREATE_DB=1; [ "$S" = victoriametrics ] && { CREATE_DB=0; DISK_SKIP=cache; }
  log "$S / $W: starting"
  if ! "start_$S" || ! wait_ready "$READY_URL"; then
    log "$S / $W: server did not come up; last log lines:"; tail -5 "$LOG" >&2 || true
    stop_server
    printf '{"server":"%s","workload":"%s","status":"server did not start"}' "$S" "$W" | record
    return 0
  fi
  check_loopback_only
  local create=(); [ "$CREATE_DB" = 1 ] && create=(--create-db)
  log "$S / $W: loading ${FILE[$W]} ($WORKERS workers, $BATCH lines/batch)"
  local report rc=0
  report=$(timeout "$LOAD_MAX" "$TAILDB" loadgen --file "${FILE[$W]}" --url "$BASE" --db bench \
    --workers "$WORKERS" --batch "$BATCH" --progress 10 --json "${create[@]}" 2>> "$LOG") || rc=$?
  local rss hwm; rss=$(rss_kb "$SERVER_PID" VmRSS); hwm=$(rss_kb "$SERVER_PID" VmHWM)
  if [ -z "$report" ]; then
    log "$S / $W: loader failed (exit $rc); see $LOG"
    stop_server
    printf '{"server":"%s","workload":"%s","status":"loader failed (exit %s)"}' "$S" "$W" "$rc" | record
    return 0
  fi
  log "$S / $W: loaded; compacting/settling (at most ${SETTLE_MAX}s)"
  SETTLE_S=0
  "compact_$S"
  local disk_settled disk_stopped
  disk_settled=$(disk_bytes "$DATA")
  stop_server
  disk_stopped=$(disk_bytes "$DATA")
  python3 - "$S" "$W" "$rc" "$rss" "$hwm" "$disk_settled" "$disk_stopped" "$SETTLE_S" "${SERIES[$W]}" "$report" <<'PY' | record
import json, sys
s, w, rc, rss, hwm, ds, dst, settle, series, report = sys.argv[1:]
r = json.loads(report)
print(json.dumps({"server": s, "workload": w, "status": "ok" if rc == "0" else f"loader exit {rc}",
                  "series": int(series), "rss_kb": int(rss or 0), "hwm_kb": int(hwm or 0),
                  "disk_settled": int(ds or 0), "disk_stopped": int(dst or 0), "settle_s": int(settle or 0),
                  "loader": r}), end="")
PY
  log "$S / $W: $(tail -1 "$RESULTS" | head -c 300)"
  if [ "$KEEP" = 0 ]; then rm -rf "$DATA"; fi
}

for S in ${ONLY//,/ }; do
  case "$S" in taildb|influxdb|victoriametrics) ;; *) echo "unknown server $S" >&2; exit 2 ;; esac
  for W in ${WORKLOADS//,/ }; do run_one "$S" "$W"; done
done

# ---------------------------------------------------------------------------------------------------
# Report
python3 - "$RESULTS" "$(machine_info)" > "$OUT/results.md" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
print(f"Machine: {sys.argv[2]}\n")
print("| server | workload | series | lines/s | MB/s | ack p50 ms | ack p99 ms | RSS after load MiB | peak RSS MiB | disk settled MiB | disk after stop MiB | B/line (stopped) | settle s | status |")
print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
ok = {}
for r in rows:
    l = r.get("loader")
    if not l:
        print(f"| {r['server']} | {r['workload']} | | | | | | | | | | | | {r['status']} |")
        continue
    ok[(r["server"], r["workload"])] = r
    lines = l["lines_sent"] + l["lines_failed"]
    print(f"| {r['server']} | {r['workload']} | {r['series']} | {l['lines_per_s']:.0f} | {l['mb_per_s']:.1f} | "
          f"{l['ack_p50_ms']:.1f} | {l['ack_p99_ms']:.1f} | {r['rss_kb']/1024:.0f} | {r['hwm_kb']/1024:.0f} | "
          f"{r['disk_settled']/2**20:.1f} | {r['disk_stopped']/2**20:.1f} | {r['disk_stopped']/max(lines,1):.1f} | "
          f"{r['settle_s']} | {r['status']} |")
servers = []
for r in rows:
    if r["server"] not in servers: servers.append(r["server"])
base = "taildb" if any(k[0] == "taildb" for k in ok) else "influxdb"
others = [s for s in servers if s != base]
print(f"\nRatios: other server / {base} (lines/s: >1 = other is faster; p99, RSS, disk: >1 = other uses more).\n")
print("| server | workload | lines/s | ack p99 | RSS after load | disk after stop |")
print("|---|---|---:|---:|---:|---:|")
def ratio(a, b): return f"{a/b:.2f}" if b else "—"
for s in others:
    for (srv, w), r in sorted(ok.items()):
        if srv != s or (base, w) not in ok: continue
        b = ok[(base, w)]
        print(f"| {s} | {w} | {ratio(r['loader']['lines_per_s'], b['loader']['lines_per_s'])} | "
              f"{ratio(r['loader']['ack_p99_ms'], b['loader']['ack_p99_ms'])} | {ratio(r['rss_kb'], b['rss_kb'])} | "
              f"{ratio(r['disk_stopped'], b['disk_stopped'])} |")
PY
cat "$OUT/results.md"
log "results: $OUT/results.md, $RESULTS"
