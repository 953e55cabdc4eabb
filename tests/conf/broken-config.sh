#!/bin/sh
# Each program, given a broken configuration, prints the error line naming
# file, group and key, exits 78 (EX_CONFIG), and never creates the store.
# usage: broken-config.sh SOURCE_DIR SENDER MILTER CADENCECTL
set -u
src=$1 sender=$2 milter=$3 ctl=$4
w=$(mktemp -d /tmp/cad-badconf-XXXXXX)
trap 'rm -rf "$w"' EXIT
cp -r "$src/conf" "$w/"
sed -i "s|^path = /var/lib/cadence|path = $w/store|; s|^window = 09:00-17:00|window = 17:00-09:00|" \
	"$w/conf/cadence.conf"
want="$w/conf/cadence.conf: [sender] window: expected HH:MM-HH:MM with the start before the end, got '17:00-09:00'"
fail=0
check() {
	name=$1
	shift
	"$@" >"$w/out" 2>&1
	rc=$?
	if [ "$rc" -ne 78 ]; then
		echo "FAIL $name: exit $rc, expected 78"; fail=1
	elif ! grep -qF "$want" "$w/out"; then
		echo "FAIL $name: no error line naming file, group and key:"; cat "$w/out"; fail=1
	elif [ -e "$w/store" ]; then
		echo "FAIL $name: the store was created"; fail=1
	else
		echo "ok $name"
	fi
}
check cadence-sender "$sender" -c "$w/conf/cadence.conf" --once
check cadence-milter "$milter" -c "$w/conf/cadence.conf" -f
check cadencectl-list "$ctl" -c "$w/conf/cadence.conf" list
check cadencectl-check-config "$ctl" check-config -c "$w/conf/cadence.conf"
exit $fail
