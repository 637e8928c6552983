#!/usr/bin/env bash
# A failing load, on the embedded target, at every size: its reason is on
# screen in full (wrapped where the terminal is narrow) at 120x40, 60x30,
# 40x12 and in `--pane dmesg` at 50x20, and `!` shows it; the kernel log
# wraps its long lines under short time stamps in a narrow pane, W cuts
# them (with "…") and wraps them again, and scrolling and search work on
# the wrapped rows. One VM for the whole file: the module is loaded once,
# and each `l` fails as "already loaded".
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib/tmux.sh"

if [ ! -f "$(target_env IMAGE 2>/dev/null)" ]; then
	skip "failures on screen" "the embedded target is not built (make target)"
	exit 0
fi
T_VMS+=(qemu)
# the command line and the dashboards share the target's state
export XDG_CONFIG_HOME=$T_TMP/xdg XDG_STATE_HOME=$T_TMP/state
KM=$T_BUILD/kmdash

out=$("$KM" run build deploy load 2>&1)
check "the module is loaded (the VM boots for it)" contains "$out" "[load] ok"
out=$("$KM" run load 2>&1)
reason=$(sed -n 's/^\[load\] failed in [0-9.]* s: //p' <<<"$out")
check "loading it again fails, with its reason" test -n "$reason"
echo "# the reason: $reason"

# shows_reason NAME: the message line has the whole reason, not cut.
shows_reason()
{
	local m
	m=$(msgline "$1")
	grep -qF -- "$(squeezed "$reason")" <<<"$(squeezed "$m")" &&
		! grep -q "…" <<<"$m"
}

for size in 120x40 60x30 40x12 dmesg50x20; do
	args=()
	w=${size#dmesg}
	h=${w#*x} w=${w%x*}
	[ "$size" != "${size#dmesg}" ] && args=(--pane dmesg)
	n=f$w
	dash_run "$n" "$w" "$h" "$KMDASH" "${args[@]}"
	check "$size: the dashboard is up with the link" \
		wait_screen "$n" "link UP" 60
	keys "$n" l
	check "$size: the failed load's reason is on screen in full" \
		wait_until 30 shows_reason "$n"
	[ "$w" = 60 ] && {
		bar=$(line "$n" "$h")
		for k in "a Cycle" "r Reload" "u Unload"; do
			check "60x30: '$k' on the key bar" contains "$bar" "$k"
		done
	}
	keys "$n" '!'
	check "$size: ! shows the failure" wait_screen "$n" "the last failure" 5
	keys "$n" Escape
	wait_gone "$n" "the last failure" 5 >/dev/null
	[ "$size" = dmesg50x20 ] || check "$size: quits" quits "$n"
done

# --- the kernel log in a 50-column side pane -----------------------------------
n=f50
rec=$("$KM" dmesg 2>&1 | grep 'storage_hash: loaded:' | tail -1 | sed 's/^.*#[0-9]* //')
check "the module's load line is in the kernel log ($rec)" test -n "$rec"
# pane_text NAME: the pane's inside (borders gone), all rows joined.
pane_text() { screen "$1" | sed -n 's/^│\(.*\)│ *$/\1/p' | paste -sd' '; }
whole() { grep -qF -- "$(squeezed "$rec")" <<<"$(squeezed "$(pane_text "$n")")"; }
not_whole() { ! whole; }
check "50 columns: the long line wraps, all of it on screen" wait_until 10 whole
check "50 columns: short time stamps (seconds.milliseconds)" \
	bash -c 'grep -qE "^│ +[0-9]+\.[0-9]{3} storage_hash" <<<"$1"' _ "$(screen "$n")"
keys "$n" W
cut_row() { screen "$n" | grep -qE 'storage_hash: loaded:.*…│$'; }
check "W: long lines are cut, ending in …" wait_until 5 cut_row
check "... and no longer all on screen" not_whole
keys "$n" W
check "W again: wrapped again" wait_until 5 whole
keys "$n" PPage
check "PgUp on wrapped rows: paused" wait_screen "$n" "PAUSED" 5
keys "$n" NPage NPage NPage
check "PgDn back to the end: following again" wait_gone "$n" "PAUSED" 5
check "... the load line back in full" wait_until 5 whole
keys "$n" / m a x _ b y t e s Enter
check "/ on wrapped rows: the match is shown" wait_screen "$n" "/max_bytes" 5
check "... with the record it is in" wait_until 5 whole
check "50x20: quits" quits "$n"

# A wide pane keeps the full stamps.
dash_run wide 100 30 "$KMDASH" --pane dmesg
check "100 columns: full time stamps ([seconds.microseconds])" \
	wait_until 30 bash -c 'tmux -S "$1" capture-pane -p -t wide | grep -qE "^│\[ *[0-9]+\.[0-9]{6}\] "' _ "$TM_SOCK"
check "wide: quits" quits wide
