#!/usr/bin/env bash
# The real cross-build through core/module/build (tests/integration/builddrive.c
# stands in for `kmdash run build`): a clean module builds with kbuild's
# progress lines; a broken one fails with its errors at the right
# file:line:col, mapped from kbuild's mirror back to the source files.
. "$(dirname "$0")/../lib.sh"
cd "$T_ROOT"

drive=$T_BUILD/asan/tests/integration/builddrive
if [ ! -x "$drive" ]; then
	not_ok "build driver built ($drive missing: run 'make asan')"
	exit 1
fi
if ! kdir=$(target_env KDIR 2>/dev/null) || [ ! -d "$kdir" ]; then
	skip "cross-build through core/module/build" "the embedded target is not built (make target)"
	exit 0
fi
# gcc's quotes follow the locale: pin one so the messages are known.
loc=(--env LC_ALL=C.UTF-8 --cwd "$T_ROOT")
src=$T_ROOT/tests/fixtures/kmod_broken

# --- a clean build ---------------------------------------------------------
out=$(timeout 300 "$drive" "${loc[@]}" -- make kmod \
	KMOD_SRC=tests/fixtures/kmod_hello KMOD_OUT="$T_TMP/hello" 2>&1)
rc=$?
check "kmod_hello builds through core/module/build (exit 0)" test "$rc" = 0
check "kbuild progress line for the compile is seen" \
	contains "$out" "line progress   CC [M]  $T_TMP/hello/hello.o"
check "kbuild progress line for the module link is seen" \
	contains "$out" "line progress   LD [M]  $T_TMP/hello/kmod_hello.ko"
check "the last step is kept" contains "$out" "step BTF [M] $T_TMP/hello/kmod_hello.ko"
check "'Skipping BTF generation' is a plain line, not a warning" \
	contains "$out" "line plain Skipping BTF generation for $T_TMP/hello/kmod_hello.ko"
check "no warnings or errors in a clean build" \
	contains "$out" "counts errors=0 warnings=0"
check "result line of a clean build" \
	grep -qE '^result build ok in [0-9]+\.[0-9] s, 0 warnings$' <<<"$out"
check "the module file exists" test -s "$T_TMP/hello/kmod_hello.ko"

# --- compile errors and warnings -------------------------------------------
out=$(timeout 300 "$drive" "${loc[@]}" -- make kmod \
	KMOD_SRC=tests/fixtures/kmod_broken KMOD_OUT="$T_TMP/broken" 2>&1)
rc=$?
check "kmod_broken fails (driver exit 1)" test "$rc" = 1
check "result line counts 3 errors, 4 warnings, make's exit 2" \
	contains "$out" "result build failed: 3 errors, 4 warnings (exit 2)"
check "first error at errors.c:11:14, mapped back to the source file" \
	contains "$out" "diag error $src/errors.c:11:14: ‘i’ undeclared (first use in this function) (printed $T_TMP/broken/errors.c) in kmod_broken_sum"
check "implicit declaration error with its option" \
	contains "$out" "diag error $src/errors.c:13:9: implicit declaration of function ‘kmod_broken_undeclared’ [-Werror=implicit-function-declaration]"
check "missing semicolon error at 14:21" \
	contains "$out" "diag error $src/errors.c:14:21: expected ‘;’ before ‘}’ token"
check "warning in an included header maps to the header's source" \
	contains "$out" "diag warning $src/broken.h:8:13: unused variable ‘spare’ [-Wunused-variable] (printed $T_TMP/broken/broken.h) in broken_twice"
check "pr_info format warning points at warn.c:17:9 where the macro is used" \
	grep -qF " at $src/warn.c:17:9" <<<"$out"
check "make's '*** [...] Error' lines are error lines, not counted again" \
	contains "$out" "line error make[1]: *** ["

# --- modpost: an undefined symbol ------------------------------------------
out=$(timeout 300 "$drive" "${loc[@]}" --env KMOD_BROKEN=modpost -- make kmod \
	KMOD_SRC=tests/fixtures/kmod_broken KMOD_OUT="$T_TMP/modpost" 2>&1)
rc=$?
check "modpost failure fails the build (driver exit 1)" test "$rc" = 1
check "modpost undefined symbol is an error diagnostic" \
	contains "$out" "diag error $T_TMP/modpost/kmod_broken.ko:0:0: \"kmod_broken_missing\" [$T_TMP/modpost/kmod_broken.ko] undefined!"
check "modpost result line: 1 error, 3 warnings" \
	contains "$out" "result build failed: 1 error, 3 warnings (exit 2)"
check "the step shows MODPOST" contains "$out" "step MODPOST $T_TMP/modpost/Module.symvers"

# --- the command itself is missing -----------------------------------------
out=$("$drive" -- kmdash-no-such-make kmod 2>&1)
rc=$?
check "a missing build command is reported, not run (driver exit 3)" test "$rc" = 3
check "a missing build command says so in words" \
	contains "$out" "result build command 'kmdash-no-such-make' not found: No such file or directory (searched PATH)"
