# Shared by the agent's integration tests (sourced after lib.sh, inside agent_enter_ns).
#
# Isolation: each test re-executes itself under `unshare -m -n`: a private mount namespace
# with its own tmpfs on /run (so its udevd, udev database and agent socket are its own) and
# a private network namespace (so the udev events its udevd broadcasts reach only its own
# futarid, never another test's, and its futarid hears no other udevd). The system's udev
# rule directories are hidden behind an empty directory, so the private udevd runs only the
# test rule below, which matches only loop devices whose backing file carries this test's
# unique marker: other helpers' loop devices are never touched.

# agent_enter_ns "$@": call first thing in a test script, before sourcing lib.sh.
agent_enter_ns() {
	if [ -z "${FUTARI_IT_IN_NS:-}" ]; then
		if [ "$(id -u)" -ne 0 ]; then
			echo "SKIP: needs root (loop devices, BLKROSET, udevd, namespaces)" >&2
			exit 77
		fi
		command -v unshare >/dev/null 2>&1 || { echo "SKIP: needs unshare" >&2; exit 77; }
		FUTARI_IT_IN_NS=1 exec unshare -m -n --propagation private /bin/sh "$0" "$@"
	fi
	# In the test's own namespace: a private /run (see agent_setup), and the trees made
	# reachable for the unprivileged users the tests run programs as.
	if [ -z "${FUTARI_IT_RUN:-}" ]; then
		mount -t tmpfs -o mode=0755 tmpfs /run ||
			{ echo "SKIP: cannot mount a private /run" >&2; exit 77; }
		FUTARI_IT_RUN=1
		agent_reach_trees
	fi
}

# agent_reach_trees: a checkout may sit where an unprivileged user cannot enter (root's
# 0700 home, a user's private folder). For each of top_builddir and top_srcdir that uid
# 65534 cannot reach, bind the tree to /run/futari-tree/{build,src} (in this test's mount
# namespace only; the host sees nothing) and point the variable there, so `as_user
# "$FUTARI"` runs the same binaries from a path anyone may traverse. The trees' own files
# keep their modes: a tree built with umask 077 stays unreadable, and the test then fails
# saying which path.
agent_reach_trees() {
	for arv in top_builddir top_srcdir; do
		eval "ard=\${$arv:-}"
		[ -n "$ard" ] && [ -d "$ard" ] || continue
		setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$ard" && continue
		arm=/run/futari-tree/${arv#top_}
		arm=${arm%dir}
		mkdir -p -m 0755 /run/futari-tree "$arm"
		mount --bind "$ard" "$arm" || { echo "FAIL: cannot bind $ard to $arm" >&2; exit 1; }
		eval "$arv=\$arm"
		export "${arv?}"
	done
	[ -z "${top_builddir:-}" ] ||
		setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$top_builddir/agent" || {
		echo "FAIL: uid 65534 cannot enter $top_builddir/agent (a tree built with umask 077?)" >&2
		exit 1
	}
	FUTARID="$top_builddir/agent/futarid"
	FUTARI="$top_builddir/agent/futari"
	PROBE="$top_builddir/tests/integration/fut-sockprobe"
}

UDEVD=${UDEVD:-/lib/systemd/systemd-udevd}
FUTARID="$top_builddir/agent/futarid"
FUTARI="$top_builddir/agent/futari"
PROBE="$top_builddir/tests/integration/fut-sockprobe"

# agent_setup: private /run, a private udevd with the test rule, a config in $TEST_TMP/etc.
agent_setup() {
	require_cmd losetup blockdev mkfs.ext4 mount umount dd udevadm basename
	[ -x "$UDEVD" ] || skip "needs systemd-udevd at $UDEVD"
	[ -x "$FUTARID" ] && [ -x "$FUTARI" ] && [ -x "$PROBE" ] || fail "build the agent first"
	MARK="futari-usbtest-$(basename "$TEST_TMP" | tr -c 'A-Za-z0-9\n' x)"
	# /run is the test's own tmpfs already (agent_enter_ns).
	mkdir -p /run/udev/rules.d /run/futari-empty
	for d in /usr/lib/udev/rules.d /etc/udev/rules.d; do
		[ -d "$d" ] && mount --bind /run/futari-empty "$d"
	done
	# TEST ONLY: gives this test's loop devices the identity udev's usb_id gives a USB
	# stick. The serial is the backing file's name; a name containing "-hid" also offers
	# a keyboard interface (a "BadUSB" stick).
	cat >/run/udev/rules.d/10-futari-test-usb.rules <<RULE
ACTION=="remove", GOTO="futari_test_end"
SUBSYSTEM!="block", GOTO="futari_test_end"
KERNEL!="loop*", GOTO="futari_test_end"
# A positive match: udev treats a missing attribute (a detached loop device) as matching
# no pattern at all, so a negative test would let detached loops through.
ATTRS{loop/backing_file}=="*/$MARK-*", GOTO="futari_test_usb"
GOTO="futari_test_end"
LABEL="futari_test_usb"
IMPORT{builtin}="blkid"
ENV{ID_BUS}="usb", ENV{ID_USB_DRIVER}="usb-storage", ENV{ID_VENDOR}="FutariTest"
ENV{ID_MODEL}="Loop_Stick", ENV{ID_VENDOR_ID}="f00d", ENV{ID_MODEL_ID}="0001"
ENV{ID_USB_INTERFACES}=":080650:"
ATTRS{loop/backing_file}=="*-hid*", ENV{ID_USB_INTERFACES}=":080650:030101:"
PROGRAM="/usr/bin/basename \$attr{loop/backing_file} .img", ENV{ID_SERIAL_SHORT}="%c"
LABEL="futari_test_end"
RULE
	"$UDEVD" --daemon || skip "cannot start a private systemd-udevd"
	defer "udevadm control --exit 2>/dev/null"
	udevadm control --ping -t 5 || fail "private udevd does not answer"

	ETC="$TEST_TMP/etc"
	mkdir -p "$ETC"
	chmod 0755 "$ETC"
	SOCK="$TEST_TMP/run/agent.sock"
	export FUTARI_SOCKET="$SOCK"
	# The content-parser workers run as nobody here (the package creates futari-scan),
	# from the build tree. [paths] stays last: tests append keys to it.
	cat >"$ETC/agent.conf" <<CONF
[scan-worker]
program = $top_builddir/agent/futari-scan-worker
user = nobody
timeout-ms = ${SCAN_TIMEOUT_MS:-30000}

[paths]
socket = $SOCK
state-dir = $TEST_TMP/state
spool-dir = $TEST_TMP/spool
log-dir = $TEST_TMP/log
host-key = $ETC/host.key
media-register = $ETC/media.conf
org-key = $ETC/org.pub
revocation-list = $ETC/revocations.futari-revocation
CONF
	chmod 0644 "$ETC/agent.conf"
}

# make_stick NAME [SIZE]: an ext4 image labelled NAME on a loop device, in $STICK (not a
# command substitution: the cleanup must be registered in the test's own shell).
# Serial: "$MARK-NAME".
make_stick() {
	img="$TEST_TMP/$MARK-$1.img"
	truncate -s "${2:-32M}" "$img"
	# MKFS_EXT4_OPTS: extra options (the bench initialises the filesystem eagerly, so no
	# background ext4lazyinit writes run during its timings).
	# shellcheck disable=SC2086
	mkfs.ext4 -q -F ${MKFS_EXT4_OPTS:-} -L "$1" "$img" || fail "mkfs.ext4 failed"
	dev=$(losetup --find --show "$img") || skip "no free loop device"
	# The kernel keeps BLKROSET after detach: clear it first, always.
	defer "loop_release $dev $img"
	udevadm settle -t 10
	STICK=$dev
}

# detach_stick DEV: clear the flag and detach now (the deferred cleanup then does nothing).
detach_stick() {
	blockdev --setrw "$1"
	losetup -d "$1"
	udevadm settle -t 10
}

# start_agent: runs futarid in the foreground; waits for its socket. Sets AGENT_PID.
start_agent() {
	# Upload control judges starts machine-wide: one such test at a time (lib.sh).
	if grep -q '^\[upload\]' "$ETC/agent.conf" 2>/dev/null; then upload_lock; fi
	# A socket left by a killed agent would look like a started one.
	rm -f "$SOCK"
	"$FUTARID" --config "$ETC/agent.conf" --foreground >>"$TEST_TMP/agent.log" 2>&1 &
	AGENT_PID=$!
	defer "kill_ours $AGENT_PID; wait $AGENT_PID 2>/dev/null"
	i=0
	while [ ! -S "$SOCK" ]; do
		i=$((i + 1))
		if [ $i -gt 100 ] || ! kill -0 "$AGENT_PID" 2>/dev/null; then
			cat "$TEST_TMP/agent.log" >&2
			fail "futarid did not start"
		fi
		sleep 0.1
	done
}

# stop_agent: SIGTERM; the agent must exit 0 and its log must hold no sanitizer report (in
# a sanitizer build a leak or an error makes it exit non-zero).
stop_agent() {
	kill_ours "$AGENT_PID"
	wait "$AGENT_PID"
	rc=$?
	if [ $rc -ne 0 ] || grep -q "Sanitizer\|runtime error" "$TEST_TMP/agent.log"; then
		tail -n 40 "$TEST_TMP/agent.log" >&2
		fail "futarid exited $rc on SIGTERM"
	fi
}

# wait_ro DEV: waits up to 5 s for BLKROGET to report read-only.
wait_ro() {
	i=0
	while [ "$(blockdev --getro "$1")" != 1 ]; do
		i=$((i + 1))
		[ $i -le 50 ] || return 1
		sleep 0.1
	done
}

# register_sticks NAME...: writes the media register with one asset per name
# (CITY-USB-<NAME>, serial "$MARK-NAME").
# stick_view DEV: mounts the stick DEV (read-only to users, the agent has made it so) at
# $TEST_TMP/mnt for the test to read what was written; sets mnt; unmounted at exit.
stick_view() {
	wait_ro "$1" || fail "stick not read-only"
	mnt="$TEST_TMP/mnt"
	mkdir -p "$mnt"
	mount "$1" "$mnt" 2>/dev/null || fail "cannot mount the stick"
	defer "umount $mnt 2>/dev/null"
}

register_sticks() {
	: >"$ETC/media.conf"
	for n in "$@"; do
		cat >>"$ETC/media.conf" <<REG
[asset:CITY-USB-$n]
vid = f00d
pid = 0001
serial = $MARK-$n
owner = General Affairs
REG
	done
	chmod 0644 "$ETC/media.conf"
}

# A home directory an unprivileged user can use, and a way to run as that user.
user_home() {
	chmod 0711 "$TEST_TMP"
	HOME_U="$TEST_TMP/home"
	mkdir -p "$HOME_U"
	chown 65534:65534 "$HOME_U"
}
as_user() {
	setpriv --reuid=65534 --regid=65534 --clear-groups env FUTARI_SOCKET="$SOCK" "$@"
}

# expect_log PATTERN MESSAGE: waits up to 5 s for a line of the egress log in $L (the test's
# log folder) that matches PATTERN (grep's syntax), or fails with MESSAGE.
expect_log() {
	for _ in $(seq 50); do
		grep -q -- "$1" "$L"/egress-*.jsonl 2>/dev/null && return 0
		sleep 0.1
	done
	fail "$2"
}
# as_u, as_v COMMAND…: COMMAND as the attacker (uid 65534) or as another user (uid 65533).
as_u() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
as_v() { setpriv --reuid=65533 --regid=65533 --clear-groups "$@"; }

# watched_fs SIZE [MKFS-OPTION…]: a fresh ext4 of SIZE (truncate's syntax) on a loop device,
# mounted at $TEST_TMP/wfs (0755) for upload control to watch, released at exit. Its image
# name does not carry $MARK, so the test udev rule does not take it for a USB stick. Sets
# wimg, wfs and wdev.
watched_fs() {
	wimg="$TEST_TMP/watched.img"
	wfs="$TEST_TMP/wfs"
	mkdir -p "$wfs"
	truncate -s "$1" "$wimg"
	shift
	mkfs.ext4 -q -F "$@" "$wimg" || fail "mkfs.ext4 failed"
	wdev=$(losetup --find --show "$wimg") || skip "no free loop device"
	defer "loop_release $wdev $wimg"
	mount "$wdev" "$wfs" || fail "cannot mount the watched filesystem"
	defer "umount $wfs 2>/dev/null"
	chmod 0755 "$wfs"
}

# wait_file PATH [TENTHS]: waits for PATH to exist.
wait_file() {
	i=0
	while [ ! -e "$1" ]; do
		i=$((i + 1))
		[ $i -le "${2:-100}" ] || return 1
		sleep 0.1
	done
}

# public_file PATH BYTES [TAG]: a harmless text file (Class III for the classifier, unlike
# random bytes, which now and then hold a marking such as ㊙ in some encoding).
public_file() {
	yes "${3:-futari} public report line, nothing classified here" | head -c "$2" >"$1"
	chown 65534:65534 "$1" 2>/dev/null || true
}

# make_partitioned_stick NAME: a 64 MiB image with an MBR holding one Linux partition (from
# sector 2048) with an ext4 labelled NAME, attached with partition scanning; sets $STICK to
# the disk and $STICK_PART to the partition. (The MBR is written by hand: sfdisk is not a
# dependency.)
le32() {
	v=$1
	for _ in 1 2 3 4; do
		printf "\\$(printf %03o $((v & 255)))"
		v=$((v >> 8))
	done
}
make_partitioned_stick() {
	img="$TEST_TMP/$MARK-$1.img"
	truncate -s 64M "$img"
	start=2048
	count=$((64 * 1024 * 1024 / 512 - start))
	{ printf '\000\000\000\000\203\000\000\000'; le32 $start; le32 $count; } |
		dd of="$img" bs=1 seek=446 conv=notrunc 2>/dev/null
	printf '\125\252' | dd of="$img" bs=1 seek=510 conv=notrunc 2>/dev/null
	mkfs.ext4 -q -F -L "$1" -E offset=$((start * 512)) "$img" $((count / 2))k ||
		fail "mkfs.ext4 on the partition failed"
	dev=$(losetup --find --show --partscan "$img") || skip "no free loop device"
	defer "loop_release $dev $img"
	udevadm settle -t 10
	# A kernel built without partition table parsers (like the test VM's) gets the
	# partition added by hand (BLKPG), as a parser would.
	if [ ! -b "${dev}p1" ]; then
		require_cmd addpart
		addpart "$dev" 1 $start $count || fail "cannot add the partition"
		udevadm settle -t 10
	fi
	[ -b "${dev}p1" ] || fail "no partition device ${dev}p1"
	STICK=$dev
	STICK_PART=${dev}p1
}

# agent_subscribe UID OUT SECONDS: as UID, subscribes to the agent's events (what
# futari-notify listens to) in the background and writes every message to OUT, one a line,
# until the agent closes the stream or SECONDS pass without a message. Returns once the
# subscription is active.
agent_subscribe() {
	[ -x /usr/bin/python3 ] || skip "needs /usr/bin/python3 for the event subscriber"
	cat >"$TEST_TMP/agent-sub.py" <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect(sys.argv[1])
s.send(json.dumps({"command": "subscribe", "args": {}}).encode())
s.settimeout(float(sys.argv[2]))
try:
    while True:
        m = s.recv(65536)
        if not m:
            break
        print(m.decode(), flush=True)
except socket.timeout:
    pass
PY
	chmod 0644 "$TEST_TMP/agent-sub.py"
	setpriv --reuid="$1" --regid="$1" --clear-groups /usr/bin/python3 \
		"$TEST_TMP/agent-sub.py" "$SOCK" "$3" >"$2" 2>&1 &
	defer "kill_ours $!"
	wait_text "$2" '"subscribed"' || fail "subscribe did not answer: $(cat "$2")"
}

# wait_text FILE PATTERN: waits up to 30 s (a loaded CI machine starts a session bus slowly) for
# a line of FILE matching PATTERN (grep). Only used for what must appear.
wait_text() {
	for _ in $(seq 300); do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# approver_keys: TEST ONLY approval keys in $W ($TEST_TMP/approvers): the organisation root
# (org/org.key, passphrase in root.pass), approver alice (keys/alice.key, alice.pass,
# alice.cert: S1001, info-manager, Class II, 30 days) and an empty revocation list crl1;
# org.pub and the list installed where the agent's config expects them. A ARGS... runs
# futari-approve (in the current directory) and fails the test when it fails.
A() {
	"$top_builddir/approver/futari-approve" "$@" --allow-root >>"$W/approve.log" 2>&1 ||
		fail "futari-approve $1 failed: $(tail -3 "$W/approve.log")"
}
approver_keys() {
	W="$TEST_TMP/approvers"
	mkdir -p "$W"
	(
		cd "$W" || fail "no dir $W"
		echo 'TEST ONLY root passphrase' >root.pass
		echo 'TEST ONLY alice passphrase' >alice.pass
		A certify --init-root org --passphrase-file root.pass
		A keygen --name alice --out keys --passphrase-file alice.pass
		A certify --root-key org/org.key --passphrase-file root.pass --key keys/alice.pub \
			--id S1001 --name "Alice (TEST ONLY)" --login alice --role info-manager \
			--classes II --valid-for 30d --out alice.cert
		A revoke --root-key org/org.key --passphrase-file root.pass --out crl1
	) || exit 1
	install -m 0644 "$W/org/org.pub" "$ETC/org.pub"
	install -m 0644 "$W/crl1" "$ETC/revocations.futari-revocation"
}

# mount_hostilefs: mounts tests/integration/hostilefs.py (a user's FUSE filesystem that makes
# root wait) on $FMNT; its waits end when $RELEASE exists (touch it to let go). Skips when
# FUSE is not available.
# mount_test_fuse SCRIPT FILE: mounts tests/integration/SCRIPT (a TEST ONLY FUSE filesystem of
# the user's: hostilefs.py, stallfs.py) on $FMNT, with $RELEASE as its release file, and waits
# for FILE to show; skips where FUSE cannot run. Unmounted (and released) at exit.
mount_test_fuse() {
	[ -x /usr/bin/python3 ] || skip "needs /usr/bin/python3"
	/usr/bin/python3 -c 'import fusepy' 2>/dev/null || skip "needs python3-fusepy"
	[ -c /dev/fuse ] || skip "needs /dev/fuse"
	command -v fusermount3 >/dev/null 2>&1 || command -v fusermount >/dev/null 2>&1 ||
		skip "needs fusermount (fuse3)"
	FMNT="$TEST_TMP/${1%.py}"
	RELEASE="$TEST_TMP/release"
	mkdir -p "$FMNT"
	/usr/bin/python3 "$top_srcdir/tests/integration/$1" "$FMNT" "$RELEASE" \
		>"$TEST_TMP/$1.log" 2>&1 &
	fuse_pid=$!
	defer "touch '$RELEASE'; umount -l '$FMNT' 2>/dev/null; kill_ours $fuse_pid"
	i=0
	until [ -f "$FMNT/$2" ]; do
		i=$((i + 1))
		[ $i -le 100 ] || skip "cannot mount a FUSE filesystem: $(cat "$TEST_TMP/$1.log")"
		sleep 0.1
	done
}

# mount_hostilefs: hostilefs.py on $FMNT (see mount_test_fuse).
mount_hostilefs() {
	mount_test_fuse hostilefs.py grow.txt
}

# loopback_listener: brings loopback up in the test's network namespace (agent_enter_ns made
# one) and starts a TCP listener on 127.0.0.1 that appends all it is sent to $recv, then
# answers "HTTP/1.0 200" (curl waits for an answer; nc and socat do not care). Sets recv and
# P (its port); stopped at exit. Skips where loopback cannot come up.
loopback_listener() {
	ip link set lo up || skip "cannot bring up loopback in the test's network namespace"
	recv="$TEST_TMP/recv"
	: >"$recv"
	python3 -c '
import os, socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0))
s.listen(16)
open(sys.argv[1] + ".tmp", "w").write(str(s.getsockname()[1]))
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
while True:
    c, _ = s.accept()
    c.settimeout(0.5)
    with open(sys.argv[2], "ab") as f:
        try:
            while True:
                d = c.recv(65536)
                if not d:
                    break
                f.write(d)
                f.flush()
        except OSError:
            pass
    try:
        c.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n")
    except OSError:
        pass
    c.close()
' "$TEST_TMP/port" "$recv" &
	defer "kill $! 2>/dev/null"
	wait_file "$TEST_TMP/port" 50 || fail "the loopback listener did not start"
	P=$(cat "$TEST_TMP/port")
}

# upload_fixture PROGRAMS-LINE [NAMES-LINE]: a watched filesystem (watched_fs 64M) holding the
# attacker's folder $U with staff.csv (Class I: a My Number roster, 379474484458) and
# notice.txt (Class III), readable by all, and an [upload] group in agent.conf watching it
# with PROGRAMS-LINE ("programs = …") and NAMES-LINE. Sets U.
upload_fixture() {
	watched_fs 64M
	U="$wfs/home"
	mkdir -p "$U"
	printf '氏名,個人番号\n山田,379474484458\n' >"$U/staff.csv"
	printf 'public notice, nothing classified\n' >"$U/notice.txt"
	chown -R 65534:65534 "$U"
	chmod -R a+rX "$U"
	printf '\n[upload]\nfilesystems = %s\n%s\n%s\n' "$wfs" "$1" "${2:-}" >>"$ETC/agent.conf"
}
