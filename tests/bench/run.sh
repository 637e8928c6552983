#!/usr/bin/env bash
# Runs the benchmarks (tests/bench/*.sh, or the ones named) one after the
# other; each prints its figures, the goal, and what it is compared with.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
names=("$@")
if [ ${#names[@]} -eq 0 ]; then
	for f in tests/bench/*.sh; do
		case "$(basename "$f")" in run.sh | lib.sh) continue ;; esac; names+=("$(basename "$f" .sh)")
	done
fi
rc=0
for n in "${names[@]}"; do
	echo "== bench $n"
	bash "tests/bench/$n.sh" || { echo "bench $n failed" >&2; rc=1; }
done
exit $rc
