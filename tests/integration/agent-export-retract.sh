#!/bin/sh
# Evidence that fails closed (issue 18): a file whose export.written record is in the log
# but which then cannot take its name (here the name was taken on the stick while the agent
# stood between the durable record and the rename) is removed, and the export.failed record
# that follows withdraws the written one: it names the same temporary file (detail.partial)
# and says so (detail.retracts). The CLI reports the failure; the user's desktop hears only
# of the failure (export.written is told once the file has its name); the monthly report
# does not count or list the export. Before the fix the log held export.written and then an
# export.failed that named neither, and the report counted a file that is not on the stick.
. "$(dirname "$0")/agent-lib.sh"
agent_enter_ns "$@"
. "$(dirname "$0")/lib.sh"
require_cmd setpriv sha256sum
[ -x /usr/bin/python3 ] || skip "needs /usr/bin/python3"
agent_setup
user_home
register_sticks alpha
make_stick alpha
dev=$STICK
mnt="$TEST_TMP/mnt"
mkdir -p "$mnt"
public_file "$HOME_U/data.bin" 5000 databin
chown 65534:65534 "$HOME_U/data.bin"
STATE="$TEST_TMP/state"
L="$TEST_TMP/log"

export FUTARI_TEST_PAUSE_AT=logged
start_agent
unset FUTARI_TEST_PAUSE_AT
wait_ro "$dev" || fail "not read-only"
# The user's desktop: it must never hear "written" of a file that did not get its name.
agent_subscribe 65534 "$TEST_TMP/sub.out" 120
as_user "$FUTARI" export "$HOME_U/data.bin" --to alpha --dir r --reason r >"$TEST_TMP/bg.out" 2>&1 &
job=$!
wait_file "$STATE/paused-logged" || fail "the agent never reached the step after the log"
# The record is durable now; the name is taken on the agent's own mount before the rename.
priv=$(ls -d "$STATE"/mnt-* | head -1)
[ -d "$priv/r" ] || fail "no private mount with the folder: $priv"
mkdir "$priv/r/data.bin" || fail "cannot take the name"
rm -f "$STATE/paused-logged"
if wait $job; then
	fail "the export reported success though its file could not take its name: $(cat "$TEST_TMP/bg.out")"
fi
wait_text "$TEST_TMP/sub.out" '"export.failed".*data.bin' ||
	fail "the desktop did not hear of the failure: $(cat "$TEST_TMP/sub.out")"
grep '"export.failed"' "$TEST_TMP/sub.out" | grep -q '"retracts":"export.written"' ||
	fail "the failure the desktop heard does not withdraw the record: $(cat "$TEST_TMP/sub.out")"
grep '"event":"export.written"' "$TEST_TMP/sub.out" | grep -q 'data.bin' &&
	fail "the desktop heard 'written' of a file that is not on the stick: $(cat "$TEST_TMP/sub.out")"
stop_agent
mount -o ro "$dev" "$mnt" 2>/dev/null || fail "cannot mount the stick"
defer "umount $mnt 2>/dev/null"
find "$mnt/" -name '.futari-partial-*' | grep -q . && fail "a partial file was left on the stick"
[ -d "$mnt/r/data.bin" ] || fail "the name the test took is gone"
ls "$mnt/r" | grep -v '^data.bin$' | grep -q . && fail "another file is on the stick: $(ls "$mnt/r")"

cat "$L"/egress-*.jsonl >"$TEST_TMP/all.jsonl"
/usr/bin/python3 - "$TEST_TMP/all.jsonl" <<'PY' || fail "the log does not pair the records"
import json, sys
written, failed = [], []
for line in open(sys.argv[1], encoding="utf-8"):
    r = json.loads(line)
    d = r.get("detail") or {}
    if r.get("event") == "export.written":
        written.append(d.get("partial"))
    elif r.get("event") == "export.failed" and (r.get("object") or {}).get("path", "").endswith("data.bin"):
        failed.append(d)
if len(written) != 1 or not written[0]:
    sys.exit("expected one export.written with detail.partial, got %r" % written)
if len(failed) != 1:
    sys.exit("expected one export.failed of data.bin, got %r" % failed)
if failed[0].get("partial") != written[0] or failed[0].get("retracts") != "export.written":
    sys.exit("export.failed does not withdraw the written record: %r" % failed[0])
PY

"$top_builddir/approver/futari-audit" report --month "$(date -u +%Y-%m)" --lang en \
	--out "$TEST_TMP/report" "$L" >"$TEST_TMP/report.out" 2>&1 || fail "report: $(cat "$TEST_TMP/report.out")"
/usr/bin/python3 - "$TEST_TMP/report/summary.json" <<'PY' || fail "the report counts the withdrawn export"
import json, sys
s = json.load(open(sys.argv[1], encoding="utf-8"))
if s["exports"]["III"] != 0 or s["exports_withdrawn"] != 1:
    sys.exit("exports %r, withdrawn %r" % (s["exports"], s.get("exports_withdrawn")))
PY
grep -q 'data\.bin' "$TEST_TMP/report/report.html" && fail "the report lists the withdrawn export"
exit 0
