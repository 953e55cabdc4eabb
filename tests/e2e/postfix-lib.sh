# postfix-lib.sh: start and stop a private Postfix instance under a temp
# folder, for the end-to-end tests and `make demo`. Source it; every
# function is pf_*, every variable it sets is PF_*. Needs root (Postfix's
# master runs as root and drops to the postfix user) and Debian's postfix.
#
#   pf_setup DIR SMTP_PORT RELAY_PORT [MILTER]   write DIR/etc/{main,master}.cf
#   pf_start DIR / pf_stop DIR                   run or stop the instance
#   pf_wait_idle DIR [SECONDS]                   wait until the queue is empty
#   pf_log DIR                                   the instance's mail log
#   pf_free_port                                 a free TCP port on 127.0.0.1
#
# The instance listens on 127.0.0.1:SMTP_PORT only, trusts 127.0.0.0/8
# (mynetworks), delivers nothing locally and relays all mail to
# [127.0.0.1]:RELAY_PORT. MILTER (Postfix syntax, e.g. unix:/path/sock) is
# attached to smtpd and, with internal_mail_filter_classes = bounce, to the
# bounces Postfix writes itself, with default_action=accept as in
# docs/postfix.md. Nothing runs chrooted, so paths are absolute.

# Longest wait for the queue to empty by default: a relay to loopback takes
# well under a second per message; more means something is stuck.
PF_IDLE_TIMEOUT=30

pf_die() {
	echo "postfix-lib: $*" >&2
	return 1
}

# pf_free_port: print a TCP port nobody listens on (between 20000 and
# 60000). Another process may take it before we do; callers that bind it
# report a clear error then.
pf_free_port() {
	_pf_tries=0
	while [ $_pf_tries -lt 100 ]; do
		_pf_port=$(( 20000 + $(od -An -N2 -tu2 /dev/urandom) % 40000 ))
		if ! ss -Htln "sport = :$_pf_port" | grep -q .; then
			echo $_pf_port
			return 0
		fi
		_pf_tries=$((_pf_tries + 1))
	done
	pf_die "no free port found"
}

pf_setup() {
	_pf_dir=$1 _pf_smtp=$2 _pf_relay=$3 _pf_milter=${4:-}
	[ "$(id -u)" -eq 0 ] || { pf_die "a private Postfix needs root"; return 1; }
	command -v postfix >/dev/null || { pf_die "postfix is not installed"; return 1; }
	mkdir -p "$_pf_dir/etc" "$_pf_dir/spool" "$_pf_dir/data" "$_pf_dir/log" || return 1
	chown postfix "$_pf_dir/data" || return 1
	# postfix(1) runs postfix-script with the spool's own layout checks.
	chmod 755 "$_pf_dir" "$_pf_dir/spool"
	{
		echo "# A private Postfix for cadence's tests (tests/e2e/postfix-lib.sh)."
		echo "compatibility_level = 3.6"
		echo "queue_directory = $_pf_dir/spool"
		echo "data_directory = $_pf_dir/data"
		echo "maillog_file = $_pf_dir/log/maillog"
		echo "maillog_file_prefixes = $_pf_dir/log"
		echo "syslog_name = postfix-cadence-test"
		echo "myhostname = relay.example.com"
		echo "mydomain = example.com"
		# myorigin stays Postfix's default, $myhostname: the relay's own
		# mail (its DSNs) comes from MAILER-DAEMON@relay.example.com.
		echo "mydestination ="
		echo "local_recipient_maps ="
		echo "alias_maps ="
		echo "alias_database ="
		echo "inet_interfaces = 127.0.0.1"
		echo "inet_protocols = ipv4"
		echo "mynetworks = 127.0.0.0/8"
		echo "smtpd_relay_restrictions = permit_mynetworks, reject"
		echo "relayhost = [127.0.0.1]:$_pf_relay"
		echo "smtp_tls_security_level = none"
		echo "smtpd_tls_security_level = none"
		echo "recipient_delimiter = +"
		echo "biff = no"
		echo "delay_warning_time = 0"
		# A deferred message is retried within seconds, not minutes.
		echo "queue_run_delay = 2s"
		echo "minimal_backoff_time = 2s"
		echo "maximal_backoff_time = 4s"
		echo "smtp_connect_timeout = 5s"
		if [ -n "$_pf_milter" ]; then
			echo "smtpd_milters = { $_pf_milter, default_action=accept, connect_timeout=5s, command_timeout=10s, content_timeout=30s }"
			echo "non_smtpd_milters = \$smtpd_milters"
			echo "internal_mail_filter_classes = bounce"
			echo "milter_default_action = accept"
			echo "milter_protocol = 6"
		fi
	} >"$_pf_dir/etc/main.cf"
	# Only the services a relay needs; nothing chrooted.
	cat >"$_pf_dir/etc/master.cf" <<EOF
127.0.0.1:$_pf_smtp inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
virtual   unix  -       n       n       -       -       virtual
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
	PF_DIR=$_pf_dir
}

pf_log() {
	cat "$1/log/maillog" 2>/dev/null
}

pf_start() {
	if ! postfix -c "$1/etc" start >"$1/log/start.out" 2>&1; then
		cat "$1/log/start.out" >&2
		pf_log "$1" | tail -20 >&2
		pf_die "postfix -c $1/etc start failed"
		return 1
	fi
	# The master is up when smtpd's port answers.
	_pf_port=$(awk 'NR == 1 { sub(/.*:/, "", $1); print $1 }' "$1/etc/master.cf")
	_pf_i=0
	while [ $_pf_i -lt 100 ]; do
		ss -Htln "sport = :$_pf_port" | grep -q . && return 0
		sleep 0.1
		_pf_i=$((_pf_i + 1))
	done
	pf_log "$1" | tail -20 >&2
	pf_die "postfix did not listen on 127.0.0.1:$_pf_port"
}

pf_stop() {
	[ -f "$1/etc/main.cf" ] || return 0
	postfix -c "$1/etc" stop >/dev/null 2>&1 || true
	# postfix stop returns before the master has exited.
	_pf_i=0
	while [ $_pf_i -lt 100 ] && [ -f "$1/spool/pid/master.pid" ] &&
		kill -0 "$(tr -d ' ' <"$1/spool/pid/master.pid")" 2>/dev/null; do
		sleep 0.1
		_pf_i=$((_pf_i + 1))
	done
}

# The queue holds no message (incoming, active, deferred, maildrop, hold).
pf_queue_empty() {
	for _pf_q in maildrop incoming active deferred hold; do
		if [ -d "$1/spool/$_pf_q" ] &&
			[ -n "$(find "$1/spool/$_pf_q" -type f -print -quit)" ]; then
			return 1
		fi
	done
	return 0
}

# pf_wait_idle DIR [SECONDS]: wait until the queue is empty; fails, naming
# what is left, after SECONDS (PF_IDLE_TIMEOUT).
pf_wait_idle() {
	_pf_limit=$(( (${2:-$PF_IDLE_TIMEOUT}) * 10 ))
	_pf_i=0
	while [ $_pf_i -lt $_pf_limit ]; do
		pf_queue_empty "$1" && return 0
		sleep 0.1
		_pf_i=$((_pf_i + 1))
	done
	postqueue -c "$1/etc" -p >&2
	pf_die "the queue of $1 did not empty in ${2:-$PF_IDLE_TIMEOUT}s"
}
