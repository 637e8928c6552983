#!/usr/bin/env bash
# Cancelling a build through core/module/build stops its whole process group:
# make, the shell of its recipe and that shell's background sleep, also
# when they ignore SIGTERM; and a real cross-build cancelled mid-way.
. "$(dirname "$0")/../lib.sh"
cd "$T_ROOT"

drive=$T_BUILD/asan/tests/integration/builddrive
if [ ! -x "$drive" ]; then
	not_ok "build driver built ($drive missing: run 'make asan')"
	exit 1
fi

# live_in_group PGID: the pids of the group's processes that are not zombies.
live_in_group()
{
	local want=$1 f stat pid state pgrp
	for f in /proc/[0-9]*/stat; do
		stat=$(cat "$f" 2>/dev/null) || continue
		stat=${stat##*) }
		# fields after the name: state ppid pgrp ...
		read -r state _ pgrp _ <<<"$stat"
		pid=${f#/proc/}
		pid=${pid%/stat}
		[ "$pgrp" = "$want" ] && [ "$state" != Z ] && echo "$pid"
	done
}

# alive PID: running and not a zombie.
alive()
{
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	[ "${stat%% *}" != Z ]
}

# cancel_case NAME ARGS...: runs the driver; checks the cancel took.
cancel_case()
{
	local name=$1 out rc pgid gc left p
	shift
	out=$(timeout 120 "$drive" "$@" 2>&1)
	rc=$?
	check "$name: driver reports cancelled (exit 2)" test "$rc" = 2
	check "$name: result line says cancelled" \
		grep -qE '^result build cancelled after [0-9]+\.[0-9] s$' <<<"$out"
	pgid=$(sed -n 's/^pid \([0-9]*\)$/\1/p' <<<"$out")
	gc=$(sed -n 's/^line plain grandchild \([0-9]*\)$/\1/p' <<<"$out")
	if [ -n "$gc" ]; then
		if alive "$gc"; then
			track_pid "$gc"
			not_ok "$name: the background sleep $gc is gone"
		else
			ok "$name: the background sleep $gc is gone"
		fi
	fi
	if [ -z "$pgid" ]; then
		not_ok "$name: the driver printed the build's pid"
		printf '%s\n' "$out" | head -20
		return
	fi
	left=$(live_in_group "$pgid")
	if [ -z "$left" ]; then
		ok "$name: no process of group $pgid is alive"
	else
		not_ok "$name: no process of group $pgid is alive (left: $left)"
		for p in $left; do track_pid "$p"; done
	fi
}

cat >"$T_TMP/Makefile" <<'MK'
all:
	@sleep 300 & echo "grandchild $$!"; echo READY; wait
stubborn:
	@trap '' TERM; sleep 301 & echo "grandchild $$!"; echo READY; wait; wait
MK

cancel_case "make with a sleeping recipe" \
	--cwd "$T_TMP" --cancel-on READY -- make
cancel_case "make ignoring SIGTERM (SIGKILL after the grace period)" \
	--cwd "$T_TMP" --grace 300 --cancel-on READY -- make stubborn

if kdir=$(target_env KDIR 2>/dev/null) && [ -d "$kdir" ]; then
	cancel_case "real cross-build cancelled at its first compile" \
		--cwd "$T_ROOT" --cancel-on 'CC [M]' -- make kmod \
		KMOD_SRC=tests/fixtures/kmod_hello KMOD_OUT="$T_TMP/hello"
else
	skip "real cross-build cancelled at its first compile" "the embedded target is not built (make target)"
fi
