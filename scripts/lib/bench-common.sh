# Shell helpers shared by the side-by-side benchmark scripts (bench-ingest.sh, bench-index.sh,
# bench-query.sh). Sourced, not run. The sourcing script sets: LOG (server log file), DATA (data dir
# of the server being run), TAILDB (binary), READY_MAX and STOP_MAX (seconds), and optionally
# INFLUX_EXTRA (extra lines for InfluxDB's config, appended at the end) and TAILDB_TOML (a config file
# passed to `taildb serve --config`). Servers listen on 127.0.0.1 only.
# shellcheck shell=bash

now() { date +%s.%N; }
elapsed() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.3f}')" "$1" "$(now)"; }

machine_info() {
  echo "nproc=$(nproc) cpu=\"$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')\" mem=$(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo) load=\"$(cut -d' ' -f1-3 /proc/loadavg)\""
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

rss_kb() { awk -v k="$2" '$1 == k":" {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

# Waits until GET $1 succeeds (2xx) or the server dies or READY_MAX passes; polls every 50 ms.
wait_ready() {
  local url=$1 deadline=$((SECONDS + READY_MAX))
  while [ $SECONDS -lt $deadline ]; do
    kill -0 "$SERVER_PID" 2>/dev/null || return 1
    if curl -sf -o /dev/null --max-time 2 "$url"; then return 0; fi
    sleep 0.05
  done
  return 1
}

# Every listening socket of the server must be on 127.0.0.1 (or ::1); otherwise kill it and abort.
check_loopback_only() {
  local bad
  bad=$(ss -ltnpH 2>/dev/null | grep "pid=$SERVER_PID," | awk '{print $4}' | grep -vE '^(127\.0\.0\.1|\[::1\]):' || true)
  if [ -n "$bad" ]; then
    log "server pid $SERVER_PID listens on a non-loopback address: $bad — aborting"
    kill -9 "$SERVER_PID" 2>/dev/null || true
    exit 1
  fi
}

# SIGTERM, then wait at most STOP_MAX seconds (SIGKILL after that); sets STOP_S to the seconds taken.
stop_server() {
  STOP_S=0
  [ -n "$SERVER_PID" ] || return 0
  local t0; t0=$(now)
  kill "$SERVER_PID" 2>/dev/null || true
  local deadline=$((SECONDS + STOP_MAX))
  while kill -0 "$SERVER_PID" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.1; done
  if kill -0 "$SERVER_PID" 2>/dev/null; then
    log "pid $SERVER_PID ignored SIGTERM for ${STOP_MAX}s: SIGKILL"
    kill -9 "$SERVER_PID" 2>/dev/null || true
  fi
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=
  STOP_S=$(elapsed "$t0")
}

# Kills a still-running server (for EXIT traps).
kill_server() {
  if [ -n "${SERVER_PID:-}" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 20); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$SERVER_PID" 2>/dev/null || true
  fi
}

# Servers: start_<name> sets SERVER_PID, BASE and READY_URL.
start_taildb() {
  local port; port=$(free_port)
  BASE="http://127.0.0.1:$port"; READY_URL="$BASE/ping"
  local cfg=(); [ -n "${TAILDB_TOML:-}" ] && cfg=(--config "$TAILDB_TOML")
  "$TAILDB" serve "${cfg[@]}" --data-dir "$DATA" --bind "127.0.0.1:$port" >> "$LOG" 2>&1 &
  SERVER_PID=$!
}

# InfluxDB 1.x with the tsi1 index, limits off, monitoring off, its dirs under $DATA. Continuous
# queries are off unless INFLUX_CQ_ENABLED=true; INFLUX_LOG_LEVEL (default warn) sets the log level
# (`info` logs every CQ run with its window).
start_influxdb() {
  command -v influxd > /dev/null || { log "influxd not installed (apt-get install -y influxdb)"; return 1; }
  local port rpc; port=$(free_port); rpc=$(free_port)
  BASE="http://127.0.0.1:$port"; READY_URL="$BASE/ping"
  cat > "$DATA.conf" <<CONF
reporting-disabled = true
bind-address = "127.0.0.1:$rpc"
[meta]
  dir = "$DATA/meta"
[data]
  dir = "$DATA/data"
  wal-dir = "$DATA/wal"
  index-version = "tsi1"
  query-log-enabled = false
  cache-snapshot-write-cold-duration = "5s"
  max-series-per-database = 0
  max-values-per-tag = 0
${INFLUX_DATA_EXTRA:-}
[coordinator]
  query-timeout = "0s"
  max-select-series = 0
[monitor]
  store-enabled = false
[subscriber]
  enabled = false
[continuous_queries]
  enabled = ${INFLUX_CQ_ENABLED:-false}
  log-enabled = true
[http]
  enabled = true
  bind-address = "127.0.0.1:$port"
  log-enabled = false
  max-body-size = 0
  max-row-limit = 0
[logging]
  level = "${INFLUX_LOG_LEVEL:-warn}"
CONF
  mkdir -p "$DATA"
  influxd run -config "$DATA.conf" >> "$LOG" 2>&1 &
  SERVER_PID=$!
}

# True once InfluxDB's WAL segments are all empty (the cache was snapshotted to TSM).
influx_wal_empty() { [ "$(find "$DATA/wal" -name '*.wal' -size +0 2>/dev/null | wc -l)" -eq 0 ]; }

start_victoriametrics() {
  command -v victoria-metrics > /dev/null || { log "victoria-metrics not installed (apt-get install -y victoria-metrics)"; return 1; }
  local port; port=$(free_port)
  BASE="http://127.0.0.1:$port"; READY_URL="$BASE/health"
  victoria-metrics -storageDataPath "$DATA" -httpListenAddr "127.0.0.1:$port" -retentionPeriod 100y \
    -search.maxUniqueTimeseries 10000000 -search.maxSamplesPerQuery 1000000000 \
    -loggerLevel WARN >> "$LOG" 2>&1 &
  SERVER_PID=$!
}

# For the recording scripts: a throw-away InfluxDB 1.6.7 (start_influxdb) with its data in a temp
# dir removed on exit; sets TMP, LOG, DATA, BASE and waits until it answers. The INFLUX_* variables
# above pass through. Needs a `log` function.
start_throwaway_influxdb() {
  TMP="$(mktemp -d)"; LOG="$TMP/influxdb.log"; DATA="$TMP/influxdb"; READY_MAX=60; STOP_MAX=60
  trap 'kill_server; rm -rf "$TMP"' EXIT
  influxd version | grep -q 'v1\.6\.7' || { log "need InfluxDB 1.6.7, have: $(influxd version)"; exit 1; }
  start_influxdb
  wait_ready "$READY_URL" || { log "influxdb did not start"; exit 1; }
}
