"""The Python `influxdb-client` (v2 API, InfluxDB 1.8 compatibility) against taildb with
authentication ENABLED: the `user:pass` token of an admin, a WRITE user and a READ user, a wrong
password and an empty token, with 401 / 403 surfaced as the client's ApiException.
"""

import sys
import urllib.error
import urllib.parse
import urllib.request

from influxdb_client import InfluxDBClient, Point
from influxdb_client.client.write_api import SYNCHRONOUS
from influxdb_client.rest import ApiException

from common import address, check, expect_error, raw_query, series_values
from v2_client import run

ADMIN = ("admin", "adm-Pw-2")


def influxql(host, port, q, auth=("", "")):
    """POST /query with `u`/`p` (when given); the decoded JSON, also for error statuses."""
    params = {"q": q}
    if auth[0]:
        params.update(u=auth[0], p=auth[1])
    req = urllib.request.Request(
        f"http://{host}:{port}/query?{urllib.parse.urlencode(params)}", method="POST")
    try:
        with urllib.request.urlopen(req) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def main(host, port):
    status, body = influxql(host, port, "CREATE DATABASE early")
    check(status == 403 and "create admin user first" in body, f"bootstrap rule: {status} {body}")
    status, body = influxql(
        host, port, f"CREATE USER {ADMIN[0]} WITH PASSWORD '{ADMIN[1]}' WITH ALL PRIVILEGES")
    check(status == 200, f"bootstrap admin: {status} {body}")

    # Everything the auth-off run does, with the admin's token (gzip on and off).
    run(host, port, token=f"{ADMIN[0]}:{ADMIN[1]}")

    for q in ("CREATE DATABASE sec", "CREATE USER writer WITH PASSWORD 'w-pw'",
              "CREATE USER reader WITH PASSWORD 'r-pw'", "GRANT WRITE ON sec TO writer",
              "GRANT READ ON sec TO reader"):
        status, body = influxql(host, port, q, auth=ADMIN)
        check(status == 200 and "error" not in body, f"{q}: {status} {body}")

    def write_as(token, record, bucket="sec/autogen"):
        with InfluxDBClient(url=f"http://{host}:{port}", token=token, org="-") as client:
            check(client.ping(), "/ping is open whatever the token")
            client.write_api(write_options=SYNCHRONOUS).write(bucket=bucket, record=record)

    write_as("writer:w-pw", Point("m").tag("who", "writer").field("v", 1.0).time(1_700_000_000 * 10**9))
    write_as("writer:w-pw", "m,who=writer v=2 1700000001000000000")

    e = expect_error(lambda: write_as("reader:r-pw", "m,who=reader v=3"), ApiException,
                     contains="reader\\\" user is not authorized to write to database")
    check(e.status == 403, f"403 for a READ user's write, got {e.status}")
    e = expect_error(lambda: write_as("writer:wrong", "m,who=wrong v=4"), ApiException,
                     contains="authorization failed")
    check(e.status == 401, f"401 for a wrong password, got {e.status}")
    e = expect_error(lambda: write_as("", "m,who=none v=5"), ApiException,
                     contains="unable to parse authentication credentials")
    check(e.status == 401, f"401 without credentials, got {e.status}")
    e = expect_error(lambda: write_as("writer:w-pw", "x v=1", bucket="py2"), ApiException,
                     contains="not authorized to write")
    check(e.status == 403, f"403 for another database, got {e.status}")

    rows = series_values(raw_query(host, port, "sec", "SELECT v, who FROM m", auth=ADMIN))
    check([r[1:] for r in rows] == [[1.0, "writer"], [2.0, "writer"]],
          f"only the writer's points landed: {rows}")
    rows = series_values(raw_query(host, port, "sec", "SELECT v FROM m", auth=("reader", "r-pw")))
    check(len(rows) == 2, f"the reader reads them: {rows}")


if __name__ == "__main__":
    h, p = address()
    main(h, p)
    print("v2 client with auth: ok")
    sys.exit(0)
