#!/bin/sh
# Upload control follows every place a user can put a copy (issue 14, point 3), in the real
# futarid, and a user cannot make it watch what would freeze it:
# - a world-writable folder that is not a mount point of its own (/run/lock on /run's tmpfs,
#   /tmp on the root filesystem when /home is a partition of its own): a `mounts` entry marks
#   the filesystem that holds it, so curl cannot read a copy of a Class I file put there
#   (before: only mount points matching a pattern were marked, and curl read the copy);
# - a user who owns a watched mount point (/run/user/UID) mounts a FUSE filesystem of their
#   own over it, whose daemon makes root's every close of its file wait for ever: the agent
#   must not mark that FUSE filesystem (before: the mount scan saw the tmpfs's line, marked
#   the path, and so the FUSE filesystem on top; each open of the stalling file then held one
#   of the threads that answer the kernel, and another user's opens waited).
. "$(dirname "$0")/agent-lib.sh"
agent_enter_ns "$@"
. "$(dirname "$0")/lib.sh"
require_cmd setpriv curl timeout
PY=/usr/bin/python3
[ -x "$PY" ] || skip "needs /usr/bin/python3 (timing, the FUSE daemon)"
agent_setup
user_home

watched_fs 64M
U="$wfs/home"  # the attacker's (uid 65534)
V="$wfs/other" # another user's (uid 65533)
mkdir -p "$U" "$V"
chown 65534:65534 "$U"
printf '氏名,個人番号\n山田,379474484458\n' >"$U/staff.csv"
chown 65534:65534 "$U/staff.csv"
chmod 0644 "$U/staff.csv"

# A stand-in for /run: a tmpfs whose own mount point matches nothing, with a world-writable
# lock folder in it, and a runtime folder per user (a tmpfs each, like /run/user/UID).
R="$TEST_TMP/run"
mkdir -p "$R"
mount -t tmpfs -o mode=0755 tmpfs "$R" || fail "cannot mount a tmpfs"
defer "umount -l '$R' 2>/dev/null"
mkdir -p "$R/lock" "$R/user/65534"
chmod 1777 "$R/lock"
mount -t tmpfs -o mode=0700,uid=65534,gid=65534 tmpfs "$R/user/65534" ||
	fail "cannot mount the user's runtime tmpfs"
defer "umount -l '$R/user/65534' 2>/dev/null"

cat >>"$ETC/agent.conf" <<CONF

[upload]
filesystems = $wfs
mounts = $R/lock;$R/user/[0-9]*
programs = /usr/bin/curl
CONF
start_agent
L="$TEST_TMP/log"

out=$(as_u timeout 10 curl -s "file://$U/staff.csv" 2>/dev/null) || true
[ -z "$out" ] || fail "curl read a Class I file in the watched home"

# --- a world-writable folder that is not a mount point ---------------------------------------
as_u cp "$U/staff.csv" "$R/lock/copy.csv" || fail "cp to the lock folder failed"
out=$(as_u timeout 10 curl -s "file://$R/lock/copy.csv" 2>/dev/null) || true
case "$out" in *379474484458*) fail "curl read a copy in a watched folder that is not a mount point" ;; esac
expect_log '"event":"upload.denied".*copy.csv' "no upload.denied for the copy in the lock folder"
echo "ok: a copy in a folder on another filesystem is denied to curl"

# --- the user's runtime folder, marked, then overmounted with the user's own FUSE ----------------
as_u cp "$U/staff.csv" "$R/user/65534/copy2.csv" || fail "cp to the runtime folder failed"
out=$(as_u timeout 10 curl -s "file://$R/user/65534/copy2.csv" 2>/dev/null) || true
case "$out" in *379474484458*) fail "curl read a copy in the user's runtime folder" ;; esac
expect_log '"event":"upload.denied".*copy2.csv' "no upload.denied for the copy in the runtime folder"

as_u rm -f "$R/user/65534/copy2.csv" # fusepy's libfuse 2 mounts only on an empty folder
"$PY" -c 'import fusepy' 2>/dev/null || skip "needs python3-fusepy (the overmount part)"
[ -c /dev/fuse ] || skip "needs /dev/fuse"
FM=$(command -v fusermount3 || command -v fusermount) || skip "needs fusermount (fuse3)"
[ -u "$FM" ] || skip "$FM is not set-uid: a user cannot mount FUSE here"
# The daemon lets root in (allow_other), as a site with user_allow_other allows: this test's
# own mount namespace gets that fuse.conf, the host's stays as it is.
printf 'user_allow_other\n' >"$TEST_TMP/fuse.conf"
chmod 0644 "$TEST_TMP/fuse.conf"
mount --bind "$TEST_TMP/fuse.conf" /etc/fuse.conf || skip "cannot bind a fuse.conf"
defer "umount /etc/fuse.conf 2>/dev/null"
RELEASE="$TEST_TMP/release"
cp "$top_srcdir/tests/integration/hostilefs.py" "$TEST_TMP/hostilefs.py"
chmod 0644 "$TEST_TMP/hostilefs.py"
as_u "$PY" "$TEST_TMP/hostilefs.py" "$R/user/65534" "$RELEASE" >"$TEST_TMP/hostilefs.log" 2>&1 &
fuse_pid=$!
defer "touch '$RELEASE'; umount -l '$R/user/65534' 2>/dev/null; kill_ours $fuse_pid"
i=0
until as_u test -f "$R/user/65534/grow.txt"; do
	i=$((i + 1))
	[ $i -le 100 ] || skip "the user cannot mount FUSE here: $(cat "$TEST_TMP/hostilefs.log")"
	sleep 0.1
done
grep -q " $R/user/65534 fuse" /proc/self/mounts || fail "the FUSE filesystem is not on top"
sleep 1 # the agent follows the mount table

# The other user's opens, timed: the slowest in milliseconds.
mkdir -p "$V/b"
for i in $(seq 40); do printf 'note %s\n' "$i" >"$V/b/n$i.txt"; done
chown -R 65533:65533 "$V"
cat >"$TEST_TMP/opens.py" <<'PY'
import os, sys, time
worst = 0.0
for name in sorted(os.listdir(sys.argv[1])):
    t = time.monotonic()
    fd = os.open(os.path.join(sys.argv[1], name), os.O_RDONLY)
    worst = max(worst, time.monotonic() - t)
    os.close(fd)
print(int(worst * 1000))
PY
chmod 0644 "$TEST_TMP/opens.py"

# The attacker opens the stalling file again and again (each close by root would wait).
for _ in 1 2 3 4 5 6 7 8 9 10 11 12; do
	as_u timeout 30 cat "$R/user/65534/stall.txt" >/dev/null 2>&1 &
done
sleep 2
t0=$(date +%s%N)
worst=$(as_v timeout 60 "$PY" "$TEST_TMP/opens.py" "$V/b") ||
	fail "another user's opens did not finish in 60 s while the attacker's FUSE file stalls"
total=$((($(date +%s%N) - t0) / 1000000))
echo "another user's slowest open took $worst ms, the run $total ms" >&2
[ "$worst" -lt 300 ] || fail "another user's open waited $worst ms (the FUSE filesystem was marked)"
[ "$total" -lt 5000 ] || fail "another user's run took $total ms"
kill -0 "$AGENT_PID" || fail "agent died"
echo "ok: a user's FUSE filesystem over a watched mount point is not marked"

touch "$RELEASE"
stop_agent
exit 0
