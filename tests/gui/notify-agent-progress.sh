#!/bin/sh
# futari-notify and the real futarid's export.progress (root: loop-device sticks, as in
# notify-agent.sh): `futari export -R` of a folder of 60 files, frozen (SIGSTOP) for 2 s
# after its first file was written so the job is long whatever the machine's speed, shows
# one notification for the job, updated in place (the same id) with a rising progress
# value, then turned into "Exported to alpha" with all 60 files written; the files are not
# announced one by one. Another user's notifier shows nothing.
. "$top_srcdir/tests/integration/agent-lib.sh"
agent_enter_ns "$@"
. "$top_srcdir/tests/integration/lib.sh"
require_cmd setpriv dbus-run-session python3
N="$top_builddir/agent/futari-notify"
S="$top_builddir/tests/gui/notify-standin"
[ -x "$N" ] && [ -x "$S" ] || fail "build futari-notify and tests/gui/notify-standin first"
agent_setup
user_home
register_sticks alpha
make_stick alpha 96M
dev_a=$STICK
start_agent
wait_ro "$dev_a" || fail "stick not read-only"

. "$top_srcdir/tests/gui/notify-lib.sh"
U1="$TEST_TMP/n-user"
U2="$TEST_TMP/n-other"
other=$(getent passwd daemon | cut -d: -f3)
[ -n "$other" ] && [ "$other" != 0 ] && [ "$other" != 65534 ] || skip "no \"daemon\" user for a second notifier"
notifier 65534 "$U1"
notifier "$other" "$U2"

src="$HOME_U/photos"
mkdir -p "$src"
for i in $(seq 60); do public_file "$src/p$i.txt" 524288 "photo $i"; done
chown -R 65534:65534 "$src"
as_user "$FUTARI" export -R "$src" --to alpha --reason "press kit" >"$TEST_TMP/export.out" 2>&1 &
cli=$!
# Freeze the CLI once the agent has written its first file.
i=0
until grep -qs '"event":"export.written"' "$TEST_TMP"/log/egress-*.jsonl; do
	i=$((i + 1))
	[ "$i" -lt 3000 ] || fail "no file written: $(cat "$TEST_TMP/export.out")"
	sleep 0.01
done
kill -STOP "$cli"
sleep 2
kill -CONT "$cli"
wait "$cli" || fail "the export failed: $(cat "$TEST_TMP/export.out")"
grep -q "60 written" "$TEST_TMP/export.out" || fail "not all written: $(cat "$TEST_TMP/export.out")"
wait_text "$U1/got" "files done" || fail "no summary: $(cat "$U1/got" "$U1/notify.err" 2>&1)"
touch "$U1/stop" "$U2/stop"
for d in "$U1" "$U2"; do
	wait_file "$d/notify.rc" || fail "futari-notify did not stop: $(cat "$d/notify.err")"
done
python3 - "$U1/got" <<'PY' || fail "wrong notifications: $(cat "$U1/got")"
import json, sys
n = [json.loads(l) for l in open(sys.argv[1])]
prog = [x for x in n if x["summary"] == "Exporting to alpha"]
assert len(prog) >= 2, n
job = prog[0]["id"]
assert all(x["id"] == job for x in prog), n
assert all(x["replaces"] == job for x in prog[1:]), n
values = [x["value"] for x in prog]
assert values == sorted(values) and values[0] < values[-1], values
end = n[-1]
assert end["summary"] == "Exported to alpha" and end["id"] == job and end["replaces"] == job, end
assert "60 of 60 files done" in end["body"] and "60 written" in end["body"], end
assert "value" not in end, end
# The folder's files are in the summary, not one notification each.
assert len(n) == len(prog) + 1, [x["summary"] for x in n]
print("progress values shown:", values, file=sys.stderr)
PY
grep -q "malformed" "$U1/notify.err" && fail "the notifier refused an agent event: $(cat "$U1/notify.err")"
[ ! -s "$U2/got" ] || fail "another user's notifier showed this user's export: $(cat "$U2/got")"
stop_agent
echo "ok: one progress notification for a folder, updated in place, then the summary"
