#!/usr/bin/env bash
# Runs the late-data stream of scripts/late-data.py (issue 5) against InfluxDB 1.6.7 with its
# continuous queries on, in real time, and leaves DIR/result.json: per database and rollup, how
# many buckets differ from the aggregate recomputed from raw data.
#
#   scripts/bench-late-data.sh --workdir DIR [late-data.py run options, e.g. --minutes 65]
#
# InfluxDB listens on 127.0.0.1 only, data under DIR/influxdb, log in DIR/influxdb.log (info level:
# every CQ run with its window).
set -euo pipefail
cd "$(dirname "$0")/.."
WORKDIR=
ARGS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --workdir) WORKDIR=$2; shift 2 ;;
    *) ARGS+=("$1"); shift ;;
  esac
done
[ -n "$WORKDIR" ] || { echo "--workdir is required" >&2; exit 2; }
mkdir -p "$WORKDIR"
WORKDIR=$(cd "$WORKDIR" && pwd)
LOG="$WORKDIR/influxdb.log"; DATA="$WORKDIR/influxdb"; READY_MAX=60; STOP_MAX=60
log() { echo "$(date +%H:%M:%S) $*"; }
# shellcheck source=lib/bench-common.sh
. scripts/lib/bench-common.sh
rm -rf "$DATA"
trap kill_server EXIT
INFLUX_CQ_ENABLED=true INFLUX_LOG_LEVEL=info start_influxdb
wait_ready "$READY_URL" || { log "influxdb did not start"; exit 1; }
check_loopback_only
log "machine: $(machine_info)"
log "influxdb $(influxd version) on $BASE"
python3 scripts/late-data.py run --base "$BASE" --out "$WORKDIR" "${ARGS[@]}"
stop_server
log "result: $WORKDIR/result.json"
