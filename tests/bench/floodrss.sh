#!/usr/bin/env bash
# Memory of the kernel-log follower under a sustained flood: `kmdash dmesg
# -f` reading 100k lines/s (tests/bench/flood.bash: loopback sshd +
# kmsggen) for KMDASH_BENCH_FLOOD_SECS (default 600, the issue's 10
# minutes); VmRSS sampled every 10 s; start (after the first 10 s), peak,
# end and the slope of a least-squares line. The output is counted and
# checked by sequence number on the way (no record lost). Beside it the
# same for OpenSSH `ssh cat /dev/kmsg` on the same stream.
. "$(dirname "$0")/lib.sh"
. "$T_ROOT/tests/bench/flood.bash"
cd "$T_ROOT"

SECS=${KMDASH_BENCH_FLOOD_SECS:-600}
RATE=100000
N=$((RATE * SECS))
flood_setup
# count FILE: every record 1..N once, no loss marker (awk at 100k lines/s).
count='/kmsgflood: record/ { if (match($0, /#[0-9]+ /)) { s = substr($0, RSTART + 1, RLENGTH - 2) + 0; if (s != last + 1) gaps++; last = s; n++ } }
	/messages lost/ { lost++ }
	END { printf "%d records, %d gaps, %d lost markers\n", n, gaps, lost }'
flood_params "$RATE" "$N"
"$KMDASH" -c "$T_TMP/config.json" dmesg -f > >(awk "$count" >"$T_TMP/k.count") 2>"$T_TMP/k.err" &
kpid=$!
track_pid $kpid
ssh "${ssh_opts[@]}" root@127.0.0.1 cat /dev/kmsg > >(tr -d '\r' | awk -F, '/kmsgflood: record/ { n++ } END { printf "%d records\n", n }' >"$T_TMP/o.count") 2>/dev/null &
opid=$!
track_pid $opid
samples=() osamples=() t0=$(now)
kn0=$(cpu_ns $kpid)
for ((s = 10; s <= SECS; s += 10)); do
	sleep $(awk -v t0="$t0" -v s="$s" -v n="$(now)" 'BEGIN { d = t0 + s - n; print (d > 0) ? d : 0 }')
	kill -0 $kpid 2>/dev/null || { echo "kmdash dmesg -f ended: $(tail -3 "$T_TMP/k.err")"; exit 1; }
	samples+=("$s $(rss_kb $kpid)")
	osamples+=("$s $(rss_kb $opid 2>/dev/null || echo 0)")
done
kcpu=$(awk -v d=$(($(cpu_ns $kpid) - kn0)) -v t="$(elapsed "$t0")" 'BEGIN { printf "%.1f", 100 * d / 1e9 / t }')
# Let the tail of the flood arrive, then end both readers.
sleep 2
kill_gens
kill -TERM $kpid $opid 2>/dev/null
wait $kpid $opid 2>/dev/null
wait_until 5 test -s "$T_TMP/k.count"
# stats: start peak end (KiB) and slope (KiB/min) of "SEC KB" lines.
stats()
{
	printf '%s\n' "$@" | awk '
		NR == 1 { start = $2 } { if ($2 > peak) peak = $2; end = $2; n++; sx += $1; sy += $2; sxx += $1 * $1; sxy += $1 * $2 }
		END { slope = (n > 1) ? (n * sxy - sx * sy) / (n * sxx - sx * sx) * 60 : 0; printf "%d %d %d %.1f", start, peak, end, slope }'
}
read -r ks kp ke kslope <<<"$(stats "${samples[@]}")"
read -r os op oe oslope <<<"$(stats "${osamples[@]}")"
echo "flood of $RATE lines/s for $SECS s, VmRSS every 10 s (${#samples[@]} samples); kmdash: $(cat "$T_TMP/k.count"), $kcpu% of a core; OpenSSH: $(cat "$T_TMP/o.count" 2>/dev/null)"
report "kmdash dmesg -f RSS start/peak/end" "$ks/$kp/$ke" KiB "slope $kslope KiB/min"
report "OpenSSH ssh cat RSS start/peak/end" "$os/$op/$oe" KiB "slope $oslope KiB/min"
# Flat: the end within 5% of the start (the slope is printed beside it).
flat=$(awk -v s="$ks" -v e="$ke" 'BEGIN { print (e <= s * 1.05) ? "flat (end within 5% of start): goal met" : "NOT flat: goal not met" }')
report "kmdash RSS end / start" "$(ratio "$ke" "$ks")" x "$flat; kmdash peak / OpenSSH peak $(ratio "$kp" "$op")x"
echo "samples (s KiB): ${samples[*]}"
