#!/bin/sh
# Upload control is harder to walk around (issue 14, point 3), in the real futarid: an upload
# program is found by what the process runs, not only by /proc/PID/exe, and filesystems
# mounted after the start are watched when their mount point is under the policy:
# - curl run through the dynamic loader (`ld-linux… /usr/bin/curl`, and through a renamed
#   copy of the loader in the user's home) cannot read a Class I file;
# - busybox's wget applet (`busybox wget`, and a symbolic link named wget) cannot post one;
# - a tmpfs mounted after the agent started, on a mount point the policy names: a copy of
#   the file there cannot be read by curl.
# Before: the loader and busybox were not upload programs, and the new tmpfs was not watched.
. "$(dirname "$0")/agent-lib.sh"
agent_enter_ns "$@"
. "$(dirname "$0")/lib.sh"
require_cmd setpriv curl timeout
LOADER=$(readlink -f /lib64/ld-linux-x86-64.so.2 2>/dev/null) || LOADER=""
[ -x "$LOADER" ] || skip "no x86-64 dynamic loader at /lib64/ld-linux-x86-64.so.2"
BUSYBOX=$(command -v busybox) || BUSYBOX=""
agent_setup
user_home

watched_fs 64M
# The folder of mount points sits on a tmpfs of its own: `mounts` marks the filesystem that
# holds a matching folder, and with nothing mounted there that must not be the machine's root.
mkdir -p "$TEST_TMP/mnts"
mount -t tmpfs -o mode=0755 tmpfs "$TEST_TMP/mnts" || fail "cannot mount a tmpfs"
defer "umount -l $TEST_TMP/mnts 2>/dev/null"
U="$wfs/home"
mkdir -p "$U"
chown 65534:65534 "$U"
printf '氏名,個人番号\n山田,379474484458\n' >"$U/staff.csv"
chown 65534:65534 "$U/staff.csv"
chmod 0644 "$U/staff.csv"

cat >>"$ETC/agent.conf" <<CONF

[upload]
filesystems = $wfs
mounts = $TEST_TMP/mnts/*
programs = /usr/bin/curl
names = wget
CONF
start_agent
L="$TEST_TMP/log"

as_u timeout 10 cat "$U/staff.csv" | grep -q 379474484458 || fail "cat cannot read the file"
out=$(as_u timeout 10 curl -s "file://$U/staff.csv" 2>/dev/null) || true
[ -z "$out" ] || fail "curl read a Class I file"

# --- the loader -----------------------------------------------------------------------------
out=$(as_u timeout 10 "$LOADER" /usr/bin/curl -s "file://$U/staff.csv" 2>/dev/null) || true
case "$out" in *379474484458*) fail "curl run through the loader read a Class I file" ;; esac
expect_log '"event":"upload.denied".*"program_match":"mapping"' "no upload.denied for the loader"
cp "$LOADER" "$HOME_U/not-a-loader"
chmod 0755 "$HOME_U/not-a-loader"
out=$(as_u timeout 10 "$HOME_U/not-a-loader" /usr/bin/curl -s "file://$U/staff.csv" 2>/dev/null) || true
case "$out" in *379474484458*) fail "curl run through a renamed copy of the loader read a Class I file" ;; esac

# --- busybox ----------------------------------------------------------------------------------
if [ -n "$BUSYBOX" ] && "$BUSYBOX" wget --help 2>&1 | grep -q post-file &&
	[ -x /usr/bin/python3 ] && ip link set lo up 2>/dev/null; then
	# It opens the file once connected: a sink on the loopback (this test's own network
	# namespace) that takes what comes.
	cat >"$TEST_TMP/sink.py" <<'PY'
import socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(8)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
while True:
    c, _ = s.accept()
    c.settimeout(2)
    try:
        while c.recv(65536):
            pass
    except OSError:
        pass
    c.close()
PY
	/usr/bin/python3 "$TEST_TMP/sink.py" "$TEST_TMP/sink.port" &
	defer "kill_ours $!"
	wait_file "$TEST_TMP/sink.port" 50 || fail "the loopback sink did not start"
	sleep 0.2
	port=$(cat "$TEST_TMP/sink.port")
	as_u timeout 10 "$BUSYBOX" wget -q -O /dev/null --post-file="$U/staff.csv" \
		http://127.0.0.1:$port/ >"$TEST_TMP/bb.out" 2>&1 || true
	expect_log '"event":"upload.denied".*staff.csv.*"program_match":"applet"' \
		"busybox wget opened a Class I file unseen: $(cat "$TEST_TMP/bb.out"; grep staff.csv "$L"/egress-*.jsonl | tail -2)"
	ln -s "$BUSYBOX" "$HOME_U/wget"
	n=$(grep -c '"program_match":"applet"' "$L"/egress-*.jsonl)
	as_u timeout 10 "$HOME_U/wget" -q -O /dev/null --post-file="$U/staff.csv" \
		http://127.0.0.1:$port/ >"$TEST_TMP/bb2.out" 2>&1 || true
	for _ in $(seq 50); do
		[ "$(grep -c '"program_match":"applet"' "$L"/egress-*.jsonl)" -gt "$n" ] && break
		sleep 0.1
	done
	[ "$(grep -c '"program_match":"applet"' "$L"/egress-*.jsonl)" -gt "$n" ] ||
		fail "a symbolic link named wget to busybox opened a Class I file unseen"
else
	echo "note: no busybox with wget --post-file here: busybox part skipped" >&2
fi

# --- a tmpfs mounted after the start --------------------------------------------------------
mkdir -p "$TEST_TMP/mnts/shm"
mount -t tmpfs -o mode=1777 tmpfs "$TEST_TMP/mnts/shm" || fail "cannot mount a tmpfs"
defer "umount $TEST_TMP/mnts/shm 2>/dev/null"
sleep 0.5 # the agent follows the mount table (POLLPRI on /proc/self/mountinfo)
as_u cp "$U/staff.csv" "$TEST_TMP/mnts/shm/copy.csv" || fail "cp to the tmpfs failed"
out=$(as_u timeout 10 curl -s "file://$TEST_TMP/mnts/shm/copy.csv" 2>/dev/null) || true
case "$out" in *379474484458*) fail "curl read a copy on a tmpfs mounted after the start" ;; esac
expect_log '"event":"upload.denied".*copy.csv' "no upload.denied for the copy on the new tmpfs"
# Unmounted and mounted again (a new login's /run/user/UID): the kernel hands the new tmpfs
# the device number the old one had, and it must be marked all the same.
# The agent may still hold the denied file for a moment (the record of the denial, the worker
# that classified it): busy for a bounded time, not for ever.
for _ in $(seq 50); do
	umount "$TEST_TMP/mnts/shm" 2>/dev/null && break
	sleep 0.1
done
if mountpoint -q "$TEST_TMP/mnts/shm"; then
	for f in /proc/[0-9]*/fd/*; do
		case "$(readlink "$f" 2>/dev/null)" in "$TEST_TMP/mnts/shm"*) echo "held: $f $(readlink "$f")" >&2 ;; esac
	done
	fail "cannot unmount the tmpfs: still busy after 5 s"
fi
sleep 0.5
mount -t tmpfs -o mode=1777 tmpfs "$TEST_TMP/mnts/shm" || fail "cannot mount the tmpfs again"
sleep 0.5
as_u cp "$U/staff.csv" "$TEST_TMP/mnts/shm/copy2.csv" || fail "cp to the new tmpfs failed"
out=$(as_u timeout 10 curl -s "file://$TEST_TMP/mnts/shm/copy2.csv" 2>/dev/null) || true
case "$out" in *379474484458*) fail "curl read a copy on a tmpfs mounted again at the same place" ;; esac
expect_log '"event":"upload.denied".*copy2.csv' "no upload.denied for the copy on the tmpfs mounted again"

stop_agent
exit 0
