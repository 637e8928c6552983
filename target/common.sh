# Shared by the target scripts: where things live and how we speak.
# Sourced, not run.

KMDASH_CACHE=${KMDASH_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/kmdash}
# Runtime sockets, pid files and logs: a 0700 directory of our own.
KMDASH_RUNTIME=${KMDASH_RUNTIME_DIR:-${XDG_RUNTIME_DIR:-/tmp/kmdash-$(id -u)}/kmdash}
KMDASH_TARGET_ENV=$KMDASH_CACHE/target/current/target.env
# Printed by the guest's /init once dropbear listens; vm.sh and kmdash wait
# for it on the serial console.
KMDASH_READY_MARKER='kmdash-target: ready'

say() { printf '%s: %s\n' "${0##*/}" "$*"; }
warn() { printf '%s: warning: %s\n' "${0##*/}" "$*" >&2; }
die() { printf '%s: error: %s\n' "${0##*/}" "$*" >&2; exit 1; }

# Creates (or checks) a private directory: ours, mode 0700, not a symlink.
private_dir()
{
	local d=$1
	mkdir -p -m 0700 "$d" 2>/dev/null || die "cannot create $d"
	[ -L "$d" ] && die "$d is a symlink; refusing to use it"
	[ "$(stat -c %u "$d")" = "$(id -u)" ] ||
		die "$d belongs to another user; set KMDASH_RUNTIME_DIR"
	chmod 0700 "$d"
}
