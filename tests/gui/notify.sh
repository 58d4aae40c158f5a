#!/bin/sh
# futari-notify against a private session bus with a stand-in notification server
# (notify-standin records every Notify call) and a stand-in agent (fake-agent.py) that
# sends events for the user, garbage among them: the right notifications arrive, with the
# "Open Folder" action where a folder helps, markup escaped, and garbage ignored without
# a crash. A refused subscription makes the notifier say so.
skip() { echo "SKIP: $*" >&2; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }

command -v dbus-run-session >/dev/null 2>&1 || skip "dbus-run-session is not installed (package dbus)"
command -v python3 >/dev/null 2>&1 || skip "python3 is not installed"
N="$top_builddir/agent/futari-notify"
S="$abs_builddir/notify-standin"
[ -x "$N" ] || fail "$N not built"
[ -x "$S" ] || fail "$S not built"
# GTK, fontconfig and GDBus keep process-lifetime allocations that LeakSanitizer reports
# (the sanitizer build in .ci/run): leak checking stays on for every other suite, off for
# these processes; ASan and UBSan still abort on any memory error here.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
T=$(mktemp -d) || fail "mktemp"
trap 'rm -rf "$T"' EXIT

cat >"$T/events" <<'EV'
{"event":{"event":"export.requested","subject":{"uid":1001},"object":{"path":"/home/bob/報告書.xlsx","class":"II"},"destination":{"kind":"usb","label":"STICK"},"detail":{"request_file":"/home/bob/futari/r1.futari-request"}}}
not json at all
{"event":"export.written"}
{"event":{"event":"export.written","object":{"path":1}}}
@OVERSIZED
{"event":{"event":"device.attach"}}
{"event":{"event":"export.written","object":{"path":"/home/bob/a.txt","class":"III"},"destination":{"kind":"usb","label":"<b>STICK</b>"}}}
{"event":{"event":"upload.denied","object":{"path":"/home/bob/名簿.csv","class":"I"},"destination":{"kind":"upload","program":"/usr/bin/firefox"}}}
EV

# run INNER-SCRIPT: inside one private session bus
cat >"$T/inner.sh" <<INNER
"$S" "$T/got" "$T/standin.ready" &
standin=\$!
for i in \$(seq 600); do [ -e "$T/standin.ready" ] && break; sleep 0.1; done
[ -e "$T/standin.ready" ] || { echo "stand-in server did not start" >&2; kill \$standin; exit 1; }
python3 "$top_srcdir/tests/gui/fake-agent.py" "$T/sock" "$T/events" "$T/agent.ready" &
agent=\$!
for i in \$(seq 100); do [ -e "$T/agent.ready" ] && break; sleep 0.1; done
LC_ALL=C.UTF-8 FUTARI_SOCKET="$T/sock" "$N" --once 2>"$T/notify.err"
rc=\$?
wait \$agent || rc=1
rm -f "$T/sock" "$T/agent.ready"
python3 "$top_srcdir/tests/gui/fake-agent.py" --refuse "$T/sock" "$T/events" "$T/agent.ready" &
agent=\$!
for i in \$(seq 100); do [ -e "$T/agent.ready" ] && break; sleep 0.1; done
LC_ALL=C.UTF-8 "$N" --socket "$T/sock" --once 2>"$T/refused.err"
echo \$? >"$T/refused.rc"
wait \$agent
kill \$standin
exit \$rc
INNER
dbus-run-session -- sh "$T/inner.sh" || { cat "$T/notify.err" >&2; fail "futari-notify failed"; }
cat "$T/notify.err" >&2

[ "$(wc -l <"$T/got")" -eq 3 ] || { cat "$T/got" >&2; fail "expected 3 notifications"; }
py() { python3 -c "import json,sys; n=[json.loads(l) for l in open('$T/got')]; $1"; }
py 'assert n[0]["summary"] == "Write blocked: Class II needs approval", n[0]
assert "Request saved to /home/bob/futari/r1.futari-request" in n[0]["body"], n[0]
assert n[0]["actions"] == ["open-folder", "Open Folder"], n[0]
assert n[1]["summary"] == "Exported to <b>STICK</b>", n[1]
assert "&lt;b&gt;STICK&lt;/b&gt;" in n[1]["body"] and "<b>" not in n[1]["body"], n[1]
assert n[2]["summary"] == "Upload of 名簿.csv denied", n[2]
assert "/usr/bin/firefox" in n[2]["body"] and n[2]["urgency"] == 2, n[2]' ||
	fail "wrong notifications: $(cat "$T/got")"
grep -q "message is not JSON" "$T/notify.err" || fail "garbage not reported"
grep -q "message larger than" "$T/notify.err" || fail "oversized message not reported"
grep -q "malformed event" "$T/notify.err" || fail "malformed event not reported"
[ "$(cat "$T/refused.rc")" = 1 ] || fail "a refused subscription did not fail"
grep -q "refused the subscription" "$T/refused.err" || fail "refusal not reported"
exit 0
