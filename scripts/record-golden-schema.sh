#!/usr/bin/env bash
# Records InfluxDB 1.6.7's answers to every schema-exploration / delete statement form taildb
# implements, as golden fixtures for the tests (query/tests/golden/schema.jsonl, one JSON object a
# line: {"db", "q", "status", "body"}). Run from the repository root; needs `influxd` 1.6.7, curl, jq.
#
#   scripts/record-golden-schema.sh [port]
#
# The server runs on 127.0.0.1:<port> (default 18096) with a data dir in a temp dir, tsi1 index.
set -euo pipefail

PORT="${1:-18096}"
OUT="query/tests/golden/schema.jsonl"
DATA="query/tests/golden/schema-data.lp"
TMP="$(mktemp -d)"
trap 'kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; rm -rf "$TMP"' EXIT

influxd config 2>/dev/null \
  | sed -e "s|/var/lib/influxdb|$TMP|g" \
        -e "s|^  bind-address = \":8086\"|  bind-address = \"127.0.0.1:$PORT\"|" \
        -e "s|^bind-address = \"127.0.0.1:8088\"|bind-address = \"127.0.0.1:$((PORT + 1))\"|" \
        -e "s|^  index-version = \"inmem\"|  index-version = \"tsi1\"|" \
        -e "s|^  store-enabled = true|  store-enabled = false|" \
        -e "s|^  reporting-disabled = false|  reporting-disabled = true|" \
        -e "s|^reporting-disabled = false|reporting-disabled = true|" \
  > "$TMP/influxdb.conf"
grep -q 'index-version = "tsi1"' "$TMP/influxdb.conf"
influxd run -config "$TMP/influxdb.conf" >"$TMP/influxd.log" 2>&1 &
PID=$!
for _ in $(seq 100); do
  curl -sf "http://127.0.0.1:$PORT/ping" >/dev/null && break
  sleep 0.1
done

post() { # post <db> <statement>  → prints one JSON line
  local db="$1" q="$2" body status
  body="$(curl -s -w '\n%{http_code}' -XPOST "http://127.0.0.1:$PORT/query" \
    --data-urlencode "db=$db" --data-urlencode "q=$q")"
  status="${body##*$'\n'}"
  body="${body%$'\n'*}"
  jq -cn --arg db "$db" --arg q "$q" --argjson status "$status" --argjson body "$body" \
    '{db: $db, q: $q, status: $status, body: $body}'
}
setup() { # setup <db>: the data set of $DATA in <db> (autogen) and rp1
  local db="$1"
  curl -sf -XPOST "http://127.0.0.1:$PORT/query" --data-urlencode "q=CREATE DATABASE $db" >/dev/null
  curl -sf -XPOST "http://127.0.0.1:$PORT/query" \
    --data-urlencode "q=CREATE RETENTION POLICY rp1 ON $db DURATION INF REPLICATION 1" >/dev/null
  grep -v '^#' "$DATA" | grep -v '^rp1 ' | grep -v '^$' \
    | curl -sf -XPOST "http://127.0.0.1:$PORT/write?db=$db" --data-binary @- >/dev/null
  grep '^rp1 ' "$DATA" | sed 's/^rp1 //' \
    | curl -sf -XPOST "http://127.0.0.1:$PORT/write?db=$db&rp=rp1" --data-binary @- >/dev/null
}

setup s
setup d
: >"$OUT"
# Read-only statements over database s.
grep -v '^#' query/tests/golden/schema-statements.txt | grep -v '^$' | while IFS= read -r q; do
  post s "$q" >>"$OUT"
done
# Deletes over database d, each followed by what they should change.
grep -v '^#' query/tests/golden/schema-deletes.txt | grep -v '^$' | while IFS= read -r q; do
  post d "$q" >>"$OUT"
done
# No database given.
post "" "SHOW TAG KEYS" >>"$OUT"
post "" "SHOW SERIES" >>"$OUT"
post nosuch "DROP SERIES FROM cpu WHERE host = 'a'" >>"$OUT"
post nosuch "DELETE FROM cpu" >>"$OUT"
post nosuch "DROP MEASUREMENT cpu" >>"$OUT"
post nosuch "SHOW TAG KEYS" >>"$OUT"
echo "recorded $(wc -l <"$OUT") responses into $OUT"
