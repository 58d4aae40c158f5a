#!/bin/sh
# futari-notify and the real futarid's export.progress (root: loop-device sticks, as in
# notify-agent.sh): `futari export -R` of a folder of 300 files shows one notification for
# the job, updated in place (the same id) with a rising progress value, then turned into
# "Exported to alpha" with all 300 files written; the files are not announced one by one.
# Another user's notifier shows nothing.
# The job is made long whatever the machine's speed: the CLI is frozen (SIGSTOP) after its
# first file was written, and the agent then sends nothing new; the progress must be shown
# all the same while it is frozen (a job gone quiet before it was long was never shown).
# Frozen again after 15 more files were written, the notification must be updated to a
# higher value (the agent sends figures it held back by its 250 ms pace once they are due).
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
# Many more files than the CLI keeps with the agent (up to 40: 8 being read, 32 in flight),
# so that freezing the CLI leaves the job unfinished: with 60 files (when the CLI kept 3),
# a distcheck build had written all 60 before the freeze took hold.
NFILES=300
for i in $(seq $NFILES); do public_file "$src/p$i.txt" 65536 "photo $i"; done
chown -R 65534:65534 "$src"
# Not as_user in the background: that is a shell (a function) whose child is the CLI, and
# SIGSTOP to the shell would not freeze the CLI at all.
setpriv --reuid=65534 --regid=65534 --clear-groups env FUTARI_SOCKET="$SOCK" \
	"$FUTARI" export -R "$src" --to alpha --reason "press kit" >"$TEST_TMP/export.out" 2>&1 &
cli=$!
defer "kill -CONT $cli 2>/dev/null"
written() {
	cat "$TEST_TMP"/log/egress-*.jsonl 2>/dev/null | grep -c '"event":"export.written"'
}
# freeze_after N: waits until more than N files were written, then freezes the CLI.
freeze_after() {
	i=0
	while [ "$(written)" -le "$1" ]; do
		i=$((i + 1))
		[ "$i" -lt 3000 ] || fail "no file written: $(cat "$TEST_TMP/export.out")"
		sleep 0.01
	done
	kill -STOP "$cli"
	[ "$(cat "/proc/$cli/comm")" = futari ] || fail "not the CLI: $(cat "/proc/$cli/comm" 2>&1)"
	i=0
	until grep -q '^State:[[:space:]]*T' "/proc/$cli/status"; do
		i=$((i + 1))
		[ "$i" -lt 100 ] || fail "the CLI is not frozen: $(cat "/proc/$cli/status" 2>&1)"
		sleep 0.01
	done
	# The CLI has at most 40 files with the agent: the job must still be running.
	[ "$(written)" -lt $((NFILES - 5)) ] || fail "the export was nearly done before it was frozen ($(written) written)"
}
# The highest progress value shown so far (0: none).
progress_value() {
	grep '"summary": *"Exporting to alpha"' "$U1/got" 2>/dev/null |
		sed -n 's/.*"value": *\([0-9]*\).*/\1/p' | sort -n | tail -n 1 | grep . || echo 0
}
freeze_after 0
wait_text "$U1/got" '"summary": *"Exporting to alpha"' ||
	fail "no progress shown for a job that went quiet (CLI frozen): $(cat "$U1/got" "$U1/notify.err" 2>&1)"
value=$(progress_value)
kill -CONT "$cli"
# 15 more files (about 1 MB of 19.7), and then the notification must show a higher value: an
# update that only says more bytes of the same files (the same percentage, CI once: 9 % twice)
# is not the progress this waits for.
freeze_after "$(($(written) + 15))"
i=0
until [ "$(progress_value)" -gt "$value" ]; do
	i=$((i + 1))
	[ "$i" -lt 300 ] || fail "the progress was not updated after more files were written: $(cat "$U1/got")"
	sleep 0.1
done
kill -CONT "$cli"
wait "$cli" || fail "the export failed: $(cat "$TEST_TMP/export.out")"
grep -q "$NFILES written" "$TEST_TMP/export.out" || fail "not all written: $(cat "$TEST_TMP/export.out")"
wait_text "$U1/got" "files done" || fail "no summary: $(cat "$U1/got" "$U1/notify.err" 2>&1)"
touch "$U1/stop" "$U2/stop"
for d in "$U1" "$U2"; do
	wait_file "$d/notify.rc" || fail "futari-notify did not stop: $(cat "$d/notify.err")"
done
python3 - "$U1/got" "$NFILES" <<'PY' || fail "wrong notifications: $(cat "$U1/got")"
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
nfiles = int(sys.argv[2])
assert "%d of %d files done" % (nfiles, nfiles) in end["body"], end
assert "%d written" % nfiles in end["body"], end
assert "value" not in end, end
# The folder's files are in the summary, not one notification each.
assert len(n) == len(prog) + 1, [x["summary"] for x in n]
print("progress values shown:", values, file=sys.stderr)
PY
grep -q "malformed" "$U1/notify.err" && fail "the notifier refused an agent event: $(cat "$U1/notify.err")"
[ ! -s "$U2/got" ] || fail "another user's notifier showed this user's export: $(cat "$U2/got")"
stop_agent
echo "ok: one progress notification for a folder, updated in place, then the summary"
