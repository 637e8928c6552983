#!/usr/bin/env bash
# The include rules of core/'s rooms (DESIGN.md, "core/: rooms by family"):
#   - every project include is rooted at the repository ("core/ssh/ssh.h");
#   - a room's private header (*_int.h) is included only inside its room;
#   - the rooms' include graph has no cycle (two rooms never include each
#     other, directly or through a third);
#   - core/ includes no curses, tui/ opens no socket; cli/ (the command
#     line and main) includes no curses either, and main() is only there.
# The rules run on this tree, then on small trees built to break each one:
# a check that cannot fail would prove nothing.
cd "$(dirname "$0")/.."

# check_tree DIR: prints one line per violation, returns 1 if any.
check_tree()
(
	cd "$1" || exit 2
	bad=0
	edges=$(mktemp)
	trap 'rm -f "$edges"' EXIT
	while IFS= read -r f; do
		dir=$(dirname "$f")
		while IFS=: read -r line inc; do
			inc=${inc#*\"}
			inc=${inc%\"*}
			case "$inc" in
			core/* | tui/* | cli/* | tests/* | kmod/*) ;;
			*)
				if [ -e "$dir/$inc" ] || [ "${inc#*/}" = "$inc" ] &&
					[ -e "$dir/$inc" ]; then
					echo "$f:$line: include \"$inc\" is relative: root it at the repository (\"$dir/$inc\")"
					bad=1
				fi
				continue
				;;
			esac
			case "$inc" in
			core/*/*_int.h)
				room=${inc#core/}
				room=${room%%/*}
				case "$f" in
				core/"$room"/*) ;;
				*)
					echo "$f:$line: includes $inc, the private header of core/$room/ (only files of core/$room/ may)"
					bad=1
					;;
				esac
				;;
			esac
			case "$f" in
			core/*/*)
				from=${f#core/}
				from=${from%%/*}
				case "$inc" in
				core/*/*)
					to=${inc#core/}
					to=${to%%/*}
					[ "$from" != "$to" ] && echo "$from $to $f:$line" >>"$edges"
					;;
				esac
				;;
			esac
		done < <(grep -n '^#include "' "$f")
		case "$f" in
		core/*)
			if grep -nE '^#include <(n?curses|ncursesw/)' "$f"; then
				echo "$f: core/ includes curses (draw in tui/)"
				bad=1
			fi
			;;
		tui/*)
			if grep -nE '^#include <(sys/socket|netinet/|arpa/inet)' "$f"; then
				echo "$f: tui/ opens no socket (that is core/'s)"
				bad=1
			fi
			;;
		cli/*)
			if grep -nE '^#include <(n?curses|ncursesw/)' "$f"; then
				echo "$f: cli/ includes curses (the dashboard draws in tui/)"
				bad=1
			fi
			;;
		esac
		case "$f" in
		core/* | tui/*)
			if grep -nE '^int main\(' "$f"; then
				echo "$f: main() is the front end's (cli/main.c)"
				bad=1
			fi
			;;
		esac
	done < <(find core tui cli -name '*.[ch]' 2>/dev/null | sort)

	# A cycle among rooms: tsort names it ("input contains a loop").
	if [ -s "$edges" ]; then
		if ! cyc=$(awk '{ print $1, $2 }' "$edges" | sort -u | tsort 2>&1 >/dev/null) ||
			[ -n "$cyc" ]; then
			echo "the rooms of core/ include each other in a cycle:"
			printf '%s\n' "$cyc" | sed -n 's/^tsort: /  /p'
			# the includes that make the cycle, for the reader
			awk '{ print $1, $2 }' "$edges" | sort -u | while read -r a b; do
				if grep -q "^$b $a " "$edges"; then
					grep -m1 "^$a $b " "$edges" | awk '{ print "  " $1 " -> " $2 ": " $3 }'
				fi
			done
			bad=1
		fi
	fi
	exit $bad
)

if out=$(check_tree .); then
	echo "ok - include rules hold in this tree"
else
	echo "not ok - include rules hold in this tree"
	printf '%s\n' "$out" | head -20
fi

# The checker itself: each broken tree must be caught.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mk()
{
	mkdir -p "$(dirname "$tmp/$1")"
	printf '%s\n' "${@:2}" >"$tmp/$1"
}
expect_caught()
{
	local name=$1 want=$2 out
	if out=$(check_tree "$tmp"); then
		echo "not ok - the checker catches $name (it passed)"
	elif grep -qF -- "$want" <<<"$out"; then
		echo "ok - the checker catches $name"
	else
		echo "not ok - the checker catches $name (said: $out)"
	fi
	rm -rf "${tmp:?}"/*
}

mk core/ssh/ssh_int.h '/* private */'
mk core/module/deploy.c '#include "core/ssh/ssh_int.h"'
expect_caught "a private header included from another room" \
	"private header of core/ssh/"

mk core/ssh/ssh.h '#include "core/module/deploy.h"'
mk core/module/deploy.h '#include "core/ssh/ssh.h"'
expect_caught "two rooms that include each other" "include each other in a cycle"

mk core/base/loop.h '#include "core/vm/vm.h"'
mk core/vm/vm.h '#include "core/ssh/ssh.h"'
mk core/ssh/ssh.h '#include "core/base/loop.h"'
expect_caught "a cycle through three rooms" "include each other in a cycle"

mk core/ssh/ssh.c '#include "ssh.h"'
mk core/ssh/ssh.h '/* */'
expect_caught "a relative include" "is relative"

mk core/module/x.c '#include <ncurses.h>'
expect_caught "curses in core/" "core/ includes curses"

mk cli/cmd_x.c '#include <curses.h>'
expect_caught "curses in cli/" "cli/ includes curses"

mk tui/app.c 'int main(int argc, char **argv)'
expect_caught "a main() in tui/" "main() is the front end's"
