#!/bin/sh
# stop.sh: cadence-milter on SIGTERM. Idle, it exits within
# CAD_STOP_MAX_MS (libmilter's listener used to hold shutdown for up to
# 5 s, the timeout of its poll); a connection under way is still served
# to its end (stop.lua sends the SIGTERM mid-message), after which the
# milter exits as promptly; its log shows the message completed after the
# signal. The same for connections that negotiated and had not yet sent
# their connect (negotiate.lua): each is counted from its negotiation, so
# that none is left counted nor leaked, and one that waited is served.
# Usage: stop.sh MILTER STORETOOL SOURCE_DIR
set -eu
milter=$1 storetool=$2 src=$(cd "$3" && pwd)
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
	# Idle means in libmilter's accept loop, the 5 s poll it used to hold
	# shutdown for: wait until it is there.
	wait_until "the milter idle in its accept loop" listener_idle "$MPID"
	t0=$(now_ms)
	kill -TERM "$MPID"
	stopped "$a" "$t0"
	echo "idle stop $i: $ms ms"
	[ "$ms" -lt "$max" ] || fail "idle milter took $ms ms to stop (max $max)"
done
echo "ok - an idle milter stops within $max ms of SIGTERM"

# --- a message under way at SIGTERM ------------------------------------------
: >"$a/milter.log"
start_milter "$a"
run stop.lua "$a" -D MPID="$MPID"
t0=$(now_ms)
stopped "$a" "$t0"
echo "stop after the last connection closed: $ms ms"
[ "$ms" -lt "$max" ] ||
	fail "milter took $ms ms to stop once its last connection closed (max $max)"
"$storetool" "$a/cadence.conf" dump |
	grep -q '^enrollment [0-9]* dora@acme-corp.com active cold' ||
	fail "the enrollment under way at SIGTERM was not recorded"
awk '/stopping on signal 15/ { s = NR } /STOP1: enrollment/ { e = NR }
	END { exit !(s && e && s < e) }' "$a/milter.log" ||
	fail "the message did not complete after SIGTERM: $(cat "$a/milter.log")"
echo "ok - a connection under way at SIGTERM is served to its end, then the milter stops"

# --- connections that negotiate and never connect ----------------------------
: >"$a/milter.log"
start_milter "$a"
run negotiate.lua "$a" -D MPID="$MPID"
t0=$(now_ms)
stopped "$a" "$t0"
echo "stop after negotiation-only connections: $ms ms"
[ "$ms" -lt "$max" ] ||
	fail "milter took $ms ms to stop after negotiation-only connections"
! grep -q 'still open' "$a/milter.log" ||
	fail "connections left counted: $(grep 'still open' "$a/milter.log")"
! grep -q 'Sanitizer' "$a/milter.log" ||
	fail "sanitizer report: $(cat "$a/milter.log")"
"$storetool" "$a/cadence.conf" dump |
	grep -q '^enrollment [0-9]* erin@acme-corp.com active cold' ||
	fail "the connection that negotiated before SIGTERM was not served"
echo "ok - connections that only negotiate are counted, closed and freed; one that waits past SIGTERM is served"
echo "all stop tests passed"
