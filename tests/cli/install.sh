#!/usr/bin/env bash
# make install puts the binary, the themes, the man page and the two
# completion scripts where their tools look, and uninstall takes them away.
. "$(dirname "$0")/../lib.sh"

KM=${KMDASH:-$T_BUILD/asan/kmdash}
[ -x "$KM" ] || KM=$T_BUILD/kmdash
D=$T_TMP/root
P=/usr

make -s -C "$T_ROOT" install DESTDIR="$D" PREFIX="$P" INSTALL_BIN="$KM" >"$T_TMP/install.log" 2>&1
check "make install succeeds" test $? -eq 0 || cat "$T_TMP/install.log"
check "the binary" test -x "$D$P/bin/kmdash"
check "the man page" cmp -s "$D$P/share/man/man1/kmdash.1" "$T_ROOT/cli/kmdash.1"
check "the themes" test -s "$D$P/share/kmdash/themes/default.json"
check "bash completion where bash-completion loads it" \
	cmp -s "$D$P/share/bash-completion/completions/kmdash" <("$KM" completion bash)
check "zsh completion in site-functions" \
	cmp -s "$D$P/share/zsh/site-functions/_kmdash" <("$KM" completion zsh)
make -s -C "$T_ROOT" uninstall DESTDIR="$D" PREFIX="$P" >/dev/null 2>&1
left=$(find "$D" -type f)
check "make uninstall removes them all" test -z "$left"
[ -z "$left" ] || echo "left: $left"
