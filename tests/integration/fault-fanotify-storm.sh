#!/bin/sh
# A storm of opens under upload control in the real futarid (issue 10, fault tests): eight
# unprivileged openers open thousands of Class III files and a Class I and a Class II file
# on this test's own loop-mounted ext4 (never /) for 25 s, while curl tries the Class I file
# again and again. Every open gets an answer (each opener runs under `timeout`: a hang is a
# failure), no open of a non-upload program is refused, every curl attempt is denied and
# logged as upload.denied (the listener neither coalesces nor rate-limits denials; only
# more than 10 000 records in flight would be dropped, as a records-dropped gap),
# another user's `futari status` answers within a liveness bound (10 s, not a speed
# figure), and afterwards the agent is alive, holds no more descriptors than before, saw no
# queue overflow (FAN_UNLIMITED_QUEUE) and its log verifies. Opens and time are printed for
# information only.
. "$(dirname "$0")/agent-lib.sh"
agent_enter_ns "$@"
. "$(dirname "$0")/lib.sh"
require_cmd setpriv setfattr curl timeout split
PY=/usr/bin/python3
[ -x "$PY" ] || skip "needs /usr/bin/python3 (the openers)"
agent_setup
user_home
STORM_SECONDS=${STORM_SECONDS:-25}
OPENERS=8
NFILES=3000

# The watched filesystem: its image name does not carry $MARK, so the test udev rule does
# not take it for a USB stick. Enough inodes for the small files.
watched_fs 64M -N 16384
# The kernel must offer fanotify permission events (CONFIG_FANOTIFY_ACCESS_PERMISSIONS).
why=$("$PY" - "$wfs" 2>&1 <<'PY'
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.fanotify_mark.argtypes = [ctypes.c_int, ctypes.c_uint, ctypes.c_uint64, ctypes.c_int,
                               ctypes.c_char_p]
# FAN_CLASS_CONTENT | FAN_UNLIMITED_QUEUE; FAN_MARK_ADD | FAN_MARK_FILESYSTEM, FAN_OPEN_PERM
fd = libc.fanotify_init(0x04 | 0x10, os.O_RDONLY)
if fd < 0 or libc.fanotify_mark(fd, 0x101, 0x10000, -100, sys.argv[1].encode()) != 0:
    sys.exit(os.strerror(ctypes.get_errno()))
PY
) || skip "no fanotify permission events here: $why"
U="$wfs/home"
mkdir -p "$U/pub"

# A My Number CSV (Class I by content), a labelled Class II file, and $NFILES small Class
# III files, made before the agent watches the filesystem.
printf '氏名,個人番号\n山田,379474484458\n' >"$U/staff.csv"
printf 'bid specification for tender 42\n' >"$U/bid.txt"
setfattr -n trusted.futari.class -v II "$U/bid.txt" || skip "no trusted xattrs on ext4 here"
yes "minutes of the public meeting, nothing classified here" | head -n $NFILES |
	(cd "$U/pub" && split -l 1 -a 4 - m) || fail "cannot make the small files"
[ "$(ls "$U/pub" | wc -l)" = $NFILES ] || fail "expected $NFILES small files"
chown -R 65534:65534 "$U"
chmod 0644 "$U/staff.csv" "$U/bid.txt"

cat >>"$ETC/agent.conf" <<CONF

[upload]
filesystems = $wfs
programs = /usr/bin/curl
CONF
start_agent
L="$TEST_TMP/log"

# Before the storm: the real classifier sees Class I and II, curl is denied, cat reads.
ucurl() { as_user timeout 10 curl -s "file://$1"; }
ucurl "$U/staff.csv" >/dev/null && fail "curl read a My Number CSV before the storm"
ucurl "$U/bid.txt" >/dev/null && fail "curl read a labelled Class II file before the storm"
[ "$(ucurl "$U/pub/maaaa")" = "minutes of the public meeting, nothing classified here" ] ||
	fail "curl cannot read a Class III file"
staff=$(cat "$U/staff.csv")
"$FUTARI" status >/dev/null || fail "the agent does not answer"
# Records are logged just after the kernel's answer: wait for the two denials.
for _ in $(seq 50); do
	[ "$(grep -c '"event":"upload.denied"' "$L"/egress-*.jsonl)" = 2 ] && break
	sleep 0.1
done
[ "$(grep -c '"event":"upload.denied"' "$L"/egress-*.jsonl)" = 2 ] ||
	fail "expected two upload.denied records before the storm"
sleep 1
fds_before=$(ls /proc/"$AGENT_PID"/fd | wc -l)

# The openers: each opens a random Class III file, reads a little and closes it, and every
# third open the Class I or the Class II file instead (these never get an ignore mark, so
# each of their opens is a round trip through the agent). Any refused open is a failure:
# these are not upload programs.
cat >"$TEST_TMP/opener.py" <<'PY'
import os, random, sys, time
d, secs, seed = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
classified = sys.argv[4:]
names = [os.path.join(d, n) for n in os.listdir(d)]
rng = random.Random(seed)
n = 0
t0 = time.monotonic()
while time.monotonic() - t0 < secs:
    for _ in range(200):
        p = rng.choice(classified) if n % 3 == 0 else rng.choice(names)
        fd = os.open(p, os.O_RDONLY)
        if not os.read(fd, 16):
            sys.exit("empty read of %s" % p)
        os.close(fd)
        n += 1
print("%d %.3f" % (n, time.monotonic() - t0))
PY
chmod 0644 "$TEST_TMP/opener.py"
pids=""
i=0
while [ $i -lt $OPENERS ]; do
	setpriv --reuid=65534 --regid=65534 --clear-groups \
		timeout $((STORM_SECONDS + 60)) "$PY" "$TEST_TMP/opener.py" "$U/pub" "$STORM_SECONDS" \
		"$i" "$U/staff.csv" "$U/bid.txt" >"$TEST_TMP/opener-$i.out" 2>&1 &
	pids="$pids $!"
	i=$((i + 1))
done
defer "kill_ours $pids"

# Meanwhile: curl on the Class I file (denied each time, never hanging), cat of it by the
# same user (allowed), and another user's status (answered within the liveness bound).
attempts=0
status_max=0
end=$(($(date +%s) + STORM_SECONDS - 2))
while [ "$(date +%s)" -lt "$end" ]; do
	rc=0
	out=$(ucurl "$U/staff.csv" 2>&1) || rc=$?
	attempts=$((attempts + 1))
	[ $rc != 124 ] || fail "curl hung on the Class I file during the storm (attempt $attempts)"
	[ $rc = 37 ] && [ -z "$out" ] ||
		fail "curl was not refused the Class I file during the storm (attempt $attempts, exit $rc): $out"
	[ "$(as_user timeout 10 cat "$U/staff.csv")" = "$staff" ] ||
		fail "cat could not read the Class I file during the storm"
	if [ $((attempts % 4)) = 1 ]; then
		s=$(date +%s)
		timeout 30 setpriv --reuid=65533 --regid=65533 --clear-groups \
			env FUTARI_SOCKET="$SOCK" FUTARI_TIMEOUT=10 "$FUTARI" status >"$TEST_TMP/st" 2>&1 ||
			fail "another user's status failed during the storm: $(cat "$TEST_TMP/st")"
		took=$(($(date +%s) - s))
		[ "$took" -le 10 ] || fail "another user's status took $took s during the storm"
		[ "$took" -le "$status_max" ] || status_max=$took
		grep -q "upload control:   on" "$TEST_TMP/st" || fail "unexpected status: $(cat "$TEST_TMP/st")"
	fi
	kill -0 "$AGENT_PID" 2>/dev/null || fail "the agent died during the storm"
	sleep 0.2
done

# Every opener finished by itself: none was killed by its timeout (an open left without an
# answer) and none was refused an open.
opens=0
secs=0
i=0
for p in $pids; do
	rc=0
	wait "$p" || rc=$?
	[ $rc != 124 ] || fail "opener $i hung (an open got no answer)"
	[ $rc = 0 ] || fail "opener $i failed (exit $rc): $(cat "$TEST_TMP/opener-$i.out")"
	read -r n took <"$TEST_TMP/opener-$i.out"
	opens=$((opens + n))
	secs=$(awk -v a="$secs" -v b="$took" 'BEGIN { print (b > a) ? b : a }')
	i=$((i + 1))
done
[ "$opens" -ge 10000 ] || fail "the storm made only $opens opens"
[ "$attempts" -ge 5 ] || fail "only $attempts curl attempts during the storm"

# After the storm: alive, answering, no descriptor leaked, no overflow.
kill -0 "$AGENT_PID" 2>/dev/null || fail "the agent died"
st=$(timeout 30 setpriv --reuid=65533 --regid=65533 --clear-groups \
	env FUTARI_SOCKET="$SOCK" FUTARI_TIMEOUT=10 "$FUTARI" status --json) ||
	fail "the agent does not answer after the storm"
events=$(echo "$st" | sed -n 's/.*"upload_events" : \([0-9]*\).*/\1/p')
overflows=$(echo "$st" | sed -n 's/.*"upload_overflows" : \([0-9]*\).*/\1/p')
[ -n "$events" ] && [ "$overflows" = 0 ] || fail "queue overflow under the storm: $st"
sleep 1
fds_after=$(ls /proc/"$AGENT_PID"/fd | wc -l)
[ "$fds_after" -le $((fds_before + 4)) ] ||
	fail "the agent holds $fds_after descriptors after the storm, $fds_before before"
ucurl "$U/staff.csv" >/dev/null && fail "curl read the Class I file after the storm"
attempts=$((attempts + 1))
echo "storm: $OPENERS openers made $opens opens in $secs s (information, not a measure);" \
	"the agent answered $events opens in all; $attempts curl attempts denied;" \
	"another user's status took at most $status_max s"

# The log (pending records are written before agent.stop): one upload.denied per curl
# attempt, each its own process with the user's uid (the listener logs every denial: it
# neither coalesces nor rate-limits them), and no other denial; no gap of any kind (no
# queue overflow, no record dropped); the chain verifies. Counts include the one attempt
# on the Class I file and the one on the Class II file before the storm.
stop_agent
denials=$(grep '"event":"upload.denied"' "$L"/egress-*.jsonl | grep '"path":"[^"]*/staff.csv"' |
	grep '"exe":"/usr/bin/curl"')
n=$(echo "$denials" | grep -c .)
[ "$n" = $((attempts + 1)) ] || fail "$((attempts + 1)) curl attempts on the Class I file, $n upload.denied records"
n=$(echo "$denials" | sed -n 's/.*"pid":\([0-9]*\).*/\1/p' | sort -u | wc -l)
[ "$n" = $((attempts + 1)) ] || fail "$((attempts + 1)) curl attempts, denials name $n processes"
echo "$denials" | grep -v '"uid":65534,' | grep . &&
	fail "a denial does not name the user"
n=$(grep -c '"event":"upload.denied"' "$L"/egress-*.jsonl)
[ "$n" = $((attempts + 2)) ] || fail "$n upload.denied records for $((attempts + 2)) curl attempts"
if grep -q '"event":"gap"' "$L"/egress-*.jsonl; then
	fail "a gap was logged under the storm: $(grep '"event":"gap"' "$L"/egress-*.jsonl | head -3)"
fi
"$top_builddir/approver/futari-audit" verify "$L" >"$TEST_TMP/verify.out" 2>&1 ||
	fail "futari-audit verify: $(tail -3 "$TEST_TMP/verify.out")"
echo "ok: every open answered under the storm, every curl attempt denied and logged"
exit 0
