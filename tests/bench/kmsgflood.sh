#!/usr/bin/env bash
# Kernel-log flood: lines/s that kmdash's kernel-log follower (`kmdash
# dmesg -f`, printing every record) ingests with zero loss by sequence
# number, against OpenSSH `ssh target cat /dev/kmsg > file` reading the
# same stream, in the same run.
#
# The target is a loopback OpenSSH sshd whose ForceCommand answers the
# follower's `cat /dev/kmsg` with tests/bench/kmsggen.c: /dev/kmsg-format
# records at 100k lines/s (then as fast as the reader takes them), so the
# figure is kmdash's, not the emulated guest's (an ARM64 TCG guest cannot
# produce 100k printk/s). Other commands (the link probe, boot id) run as
# usual. A writer that falls behind its schedule means the reader did not
# keep up: the producer's achieved rate is printed beside each figure.
#   KMDASH_BENCH_KMSG_SECS   flood length at 100k/s (default 10: 1M lines)
. "$(dirname "$0")/lib.sh"
. "$T_ROOT/tests/bench/flood.bash"
cd "$T_ROOT"

SECS=${KMDASH_BENCH_KMSG_SECS:-10}
RATE=100000
N=$((RATE * SECS))
flood_setup

ended() { tail -c 200 "$1" 2>/dev/null | grep -q 'kmsggen end'; }
# flood NAME RATE OUT CMD...: runs CMD (output to OUT) until the last
# record arrived; sets SEEN (lines/s from the generator's start to the end
# record at the reader) and PROD (the generator's report).
flood()
{
	local name=$1 rate=$2 out=$3 pid t1
	shift 3
	rm -f "$T_TMP/gen.report" "$out"
	flood_params "$rate" "$N"
	"$@" >"$out" 2>"$out.err" &
	pid=$!
	track_pid $pid
	if ! wait_until $((SECS * 10 + 30)) ended "$out"; then
		echo "$name: the flood did not arrive in $((SECS * 10 + 30)) s; its output ended:"
		tail -n 5 "$out" "$out.err" | cut -c1-300
		kill $pid
		return 1
	fi
	t1=$(now)
	kill -TERM $pid 2>/dev/null
	wait $pid 2>/dev/null
	kill_gens
	wait_until 5 test -s "$T_TMP/gen.report"
	PROD=$(cat "$T_TMP/gen.report")
	SEEN=$(awk -v s="${PROD%% *}" -v e="$t1" -v n="$N" 'BEGIN { printf "%.0f", n / (e - s) }')
}
# check_seq FILE: kmdash's output: every record 1..N once, no loss marker.
check_seq()
{
	awk -v n="$N" '
		/messages lost/ { lost++ }
		/kmsgflood: record/ { if (match($0, /#[0-9]+ /)) { s = substr($0, RSTART + 1, RLENGTH - 2) + 0; if (!(s in seen)) { seen[s] = 1; uniq++ } else dup++ } }
		END {
			printf "%d records, %d duplicates, %d lost markers", uniq, dup, lost
			for (i = 1; i <= n && m < 5; i++) if (!(i in seen)) { printf "%s #%d", m++ ? "" : "; missing:", i }
			exit !(uniq == n && lost == 0)
		}' "$1"
}
# check_raw FILE: /dev/kmsg lines from OpenSSH: every record once.
check_raw()
{
	tr -d '\r' <"$1" | awk -v n="$N" -F, '
		/kmsgflood: record/ { if (!($2 in seen)) { seen[$2] = 1; uniq++ } }
		END { printf "%d records", uniq; exit !(uniq == n) }'
}
line() { report "$1" "$2" lines/s "$3"; }
prod() { awk '{ printf "producer %.0f lines/s, %.0f ms behind schedule at most", $4, $5 }' <<<"$PROD"; }

echo "$N records of ~100 bytes over SSH on loopback; lines/s from the producer's start to the last record read"
res=()
for mode in "$RATE" 0; do
	what=$([ "$mode" = 0 ] && echo "unpaced (capacity)" || echo "paced at 100k/s")
	flood kmdash "$mode" "$T_TMP/k.out" "$KMDASH" -c "$T_TMP/config.json" dmesg -f || exit 1
	k=$SEEN kp=$(prod) kprod=$PROD kc=$(check_seq "$T_TMP/k.out") && kok=1 || kok=0
	flood ssh "$mode" "$T_TMP/o.out" ssh "${ssh_opts[@]}" root@127.0.0.1 cat /dev/kmsg || exit 1
	o=$SEEN op=$(prod) oc=$(check_raw "$T_TMP/o.out") || oc="$oc: INCOMPLETE"
	flood ssh-tt "$mode" "$T_TMP/t.out" ssh -tt "${ssh_opts[@]}" root@127.0.0.1 cat /dev/kmsg || exit 1
	t=$SEEN tp=$(prod) tc=$(check_raw "$T_TMP/t.out") || tc="$tc: INCOMPLETE"
	echo "-- $what"
	line "kmdash dmesg -f (PTY, parsed, printed)" "$k" "$kc; $kp"
	line "OpenSSH ssh cat /dev/kmsg > file" "$o" "$oc; $op"
	line "OpenSSH ssh -tt (PTY, as kmdash)" "$t" "$tc; $tp"
	report "kmdash / OpenSSH ssh" "$(ratio "$k" "$o")" x "kmdash / ssh -tt: $(ratio "$k" "$t")x"
	[ "$mode" = 0 ] && continue
	# Kept up: every record, and the producer held its 100k/s schedule
	# (a reader that falls behind blocks it).
	if [ $kok = 1 ] && awk '{ exit !($4 >= 99000 && $5 < 100) }' <<<"$kprod"; then
		res+=("goal 100k lines/s with zero loss: met (kmdash kept the producer at $(awk '{ printf "%.0f", $4 }' <<<"$kprod") lines/s, every record by seq)")
	else
		res+=("goal 100k lines/s with zero loss: NOT met ($k lines/s, $kc)")
	fi
done
printf '%s\n' "${res[@]}"
