#!/usr/bin/env bash
# The man page's OPTIONS and COMMANDS sections are the command table's:
# a command or option added to the table and not to the page (make man)
# fails here. And the page renders without a roff warning.
. "$(dirname "$0")/../lib.sh"

KM=${KMDASH:-$T_BUILD/asan/kmdash}
[ -x "$KM" ] || KM=$T_BUILD/kmdash
PAGE=$T_ROOT/cli/kmdash.1

"$KM" help --man >"$T_TMP/gen.1"
check "help --man: the generated sections" grep -q '^\.SH COMMANDS' "$T_TMP/gen.1"
# the page between the generator's first and last lines
B=$(head -1 "$T_TMP/gen.1") E=$(tail -1 "$T_TMP/gen.1") \
	awk 'index($0, ENVIRON["B"]) == 1 { p = 1 } p { print } index($0, ENVIRON["E"]) == 1 { p = 0 }' \
	"$PAGE" >"$T_TMP/page.1"
same()
{
	diff -u "$T_TMP/page.1" "$T_TMP/gen.1" >&2 && return 0
	echo "cli/kmdash.1 is behind the command table: run 'make man'" >&2
	return 1
}
check "the man page's OPTIONS and COMMANDS are the table's (make man)" same
for c in $("$KM" help | sed -n '/^commands:/,/^$/s/^  \([a-z]\+\).*/\1/p'); do
	check "the man page has kmdash $c" grep -qF "\\fBkmdash $c\\fR" "$PAGE"
done
warnings=$(groff -man -Tutf8 -ww -z "$PAGE" 2>&1)
check "the page renders without roff warnings" test -z "$warnings"
[ -z "$warnings" ] || echo "$warnings" | head -5
