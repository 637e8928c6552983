#!/usr/bin/env bash
# The completion scripts that `kmdash completion bash|zsh` writes from the
# command table: sourced in a shell, their function completes commands,
# options (before and after the command), run's steps, vm's verbs and the
# configuration's targets, as a user's Tab would.
. "$(dirname "$0")/../lib.sh"

KM=${KMDASH:-$T_BUILD/asan/kmdash}
[ -x "$KM" ] || KM=$T_BUILD/kmdash
CFG=$T_TMP/config.json
# the target names are the fixture's
cat >"$CFG" <<'EOC'
{
  "targets": [
    { "name": "pi-lab", "ssh": { "host": "127.0.0.1", "port": 1, "user": "pi" } },
    { "name": "pi-desk", "ssh": { "host": "127.0.0.1", "port": 2, "user": "pi" } }
  ]
}
EOC
targets=$(grep -o '"name": "[^"]*"' "$CFG" | cut -d'"' -f4 | sort)

"$KM" completion bash >"$T_TMP/kmdash.bash"
check "completion bash: a script" test -s "$T_TMP/kmdash.bash"

# bash_complete WORD...: what Tab offers for the last word (sorted), the
# line being kmdash WORD..., as bash-completion calls the function.
bash_complete()
{
	bash --norc --noprofile -c '
		. "$1"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"
		COMP_POINT=${#COMP_LINE}
		_kmdash "$1" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
		printf "%s\n" "${COMPREPLY[@]}"' _ "$T_TMP/kmdash.bash" "$KM" "$@" | sort
}
# offers EXPECTED WORD...: Tab on the words offers exactly EXPECTED.
offers()
{
	local want=$1 got
	shift
	got=$(bash_complete "$@")
	[ "$got" = "$want" ] && return 0
	echo "completing '$*': got [$got], expected [$want]" >&2
	return 1
}
# offers_all WORDS LINE...: Tab offers at least each of WORDS.
offers_all()
{
	local want=$1 got w
	shift
	got=$(bash_complete "$@")
	for w in $want; do
		grep -qx -- "$w" <<<"$got" || { echo "completing '$*': no $w in [$got]" >&2; return 1; }
	done
}

check "bash: the script registers _kmdash for kmdash" \
	bash --norc -c '. "$1" && complete -p kmdash | grep -q "complete -F _kmdash kmdash"' _ "$T_TMP/kmdash.bash"
check "bash: kmdash ru<Tab> completes to run" offers run ru
check "bash: kmdash run --<Tab> offers run's options" \
	offers_all "--json --config --target --help" run --
check "bash: ... and not another command's" \
	bash -c '! grep -qx -- --follow <<<"$1"' _ "$(bash_complete run --)"
check "bash: kmdash run bu<Tab>: build" offers build run bu
check "bash: kmdash run cycle --js<Tab>: an option after a step" offers --json run cycle --js
check "bash: the step words are run's" \
	offers "$("$KM" help run | sed -n 's/^steps: //p' | tr -d , | tr ' ' '\n' | sort)" run ''
check "bash: an option's argument is no command" offers status -t x st
check "bash: kmdash vm s<Tab>: its verbs" \
	offers "$("$KM" help vm | sed -n 's/^verbs: //p' | tr -d , | tr ' ' '\n' | grep '^s' | sort)" vm s
check "bash: kmdash vm start <Tab>: one verb only" offers "" vm start ''
check "bash: kmdash vm ssh -- <Tab>: a remote command, no verb" offers "" vm ssh -- ''
check "bash: vm start --machine <Tab>: the machines" \
	offers "$(printf '%s\n' raspi3b virt)" vm start --machine ''
check "bash: --pane <Tab>: the panes" offers_all "console dmesg bench" --pane ''
check "bash: --target <Tab>: the config's targets" \
	offers "$targets" --config "$CFG" --target ''
check "bash: trust <Tab>: the config's targets" \
	offers "$targets" -c "$CFG" trust ''
check "bash: after --, no options" offers "" trust -- --

# zsh: the same logic, with compadd/_describe/_files standing in for the
# completion system (outside a widget they do not run).
"$KM" completion zsh >"$T_TMP/_kmdash"
if ! command -v zsh >/dev/null; then
	skip "zsh: the script completes" "zsh is not installed (make deps)"
	exit 0
fi
check "zsh: the script parses" zsh -n "$T_TMP/_kmdash"
zsh_complete()
{
	zsh -f -c '
		compdef() { :; }
		compadd() { while [[ $1 == -* && $1 != -- ]]; do shift; done; [[ $1 == -- ]] && shift; print -l -- "$@"; }
		_describe() { local a; for a in ${(P)${@[-1]}}; do print -r -- ${a%%:*}; done; }
		_files() { print -- FILES; }
		. "$1"; shift
		words=("$@"); CURRENT=$#
		_kmdash' _ "$T_TMP/_kmdash" "$KM" "$@" | sort
}
zsh_offers()
{
	local want=$1 got
	shift
	got=$(zsh_complete "$@" | grep -x -- "${@: -1}.*")
	[ "$got" = "$want" ] && return 0
	echo "zsh completing '$*': got [$got], expected [$want]" >&2
	return 1
}
check "zsh: kmdash ru<Tab>: run" zsh_offers run ru
check "zsh: kmdash run --j<Tab>: --json" zsh_offers --json run --j
check "zsh: kmdash run cycle --j<Tab>: an option after a step" zsh_offers --json run cycle --j
check "zsh: kmdash run re<Tab>: the steps" zsh_offers "$(printf '%s\n' reload)" run re
check "zsh: kmdash vm st<Tab>" zsh_offers "$(printf '%s\n' start status stop)" vm st
check "zsh: --config <Tab>: files" zsh_offers FILES --config ''
check "zsh: --target <Tab>: the config's targets" \
	zsh_offers "$targets" --config "$CFG" --target ''
