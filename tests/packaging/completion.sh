#!/bin/sh
# The bash completion offers the commands and options the built programs really have.
. "$top_srcdir/tests/integration/lib.sh"
require_cmd bash
bc=/usr/share/bash-completion/bash_completion
[ -f "$bc" ] || skip "needs the bash-completion package ($bc)"

out=$(top_srcdir="$top_srcdir" PATH="$top_builddir/agent:$top_builddir/approver:$PATH" bash -c '
. /usr/share/bash-completion/bash_completion
. "$top_srcdir/packaging/bash-completion/futari-approve"
t() {
	COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}; COMPREPLY=()
	_futari_cli "$1" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}" 2>/dev/null
	echo "$*|${COMPREPLY[*]}"
}
t futari ""
t futari ex
t futari export --rea
t futari export --re
t futari-approve s
t futari-approve sign --ce
t futari-approve nosuchcommand --x
t futari-audit ""
t futari-audit verify --wi
' 2>&1)
expect() {
	printf '%s\n' "$out" | grep -qxF -- "$1" || fail "completion of '${1%%|*}': want '${1#*|}', got: $(printf '%s\n' "$out" | grep -F -- "${1%%|*}|")"
}
# Every command the program lists, in its order (the contract's three at least).
want=$("$top_builddir/agent/futari" --help | awk '/^Commands:/ { c = 1; next } c && /^  [a-z]/ { printf "%s%s", s, $1; s = " " } c && /^$/ { c = 0 }')
for c in status devices export; do
	case " $want " in *" $c "*) ;; *) fail "futari --help lacks '$c': $want" ;; esac
done
expect "futari |$want"
expect "futari ex|export"
expect "futari export --rea|--reason="
expect "futari export --re|--reason= --recursive"
expect "futari-approve s|show sign"
expect "futari-approve sign --ce|--cert="
expect "futari-approve nosuchcommand --x|"
if [ -x "$top_builddir/approver/futari-audit" ]; then
	expect "futari-audit |verify report show"
	expect "futari-audit verify --wi|--witness="
fi
echo "ok: bash completion follows the programs' --help"
