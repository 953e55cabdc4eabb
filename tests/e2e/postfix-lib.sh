# postfix-lib.sh: start and stop a private Postfix instance for tests, with
# its own configuration, queue, data and log directories under one folder,
# listening on a loopback port and relaying everything to a capture sink
# (Postfix's smtp-sink, one file per transaction). Source it from sh/bash:
#
#   . tests/e2e/postfix-lib.sh
#   pf_init "$dir"                  # pick ports, write main.cf/master.cf
#   pf_conf "smtpd_milters = unix:$sock"   # any main.cf line(s)
#   sink_start; pf_start            # ... swaks --server 127.0.0.1:$PF_PORT
#   sink_wait 'Message-ID: <x@y>'   # the sink file holding that text
#   pf_stop; sink_stop
#
# Needs root (Postfix's master runs as root, its daemons as postfix), the
# Debian packages postfix and perl (swaks pulls it in). Several instances
# may run at once: ports are picked free at run time, and each instance
# has its own directories. Every function returns non-zero on failure and
# says why on stderr; nothing here exits the caller's shell.

PF_SPOOL_TIMEOUT=${PF_SPOOL_TIMEOUT:-30}

# pf_free_port - print a TCP port free on 127.0.0.1 now.
pf_free_port() {
	perl -MIO::Socket::INET -e '
		my $s = IO::Socket::INET->new(Listen => 1,
		    LocalAddr => "127.0.0.1", LocalPort => 0, ReuseAddr => 1)
		    or die "pf_free_port: $!\n";
		print $s->sockport, "\n";'
}

# pf_init DIR - lay out a Postfix instance in DIR (created if missing):
# DIR/etc (main.cf, master.cf), DIR/queue, DIR/data, DIR/log/maillog, and
# DIR/sink for the sink's files. Sets PF_DIR, PF_ETC, PF_PORT, SINK_PORT.
pf_init() {
	PF_DIR=$1
	PF_ETC=$PF_DIR/etc
	mkdir -p "$PF_ETC" "$PF_DIR/queue" "$PF_DIR/data" "$PF_DIR/log" \
	    "$PF_DIR/sink" || return 1
	# The postfix user must reach sockets and the sink below DIR.
	chmod 755 "$PF_DIR"
	chown postfix "$PF_DIR/data" "$PF_DIR/sink" || return 1
	PF_PORT=$(pf_free_port) || return 1
	SINK_PORT=$(pf_free_port) || return 1
	cat >"$PF_ETC/main.cf" <<CONF
# A private Postfix for tests (tests/e2e/postfix-lib.sh).
compatibility_level = 3.6
queue_directory = $PF_DIR/queue
data_directory = $PF_DIR/data
command_directory = /usr/sbin
daemon_directory = /usr/lib/postfix/sbin
meta_directory = /etc/postfix
shlib_directory = /usr/lib/postfix
mail_owner = postfix
setgid_group = postdrop
maillog_file = $PF_DIR/log/maillog
maillog_file_prefixes = $PF_DIR/log
myhostname = relay.example.com
mydomain = example.com
myorigin = \$mydomain
mydestination =
local_recipient_maps =
alias_maps =
alias_database =
inet_interfaces = loopback-only
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
relayhost = [127.0.0.1]:$SINK_PORT
smtp_dns_support_level = disabled
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
recipient_delimiter = +
biff = no
delay_warning_time = 0
CONF
	# master.cf: Debian's proto, nothing chrooted, smtpd on our port only.
	awk -v port="$PF_PORT" '
		/^smtp[ \t]+inet/ { print "127.0.0.1:" port \
		    " inet n - n - - smtpd"; next }
		/^[a-z0-9.:-]+[ \t]+(unix|inet|fifo|pass|unix-dgram)[ \t]/ {
			$5 = "n"
		}
		{ print }' /etc/postfix/master.cf.proto >"$PF_ETC/master.cf" ||
		return 1
}

# pf_conf LINE... - set main.cf parameters ("name = value" each).
pf_conf() {
	for line in "$@"; do
		postconf -c "$PF_ETC" -e "$line" || return 1
	done
}

# pf_start - start the instance and wait until its smtpd answers.
pf_start() {
	postfix -c "$PF_ETC" start >>"$PF_DIR/log/postfix.out" 2>&1 || {
		echo "pf_start: postfix start failed; see $PF_DIR/log" >&2
		tail -20 "$PF_DIR/log/maillog" "$PF_DIR/log/postfix.out" >&2
		return 1
	}
	pf_wait_port "$PF_PORT"
}

# pf_reload - make a running instance read main.cf again, and wait until
# its master logs that it did ("reload -- version ..."): connections made
# after that get daemons with the new configuration.
pf_reload() {
	n=$(grep -c 'postfix/master.*: reload -- ' "$PF_DIR/log/maillog" 2>/dev/null) ||
		n=0
	postfix -c "$PF_ETC" reload >>"$PF_DIR/log/postfix.out" 2>&1 || return 1
	i=0
	while [ "$(grep -c 'postfix/master.*: reload -- ' \
	    "$PF_DIR/log/maillog" 2>/dev/null)" -le "$n" ]; do
		i=$((i + 1))
		if [ "$i" -gt $((PF_SPOOL_TIMEOUT * 50)) ]; then
			echo "pf_reload: the master logged no reload" >&2
			return 1
		fi
		sleep 0.02
	done
}

# pf_stop - stop the instance (quietly if it is not running).
pf_stop() {
	[ -n "${PF_ETC:-}" ] || return 0
	postfix -c "$PF_ETC" stop >>"$PF_DIR/log/postfix.out" 2>&1 || true
}

# pf_wait_port PORT - wait until something listens on 127.0.0.1:PORT.
pf_wait_port() {
	i=0
	while ! perl -MIO::Socket::INET -e \
	    'IO::Socket::INET->new(PeerAddr => "127.0.0.1:'"$1"'") or exit 1' \
	    2>/dev/null; do
		i=$((i + 1))
		if [ "$i" -gt $((PF_SPOOL_TIMEOUT * 10)) ]; then
			echo "pf_wait_port: nothing listens on port $1" >&2
			return 1
		fi
		sleep 0.1
	done
}

# pf_queue_empty - wait until the instance's queue is empty.
pf_queue_empty() {
	i=0
	while [ -n "$(find "$PF_DIR/queue/incoming" "$PF_DIR/queue/active" \
	    "$PF_DIR/queue/deferred" "$PF_DIR/queue/maildrop" -type f \
	    2>/dev/null)" ]; do
		i=$((i + 1))
		if [ "$i" -gt $((PF_SPOOL_TIMEOUT * 10)) ]; then
			echo "pf_queue_empty: mail still queued" >&2
			postqueue -c "$PF_ETC" -p >&2
			return 1
		fi
		sleep 0.1
	done
}

# pf_log_sync - wait until the log holds every line Postfix's daemons sent
# before this call. They log through postlogd(8), after the fact, so an
# empty queue does not yet mean a complete log; a marker sent now through
# the same socket (postlog(1)) is written after all of them.
pf_log_sync() {
	PF_LOG_SYNC=$((${PF_LOG_SYNC:-0} + 1))
	marker="cad-log-sync-$$-$PF_LOG_SYNC"
	postlog -c "$PF_ETC" -t postfix/cad-test "$marker" || return 1
	i=0
	until grep -qF -- "$marker" "$PF_DIR/log/maillog" 2>/dev/null; do
		i=$((i + 1))
		if [ "$i" -gt $((PF_SPOOL_TIMEOUT * 50)) ]; then
			echo "pf_log_sync: postlogd wrote no $marker" >&2
			return 1
		fi
		sleep 0.02
	done
}

# pf_log - the instance's mail log.
pf_log() {
	cat "$PF_DIR/log/maillog" 2>/dev/null
}

# sink_start [ARGS...] - start smtp-sink on SINK_PORT, writing one file per
# transaction under PF_DIR/sink (extra smtp-sink options may be given;
# PF_SINK_DUMP=no keeps nothing, for benchmarks).
sink_start() {
	if [ "${PF_SINK_DUMP:-yes}" = no ]; then
		set -- "$@"
	else
		set -- -d "$PF_DIR/sink/%H%M%S." "$@"
	fi
	smtp-sink -u postfix -h sink.example.net \
	    "$@" "127.0.0.1:$SINK_PORT" 256 >>"$PF_DIR/log/sink.out" 2>&1 &
	SINK_PID=$!
	pf_wait_port "$SINK_PORT"
}

# sink_stop - stop the sink started by sink_start.
sink_stop() {
	if [ -n "${SINK_PID:-}" ]; then
		kill "$SINK_PID" 2>/dev/null || true
		wait "$SINK_PID" 2>/dev/null || true
		SINK_PID=
	fi
}

# reject_sink_start - a second sink on REJECT_PORT that refuses every
# recipient with 550: route a domain there (transport_maps, "smtp:[127.0.0.1]:
# $REJECT_PORT") and the relay writes its own bounce, as for a prospect
# whose server refuses a follow-up.
reject_sink_start() {
	REJECT_PORT=$(pf_free_port) || return 1
	smtp-sink -u postfix -f RCPT -h reject.example.net \
	    "127.0.0.1:$REJECT_PORT" 16 >>"$PF_DIR/log/reject-sink.out" 2>&1 &
	REJECT_PID=$!
	pf_wait_port "$REJECT_PORT"
}

# reject_sink_stop - stop the sink started by reject_sink_start.
reject_sink_stop() {
	if [ -n "${REJECT_PID:-}" ]; then
		kill "$REJECT_PID" 2>/dev/null || true
		wait "$REJECT_PID" 2>/dev/null || true
		REJECT_PID=
	fi
}

# sink_wait TEXT - print the name of the sink file holding TEXT (fixed
# string), waiting for it to arrive.
sink_wait() {
	i=0
	while :; do
		f=$(grep -lF -- "$1" "$PF_DIR"/sink/* 2>/dev/null | head -1)
		if [ -n "$f" ]; then
			echo "$f"
			return 0
		fi
		i=$((i + 1))
		if [ "$i" -gt $((PF_SPOOL_TIMEOUT * 10)) ]; then
			echo "sink_wait: no message with '$1' reached the sink" >&2
			return 1
		fi
		sleep 0.1
	done
}

# sink_rcpts FILE - the envelope recipients of one sink file, one a line.
sink_rcpts() {
	sed -n 's/^X-Rcpt-Args: <\([^>]*\)>.*/\1/p' "$1"
}

# sink_message FILE - the message of one sink file as the relay sent it:
# without the lines smtp-sink adds before it (its X- envelope lines and its
# own Received header), with LF line ends.
sink_message() {
	tr -d '\r' <"$1" | awk '
		started { print; next }
		/^X-(Client|Helo|Mail|Rcpt)-/ { next }
		/^Received: .*/ && !skipped { skipping = 1; skipped = 1; next }
		skipping && /^[ \t]/ { next }
		{ started = 1; print }'
}

# strip_header NAME - filter: drop every header field NAME (with its
# folded lines) from the header block of the message on stdin.
strip_header() {
	awk -v name="$1" '
		body { print; next }
		/^$/ { body = 1; print; next }
		tolower(substr($0, 1, length(name) + 1)) == tolower(name ":") {
			dropping = 1; next }
		dropping && /^[ \t]/ { next }
		{ dropping = 0; print }'
}

# strip_first_header NAME - filter: drop the first header field NAME only.
strip_first_header() {
	awk -v name="$1" '
		body { print; next }
		/^$/ { body = 1; print; next }
		!done && tolower(substr($0, 1, length(name) + 1)) == \
		    tolower(name ":") { dropping = 1; done = 1; next }
		dropping && /^[ \t]/ { next }
		{ dropping = 0; print }'
}
