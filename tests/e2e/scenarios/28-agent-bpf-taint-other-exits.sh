# Issue 14 (2): ways out besides an internet socket, with the BPF LSM taint in the guest's
# Debian kernel. (1) A network share or a FUSE mount (NFS, SMB, sshfs, rclone, gvfs) needs no
# socket of the writer's own: the kernel's NFS or SMB client, or the FUSE daemon, carries what
# is written there. A process that read a Class II file cannot write it to a FUSE share
# (guest/sharefs.py, a passthrough FUSE daemon standing in for sshfs) by write(), cp, dd or a
# shared writable mapping; each refusal is an upload.denied record (layer bpf-lsm) naming the
# share, the written file and the call. Untainted writers still use the share, and the tainted
# process still writes its local files (taint flows there). (2) Socket families other than
# unix, netlink, AF_ALG and loopback: a tainted process's connect on vsock (to a VM's host)
# and Bluetooth RFCOMM (a phone) is refused and logged; an untainted one's is not refused.
# (3) A USB device node (usbfs, how MTP/PTP phones, cameras and adb are reached): a tainted
# user process's ioctl on a real (virtual) USB stick's node is refused and logged. (4) Another
# process's memory: what a tainted process writes into a clean one with process_vm_writev
# taints it (its send is refused), and so does ptrace after an attach made while both were
# clean (POKEDATA and PEEKDATA of what either side read later), a /proc/PID/mem descriptor
# opened while both were clean (pwrite and pread later; into the browser refused), anonymous
# shared memory made before a fork() (either side reads, the other sends), and a vfork() or
# clone(CLONE_VM) child reading into its parent's memory; a tainted process may not
# reach into the exempt browser at all (refused, logged). (5) A core dump: a tainted process that crashes itself leaves a
# core holding what it read; the core is tainted, so `grep -a secret core | curl` is refused;
# so is a core piped to a helper (as systemd-coredump gets it) and the file the helper writes.
# (6) A FUSE server that reads files itself (a passthrough view of the home): its read of a
# Class I/II file is refused and logged, and a server tainted another way may not answer.
# (7) A unix datagram sent to an address (sendto, no connect; round 17): its receiver is
# tainted (its send refused, logged); before, it was not.
# e2e-stick: u1 serial=FUT-TAINT-0028 label=TAINT28 size=16
# e2e-timeout: 900
. "$E2E_SRCDIR/guest/agent.sh"
. "$E2E_SRCDIR/guest/taint.sh"
fe_setup
ft_guest python3
python3 -c 'import fusepy' 2>/dev/null || skip "needs python3-fusepy in the guest (packaging/test-deps.txt)"
modprobe fuse 2>/dev/null || true
[ -c /dev/fuse ] || fail "no /dev/fuse in the guest (modprobe fuse)"
ft_watched 32M
f=$U/roster-share.txt
MARKER=ROSTER28-SECRET
e2e_as hanako sh -c "printf '%s 4 names (TEST ONLY)\n' $MARKER >'$f'"
setfattr -n trusted.futari.class -v II "$f" || fail "cannot label $f"
e2e_as hanako sh -c "printf 'PUBLIC28 event notice\n' >'$U/notice.txt'"
ft_browser
ft_listener

back=$E2E_SCRATCH/share-backing
share=$E2E_SCRATCH/share
mkdir -p "$back" "$share"
chmod 1777 "$back"
python3 "$E2E_SRCDIR/guest/sharefs.py" "$back" "$share" >"$E2E_SCRATCH/sharefs.log" 2>&1 &
SPID=$!
FE_ON_EXIT="umount -l '$share' 2>/dev/null; kill $SPID 2>/dev/null; $FE_ON_EXIT"
for ((i = 0; i < 100; i++)); do
	grep -q " $share fuse" /proc/mounts && break
	sleep 0.1
done
grep -q " $share fuse" /proc/mounts || fail "sharefs did not mount: $(cat "$E2E_SCRATCH/sharefs.log")"

ft_start_agent 28
# hanako's desktop: a subscriber to the agent's events, as futari-notify is (the agent is
# exempt: what it sends taints nobody)
cat >"$E2E_SCRATCH/sub.py" <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect(sys.argv[1])
s.send(json.dumps({"command": "subscribe", "args": {}}).encode())
s.settimeout(300)
with open(sys.argv[2], "a") as out:
    while True:
        m = s.recv(65536)
        if not m:
            break
        out.write(m.decode() + "\n")
        out.flush()
PY
chmod 0644 "$E2E_SCRATCH/sub.py"
events=$E2E_SCRATCH/events
touch "$events"
chmod 0666 "$events"
e2e_as hanako python3 "$E2E_SCRATCH/sub.py" "$FE_SOCK" "$events" &
SUBPID=$!
FE_ON_EXIT="kill $SUBPID 2>/dev/null; $FE_ON_EXIT"
for ((i = 0; i < 100; i++)); do
	grep -q '"subscribed"' "$events" && break
	sleep 0.1
done
grep -q '"subscribed"' "$events" || fail "hanako's subscription was not answered: $(cat "$events")"
ft_prime "$f"
# The notice is classified before anyone copies it (a read of a file not classified yet is
# pending, and a pending writer is refused on the share too).
e2e_as hanako cat "$U/notice.txt" >/dev/null
ft_learner_idle

# Untainted: the share works for hanako before and besides the refusals.
e2e_as hanako cp "$U/notice.txt" "$share/notice-copy.txt" ||
	fail "an untainted cp to the share failed"
grep -q PUBLIC28 "$back/notice-copy.txt" || fail "the untainted copy did not reach the share"

# logged_since BEFORE WHAT: wait (5 s at most) for more bpf-lsm upload.denied records than
# BEFORE; fail naming WHAT when none came.
logged_since() {
	local i
	for ((i = 0; i < 50; i++)); do
		[ "$(denials)" -le "$1" ] || return 0
		sleep 0.1
	done
	fail "$2: no upload.denied (bpf-lsm) logged"
}
# got_notice WHAT: wait (5 s at most) for the public notice at the listener; fail naming WHAT.
got_notice() {
	local i
	for ((i = 0; i < 50; i++)); do
		grep -q PUBLIC28 "$recv" && return 0
		sleep 0.1
	done
	fail "the listener did not receive $1"
}
# refused NAME WRITTEN COMMAND: as hanako COMMAND must fail, WRITTEN must not hold the marker
# in the share's backing folder, and one more upload.denied naming WRITTEN must be logged.
refused() {
	local name=$1 written=$2 before rc=0 i rec
	before=$(denials)
	e2e_as hanako timeout 60 bash -c "$3" >"$E2E_SCRATCH/$name.out" 2>&1 || rc=$?
	[ "$rc" -ne 124 ] || fail "$name: hung"
	[ "$rc" -ne 0 ] || fail "$name: succeeded (exit 0): $(cat "$E2E_SCRATCH/$name.out")"
	if grep -qs "$MARKER" "$back/$written"; then fail "$name: the marker reached the share"; fi
	logged_since "$before" "$name"
	rec=$(fe_log_has '"upload.denied"' bpf-lsm "\"written_file\":\"$written\"") ||
		fail "$name: no upload.denied (bpf-lsm) naming $written: $(tail -n 2 "$FE_LOG"/egress-*.jsonl | cut -c1-700)"
	echo "$rec" | grep -F "fuse" | grep -F "$share" >/dev/null ||
		fail "$name: the record does not name the share: $rec"
	echo "$rec" | grep -F 'roster-share.txt' | grep -F '"II"' >/dev/null ||
		fail "$name: the record does not name the file and class: $rec"
	echo "$rec" | grep -F 'network or FUSE filesystem' >/dev/null ||
		fail "$name: the record's reason: $rec"
	printf '%s\n' "$rec" | tail -n 1 >"$E2E_SCRATCH/$name.rec"
	note "$name: refused (exit $rc), logged"
}

refused redirect cat-copy.txt "cat '$f' >'$share/cat-copy.txt'"
grep -q '"call":"write"' "$E2E_SCRATCH/redirect.rec" || fail "redirect: call is not write: $(cat "$E2E_SCRATCH/redirect.rec")"
# hanako's desktop hears of it: the file, the share, the layer
for ((i = 0; i < 50; i++)); do
	grep -q '"upload.denied".*bpf-lsm' "$events" && break
	sleep 0.1
done
grep '"upload.denied"' "$events" | grep 'bpf-lsm' | grep -F "$share" | grep -q 'roster-share.txt' ||
	fail "no upload.denied event (bpf-lsm, naming the share and the file) reached hanako's subscription: $(tail -n 3 "$events")"
note "redirect: hanako's desktop was told"
refused cp cp-copy.txt "cp '$f' '$share/cp-copy.txt'"
refused dd dd-copy.txt "dd if='$f' of='$share/dd-copy.txt' status=none"
MMAP_PY='
import mmap, os, sys
data = open(sys.argv[1], "rb").read()
fd = os.open(sys.argv[2], os.O_RDWR | os.O_CREAT, 0o644)
os.ftruncate(fd, 4096)
try:
    m = mmap.mmap(fd, 4096, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
except PermissionError:
    sys.exit(3)
m[:len(data)] = data
m.flush()
'
printf '%s' "$MMAP_PY" >"$E2E_SCRATCH/map.py"
chmod 0644 "$E2E_SCRATCH/map.py"
refused mmap mapped.bin "python3 '$E2E_SCRATCH/map.py' '$f' '$share/mapped.bin'"
grep -q '"call":"mmap"' "$E2E_SCRATCH/mmap.rec" || fail "mmap: call is not mmap: $(cat "$E2E_SCRATCH/mmap.rec")"

# The same mapping by a process that read only the public notice goes through: the refusal
# above is the taint's, not FUSE's.
e2e_as hanako python3 "$E2E_SCRATCH/map.py" "$U/notice.txt" "$share/mapped-public.bin" ||
	fail "an untainted shared mapping of a file on the share failed"
grep -q PUBLIC28 "$back/mapped-public.bin" || fail "the untainted mapping did not reach the share"

# The tainted process still writes its own folder (the copy is tainted there, not refused).
e2e_as hanako sh -c "cat '$f' >'$U/local-copy.txt'" || fail "a tainted cat could not write a local file"
grep -q "$MARKER" "$U/local-copy.txt" || fail "the local copy is empty"
note "local copy: written"

# (2) Other socket families. guest/taint-probe.py reads a file, then tries one way out, and
# exits with its errno (0: it went). Never read what a tainted process printed: the reader
# (this shell) would be tainted too, and every later command it starts.
# (Copied where hanako can read it: the checkout may sit in root's 0700 home.)
install -m 0644 "$E2E_SRCDIR/guest/taint-probe.py" "$E2E_SCRATCH/taint-probe.py"
probe() { # FILE WAY [ARG]: the errno name of the try ("went": no error), from its exit status
	local rc=0
	e2e_as hanako timeout 30 python3 "$E2E_SCRATCH/taint-probe.py" "$@" >/dev/null 2>&1 || rc=$?
	python3 -c "import errno,sys; r=int(sys.argv[1]); print('went' if r == 0 else errno.errorcode.get(r, 'exit %d' % r))" "$rc"
}
# refused_on FAMILY LABEL: a tainted connect on FAMILY is refused (EPERM) and logged as an
# upload.denied naming "LABEL socket" and the file; an untainted one is not refused. A guest
# that cannot make such a socket at all fails the step (it must not pass by skipping).
refused_on() {
	local got i
	got=$(probe "$U/notice.txt" "$1")
	case $got in
	EAFNOSUPPORT | EPROTONOSUPPORT | ESOCKTNOSUPPORT | "") fail "the guest cannot make a $2 socket ($got)" ;;
	EPERM) fail "an untainted $2 connect was refused" ;;
	esac
	got=$(probe "$f" "$1")
	[ "$got" = EPERM ] || fail "a tainted $2 connect was not refused: $got"
	for ((i = 0; i < 50; i++)); do
		fe_log_has '"upload.denied"' bpf-lsm "$2 socket" roster-share.txt >/dev/null && break
		sleep 0.1
	done
	fe_log_has '"upload.denied"' bpf-lsm "$2 socket" roster-share.txt >/dev/null ||
		fail "no upload.denied naming the $2 socket and the file: $(grep upload.denied "$FE_LOG"/egress-*.jsonl | tail -n 2 | cut -c1-900)"
	note "$2: untainted connect not refused; tainted connect refused, logged"
}
modprobe vsock 2>/dev/null || true
refused_on vsock vsock
# A program that retries: 50 refused connects in a row are 50 records, but hanako's desktop
# hears of at most one refusal in 5 s.
sleep 5.5
n0=$(grep -c '"upload.denied"' "$events" || true)
r0=$(cat "$FE_LOG"/egress-*.jsonl | grep -c '"upload.denied".*bpf-lsm' || true)
e2e_as hanako timeout 60 python3 -c '
import socket, sys
open(sys.argv[1], "rb").read()
n = 0
for i in range(50):
    try:
        socket.socket(socket.AF_VSOCK, socket.SOCK_STREAM).connect((2, 5000))
    except PermissionError:
        n += 1
    except OSError:
        pass
sys.exit(0 if n == 50 else 1)' "$f" >/dev/null 2>&1 || fail "not all 50 tainted vsock connects were refused"
for ((i = 0; i < 50; i++)); do
	[ "$(cat "$FE_LOG"/egress-*.jsonl | grep -c '"upload.denied".*bpf-lsm' || true)" -lt $((r0 + 50)) ] || break
	sleep 0.1
done
r1=$(cat "$FE_LOG"/egress-*.jsonl | grep -c '"upload.denied".*bpf-lsm' || true)
[ "$r1" -ge $((r0 + 50)) ] || fail "50 refused connects made $((r1 - r0)) records"
n1=$(grep -c '"upload.denied"' "$events" || true)
[ $((n1 - n0)) -ge 1 ] && [ $((n1 - n0)) -le 2 ] ||
	fail "50 refusals in a row made $((n1 - n0)) desktop notices (1 or 2 expected)"
note "50 refused connects: $((r1 - r0)) records, $((n1 - n0)) desktop notice(s)"
fe_log_has '"upload.denied"' bpf-lsm 'vsock socket (address family 40)' >/dev/null ||
	fail "the vsock refusal does not name the family: $(grep upload.denied "$FE_LOG"/egress-*.jsonl | tail -n 1 | cut -c1-900)"
refused_on bluetooth Bluetooth

# (3) A USB device node. The stick's usbfs node (/dev/bus/usb/BBB/DDD) is made hanako's, as
# udev's uaccess tag does for a phone at the seat's user; asking it for its capabilities is the
# first ioctl libusb makes. Untainted: answered; tainted: refused and logged.
disk=$(e2e_plug u1)
p=/sys$(udevadm info -q path -n "$disk")
while [ "$p" != /sys ] && [ ! -e "$p/busnum" ]; do p=${p%/*}; done
[ -e "$p/busnum" ] || fail "no USB device above $disk in sysfs"
bus=$(printf '%03d' "$(cat "$p/busnum")")
dev=$(printf '%03d' "$(cat "$p/devnum")")
node=/dev/bus/usb/$bus/$dev
[ -c "$node" ] || fail "no usbfs node $node for $disk"
chmod 0666 "$node"
got=$(probe "$U/notice.txt" usb "$node")
[ "$got" = went ] || fail "an untainted ioctl on $node failed: $got"
got=$(probe "$f" usb "$node")
[ "$got" = EPERM ] || fail "a tainted ioctl on $node was not refused: $got"
for ((i = 0; i < 50; i++)); do
	fe_log_has '"upload.denied"' bpf-lsm "USB device $bus/$dev" >/dev/null && break
	sleep 0.1
done
rec=$(fe_log_has '"upload.denied"' bpf-lsm "USB device $bus/$dev" '"call":"ioctl"' roster-share.txt) ||
	fail "no upload.denied naming USB device $bus/$dev, the call and the file: $(grep upload.denied "$FE_LOG"/egress-*.jsonl | tail -n 2 | cut -c1-900)"
note "USB device $bus/$dev: untainted ioctl answered, tainted one refused, logged"

# (4) Another process's memory (guest/taint-inject.py: exit statuses only).
install -m 0644 "$E2E_SRCDIR/guest/taint-inject.py" "$E2E_SCRATCH/taint-inject.py"
inject() { # FILE MODE ARG...: its exit status
	local rc=0
	e2e_as hanako timeout 120 python3 "$E2E_SCRATCH/taint-inject.py" "$@" >/dev/null 2>&1 || rc=$?
	echo "$rc"
}
rc=$(inject "$U/notice.txt" flow 192.0.2.1 8080)
[ "$rc" = 0 ] || fail "a clean process's child could not send what it was given (exit $rc: 1 refused, 3 never got it, 100 + errno: the write failed)"
got_notice "the public notice through the clean child"
: >"$recv"
before=$(denials)
rc=$(inject "$f" flow 192.0.2.1 8080)
[ "$rc" = 1 ] || fail "the clean child a tainted process wrote the file into was not refused (exit $rc: 0 sent, 3 never got it, 100 + errno: the write failed)"
if grep -q "$MARKER" "$recv"; then fail "the listener received the file through the injected child"; fi
logged_since "$before" "the injected child's refused send"
note "process_vm_writev: the clean child took the taint, its send refused, logged"
# ptrace after the attach: PTRACE_POKEDATA and PEEKDATA ask the LSM nothing, so what either
# side reads while attached must flow to the other (attached while both were clean). The same
# through a /proc/PID/mem descriptor opened while both were clean (memwrite, memread): the
# LSM's ATTACH check ran at its open only. And anonymous shared memory made before a fork
# (shmchild: the child reads into it, the parent sends; shmparent: the other way).
for mode in poke peek memwrite memread shmchild shmparent; do
	: >"$recv"
	rc=$(inject "$U/notice.txt" $mode 192.0.2.1 8080)
	[ "$rc" = 0 ] || fail "$mode: the public notice was not sent through ptrace (exit $rc: 1 refused, 3 never read, 100 + errno: a ptrace call failed)"
	got_notice "the public notice ($mode)"
	: >"$recv"
	before=$(denials)
	rc=$(inject "$f" $mode 192.0.2.1 8080)
	[ "$rc" = 1 ] || fail "$mode: the file read by one side of an attached ptrace was sent by the other (exit $rc: 0 sent, 3 never read, 100 + errno: a ptrace call failed)"
	if grep -q "$MARKER" "$recv"; then fail "$mode: the listener received the file through ptrace"; fi
	logged_since "$before" "$mode: the refused send"
done
note "ptrace attached, or /proc/PID/mem opened, while clean: POKEDATA or pwrite of a file read later, and PEEKDATA or pread of what the other read later, carry the taint; the sends refused, logged"
# One address space, two processes (guest/taint-sharedvm.c): a vfork() child, or a
# clone(CLONE_VM) child running beside its parent, reads the file into memory the parent
# sends from; the parent never reads the file.
gcc -O2 -Wall -o "$E2E_SCRATCH/taint-sharedvm" "$E2E_SRCDIR/guest/taint-sharedvm.c" ||
	fail "cannot build guest/taint-sharedvm.c"
chmod 0755 "$E2E_SCRATCH/taint-sharedvm"
for mode in vfork clone; do
	: >"$recv"
	rc=0
	e2e_as hanako timeout 60 "$E2E_SCRATCH/taint-sharedvm" $mode "$U/notice.txt" 192.0.2.1 8080 >/dev/null 2>&1 || rc=$?
	[ "$rc" = 0 ] || fail "$mode: the public notice was not sent from the shared address space (exit $rc: 1 refused, 3 another error)"
	got_notice "the public notice ($mode)"
	: >"$recv"
	before=$(denials)
	rc=0
	e2e_as hanako timeout 60 "$E2E_SCRATCH/taint-sharedvm" $mode "$f" 192.0.2.1 8080 >/dev/null 2>&1 || rc=$?
	[ "$rc" = 1 ] || fail "$mode: the parent sent what its child read into their shared memory (exit $rc: 0 sent, 3 another error)"
	if grep -q "$MARKER" "$recv"; then fail "$mode: the listener received the file from the shared address space"; fi
	logged_since "$before" "$mode: the parent's refused send"
done
note "vfork and clone(CLONE_VM): what the child read into the shared memory taints the parent; its send refused, logged"
mkfifo "$E2E_SCRATCH/hold"
chmod 0666 "$E2E_SCRATCH/hold"
rc=$(inject "$U/notice.txt" exempt "$bin/firefox-test" -s "file://$E2E_SCRATCH/hold")
[ "$rc" != 0 ] || fail "a clean process's process_vm_writev into the browser was refused"
rc=$(inject "$f" exempt "$bin/firefox-test" -s "file://$E2E_SCRATCH/hold")
[ "$rc" = 0 ] || fail "a tainted process's process_vm_writev into the exempt browser was not refused with EPERM (exit $rc: 1 went, 10 + errno)"
for ((i = 0; i < 50; i++)); do
	fe_log_has '"upload.denied"' bpf-lsm '"call":"ptrace"' firefox-test >/dev/null && break
	sleep 0.1
done
fe_log_has '"upload.denied"' bpf-lsm '"call":"ptrace"' firefox-test roster-share.txt >/dev/null ||
	fail "no upload.denied naming the browser's process and the file: $(grep upload.denied "$FE_LOG"/egress-*.jsonl | tail -n 1 | cut -c1-900)"
note "process_vm_writev into the exempt browser: refused, logged"
# /proc/PID/mem of the browser, opened while clean (allowed), written after reading the file.
rc=$(inject "$U/notice.txt" memexempt "$bin/firefox-test" -s "file://$E2E_SCRATCH/hold")
[ "$rc" != 0 ] && [ "$rc" -lt 50 ] || fail "a clean process's write through the browser's /proc/PID/mem was refused, or the open failed (exit $rc)"
before=$(denials)
rc=$(inject "$f" memexempt "$bin/firefox-test" -s "file://$E2E_SCRATCH/hold")
[ "$rc" = 0 ] || fail "a tainted process's write through the exempt browser's /proc/PID/mem, opened while clean, was not refused with EPERM (exit $rc: 1 went, 10 + errno, 50 + errno: the open failed)"
logged_since "$before" "the write through the browser's /proc/PID/mem"
note "/proc/PID/mem of the exempt browser, opened clean, written tainted: refused, logged"
# An exempt tracer: the browser traces a clean process (attached while both were clean, here
# PTRACE_TRACEME), which then reads the file; the browser would read its memory with
# PEEKDATA and, never tainted, send it. The traced process's read of a marked file is
# refused as the browser's own; a public file it still reads.
[ -x "$bin/firefox-tracer" ] || fail "no exempt tracer (guest/exempt-tracer.c needs gcc in the guest)"
rc=0
e2e_as hanako timeout 60 "$bin/firefox-tracer" "$U/notice.txt" || rc=$?
[ "$rc" = 1 ] || fail "a process traced by the exempt browser could not read the public notice (exit $rc: 0 refused, 2 another error)"
before=$(denials)
rc=0
e2e_as hanako timeout 60 "$bin/firefox-tracer" "$f" || rc=$?
[ "$rc" = 0 ] || fail "a process traced by the exempt browser read the Class II file (exit $rc: 1 read, 2 another error)"
logged_since "$before" "the exempt tracer's tracee's refused read"
note "exempt tracer: its tracee's read of the file refused, logged; the public notice read"

# (5) A core dump (core_pattern set to a file for the test, put back at exit).
cores=$E2E_SCRATCH/cores
mkdir -p "$cores"
chmod 1777 "$cores"
old_pattern=$(cat /proc/sys/kernel/core_pattern)
FE_ON_EXIT="printf '%s\n' '$old_pattern' >/proc/sys/kernel/core_pattern; $FE_ON_EXIT"
echo "$cores/core.%p" >/proc/sys/kernel/core_pattern
# send_core CORE WORD: hanako sends what follows WORD in CORE (not the whole core: the listener
# keeps 1 MiB) with curl; curl's exit status
send_core() {
	local rc=0
	e2e_as hanako timeout 60 bash -c "grep -a -o -m 1 '$2[ -~]*' '$1' | $CURL -s -m 20 -o /dev/null -H Expect: --data-binary @- $URL" >/dev/null 2>&1 || rc=$?
	return $rc
}
crash() { # FILE NAME: hanako's python3 reads FILE, keeps it, aborts; prints its core's path
	e2e_as hanako bash -c "ulimit -c unlimited; cd '$cores'; exec python3 -c 'import os, sys; d = open(sys.argv[1], \"rb\").read(); os.abort()' '$1'" >/dev/null 2>&1 || true
	ls -t "$cores"/core.* 2>/dev/null | head -n 1
}
core=$(crash "$U/notice.txt")
[ -n "$core" ] || fail "no core file in $cores (core_pattern $(cat /proc/sys/kernel/core_pattern), ulimit -c as hanako $(e2e_as hanako bash -c 'ulimit -Hc'))"
grep -q PUBLIC28 "$core" || fail "the clean core does not hold the notice"
# classified before it is read (a fresh file is pending until then)
e2e_as hanako cat "$core" >/dev/null
ft_learner_idle
send_core "$core" PUBLIC28 || fail "a clean process's core could not be sent"
got_notice "the clean core"
: >"$recv"
rm -f "$cores"/core.*
core=$(crash "$f")
[ -n "$core" ] || fail "no core file of the tainted process"
grep -q "$MARKER" "$core" || fail "the tainted core does not hold the file's content"
before=$(denials)
! send_core "$core" "$MARKER" || fail "the core of a tainted process was sent"
if grep -q "$MARKER" "$recv"; then fail "the listener received the tainted core"; fi
logged_since "$before" "the tainted core's refused send"
note "core dump: the tainted process's core is tainted (its send refused, logged); a clean core went"

# The same with the core piped to a helper, as systemd-coredump gets it: here dd, as root,
# writes what the pipe brings to a file hanako can read.
pcore=$cores/piped.core
echo "|/bin/dd of=$pcore status=none" >/proc/sys/kernel/core_pattern
piped() { # FILE: hanako's python3 reads FILE, keeps it, aborts; waits for the helper
	local i
	rm -f "$pcore"
	e2e_as hanako bash -c "ulimit -c unlimited; exec python3 -c 'import os, sys; d = open(sys.argv[1], \"rb\").read(); os.abort()' '$1'" >/dev/null 2>&1 || true
	for ((i = 0; i < 300; i++)); do
		[ -s "$pcore" ] && ! pgrep -f "of=$pcore" >/dev/null && return 0
		sleep 0.1
	done
	fail "no piped core at $pcore (core_pattern $(cat /proc/sys/kernel/core_pattern))"
}
piped "$U/notice.txt"
grep -q PUBLIC28 "$pcore" || fail "the clean piped core does not hold the notice"
e2e_as hanako cat "$pcore" >/dev/null
ft_learner_idle
send_core "$pcore" PUBLIC28 || fail "a clean process's piped core could not be sent"
got_notice "the clean piped core"
: >"$recv"
piped "$f"
grep -q "$MARKER" "$pcore" || fail "the tainted piped core does not hold the file's content"
before=$(denials)
! send_core "$pcore" "$MARKER" || fail "the piped core of a tainted process was sent"
if grep -q "$MARKER" "$recv"; then fail "the listener received the tainted piped core"; fi
logged_since "$before" "the tainted piped core's refused send"
note "piped core dump: the helper that wrote it and so the core are tainted (its send refused, logged); a clean one went"

# (6) A FUSE server that reads files itself (a passthrough view of the home, as bindfs or the
# document portal): the reader's read check runs before the server has read anything, so the
# taint cannot follow the answer. A FUSE server's read of a Class I/II file is refused (the
# reader gets an error, the server stays clean); a server that took taint another way (here
# through a `cat` helper and a pipe) may not answer at all while tainted.
view() { # NAME [ENV]: mounts a sharefs view of hanako's home at $E2E_SCRATCH/NAME
	local i
	mkdir -p "$E2E_SCRATCH/$1"
	env ${2-} python3 "$E2E_SRCDIR/guest/sharefs.py" "$U" "$E2E_SCRATCH/$1" >"$E2E_SCRATCH/$1.log" 2>&1 &
	FE_ON_EXIT="umount -l '$E2E_SCRATCH/$1' 2>/dev/null; kill $! 2>/dev/null; $FE_ON_EXIT"
	for ((i = 0; i < 100; i++)); do
		grep -q " $E2E_SCRATCH/$1 fuse" /proc/mounts && return 0
		sleep 0.1
	done
	fail "the $1 view did not mount: $(cat "$E2E_SCRATCH/$1.log")"
}
view homeview
e2e_as hanako timeout 60 grep -q PUBLIC28 "$E2E_SCRATCH/homeview/notice.txt" ||
	fail "the public notice could not be read through the FUSE view"
: >"$recv"
before=$(denials)
rc=0
e2e_as hanako timeout 60 bash -c "cat '$E2E_SCRATCH/homeview/roster-share.txt' | $CURL -s -m 20 -o /dev/null -H Expect: --data-binary @- $URL" >/dev/null 2>&1 || rc=$?
[ "$rc" -ne 124 ] || fail "FUSE view: the reader hung"
sleep 1
if grep -q "$MARKER" "$recv"; then fail "the listener received the file through the FUSE view"; fi
logged_since "$before" "the FUSE server's refused read"
fe_log_has '"upload.denied"' bpf-lsm '"call":"read"' '"read_file":"roster-share.txt"' 'FUSE filesystem served by this process' >/dev/null ||
	fail "no upload.denied naming the FUSE server's read: $(grep upload.denied "$FE_LOG"/egress-*.jsonl | tail -n 1 | cut -c1-900)"
e2e_as hanako timeout 60 grep -q PUBLIC28 "$E2E_SCRATCH/homeview/notice.txt" ||
	fail "the FUSE view stopped serving the public notice after the refused read (the server was tainted)"
note "FUSE view of the home: the server's read of the Class II file refused, logged; nothing reached the listener; the view still serves public files"

view catview SHAREFS_READ_VIA_CAT=1
e2e_as hanako timeout 60 grep -q PUBLIC28 "$E2E_SCRATCH/catview/notice.txt" ||
	fail "the public notice could not be read through the cat view"
: >"$recv"
before=$(denials)
rc=0
e2e_as hanako timeout 20 bash -c "cat '$E2E_SCRATCH/catview/roster-share.txt' | $CURL -s -m 15 -o /dev/null -H Expect: --data-binary @- $URL" >/dev/null 2>&1 || rc=$?
sleep 1
if grep -q "$MARKER" "$recv"; then fail "the listener received the file through the cat view (exit $rc)"; fi
logged_since "$before" "the tainted FUSE server's refused answer"
fe_log_has '"upload.denied"' bpf-lsm '"call":"write"' 'FUSE filesystem served by this process' >/dev/null ||
	fail "no upload.denied naming the tainted FUSE server's answer: $(grep upload.denied "$FE_LOG"/egress-*.jsonl | tail -n 1 | cut -c1-900)"
note "FUSE server tainted through a helper: its answer refused (the reader got nothing: exit $rc), logged"


# (7) Unix datagrams sent to an address (round 17): sendto() with no connect, so the kernel
# finds the receiver itself (lsm/unix_may_send). Before, a python3 that read the Class II file
# and sent it to another process's bound datagram socket (a path or an abstract name) left the
# receiver untainted, and the receiver sent it to the listener. Now its send is refused and
# logged; a receiver of untainted datagrams still sends.
install -m 0644 "$E2E_SRCDIR/guest/unix-dgram.py" "$E2E_SCRATCH/unix-dgram.py"
dg=$E2E_SCRATCH/dgram
mkdir -p "$dg" && chown hanako "$dg"
# dgram NAME ADDR SENDER-MODE ARG: a receiver bound at ADDR, then a datagram sent to it as
# SENDER-MODE ARG (send FILE: python3 reads FILE first); the receiver's exit status in RC.
dgram() {
	local i
	rm -f "$dg/$1.ready"
	e2e_as hanako timeout 60 python3 "$E2E_SCRATCH/unix-dgram.py" recv "$2" "$dg/$1.ready" >"$E2E_SCRATCH/dgram-$1.out" 2>&1 &
	local pid=$!
	for ((i = 0; i < 200; i++)); do
		[ -e "$dg/$1.ready" ] && break
		sleep 0.1
	done
	[ -e "$dg/$1.ready" ] || fail "dgram $1: the receiver never bound: $(cat "$E2E_SCRATCH/dgram-$1.out")"
	e2e_as hanako timeout 30 python3 "$E2E_SCRATCH/unix-dgram.py" "$3" "$2" "$4" >>"$E2E_SCRATCH/dgram-$1.out" 2>&1 ||
		fail "dgram $1: the sender failed: $(cat "$E2E_SCRATCH/dgram-$1.out")"
	RC=0
	wait "$pid" || RC=$?
}
for kind in path abstract; do
	addr=$dg/sock-$kind
	[ "$kind" = path ] || addr=@futari-e2e-28-$kind
	: >"$recv"
	before=$(denials)
	dgram "$kind" "$addr" send "$f"
	[ "$RC" -eq 1 ] || fail "dgram $kind: the receiver of a tainted datagram was not refused (exit $RC): $(cat "$E2E_SCRATCH/dgram-$kind.out")"
	if grep -q "$MARKER" "$recv"; then fail "dgram $kind: the listener received the file"; fi
	logged_since "$before" "dgram $kind"
	note "unix datagram to an address ($kind): the receiver's send refused, logged"
done
: >"$recv"
dgram clean "$dg/sock-clean" send-text "PUBLIC28-DGRAM notice"
[ "$RC" -eq 0 ] || fail "dgram clean: the receiver of an untainted datagram was refused (exit $RC): $(cat "$E2E_SCRATCH/dgram-clean.out")"
grep -q PUBLIC28-DGRAM "$recv" || fail "dgram clean: the listener did not receive the untainted datagram"
note "unix datagram to an address, untainted: the receiver sends"
