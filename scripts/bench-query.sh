#!/usr/bin/env bash
# Side-by-side query benchmark (issue 4; not CI): taildb, InfluxDB 1.x (tsi1) and VictoriaMetrics on
# the same email-latency data, loaded by the same loader (`taildb loadgen --file`), one server at a time.
#
# Data: `taildb loadgen` random mode, seed 2, 100 000 customers (Zipf 1.1), 8 dcs, 200 hosts, --lines
# points (default 2 M: about 700 k distinct series) spread over one hour from 2024-05-01T00:00:00Z —
# workload B of scripts/bench-ingest.sh, pinned in time so every query has a fixed answer.
# Optionally (--scan-points N) a second taildb-only data set for the scan rate: 1 000 series
# (`--series-mode cross`) × N/1000 points, then count/sum/mean over all of it.
#
# For each server: start it on a free loopback port with a fresh data dir, create the database, load,
# make the data durable and compacted (taildb: POST /internal/force_merge; InfluxDB: wait until its WAL
# is empty and its data dir has been still for 20 s; VictoriaMetrics: /internal/force_flush and
# force_merge), then time each query: the first (cold) run and the median of --runs more, curl's
# time_total, bounded by --query-timeout. The narrow panel runs --narrow-runs times and reports p50/p99.
# taildb's and InfluxDB's answers to each InfluxQL query are compared (series, rows, values to 1e-6
# relative) and the verdict recorded. VictoriaMetrics answers the MetricsQL equivalents (its histogram
# quantiles are approximate; means are exact), through /api/v1/query_range (step 1m) or /api/v1/query.
# Results: results.jsonl and results.md in the output directory (the markdown is also printed).
#
# Usage: scripts/bench-query.sh [options]
#   --only LIST          servers, comma-separated: taildb,influxdb,victoriametrics (default: all)
#   --lines N            points in the main data set (default 2000000)
#   --runs N             warm runs per query, the median is reported (default 3)
#   --narrow-runs N      runs of the narrow panel (default 200; InfluxDB and VM get N/4)
#   --scan-points N      also measure taildb's scan rate over N points (default 0 = skip)
#   --query-timeout S    longest a query may take, seconds (default 600)
#   --workdir DIR        where the data file and data dirs go (default: a new temp dir; the data file is
#                        reused when its parameters match)
#   --out DIR            where results go (default: target/bench-query/<UTC time>)
#   --no-build           use the existing target/release/taildb
#   --keep               keep the data dirs
# Needs: cargo, curl, python3, ss; influxd and victoria-metrics for those servers.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
ONLY=taildb,influxdb,victoriametrics
LINES=2000000
RUNS=3
NARROW_RUNS=200
SCAN_POINTS=0
QUERY_MAX=600
WORKDIR=
OUT=
BUILD=1
KEEP=0
READY_MAX=120
STOP_MAX=60
LOAD_MAX=3600
SETTLE_MAX=600

while [ $# -gt 0 ]; do
  case "$1" in
    --only) ONLY=$2; shift 2 ;;
    --lines) LINES=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    --narrow-runs) NARROW_RUNS=$2; shift 2 ;;
    --scan-points) SCAN_POINTS=$2; shift 2 ;;
    --query-timeout) QUERY_MAX=$2; shift 2 ;;
    --workdir) WORKDIR=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    --keep) KEEP=1; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option $1 (try --help)" >&2; exit 2 ;;
  esac
done

log() { printf '[bench-query %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
# shellcheck source=lib/bench-common.sh
. "$ROOT/scripts/lib/bench-common.sh"
for v in LINES RUNS NARROW_RUNS QUERY_MAX; do
  [[ ${!v} =~ ^[0-9]+$ ]] && [ "${!v}" -gt 0 ] || { echo "--${v,,}: expected a positive integer, got '${!v}'" >&2; exit 2; }
done

# ---------------------------------------------------------------------------------------------------
# Queries. Times are pinned to the data: one hour from T0 (the wide and narrow panels), 24 h up to its
# end (worst customers).
T0=2024-05-01T00:00:00Z
T0_S=$(date -u -d "$T0" +%s)
T1_S=$((T0_S + 3600))
DAY0_S=$((T1_S - 86400))
M=email_latency
VM_M="${M}_latency_ms"
NARROW_CUSTOMER=cust000100
# name|InfluxQL|MetricsQL kind (range|instant)|MetricsQL
QUERIES=(
  "wide_panel_dc|SELECT mean(\"latency_ms\"), percentile(\"latency_ms\", 99) FROM \"$M\" WHERE time >= ${T0_S}s AND time < ${T1_S}s GROUP BY time(1m), \"dc\"|range|sum(sum_over_time(${VM_M}[1m])) by (dc) / sum(count_over_time(${VM_M}[1m])) by (dc) ; histogram_quantile(0.99, sum(histogram_over_time(${VM_M}[1m])) by (vmrange, dc))"
  "narrow_panel|SELECT mean(\"latency_ms\"), percentile(\"latency_ms\", 99) FROM \"$M\" WHERE \"customer\" = '$NARROW_CUSTOMER' AND time >= ${T0_S}s AND time < ${T1_S}s GROUP BY time(1m)|range|sum(sum_over_time(${VM_M}{customer=\"$NARROW_CUSTOMER\"}[1m])) / sum(count_over_time(${VM_M}{customer=\"$NARROW_CUSTOMER\"}[1m])) ; histogram_quantile(0.99, sum(histogram_over_time(${VM_M}{customer=\"$NARROW_CUSTOMER\"}[1m])) by (vmrange))"
  "worst_customers_24h|SELECT top(\"p99\", \"customer\", 10) FROM (SELECT percentile(\"latency_ms\", 99) AS \"p99\" FROM \"$M\" WHERE time >= ${DAY0_S}s AND time < ${T1_S}s GROUP BY \"customer\")|instant|topk(10, histogram_quantile(0.99, sum(histogram_over_time(${VM_M}[1d])) by (vmrange, customer)))"
  "count_all_1h|SELECT count(\"latency_ms\") FROM \"$M\" WHERE time >= ${T0_S}s AND time < ${T1_S}s|instant|sum(count_over_time(${VM_M}[1h]))"
)

# ---------------------------------------------------------------------------------------------------
# Setup
if [ -z "$WORKDIR" ]; then WORKDIR=$(mktemp -d "${TMPDIR:-/tmp}/taildb-bench-query.XXXXXX"); fi
mkdir -p "$WORKDIR"
WORKDIR=$(cd "$WORKDIR" && pwd)
if [ -z "$OUT" ]; then OUT="$ROOT/target/bench-query/$(date -u +%Y%m%dT%H%M%SZ)"; fi
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

FLAGS="--seed 2 --customers 100000 --dcs 8 --hosts 200 --zipf 1.1 --start $T0 --span 1h --lines $LINES"
FILE="$WORKDIR/query-data.lp"
if [ -f "$FILE" ] && [ "$(cat "$FILE.params" 2>/dev/null)" = "$FLAGS" ]; then
  log "data: reusing $FILE"
else
  log "data: generating ($FLAGS)"
  # shellcheck disable=SC2086
  "$TAILDB" loadgen --dump $FLAGS > "$FILE.tmp"
  mv "$FILE.tmp" "$FILE"
  echo "$FLAGS" > "$FILE.params"
fi
SERIES=$("$ROOT/scripts/count-series.sh" "$FILE" | sed 's/.*series=//')
log "data: $(stat -c %s "$FILE") bytes, $LINES points, $SERIES distinct series"

# ---------------------------------------------------------------------------------------------------
# Helpers

# Waits until $1 (a command) succeeds and the data dir size holds still for 20 s; at most SETTLE_MAX.
wait_still() {
  local cond=$1 t0=$SECONDS last=-1 since=$SECONDS size
  while [ $((SECONDS - t0)) -lt "$SETTLE_MAX" ]; do
    size=$(du -sB1 "$DATA" 2>/dev/null | cut -f1)
    if [ "$size" != "$last" ]; then last=$size; since=$SECONDS; fi
    if [ $((SECONDS - since)) -ge 20 ] && "$cond"; then return 0; fi
    sleep 2
  done
  log "settle: gave up after ${SETTLE_MAX}s"
}
true_cond() { true; }

# One InfluxQL query: body to $1; prints "<curl exit> <http code> <seconds>".
influxql() {
  local out=$1 q=$2 rc=0 w
  w=$(curl -sS -G -o "$out" -w '%{http_code} %{time_total}' --max-time "$QUERY_MAX" \
    --data-urlencode "db=bench" --data-urlencode "epoch=ms" --data-urlencode "q=$q" "$BASE/query" 2>> "$LOG") || rc=$?
  echo "$rc ${w:-000 0}"
}

# MetricsQL: `a ; b` runs a and b one after the other (a panel with two queries); prints like influxql.
metricsql() {
  local out=$1 kind=$2 q=$3 rc=0 w total=0 code=200 part
  : > "$out"
  IFS=';' read -ra parts <<< "$q"
  for part in "${parts[@]}"; do
    local args=(--data-urlencode "query=$part")
    if [ "$kind" = range ]; then
      args+=(--data-urlencode "start=$T0_S" --data-urlencode "end=$((T1_S - 60))" --data-urlencode "step=60s")
      local path=/api/v1/query_range
    else
      args+=(--data-urlencode "time=$T1_S")
      local path=/api/v1/query
    fi
    w=$(curl -sS -G -o "$out.part" -w '%{http_code} %{time_total}' --max-time "$QUERY_MAX" "${args[@]}" \
      "$BASE$path" 2>> "$LOG") || rc=$?
    cat "$out.part" >> "$out"; echo >> "$out"
    set -- $w
    [ "${1:-000}" = 200 ] || code=${1:-000}
    total=$(python3 -c "print(${total} + ${2:-0})")
  done
  echo "$rc $code $total"
}

# Times query $2 ($1 = influxql|metricsql …): cold run then RUNS warm runs; prints a JSON object.
time_query() {
  local name=$1 runner=$2; shift 2
  local out="$OUT/$S-$name.json" times=() first rc code t
  read -r rc code first < <("$runner" "$out" "$@")
  cp "$out" "$OUT/$S-$name.first.json"
  for _ in $(seq 1 "$RUNS"); do
    read -r rc code t < <("$runner" "$out" "$@")
    times+=("$t")
  done
  python3 - "$name" "$rc" "$code" "$first" "$out" "${times[@]}" <<'PY'
import json, statistics, sys
name, rc, code, first, out, *times = sys.argv[1:]
body = open(out).read()
err = None
try:  # InfluxDB-style per-statement error, or a Prometheus-style error status
    d = json.loads(body.split("\n")[0])
    err = d.get("error") or next((r["error"] for r in d.get("results", []) if "error" in r), None)
except Exception:
    pass
print(json.dumps({"query": name, "curl": int(rc), "http": int(code), "cold_s": float(first),
                  "median_s": statistics.median(map(float, times)) if times else None,
                  "bytes": len(body), **({"error": err} if err else {})}))
PY
}

# p50/p99 of N runs of query $2; prints a JSON object.
time_narrow() {
  local n=$1 runner=$2; shift 2
  local ts=() rc code t
  for _ in $(seq 1 "$n"); do
    read -r rc code t < <("$runner" "$OUT/$S-narrow-rep.json" "$@")
    ts+=("$t")
  done
  python3 - "${ts[@]}" <<'PY'
import json, sys
t = sorted(map(float, sys.argv[1:]))
q = lambda p: t[min(len(t) - 1, int(p * len(t)))]
print(json.dumps({"query": "narrow_panel_repeated", "runs": len(t), "p50_s": q(0.5), "p99_s": q(0.99), "max_s": t[-1]}))
PY
}

record() { cat >> "$RESULTS"; }

# ---------------------------------------------------------------------------------------------------
run_one() {
  S=$1
  DATA="$WORKDIR/data-$S"; LOG="$OUT/$S.log"
  rm -rf "$DATA" "$DATA.conf"; mkdir -p "$DATA"; : > "$LOG"
  log "$S: starting"
  if ! "start_$S" || ! wait_ready "$READY_URL"; then
    log "$S: did not come up; see $LOG"; stop_server
    printf '{"server":"%s","status":"server did not start"}\n' "$S" | record; return 0
  fi
  check_loopback_only
  local create=(); [ "$S" = victoriametrics ] || create=(--create-db)
  log "$S: loading $FILE"
  local t0 rep; t0=$(now)
  rep=$(timeout "$LOAD_MAX" "$TAILDB" loadgen --file "$FILE" --url "$BASE" --db bench --workers 2 \
    --batch 5000 --json "${create[@]}" 2>> "$LOG") || { log "$S: load failed"; stop_server; return 0; }
  local load_s; load_s=$(elapsed "$t0")
  log "$S: loaded in ${load_s}s; compacting"
  case $S in
    taildb) curl -sf -X POST --max-time 1200 -o /dev/null "$BASE/internal/force_merge" || log "taildb: force_merge failed"
            wait_still true_cond ;;
    influxdb) sleep 5; wait_still influx_wal_empty ;;
    victoriametrics) curl -sf --max-time 120 -o /dev/null "$BASE/internal/force_flush" || true
                     curl -sf --max-time 1200 -o /dev/null "$BASE/internal/force_merge" || true
                     wait_still true_cond ;;
  esac
  local rss; rss=$(rss_kb "$SERVER_PID" VmRSS)
  for entry in "${QUERIES[@]}"; do
    IFS='|' read -r name iql kind mql <<< "$entry"
    log "$S: $name"
    if [ "$S" = victoriametrics ]; then
      time_query "$name" metricsql "$kind" "$mql"
    else
      time_query "$name" influxql "$iql"
    fi | python3 -c "import json,sys; r=json.load(sys.stdin); r['server']='$S'; print(json.dumps(r))" | record
  done
  local nq; nq=$(printf '%s\n' "${QUERIES[@]}" | grep '^narrow_panel|' | cut -d'|' -f2)
  local nm; nm=$(printf '%s\n' "${QUERIES[@]}" | grep '^narrow_panel|' | cut -d'|' -f4)
  local n=$NARROW_RUNS; [ "$S" = taildb ] || n=$(( (NARROW_RUNS + 3) / 4 ))
  log "$S: narrow panel × $n"
  if [ "$S" = victoriametrics ]; then time_narrow "$n" metricsql range "$nm"; else time_narrow "$n" influxql "$nq"; fi |
    python3 -c "import json,sys; r=json.load(sys.stdin); r['server']='$S'; print(json.dumps(r))" | record
  if [ "$S" = taildb ] && [ "$SCAN_POINTS" -gt 0 ]; then scan_rate; fi
  printf '{"server":"%s","query":"load","load_s":%s,"rss_kib_after_compaction":%s,"series":%s}\n' \
    "$S" "$load_s" "${rss:-0}" "$SERIES" | record
  stop_server
}

# taildb only: 1 000 series × SCAN_POINTS/1000 points in a second database, compacted, then whole-range
# count/sum/mean; points/s = points / median seconds.
scan_rate() {
  local per=$((SCAN_POINTS / 1000))
  log "taildb: scan data set: 1000 series × $per points"
  "$TAILDB" loadgen --series-mode cross --seed 3 --customers 100 --hosts 5 --dcs 2 --directions 1 \
    --points "$per" --start "$T0" --span 1h --url "$BASE" --db scan --create-db --workers 2 \
    --batch 10000 --json >> "$LOG" 2>&1 || { log "scan load failed"; return 0; }
  curl -sf -X POST --max-time 3600 -o /dev/null "$BASE/internal/force_merge" || log "force_merge failed"
  for f in count sum mean; do
    local q="SELECT $f(\"latency_ms\") FROM \"$M\"" out="$OUT/taildb-scan-$f.json" ts=() rc code t
    for _ in $(seq 1 "$RUNS"); do
      w=$(curl -sS -G -o "$out" -w '%{http_code} %{time_total}' --max-time "$QUERY_MAX" \
        --data-urlencode "db=scan" --data-urlencode "q=$q" "$BASE/query" 2>> "$LOG") || true
      ts+=("${w#* }")
    done
    python3 - "$f" "$((per * 1000))" "$out" "${ts[@]}" <<'PY' | record
import json, statistics, sys
f, points, out, *ts = sys.argv[1:]
med = statistics.median(map(float, ts))
print(json.dumps({"server": "taildb", "query": f"scan_{f}", "points": int(points), "median_s": med,
                  "points_per_s": int(points) / med if med else None, "answer": open(out).read()[:200]}))
PY
  done
}

for S in ${ONLY//,/ }; do run_one "$S"; done

# ---------------------------------------------------------------------------------------------------
# Report
python3 - "$RESULTS" "$OUT" "$LINES" "$SERIES" > "$OUT/results.md" <<'PY'
import json, sys, os, math
path, out, lines, series = sys.argv[1:]
rows = [json.loads(l) for l in open(path) if l.strip()]
by = {}
for r in rows:
    by.setdefault(r.get("query", "status"), {})[r["server"]] = r
servers = [s for s in ("taildb", "influxdb", "victoriametrics") if any(s in v for v in by.values())]

def load(s, name):
    p = os.path.join(out, f"{s}-{name}.json")
    try:
        return json.load(open(p))
    except Exception:
        return None

def flat(d):
    """(series key, time) -> values of an InfluxQL answer."""
    res = {}
    if not d:
        return res
    for r in d.get("results", []):
        for s in r.get("series", []) or []:
            key = (s.get("name"), tuple(sorted((s.get("tags") or {}).items())))
            for v in s.get("values", []):
                res[(key, v[0])] = v[1:]
    return res

def agree(name):
    a, b = flat(load("taildb", name)), flat(load("influxdb", name))
    if not a and not b:
        return "both empty"
    if a.keys() != b.keys():
        return f"differ: {len(a)} vs {len(b)} rows"
    for k in a:
        for x, y in zip(a[k], b[k]):
            if isinstance(x, (int, float)) and isinstance(y, (int, float)):
                if not math.isclose(x, y, rel_tol=1e-6, abs_tol=1e-9):
                    return f"differ at {k}: {x} vs {y}"
            elif x != y:
                return f"differ at {k}: {x} vs {y}"
    return f"same ({len(a)} rows)"

print(f"Data: {lines} points, {series} series. Machine: {open(os.path.join(out, 'machine.txt')).read().strip()}\n")
print("| query | " + " | ".join(f"{s} cold s | {s} warm s" for s in servers) + " | influxdb/taildb | vm/taildb | taildb vs influxdb answers |")
print("|---|" + "---:|---:|" * len(servers) + "---:|---:|---|")
for q, v in by.items():
    if q in ("load", "narrow_panel_repeated", "status") or q.startswith("scan_"):
        continue
    cells, med = [], {}
    for s in servers:
        r = v.get(s, {})
        ok = r.get("http") == 200 and "error" not in r
        med[s] = r.get("median_s") if ok else None
        bad = f"error: {r['error'][:60]}" if "error" in r else f"http {r.get('http')}"
        cells += [f"{r.get('cold_s', 0):.3f}" if ok else bad, f"{r['median_s']:.3f}" if ok else ""]
    ratio = lambda o: f"{med[o] / med['taildb']:.1f}×" if med.get(o) and med.get("taildb") else ""
    print(f"| {q} | " + " | ".join(cells) + f" | {ratio('influxdb')} | {ratio('victoriametrics')} | {agree(q)} |")
if "narrow_panel_repeated" in by:
    print("\nNarrow panel repeated (one customer, 1 h, GROUP BY time(1m)):\n")
    for s, r in by["narrow_panel_repeated"].items():
        print(f"- {s}: {r['runs']} runs, p50 {r['p50_s']*1000:.1f} ms, p99 {r['p99_s']*1000:.1f} ms, max {r['max_s']*1000:.1f} ms")
scans = {q: v["taildb"] for q, v in by.items() if q.startswith("scan_")}
if scans:
    print("\ntaildb scan rate (whole range, compacted, 2 cores):\n")
    for q, r in scans.items():
        print(f"- {q}: {r['points']} points in {r['median_s']:.3f} s = {r['points_per_s']/1e6:.1f} M points/s "
              f"({r['points_per_s']/2e6:.1f} M points/s per core)")
if "load" in by:
    print("\nLoad: " + ", ".join(f"{s} {r['load_s']} s (RSS after compaction {int(r['rss_kib_after_compaction'])//1024} MiB)" for s, r in by["load"].items()))
PY
cat "$OUT/results.md"
log "results: $OUT/results.md, $RESULTS"
