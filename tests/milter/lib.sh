# lib.sh: shell helpers of the milter tests that drive the real daemon
# (miltertest.sh, stop.sh, reload.sh). Source it from sh; the caller
# defines milter (the binary), lua (tests/milter/lua) and data
# (tests/data/milter).

fail() { echo "FAIL: $*" >&2; exit 1; }

# write_conf DIR [EXTRA STORE LINES]: DIR/cadence.conf, its store in
# DIR/store and its socket DIR/milter.sock
write_conf() {
	mkdir -p "$1/store"
	cat >"$1/cadence.conf" <<CONF
[store]
path = $1/store
${2:-}
[milter]
socket = unix:$1/milter.sock
enroll_address = cadence@example.com
default_cadence = cold
bounce_address = bounces@example.com
unsubscribe_address = unsubscribe@example.com
task_address = tasks@example.com
trusted_networks = 127.0.0.0/8
rep_domains = example.com
user =
[sender]
timezone = UTC
[cadences]
dir = $data/cadences.d
templates = $data/templates
CONF
}

# run SCRIPT DIR [-D VAR=VALUE...]: miltertest, its output kept in DIR
run() {
	script=$1 dir=$2
	shift 2
	echo "== $script"
	if ! miltertest -s "$lua/$script" -D LUADIR="$lua" -D MILTER="$milter" \
	    -D CONF="$dir/cadence.conf" -D SOCK="unix:$dir/milter.sock" \
	    -D LOG="$dir/milter.log" "$@" \
	    >"$dir/$script.log" 2>&1; then
		cat "$dir/$script.log" >&2
		fail "$script"
	fi
	cat "$dir/$script.log"
}

# start_milter DIR: the daemon in the background on DIR's configuration,
# logging to DIR/milter.log; MPID is its pid once its socket answers.
start_milter() {
	rm -f "$1/milter.sock"
	"$milter" -f -d -c "$1/cadence.conf" -p "$1/milter.pid" \
	    >>"$1/milter.log" 2>&1 &
	MPID=$!
	tries=0
	while [ ! -S "$1/milter.sock" ] || [ ! -s "$1/milter.pid" ]; do
		tries=$((tries + 1))
		[ "$tries" -le 100 ] || fail "milter did not start: $(cat "$1/milter.log")"
		sleep 0.1
	done
}

# listener_idle PID: true when a thread of PID waits in libmilter's accept
# loop: poll(2) with its 5 s timeout (MI_CHK_TIME), read from
# /proc/PID/task/*/syscall ("NR fds nfds timeout ..."; poll is 7 on
# x86_64). Elsewhere, where poll(2) is ppoll and shows no timeout: any
# thread but the main one (the signal loop) asleep in a poll.
listener_idle() {
	if [ "$(uname -m)" = x86_64 ]; then
		for s in /proc/"$1"/task/*/syscall; do
			read -r nr _ _ timeout _ <"$s" 2>/dev/null || continue
			[ "$nr" = 7 ] && [ "$timeout" = 0x1388 ] && return 0
		done
		return 1
	fi
	for t in /proc/"$1"/task/*; do
		[ "${t##*/}" != "$1" ] || continue
		case $(cat "$t/wchan" 2>/dev/null) in *poll*) return 0 ;; esac
	done
	return 1
}

# wait_until WHAT CMD...: run CMD every 20 ms until it succeeds; fail
# after 10 s. A bounded wait on a condition, not a sleep.
wait_until() {
	what=$1
	shift
	tries=0
	until "$@"; do
		tries=$((tries + 1))
		[ "$tries" -le 500 ] || fail "timed out waiting: $what"
		sleep 0.02
	done
}

# now_ms: milliseconds since the epoch (GNU date)
now_ms() { date +%s%3N; }
