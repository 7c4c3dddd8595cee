#!/usr/bin/env bash
# Records InfluxDB 1.6.7's answers to the retention-policy, shard and continuous-query session of
# tests/compat/meta-session.txt into tests/compat/meta-session.jsonl: one JSON object a line,
# {"line", "op", ..., "status", "body"} (body parsed as JSON when it is JSON, else "text").
# Run from the repository root; needs `influxd` 1.6.7, curl and python3.
#
#   scripts/record-meta-session.sh
#
# The server is throw-away (scripts/lib/bench-common.sh: 127.0.0.1 on a free port, data in a temp
# dir, tsi1). The replay is tests/http_api/meta_session.rs.
set -euo pipefail
cd "$(dirname "$0")/.."
log() { echo "$(date +%H:%M:%S) $*" >&2; }
# shellcheck source=lib/bench-common.sh
. scripts/lib/bench-common.sh
start_throwaway_influxdb
python3 - "$BASE" tests/compat/meta-session.txt tests/compat/meta-session.jsonl <<'PY'
import json, sys, urllib.parse, urllib.request, urllib.error
base, src, out = sys.argv[1:4]
def call(req):
    try:
        with urllib.request.urlopen(req) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()
with open(src, encoding="utf-8") as f, open(out, "w", encoding="utf-8") as o:
    for n, line in enumerate(f, 1):
        line = line.rstrip("\n")
        if not line or line.startswith("#"):
            continue
        parts = line.split("\t")
        if parts[0] == "Q":
            _, db, q = parts
            form = {"q": q}
            if db != "-":
                form["db"] = db
            st, body = call(urllib.request.Request(base + "/query", urllib.parse.urlencode(form).encode()))
            rec = {"line": n, "op": "Q", "db": db, "q": q}
        else:
            _, db, rp, lines = parts
            url = base + "/write?" + urllib.parse.urlencode({"db": db, **({} if rp == "-" else {"rp": rp})})
            st, body = call(urllib.request.Request(url, lines.replace("\\n", "\n").encode()))
            rec = {"line": n, "op": "W", "db": db, "rp": rp, "lines": lines}
        rec["status"] = st
        try:
            rec["body"] = json.loads(body) if body else None
        except ValueError:
            rec["text"] = body.decode()
        o.write(json.dumps(rec) + "\n")
PY
log "wrote tests/compat/meta-session.jsonl"
