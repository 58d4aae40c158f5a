#!/bin/sh
# Every man page renders without a groff or man warning, and names the options the programs
# built here really have (each --long option of `PROGRAM [COMMAND] --help` appears in its page).
. "$top_srcdir/tests/integration/lib.sh"
require_cmd man
man_dir="$top_srcdir/docs/man"

for page in futarid.8 futari.1 futari.conf.5 futari-approve.1 futari-approver.1 futari-audit.1 \
	futari-notify.1; do
	[ -f "$man_dir/$page" ] || fail "$page is missing"
	out=$(MANWIDTH=80 man --warnings -l "$man_dir/$page" 2>&1 >/dev/null)
	[ -z "$out" ] || fail "$page renders with warnings: $out"
	MANWIDTH=80 man -l "$man_dir/$page" 2>/dev/null | grep -q . || fail "$page renders empty"
done

# check_options PAGE PROGRAM [COMMAND]: every --option in the help is in the page.
check_options() {
	page=$1 prog=$2
	shift 2
	[ -x "$prog" ] || return 0
	text=$(MANWIDTH=200 man -l "$man_dir/$page" 2>/dev/null)
	for o in $("$prog" "$@" --help 2>/dev/null | grep -oE -- '--[a-z][a-z0-9-]+' | sort -u); do
		case "$o" in --help*) continue ;; esac
		printf '%s\n' "$text" | grep -q -- "$o" || fail "$page does not describe $o of '${prog##*/} $*'"
	done
}
# commands_of PROGRAM: the commands its --help lists (GLib-style "Commands:" block).
commands_of() {
	"$1" --help 2>/dev/null | awk '/^Commands:/ { c = 1; next } c && /^  [a-z]/ { print $1 } c && /^$/ { c = 0 }'
}
# check_commands PAGE PROGRAM: every command is named in the page, and its options too.
check_commands() {
	[ -x "$2" ] || return 0
	text=$(MANWIDTH=200 man -l "$man_dir/$1" 2>/dev/null)
	cmds=$(commands_of "$2")
	[ -n "$cmds" ] || fail "${2##*/} --help lists no commands"
	for c in $cmds; do
		printf '%s\n' "$text" | grep -qE "^ +$c( |\$)" || fail "$1 does not describe the command '$c'"
		check_options "$1" "$2" "$c"
	done
}
check_options futarid.8 "$top_builddir/agent/futarid"
check_options futari-notify.1 "$top_builddir/agent/futari-notify"
check_options futari-approver.1 "$top_builddir/approver/futari-approver"
check_commands futari.1 "$top_builddir/agent/futari"
check_commands futari-approve.1 "$top_builddir/approver/futari-approve"
check_commands futari-audit.1 "$top_builddir/approver/futari-audit"

# A page that names an option the program does not have fails too (futarid: fixed list).
fake=$(mktemp -d "$TEST_TMP/man.XXXXXX")
sed 's/\\-\\-check/\\-\\-chekc/g' "$man_dir/futarid.8" >"$fake/futarid.8"
man_dir=$fake
if (check_options futarid.8 "$top_builddir/agent/futarid") 2>/dev/null; then
	fail "the option check accepted a page without --check"
fi
echo "ok: man pages render without warnings and name every option"
