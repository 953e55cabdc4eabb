#!/bin/bash
# postfix.sh: cadence-milter attached to a real, private Postfix relaying
# to smtp-sink (tests/e2e/postfix-lib.sh). Covers enrollment by BCC with
# and without +NAME, refusal from an untrusted sender, a reply halting the
# enrollment, an out-of-office pausing it, a DSN to the VERP address and a
# bounce Postfix writes itself (internal_mail_filter_classes = bounce),
# both halting and suppressing; the cadence and VERP recipients removed;
# the original mail delivered byte for byte but for the X-Cadence fields
# (those it arrived with removed, at most ours added); SIGHUP reload,
# SIGTERM clean stop, and mail flowing with the milter dead.
# Usage: postfix.sh MILTER STORETOOL SOURCE_DIR (as root)
set -u
milter=$1 storetool=$2 src=$(cd "$3" && pwd)
. "$src/tests/e2e/postfix-lib.sh"
data=$src/tests/data/milter
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cad-pf-XXXXXX")
chmod 755 "$tmp"
MPID=

cleanup() {
	pf_stop
	sink_stop
	reject_sink_stop
	[ -n "$MPID" ] && kill "$MPID" 2>/dev/null && wait "$MPID" 2>/dev/null
	[ -n "${CAD_KEEP_TMP:-}" ] || rm -rf "$tmp"
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*"
	echo "--- maillog"
	pf_log | tail -40
	echo "--- milter"
	tail -40 "$tmp/milter.log"
	exit 1
}
ok() { echo "ok - $*"; }

if [ "$(id -u)" -ne 0 ]; then
	echo "postfix.sh: needs root (a private Postfix)" >&2
	exit 77
fi

# --- the milter ----------------------------------------------------------
mkdir -p "$tmp/store" "$tmp/run"
chown postfix "$tmp/store" "$tmp/run"
conf=$tmp/cadence.conf
cat >"$conf" <<CONF
[store]
path = $tmp/store
[milter]
socket = unix:$tmp/run/milter.sock
enroll_address = cadence@example.com
default_cadence = cold
bounce_address = bounces@example.com
unsubscribe_address = unsubscribe@example.com
task_address = tasks@example.com
trusted_networks = 127.0.0.1/32
rep_domains = example.com
pid_file = $tmp/run/milter.pid
# smtp-sink refuses with 500 5.3.0, a soft bounce: one is enough here.
soft_bounce_limit = 1
[sender]
timezone = UTC
[cadences]
dir = $data/cadences.d
templates = $data/templates
CONF

start_milter() {
	"$milter" -f -d -u postfix -c "$conf" >>"$tmp/milter.log" 2>&1 &
	MPID=$!
	for _ in $(seq 100); do
		[ -S "$tmp/run/milter.sock" ] && [ -s "$tmp/run/milter.pid" ] &&
			return 0
		sleep 0.1
	done
	fail "milter did not start"
}

dump() { "$storetool" "$conf" dump; }

# state ADDRESS: the state of the newest enrollment of ADDRESS
state() {
	dump | awk -v a="$1" '$1 == "enrollment" && $3 == a { s = $4 } END { print s }'
}

# token ADDRESS KIND: verp, unsub or task token of ADDRESS
token() {
	dump | awk -v a="$1" -v k="$2=" '$1 == "enrollment" && $3 == a {
		for (i = 5; i <= NF; i++) if (index($i, k) == 1)
			t = substr($i, length(k) + 1) } END { print t }'
}

# send FILE FROM RCPTS [CLIENT_IP]: one message through the relay
send() {
	swaks --server "127.0.0.1:$PF_PORT" --local-interface "${4:-127.0.0.1}" \
	    --from "$2" --to "$3" --data "$1" >>"$tmp/swaks.log" 2>&1 ||
		fail "swaks $1 from $2 to $3"
}

# same FILE SINKFILE: the relayed message is the original byte for byte,
# once the relay's Received header and X-Cadence are taken away from it
# and X-Cadence from the original
same() {
	sink_message "$2" | strip_first_header Received |
	    strip_header X-Cadence >"$tmp/got"
	tr -d '\r' <"$1" | strip_header X-Cadence >"$tmp/want"
	# smtp-sink ends the file with a blank line of its own.
	sed -i -e :a -e '/^\n*$/{$d;N;ba' -e '}' "$tmp/got" "$tmp/want"
	cmp -s "$tmp/want" "$tmp/got" || {
		diff -u "$tmp/want" "$tmp/got"
		fail "$1 not delivered unchanged"
	}
}

# xcadence SINKFILE: the X-Cadence fields (any case) of the relayed
# message, one a line, unfolded
xcadence() {
	sink_message "$1" | awk '
		/^$/ { exit }
		/^[ \t]/ { if (keep) printf " %s", $0; next }
		{ if (keep) print ""; keep = tolower($0) ~ /^x-cadence:/
		  if (keep) printf "%s", $0 }
		END { if (keep) print "" }'
}

start_milter
pf_init "$tmp/pf" || fail "pf_init"
milters="{ unix:$tmp/run/milter.sock, default_action=accept, connect_timeout=5s, command_timeout=10s, content_timeout=30s }"
pf_conf "smtpd_milters = $milters" "non_smtpd_milters = $milters" \
    "milter_default_action = accept" \
    "internal_mail_filter_classes = bounce" || fail "postconf"
sink_start || fail "sink"
# dead.example's server refuses every recipient: the relay bounces.
reject_sink_start || fail "reject sink"
pf_conf "transport_maps = inline:{ {dead.example = smtp:[127.0.0.1]:$REJECT_PORT} }" ||
	fail "postconf"
pf_start || fail "postfix start"

# --- enrollment by BCC, default cadence -----------------------------------
cat >"$tmp/enroll.eml" <<'MSG'
From: Alice Martin <alice@example.com>
To: "Jane Doe" <jane@acme-corp.com>
Subject: Intro: cutting follow-up time
Message-ID: <pf-root-1@mail.example.com>
X-Cadence: replied cold step 2 id 1
Date: Mon, 02 Nov 2026 09:00:00 +0000
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

Hi Jane,

A short note about follow-ups.
.leading dot and trailing spaces   
Alice
MSG
send "$tmp/enroll.eml" alice@example.com \
    "jane@acme-corp.com,cadence@example.com"
[ "$(state jane@acme-corp.com)" = active ] || fail "jane not enrolled"
dump | grep -q '^enrollment [0-9]* jane@acme-corp.com active cold alice@example.com' ||
	fail "jane not in cadence cold, owned by alice"
f=$(sink_wait '<pf-root-1@mail.example.com>') || fail "enrollment mail lost"
[ "$(sink_rcpts "$f")" = jane@acme-corp.com ] ||
	fail "cadence address not removed: $(sink_rcpts "$f")"
same "$tmp/enroll.eml" "$f"
[ -z "$(xcadence "$f")" ] ||
	fail "X-Cadence on the rep's mail: $(xcadence "$f")"
ok "enrollment by BCC (cold), cadence address removed, the X-Cadence it carried removed, mail otherwise unchanged"

# --- enrollment with +NAME, BCC only: nothing left to deliver -------------
for p in "Dave Dead <dave@dead.example>" "Bob Smith <bob@acme-corp.com>" \
    "Olga Out <olga@ooo-corp.example>"; do
	addr=${p#*<}
	addr=${addr%>}
	cat >"$tmp/hot.eml" <<MSG
From: Alice Martin <alice@example.com>
To: $p
Subject: Warm intro
Message-ID: <pf-hot-$addr>
Date: Mon, 02 Nov 2026 09:05:00 +0000

Hello
MSG
	send "$tmp/hot.eml" alice@example.com cadence+hot@example.com
	[ "$(state "$addr")" = active ] || fail "$addr not enrolled"
done
dump | grep -q '^enrollment [0-9]* bob@acme-corp.com active hot' ||
	fail "bob not in cadence hot"
pf_queue_empty || fail "queue"
grep -lF 'pf-hot-' "$tmp/pf/sink/"* 2>/dev/null && fail "BCC-only mail delivered"
ok "enrollment with +NAME (hot), the message to cadence+hot alone vanishes"

# --- untrusted sender -------------------------------------------------------
cat >"$tmp/evil.eml" <<'MSG'
From: mallory@evil.example.net
To: victim@acme-corp.com
Subject: hello
Message-ID: <pf-evil-1@evil.example.net>
Date: Mon, 02 Nov 2026 09:10:00 +0000

hello
MSG
send "$tmp/evil.eml" mallory@evil.example.net \
    "victim@acme-corp.com,cadence@example.com" 127.0.0.2
[ -z "$(state victim@acme-corp.com)" ] || fail "outsider enrolled someone"
f=$(sink_wait '<pf-evil-1@evil.example.net>') || fail "outsider's mail lost"
[ "$(sink_rcpts "$f")" = victim@acme-corp.com ] || fail "cadence address kept"
dump | grep -q '^event 0 refused .*mallory@evil.example.net' ||
	fail "refusal not recorded"
grep -q 'refused cadence=cold sender=mallory@evil.example.net' \
    "$tmp/milter.log" || fail "refusal not logged"
ok "untrusted sender enrolls nobody; logged and recorded"

# --- a reply halts ---------------------------------------------------------
cat >"$tmp/reply.eml" <<'MSG'
X-Cadence: unsubscribed cold step 1 id 1
From: Jane Doe <jane@acme-corp.com>
x-cadence: complaint
 cold step 1 id 1
To: Alice Martin <alice@example.com>
Subject: Re: Intro: cutting follow-up time
X-CADENCE: bounced
Message-ID: <pf-reply-1@acme-corp.com>
In-Reply-To: <pf-root-1@mail.example.com>
References: <pf-root-1@mail.example.com>
Date: Tue, 03 Nov 2026 10:00:00 +0000
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

Sounds good, can we talk on Thursday?

Jane
MSG
send "$tmp/reply.eml" jane@acme-corp.com alice@example.com 127.0.0.2
[ "$(state jane@acme-corp.com)" = replied ] || fail "reply did not halt"
f=$(sink_wait '<pf-reply-1@acme-corp.com>') || fail "reply lost"
[ "$(sink_rcpts "$f")" = alice@example.com ] || fail "reply recipient changed"
xcadence "$f" >"$tmp/xc"
[ "$(wc -l <"$tmp/xc")" -eq 1 ] &&
	grep -q '^X-Cadence: replied cold step 1 id [0-9]*$' "$tmp/xc" ||
	fail "the reply's X-Cadence fields are not ours alone: $(cat "$tmp/xc")"
same "$tmp/reply.eml" "$f"
ok "reply halts the enrollment; delivered to the rep with one X-Cadence, ours (three forged removed)"

# --- ordinary mail with a forged X-Cadence --------------------------------
cat >"$tmp/forged.eml" <<'MSG'
From: someone@elsewhere.example.net
To: alice@example.com
Subject: your invoice
X-Cadence: replied cold step 3 id 42
Message-ID: <pf-forged-1@elsewhere.example.net>
Date: Tue, 03 Nov 2026 10:30:00 +0000
x-cadence: replied hot step 1 id 7

see attached
MSG
send "$tmp/forged.eml" someone@elsewhere.example.net alice@example.com 127.0.0.2
f=$(sink_wait '<pf-forged-1@elsewhere.example.net>') || fail "forged mail lost"
[ -z "$(xcadence "$f")" ] ||
	fail "X-Cadence left on ordinary mail: $(xcadence "$f")"
same "$tmp/forged.eml" "$f"
ok "ordinary mail: the X-Cadence fields it carried removed, nothing else changed"

# --- SIGHUP reloads --------------------------------------------------------
kill -HUP "$MPID"
for _ in $(seq 50); do
	grep -q 'reload: configuration' "$tmp/milter.log" && break
	sleep 0.1
done
grep -q 'reload: configuration' "$tmp/milter.log" || fail "no reload on SIGHUP"
kill -0 "$MPID" || fail "SIGHUP stopped the milter"
ok "SIGHUP reloads the configuration and the milter keeps running"

# --- an out-of-office pauses -----------------------------------------------
cat >"$tmp/ooo.eml" <<'MSG'
From: Olga Out <olga@ooo-corp.example>
To: Alice Martin <alice@example.com>
Subject: Automatic reply: Warm intro
Message-ID: <pf-ooo-1@ooo-corp.example>
In-Reply-To: <pf-hot-olga@ooo-corp.example>
Auto-Submitted: auto-replied
Date: Tue, 03 Nov 2026 10:00:00 +0000

I am out of the office until 2027-01-15.
MSG
send "$tmp/ooo.eml" olga@ooo-corp.example alice@example.com 127.0.0.2
[ "$(state olga@ooo-corp.example)" = paused ] || fail "OOO did not pause"
dump | grep -q '^enrollment [0-9]* olga@ooo-corp.example paused .*paused_until=1799971200' ||
	fail "not paused until 2027-01-15"
sink_wait '<pf-ooo-1@ooo-corp.example>' >/dev/null || fail "OOO not delivered"
ok "out-of-office pauses until the date it names"

# --- a DSN to the VERP address -----------------------------------------------
tok=$(token bob@acme-corp.com verp)
[ -n "$tok" ] || fail "no VERP token for bob"
cat >"$tmp/dsn.eml" <<MSG
From: Mail Delivery System <MAILER-DAEMON@mx.acme-corp.com>
To: bounces+$tok@example.com
Subject: Undelivered Mail Returned to Sender
Message-ID: <pf-dsn-1@mx.acme-corp.com>
Date: Tue, 03 Nov 2026 10:00:00 +0000
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B"

--B
Content-Type: text/plain

Your message could not be delivered.

--B
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.acme-corp.com

Final-Recipient: rfc822; bob@acme-corp.com
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 <bob@acme-corp.com>: user unknown

--B--
MSG
send "$tmp/dsn.eml" "" "bounces+$tok@example.com" 127.0.0.2
[ "$(state bob@acme-corp.com)" = bounced ] || fail "DSN did not bounce bob"
dump | grep -q '^suppressed bob@acme-corp.com' || fail "bob not suppressed"
pf_queue_empty || fail "queue"
grep -lF 'pf-dsn-1@mx.acme-corp.com' "$tmp/pf/sink/"* 2>/dev/null &&
	fail "the DSN to the VERP address was delivered, not consumed"
ok "DSN to the VERP address: bounced, suppressed, recipient removed"

# --- a bounce Postfix writes itself ----------------------------------------
tok=$(token dave@dead.example verp)
cat >"$tmp/step.eml" <<'MSG'
From: Alice Martin <alice@example.com>
To: Dave Dead <dave@dead.example>
Subject: Re: Warm intro
Message-ID: <pf-step2-dave@mail.example.com>
Date: Thu, 05 Nov 2026 09:00:00 +0000

Following up.
MSG
send "$tmp/step.eml" "bounces+$tok@example.com" dave@dead.example
for _ in $(seq 100); do
	[ "$(state dave@dead.example)" = bounced ] && break
	sleep 0.2
done
[ "$(state dave@dead.example)" = bounced ] ||
	fail "Postfix's own bounce not seen (internal_mail_filter_classes)"
dump | grep -q '^suppressed dave@dead.example' || fail "dave not suppressed"
pf_queue_empty || fail "queue"
grep -lF 'pf-step2-dave@mail.example.com' "$tmp/pf/sink/"* 2>/dev/null &&
	fail "Postfix's bounce to the VERP address was delivered"
ok "Postfix-generated bounce to the VERP address: bounced (soft_bounce_limit), consumed"

# --- SIGTERM stops cleanly; mail flows without the milter ------------------
kill -TERM "$MPID"
wait "$MPID"
rc=$?
MPID=
[ "$rc" -eq 0 ] || fail "milter exited $rc on SIGTERM"
grep -q 'cadence-milter: stopped' "$tmp/milter.log" || fail "no clean stop"
[ -e "$tmp/run/milter.pid" ] && fail "pid file left behind"
start_milter
kill -KILL "$MPID"
wait "$MPID" 2>/dev/null
MPID=
cat >"$tmp/dead.eml" <<'MSG'
From: someone@elsewhere.example.net
To: alice@example.com
Subject: while the milter is down
Message-ID: <pf-dead-1@elsewhere.example.net>
Date: Tue, 03 Nov 2026 12:00:00 +0000

hello
MSG
t0=$(date +%s)
send "$tmp/dead.eml" someone@elsewhere.example.net alice@example.com 127.0.0.2
f=$(sink_wait '<pf-dead-1@elsewhere.example.net>') ||
	fail "mail not accepted with the milter dead"
[ $(($(date +%s) - t0)) -lt 15 ] || fail "mail delayed with the milter dead"
same "$tmp/dead.eml" "$f"
ok "SIGTERM stops cleanly; with the milter killed Postfix accepts mail"
grep -q 'Sanitizer' "$tmp/milter.log" && fail "sanitizer report in the milter's log"
echo "all Postfix integration tests passed"
