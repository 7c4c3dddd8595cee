#!/usr/bin/env bash
# Records when InfluxDB 1.6.7's continuous-query scheduler runs which window, for the CQ forms of the
# window formula (default, RESAMPLE EVERY < and > the interval, FOR, offsets, tz), into
# query/tests/golden/cq-schedules.json. The schedule tests replay the same creation times and
# scheduler ticks against taildb's formula with an injected clock (query/src/cq/schedule_tests.rs).
# Run from the repository root; needs `influxd` 1.6.7, curl and python3. Takes about 3 minutes.
#
#   scripts/record-cq-schedules.sh
set -euo pipefail
cd "$(dirname "$0")/.."
log() { echo "$(date +%H:%M:%S) $*" >&2; }
# shellcheck source=lib/bench-common.sh
. scripts/lib/bench-common.sh
INFLUX_CQ_ENABLED=true INFLUX_LOG_LEVEL=info start_throwaway_influxdb
python3 - "$BASE" "$LOG" query/tests/golden/cq-schedules.json <<'PY'
import json, re, sys, time, urllib.parse, urllib.request
from datetime import datetime, timezone
base, logf, out = sys.argv[1:4]
def q(s):
    body = urllib.request.urlopen(base + "/query", urllib.parse.urlencode({"q": s}).encode()).read()
    assert b'"error"' not in body, (s, body)
def ts(s):
    # 2026-11-24T02:25:00.799769Z -> ns
    m = re.match(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?Z", s)
    sec = int(datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc).timestamp())
    frac = (m.group(2) or "").ljust(9, "0")
    return sec * 10**9 + int(frac)
def lines():
    return open(logf, encoding="utf-8").read().splitlines()
start_line = next(l for l in lines() if "Starting continuous query service" in l)
service_start = ts(re.search(r"ts=(\S+)", start_line).group(1))
q("CREATE DATABASE db")
GROUPS = [
    ["cq_default BEGIN SELECT count(v) INTO o FROM m GROUP BY time(10s) END",
     "cq_for30 RESAMPLE FOR 30s BEGIN SELECT count(v) INTO o FROM m GROUP BY time(10s) END",
     "cq_e5 RESAMPLE EVERY 5s BEGIN SELECT count(v) INTO o FROM m GROUP BY time(10s) END",
     "cq_e5_f30 RESAMPLE EVERY 5s FOR 30s BEGIN SELECT count(v) INTO o FROM m GROUP BY time(10s) END",
     "cq_e20 RESAMPLE EVERY 20s BEGIN SELECT count(v) INTO o FROM m GROUP BY time(10s) END",
     "cq_e20_f40 RESAMPLE EVERY 20s FOR 40s BEGIN SELECT count(v) INTO o FROM m GROUP BY time(10s) END",
     "cq_off3 BEGIN SELECT count(v) INTO o FROM m GROUP BY time(10s, 3s) END",
     "cq_off3_f30 RESAMPLE FOR 30s BEGIN SELECT count(v) INTO o FROM m GROUP BY time(10s, 3s) END",
     "cq_off3_e5 RESAMPLE EVERY 5s BEGIN SELECT count(v) INTO o FROM m GROUP BY time(10s, 3s) END",
     "cq_offneg3 BEGIN SELECT count(v) INTO o FROM m GROUP BY time(10s, -3s) END",
     "cq_20s_e30 RESAMPLE EVERY 30s BEGIN SELECT count(v) INTO o FROM m GROUP BY time(20s) END",
     "cq_1m_e15_f2m RESAMPLE EVERY 15s FOR 2m BEGIN SELECT count(v) INTO o FROM m GROUP BY time(1m) END",
     "cq_30s_off7_e10_f1m RESAMPLE EVERY 10s FOR 1m BEGIN SELECT count(v) INTO o FROM m GROUP BY time(30s, 7s) END",
     "cq_tz BEGIN SELECT count(v) INTO o FROM m GROUP BY time(10s) tz('America/New_York') END"],
    ["cq_b_for30 RESAMPLE FOR 30s BEGIN SELECT count(v) INTO o FROM m GROUP BY time(10s) END",
     "cq_b_e5_f30 RESAMPLE EVERY 5s FOR 30s BEGIN SELECT count(v) INTO o FROM m GROUP BY time(10s) END",
     "cq_b_off3_f30 RESAMPLE FOR 30s BEGIN SELECT count(v) INTO o FROM m GROUP BY time(10s, 3s) END",
     "cq_b_e20 RESAMPLE EVERY 20s BEGIN SELECT count(v) INTO o FROM m GROUP BY time(10s) END"],
]
cqs = []
# Create each group 0.3 s after a scheduler tick, the second group 63 s later (another phase).
for gi, group in enumerate(GROUPS):
    now = time.time_ns()
    k = (now - service_start) // 10**9 + 1 + (0 if gi == 0 else 62)
    target = service_start + k * 10**9 + 300_000_000
    time.sleep(max(0, target - time.time_ns()) / 1e9)
    for s in group:
        name = s.split()[0]
        text = f"CREATE CONTINUOUS QUERY {name} ON db {s[len(name) + 1:]}"
        before = time.time_ns()
        q(text)
        cqs.append({"name": name, "query": text, "created_ns": before})
time.sleep(100)
until = time.time_ns()
runs = []
for l in lines():
    if 'msg="Executing continuous query"' not in l:
        continue
    f = dict(re.findall(r'(\w+)=("[^"]*"|\S+)', l))
    runs.append({"tick_ns": ts(f["ts"]), "name": f["name"], "start_ns": ts(f["start"]), "end_ns": ts(f["end"])})
json.dump({"influxdb": "1.6.7", "run_interval_ns": 10**9, "service_start_ns": service_start,
           "recorded_until_ns": until, "cqs": cqs, "runs": runs}, open(out, "w"), indent=1)
print(f"{len(runs)} runs of {len(cqs)} continuous queries", file=sys.stderr)
PY
log "wrote query/tests/golden/cq-schedules.json"
