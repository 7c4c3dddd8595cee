"""Shared helpers of the real-client scripts: the server address from argv, a plain HTTP query,
and check() that fails the script with a message (the Rust test prints stdout/stderr)."""

import json
import sys
import urllib.parse
import urllib.request


def address():
    """(host, port) of the taildb under test, from argv."""
    if len(sys.argv) != 3:
        sys.exit(f"usage: {sys.argv[0]} HOST PORT")
    return sys.argv[1], int(sys.argv[2])


def raw_query(host, port, db, q, epoch="ns", auth=("", "")):
    """The decoded JSON of GET /query, independent of the client under test (`auth`: user and
    password sent as `u`/`p` when both are non-empty)."""
    params = {"db": db, "q": q, "epoch": epoch}
    if auth[0] and auth[1]:
        params.update(u=auth[0], p=auth[1])
    params = urllib.parse.urlencode(params)
    with urllib.request.urlopen(f"http://{host}:{port}/query?{params}") as r:
        return json.load(r)


def series_values(doc):
    """The rows of the first series of the first result ([] if none)."""
    series = doc["results"][0].get("series", [])
    return series[0]["values"] if series else []


def check(cond, msg):
    if not cond:
        raise AssertionError(msg)


def expect_error(fn, exc_type, code=None, contains=""):
    """Runs fn, which must raise exc_type (with .code == code when given) mentioning `contains`."""
    try:
        fn()
    except exc_type as e:
        text = str(getattr(e, "content", "")) + " " + str(getattr(e, "message", "")) + " " + str(e)
        got = getattr(e, "code", getattr(e, "status", None))
        check(code is None or got == code, f"expected status {code}, got {got}: {text}")
        check(contains in text, f"expected {contains!r} in the error, got: {text}")
        return e
    raise AssertionError(f"expected {exc_type.__name__} mentioning {contains!r}, nothing raised")
