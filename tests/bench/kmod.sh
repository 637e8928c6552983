#!/usr/bin/env bash
# The storage engine: sebench --engine kmod vs --engine user (the identical
# workload on an in-process hash table), same boot, side by side. Single-op
# GET, PUT, DEL and BATCH (64 ops per call) GET and PUT; 1 thread, 16-byte
# keys, 64-byte values, 10k keys; 5 interleaved runs each, min/median/max.
. "$(dirname "$0")/lib.sh"
cd "$T_ROOT"

RUNS=${KMOD_BENCH_RUNS:-5}
DUR=${KMOD_BENCH_DURATION:-2}
make -s kmod >"$T_TMP/build.log" 2>&1 || { cat "$T_TMP/build.log"; exit 1; }
vm_start kbench >/dev/null || { echo "boot failed"; exit 1; }
run=$(vm_dir kbench)
printf 'put %s /tmp/\n' "$T_BUILD/kmod/storage_hash.ko" "$T_BUILD/kmod/tools/sebench" "$T_BUILD/kmod/tools/sectl" |
	sftp -F "$run/ssh_config" -b - kmdash-target >/dev/null || { echo "upload failed"; exit 1; }
# 256 MiB: the DEL workload stores 1M keys (128 bytes each) first.
vm_ssh kbench insmod /tmp/storage_hash.ko max_bytes=268435456 || exit 1

# name: sebench arguments
workloads=(
	"GET:--mix 100:0:0"
	"PUT:--mix 0:100:0"
	"DEL:--mix 0:0:100 --seq --keys 1000000 --duration 0.5"
	"BATCH64 GET:--mix 100:0:0 --batch 64"
	"BATCH64 PUT:--mix 0:100:0 --batch 64"
)
common="--threads 1 --duration $DUR --key-size 16 --value-size 64"
echo "sebench $common [--keys 10000] WORKLOAD --engine kmod|user; $RUNS interleaved runs, guest virt cortex-a53 x2, nokaslr"
out=$T_TMP/out
mkdir -p "$out"
for r in $(seq "$RUNS"); do
	for w in "${workloads[@]}"; do
		name=${w%%:*} args=${w#*:}
		for e in kmod user; do
			vm_ssh kbench "/tmp/sebench $common $args --engine $e | tail -1; /tmp/sectl clear" \
				>>"$out/${name// /_}.$e" || { echo "sebench $args --engine $e failed"; exit 1; }
		done
	done
done

# field FILE KEY: the values of "KEY" (inside ops_s or lat_us) per run.
field() { grep -o "\"$2\":[0-9.]*" "$1" | cut -d: -f2; }
ops() { grep -o '"ops_s":{[^}]*' "$1" | grep -o '"total":[0-9.]*' | cut -d: -f2; }
lat() { grep -o '"lat_us":{[^}]*' "$1" | grep -o "\"$2\":[0-9.]*" | cut -d: -f2; }
mmm() { printf '%s' "$(printf '%s\n' "$@" | sort -g | head -1)/$(median "$@")/$(printf '%s\n' "$@" | sort -g | tail -1)"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0) ? a / b : 0 }'; }
k() { printf '%.0fk' "$(awk -v v="$1" 'BEGIN { print v / 1000 }')"; }

printf '\n%-12s %-26s %-26s %7s  %-18s %-18s\n' workload "kmod ops/s min/med/max" "user ops/s min/med/max" kmod/user "kmod p50/p99 us" "user p50/p99 us"
declare -A med
for w in "${workloads[@]}"; do
	name=${w%%:*} f=$out/${name// /_}
	mapfile -t ko < <(ops "$f.kmod")
	mapfile -t uo < <(ops "$f.user")
	km=$(median "${ko[@]}") um=$(median "${uo[@]}")
	med["$name.kmod"]=$km med["$name.user"]=$um
	kmm=$(mmm "${ko[@]}") umm=$(mmm "${uo[@]}")
	printf '%-12s %-26s %-26s %7s  %-18s %-18s\n' "$name" \
		"$(IFS=/; set -- ${kmm}; echo "$(k $1)/$(k $2)/$(k $3)")" \
		"$(IFS=/; set -- ${umm}; echo "$(k $1)/$(k $2)/$(k $3)")" \
		"$(ratio "$km" "$um")" \
		"$(median $(lat "$f.kmod" p50))/$(median $(lat "$f.kmod" p99))" \
		"$(median $(lat "$f.user" p50))/$(median $(lat "$f.user" p99))"
	[ "$name" = GET ] && get_p99=$(median $(lat "$f.kmod" p99))
	if [ "$name" = DEL ]; then
		hits() { grep -o '"hits":{[^}]*' "$1" | grep -o '"del":[0-9]*' | cut -d: -f2 | awk '{ s += $1 } END { print s + 0 }'; }
		tot() { grep -o '"ops":{[^}]*' "$1" | grep -o '"del":[0-9]*' | cut -d: -f2 | awk '{ s += $1 } END { print s + 0 }'; }
		del_note="DEL deletes 1M stored keys in order for 0.5 s: kmod $(hits "$f.kmod") of $(tot "$f.kmod") DELs hit, user $(hits "$f.user") of $(tot "$f.user")"
	fi
done
echo "($del_note)"
echo
bg=${med["BATCH64 GET.kmod"]} sg=${med["GET.kmod"]}
report "kmod BATCH64 GET / single-op GET (medians)" "$(ratio "$bg" "$sg")" x \
	"goal >= 5x; naive module before: 170k/110k = 1.5x (590k/110k = 5.4x without per-call allocations)"
report "kmod BATCH64 GET / user BATCH64 GET" "$(ratio "$bg" "${med["BATCH64 GET.user"]}")" x "goal >= 0.5x (same workload, same boot)"
report "kmod BATCH64 GET / user single-op GET" "$(ratio "$bg" "${med["GET.user"]}")" x "goal >= 0.5x (baseline: user table, 1 op per call)"
report "kmod single-op GET p99 (median of $RUNS)" "$get_p99" us "goal <= 25 us; naive module before: 23 us"
report "kmod single-op GET (median)" "$(k "$sg")" ops/s "naive module before: 110k ops/s, p50 8 us"
report "kmod BATCH64 GET (median)" "$(k "$bg")" ops/s "naive module before: 170k (590k without allocations)"
report "kmod single-op PUT (median)" "$(k "${med["PUT.kmod"]}")" ops/s "naive module before: 90k ops/s"
vm_ssh kbench rmmod storage_hash
