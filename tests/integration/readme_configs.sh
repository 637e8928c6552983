#!/usr/bin/env bash
# Every JSON config example in the README is a valid configuration.
. "$(dirname "$0")/../lib.sh"
cd "$T_ROOT"

awk -v dir="$T_TMP" '
	/^```json$/ { n++; f = dir "/example" n ".json"; on = 1; next }
	/^```$/ { on = 0 }
	on { print > f }
' README.md
n=0
for f in "$T_TMP"/example*.json; do
	[ -f "$f" ] || continue
	n=$((n + 1))
	out=$("$T_BUILD/kmdash" --config "$f" config --print 2>&1)
	if [ $? -eq 0 ]; then
		ok "README config example $n loads"
	else
		not_ok "README config example $n loads"
		echo "$out" | head -5
	fi
done
check "the README has config examples" test "$n" -ge 3
