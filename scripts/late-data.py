#!/usr/bin/env python3
"""Late-data stream for continuous-query rollups (issue 5), run in real time against any
InfluxDB-1.x-compatible server, then every rollup bucket checked against the raw data.

    scripts/late-data.py run --base http://127.0.0.1:PORT --out DIR [--minutes 65] [--rate 40]
                             [--history-hours 7] [--seed 5] [--dbs default,best]

The stream (seeded, so two runs with the same seed and start second send the same events):
  * measurement `mail`, tags direction (in/out) x dc (ams/fra) x host (2 per dc) x customer (10):
    80 series; field `latency_ms` (lognormal, median 120 ms, 1 % spikes x10);
  * history: `--history-hours` of events at 10/s, written before the continuous queries exist and
    rolled up by SELECT ... INTO (InfluxDB's documented backfill);
  * live: `--rate` events per second for `--minutes`, one POST per second; 94.9 % carry their
    arrival time, 5 % are 10 s - 30 min late, 0.1 % are 1 h - 6 h late.
Continuous queries (database `late_<flavour>`), each `count, sum, min, max, mean` of latency_ms
GROUP BY time(I), * INTO mail_10s / mail_1m / mail_1h:
  * `default`: default RESAMPLE (what most users run);
  * `best`: RESAMPLE FOR 31m (10 s and 1 m) and FOR 2h (1 h): covers every 10 s - 30 min late point;
    catching the hours-late ones would need FOR >= 6h, i.e. re-running 6 h of data every 10 s.
After the stream the script waits for the next hour boundary + 90 s (so the 1 h query has run after
the last late point), then compares, per database and rollup, every bucket in [history start,
last boundary) with the same aggregates recomputed from raw `mail`: a bucket is wrong when it is
missing, or count/sum/min/max differ, or mean differs by more than 1e-9 (relative).
Writes DIR/stream.tsv (arrival ns, line), DIR/state.json and DIR/result.json.
"""
import argparse
import http.client
import json
import math
import os
import random
import sys
import time
import urllib.parse

NS = 1_000_000_000
CQS = [("10s", 10 * NS, "31m"), ("1m", 60 * NS, "31m"), ("1h", 3600 * NS, "2h")]
FIELDS = ["count", "sum", "min", "max", "mean"]


class Client:
    def __init__(self, base):
        u = urllib.parse.urlparse(base)
        self.host, self.port = u.hostname, u.port
        self.conn = None

    def _req(self, method, path, body=None, headers=None):
        for attempt in range(3):
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection(self.host, self.port, timeout=600)
                self.conn.request(method, path, body=body, headers=headers or {})
                r = self.conn.getresponse()
                return r.status, r.read()
            except (http.client.HTTPException, ConnectionError, OSError):
                self.conn = None
                if attempt == 2:
                    raise
                time.sleep(0.5)

    def write(self, db, lines):
        if not lines:
            return
        st, body = self._req("POST", f"/write?db={db}&precision=ns", "\n".join(lines).encode())
        if st != 204:
            raise SystemExit(f"write to {db} failed: {st} {body[:300]!r}")

    def query(self, q, db=None, chunked=False):
        params = {"q": q, "epoch": "ns"}
        if db:
            params["db"] = db
        if chunked:
            params["chunked"] = "true"
            params["chunk_size"] = "20000"
        st, body = self._req(
            "POST", "/query", urllib.parse.urlencode(params).encode(),
            {"Content-Type": "application/x-www-form-urlencoded"})
        if st != 200:
            raise SystemExit(f"query failed: {st} {body[:300]!r}: {q}")
        docs = [json.loads(l) for l in body.splitlines() if l.strip()] if chunked else [json.loads(body)]
        for d in docs:
            for res in d.get("results", []):
                if "error" in res:
                    raise SystemExit(f"query error {res['error']}: {q}")
        return docs


SERIES = [(d, dc, f"mx-{dc}-{h}", f"c{c:02d}")
          for d in ("in", "out") for dc in ("ams", "fra") for h in (1, 2) for c in range(1, 11)]


def line(rng, t):
    d, dc, host, cust = SERIES[rng.randrange(len(SERIES))]
    v = math.exp(rng.gauss(math.log(120.0), 0.6))
    if rng.random() < 0.01:
        v *= 10
    return f"mail,customer={cust},dc={dc},direction={d},host={host} latency_ms={v:.3f} {t}"


def live_second(rng, arrival, rate):
    out = []
    for _ in range(rate):
        r = rng.random()
        if r < 0.001:
            lag = rng.randrange(3600 * NS, 6 * 3600 * NS)
        elif r < 0.051:
            lag = rng.randrange(10 * NS, 1800 * NS)
        else:
            lag = 0
        out.append(line(rng, arrival + rng.randrange(NS) - lag))
    return out


def cq_text(db, name, interval, resample):
    sel = ", ".join(f"{f}(latency_ms) AS {f}" for f in FIELDS)
    rs = f" RESAMPLE FOR {resample}" if resample else ""
    return (f'CREATE CONTINUOUS QUERY cq_{name} ON {db}{rs} BEGIN SELECT {sel} INTO {db}.autogen.mail_{name} '
            f'FROM {db}.autogen.mail GROUP BY time({interval}), * END')


def rows(docs):
    for d in docs:
        for res in d.get("results", []):
            for s in res.get("series", []):
                tags = tuple(sorted((s.get("tags") or {}).items()))
                cols = s["columns"]
                for v in s["values"]:
                    yield tags, dict(zip(cols, v))


def check(cl, db, h0, now_ns):
    out = {}
    for name, step, _ in CQS:
        end = now_ns // step * step
        sel = ", ".join(f"{f}(latency_ms) AS {f}" for f in FIELDS)
        raw = {}
        # Slices of 2 h keep responses small.
        t = h0
        while t < end:
            u = min(end, t + 7200 * NS)
            for tags, r in rows(cl.query(f"SELECT {sel} FROM mail WHERE time >= {t} AND time < {u} "
                                         f"GROUP BY time({name}), * fill(none)", db, chunked=True)):
                if r["count"]:
                    raw[(tags, r["time"])] = r
            t = u
        roll = {}
        for tags, r in rows(cl.query(f"SELECT {', '.join(FIELDS)} FROM mail_{name} WHERE time >= {h0} "
                                     f"AND time < {end} GROUP BY *", db, chunked=True)):
            roll[(tags, r["time"])] = r
        wrong = {"missing": 0, "count": 0, "sum": 0, "min": 0, "max": 0, "mean": 0, "extra": 0}
        bad_buckets = 0
        for k, r in raw.items():
            g = roll.get(k)
            if g is None:
                wrong["missing"] += 1
                bad_buckets += 1
                continue
            bad = False
            for f in ("count", "sum", "min", "max"):
                if g[f] != r[f]:
                    wrong[f] += 1
                    bad = True
            if abs(g["mean"] - r["mean"]) > 1e-9 * max(1.0, abs(r["mean"])):
                wrong["mean"] += 1
                bad = True
            bad_buckets += bad
        wrong["extra"] = sum(1 for k in roll if k not in raw)
        out[name] = {"buckets": len(raw), "wrong": bad_buckets, "by_reason": wrong,
                     "range_ns": [h0, end]}
    return out


def run(a):
    os.makedirs(a.out, exist_ok=True)
    cl = Client(a.base)
    flavours = a.dbs.split(",")
    dbs = [f"late_{f}" for f in flavours]
    rng = random.Random(a.seed)
    stream = open(os.path.join(a.out, "stream.tsv"), "w")
    start = (time.time_ns() // NS + 2) * NS
    h0 = (start - a.history_hours * 3600 * NS) // (3600 * NS) * (3600 * NS)
    for db in dbs:
        cl.query(f"DROP DATABASE {db}")
        cl.query(f"CREATE DATABASE {db}")
    # History, on time, before the CQs exist.
    hist = []
    t = h0
    while t < start:
        hist.append(line(rng, t + rng.randrange(NS // 10)))
        t += NS // 10
    for i in range(0, len(hist), 5000):
        for db in dbs:
            cl.write(db, hist[i:i + 5000])
    for l in hist:
        stream.write(f"{start}\t{l}\n")
    created = time.time_ns()
    for f, db in zip(flavours, dbs):
        for name, step, best in CQS:
            cl.query(cq_text(db, name, name, best if f == "best" else None))
    # Backfill what the CQs will not compute themselves.
    for db in dbs:
        for name, step, _ in CQS:
            sel = ", ".join(f"{f}(latency_ms) AS {f}" for f in FIELDS)
            cl.query(f"SELECT {sel} INTO {db}.autogen.mail_{name} FROM {db}.autogen.mail WHERE time >= {h0} "
                     f"AND time < {created // step * step} GROUP BY time({name}), *", db)
    live_start = (time.time_ns() // NS + 1) * NS
    state = {"seed": a.seed, "h0": h0, "start": start, "cq_created": created, "live_start": live_start,
             "rate": a.rate, "minutes": a.minutes, "dbs": dbs, "history_points": len(hist)}
    json.dump(state, open(os.path.join(a.out, "state.json"), "w"), indent=1)
    print(f"history {len(hist)} points from {h0}; live from {live_start}", flush=True)
    sent = late = very_late = 0
    for sec in range(a.minutes * 60):
        arrival = live_start + sec * NS
        delay = arrival - time.time_ns()
        if delay > 0:
            time.sleep(delay / NS)
        arrival = time.time_ns()
        batch = live_second(rng, arrival, a.rate)
        for l in batch:
            stream.write(f"{arrival}\t{l}\n")
            ts = int(l.rsplit(" ", 1)[1])
            if arrival - ts >= 3600 * NS:
                very_late += 1
            elif arrival - ts >= 10 * NS:
                late += 1
        for db in dbs:
            cl.write(db, batch)
        sent += len(batch)
        if sec % 300 == 0:
            print(f"{time.strftime('%H:%M:%S')} sent {sent} live points ({late} late, {very_late} hours late)",
                  flush=True)
    stream.close()
    end = time.time_ns()
    settle = (end // (3600 * NS) + 1) * 3600 * NS + 90 * NS if a.settle is None else end + a.settle * NS
    print(f"stream done at {end}; waiting {(settle - time.time_ns()) / NS:.0f} s for the 1h queries", flush=True)
    while time.time_ns() < settle:
        time.sleep(5)
    now = time.time_ns()
    result = {"state": state, "live_points": sent, "late_points": late, "hours_late_points": very_late,
              "checked_at": now, "databases": {}}
    for db in dbs:
        result["databases"][db] = check(cl, db, h0, now)
    json.dump(result, open(os.path.join(a.out, "result.json"), "w"), indent=1)
    print(json.dumps(result["databases"], indent=1))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--base", required=True)
    r.add_argument("--out", required=True)
    r.add_argument("--minutes", type=int, default=65)
    r.add_argument("--rate", type=int, default=40)
    r.add_argument("--history-hours", type=int, default=7)
    r.add_argument("--seed", type=int, default=5)
    r.add_argument("--dbs", default="default,best")
    r.add_argument("--settle", type=int, help="seconds to wait after the stream (trial runs; default: "
                   "until the next hour boundary + 90 s)")
    c = sub.add_parser("check")
    c.add_argument("--base", required=True)
    c.add_argument("--db", required=True)
    c.add_argument("--h0", type=int, required=True)
    a = p.parse_args()
    if a.cmd == "run":
        run(a)
    else:
        print(json.dumps(check(Client(a.base), a.db, a.h0, time.time_ns()), indent=1))


if __name__ == "__main__":
    sys.exit(main())
