#!/usr/bin/env bash
# Records InfluxDB 1.6.7's answers to the compatibility corpus (tests/compat/queries.txt) over the
# corpus data sets (tests/compat/data/<db>.lp, one database each) into tests/compat/expected.jsonl:
# one JSON object a line, {"id", "db", "q", "params", "status", "body"} where body is the response
# as JSON, or {"id", ..., "status", "text"} when the response is not one JSON document.
# Run from the repository root; needs `influxd` 1.6.7, curl and python3.
#
#   scripts/record-compat.sh [port]
#
# The server is throw-away: 127.0.0.1:<port> (default 18196), data under a temp dir, tsi1 index,
# monitor store and reporting off. Queries run in file order, each as one POST /query with the
# form parameters db (unless `-`), q and the line's extra parameters (`H:Name=value` ones as request
# headers) — exactly what the replay in tests/http_api/compat_corpus.rs sends.
set -euo pipefail

PORT="${1:-18196}"
OUT="tests/compat/expected.jsonl"
QUERIES="tests/compat/queries.txt"
DATA="tests/compat/data"
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
grep -q "bind-address = \"127.0.0.1:$PORT\"" "$TMP/influxdb.conf"
influxd run -config "$TMP/influxdb.conf" >"$TMP/influxd.log" 2>&1 &
PID=$!
for _ in $(seq 100); do
  curl -sf "http://127.0.0.1:$PORT/ping" >/dev/null && break
  sleep 0.1
done
influxd version | grep -q 'v1\.6\.7' || { echo "need InfluxDB 1.6.7, have: $(influxd version)" >&2; exit 1; }

# One database per data file.
for f in "$DATA"/*.lp; do
  db="$(basename "$f" .lp)"
  curl -sf -XPOST "http://127.0.0.1:$PORT/query" --data-urlencode "q=CREATE DATABASE \"$db\"" >/dev/null
  grep -v '^#' "$f" | grep -v '^$' \
    | curl -sf -XPOST "http://127.0.0.1:$PORT/write?db=$db" --data-binary @- >/dev/null
done

: >"$OUT"
mkdir "$TMP/r"
n=0
while IFS=$'\t' read -r id db params q; do
  [[ -z "$id" || "$id" == \#* ]] && continue
  args=(--data-urlencode "q=$q")
  [[ "$db" != "-" ]] && args+=(--data-urlencode "db=$db")
  if [[ "$params" != "-" ]]; then
    IFS='&' read -r -a kvs <<<"$params"
    for kv in "${kvs[@]}"; do
      if [[ "$kv" == H:* ]]; then
        kv="${kv#H:}"
        args+=(-H "${kv%%=*}: ${kv#*=}")
      else
        args+=(--data-urlencode "$kv")
      fi
    done
  fi
  n=$((n + 1))
  curl -s -o "$TMP/r/$n.body" -w '%{http_code}' -XPOST "http://127.0.0.1:$PORT/query" "${args[@]}" >"$TMP/r/$n.status"
done <"$QUERIES"

# Assemble the JSON lines (one process, not one per query).
python3 - "$QUERIES" "$TMP/r" "$OUT" <<'PY'
import json, sys
queries, rdir, out = sys.argv[1:4]
n = 0
with open(queries, encoding="utf-8") as f, open(out, "w", encoding="utf-8") as o:
    for line in f:
        line = line.rstrip("\n")
        if not line or line.startswith("#"):
            continue
        n += 1
        id_, db, params, q = line.split("\t", 3)
        status = int(open(f"{rdir}/{n}.status").read().strip() or 0)
        text = open(f"{rdir}/{n}.body", encoding="utf-8").read()
        rec = {"id": id_, "db": db, "q": q, "params": params, "status": status}
        try:
            rec["body"] = json.loads(text)
        except ValueError:
            rec["text"] = text
        o.write(json.dumps(rec, ensure_ascii=False, separators=(",", ":")) + "\n")
PY
echo "recorded $n responses into $OUT ($(du -h "$OUT" | cut -f1))"
