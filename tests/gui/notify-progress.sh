#!/bin/sh
# futari-notify and the agent's export.progress events (docs/agent-api.md), against a
# stand-in agent on a private session bus with the stand-in notification server:
# - a long folder job shows ONE notification, updated in place (the same id, replaces-id)
#   with a rising "value" hint, MB/s and time left, and turned at the end into what
#   happened; its files' own "Exported to" notifications are not shown one by one, a refusal
#   still is;
# - a short one-file job shows no progress; a long one-file job's progress is closed at the
#   end (its own notification says what happened);
# - a job that goes quiet before it is long (the agent sends nothing while nothing happens)
#   is shown all the same once it is long, with its last figures;
# - a job still running when the agent goes away is closed;
# - malformed progress events are reported and ignored, never shown.
skip() { echo "SKIP: $*" >&2; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }

command -v dbus-run-session >/dev/null 2>&1 || skip "dbus-run-session is not installed (package dbus)"
command -v python3 >/dev/null 2>&1 || skip "python3 is not installed"
N="$top_builddir/agent/futari-notify"
S="$abs_builddir/notify-standin"
[ -x "$N" ] || fail "$N not built"
[ -x "$S" ] || fail "$S not built"
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
T=$(mktemp -d) || fail "mktemp"
trap 'rm -rf "$T"' EXIT

python3 - "$T/events" <<'PY' || fail "cannot write the events"
import json, sys
MiB = 1048576
out = open(sys.argv[1], "w")
def ev(e):
    out.write(json.dumps({"event": e}) + "\n")
def prog(job, files, done_files, total, done, ms, finished=False, **kw):
    e = {"event": "export.progress", "job": job, "files": files, "files_done": done_files,
         "bytes": total, "bytes_done": done, "written": kw.get("written", done_files),
         "requested": 0, "refused": kw.get("refused", 0), "elapsed_ms": ms,
         "destination": {"label": "alpha"}, "finished": finished}
    ev(e)
def written(name):
    ev({"event": "export.written", "subject": {"uid": 1001},
        "object": {"path": "/home/bob/photos/" + name, "class": "III"},
        "destination": {"kind": "usb", "label": "alpha"}})
A = "a" * 32
# A short one-file job: no progress shown, its written record is.
prog("b" * 32, 1, 0, 10, 10, 5)
written("single.txt")
prog("b" * 32, 1, 1, 10, 10, 20, finished=True)
# The folder job: 4 files of 100 MiB; not yet long, then long and rising.
prog(A, 4, 0, 400 * MiB, 50 * MiB, 400)
out.write("@SLEEP 0.2\n")
written("p1.jpg")
prog(A, 4, 1, 400 * MiB, 120 * MiB, 1200)
out.write("@SLEEP 0.2\n")
written("p2.jpg")
prog(A, 4, 2, 400 * MiB, 210 * MiB, 2100)
ev({"event": "export.refused", "subject": {"uid": 1001},
    "object": {"path": "/home/bob/photos/p3.jpg", "class": "III"},
    "destination": {"kind": "usb", "label": "alpha"}, "reason": "the stick is full"})
out.write("@SLEEP 0.2\n")
prog(A, 4, 3, 400 * MiB, 330 * MiB, 3300, refused=1, written=2)
# Garbage: each refused with a reason, nothing shown.
ev({"event": "export.progress", "job": "../x", "files": 1})
ev({"event": "export.progress", "job": A, "files": -1})
ev({"event": "export.progress", "job": A, "files": 4, "files_done": "2", "bytes": 1,
    "bytes_done": 1, "written": 0, "requested": 0, "refused": 0, "elapsed_ms": 1})
written("p4.jpg")
out.write("@SLEEP 0.2\n")
prog(A, 4, 4, 400 * MiB, 400 * MiB, 4000, finished=True, refused=1, written=3)
# A long one-file job: shown, then closed.
prog("c" * 32, 1, 0, 900 * MiB, 300 * MiB, 3000)
out.write("@SLEEP 0.2\n")
written("big.iso")
prog("c" * 32, 1, 1, 900 * MiB, 900 * MiB, 9000, finished=True)
# A folder job quiet after 0.3 s (its CLI stopped, or it waits for the request limit):
# shown once it is long all the same, with its last figures, then turned into the summary.
prog("e" * 32, 3, 0, 30 * MiB, 3 * MiB, 300)
out.write("@SLEEP 2.0\n")
prog("e" * 32, 3, 3, 30 * MiB, 30 * MiB, 2400, finished=True)
# A job still running when the agent goes away: its notification is closed, not left at
# its last figure.
prog("d" * 32, 2, 1, 20 * MiB, 10 * MiB, 5000)
out.write("@SLEEP 0.3\n")
PY

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
kill \$standin
exit \$rc
INNER
dbus-run-session -- sh "$T/inner.sh" || { cat "$T/notify.err" >&2; fail "futari-notify failed"; }
cat "$T/notify.err" >&2
python3 - "$T/got" <<'PY' || fail "wrong notifications: $(cat "$T/got")"
import json, sys
n = [json.loads(l) for l in open(sys.argv[1])]
# The first close is the notifier's own (libnotify closes the rest when it exits).
closed = [int(l) for l in open(sys.argv[1] + ".closed")]
summaries = [x["summary"] for x in n]
# The short single file: its own notification only.
assert n[0]["summary"] == "Exported to alpha" and "single.txt" in n[0]["body"], n[0]
# The folder: one id from the first progress to the summary.
job = [x for x in n if x["summary"] == "Exporting to alpha" or "files done" in x["body"]]
folder = [x for x in job if x["id"] == job[0]["id"]]
values = [x["value"] for x in folder if "value" in x]
assert len(values) == 3, folder           # 1.2 s, 2.1 s, 3.3 s (not the 0.4 s one)
assert values == sorted(values) and values[0] < values[-1], values
assert values == [30, 52, 82], values
assert all(x["replaces"] == folder[0]["id"] for x in folder[1:]), folder
assert folder[0]["replaces"] == 0, folder[0]
# 120 MiB of 400 MiB in 1.2 s: 104.9 MB/s, 2 s left (g_format_size: SI units, a no-break
# space).
assert folder[0]["body"] == "1 of 4 files, 125.8\xa0MB of 419.4\xa0MB, 104.9\xa0MB/s, 0:02 left", folder[0]
end = folder[-1]
assert end["summary"] == "Export to alpha finished: 1 refused", end
assert "4 of 4 files done" in end["body"] and "3 written" in end["body"], end
assert "value" not in end and end["urgency"] == 2, end
# Its files are in the summary, not one by one; the refusal is said on its own.
assert not any("p1.jpg" in x["body"] or "p2.jpg" in x["body"] or "p4.jpg" in x["body"]
               for x in n), summaries
assert any(x["summary"] == "Export of p3.jpg refused" for x in n), summaries
# The long single file: shown (its own id), then closed; its own notification says it.
big = [x for x in job if x["id"] != folder[0]["id"] and "0 of 1 files" in x["body"]]
assert len(big) == 1 and big[0]["value"] == 33, big
assert closed[0] == big[0]["id"], closed
# The quiet job: shown by the notifier's own timer (no event of it said it was long).
quiet = [x for x in job if "of 3 files" in x["body"]]
assert len(quiet) == 2 and quiet[0]["value"] == 10, quiet
assert quiet[0]["summary"] == "Exporting to alpha" and "0 of 3 files" in quiet[0]["body"], quiet
assert quiet[1]["id"] == quiet[0]["id"] and quiet[1]["replaces"] == quiet[0]["id"], quiet
assert "3 of 3 files done" in quiet[1]["body"] and "value" not in quiet[1], quiet
left = [x for x in job if "1 of 2 files" in x["body"]]
assert len(left) == 1 and left[0]["value"] == 50, left
assert closed[1] == left[0]["id"], closed
assert any("big.iso" in x["body"] for x in n), summaries
assert len(n) == 1 + 4 + 1 + 1 + 1 + 2 + 1, summaries
PY
[ "$(grep -c "malformed event" "$T/notify.err")" -eq 3 ] || fail "malformed progress not reported 3 times"
grep -q "cannot close" "$T/notify.err" && fail "a progress notification could not be closed"
exit 0
