#!/bin/sh
# test-deb.sh: build the Debian package from this tree, install it on this
# machine, check what it installed (programs, user, directories, conffiles,
# systemd units), reinstall over an admin's edit, purge it, and check that
# the machine is as it was. Needs root and dpkg; exits 77 (skipped) without.
# Usage: test-deb.sh SOURCE_DIR WORK_DIR PROGRAM...
set -u

src=$1 work=$2
shift 2
programs="$*"
version=$(sed -n 's/^project(cadence VERSION \([0-9.]*\).*/\1/p' "$src/CMakeLists.txt")
failed=0 passed=0

ok() { passed=$((passed + 1)); echo "ok - $*"; }
bad() { failed=$((failed + 1)); echo "FAIL - $*"; }
check() { # check DESCRIPTION COMMAND...
	d=$1
	shift
	if "$@" >/dev/null 2>&1; then ok "$d"; else bad "$d"; fi
}
skip() { echo "skipped: $*"; exit 77; }

[ "$(id -u)" -eq 0 ] || skip "the package test installs a package: run as root"
command -v dpkg-buildpackage >/dev/null || skip "dpkg-buildpackage missing (packaging/install-deps)"
if dpkg-query -W -f='${Status}' cadence 2>/dev/null | grep -q installed; then
	skip "a cadence package is installed on this machine already; not touching it"
fi

# What the machine had before, to leave it so.
user_before=no
getent passwd cadence >/dev/null && user_before=yes
spool_before=no
[ -e /var/spool/postfix/cadence ] && spool_before=yes

cleanup() {
	if dpkg-query -W -f='${Status}' cadence 2>/dev/null | grep -q installed; then
		dpkg --purge cadence >/dev/null 2>&1
	fi
	if [ "$user_before" = no ] && getent passwd cadence >/dev/null; then
		deluser --system cadence >/dev/null 2>&1
	fi
	if [ "$user_before" = no ] && getent group cadence >/dev/null; then
		delgroup --system cadence >/dev/null 2>&1
	fi
}
trap cleanup EXIT INT TERM

# 1. Build.
deb=$("$src/packaging/build-deb" "$work") || { bad "packaging/build-deb"; exit 1; }
ok "built $deb"
contents=$(dpkg-deb -c "$deb" | awk '{ print $6 }')
has() { echo "$contents" | grep -qx "./$1"; }
for p in $programs; do
	case $p in
	cadencectl) check "package holds usr/bin/$p" has "usr/bin/$p" ;;
	*) check "package holds usr/sbin/$p" has "usr/sbin/$p" ;;
	esac
done
for f in etc/cadence/cadence.conf etc/cadence/cadences.d/cold.conf \
	etc/cadence/templates/cold-followup.eml \
	lib/systemd/system/cadence-milter.service \
	lib/systemd/system/cadence-sender.service \
	usr/share/cadence/examples/cadence.conf \
	usr/share/cadence/postfix/main.cf.cadence var/lib/cadence/; do
	check "package holds $f" has "$f"
done
pages=""
for page in cadence-milter.8 cadence-sender.8 cadencectl.1 cadence.conf.5; do
	if [ -e "$src/docs/$page" ]; then
		check "package holds man page $page" has \
			"usr/share/man/man${page##*.}/$page.gz"
		pages="$pages $page"
	else
		echo "note: docs/$page not written yet"
	fi
done
conffiles=$(dpkg-deb -f "$deb" Package >/dev/null && dpkg-deb --ctrl-tarfile "$deb" |
	tar -xOf - ./conffiles)
check "/etc/cadence/cadence.conf is a conffile" \
	sh -c "echo '$conffiles' | grep -qx /etc/cadence/cadence.conf"

# 2. Install.
if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	--no-install-recommends "$deb" >"$work/install.log" 2>&1; then
	cat "$work/install.log"
	bad "apt-get install $deb"
	exit 1
fi
ok "installed"
out=$(/usr/sbin/cadence-milter -V 2>&1)
check "cadence-milter -V says $version ($out)" \
	sh -c "echo '$out' | grep -q '^cadence-milter $version '"
check "user cadence exists" getent passwd cadence
check "group cadence exists" getent group cadence
if getent passwd postfix >/dev/null; then
	check "postfix is in group cadence (reaches the socket)" \
		sh -c "id -nG postfix | tr ' ' '\n' | grep -qx cadence"
fi
check "/var/lib/cadence is cadence:cadence 2770" \
	sh -c "[ \"\$(stat -c '%U:%G %a' /var/lib/cadence)\" = 'cadence:cadence 2770' ]"
if [ -d /var/spool/postfix ]; then
	check "/var/spool/postfix/cadence belongs to cadence" \
		sh -c "[ \"\$(stat -c '%U' /var/spool/postfix/cadence)\" = cadence ]"
fi
if [ -x /usr/bin/cadencectl ]; then
	check "the installed sample configuration is valid" \
		/usr/bin/cadencectl check-config -c /etc/cadence/cadence.conf
fi

# 3. The units: hardening present, and systemd's own verdict.
for u in cadence-milter cadence-sender; do
	f=/lib/systemd/system/$u.service
	fg=""
	[ $u = cadence-milter ] && fg="-f "
	for line in User=cadence Restart=on-failure NoNewPrivileges=yes \
		ProtectSystem=strict ProtectHome=yes PrivateTmp=yes \
		StateDirectory=cadence \
		"ExecStart=/usr/sbin/$u $fg-c /etc/cadence/cadence.conf"; do
		check "$u.service: $line" grep -qx "$line" "$f"
	done
	check "$u.service is not enabled on installation" \
		sh -c "! [ -e /etc/systemd/system/multi-user.target.wants/$u.service ]"
done
check "cadence-milter.service: RuntimeDirectory=cadence" \
	grep -qx RuntimeDirectory=cadence /lib/systemd/system/cadence-milter.service
if command -v systemd-analyze >/dev/null &&
	systemd-analyze verify --man=no /lib/systemd/system/cadence-milter.service >/dev/null 2>&1; then
	man=no
	[ "$(echo $pages | wc -w)" -eq 4 ] && man=yes
	for u in cadence-milter cadence-sender; do
		v=$(systemd-analyze verify --man=$man /lib/systemd/system/$u.service 2>&1)
		if [ -z "$v" ]; then
			ok "systemd-analyze verify --man=$man $u.service"
		else
			echo "$v"
			bad "systemd-analyze verify --man=$man $u.service"
		fi
	done
else
	echo "note: systemd-analyze verify is not usable here; units not verified"
fi

# 4. An admin's edit survives a reinstall.
echo "# local edit by the package test" >>/etc/cadence/cadence.conf
if dpkg -i --force-confold "$deb" >"$work/reinstall.log" 2>&1; then
	ok "reinstalled over an edited configuration"
else
	cat "$work/reinstall.log"
	bad "reinstall"
fi
check "the admin's edit to cadence.conf is kept" \
	grep -qx "# local edit by the package test" /etc/cadence/cadence.conf

# 5. Purge, and nothing of ours is left but what Debian keeps (the user).
if dpkg --purge cadence >"$work/purge.log" 2>&1; then ok "purged"; else
	cat "$work/purge.log"
	bad "dpkg --purge cadence"
fi
check "dpkg no longer knows cadence" \
	sh -c "! dpkg-query -W -f='\${Status}' cadence 2>/dev/null | grep -q installed"
for f in /usr/sbin/cadence-milter /usr/sbin/cadence-sender /usr/bin/cadencectl \
	/etc/cadence /var/lib/cadence /lib/systemd/system/cadence-milter.service \
	/lib/systemd/system/cadence-sender.service /usr/share/cadence; do
	check "$f is gone" sh -c "! [ -e $f ]"
done
if [ "$spool_before" = no ]; then
	check "/var/spool/postfix/cadence is gone" sh -c "! [ -e /var/spool/postfix/cadence ]"
fi
cleanup
if [ "$user_before" = no ]; then
	check "user cadence removed again" sh -c "! getent passwd cadence"
	if getent passwd postfix >/dev/null; then
		check "postfix's groups as before" \
			sh -c "! id -nG postfix | tr ' ' '\n' | grep -qx cadence"
	fi
fi

echo "package: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
