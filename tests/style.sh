#!/usr/bin/env bash
# Every C file follows the kernel coding style of .clang-format.
cd "$(dirname "$0")/.."
n=0
while IFS= read -r f; do
	n=$((n + 1))
	if out=$(clang-format --dry-run -Werror "$f" 2>&1); then
		echo "ok - style $f"
	else
		echo "not ok - style $f (run 'make format')"
		printf '%s\n' "$out" | head -8
	fi
done < <(git ls-files '*.c' '*.h')
[ "$n" -gt 0 ] || echo "not ok - style: no C files found in git"
