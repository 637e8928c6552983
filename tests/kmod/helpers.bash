# Sourced by tests/kmod/*.sh (not a test itself: run.sh runs only *.sh).
# Builds the module and its tools, boots a private guest, uploads them to
# /tmp/sh/ in the guest.
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
cd "$T_ROOT"

KO=$T_BUILD/kmod/storage_hash.ko
TOOLS=$T_BUILD/kmod/tools
SHTEST=$T_BUILD/kmod/tests/shtest
VM=

# kmod_build: make kmod, quietly unless it fails.
kmod_build()
{
	make -s kmod >"$T_TMP/build.log" 2>&1 && return 0
	cat "$T_TMP/build.log" >&2
	return 1
}

# upload FILE... : into /tmp/sh/ on the guest.
upload()
{
	local f
	{
		echo "-mkdir /tmp/sh"
		for f in "$@"; do echo "put $f /tmp/sh/"; done
	} | sftp -F "$(vm_dir "$VM")/ssh_config" -b - kmdash-target >/dev/null
}

# kmod_boot NAME: builds, boots the guest NAME, uploads the module, sectl,
# sebench and shtest. Exits the test file if any of it fails.
kmod_boot()
{
	VM=$1
	check "make kmod builds the module and its tools" kmod_build ||
		exit 1
	if ! vm_start "$VM" >"$T_TMP/boot.log" 2>&1; then
		not_ok "guest boots"
		cat "$T_TMP/boot.log"
		exit 1
	fi
	if ! upload "$KO" "$TOOLS/sectl" "$TOOLS/sebench" "$SHTEST"; then
		not_ok "upload the module and the tools"
		exit 1
	fi
}

# g CMD...: runs the shell command line CMD in the guest (the words are
# joined as ssh does: quote arguments with spaces inside CMD), with the tools
# on PATH.
g() { vm_ssh "$VM" "export PATH=/tmp/sh:\$PATH; $*"; }

# kmsg_since MARK: the kernel log from the last line containing MARK on.
kmsg_since()
{
	g "timeout 1 cat /dev/kmsg" 2>/dev/null |
		awk -v m="$1" 'index($0, m) { buf = "" } { buf = buf $0 "\n" } END { printf "%s", buf }'
}

# kmsg_clean TEXT: no sign of a kernel bug in TEXT.
kmsg_clean()
{
	if grep -E 'BUG|WARNING|Oops|Call trace|Out of memory|oom-kill' <<<"$1"; then
		return 1
	fi
	return 0
}

# passthru PREFIX: relays shtest's ok/not ok lines, names prefixed.
passthru() { sed -E "s/^(not ok|ok) - /\1 - $1: /"; }
