#!/usr/bin/env python3
"""Writes the data sets of the InfluxDB compatibility corpus (tests/compat/data/*.lp).

Deterministic: a fixed linear congruential generator, no dependence on Python's `random`, so the
output is the same on every machine and Python version. The output is committed; re-run this only
to change the data (then re-record with scripts/record-compat.sh).

    python3 scripts/compat-data.py            # from the repository root

Each file is one database: `lat.lp` (latency events as in DESIGN.md plus a queue measurement),
`t.lp` (the reference data set `t.lat` of influxdb1-behaviour.md §9) and `edge.lp` (small edge
cases). Lines starting with `#` are comments; timestamps are nanoseconds.
"""
import math
import os

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "compat", "data")


class Lcg:
    def __init__(self, seed):
        self.s = seed & 0xFFFFFFFFFFFFFFFF

    def u32(self):
        self.s = (self.s * 6364136223846793005 + 1442695040888963407) & 0xFFFFFFFFFFFFFFFF
        return self.s >> 32

    def unit(self):  # [0, 1)
        return self.u32() / 4294967296.0

    def below(self, n):
        return self.u32() % n

    def normal(self):
        u1 = max(self.unit(), 1e-12)
        u2 = self.unit()
        return math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)

    def weighted(self, items):
        total = sum(w for _, w in items)
        r = self.below(total)
        for v, w in items:
            if r < w:
                return v
            r -= w
        return items[-1][0]


NS = 1_000_000_000
MS = 1_000_000
T0 = 1709510400 * NS  # 2024-03-04T00:00:00Z


def lat():
    rng = Lcg(20240304)
    hosts = [("ams", "mx-a1", 3), ("ams", "mx-a2", 2), ("fra", "mx-f1", 3), ("fra", "mx-f2", 1), ("nyc", "mx-n1", 2)]
    customers = [("acme", 30), ("globex", 20), ("initech", 14), ("umbrella", 10), ("hooli", 8),
                 ("stark", 6), ("wayne", 4), ("tyrell", 3), ("cyberdyne", 1), ("soylent", 1)]
    statuses = [("delivered", 85), ("deferred", 10), ("bounced", 5)]
    lines = ["# latency events: 2024-03-04T00:00Z .. ~03:00Z, irregular times (ms resolution)"]
    t = T0
    end = T0 + 3 * 3600 * NS
    n = 0
    while True:
        t += (500 + rng.below(11000)) * MS  # 0.5 s .. 11.5 s apart
        if t >= end:
            break
        dc, host, _ = rng.weighted([((d, h, w), w) for d, h, w in hosts])
        direction = "in" if rng.below(100) < 55 else "out"
        cust = rng.weighted(customers)
        base = {"ams": 40.0, "fra": 55.0, "nyc": 120.0}[dc] * (1.6 if direction == "out" else 1.0)
        latency = round(base * math.exp(0.6 * rng.normal()), 3)
        size = int(math.exp(7 + 3.5 * rng.unit()))
        attempts = 1 if rng.below(100) < 80 else 2 + rng.below(4)
        status = rng.weighted(statuses)
        fields = []
        if rng.below(100) >= 2:
            fields.append(f"latency_ms={latency!r}")
        if rng.below(100) >= 5:
            fields.append(f"size_bytes={size}i")
        fields.append(f"attempts={attempts}i")
        if rng.below(100) >= 3:
            fields.append(f'status="{status}"')
        tags = f"customer={cust},dc={dc},direction={direction},host={host}"
        lines.append(f"lat,{tags} {','.join(fields)} {t}")
        n += 1
    lines.append("# queue depth per host every 5 minutes (paused on some)")
    for i in range(36):
        for dc, host, _ in hosts:
            if host == "mx-f2" and i % 3 != 0:
                continue  # sparse series
            depth = rng.below(50) + (100 if host == "mx-n1" and 12 <= i < 18 else 0)
            paused = "true" if rng.below(10) == 0 else "false"
            lines.append(f"queue,dc={dc},host={host} depth={depth}i,paused={paused} {T0 + i * 300 * NS}")
    return lines


def t_lat():
    base = 1704067200 * NS  # 2024-01-01T00:00:00Z
    a_times = [0, 30, 70, 120, 299, 300, 610]
    a_vals = [0.5, 3.5, 7.5, 12.5, 29.5, 30.5, 61.5]
    b_times = [10, 50, 130, 400]
    b_vals = [2.25, 10.25, 26.25, 80.25]
    lines = ["# the reference data set t.lat (influxdb1-behaviour.md §9 appendix)"]
    for i, (s, v) in enumerate(zip(a_times, a_vals)):
        lines.append(f'lat,host=a,region=us value={v!r},code=200i,ok=true,msg="m{i}" {base + s * NS}')
    for s, v in zip(b_times, b_vals):
        lines.append(f"lat,host=b,region=eu value={v!r},code=500i,ok=false {base + s * NS}")
    return lines


def edge():
    base = 1704067200 * NS  # 2024-01-01T00:00:00Z
    lines = ["# integer-only field"]
    for i, v in enumerate([3, -7, 12, 12, 0, 41, -2, 9]):
        lines.append(f"ints,k={'x' if i % 2 == 0 else 'y'} n={v}i {base + i * 20 * NS}")
    lines.append("# booleans (and one integer field beside them)")
    for i, b in enumerate([True, False, False, True, True, False]):
        lines.append(f"bools,k=x b={'true' if b else 'false'},n={i}i {base + i * 15 * NS}")
    lines.append("# duplicate timestamps across series; one point overwritten within a series")
    for s, v in [("a", 1.0), ("b", 2.0), ("c", 4.0)]:
        lines.append(f"dups,s={s} v={v!r} {base}")
        lines.append(f"dups,s={s} v={v * 10!r} {base + 60 * NS}")
    lines.append(f"dups,s=a v=5.5 {base + 60 * NS}")
    lines.append("# a tag-less series beside tagged ones")
    lines.append(f"mixed v=1.5 {base}")
    lines.append(f"mixed v=2.5 {base + 40 * NS}")
    lines.append(f"mixed,t=x v=10.5 {base + 20 * NS}")
    lines.append(f"mixed,t=y v=20.5,w=3i {base + 40 * NS}")
    lines.append("# names needing quotes")
    lines.append(f"my\\ meas,tag\\ key=va\\,l field\\ name=1.25,time-ms=3i {base}")
    lines.append(f"my\\ meas,tag\\ key=other field\\ name=2.75 {base + 10 * NS}")
    lines.append(f'cpu.load,host=h1 value=0.75 {base}')
    lines.append(f'select,from=where group=1i {base}')
    lines.append("# several measurements for regex FROM")
    for m, k in [("cpu_a", 1.0), ("cpu_b", 2.0), ("mem_a", 100.0)]:
        for i in range(4):
            lines.append(f"{m},host=h{i % 2} v={k * (i + 1)!r} {base + i * 30 * NS}")
    lines.append("# points far apart (fill tests)")
    for off, v in [(0, 1.0), (420, 4.0), (1860, 2.0), (6900, 8.0), (7000, 7.0)]:
        lines.append(f"sparse,s=p v={v!r},i={int(v)}i {base + off * NS}")
    lines.append(f"sparse,s=q v=100.0,i=100i {base + 3600 * NS}")
    lines.append("# a counter with resets (derivatives, differences)")
    c = 0
    for i, step in enumerate([5, 7, 3, -12, 4, 9, 0, 6, -9, 2]):
        c = max(c + step, 0)
        lines.append(f"counter,h=a c={c}i,f={c * 1.5!r} {base + i * 10 * NS}")
    lines.append("# a regular seasonal series (holt_winters, technical analysis)")
    for i in range(48):
        v = round(50 + 10 * math.sin(2 * math.pi * i / 12) + 0.5 * i + (i * 7 % 5), 3)
        lines.append(f"wave v={v!r} {base + i * 60 * NS}")
    lines.append("# strings")
    for i, s in enumerate(["alpha", "beta", "gamma", "beta", "alpha", "alpha"]):
        lines.append(f'words,k=w s="{s}",n={i}i {base + i * 5 * NS}')
    return lines


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, lines in [("lat", lat()), ("t", t_lat()), ("edge", edge())]:
        with open(os.path.join(OUT, f"{name}.lp"), "w") as f:
            f.write("\n".join(lines) + "\n")
        print(f"{name}.lp: {sum(1 for l in lines if not l.startswith('#'))} points")


if __name__ == "__main__":
    main()
