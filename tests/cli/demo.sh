#!/bin/sh
# demo.sh: a two-week run of cadence without Postfix, driven by cadencectl:
# 200 prospects imported from a CRM export into two cadences, the real
# cadence-sender delivering every step to cad-sink (which refuses the
# bounce-* addresses with 550 5.1.1), prospects answering through
# `cadencectl ingest` (replies, out-of-office, unsubscribes), reps
# answering task reminders with `cadencectl done` / `skip`; then the
# statistics and the HTML report (and a screenshot when Chromium is there).
#
# Usage: tests/cli/demo.sh BUILD_DIR [OUT_DIR]
set -eu
build=$(cd "${1:?usage: demo.sh BUILD_DIR [OUT_DIR]}" && pwd)
out=${2:-$build/cli-demo}
src=$(cd "$(dirname "$0")/../.." && pwd)
ctl="$build/cli/cadencectl"
sender="$build/sender/cadence-sender"
sink="$build/tests/tools/cad-sink"
for p in "$ctl" "$sender" "$sink"; do
	[ -x "$p" ] || { echo "demo.sh: $p is not built" >&2; exit 1; }
done
rm -rf "$out"
mkdir -p "$out/sink"
work=$(mktemp -d)
sinkpid=
cleanup() {
	[ -n "$sinkpid" ] && kill "$sinkpid" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT INT TERM
keep=${KEEP:-}

"$sink" -l 127.0.0.1:0 -p "$work/port" -d "$out/sink" &
sinkpid=$!
i=0
while [ ! -s "$work/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
port=$(cat "$work/port")

conf="$work/cadence.conf"
cat > "$conf" <<CONF
[store]
path = $work/store
[milter]
socket = unix:$work/milter.sock
enroll_address = cadence@example.com
default_cadence = cold
bounce_address = bounces@example.com
unsubscribe_address = unsubscribe@example.com
trusted_networks = 127.0.0.0/8
rep_domains = example.com
[sender]
relay = 127.0.0.1:$port
starttls = no
daily_cap_per_rep = 10000
rate_per_minute = 100000
domain_rate_per_hour = 100000
min_gap_seconds = 0
window = 09:00-17:00
days = mon-fri
timezone = UTC
[cadences]
dir = $src/conf/cadences.d
templates = $src/conf/templates
[rep alice@example.com]
name = Alice Martin
signature = Alice Martin, Example Inc.
[rep bob@example.com]
name = Bob Stone
signature = Bob Stone, Example Inc.
CONF
export CADENCE_CONF="$conf"

# The CRM export: every 15th address is refused by the "internet".
csv="$work/leads.csv"
printf 'Email,First Name,Last Name,Company,Title\r\n' > "$csv"
n=1
while [ $n -le 200 ]; do
	local=p$n
	[ $((n % 15)) -eq 0 ] && local=bounce-p$n
	printf '%s@co%d.example,P%d,Demo,"Company %d, Inc.",Buyer\r\n' \
	    "$local" "$n" "$n" "$n" >> "$csv"
	n=$((n + 1))
done
head -n 121 "$csv" > "$work/cold.csv"
{ head -n 1 "$csv"; tail -n 80 "$csv"; } > "$work/inbound.csv"
start=2026-11-02
"$ctl" --at ${start}T08:00:00Z import --cadence cold --rep alice@example.com \
    "$work/cold.csv"
"$ctl" --at ${start}T08:00:00Z import --cadence inbound \
    --rep bob@example.com "$work/inbound.csv"

day() { date -u -d "$start + $1 days" +%F; }

# A message from prospect N to its rep, recorded as the milter would.
mail_from() { # N REP KIND DATE
	addr="p$1@co$1.example"
	case $3 in
	reply) hdr=""; subj="Re: your note"
	       body="Thanks, this sounds useful. Could we talk on Thursday?" ;;
	ooo)   hdr="Auto-Submitted: auto-replied"
	       subj="Out of Office: your note"
	       body="I am out of the office until $(day 12) with no access to mail." ;;
	unsub) hdr=""; subj="Re: your note"
	       body="Please unsubscribe me and remove me from your list." ;;
	esac
	{
		printf 'From: P%s Demo <%s>\r\nTo: %s\r\n' "$1" "$addr" "$2"
		printf 'Subject: %s\r\nDate: %s\r\n' "$subj" \
		    "$(date -u -R -d "$4 12:00")"
		printf 'Message-ID: <%s.%s@co%s.example>\r\n' "$3" "$1" "$1"
		[ -n "$hdr" ] && printf '%s\r\n' "$hdr"
		printf '\r\n%s\r\n' "$body"
	} | "$ctl" --at "$4T12:00:00Z" ingest --sender "$addr" --recipient "$2" \
	    >/dev/null 2>>"$out/ingest.log"
}

rep_of() { [ "$1" -le 120 ] && echo alice@example.com || echo bob@example.com; }

d=0
while [ $d -le 16 ]; do
	today=$(day $d)
	"$sender" -c "$conf" --once --at "${today}T16:00:00Z" >>"$out/sender.log" 2>&1 ||
	    echo "demo.sh: cadence-sender failed on $today (see $out/sender.log)" >&2
	n=1
	while [ $n -le 200 ]; do
		[ $((n % 15)) -eq 0 ] && { n=$((n + 1)); continue; }
		if [ $d -eq 3 ] && [ $((n % 7)) -eq 3 ]; then
			mail_from $n "$(rep_of $n)" reply "$today"
		elif [ $d -eq 9 ] && [ $((n % 11)) -eq 5 ]; then
			mail_from $n "$(rep_of $n)" reply "$today"
		elif [ $d -eq 4 ] && [ $((n % 13)) -eq 2 ]; then
			mail_from $n "$(rep_of $n)" ooo "$today"
		elif [ $d -eq 6 ] && [ $((n % 17)) -eq 4 ]; then
			mail_from $n "$(rep_of $n)" unsub "$today"
		fi
		n=$((n + 1))
	done
	# Reps answer most task reminders the next morning.
	for id in $("$ctl" list --state waiting --csv | awk -F, 'NR > 1 { print $1 }'); do
		at="${today}T18:00:00Z"
		case $((id % 6)) in
		0|1) "$ctl" --at "$at" done "$id" >/dev/null ;;
		2) "$ctl" --at "$at" done --outcome connected "$id" >/dev/null ;;
		3) [ $((id % 4)) -eq 3 ] && "$ctl" --at "$at" done --outcome meeting "$id" >/dev/null ||
		   "$ctl" --at "$at" skip "$id" >/dev/null ;;
		*) ;; # left for the timeout, or overdue
		esac
	done
	d=$((d + 1))
done

end="$(day 17)T09:00:00Z"
echo "== cadencectl stats (at $end)"
"$ctl" --at "$end" stats | tee "$out/stats.txt"
echo
echo "== cadencectl stats --by cadence --csv"
"$ctl" --at "$end" stats --by cadence --csv | tee "$out/stats-by-cadence.csv"
"$ctl" --at "$end" stats --json > "$out/stats.json"
"$ctl" --at "$end" stuck > "$out/stuck.txt" || true
"$ctl" --at "$end" report --title "cadence demo" --html "$out/report.html"
echo "messages delivered to the sink: $(ls "$out/sink" | wc -l)"
if [ -x /usr/bin/chromium ]; then
	timeout 90 chromium --headless --no-sandbox --disable-gpu \
	    --disable-quic --no-first-run --disable-background-networking \
	    --disable-component-update --disable-sync --hide-scrollbars \
	    --user-data-dir="$work/chromium" --window-size=1200,2600 \
	    --screenshot="$out/report.png" "file://$out/report.html" \
	    >/dev/null 2>&1 && echo "screenshot: $out/report.png"
fi
echo "report: $out/report.html"
