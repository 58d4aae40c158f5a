#!/bin/sh
# futari-notify against the real futarid (root: loop-device sticks, as in
# tests/integration/agent-export.sh). The user's notifier runs on a private session bus with
# the stand-in notification server: a Class III export shows "Exported to alpha", a Class II
# export "Write blocked: Class II needs approval" with an Open Folder action; another user's
# notifier, subscribed at the same time, shows nothing.
. "$top_srcdir/tests/integration/agent-lib.sh"
agent_enter_ns "$@"
. "$top_srcdir/tests/integration/lib.sh"
require_cmd setpriv setfattr dbus-run-session
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
U2="$TEST_TMP/n-other"
# dbus-daemon needs a passwd entry: the other user is "daemon".
other=$(getent passwd daemon | cut -d: -f3)
[ -n "$other" ] && [ "$other" != 0 ] && [ "$other" != 65534 ] || skip "no \"daemon\" user for a second notifier"
notifier 65534 "$U1"
notifier "$other" "$U2"

public_file "$HOME_U/report.txt" 2000 notifytest
cp "$HOME_U/report.txt" "$HOME_U/bid-spec.txt"
chown 65534:65534 "$HOME_U/bid-spec.txt"
setfattr -n trusted.futari.class -v II "$HOME_U/bid-spec.txt"
as_user "$FUTARI" export "$HOME_U/report.txt" --to alpha --reason "press kit" >/dev/null 2>&1 ||
	fail "Class III export refused"
as_user "$FUTARI" export "$HOME_U/bid-spec.txt" --to alpha --reason "tender" >/dev/null 2>&1 ||
	fail "Class II export did not make a request"
wait_text "$U1/got" "Write blocked" || fail "no notification for the request: $(cat "$U1/got" "$U1/notify.err" 2>&1)"
touch "$U1/stop" "$U2/stop"
for d in "$U1" "$U2"; do
	wait_file "$d/notify.rc" || fail "futari-notify did not stop: $(cat "$d/notify.err")"
done

[ "$(wc -l <"$U1/got")" -eq 2 ] || fail "expected 2 notifications: $(cat "$U1/got")"
python3 -c "
import json, sys
n = [json.loads(l) for l in open('$U1/got')]
assert n[0]['summary'] == 'Exported to alpha', n[0]
assert 'report.txt (Class III) was written to alpha.' in n[0]['body'], n[0]
assert n[1]['summary'] == 'Write blocked: Class II needs approval', n[1]
assert 'bid-spec.txt was not copied to alpha' in n[1]['body'], n[1]
assert n[1]['actions'] == ['open-folder', 'Open Folder'], n[1]
" || fail "wrong notifications: $(cat "$U1/got")"
grep -q "malformed" "$U1/notify.err" && fail "the notifier refused an agent event: $(cat "$U1/notify.err")"
[ ! -s "$U2/got" ] || fail "another user's notifier showed this user's exports: $(cat "$U2/got")"
stop_agent
echo "ok: futari-notify showed the user's export and request from the real agent, not another user's"
