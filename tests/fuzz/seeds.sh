#!/usr/bin/env bash
# Makes the seed corpora of the fuzz harnesses from the repository's
# fixtures, into DIR/NAME/ (one directory per harness; default DIR
# build/fuzz/corpus). Nothing here is committed: the fixtures stay the one
# copy. Inputs that start with a few control bytes (see each harness's
# comment) get a realistic header; a few seeds are written here where no
# fixture exists (QMP, ssh_config, known_hosts, insmod output, a .ko).
#   tests/fuzz/seeds.sh [DIR]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
final=${1:-${BUILD:-build}/fuzz/corpus}
# made aside and swapped in at the end: a fuzzer of another run (make fuzz
# and make fuzz-vterm at once) that starts meanwhile still finds its seeds
mkdir -p "$(dirname "$final")"
out=$(mktemp -d "$final.new.XXXXXX")
trap 'rm -rf "$out"' EXIT
fix=tests/fixtures

# seed NAME FILE HEADER: FILE's bytes after the printf-escaped HEADER.
seed()
{
	mkdir -p "$out/$1"
	{ printf "$3"; cat "$2"; } >"$out/$1/$(basename "$2")${4:-}"
}

# text NAME SEEDNAME HEADER: stdin after HEADER.
text()
{
	mkdir -p "$out/$1"
	{ printf "$3"; cat; } >"$out/$1/$2"
}

# --- kmsg: mode, split, stream ------------------------------------------
for f in "$fix"/kmsg/virt-oops.*; do
	seed kmsg "$f" '\x00\x10'
	seed kmsg "$f" '\x0d\x83' .replay # small ring, replay, boot id
done
for f in "$fix"/traces/*.kmsg "$fix"/traces/panic.serial; do
	seed kmsg "$f" '\x20\x40' # and its lines added as the console's
done

# --- trace and decode: kernel trace text, as logged or pasted --------------
for f in "$fix"/traces/*.kmsg "$fix"/traces/panic.serial "$fix"/kmsg/virt-oops.*; do
	seed trace "$f" ''
	seed decode "$f" ''
done

# --- console: rows, cols, flags, rows and cols after resize, split -------
for f in "$fix"/kmsg/virt-oops.pty "$fix"/diag/*.pty "$fix"/diag/host_gcc_color.txt; do
	seed console "$f" '\x17\x4f\x00\x1f\x77\x40'
done
seed console "$fix"/kmsg/virt-oops.kmsg '\x0b\x27\x03\x05\x13\x08' .small
# Cursor moves, scroll regions, the alternate screen, colours, OSC title
# and clipboard, DCS, queries, wide and combining characters, long lines.
e='\x1b'
mkdir -p "$out/console"
{
	printf '\x17\x4f\x00\x0f\x3f\x10'
	printf '%b' "$e[?1049h$e[2J$e[1;1Hmenu$e[5;20r$e[5;1H$e[1M$e[2L"
	printf '%b' "$e[?6h$e[10;10Hx$e[?6l$e[r$e[?1049l\r\n"
	printf '%b' "$e[1;31mred$e[0m $e[38;5;208m256$e[0m $e[38;2;1;2;3mrgb"
	printf '%b' "$e[0m $e[1;4;5;7;9mall$e[m\r\n"
	printf '%b' "$e]0;title\a$e]52;c;aGVsbG8=$e\\\\${e}Pq#0;2;0;0;0#0~~$e\\\\"
	printf '%b' "${e}P+q544e$e\\\\\r\n"
	printf 'wide: 日本語 ｶﾀｶﾅ z\xcc\x80\xcc\x81 \xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd tab\tx\r\n'
	printf '%b' "$e[6n$e[c$e[>c$e[5n$e[?25l$e[?25h$e[H$e[J$e[K$e[1K$e[2K"
	printf '%b' "$e[s$e[u${e}7${e}8${e}#8${e}c\r\n"
	printf 'long: %0300d\r\n' 0
	printf '\x9b31m C1 \x1b[99999;99999H\x1b[9999@\x1b[9999P\x1b[9999X end'
} >"$out/console/escapes"

# --- diag: flags, build output ------------------------------------------
for f in "$fix"/diag/*.txt "$fix"/diag/*.pty; do
	seed diag "$f" '\x01'
done

# --- bench: mode, split, sebench's JSON lines ------------------------------
seed bench "$fix"/bench/sebench_kmod.jsonl '\x11\x20'
seed bench "$fix"/bench/sebench_kmod.jsonl '\x00\x00' .unsplit

# --- config and themes: the files ------------------------------------------
for f in "$fix"/config/good/*.json "$fix"/config/bad/*.json; do
	seed config "$f" '' ".$(basename "$(dirname "$f")")"
done
for f in themes/*.json; do
	seed theme "$f" ''
done

# --- a module's Kbuild or Makefile: flags, the file ---------------------
for f in kmod/Kbuild "$fix"/kmod_*/Kbuild "$fix"/config/module/*/Kbuild; do
	seed modsrc "$f" '\x00' ".$(basename "$(dirname "$f")")"
done
text modsrc makefile '\x01' <<'MK'
# an out-of-tree module's Makefile
obj-$(CONFIG_HELLO) += hello.o
hello-y := main.o \
	greet.o
KDIR ?= /lib/modules/$(shell uname -r)/build
all:
	$(MAKE) -C $(KDIR) M=$(PWD) modules
MK

# --- ssh_config (as tests/unit/test_sshconfig.c writes them) --------------
text sshconfig full '' <<'CFG'
# a comment
Host pi pi.lab !bad
    HostName %h.example
    User pi
    Port 2222
    IdentityFile ~/.ssh/id_pi
    IdentityFile %d/.ssh/id_%r@%h:%p
    IdentitiesOnly yes
    ProxyJump me@cloud.example:2201,second
    UserKnownHostsFile ~/.ssh/known_hosts.d/%h
Host board-? "quoted one" target
    HostName=10.0.2.15
    Port=22
Include inc.conf
Match all
    User fallback
Host *
    ProxyJump [fe80::1]:22
CFG

# --- known_hosts with the key of fuzz_knownhosts.c ------------------------
b64=$({
	printf '\x00\x00\x00\x0bssh-ed25519\x00\x00\x00\x20'
	for i in $(seq 1 32); do printf "\\x$(printf %02x "$i")"; done
} | base64 -w0)
other=$(head -c 51 /dev/zero | base64 -w0)
text knownhosts plain '' <<KH
# comment
[127.0.0.1]:2222 ssh-ed25519 $b64
pi.lab,10.0.2.15 ssh-ed25519 $other
10.0.2.* ecdsa-sha2-nistp256 $other
!pi.lab,*.lab ssh-ed25519 $b64
@revoked * ssh-ed25519 $other
@cert-authority *.lab ssh-ed25519 $b64
KH
# a hashed entry as ssh-keygen -H writes it
hashed=$(mktemp)
echo "pi.lab ssh-ed25519 $b64" >"$hashed"
ssh-keygen -q -H -f "$hashed" >/dev/null 2>&1 && cat "$hashed" >>"$out/knownhosts/plain"
rm -f "$hashed" "$hashed.old"

# --- QMP: split, a session as QEMU 7.2 speaks it --------------------------
text qmp session '\x10' <<'QMP'
{"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}, "package": "Debian 1:7.2+dfsg-7"}, "capabilities": ["oob"]}}
{"return": {}}
{"return": {"status": "running", "singlestep": false, "running": true}, "id": 2}
{"timestamp": {"seconds": 1700000000, "microseconds": 123456}, "event": "RESET", "data": {"guest": false, "reason": "host-qmp-system-reset"}}
{"return": {}, "id": 3}
{"error": {"class": "CommandNotFound", "desc": "The command foo has not been found"}, "id": 4}
{"timestamp": {"seconds": 1700000001, "microseconds": 5}, "event": "SHUTDOWN", "data": {"guest": false, "reason": "host-qmp-quit"}}
QMP
sed -i 's/$/\r/' "$out/qmp/session"

# --- insmod / rmmod: op, exit status, MODULE\0OUTPUT\0KMSG LINES ----------
mx()
{
	mkdir -p "$out/modexplain"
	printf "$2" >"$out/modexplain/$1"
}
mx usym '\x00\x01usym\0insmod: can'"'"'t insert '"'"'/tmp/usym.ko'"'"': unknown symbol in module, or unknown parameter\n\0usym: Unknown symbol missing_fn (err -2)\nusym: unknown parameter '"'"'x'"'"' ignored'
mx exists '\x00\x11h\0insmod: can'"'"'t insert '"'"'/tmp/h.ko'"'"': File exists\n\0'
mx kmod '\x00\x01x\0insmod: ERROR: could not insert module x.ko: Invalid module format\n\0x: version magic '"'"'6.1.0 SMP'"'"' should be '"'"'6.1.0-56-arm64 SMP'"'"'\nx: disagrees about version of symbol module_layout'
mx busy '\x01\x01storage_hash\0rmmod: ERROR: Module storage_hash is in use\n\0'
mx vermagic '\x02\x00storage_hash\06.1.0-56-arm64\0Lockdown: insmod: unsigned module loading is restricted'

# --- .modinfo: small relocatable objects with a .modinfo section ---------
mi='static const char mi[] __attribute__((section(".modinfo"), used)) = "license=GPL\\0name=seed\\0srcversion=ABCDEF0123456789\\0depends=\\0vermagic=6.1.0-56-arm64 SMP mod_unload modversions aarch64";'
mkdir -p "$out/modinfo"
for cc in cc aarch64-linux-gnu-gcc; do
	command -v "$cc" >/dev/null || continue
	printf '%s\nint seed_init(void) { return 0; }\n' "$mi" |
		"$cc" -x c -c -O2 -o "$out/modinfo/$cc.o" -
done
# The modules built here (make kmod, make fixtures), as deploy uploads
# them: without their debug sections (run.sh reads up to 256 KB of a .ko).
strip=$(command -v aarch64-linux-gnu-strip || true)
for ko in "${BUILD:-build}"/kmod/*.ko "${BUILD:-build}"/tests/fixtures/*/*.ko; do
	[ -f "$ko" ] && [ -n "$strip" ] || continue
	name=${ko#"${BUILD:-build}"/}
	"$strip" --strip-debug -o "$out/modinfo/${name//\//_}" "$ko"
done
n=$(find "$out" -type f | wc -l)
old=$final.old.$$
[ -d "$final" ] && mv "$final" "$old"
mv "$out" "$final"
rm -rf "$old"
echo "seeds: $n files in $final"
