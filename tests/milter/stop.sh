#!/bin/sh
# stop.sh: cadence-milter on SIGTERM. Idle, it exits within
# CAD_STOP_MAX_MS (libmilter's listener used to hold shutdown for up to
# 5 s, the timeout of its poll).
# Usage: stop.sh MILTER STORETOOL SOURCE_DIR
set -eu
milter=$1 src=$(cd "$3" && pwd)
lua=$src/tests/milter/lua
data=$src/tests/data/milter
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cad-stop-XXXXXX")
MPID=
trap '[ -z "$MPID" ] || kill -KILL "$MPID" 2>/dev/null || :
	[ -n "${CAD_KEEP_TMP:-}" ] || rm -rf "$tmp"' EXIT
. "$src/tests/milter/lib.sh"
max=${CAD_STOP_MAX_MS:-1500}

# stopped DIR T0: wait for the milter (in this shell: its parent), check
# a clean stop; ms is the time since T0
stopped() {
	rc=0
	wait "$MPID" || rc=$?
	ms=$(($(now_ms) - $2))
	MPID=
	[ "$rc" -eq 0 ] || fail "milter exited $rc: $(tail -5 "$1/milter.log")"
	grep -q 'cadence-milter: stopped' "$1/milter.log" || fail "no clean stop"
	[ ! -e "$1/milter.pid" ] || fail "pid file left behind"
}

# --- idle ------------------------------------------------------------------
a=$tmp/a
write_conf "$a"
for i in 1 2 3; do
	: >"$a/milter.log"
	start_milter "$a"
	sleep 0.2
	t0=$(now_ms)
	kill -TERM "$MPID"
	stopped "$a" "$t0"
	echo "idle stop $i: $ms ms"
	[ "$ms" -lt "$max" ] || fail "idle milter took $ms ms to stop (max $max)"
done
echo "ok - an idle milter stops within $max ms of SIGTERM"

echo "all stop tests passed"
