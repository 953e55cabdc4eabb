#!/bin/bash
# milter-bench.sh: Postfix throughput with cadence-milter, against no
# milter, a do-nothing milter (bench/nullmilter.c: the floor the milter
# protocol costs) and Debian's OpenDKIM verifying, all over unix sockets,
# plus the do-nothing milter over TCP loopback; configurations measured
# alternately, ROUNDS times, medians reported. Then the milter's peak RSS
# with 50 concurrent SMTP sessions. Prints "name: value unit" lines.
# Usage: milter-bench.sh MILTER NULLMILTER STORETOOL SOURCE_DIR (as root)
# Environment: BENCH_MESSAGES (per round, default 2000), BENCH_ROUNDS (5).
set -u
milter=$1 nullmilter=$2 storetool=$3 src=$(cd "$4" && pwd)
. "$src/tests/e2e/postfix-lib.sh"
N=${BENCH_MESSAGES:-2000}
ROUNDS=${BENCH_ROUNDS:-5}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cad-bench-XXXXXX")
chmod 755 "$tmp"
pids=""

cleanup() {
	pf_stop
	sink_stop
	for p in $pids; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	[ -n "${CAD_KEEP_TMP:-}" ] || rm -rf "$tmp"
}
trap cleanup EXIT
die() { echo "milter-bench: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "milter-bench: needs root" >&2; exit 77; }

mkdir -p "$tmp/run" "$tmp/store" "$tmp/dkim"
chown postfix "$tmp/run" "$tmp/store" "$tmp/dkim"

# --- cadence-milter ---------------------------------------------------------
cat >"$tmp/cadence.conf" <<CONF
[store]
path = $tmp/store
[milter]
socket = unix:$tmp/run/cadence.sock
enroll_address = cadence@example.com
default_cadence = cold
bounce_address = bounces@example.com
unsubscribe_address = unsubscribe@example.com
trusted_networks = 127.0.0.1/32
rep_domains = example.com
[sender]
timezone = UTC
[cadences]
dir = $src/tests/data/milter/cadences.d
templates = $src/tests/data/milter/templates
CONF
"$milter" -f -u postfix -c "$tmp/cadence.conf" >"$tmp/cadence.log" 2>&1 &
MPID=$!
pids="$pids $MPID"

# --- the do-nothing milter, on a unix socket and on TCP loopback -----------
NULL_PORT=$(pf_free_port)
runuser -u postfix -- "$nullmilter" "unix:$tmp/run/null.sock" \
    >"$tmp/null-unix.log" 2>&1 &
pids="$pids $!"
runuser -u postfix -- "$nullmilter" "inet:$NULL_PORT@127.0.0.1" \
    >"$tmp/null-tcp.log" 2>&1 &
pids="$pids $!"

# --- OpenDKIM: a key, a signer to sign the test message, a verifier -------
openssl genrsa -out "$tmp/dkim/bench.key" 2048 2>/dev/null || die "openssl"
chown postfix "$tmp/dkim/bench.key"
chmod 600 "$tmp/dkim/bench.key"
pub=$(openssl rsa -in "$tmp/dkim/bench.key" -pubout -outform DER 2>/dev/null |
    base64 -w0)
echo "bench._domainkey.example.com v=DKIM1; k=rsa; p=$pub" >"$tmp/dkim/keys"
for mode in sign verify; do
	{
		echo "Syslog no"
		echo "UserID postfix"
		echo "Socket local:$tmp/run/dkim-$mode.sock"
		echo "PidFile $tmp/dkim/$mode.pid"
		echo "Canonicalization relaxed/relaxed"
		# the key lies under /tmp, which OpenDKIM calls unsafe
		echo "RequireSafeKeys no"
		if [ $mode = sign ]; then
			echo "Mode s"
			echo "Domain example.com"
			echo "Selector bench"
			echo "KeyFile $tmp/dkim/bench.key"
		else
			echo "Mode v"
			echo "TestPublicKeys $tmp/dkim/keys"
			echo "AlwaysAddARHeader yes"
		fi
	} >"$tmp/dkim/$mode.conf"
	opendkim -f -x "$tmp/dkim/$mode.conf" >"$tmp/dkim/$mode.log" 2>&1 &
	pids="$pids $!"
done

for s in cadence.sock null.sock dkim-sign.sock dkim-verify.sock; do
	for _ in $(seq 100); do
		[ -S "$tmp/run/$s" ] && break
		sleep 0.1
	done
	[ -S "$tmp/run/$s" ] || die "no socket $s"
done
pf_wait_port "$NULL_PORT" || die "nullmilter on TCP"

# --- Postfix and the sink ---------------------------------------------------
PF_SINK_DUMP=no
pf_init "$tmp/pf" || die "pf_init"
pf_conf "smtpd_milters =" "milter_default_action = accept" \
    "smtpd_client_connection_count_limit = 0" \
    "smtpd_client_connection_rate_limit = 0" \
    "smtpd_client_message_rate_limit = 0" || die "postconf"
sink_start || die "sink"
pf_start || die "postfix"

# use_milters SPEC: reload Postfix with smtpd_milters = SPEC
use_milters() {
	pf_conf "smtpd_milters = $1" || die "postconf"
	pf_reload || die "reload"
}

# --- the test messages, about 4 KiB each -----------------------------------
filler() {
	for i in $(seq 48); do
		echo "Line $i of the body, to make the message about four KiB long."
	done
}
{
	echo "From: Alice Martin <alice@example.com>"
	echo "To: Pat Customer <pat@customer.example.net>"
	echo "Subject: Quarterly numbers"
	echo "Message-ID: <bench-ord@mail.example.com>"
	echo "Date: Mon, 02 Nov 2026 09:00:00 +0000"
	echo "MIME-Version: 1.0"
	echo "Content-Type: text/plain; charset=us-ascii"
	echo
	filler
} >"$tmp/ordinary.raw"
# Sign it once through the relay with OpenDKIM as signer.
PF_SINK_DUMP=yes
sink_stop
sink_start || die "sink"
use_milters "unix:$tmp/run/dkim-sign.sock"
swaks --server "127.0.0.1:$PF_PORT" --from alice@example.com \
    --to pat@customer.example.net --data "$tmp/ordinary.raw" \
    >"$tmp/swaks.log" 2>&1 || die "swaks (sign)"
f=$(sink_wait 'bench-ord@mail.example.com') || die "signed message"
sink_message "$f" | strip_first_header Received >"$tmp/ordinary.eml"
grep -q '^DKIM-Signature:' "$tmp/ordinary.eml" || die "not signed"
sink_stop
PF_SINK_DUMP=no
sink_start || die "sink"

# Enroll two prospects; jane replies in the thread, bob's mail bounces.
use_milters "unix:$tmp/run/cadence.sock"
{
	echo "From: Alice Martin <alice@example.com>"
	echo "To: Jane Doe <jane@acme-corp.com>, Bob Smith <bob@acme-corp.com>"
	echo "Subject: Intro"
	echo "Message-ID: <bench-root@mail.example.com>"
	echo "Date: Mon, 02 Nov 2026 09:00:00 +0000"
	echo
	echo "Hello"
} >"$tmp/enroll.eml"
swaks --server "127.0.0.1:$PF_PORT" --from alice@example.com \
    --to jane@acme-corp.com,bob@acme-corp.com,cadence@example.com \
    --data "$tmp/enroll.eml" >>"$tmp/swaks.log" 2>&1 || die "swaks (enroll)"
tok=$("$storetool" "$tmp/cadence.conf" dump | awk '$3 == "bob@acme-corp.com" {
	sub("verp=", "", $8); print $8 }')
[ -n "$tok" ] || die "bob not enrolled"
{
	echo "From: Jane Doe <jane@acme-corp.com>"
	echo "To: Alice Martin <alice@example.com>"
	echo "Subject: Re: Intro"
	echo "In-Reply-To: <bench-root@mail.example.com>"
	echo "Date: Tue, 03 Nov 2026 09:00:00 +0000"
	echo
	echo "Sounds good, let us talk."
	echo
	echo "> Hello"
	filler | sed 's/^/> /'
} >"$tmp/reply.eml"
{
	echo "From: Mail Delivery System <MAILER-DAEMON@mx.acme-corp.com>"
	echo "To: bounces+$tok@example.com"
	echo "Subject: Undelivered Mail Returned to Sender"
	echo "Date: Tue, 03 Nov 2026 09:00:00 +0000"
	echo "MIME-Version: 1.0"
	echo "Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\""
	echo
	echo "--B"
	echo "Content-Type: text/plain"
	echo
	filler
	echo "--B"
	echo "Content-Type: message/delivery-status"
	echo
	echo "Reporting-MTA: dns; mx.acme-corp.com"
	echo
	echo "Final-Recipient: rfc822; bob@acme-corp.com"
	echo "Action: failed"
	echo "Status: 5.1.1"
	echo
	echo "--B--"
} >"$tmp/bounce.eml"

# mix: N messages, 80% ordinary (8 sessions), 10% replies, 10% bounces;
# prints the elapsed seconds until the relay has accepted all of them.
mix() {
	t0=$(date +%s.%N)
	smtp-source -s 8 -m $((N * 8 / 10)) -f alice@example.com \
	    -t pat@customer.example.net -F "$tmp/ordinary.eml" \
	    "127.0.0.1:$PF_PORT" &
	a=$!
	smtp-source -s 1 -m $((N / 10)) -f jane@acme-corp.com \
	    -t alice@example.com -F "$tmp/reply.eml" "127.0.0.1:$PF_PORT" &
	b=$!
	smtp-source -s 1 -m $((N / 10)) -f "" -t "bounces+$tok@example.com" \
	    -F "$tmp/bounce.eml" "127.0.0.1:$PF_PORT" &
	c=$!
	wait $a $b $c || die "smtp-source"
	t1=$(date +%s.%N)
	echo "$t0 $t1" | awk '{ printf "%.3f\n", $2 - $1 }'
}

declare -A spec=(
	[none]=""
	[null_unix]="unix:$tmp/run/null.sock"
	[cadence_unix]="{ unix:$tmp/run/cadence.sock, default_action=accept }"
	[opendkim_unix]="unix:$tmp/run/dkim-verify.sock"
	[null_tcp]="inet:127.0.0.1:$NULL_PORT"
)
order="none null_unix cadence_unix opendkim_unix null_tcp"
for cfg in $order; do : >"$tmp/rate.$cfg"; done
for r in $(seq "$ROUNDS"); do
	for cfg in $order; do
		use_milters "${spec[$cfg]}"
		secs=$(mix)
		echo "$secs" | awk -v n="$N" '{ printf "%.1f\n", n / $1 }' \
		    >>"$tmp/rate.$cfg"
		pf_queue_empty >/dev/null 2>&1 || PF_SPOOL_TIMEOUT=120 pf_queue_empty
		echo "round $r $cfg: $(tail -1 "$tmp/rate.$cfg") msg/s" >&2
	done
done

median() { sort -n "$1" | awk '{ v[NR] = $1 } END {
	if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
best() { sort -n "$1" | tail -1; }
for cfg in $order; do
	eval "m_$cfg=$(median "$tmp/rate.$cfg")"
	echo "milter_throughput_$cfg: $(median "$tmp/rate.$cfg") msg/s"
	echo "milter_throughput_${cfg}_best: $(best "$tmp/rate.$cfg") msg/s"
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f\n", 100 * a / b }'; }
echo "milter_ratio_null_unix_vs_none: $(ratio "$m_null_unix" "$m_none") %"
echo "milter_ratio_null_tcp_vs_none: $(ratio "$m_null_tcp" "$m_none") %"
echo "milter_ratio_cadence_vs_null_unix: $(ratio "$m_cadence_unix" "$m_null_unix") %"
echo "milter_ratio_cadence_vs_opendkim: $(ratio "$m_cadence_unix" "$m_opendkim_unix") %"
echo "milter_ratio_opendkim_vs_null_unix: $(ratio "$m_opendkim_unix" "$m_null_unix") %"

# --- memory with 50 concurrent SMTP sessions -------------------------------
use_milters "{ unix:$tmp/run/cadence.sock, default_action=accept }"
rss0=$(awk '/^VmRSS/ { print $2 }' "/proc/$MPID/status")
smtp-source -s 50 -m 2000 -f alice@example.com -t pat@customer.example.net \
    -F "$tmp/ordinary.eml" "127.0.0.1:$PF_PORT" &
a=$!
smtp-source -s 25 -m 500 -f jane@acme-corp.com -t alice@example.com \
    -F "$tmp/reply.eml" "127.0.0.1:$PF_PORT" &
b=$!
peak_threads=0
while kill -0 $a 2>/dev/null || kill -0 $b 2>/dev/null; do
	t=$(awk '/^Threads/ { print $2 }' "/proc/$MPID/status")
	[ "$t" -gt "$peak_threads" ] && peak_threads=$t
	sleep 0.05
done
wait $a $b
echo "milter_rss_idle: $rss0 KiB"
echo "milter_peak_rss_50_sessions: $(awk '/^VmHWM/ { print $2 }' "/proc/$MPID/status") KiB"
echo "milter_peak_threads_50_sessions: $peak_threads threads"
grep -c 'outcome=' "$tmp/cadence.log" | sed 's/^/milter_inbound_recorded: /; s/$/ messages/'
