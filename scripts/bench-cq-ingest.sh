#!/usr/bin/env bash
# Ingest throughput of taildb with and without 20 active continuous queries (issue 5: with them it
# must stay at or above 90 % of without). Each round starts a fresh server per mode, posts the same
# email-latency workload with `taildb loadgen` (timestamps at the wall clock, so the CQs roll up the
# data while it arrives: 10 s / 1 m / 1 h queries grouped by nothing, dc, direction, host, status and
# customer), and records lines/s. Modes alternate (none, cq20, none, cq20, …) so drift on this shared
# box hits both.
#
#   scripts/bench-cq-ingest.sh --workdir DIR [--rounds 3] [--lines 12000000] [--rate 200000]
#                              [--workers 2] [--intervals "10s 1m 1h"] [--prestamped] [--no-build]
#
# Timing of the data (the CQs compute each window when the clock passes its end, as InfluxDB):
# - default, `loadgen --stamp-at-send`: each batch is stamped as it is sent, so the data keeps pace
#   with the clock at whatever rate the server accepts — a server at capacity with agents stamping
#   events as they ship them. Only batches in flight across a window boundary arrive late. This is
#   the capacity measure.
# - `--prestamped`: the data is stamped in advance at --rate lines per second of simulated time,
#   starting 10 s after posting begins (`loadgen --live 10s`). When the server ingests slower than
#   --rate, the data falls further behind the clock every second: the CQs compute windows before
#   their data arrived and repair them later (overload behaviour, not capacity). When it ingests
#   faster, the data runs ahead of the clock and part of the CQ work falls after the measured run.
# --rate sets the spacing of lines inside a batch in both. Runs must span minute boundaries for the
# 1 m CQs to run (--lines / ingest rate ≥ 120 s).
#
# --intervals: the GROUP BY time() intervals of the CQs (7 groupings each, the first 20 kept). The
# default's 1 h CQs compute a window only at an hour boundary, usually outside a run of a few
# minutes; "10s 30s 1m" makes all 20 compute windows during the run.
set -euo pipefail
cd "$(dirname "$0")/.."
WORKDIR=; ROUNDS=3; LINES=12000000; RATE=200000; WORKERS=2; BUILD=1; INTERVALS="10s 1m 1h"
TIMING="--stamp-at-send"
while [ $# -gt 0 ]; do
  case "$1" in
    --workdir) WORKDIR=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --lines) LINES=$2; shift 2 ;;
    --rate) RATE=$2; shift 2 ;;
    --workers) WORKERS=$2; shift 2 ;;
    --intervals) INTERVALS=$2; shift 2 ;;
    --prestamped) TIMING="--live 10s"; shift ;;
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
  for every in $INTERVALS; do
    for by in "" ", dc" ", direction" ", host" ", dc, direction" ", status" ", customer"; do
      i=$((i + 1)); [ $i -le 20 ] || return 0
      echo "CREATE CONTINUOUS QUERY cq$i ON bench BEGIN SELECT $sel INTO bench.autogen.roll_$i FROM email_latency GROUP BY time($every)$by END"
    done
  done
}

RESULTS="$WORKDIR/results.tsv"
: > "$RESULTS"
log "machine: $(machine_info)"
log "lines=$LINES rate=$RATE workers=$WORKERS intervals=\"$INTERVALS\" timing=$TIMING"
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
    report=$("$TAILDB" loadgen --url "$BASE" --db bench --lines "$LINES" --rate "$RATE" $TIMING \
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
