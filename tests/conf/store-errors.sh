#!/bin/sh
# Every program opens the store through core/setup.c: a store that cannot
# be opened (a data file that is not LMDB's) gives the same error line,
# "store PATH: ...", and the same status, 73, in each; one this user
# cannot create exits 77; a reading command with no store yet says so and
# exits 66 without creating it.
# usage: store-errors.sh SOURCE_DIR SENDER MILTER CADENCECTL
set -u
src=$1 sender=$2 milter=$3 ctl=$4
w=$(mktemp -d /tmp/cad-storeerr-XXXXXX)
trap 'rm -rf "$w"' EXIT
chmod 755 "$w"
cp -r "$src/conf" "$w/"
sed -i "s|^path = /var/lib/cadence|path = $w/store|; s|^socket = .*|socket = unix:$w/milter.sock|" \
	"$w/conf/cadence.conf"
conf="$w/conf/cadence.conf"
fail=0
check() {
	name=$1 status=$2 want=$3
	shift 3
	"$@" </dev/null >"$w/out" 2>&1
	rc=$?
	if [ "$rc" -ne "$status" ]; then
		echo "FAIL $name: exit $rc, expected $status:"; cat "$w/out"; fail=1
	elif ! grep -qF "$want" "$w/out"; then
		echo "FAIL $name: no line with \"$want\":"; cat "$w/out"; fail=1
	else
		echo "ok $name"
	fi
}
missing="store $w/store does not exist yet: nothing has been enrolled"
check cadencectl-list-no-store 66 "$missing" "$ctl" -c "$conf" list
check cadence-sender-dry-run-no-store 66 "$missing" "$sender" -c "$conf" --dry-run
if [ -e "$w/store" ]; then
	echo "FAIL a reading command created the store"; fail=1
fi
# A data file that is not a store: LMDB refuses it.
mkdir "$w/store"
head -c 65536 /dev/zero | tr '\0' 'x' >"$w/store/data.mdb"
check cadencectl-list 73 "store $w/store: " "$ctl" -c "$conf" list
check cadencectl-enroll 73 "store $w/store: " "$ctl" -c "$conf" enroll --cadence cold --rep alice@example.com jane@acme.example
check cadence-sender 73 "store $w/store: " "$sender" -c "$conf" --once
if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1; then
	# As root the milter drops privileges before it opens the store.
	chown -R nobody "$w/store"
	check cadence-milter 73 "store $w/store: " "$milter" -c "$conf" -f -u nobody
else
	check cadence-milter 73 "store $w/store: " "$milter" -c "$conf" -f
fi
# A store directory that cannot be created (its parent is a file).
: >"$w/file"
sed "s|^path = .*|path = $w/file/store|" "$conf" >"$w/conf/noperm.conf"
check cadencectl-enroll-cannot-create 77 "store $w/file/store: " \
	"$ctl" -c "$w/conf/noperm.conf" enroll --cadence cold --rep alice@example.com jane@acme.example
check cadence-sender-cannot-create 77 "store $w/file/store: " \
	"$sender" -c "$w/conf/noperm.conf" --once
exit $fail
