# Sourced by the shell tests. Each check prints one TAP-like line,
# "ok - NAME" or "not ok - NAME", that tests/run.sh counts. Everything a test
# starts is tracked by PID and stopped on exit; files live in a private
# temp dir; VMs get a private runtime dir.
set -u

T_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
T_BUILD=${BUILD:-build}
case "$T_BUILD" in /*) ;; *) T_BUILD=$T_ROOT/$T_BUILD ;; esac
T_TMP=$(mktemp -d "${TMPDIR:-/tmp}/kmdash-test.XXXXXX")
chmod 700 "$T_TMP"
export KMDASH_RUNTIME_DIR=$T_TMP/run
T_PIDS=()
T_VMS=()
T_NETS=() # "VETH NETNS" of blackhole_up
T_PODMAN= # set by podman_private: its containers go on exit
# The cache every test shares (the embedded target, the container image),
# whatever private_cache later points KMDASH_CACHE_DIR at.
T_SHARED_CACHE=$(. "$T_ROOT/target/common.sh" && echo "$KMDASH_CACHE")

t_cleanup()
{
	local name pid
	[ -n "$T_PODMAN" ] && podman rm -a -f -t 0 >/dev/null 2>&1
	for name in "${T_VMS[@]}"; do
		vm stop --name "$name" >/dev/null 2>&1
	done
	for n in "${T_NETS[@]}"; do
		ip link del "${n% *}" 2>/dev/null
		ip netns del "${n#* }" 2>/dev/null
	done
	for pid in "${T_PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null
	done
	for pid in "${T_PIDS[@]}"; do
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.05
		done
		kill -KILL "$pid" 2>/dev/null
	done
	rm -rf "$T_TMP"
}
trap t_cleanup EXIT

ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; }

# check NAME CMD...: one check from a command's exit status.
check()
{
	local name=$1
	shift
	if "$@"; then ok "$name"; else not_ok "$name"; fi
}

# skip NAME WHY: allowed on a developer's machine, a failure in CI.
skip()
{
	if [ "${CI:-}" = true ]; then
		not_ok "$1 (cannot be skipped in CI: $2)"
	else
		echo "ok - $1 # SKIP $2"
	fi
}

# contains HAYSTACK NEEDLE: with a readable complaint when it does not.
contains()
{
	if grep -qF -- "$2" <<<"$1"; then
		return 0
	fi
	printf 'expected to find: %s\nin:\n%s\n' "$2" "$(head -20 <<<"$1")" >&2
	return 1
}

# wait_until SECONDS CMD...: polls every 20 ms until CMD succeeds.
wait_until()
{
	local deadline=$((SECONDS + $1))
	shift
	until "$@"; do
		[ $SECONDS -lt $deadline ] || return 1
		sleep 0.02
	done
}

track_pid() { T_PIDS+=("$1"); }

# rss_kb PID: its resident memory in KiB.
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

# private_cache: the builds of modules go to a cache of the test's own,
# removed with it; the embedded target stays the shared one (a symlink).
private_cache()
{
	export KMDASH_CACHE_DIR=$T_TMP/cache
	mkdir -p "$KMDASH_CACHE_DIR"
	ln -sfn "$T_SHARED_CACHE/target" "$KMDASH_CACHE_DIR/target"
}

# podman_private: podman with this machine's settings in the test's own
# files, never in /etc: a containers.conf without default ulimits (the
# sandbox's root lacks CAP_SYS_RESOURCE) and with runc (crun fails on its
# cgroups), and a storage of the test's own (its containers, so "none
# left" is this test's), whose images come read-only from the shared
# store `make container` builds into: the image is built once per cache.
# podman_image then builds (or finds) it and prints its name.
podman_private()
{
	local shared=$T_SHARED_CACHE/container d=$T_TMP/podman
	mkdir -p "$d" "$shared/images"
	cat >"$d/containers.conf" <<'EOC'
[containers]
default_ulimits = []
[engine]
runtime = "runc"
EOC
	cat >"$d/images.conf" <<EOC
[storage]
driver = "overlay"
graphroot = "$shared/images"
runroot = "$shared/run"
EOC
	cat >"$d/storage.conf" <<EOC
[storage]
driver = "overlay"
graphroot = "$d/root"
runroot = "$d/run"
[storage.options]
additionalimagestores = ["$shared/images"]
EOC
	export CONTAINERS_CONF=$d/containers.conf
	export CONTAINERS_STORAGE_CONF=$d/storage.conf
	T_PODMAN=1
}

podman_image()
{
	CONTAINERS_STORAGE_CONF=$T_TMP/podman/images.conf \
		KMDASH_CACHE_DIR=$T_SHARED_CACHE \
		"$T_ROOT/target/container/build.sh" | tail -1
}

# blackhole_up: BLACKHOLE becomes an address whose packets go nowhere (no
# answer, no error: a connect to it times out): a veth pair into a network
# namespace, the address's neighbour a MAC nobody has. Removed on exit.
# Fails without root or network namespaces.
blackhole_up()
{
	local ns=kmbh$$ va=kmha$$ vb=kmhb$$ net=10.201.$(($$ % 250)).
	[ "$(id -u)" -eq 0 ] && ip netns add "$ns" 2>/dev/null || return 1
	T_NETS+=("$va $ns")
	ip link add "$va" type veth peer name "$vb" &&
		ip link set "$vb" netns "$ns" &&
		ip addr add "${net}1/30" dev "$va" &&
		ip link set "$va" up &&
		ip netns exec "$ns" ip link set "$vb" up &&
		ip neigh replace "${net}2" lladdr 02:00:00:00:00:01 dev "$va" \
			nud permanent || return 1
	BLACKHOLE=${net}2
}

# --- the embedded target ----------------------------------------------
# Through kmdash (`kmdash vm`, the only launcher), as `make vm-start` does.
# Without a configuration of the user's, as `make vm-start` on a fresh
# machine: the embedded target; a test that wants one says --config.

vm()
{
	if [ ! -x "$T_BUILD/kmdash" ]; then
		echo "$T_BUILD/kmdash is not built: make kmdash" >&2
		return 127
	fi
	XDG_CONFIG_HOME=$T_TMP/no-config "$T_BUILD/kmdash" vm "$@"
}

# vm_start NAME [vm start options]: boots a private VM, stopped on exit.
vm_start()
{
	local name=$1
	shift
	T_VMS+=("$name")
	vm start --name "$name" "$@"
}

# The runtime directory as the README documents it: the tests hold kmdash
# to that layout rather than asking kmdash where it put things.
vm_dir() { echo "$KMDASH_RUNTIME_DIR/vm-$1"; }

# vm_ssh NAME CMD: runs CMD on the guest (ssh -F RUNTIME/vm-NAME/ssh_config,
# strict host-key checking).
vm_ssh()
{
	local name=$1
	shift
	vm ssh --name "$name" -- "$@"
}

# target_env VAR: a value of the built target's target.env, as kmdash
# reads it.
target_env()
{
	XDG_CONFIG_HOME=$T_TMP/no-config "$T_BUILD/kmdash" config --target-env |
		sed -n "s/^$1=//p" | grep .
}

# ko_old_or_new SHA256 OLD NEW: after an upload that was cut short, the
# file on the target (SHA256: its digest, as the target computed it) must
# be exactly the old .ko or the new one, never a mix of the two. Prints
# "old" or "new"; fails, saying what it found, otherwise. Shared by the
# tunnel cut (e2e/tunnel_cycle.sh) and the dropped-connection faults.
ko_old_or_new()
{
	local got=${1%% *} old new
	old=$(sha256sum <"$2" | cut -d' ' -f1)
	new=$(sha256sum <"$3" | cut -d' ' -f1)
	case "$got" in
	"$old") echo old ;;
	"$new") echo new ;;
	*)
		printf 'the target has a .ko that is neither: sha256 %s\n  old %s (%s)\n  new %s (%s)\n' \
			"${got:-(none)}" "$old" "$2" "$new" "$3" >&2
		return 1
		;;
	esac
}
