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
. "$src/tests/milter/lib.sh"

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
