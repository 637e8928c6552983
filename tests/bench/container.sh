#!/usr/bin/env bash
# The container cross-build vs the same build on the host: kmdash run build
# of a module (tests/fixtures/kmod_hello, copied) in podman
# (build.container, the image of make container) and without, one file
# changed and from clean, interleaved runs; medians with min/max and the
# overhead ratio (goal <= 1.3x). podman with this machine's settings in
# the bench's own files (tests/lib.sh podman_private).
. "$(dirname "$0")/lib.sh"
cd "$T_ROOT"

RUNS=${CONTAINER_BENCH_RUNS:-7}
command -v podman >/dev/null || { echo "podman is not installed (make deps)"; exit 1; }
target_env KVER >/dev/null || { echo "the embedded target is not built (make target)"; exit 1; }
private_cache
podman_private
t0=$(now)
image=$(podman_image 2>"$T_TMP/image.log") || { cat "$T_TMP/image.log"; exit 1; }
echo "make container: $(elapsed "$t0") s ($image; built once per cache)"

mod=$T_TMP/mod
cp -r tests/fixtures/kmod_hello "$mod"
cfg()
{
	local build=
	[ -n "${2:-}" ] && build=", \"build\": { $2 }"
	cat >"$T_TMP/$1.json" <<EOC
{ "targets": [ { "name": "$1",
    "ssh": { "host": "127.0.0.1", "port": 1, "user": "root" }$build } ] }
EOC
}
cfg host
cfg ctr "\"container\": { \"image\": \"$image\" }"
# build MODE: one kmdash run build, its wall time in seconds
build()
{
	local s
	s=$(now)
	"$KMDASH" --config "$T_TMP/$1.json" --module "$mod" run build \
		>"$T_TMP/$1.log" 2>&1 || { cat "$T_TMP/$1.log" >&2; return 1; }
	elapsed "$s"
}
for m in host ctr; do build "$m" >/dev/null || exit 1; done # warm
declare -A t
for r in $(seq "$RUNS"); do
	for m in host ctr; do
		touch "$mod/hello.c"
		t[$m.touch]+=" $(build "$m")" || exit 1
		rm -rf "$KMDASH_CACHE_DIR/build/$m"
		t[$m.clean]+=" $(build "$m")" || exit 1
	done
done
mmm() { printf '%s/%s/%s' "$(printf '%s\n' "$@" | sort -g | head -1)" \
	"$(median "$@")" "$(printf '%s\n' "$@" | sort -g | tail -1)"; }
echo "kmdash run build of kmod_hello, $RUNS interleaved runs, seconds min/median/max; load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-30s %-22s %-22s %8s  %s\n' build "host" "podman" ratio goal
for k in touch clean; do
	# shellcheck disable=SC2086
	hm=$(median ${t[host.$k]}) cm=$(median ${t[ctr.$k]})
	r=$(ratio "$cm" "$hm")
	# shellcheck disable=SC2086
	printf '%-30s %-22s %-22s %7sx  <= 1.3x: %s\n' \
		"$([ $k = touch ] && echo "one file changed" || echo "from clean")" \
		"$(mmm ${t[host.$k]})" "$(mmm ${t[ctr.$k]})" "$r" "$(goal_max "$r" 1.3)"
done
bare=()
for r in $(seq "$RUNS"); do
	s=$(now)
	podman run --rm --init --pull=never --network=none "$image" true
	bare+=("$(elapsed "$s")")
done
echo "the engine's own cost, podman run --rm --init IMAGE true: $(mmm "${bare[@]}") s"
