#!/usr/bin/env bash
# The whole test suite, real clients included (README "Tests"; .ci/run runs exactly this).
#
# Idempotent and fast when already done:
#   1. a Python virtual environment under target/clients-venv with the pinned InfluxDB clients
#      (`influxdb` = v1 API, `influxdb-client` = v2 API);
#   2. the `influx` shell from Debian's `influxdb-client` package (installed with apt-get when
#      missing and we are root; otherwise a message says how to install it);
#   3. `cargo test --workspace --release` with TAILDB_TEST_PYTHON and TAILDB_TEST_INFLUX naming
#      them (the client tests fail, never skip, without them).
# Extra arguments go to cargo test (e.g. `scripts/test.sh --test clients`).
set -euo pipefail
cd "$(dirname "$0")/.."

INFLUXDB_PY_VERSION=5.3.2
INFLUXDB_CLIENT_PY_VERSION=1.49.0
venv="target/clients-venv"
stamp="$venv/.installed-$INFLUXDB_PY_VERSION-$INFLUXDB_CLIENT_PY_VERSION"

if [[ ! -f "$stamp" ]]; then
    echo "scripts/test.sh: creating $venv (influxdb==$INFLUXDB_PY_VERSION, influxdb-client==$INFLUXDB_CLIENT_PY_VERSION)" >&2
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check \
        "influxdb==$INFLUXDB_PY_VERSION" "influxdb-client==$INFLUXDB_CLIENT_PY_VERSION"
    touch "$stamp"
fi

if ! command -v influx >/dev/null 2>&1; then
    if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
        echo "scripts/test.sh: installing Debian's influxdb-client (the influx shell)" >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q influxdb-client >/dev/null \
            || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q influxdb-client >/dev/null; }
    else
        echo "scripts/test.sh: the influx shell is missing; install it with" >&2
        echo "    sudo apt-get install influxdb-client" >&2
        echo "  (the influx-shell tests fail until it is installed)" >&2
    fi
fi

export TAILDB_TEST_PYTHON="$PWD/$venv/bin/python"
if command -v influx >/dev/null 2>&1; then
    TAILDB_TEST_INFLUX="$(command -v influx)"
    export TAILDB_TEST_INFLUX
fi

exec cargo test --workspace --release "$@"
