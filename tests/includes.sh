#!/usr/bin/env bash
# The include rules of core/'s rooms (DESIGN.md, "core/: rooms by family"):
#   - every project include is rooted at the repository ("core/ssh/ssh.h");
#   - a room's private header (*_int.h) is included only inside its room;
#   - the rooms' include graph has no cycle (two rooms never include each
#     other, directly or through a third);
#   - inside a room, the files call each other one way: a layer calls the
#     layers below it and hears back through callbacks only (in core/ssh/:
#     the session calls connect.c, connect.c the transport; the link, SFTP
#     and the remote shell call the session). Files of a room share their
#     private headers, so the calls are read: a function one file defines
#     (not static) and another calls is an edge, and edges make no cycle;
#   - core/ includes no curses, tui/ opens no socket; cli/ (the command
#     line and main) includes no curses either, and main() is only there.
# The rules run on this tree, then on small trees built to break each one:
# a check that cannot fail would prove nothing.
cd "$(dirname "$0")/.."

# strip FILE: the C text without comments and string or char literals.
strip()
{
	awk '{
		line = $0; out = ""; i = 1; n = length(line)
		while (i <= n) {
			c = substr(line, i, 1); c2 = substr(line, i, 2)
			if (incomment) {
				if (c2 == "*/") { incomment = 0; i += 2 } else i++
				continue
			}
			if (c2 == "/*") { incomment = 1; i += 2; continue }
			if (c2 == "//") break
			if (c == "\"" || c == "\x27") {
				for (i++; i <= n && substr(line, i, 1) != c; i++)
					if (substr(line, i, 1) == "\\") i++
				i++
				out = out c c
				continue
			}
			out = out c; i++
		}
		print out
	}' "$1"
}

# call_edges ROOMDIR: "caller callee function" for calls between its files.
call_edges()
(
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	for f in "$1"/*.c; do
		[ -e "$f" ] || continue
		b=$(basename "$f")
		strip "$f" >"$tmp/$b"
		# Definitions start at column 0 (kernel style) and do not end
		# with ';' (a prototype); static ones are the file's own.
		awk -v b="$b" '/^[a-z_]/ && !/;[ \t]*$/ && !/^(typedef|extern) / &&
			match($0, /(^|[^A-Za-z0-9_])[a-z_][a-z0-9_]*\(/) {
			name = substr($0, RSTART, RLENGTH - 1)
			sub(/^[^a-z_]/, "", name)
			print (/^static / ? "local" : "global"), name, b
		}' "$tmp/$b" >>"$tmp/defs"
	done
	for f in "$tmp"/*.c; do
		[ -e "$f" ] || continue
		b=$(basename "$f")
		grep -oE '(^|[^A-Za-z0-9_])[a-z_][a-z0-9_]*\(' "$f" |
			sed -E 's/^[^a-z_]//; s/\($//' | sort -u |
			awk -v b="$b" -v defs="$tmp/defs" '
			BEGIN {
				while ((getline l < defs) > 0) {
					split(l, w, " ")
					if (w[1] == "global") where[w[2]] = w[3]
					else if (w[3] == b) own[w[2]] = 1
				}
			}
			($1 in where) && where[$1] != b && !($1 in own) {
				print b, where[$1], $1
			}'
	done
)

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

	# Inside a room, calls between files go one way (call_edges).
	for room in core/*/; do
		room=${room%/}
		e=$(call_edges "$room")
		[ -n "$e" ] || continue
		if cyc=$(awk '{ print $1, $2 }' <<<"$e" | sort -u | tsort 2>&1 >/dev/null) &&
			[ -z "$cyc" ]; then
			continue
		fi
		echo "the files of $room/ call each other in a cycle:"
		printf '%s\n' "$cyc" | sed -n 's/^tsort: \([^-]\)/  \1/p'
		# the calls that go both ways, for the reader
		while read -r a b fn; do
			back=$(awk -v a="$a" -v b="$b" '$1 == b && $2 == a { print $3; exit }' <<<"$e")
			[ -n "$back" ] && [[ $a < $b ]] && echo "  $a -> $b ($fn), $b -> $a ($back)"
		done < <(awk '!seen[$1 " " $2]++' <<<"$e" | sort)
		bad=1
	done
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

mk core/ssh/ssh.c 'int ssh_op_add(int x)' '{' '	return ssh_tunnel_open(x) + 1;' '}'
mk core/ssh/tunnel.c 'static int helper(int x)' '{' '	return x; /* ssh_op_add() */' '}' \
	'int ssh_tunnel_open(int x)' '{' '	return ssh_op_add(helper(x));' '}'
expect_caught "two files of a room that call each other" \
	"ssh.c -> tunnel.c (ssh_tunnel_open), tunnel.c -> ssh.c (ssh_op_add)"

# ... and not a call that is only named in a comment or a string
mk core/ssh/ssh.c 'int ssh_op_add(int x)' '{' '	return ssh_tunnel_open(x) + 1;' '}'
mk core/ssh/tunnel.c 'int ssh_tunnel_open(int x)' '{' \
	'	return x; /* ssh_op_add() */' '}' 'const char *s = "ssh_op_add(";'
if out=$(check_tree "$tmp"); then
	echo "ok - the checker passes calls one way (not those in comments, strings)"
else
	echo "not ok - the checker passes calls one way (said: $out)"
fi
rm -rf "${tmp:?}"/*
