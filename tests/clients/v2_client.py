"""The Python `influxdb-client` (v2 API) in its InfluxDB 1.8 compatibility mode against taildb:
token `user:pass`, bucket `db/rp`, writes in every precision, gzip, errors.

`run(host, port, token)` takes the `user:pass` token: with auth disabled (this script) any token is
ignored; `v2_auth.py` calls run() with an admin's token on a server with auth enabled.
"""

import sys

from influxdb_client import InfluxDBClient, Point, WritePrecision
from influxdb_client.client.write_api import SYNCHRONOUS
from influxdb_client.rest import ApiException

from common import address, check, expect_error, raw_query, series_values

T_S = 1_700_000_000


def run(host, port, token="user:pass"):
    import urllib.parse
    import urllib.request

    auth = tuple(token.split(":", 1))
    params = urllib.parse.urlencode({"q": "CREATE DATABASE py2", "u": auth[0], "p": auth[1]})
    urllib.request.urlopen(
        urllib.request.Request(f"http://{host}:{port}/query?{params}", method="POST"))
    for gzip in (False, True):
        with InfluxDBClient(url=f"http://{host}:{port}", token=token, org="-",
                            enable_gzip=gzip) as client:
            check(client.ping(), "ping")
            check(client.version() == "1.8.10", f"version: {client.version()}")
            w = client.write_api(write_options=SYNCHRONOUS)
            m = f"v2_gzip_{gzip}".lower()
            for prec, mult in [(WritePrecision.NS, 10**9), (WritePrecision.US, 10**6),
                               (WritePrecision.MS, 10**3), (WritePrecision.S, 1)]:
                p = (Point(m).tag("p", prec).field("v", 2.5).field("n", 3).field("ok", False)
                     .time(T_S * mult, write_precision=prec))
                w.write(bucket="py2/autogen", record=p, write_precision=prec)
                rows = series_values(raw_query(host, port, "py2", f"SELECT * FROM {m} WHERE p = '{prec}'",
                                                   auth=auth))
                check(len(rows) == 1 and rows[0][0] == T_S * 10**9, f"{prec} gzip={gzip}: {rows}")
            # Line protocol text, bucket without rp.
            w.write(bucket="py2", record=[f"{m}_lp v={i} {(T_S + i) * 10**9}" for i in range(20)])
            rows = series_values(raw_query(host, port, "py2", f"SELECT count(v) FROM {m}_lp",
                                               auth=auth))
            check(rows and rows[0][1] == 20, f"line protocol rows: {rows}")

            e = expect_error(lambda: w.write(bucket="nodb/autogen", record="x v=1"), ApiException,
                             contains="database not found")
            check(e.status == 404, f"404 for a missing database, got {e.status}")
            w.write(bucket="py2", record="conflict2 v=1.5")
            e = expect_error(lambda: w.write(bucket="py2", record="conflict2 v=1i\nconflict2 v=2.5"),
                             ApiException, contains="partial write")
            check(e.status == 400, f"400 for a partial write, got {e.status}")


if __name__ == "__main__":
    host, port = address()
    run(host, port)
    run(host, port, token="root:root")
    print("v2 client: ok")
    sys.exit(0)
