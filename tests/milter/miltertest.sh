#!/bin/sh
# miltertest.sh: drive the real cadence-milter with miltertest's Lua
# scripts (tests/milter/lua), without an MTA, and check the store after
# each script with cad-milter-storetool.
# Usage: miltertest.sh MILTER STORETOOL SOURCE_DIR
set -eu
milter=$1 storetool=$2 src=$(cd "$3" && pwd)
lua=$src/tests/milter/lua
data=$src/tests/data/milter
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cad-mt-XXXXXX")
trap '[ -n "${CAD_KEEP_TMP:-}" ] || rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# write_conf DIR [EXTRA STORE LINES]
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
	    -D CONF="$dir/cadence.conf" -D SOCK="unix:$dir/milter.sock" "$@" \
	    >"$dir/$script.log" 2>&1; then
		cat "$dir/$script.log" >&2
		fail "$script"
	fi
	cat "$dir/$script.log"
}

dump() { "$storetool" "$1/cadence.conf" dump; }

a=$tmp/a
write_conf "$a"
run enroll.lua "$a"
dump "$a" | grep -q '^enrollment 1 jane@acme-corp.com active hot alice@example.com' ||
	fail "jane not enrolled in hot"
dump "$a" | grep -q '^enrollment 2 bob@acme-corp.com active hot' ||
	fail "bob not enrolled in hot"

run untrusted.lua "$a"
dump "$a" | grep -q 'victim@acme-corp.com' && fail "outsider enrolled someone"
dump "$a" | grep -q '^enrollment [0-9]* bob@acme-corp.com active cold' &&
	fail "rep without login enrolled bob"
[ "$(dump "$a" | grep -c '^event 0 refused')" -eq 2 ] ||
	fail "two refusals not recorded"
dump "$a" | grep -q '^notice alice@example.com cadence: nobody enrolled' ||
	fail "rep without login not told"

token=$(dump "$a" | awk '$1 == "enrollment" && $3 == "bob@acme-corp.com" {
	sub("verp=", "", $8); print $8 }')
[ -n "$token" ] || fail "no VERP token for bob"
run dsn.lua "$a" -D TOKEN="$token"
dump "$a" | grep -q '^enrollment 2 bob@acme-corp.com bounced' ||
	fail "bob not bounced"
dump "$a" | grep -q '^suppressed bob@acme-corp.com' || fail "bob not suppressed"

run inbound.lua "$a"
dump "$a" | grep -q '^enrollment 1 jane@acme-corp.com replied' ||
	fail "jane's reply not recorded"

run forged.lua "$a"
dump "$a" | grep -q '^enrollment [0-9]* carol@acme-corp.com replied cold' ||
	fail "carol not enrolled, or her reply (with forged headers) not recorded"
grep -q 'FORGE2: removed 3 X-Cadence field(s)' "$a/forged.lua.log" ||
	fail "no log line for the removed fields"

# A full map: the enrollment fails, the message goes on.
b=$tmp/b
write_conf "$b" "map_size = 1M
max_map_size = 1M"
"$storetool" "$b/cadence.conf" fill
run failopen.lua "$b"
dump "$b" | grep -q 'carl@acme-corp.com' && fail "enrolled into a full map"
grep -q 'FULL1: enroll prospect=carl@acme-corp.com' "$b/failopen.lua.log" ||
	fail "no log line for the failed enrollment"
echo "all miltertest scripts passed"
