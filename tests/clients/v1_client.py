"""The Python `influxdb` client (v1 API) against taildb: ping, databases, writes in every
precision and gzip, queries with epoch, chunked queries, errors as the client surfaces them.

`run(host, port, username, password)` takes the credentials: with auth disabled (this script) any
credentials — the client's default root:root, or none — are ignored; `v1_auth.py` calls run() as
an admin of a server with auth enabled.
"""

import sys

from influxdb import InfluxDBClient
from influxdb.exceptions import InfluxDBClientError

from common import address, check, expect_error, raw_query, series_values

T_S = 1_700_000_000  # a fixed second; every precision writes the same instant


def run(host, port, username="root", password="root"):
    c = InfluxDBClient(host, port, username=username, password=password, database="py1")
    check(c.ping() == "1.8.10", "ping returns X-Influxdb-Version")

    c.create_database("py1")
    c.create_database("py1")  # idempotent, like InfluxDB
    check({"name": "py1"} in c.get_list_database(), f"py1 listed: {c.get_list_database()}")
    rps = c.get_list_retention_policies("py1")
    check(any(rp["name"] == "autogen" and rp["default"] is True for rp in rps), f"autogen: {rps}")

    # Every precision the client knows, each writing T_S in its own unit.
    unit_ns = {"n": 1, "u": 10**3, "ms": 10**6, "s": 10**9, "m": 60 * 10**9, "h": 3600 * 10**9}
    for prec, ns in unit_ns.items():
        t = T_S * 10**9 // ns  # T_S in this unit (whole minutes/hours rounded down)
        expected_ns = t * ns
        ok = c.write_points(
            [{"measurement": "prec", "tags": {"p": prec}, "fields": {"v": 1.5, "n": 7, "ok": True,
                                                                   "s": 'say "hi"\\'},
              "time": t}],
            time_precision=prec,
        )
        check(ok is True, f"write_points precision={prec} returned {ok}")
        rows = series_values(raw_query(host, port, "py1", f"SELECT * FROM prec WHERE p = '{prec}'",
                                        auth=(username, password)))
        check(len(rows) == 1 and rows[0][0] == expected_ns, f"precision {prec}: {rows}, want {expected_ns}")

    rows = list(c.query("SELECT n, ok, s, v FROM prec WHERE p = 's'", epoch="ms").get_points())
    check(rows == [{"time": T_S * 1000, "n": 7, "ok": True, "s": 'say "hi"\\', "v": 1.5}],
          f"typed fields round-trip: {rows}")

    # Line protocol, a batch size (several POSTs), a retention policy, consistency (ignored).
    lines = [f"lp,host=h{i % 4} v={i} {(T_S + i) * 10**9}" for i in range(100)]
    check(c.write_points(lines, protocol="line", batch_size=30, retention_policy="autogen",
                         consistency="one"), "line protocol batches")
    count = list(c.query("SELECT count(v) FROM lp").get_points())
    check(count[0]["count"] == 100, f"count: {count}")

    # gzip: compressed bodies up, Accept-Encoding gzip down.
    gz = InfluxDBClient(host, port, username=username, password=password, database="py1", gzip=True)
    check(gz.write_points([f"gz v={i} {(T_S + i) * 10**9}" for i in range(50)], protocol="line"),
          "gzip write")
    rows = list(gz.query("SELECT v FROM gz", epoch="s").get_points())
    check(len(rows) == 50 and rows[0]["time"] == T_S, f"gzip query: {rows[:2]}")
    chunks = list(gz.query("SELECT v FROM gz", epoch="s", chunked=True, chunk_size=20))
    check([len(list(rs.get_points())) for rs in chunks] == [20, 20, 10],
          f"chunked gzip query: {[len(list(rs.get_points())) for rs in chunks]}")

    # Chunked queries: one JSON object per line; 5.3.2 yields a ResultSet per chunk.
    chunks = list(c.query("SELECT v FROM lp", epoch="ns", chunked=True, chunk_size=7))
    pts = [p for rs in chunks for p in rs.get_points()]
    check(len(chunks) == 15, f"100 rows in chunks of 7: {len(chunks)} chunks")
    check(len(pts) == 100 and pts[0]["time"] == T_S * 10**9, f"chunked: {len(pts)} points")

    # Bound parameters and multi-statement results.
    rows = list(c.query("SELECT v FROM lp WHERE host = $host", bind_params={"host": "h1"}).get_points())
    check(len(rows) == 25, f"bind params: {len(rows)}")
    both = c.query("SELECT count(v) FROM lp; SELECT count(v) FROM gz")
    check(isinstance(both, list) and len(both) == 2, f"two result sets: {both}")

    # Errors as the client surfaces them.
    expect_error(lambda: c.query("SELECT v FROM lp", database="nodb"), InfluxDBClientError,
                 contains="database not found: nodb")
    expect_error(lambda: c.query("SELEC v FROM lp"), InfluxDBClientError, code=400,
                 contains="error parsing query")
    expect_error(lambda: c.write_points(["x v=1"], protocol="line", database="nodb"),
                 InfluxDBClientError, code=404, contains="database not found")
    c.write_points(["conflict v=1.5"], protocol="line")
    expect_error(lambda: c.write_points(["conflict v=2i", "conflict v=2.5"], protocol="line"),
                 InfluxDBClientError, code=400, contains="partial write")
    kept = list(c.query("SELECT count(v) FROM conflict").get_points())
    check(kept[0]["count"] == 2, f"partial write keeps the good point: {kept}")
    expect_error(lambda: c.write_points(["bad line"], protocol="line"), InfluxDBClientError,
                 code=400, contains="unable to parse")

    c.drop_database("py1")
    check({"name": "py1"} not in c.get_list_database(), "dropped")


if __name__ == "__main__":
    host, port = address()
    # Auth disabled: the default root:root and empty credentials are both ignored.
    run(host, port)
    run(host, port, username="", password="")
    print("v1 client: ok")
    sys.exit(0)
