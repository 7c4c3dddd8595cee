#!/usr/bin/env bash
# Counts lines and distinct series keys (measurement + tag set: the text before the first unescaped
# space) of a line-protocol file. The loadgen workload has no escaped spaces, so the first space is it.
# Usage: scripts/count-series.sh FILE...
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 FILE..." >&2; exit 2; }
for f in "$@"; do
  LC_ALL=C awk -v f="$f" '
    /^[ \t]*(#|$)/ { next }
    { n++; k = substr($0, 1, index($0, " ") - 1); if (!(k in s)) { s[k] = 1; d++ } }
    END { printf "%s\tlines=%d\tseries=%d\n", f, n, d }' "$f"
done
