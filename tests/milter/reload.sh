#!/bin/sh
# reload.sh: SIGHUP after SIGHUP, as fast as two senders can send them,
# while messages flow (reload.lua) and the configuration file is swapped
# between two valid versions and a broken one. libmilter's own signal
# thread stops the milter on a SIGHUP it takes, so every one must reach
# the milter's handler: the milter must serve every message, reload many
# times, never log "libmilter stopped by itself", and stop cleanly on
# SIGTERM; under AddressSanitizer, a callback using a configuration a
# reload freed would be reported. Usage: reload.sh MILTER STORETOOL SRC
set -eu
milter=$1 storetool=$2 src=$(cd "$3" && pwd)
lua=$src/tests/milter/lua
data=$src/tests/data/milter
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cad-reload-XXXXXX")
MPID= STORM=
trap '[ -z "$STORM" ] || kill $STORM 2>/dev/null || :
	[ -z "$MPID" ] || kill -KILL "$MPID" 2>/dev/null || :
	wait
	[ -n "${CAD_KEEP_TMP:-}" ] || rm -rf "$tmp"' EXIT
. "$src/tests/milter/lib.sh"
rounds=${CAD_RELOAD_ROUNDS:-200}

a=$tmp/a
write_conf "$a"
cp "$a/cadence.conf" "$a/conf.1"
sed 's/^\[milter\]$/[milter]\nauto_reply_pause_days = 9/' "$a/conf.1" >"$a/conf.2"
sed 's/^\[milter\]$/[milter]\nsoft_bounce_limit = many/' "$a/conf.1" >"$a/conf.bad"
start_milter "$a"

# storm PID DIR: SIGHUP PID without pause; every 500, swap DIR's
# configuration for the next version (rename: never half written)
storm() {
	exec perl -e '
		my ($pid, $dir) = @ARGV;
		my @v = ("conf.1", "conf.2", "conf.bad");
		for (my $n = 0; ; $n++) {
			kill("HUP", $pid) or exit 0;
			next if $n % 500;
			my $v = $v[($n / 500) % 3];
			system("cp", "$dir/$v", "$dir/conf.tmp.$$") == 0 or exit 1;
			rename("$dir/conf.tmp.$$", "$dir/cadence.conf") or exit 1;
		}' "$1" "$2"
}
storm "$MPID" "$a" &
STORM=$!
storm "$MPID" "$a" &
STORM="$STORM $!"
run reload.lua "$a" -D ROUNDS="$rounds" >/dev/null
kill $STORM
wait $STORM || :
STORM=
cp "$a/conf.1" "$a/cadence.conf"

kill -0 "$MPID" || fail "the milter died: $(tail -5 "$a/milter.log")"
n=$(grep -c 'reload: configuration' "$a/milter.log" || :)
bad=$(grep -c 'reload: .*keeping the running configuration' "$a/milter.log" || :)
echo "reloads: $n, refused (broken file): $bad"
[ "$n" -ge 10 ] || fail "only $n reloads: no storm"
! grep -q 'stopped by itself' "$a/milter.log" ||
	fail "a SIGHUP stopped libmilter"
[ "$("$storetool" "$a/cadence.conf" dump |
    grep -c '^enrollment [0-9]* p[0-9]*@acme-corp.com replied cold')" -eq "$rounds" ] ||
	fail "not every enrollment and reply recorded"
kill -TERM "$MPID"
rc=0
wait "$MPID" || rc=$?
MPID=
[ "$rc" -eq 0 ] || fail "exit $rc on SIGTERM after the storm"
grep -q 'cadence-milter: stopped' "$a/milter.log" || fail "no clean stop"
! grep -q 'Sanitizer' "$a/milter.log" || fail "sanitizer report"
echo "ok - $rounds rounds of mail served through a SIGHUP storm ($n reloads); clean stop"
