# Sourced by the kernel-log flood benchmarks (after lib.sh): a loopback
# OpenSSH sshd whose ForceCommand answers `cat /dev/kmsg` with
# tests/bench/kmsggen.c (paced /dev/kmsg-format records); every other
# command runs as usual.
#   flood_setup     builds kmsggen, starts sshd; writes $T_TMP/config.json
#                   (target "flood") and sets ssh_opts for OpenSSH
#   flood_params RATE COUNT   the generator of the next stream
#   kill_gens       ends the generators started so far (by PID)
. "$T_ROOT/tests/sshd.sh"

flood_params() { printf 'GEN_RATE=%s\nGEN_COUNT=%s\n' "$1" "$2" >"$T_TMP/gen.args"; }

kill_gens()
{
	local p
	[ -f "$T_TMP/gen.pids" ] || return 0
	while read -r p; do kill "$p" 2>/dev/null; done <"$T_TMP/gen.pids"
	: >"$T_TMP/gen.pids"
}

flood_setup()
{
	make -s "${BUILD:-build}/kmdash" >/dev/null || exit 1
	cc -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -o "$T_TMP/kmsggen" tests/bench/kmsggen.c || exit 1
	D=$T_TMP/sshd
	sshd_setup "$D"
	# The generator's parameters for the next stream: written before each run.
	# kmdash's streams start with "echo \$\$" (the remote PID, to end leftovers)
	# and its kernel-log stream with the boot id and uptime: answered as the
	# shell would.
	cat >"$T_TMP/force.sh" <<-EOF
	#!/bin/sh
	case "\$SSH_ORIGINAL_COMMAND" in
	*/dev/kmsg*)
		echo \$\$ >>"$T_TMP/gen.pids"
		case "\$SSH_ORIGINAL_COMMAND" in "echo \\\$\\\$;"*) echo \$\$ ;; esac
		# the stream's header: which boot, and how long it has been up
		case "\$SSH_ORIGINAL_COMMAND" in *boot_id*) cat /proc/sys/kernel/random/boot_id /proc/uptime ;; esac
		. "$T_TMP/gen.args"
		exec "$T_TMP/kmsggen" "\$GEN_RATE" "\$GEN_COUNT" "$T_TMP/gen.report" ;;
	*) exec /bin/sh -c "\$SSH_ORIGINAL_COMMAND" ;;
	esac
	EOF
	chmod +x "$T_TMP/force.sh"
	SSHD_EXTRA="ForceCommand $T_TMP/force.sh" sshd_start "$D" || { echo "sshd did not start"; exit 1; }
	cat >"$T_TMP/config.json" <<-EOF
	{ "targets": [ { "name": "flood", "ssh": { "host": "127.0.0.1", "port": $SSHD_PORT, "user": "root",
	  "identity_files": ["$D/id_ed25519"], "known_hosts": "$D/known_hosts" } } ] }
	EOF
	ssh_opts=(-o BatchMode=yes -o UserKnownHostsFile="$D/known_hosts" -o GlobalKnownHostsFile=/dev/null
		-o StrictHostKeyChecking=yes -i "$D/id_ed25519" -p "$SSHD_PORT")
	trap 'kill_gens; t_cleanup' EXIT
}
