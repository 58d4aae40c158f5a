#!/bin/sh
# futari-notify names the request file where `futari export` saved it (issue 19): the
# agent's export.requested event cannot know the path (the CLI writes the request after the
# reply, beside the file or, when that folder is not writable, in the current folder), so
# the CLI leaves it under $XDG_RUNTIME_DIR/futari/requests/<id> and the notifier waits for
# it briefly. Here the file's folder is root's, so the request goes to the current folder:
# the notification must name that path, not "next to it".
. "$top_srcdir/tests/integration/agent-lib.sh"
agent_enter_ns "$@"
. "$top_srcdir/tests/integration/lib.sh"
require_cmd setpriv setfattr dbus-run-session python3
N="$top_builddir/agent/futari-notify"
S="$top_builddir/tests/gui/notify-standin"
[ -x "$N" ] && [ -x "$S" ] || fail "build futari-notify and tests/gui/notify-standin first"
agent_setup
user_home
register_sticks alpha
make_stick alpha
dev_a=$STICK
start_agent
wait_ro "$dev_a" || fail "stick not read-only"

. "$top_srcdir/tests/gui/notify-lib.sh"
U1="$TEST_TMP/n-user"
notifier 65534 "$U1"

# The file in a folder the user cannot write; the user works in $HOME_U/work.
ro="$TEST_TMP/readonly"
mkdir -p "$ro" "$HOME_U/work"
chmod 0755 "$ro"
chown 65534:65534 "$HOME_U/work"
public_file "$ro/bid-spec.txt" 2000 notifytest
chmod 0644 "$ro/bid-spec.txt"
setfattr -n trusted.futari.class -v II "$ro/bid-spec.txt"
(cd "$HOME_U/work" && setpriv --reuid=65534 --regid=65534 --clear-groups \
	env FUTARI_SOCKET="$SOCK" XDG_RUNTIME_DIR="$U1/run" "$FUTARI" export "$ro/bid-spec.txt" \
	--to alpha --reason tender) >"$TEST_TMP/cli.out" 2>&1 ||
	fail "Class II export did not make a request: $(cat "$TEST_TMP/cli.out")"
want="$HOME_U/work/bid-spec.txt.futari-request"
[ -f "$want" ] || fail "the request is not in the current folder: $(cat "$TEST_TMP/cli.out")"
wait_text "$U1/got" "Write blocked" || fail "no notification: $(cat "$U1/got" "$U1/notify.err" 2>&1)"
python3 -c "
import json, sys
n = [json.loads(l) for l in open('$U1/got')]
assert 'Request saved to $want' in n[-1]['body'], n[-1]
assert n[-1]['actions'] == ['open-folder', 'Open Folder'], n[-1]
" || fail "the notification does not name the request: $(cat "$U1/got")"
[ -z "$(ls -A "$U1/run/futari/requests")" ] || fail "the hint was not removed"
touch "$U1/stop"
wait_file "$U1/notify.rc" || fail "futari-notify did not stop: $(cat "$U1/notify.err")"
stop_agent
echo "ok: the notification names the request saved in the current folder"
