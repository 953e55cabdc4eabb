#!/bin/sh
# demo.sh: cadence in a minute. A private Postfix on loopback with
# cadence-milter attached, a sink playing "the internet", and ten days of
# a cold cadence run forward with cadence-sender --once --at: a rep BCCs
# the cadence address on a real email to three prospects; one replies on
# day 4, one's mailbox is closed and bounces, one goes on to the break-up
# email; the rep answers a task reminder "done". What happened is printed
# as it happens, from the mail the sink received and the store's states.
#
# Usage: tests/e2e/demo.sh [--keep DIR] BUILD_DIR
#   --keep DIR  run in DIR (emptied first) and keep it: the sink's
#               messages (sink/), the states after each stage (states/),
#               each prospect's history (show/), the logs; the end-to-end
#               test (tests/e2e/test_e2e.c) checks them.
# Needs root (Postfix), postfix and swaks (packaging/install-deps).
# Exits 0 when the scenario ran, 1 when a step failed, 77 when it cannot
# run here (not root, Postfix missing).
set -u

# Day 1 of the story: a Monday. Every step leaves at 10:00 UTC on its day.
DAY1=2026-03-02
# The longest wait for a daemon to start or stop; each takes milliseconds.
DAEMON_WAIT_TENTHS=100

keep=""
if [ "${1:-}" = "--keep" ]; then
	keep=$2
	shift 2
fi
[ $# -eq 1 ] || { echo "usage: demo.sh [--keep DIR] BUILD_DIR" >&2; exit 64; }
src=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "$1" 2>/dev/null && pwd) || { echo "demo: no build directory $1" >&2; exit 1; }

milter=$build/milter/cadence-milter
sender=$build/sender/cadence-sender
ctl=$build/cli/cadencectl
sinkbin=$build/tests/tools/cad-sink

die() { echo "demo: $*" >&2; exit 1; }
skip() { echo "demo: $*" >&2; exit 77; }

[ "$(id -u)" -eq 0 ] || skip "run as root: it starts a private Postfix (sudo make demo)"
command -v postfix >/dev/null || skip "postfix is missing (packaging/install-deps)"
command -v swaks >/dev/null || skip "swaks is missing (packaging/install-deps)"
getent passwd postfix >/dev/null || skip "no postfix user"
for b in "$milter" "$sender" "$ctl" "$sinkbin"; do
	[ -x "$b" ] || die "$b is not built (make)"
done
. "$src/tests/e2e/postfix-lib.sh"

if [ -n "$keep" ]; then
	rm -rf "$keep"
	mkdir -p "$keep" || die "cannot create $keep"
	W=$(cd "$keep" && pwd)
else
	W=$(mktemp -d /tmp/cadence-demo.XXXXXX) || die "mktemp"
fi
mkdir -p "$W/sink" "$W/run" "$W/store" "$W/states" "$W/show" "$W/mail" "$W/log"
# Postfix's smtpd and cleanup (user postfix) must reach the milter's
# socket; the milter drops to the postfix user for that, so the store is
# the postfix group's, setgid, for files root's cadencectl creates.
chmod 755 "$W"
chown postfix:postfix "$W/run" "$W/store"
chmod 2770 "$W/store"
conf=$W/cadence.conf
: >"$W/sink.rules"

milter_pid=""
sink_pid=""
cleanup() {
	stop_milter
	wait_milters
	[ -n "$sink_pid" ] && kill "$sink_pid" 2>/dev/null && wait "$sink_pid" 2>/dev/null
	pf_stop
	# A sanitizer build of the daemons reports at exit: show and fail.
	if grep -l "Sanitizer\|runtime error:" "$W"/log/*.log 2>/dev/null; then
		cat "$W"/log/*.log >&2
		status=1
	fi
	[ -n "$keep" ] || rm -rf "$W"
}
status=0
trap 'rc=$?; cleanup; [ $status -eq 0 ] || rc=$status; exit $rc' EXIT
trap 'exit 1' INT TERM

# ---- the day and the story's clock ----
day_date() { date -u -d "$DAY1 +$(($1 - 1)) days" +%F; }
day_time() { echo "$(day_date "$1")T$2:00Z"; }
day_label() { date -u -d "$(day_date "$1")" "+%a %d %b"; }
say() { printf 'day %2s  %s\n' "$1" "$2"; }
note() { printf '        %s\n' "$1"; }

# ---- daemons ----
# The milter's clock is the story's: each event runs under a milter
# started with CAD_FAKE_NOW at that time. A milter takes seconds to stop
# (libmilter's listener notices smfi_stop on its next poll), so the next
# one starts first on a socket of its own, Postfix's path (a symlink) is
# switched to it in one rename, and the old one stops in the background.
milter_n=0
old_milters=""
stop_milter() {
	[ -n "$milter_pid" ] || return 0
	kill "$milter_pid" 2>/dev/null
	old_milters="$old_milters $milter_pid"
	milter_pid=""
}

# wait_milters: every milter stopped has exited (at the end).
wait_milters() {
	for p in $old_milters; do
		i=0
		while kill -0 "$p" 2>/dev/null && [ $i -lt $DAEMON_WAIT_TENTHS ]; do
			sleep 0.1
			i=$((i + 1))
		done
		wait "$p" 2>/dev/null
	done
	old_milters=""
}

# start_milter TIME: a milter whose clock reads TIME, attached to Postfix.
start_milter() {
	milter_n=$((milter_n + 1))
	sock=$W/run/milter-$milter_n.sock
	mconf=$W/run/milter-$milter_n.conf
	sed "s|^socket = .*|socket = unix:$sock|" "$conf" >"$mconf"
	# shellcheck disable=SC2086
	CAD_FAKE_NOW=$1 "$milter" -f ${CAD_DEMO_MILTER_FLAGS:-} -c "$mconf" \
		>>"$W/log/milter.log" 2>&1 &
	new=$!
	i=0
	until [ -S "$sock" ]; do
		kill -0 "$new" 2>/dev/null || { cat "$W/log/milter.log" >&2; die "cadence-milter exited"; }
		[ $i -lt $DAEMON_WAIT_TENTHS ] || die "cadence-milter made no socket"
		sleep 0.1
		i=$((i + 1))
	done
	ln -sf "milter-$milter_n.sock" "$W/run/milter.sock.new"
	mv -T "$W/run/milter.sock.new" "$W/run/milter.sock"
	stop_milter
	milter_pid=$new
}

# ---- the sink's messages ----
# hdr FILE NAME: the value of the first NAME header, unfolded.
hdr() {
	awk -v n="$2" '
		{ sub(/\r$/, "") }
		/^$/ { exit }
		/^[ \t]/ { if (on) v = v " " substr($0, 2); next }
		on { done = 1; exit }
		tolower(substr($0, 1, length(n) + 1)) == tolower(n ":") {
			on = 1; v = substr($0, length(n) + 2); sub(/^[ \t]+/, "", v)
		}
		END { if (on) print v }' "$1"
}
rcpts() { sed -n 's/^X-Sink-Rcpt-To: <\(.*\)>\r*$/\1/p' "$1" | paste -sd, - | sed 's/,/, /g'; }
mailfrom() { sed -n '1s/^X-Sink-Mail-From: <\(.*\)>\r*$/\1/p' "$1"; }

# The sink's files in the order it stored them (T.PID.SEQ.eml).
sink_files() { ls "$W/sink" | grep '\.eml$' | sort -t. -k3,3n | sed "s|^|$W/sink/|"; }

# new_mail DAY: one line for each message the sink got since the last call.
seen=$W/sink.seen
: >"$seen"
new_mail() {
	for f in $(sink_files); do
		grep -qxF "$f" "$seen" && continue
		echo "$f" >>"$seen"
		from=$(mailfrom "$f")
		subj=$(hdr "$f" Subject)
		case $from in
		"") say "$1" "the internet receives a bounce for $(rcpts "$f"): \"$subj\"" ;;
		cadence-tasks*|cadence@*) say "$1" "cadence-sender reminds $(rcpts "$f"): \"$subj\"" ;;
		bounces+*) say "$1" "cadence-sender sends $(hdr "$f" From | sed 's/.*<\(.*\)>.*/\1/')'s follow-up to $(rcpts "$f"): \"$subj\"" ;;
		*) say "$1" "$from's mail reaches $(rcpts "$f"): \"$subj\"" ;;
		esac
	done
}

# ---- the store's states ----
snap=0
# states LABEL DAY: save `cadencectl list --json` and print what changed.
states() {
	snap=$((snap + 1))
	out=$W/states/$(printf '%02d' $snap)-$1.jsonl
	CAD_FAKE_NOW=$(day_time "$2" 18:00) "$ctl" -c "$conf" --json list >"$out" ||
		die "cadencectl list failed"
	prev=$W/states/last.tsv
	now=$W/states/now.tsv
	sed -n 's/.*"address":"\([^"]*\)".*"state":"\([^"]*\)".*/\1 \2/p' "$out" | sort >"$now"
	[ -f "$prev" ] || : >"$prev"
	join -a 2 "$prev" "$now" | while read -r who a b; do
		if [ -z "${b:-}" ]; then
			say "$2" "$who: $a"
		elif [ "$a" != "$b" ]; then
			say "$2" "$who: $a -> $b"
		fi
	done
	mv "$now" "$prev"
}

# ---- mail through Postfix, as a client would send it ----
# submit FROM RCPT[,RCPT...] FILE
submit() {
	swaks --server "127.0.0.1:$smtp_port" --from "$1" --to "$2" \
		--data "$3" >>"$W/log/swaks.log" 2>&1 ||
		{ tail -20 "$W/log/swaks.log" >&2; die "Postfix refused mail from $1"; }
	pf_queue_empty || die "Postfix did not deliver"
}

# run_sender DAY: the sender, once, at 10:00 of DAY.
run_sender() {
	"$sender" -c "$conf" --once --at "$(day_time "$1" 10:00)" \
		>"$W/log/sender-day$1.out" 2>>"$W/log/sender.log" ||
		{ tail -20 "$W/log/sender.log" >&2; die "cadence-sender failed on day $1"; }
	# A bounce Postfix writes is queued (and seen by the milter) before
	# the message it returns leaves the queue, so the queue empties once;
	# relay_bounces then reads the log, which postlogd writes after the
	# fact: wait for it to catch up.
	pf_queue_empty || die "Postfix did not deliver"
	pf_log_sync || die "Postfix's log did not catch up"
}

# relay_bounces DAY: one line for each recipient Postfix gave up on since
# the last call (from its log): the remote's answer and the DSN it wrote.
bounces_seen=0
relay_bounces() {
	n=0
	pf_log | grep 'status=bounced' | while read -r line; do
		n=$((n + 1))
		[ $n -gt $bounces_seen ] || continue
		to=$(echo "$line" | sed -n 's/.* to=<\([^>]*\)>.*/\1/p')
		why=$(echo "$line" | sed -n 's/.*said: \([0-9][0-9][0-9] [^(]*[^( ]\) *(.*/\1/p')
		say "$1" "the internet refuses $to ($why); Postfix returns a DSN to the VERP address"
	done
	bounces_seen=$(pf_log | grep -c 'status=bounced')
}

# answer_tasks DAY: the rep answers "done" to each new task reminder.
answer_tasks() {
	for f in $(sink_files); do
		grep -qxF "$f" "$W/answered" 2>/dev/null && continue
		case $(hdr "$f" Subject) in Task:*) ;; *) continue ;; esac
		echo "$f" >>"$W/answered"
		to=$(hdr "$f" Reply-To)
		id=$(hdr "$f" Message-Id)
		n=$(wc -l <"$W/answered")
		m=$W/mail/answer-day$1-$n.eml
		{
			printf 'From: Alice Martin <alice@example.com>\r\n'
			printf 'To: %s\r\n' "$to"
			printf 'Subject: Re: %s\r\n' "$(hdr "$f" Subject)"
			printf 'Date: %s\r\n' "$(date -u -R -d "$(day_date "$1") 11:00")"
			printf 'Message-ID: <answer-%s-%s@laptop.example.com>\r\n' "$1" "$n"
			printf 'In-Reply-To: %s\r\nReferences: %s\r\n\r\n' "$id" "$id"
			printf 'done\r\n\r\nOn %s, Cadence tasks wrote:\r\n> %s\r\n' \
				"$(day_date "$1")" "$(hdr "$f" Subject)"
		} >"$m"
		say "$1" "alice@example.com answers \"done\" to \"$(hdr "$f" Subject)\""
		submit alice@example.com "$to" "$m"
	done
}

# ---- the stage ----
# tests/e2e/postfix-lib.sh lays out the instance and picks the ports.
pf_init "$W/postfix" || die "Postfix setup failed"
smtp_port=$PF_PORT
sink_port=$SINK_PORT
"$sinkbin" -l "127.0.0.1:$sink_port" -p "$W/sink.port" -d "$W/sink" \
	-f "$W/sink.rules" 2>>"$W/log/sink.log" &
sink_pid=$!
i=0
until [ -s "$W/sink.port" ]; do
	kill -0 "$sink_pid" 2>/dev/null || die "cad-sink did not start: $(cat "$W/log/sink.log")"
	[ $i -lt $DAEMON_WAIT_TENTHS ] || die "cad-sink did not start"
	sleep 0.1
	i=$((i + 1))
done

cat >"$conf" <<EOF
# The demo's configuration (tests/e2e/demo.sh): the repository's cadences
# and templates, every day a sending day, no jitter and no throttles, so
# that each step leaves at 10:00 on its day.
[store]
path = $W/store

[milter]
socket = unix:$W/run/milter.sock
enroll_address = cadence@example.com
default_cadence = cold
bounce_address = bounces@example.com
unsubscribe_address = unsubscribe@example.com
trusted_networks = 127.0.0.0/8
rep_domains = example.com
# Postfix's smtpd and cleanup reach the socket as its owner.
user = postfix

[sender]
relay = 127.0.0.1:$smtp_port
starttls = no
daily_cap_per_rep = 0
rate_per_minute = 0
domain_rate_per_hour = 0
min_gap_seconds = 0
window = 09:00-17:00
days = mon-sun
timezone = UTC
jitter_minutes = 0

[cadences]
dir = $src/conf/cadences.d
templates = $src/conf/templates

[rep alice@example.com]
name = Alice Martin
signature = Alice Martin\nAccount Executive, Example Inc.
EOF
"$ctl" -c "$conf" check-config >"$W/log/check-config.out" 2>&1 ||
	{ cat "$W/log/check-config.out" >&2; die "the demo's configuration is invalid"; }

# The milter as docs/postfix.md attaches it; Postfix's own DSNs reach it
# through non_smtpd_milters. The relay's own bounces come from
# MAILER-DAEMON@example.com (myorigin = $mydomain, a rep domain, as on
# most relays): the milter never takes MAILER-DAEMON for a rep.
pf_conf "smtpd_milters = { unix:$W/run/milter.sock, default_action=accept, connect_timeout=5s, command_timeout=10s, content_timeout=30s }" \
	"non_smtpd_milters = \$smtpd_milters" \
	"internal_mail_filter_classes = bounce" \
	"milter_default_action = accept" \
	"milter_protocol = 6" || die "Postfix setup failed"
pf_start || die "Postfix did not start"
start_milter "$(day_time 1 09:00)"

echo "cadence demo: Postfix on 127.0.0.1:$smtp_port with cadence-milter, the internet on 127.0.0.1:$sink_port"
echo "cadence \"cold\" ($src/conf/cadences.d/cold.conf): day 2 LinkedIn task, day 4 email, day 6 call, day 8 email, day 10 break-up email"
echo

# Day 1: the rep's own email, the cadence address in BCC (envelope only).
first=$W/mail/first.eml
{
	printf 'From: Alice Martin <alice@example.com>\r\n'
	printf 'To: Bob Stone <bob@acme.test>, Carol Reyes <carol@globex.test>,\r\n Dave Kim <dave@initech.test>\r\n'
	printf 'Subject: Quick question about your outbound\r\n'
	printf 'Date: %s\r\n' "$(date -u -R -d "$DAY1 10:00")"
	printf 'Message-ID: <first.%s@laptop.example.com>\r\n\r\n' "$DAY1"
	printf 'Hi all,\r\n\r\nhow do your reps know which follow-ups went out?\r\n\r\nAlice\r\n'
} >"$first"
start_milter "$(day_time 1 10:00)"
say 1 "$(day_label 1): alice@example.com writes to three prospects, BCC cadence@example.com"
submit alice@example.com bob@acme.test,carol@globex.test,dave@initech.test,cadence@example.com "$first"
new_mail 1
states day01-enrolled 1

for d in 2 3 4 5 6 7 8 9 10; do
	start_milter "$(day_time $d 10:00)"
	if [ $d -eq 4 ]; then
		# Carol's mailbox was closed on day 3: the internet says 550,
		# and Postfix writes the DSN to the follow-up's VERP address.
		echo "rcpt carol@globex.test 550 5.1.1 <carol@globex.test>: mailbox closed" >"$W/sink.rules"
	fi
	before=$(sink_files | wc -l)
	run_sender $d
	if [ "$(sink_files | wc -l)" -eq "$before" ]; then
		say $d "$(day_label $d): nothing due"
	else
		say $d "$(day_label $d): cadence-sender --once --at $(day_time $d 10:00)"
	fi
	new_mail $d
	relay_bounces $d
	states "day$(printf %02d $d)-sent" $d
	start_milter "$(day_time $d 11:00)"
	answer_tasks $d
	if [ $d -eq 4 ]; then
		# Bob answers the follow-up in its thread.
		f=""
		for g in $(sink_files); do
			if grep -q '^X-Sink-Rcpt-To: <bob@acme.test>' "$g" &&
				[ "$(mailfrom "$g" | cut -c1-8)" = bounces+ ]; then
				f=$g
			fi
		done
		[ -n "$f" ] || die "no day-4 follow-up to bob@acme.test reached the sink"
		id=$(hdr "$f" Message-Id)
		refs=$(hdr "$f" References)
		reply=$W/mail/reply-bob.eml
		start_milter "$(day_time 4 14:00)"
		{
			printf 'From: Bob Stone <bob@acme.test>\r\n'
			printf 'To: Alice Martin <alice@example.com>\r\n'
			printf 'Subject: %s\r\n' "$(hdr "$f" Subject)"
			printf 'Date: %s\r\n' "$(date -u -R -d "$(day_date 4) 14:00")"
			printf 'Message-ID: <reply.bob@mail.acme.test>\r\n'
			printf 'In-Reply-To: %s\r\nReferences: %s %s\r\n\r\n' "$id" "$refs" "$id"
			printf 'Hi Alice,\r\n\r\ngood timing, we were just talking about this.\r\n'
			printf 'Can you do Thursday at 3pm?\r\n\r\nBob\r\n'
		} >"$reply"
		say 4 "bob@acme.test replies in the thread (In-Reply-To $id)"
		submit bob@acme.test alice@example.com "$reply"
		new_mail 4
	fi
	states "day$(printf %02d $d)-after" $d
done
stop_milter

# What the store says, at the end of day 10.
end=$(day_time 10 18:00)
for p in bob@acme.test carol@globex.test dave@initech.test; do
	CAD_FAKE_NOW=$end "$ctl" -c "$conf" --json show "$p" >"$W/show/$p.json" ||
		die "cadencectl show $p failed"
done
CAD_FAKE_NOW=$end "$ctl" -c "$conf" --json suppress list >"$W/suppress.jsonl" ||
	die "cadencectl suppress list failed"
sed -n 's/.*"entry":"\([^"]*\)".*"reason":"\([^"]*\)".*/\1: \2/p' "$W/suppress.jsonl" |
	while read -r line; do say 10 "suppressed: $line"; done
echo
echo "cadencectl stats:"
CAD_FAKE_NOW=$end "$ctl" -c "$conf" stats | tee "$W/stats.txt" || die "cadencectl stats failed"
if [ -n "$keep" ]; then report=$W/report.html; else report=$build/demo-report.html; fi
CAD_FAKE_NOW=$end "$ctl" -c "$conf" report --html "$report" >/dev/null ||
	die "cadencectl report failed"
echo
echo "HTML report: $report"
[ -n "$keep" ] && echo "kept: $W (sink/, states/, show/, log/)"
exit 0
