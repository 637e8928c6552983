#!/usr/bin/env bash
# A prepared Raspberry Pi OS-layout image, booted the way a user would:
# kmdash image prepare, then kmdash --target NAME run deploy load, which
# boots it on raspi3b, connects with strict host-key checking and no
# trust prompt, deploys and loads a module built for its kernel (the
# image's kernel is Debian's, whose headers the embedded target has) and
# prints the module's kernel-log line. Then a boot slower than its
# timeout says which stage it reached.
. "$(dirname "$0")/../lib.sh"
. "$T_ROOT/tests/fixtures/rpi_image/lib.sh"
cd "$T_ROOT"

KM=$T_BUILD/kmdash
if [ ! -f "$(target_env IMAGE 2>/dev/null)" ]; then
	skip "a prepared image boots" "the embedded target is not built (make target)"
	exit 0
fi
rpi_images || { not_ok "the test images are built"; exit 1; }
ko_dir=$T_BUILD/tests/fixtures/kmod_hello
make -s kmod KMOD_SRC=tests/fixtures/kmod_hello KMOD_OUT="$ko_dir" >/dev/null 2>&1
check "kmod_hello is built for the image's kernel" \
	contains "$(modinfo -F vermagic "$ko_dir/kmod_hello.ko")" "$RPI_KVER "

# (the directories the dashboard's tmux helpers use too)
export KMDASH_CACHE_DIR=$T_TMP/cache XDG_CONFIG_HOME=$T_TMP/xdg \
	XDG_STATE_HOME=$T_TMP/state
. "$T_ROOT/tests/tui/lib/tmux.sh"
dropin=$XDG_CONFIG_HOME/kmdash/targets.d/rpi.json
"$KM" image prepare "$RPI_IMG" --name rpi >/dev/null 2>&1
check "the image is prepared" test -f "$dropin"
# set KEY=JSON in the drop-in: what a user adds to the target kmdash wrote
set_key()
{
	python3 -c 'import json, sys
p, path, v = sys.argv[1], sys.argv[2].split("."), json.loads(sys.argv[3])
t = json.load(open(p)); o = t
for k in path[:-1]:
    o = o.setdefault(k, {})
o[path[-1]] = v
json.dump(t, open(p, "w"), indent="\t")' "$dropin" "$1" "$2"
}
tag=img$$
set_key module "{\"name\": \"kmod_hello\", \"ko\": \"$ko_dir/kmod_hello.ko\", \"params\": [\"tag=$tag\"]}"

# The session boots the VM (named after the target) and leaves it running.
T_VMS+=(rpi)
out=$("$KM" --target rpi run deploy load 2>&1)
rc=$?
check "run deploy load exits 0" test "$rc" -eq 0
check "... no host key to trust: known_hosts is right from the start" \
	test "$(cut -d' ' -f2,3 "$(vm_dir rpi)/known_hosts")" = "$(cut -d' ' -f1,2 "$KMDASH_CACHE_DIR/image/rpi/keys/ssh_host_ed25519_key.pub")"
check "the module is deployed and verified" contains "$out" "sha256 verified"
check "the module loads" contains "$out" "[load] ok"
check "its kernel-log line is shown" \
	grep -qE "kernel: .*kmod_hello: loaded, tag=$tag" <<<"$out"
check "the VM is the Pi 3 the guide boots" \
	test "$(cat "$(vm_dir rpi)/machine")" = raspi3b
journal=$(sed -n 's/^journal: //p' <<<"$out")
for st in kernel root-mounted ssh-ready; do
	check "boot stage $st seen on the console" \
		grep -q "vm stage $st" "$journal/actions.log"
done
check "the root came from the SD card, as cmdline.txt names it" \
	grep -q "EXT4-fs (mmcblk0p2): mounted filesystem" "$(vm_dir rpi)/serial.log"
check "OpenSSH's client, strict, with the VM's ssh_config" \
	test "$("$KM" vm ssh --target rpi -- 'id -un; uname -r' </dev/null | tr '\n' ' ')" = "$RPI_USER $RPI_KVER "
out=$("$KM" vm ssh --target rpi -- 'sudo -n cat /proc/modules' </dev/null)
check "... the module is loaded" contains "$out" "kmod_hello "
out=$(ssh -F "$(vm_dir rpi)/ssh_config" -o PubkeyAuthentication=no \
	-o PasswordAuthentication=yes -o BatchMode=yes kmdash-target true 2>&1)
check "no password login" contains "$out" "Permission denied (publickey)"
# The console pane: the image's serial console, as with the embedded one.
# (Enter types into it; a newline makes getty print its prompt again,
# below whatever the kernel printed last; Ctrl-] leaves.)
dash_run dash 120 40 "$KMDASH" --target rpi --pane console
check "the dashboard is up on the image" wait_screen dash "link UP" 60
tm send-keys -t dash Enter
tm send-keys -t dash Enter
check "its console pane shows the image's console (getty's prompt)" \
	wait_screen dash "raspberrypi login:" 30
tm send-keys -t dash C-]
tm send-keys -t dash q
check "... and quits cleanly" test "$(wait_exit dash 10)" = 0
# The kernel-log pane: the module's line (/dev/kmsg replays the boot's log).
dash_run klog 160 45 "$KMDASH" --target rpi --pane dmesg
check "the dashboard's kernel-log pane shows the module's line" \
	wait_screen klog "kmod_hello: loaded, tag=$tag" 60
tm send-keys -t klog q
check "... and quits cleanly" test "$(wait_exit klog 10)" = 0
"$KM" vm stop --target rpi >/dev/null 2>&1

# A boot that never gets to SSH within its timeout says how far it got:
# here the root the command line names is not on the card, so the boot
# stops in the initramfs, after the kernel and init, before the root.
set_key vm.boot_timeout_ms 40000
set_key vm.append "\"$(sed "s/root=PARTUUID=[^ ]*/root=PARTUUID=0badd15c-02/" <<<"$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["vm"]["append"])' "$dropin")")\""
out=$("$KM" vm start --target rpi 2>&1)
check "a boot that does not reach SSH within boot_timeout_ms fails" test $? -eq 1
check "... after that time" contains "$out" "within 40 s"
check "... saying which stages it reached" \
	grep -qE '\(boot stages reached: kernel \([0-9.]+ s\), init \([0-9.]+ s\); not reached: root mounted, sshd up;' <<<"$out"
check "... with the console's last lines" \
	contains "$out" "the last lines of the console ($(vm_dir rpi)/serial.log):"
"$KM" vm stop --target rpi >/dev/null 2>&1
exit 0
