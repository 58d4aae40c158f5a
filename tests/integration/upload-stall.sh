#!/bin/sh
# Upload control cannot be frozen (issue 14, point 1), in the real futarid with an [upload]
# group on a loop-mounted ext4 and on a user's FUSE filesystem:
# - a write lease (F_SETLEASE) the attacker holds on their own file: another user's open is
#   answered within a bound while the attacker's opener waits on it, and an upload program
#   cannot read the leased file (before: the listener's own open of the file waited for
#   lease-break-time, 45 s, and every open on the filesystem with it);
# - a FUSE file whose reads never return (stallfs.py): an upload program is denied at once,
#   another user's open stays fast (before: the classifier read it on the listener thread and
#   everything waited for ever);
# - a 200 MiB file, and zip bombs (780 KiB inflating to 250 MiB), being classified: another
#   user's opens stay fast (before: they waited for the classification);
# - a Class III file of the user's own, rewritten through a shared mmap (no modify event):
#   an upload program opening it afterwards is denied (before: the ignore mark set when cat
#   read it twice survived, and curl read the new content);
# - a root file with an ignore mark, chowned to the user and rewritten through mmap: denied
#   (before: the mark outlived the chown and curl's open never reached the agent);
# - `futari label`: a root-owned copy of relabelled content, judged Class III and marked
#   before, is judged again (before: only the labelled path was forgotten).
. "$(dirname "$0")/agent-lib.sh"
agent_enter_ns "$@"
. "$(dirname "$0")/lib.sh"
require_cmd setpriv setfattr curl timeout
PY=/usr/bin/python3
[ -x "$PY" ] || skip "needs /usr/bin/python3 (lease holder, mmap writer, timing)"
agent_setup
user_home

watched_fs 512M
U="$wfs/home"  # the attacker's (uid 65534)
V="$wfs/other" # another user's (uid 65533)
P="$wfs/pub"   # root's shared files
mkdir -p "$U" "$V" "$P"
chown 65534:65534 "$U"
chown 65533:65533 "$V"

fuse=""
if "$PY" -c 'import fusepy' 2>/dev/null && [ -c /dev/fuse ] &&
	{ command -v fusermount3 || command -v fusermount; } >/dev/null 2>&1; then
	fmnt="$TEST_TMP/fuse"
	release="$TEST_TMP/release"
	mkdir -p "$fmnt"
	"$PY" "$top_srcdir/tests/integration/stallfs.py" "$fmnt" "$release" \
		>"$TEST_TMP/stallfs.log" 2>&1 &
	fuse_pid=$!
	defer "touch $release; umount -l $fmnt 2>/dev/null; kill_ours $fuse_pid"
	for _ in $(seq 100); do
		[ -f "$fmnt/stall.txt" ] && { fuse=$fmnt; break; }
		sleep 0.1
	done
fi
[ -n "$fuse" ] || echo "note: no FUSE here (python3-fusepy, /dev/fuse, fusermount): FUSE part skipped" >&2

printf 'label-store = %s\n' "$TEST_TMP/state/labels" >>"$ETC/agent.conf"
cat >>"$ETC/agent.conf" <<CONF

[upload]
filesystems = $wfs${fuse:+;$fuse}
programs = /usr/bin/curl
CONF
start_agent
L="$TEST_TMP/log"

# The other user's opens, timed: prints the slowest (listing included) in milliseconds.
cat >"$TEST_TMP/opens.py" <<'PY'
import os, sys, time
worst = 0.0
for r in range(int(sys.argv[2])):
    t = time.monotonic()
    names = sorted(os.listdir(sys.argv[1]))
    worst = max(worst, time.monotonic() - t)
    for name in names:
        t = time.monotonic()
        fd = os.open(os.path.join(sys.argv[1], name), os.O_RDONLY)
        worst = max(worst, time.monotonic() - t)
        os.close(fd)
print(int(worst * 1000))
PY
chmod 0644 "$TEST_TMP/opens.py"
# Batches of 40 files the other user has never opened (so no ignore mark lets them skip the
# agent), made now, before any attack.
for b in 1 2 3 4 5 6; do
	mkdir -p "$V/b$b"
	for i in $(seq 40); do printf 'note %s\n' "$i" >"$V/b$b/n$i.txt"; done
done
chown -R 65533:65533 "$V"
# other_user_fast WHAT: the other user opens a new batch 3 times; each open within 300 ms and
# the whole run (the interpreter's start included) within 5 s (measured here: at most 15 ms
# under every attack below, on a loaded 2-CPU machine; before the fix these waited 45 s, for
# ever, or 0.6 s and more).
batch=0
other_user_fast() {
	batch=$((batch + 1))
	t0=$(date +%s%N)
	worst=$(as_v timeout 60 "$PY" "$TEST_TMP/opens.py" "$V/b$batch" 3) ||
		fail "$1: another user's opens did not finish in 60 s"
	total=$((($(date +%s%N) - t0) / 1000000))
	echo "$1: another user's slowest open took $worst ms, the run $total ms" >&2
	[ "$worst" -lt 300 ] || fail "$1: another user's open waited $worst ms"
	[ "$total" -lt 5000 ] || fail "$1: another user's run took $total ms"
}
other_user_fast "at rest"

# --- a write lease ------------------------------------------------------------------------
printf 'my own file\n' >"$U/leased.txt"
chown 65534:65534 "$U/leased.txt"
cat >"$TEST_TMP/lease.py" <<'PY'
import fcntl, os, signal, sys, time
signal.signal(signal.SIGIO, signal.SIG_IGN)  # never let go when the kernel asks
F_SETLEASE = 1024
# One open, the lease tried on it again and again: the agent answers the open's permission
# event before it closes the event's descriptor, so a lease tried at once can find that
# descriptor still open (EAGAIN). Reopening for each try (as before) made each try the same
# race again, and a slow agent (the sanitizer build) lost all of them.
fd = os.open(sys.argv[1], os.O_RDWR)
for _ in range(300):
    try:
        fcntl.fcntl(fd, F_SETLEASE, fcntl.F_WRLCK)
        break
    except OSError:  # the agent still holds its event descriptor of our own open
        time.sleep(0.1)
else:
    sys.exit(3)
# A write of our own: an ignore mark an earlier open may have earned falls with it, so
# the next open of the file goes to the agent.
os.pwrite(fd, b"\n", os.fstat(fd).st_size)
open(sys.argv[2], "w").close()
time.sleep(120)
PY
chmod 0644 "$TEST_TMP/lease.py"
# Not through as_u: $! must be the lease holder itself, not a subshell around it.
setpriv --reuid=65534 --regid=65534 --clear-groups "$PY" "$TEST_TMP/lease.py" "$U/leased.txt" "$HOME_U/leased" &
lease_pid=$!
defer "kill_ours $lease_pid"
wait_file "$HOME_U/leased" 350 || fail "could not take a write lease in 35 s"
# The attacker's own opener: it triggers the lease break, again and again.
(for _ in 1 2 3 4 5; do as_u timeout 50 cat "$U/leased.txt" >/dev/null 2>&1; done) &
opener=$!
sleep 0.5
other_user_fast "while a lease is held"
rc=0
out=$(as_u timeout 50 curl -s "file://$U/leased.txt" 2>&1) || rc=$?
[ "$rc" != 0 ] && [ "$rc" != 124 ] || fail "curl on the leased file: exit $rc (124: it waited)"
case "$out" in *"my own file"*) fail "curl read the leased file" ;; esac
kill "$lease_pid" 2>/dev/null
wait "$lease_pid" 2>/dev/null
wait "$opener" 2>/dev/null

# --- a FUSE file whose reads never return ------------------------------------------------
if [ -n "$fuse" ]; then
	as_u timeout 50 curl -s "file://$fuse/stall.txt" >"$TEST_TMP/fuse-curl.out" 2>&1 &
	fcurl=$!
	sleep 0.5
	other_user_fast "while curl opens a stalled FUSE file"
	rc=0
	wait "$fcurl" || rc=$?
	[ "$rc" != 0 ] && [ "$rc" != 124 ] || fail "curl on the stalled FUSE file: exit $rc"
	expect_log '"event":"upload.denied".*stall.txt.*FUSE' "no upload.denied for the FUSE file"
fi

# --- a 200 MiB file being classified ------------------------------------------------------
public_file "$U/big.txt" $((200 * 1024 * 1024)) big
as_u timeout 50 curl -s "file://$U/big.txt" -o /dev/null &
bcurl=$!
sleep 0.3
other_user_fast "while a 200 MiB file is classified"
wait "$bcurl" || true

# --- a zip bomb ----------------------------------------------------------------------------
# 780 KiB that inflate to 250 MiB (under the classifier's limit, so it is inflated: about a
# second each). Three copies, each opened twice by cat (before, the second open made the
# listener classify it on the thread answering everyone) and once by curl.
cat >"$TEST_TMP/bomb.py" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
    z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')
    body = b"<w:p><w:r><w:t>" + b"public notice " * 64 + b"</w:t></w:r></w:p>"
    with z.open("word/document.xml", "w", force_zip64=True) as f:
        f.write(b'<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>')
        chunk = body * 1024
        for _ in range(250 * 1024 * 1024 // len(chunk)):
            f.write(chunk)
        f.write(b"</w:body></w:document>")
PY
"$PY" "$TEST_TMP/bomb.py" "$U/bomb1.docx" || fail "cannot make the zip bomb"
cp "$U/bomb1.docx" "$U/bomb2.docx"
cp "$U/bomb1.docx" "$U/bomb3.docx"
chown 65534:65534 "$U"/bomb*.docx
(
	for f in bomb1 bomb2 bomb3; do
		as_u cat "$U/$f.docx" >/dev/null
		as_u cat "$U/$f.docx" >/dev/null
		as_u timeout 20 curl -s "file://$U/$f.docx" -o /dev/null
	done
) &
bombs=$!
sleep 0.3
other_user_fast "while zip bombs are classified"
wait "$bombs" || true

# --- a shared mmap rewrite ----------------------------------------------------------------
# Same length: harmless text, then a My Number line (Class I by content) padded with spaces.
printf '%-60s\n' 'minutes of the public meeting, nothing to hide' >"$U/mm.txt"
chown 65534:65534 "$U/mm.txt"
chmod 0644 "$U/mm.txt"
for _ in 1 2 3; do as_u cat "$U/mm.txt" >/dev/null; sleep 0.2; done
as_u timeout 10 curl -s "file://$U/mm.txt" | grep -q "public meeting" ||
	fail "curl cannot read a Class III file"
sleep 0.2
cat >"$TEST_TMP/mmap.py" <<'PY'
import mmap, os, sys
fd = os.open(sys.argv[1], os.O_RDWR)
m = mmap.mmap(fd, 0, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
new = "氏名,個人番号\n山田,379474484458\n".encode()
m[: len(new)] = new
m[len(new):] = b" " * (len(m) - len(new))
m.close()
os.close(fd)
PY
chmod 0644 "$TEST_TMP/mmap.py"
as_u "$PY" "$TEST_TMP/mmap.py" "$U/mm.txt" || fail "mmap rewrite failed"
out=$(as_u timeout 10 curl -s "file://$U/mm.txt" 2>/dev/null) || true
case "$out" in *379474484458*) fail "curl read a file rewritten through mmap after it was judged Class III" ;; esac
expect_log '"event":"upload.denied".*mm.txt' "no upload.denied for the mmap-rewritten file"

# --- a root file with an ignore mark, then given to the user -----------------------------
# Root makes a Class III file (cp -a, tar and rsync as root make it root's first and chown it
# afterwards); its second open earns it an ignore mark. Then it is the user's: the user
# rewrites it through mmap (no modify event) and curl opens it. The chown must take the mark
# away (before: curl read the new content, no event reached the agent).
printf '%-60s\n' 'agenda of the public hearing, nothing to hide' >"$P/given.txt"
chmod 0644 "$P/given.txt"
given_ino=$(printf '%x' "$(stat -c %i "$P/given.txt")")
fan_marked() {
	for f in /proc/$AGENT_PID/fdinfo/*; do
		grep -q "^fanotify ino:$1 .*ignored_mask:[0-9a-f]*[1-9a-f]" "$f" 2>/dev/null && return 0
	done
	return 1
}
marked=""
for _ in $(seq 50); do
	cat "$P/given.txt" >/dev/null
	fan_marked "$given_ino" && { marked=1; break; }
	sleep 0.1
done
[ -n "$marked" ] || fail "root's Class III file never got an ignore mark (the case below would test nothing)"
chown 65534:65534 "$P/given.txt"
for _ in $(seq 50); do
	fan_marked "$given_ino" || break
	sleep 0.1
done
fan_marked "$given_ino" && fail "the ignore mark outlived a chown to a user"
as_u "$PY" "$TEST_TMP/mmap.py" "$P/given.txt" || fail "mmap rewrite of the given file failed"
out=$(as_u timeout 10 curl -s "file://$P/given.txt" 2>/dev/null) || true
case "$out" in *379474484458*) fail "curl read a root file given to the user and rewritten through mmap" ;; esac
expect_log '"event":"upload.denied".*given.txt' "no upload.denied for the given, rewritten file"

# --- futari label flushes what it affects ----------------------------------------------
printf 'quarterly procurement plan, draft\n' >"$P/plan.txt"
cp "$P/plan.txt" "$P/plan-copy.txt"
chmod 0644 "$P"/*
for f in plan.txt plan-copy.txt; do
	for _ in 1 2; do
		timeout 10 curl -s "file://$P/$f" >/dev/null || fail "curl cannot read $f (Class III)"
	done
done
FUTARI_SOCKET="$SOCK" "$FUTARI" label "$P/plan.txt" II >/dev/null || fail "root cannot label plan.txt II"
out=$(timeout 10 curl -s "file://$P/plan-copy.txt" 2>/dev/null) || true
[ -z "$out" ] || fail "curl read a copy of relabelled content (a stale ignore mark)"
expect_log '"event":"upload.denied".*plan-copy.txt' "no upload.denied for the relabelled copy"

stop_agent
exit 0
