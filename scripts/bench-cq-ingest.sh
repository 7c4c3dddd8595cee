#!/usr/bin/env bash
# Ingest throughput of taildb with and without 20 active continuous queries (issue 5: with them it
# must stay at or above 90 % of without). Each round starts a fresh server per mode, posts the same
# email-latency workload with `taildb loadgen` (timestamps at the wall clock, so the CQs roll up the
# data while it arrives: 10 s / 1 m / 1 h queries grouped by nothing, dc, direction, host, status and
# customer), and records lines/s. Modes alternate (none, cq20, none, cq20, …) so drift on this shared
# box hits both.
#
#   scripts/bench-cq-ingest.sh --workdir DIR [--rounds 3] [--lines 12000000] [--rate 200000]
#                              [--workers 2] [--no-build]
#
# --rate is lines per second of simulated time: set it near (at most) the measured ingest rate so the
# data's timestamps keep pace with the clock (then each CQ window holds about rate x interval lines);
# the data starts 10 s after posting begins (`loadgen --live`). Runs must span minute boundaries for
# the 1 m CQs to run (--lines / ingest rate ≥ 120 s).
set -euo pipefail
cd "$(dirname "$0")/.."
WORKDIR=; ROUNDS=3; LINES=12000000; RATE=200000; WORKERS=2; BUILD=1
while [ $# -gt 0 ]; do
  case "$1" in
    --workdir) WORKDIR=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --lines) LINES=$2; shift 2 ;;
    --rate) RATE=$2; shift 2 ;;
    --workers) WORKERS=$2; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
[ -n "$WORKDIR" ] || { echo "--workdir is required" >&2; exit 2; }
mkdir -p "$WORKDIR"; WORKDIR=$(cd "$WORKDIR" && pwd)
[ $BUILD -eq 1 ] && cargo build --release --quiet
TAILDB=$(pwd)/target/release/taildb
LOG="$WORKDIR/server.log"; READY_MAX=120; STOP_MAX=120
log() { echo "$(date +%H:%M:%S) $*"; }
# shellcheck source=lib/bench-common.sh
. scripts/lib/bench-common.sh
trap kill_server EXIT

cqs() {
  local sel="count(latency_ms) AS n, mean(latency_ms) AS mean, max(latency_ms) AS max"
  local i=0 every by
  for every in 10s 1m 1h; do
    for by in "" ", dc" ", direction" ", host" ", dc, direction" ", status" ", customer"; do
      i=$((i + 1)); [ $i -le 20 ] || return 0
      echo "CREATE CONTINUOUS QUERY cq$i ON bench BEGIN SELECT $sel INTO bench.autogen.roll_$i FROM email_latency GROUP BY time($every)$by END"
    done
  done
}

RESULTS="$WORKDIR/results.tsv"
: > "$RESULTS"
log "machine: $(machine_info)"
for r in $(seq 1 "$ROUNDS"); do
  for mode in none cq20; do
    DATA="$WORKDIR/data-$mode-$r"; rm -rf "$DATA"
    start_taildb
    wait_ready "$READY_URL" || { log "taildb did not start"; exit 1; }
    check_loopback_only
    curl -sf -XPOST "$BASE/query" --data-urlencode "q=CREATE DATABASE bench" > /dev/null
    if [ "$mode" = cq20 ]; then
      while read -r q; do
        out=$(curl -s -XPOST "$BASE/query" --data-urlencode "q=$q")
        case "$out" in *error*) log "CQ failed: $out"; exit 1 ;; esac
      done < <(cqs)
    fi
    # --live: the data starts 10 s after posting begins (a clock-relative --start would be taken
    # before the lines are generated, and rounds down to the minute, putting the data behind the
    # clock: a backlog the CQs would keep repairing).
    report=$("$TAILDB" loadgen --url "$BASE" --db bench --lines "$LINES" --rate "$RATE" --live 10s \
      --workers "$WORKERS" --json)
    lps=$(python3 -c 'import json,sys; r=json.loads(sys.argv[1]); assert r["lines_failed"] == 0, r; print(round(r["lines_per_s"]))' "$report")
    stats=""
    if [ "$mode" = cq20 ]; then
      stats=$(curl -s -XPOST "$BASE/query" --data-urlencode "q=SHOW CONTINUOUS QUERY STATS")
    fi
    stop_server
    log "round $r $mode: $lps lines/s"
    printf '%s\t%s\t%s\n' "$r" "$mode" "$lps" >> "$RESULTS"
    [ -n "$stats" ] && echo "$stats" > "$WORKDIR/cq-stats-$r.json"
    rm -rf "$DATA"
  done
done
python3 - "$RESULTS" <<'PY'
import sys, statistics
rows = [l.split("\t") for l in open(sys.argv[1]).read().split("\n") if l]
by = {}
for r, mode, lps in rows:
    by.setdefault(mode, []).append(float(lps))
for mode, v in by.items():
    print(f"{mode}: " + ", ".join(f"{x:,.0f}" for x in v) + f" lines/s (median {statistics.median(v):,.0f})")
if "none" in by and "cq20" in by:
    print(f"ratio cq20/none (medians): {statistics.median(by['cq20']) / statistics.median(by['none']):.3f}")
PY
