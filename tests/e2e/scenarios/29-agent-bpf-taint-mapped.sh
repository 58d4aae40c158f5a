# Issue 14 (2), rounds 16 and 17: "map first, then taint". A process that maps a file shared reads
# whatever another process puts into the file later straight from its memory: no read, no
# hook of its own. Before round 16 such a reader was never tainted: python3 mapped a file on
# /dev/shm, `dd` (tainted by reading the Class II file) wrote the file into it, and python3
# sent it to the network. Now the file is flagged when it is mapped shared, the marks it takes
# afterwards are kept by inode for its readers, and a reader takes them at its next decision:
# its send is refused and logged. Covered: a write() into the mapped file (shared or
# private), a store through
# another process's shared writable mapping, a reader that copied, unmapped and removed the
# file before sending (its slot freed once nobody maps the file), more files mapped than
# slots, a forked child of the reader, another process reading the mapping out of the
# reader's memory (ptrace PEEKDATA, process_vm_readv, /proc/PID/mem), an mmap(PROT_NONE) made
# readable by mprotect, and a
# PROT_WRITE-only private mapping (readable on x86). A reader whose file only ever gets
# untainted content still sends. Round 17: the same for SysV shared memory (shmat), at the end.
# e2e-timeout: 900
. "$E2E_SRCDIR/guest/agent.sh"
. "$E2E_SRCDIR/guest/taint.sh"
fe_setup
ft_guest python3 dd
ft_watched 32M
f=$U/payroll-29.txt
MARKER=PAYROLL29-SECRET
e2e_as hanako sh -c "printf '%s 12 salaries (TEST ONLY)\n' $MARKER >'$f'"
setfattr -n trusted.futari.class -v II "$f" || fail "cannot label $f"
f1=$U/roster-29.txt
e2e_as hanako sh -c "printf '%s 40 residents (TEST ONLY)\n' $MARKER >'$f1'"
setfattr -n trusted.futari.class -v I "$f1" || fail "cannot label $f1"
ft_browser
ft_listener
# an exempt peer, as the X server is by default: a copy of python3 listed in taint-exempt-peers
cp "$(command -v python3)" "$bin/peer-x"
chmod 0755 "$bin/peer-x"
FT_UPLOAD_EXTRA="taint-exempt-peers = $bin/peer-x"
install -m 0644 "$E2E_SRCDIR/guest/map-reader.py" "$E2E_SCRATCH/map-reader.py"
R=$E2E_SCRATCH/map-reader.py
maps=$shm/maps
mkdir -p "$maps" && chown hanako "$maps"

ft_start_agent 29
ft_prime "$f"
ft_prime "$f1"

# reader NAME MODE ARGS…: map-reader.py in the background as hanako (or $AS) (RPID),
# logging to $E2E_SCRATCH/NAME.out; waits for its READY file ($maps/NAME.ready).
reader() {
	local name=$1 i
	shift
	rm -f "$maps/$name.ready"
	e2e_as "${AS:-hanako}" timeout 60 python3 "$R" "$@" >"$E2E_SCRATCH/$name.out" 2>&1 &
	RPID=$!
	for ((i = 0; i < 200; i++)); do
		[ -e "$maps/$name.ready" ] && return 0
		kill -0 "$RPID" 2>/dev/null || fail "$name: the reader ended before it mapped: $(cat "$E2E_SCRATCH/$name.out")"
		sleep 0.1
	done
	fail "$name: the reader never mapped its file"
}
# writer NAME MODE ARGS…: map-reader.py in the background as hanako (WPID), logging to
# $E2E_SCRATCH/NAME-w.out; waits for its READY file, $maps/NAME-w.ready (ARGS name it, and
# $maps/NAME.go as the file that lets it go on).
writer() {
	local name=$1 i
	shift
	rm -f "$maps/$name.go" "$maps/$name-w.ready"
	e2e_as hanako timeout 60 python3 "$R" "$@" >"$E2E_SCRATCH/$name-w.out" 2>&1 &
	WPID=$!
	for ((i = 0; i < 200; i++)); do
		[ -e "$maps/$name-w.ready" ] && return 0
		sleep 0.1
	done
	fail "$name: the writer never mapped: $(cat "$E2E_SCRATCH/$name-w.out")"
}
# refused NAME BEFORE: the reader (RPID) must have been refused its send, the listener must
# not hold the marker, one more bpf-lsm upload.denied must be logged than BEFORE.
refused() {
	local rc=0
	wait "$RPID" || rc=$?
	[ "$rc" -eq 1 ] || fail "$1: the reader exited $rc, not refused (1): $(cat "$E2E_SCRATCH/$1.out")"
	if grep -q "$MARKER" "$recv"; then fail "$1: the listener received the content"; fi
	denied_since "$2" "$1: no upload.denied (bpf-lsm) logged"
	note "$1: refused, logged"
}
# stored NAME BEFORE: the writer (WPID, started by writer NAME) goes on and stores, then
# refused NAME BEFORE.
stored() {
	e2e_as hanako touch "$maps/$1.go"
	wait "$WPID" || fail "$1: the writer failed: $(cat "$E2E_SCRATCH/$1-w.out")"
	refused "$1" "$2"
}
# a tainted writer: dd reads the Class II file and writes it into FILE in place
taint_into() { e2e_as hanako dd if="$f" of="$1" conv=notrunc status=none || fail "dd into $1 failed"; }

# clean_reader NAME DATA: a reader whose file only gets untainted content (DATA, by an
# untainted dd) sends it.
clean_reader() {
	local rc=0
	reader "$1" reader "$maps/$1.bin" "$maps/$1.ready" "$2"
	e2e_as hanako sh -c "printf '%s public\n' '$2' | dd of='$maps/$1.bin' conv=notrunc status=none"
	wait "$RPID" || rc=$?
	[ "$rc" -eq 0 ] || fail "$1: an untainted mapping's reader was refused (exit $rc): $(cat "$E2E_SCRATCH/$1.out")"
	grep -q "$2" "$recv" || fail "$1: the listener did not receive the clean content"
	: >"$recv"
	note "$1: a reader of untainted content sends"
}

# A clean reader first.
clean_reader clean CLEAN29-DATA

# write(): the reader maps first, the tainted dd writes into the file, the reader sends.
b=$(denials)
reader write reader "$maps/write.bin" "$maps/write.ready" "$MARKER"
taint_into "$maps/write.bin"
refused write "$b"
rec=$(fe_log_has '"upload.denied"' bpf-lsm python3 payroll-29.txt) ||
	fail "write: the refusal does not name python3 and the Class II file: $(tail -n 1 "$FE_LOG"/egress-*.jsonl | cut -c1-600)"
[ "$(ft_status taint_mapped_pulled)" -ge 1 ] ||
	fail "write: the reader did not take a mark from its mapped file: $("$FUTARI" status --json)"

# A store: another process maps the file shared and writable while clean, the reader maps it,
# then the writer reads the Class II file and stores it into its mapping (no write call).
b=$(denials)
writer store writer-store "$maps/store.bin" "$maps/store-w.ready" "$maps/store.go" "$f"
reader store reader "$maps/store.bin" "$maps/store.ready" "$MARKER"
stored store "$b"

# Copied, unmapped, closed and removed before the send, with 17 more files mapped after (the
# reader's 16 slots full: the removed file's slot is freed, its mark kept for the decision).
b=$(denials)
mkdir -p "$maps/unmap" && chown hanako "$maps/unmap"
reader unmap reader-unmap "$maps/unmap.bin" "$maps/unmap.ready" "$MARKER" "$maps/unmap" 17
taint_into "$maps/unmap.bin"
refused unmap "$b"

# More files mapped at once than slots: the 17th is marked; the reader takes every flagged
# file's mark (the price: a process with that many shared files is tainted by any of them).
b=$(denials)
mkdir -p "$maps/many" && chown hanako "$maps/many"
reader many reader-many "$maps/many" 17 "$maps/many.ready" "$MARKER"
taint_into "$maps/many/m-16"
refused many "$b"
[ "$(ft_status taint_mapped_overflow)" -ge 1 ] ||
	fail "many: no process counted beyond its slots: $("$FUTARI" status --json)"
# ... but only by the marks of files of the same owners: another user's reader with 17 files
# of its own mapped is not tainted by hanako's marked files, and sends what it got.
e2e_add_user jiro
mkdir -p "$maps/many-jiro" && chown jiro "$maps/many-jiro"
rm -f "$maps/many-jiro.ready"
e2e_as jiro timeout 60 python3 "$R" reader-many "$maps/many-jiro" 17 "$maps/many-jiro/ready" JIRO29-DATA >"$E2E_SCRATCH/many-jiro.out" 2>&1 &
RPID=$!
for ((i = 0; i < 200; i++)); do
	[ -e "$maps/many-jiro/ready" ] && break
	sleep 0.1
done
[ -e "$maps/many-jiro/ready" ] || fail "many-jiro: the reader never mapped: $(cat "$E2E_SCRATCH/many-jiro.out")"
taint_into "$maps/many/m-3"
e2e_as jiro sh -c "printf 'JIRO29-DATA public\n' | dd of='$maps/many-jiro/m-16' conv=notrunc status=none"
rc=0
wait "$RPID" || rc=$?
[ "$rc" -eq 0 ] || fail "many-jiro: another user's reader beyond its slots was refused (exit $rc): $(cat "$E2E_SCRATCH/many-jiro.out")"
grep -q JIRO29-DATA "$recv" || fail "many-jiro: the listener did not receive it"
: >"$recv"
note "many-jiro: another user's reader beyond its slots, untouched by hanako's marks, sends"

# The reader's child, made by fork() after the mapping: it reads and sends.
b=$(denials)
reader fork reader-fork "$maps/fork.bin" "$maps/fork.ready" "$MARKER"
taint_into "$maps/fork.bin"
refused fork "$b"

# No access at the mapping, read access by mprotect later (a private mapping of the Class II
# file itself, so no shared mapping flags anything).
b=$(denials)
rc=0
e2e_as hanako timeout 30 python3 "$R" mprotect "$f" >"$E2E_SCRATCH/mprotect.out" 2>&1 || rc=$?
[ "$rc" -eq 1 ] || fail "mprotect: exit $rc, not refused: $(cat "$E2E_SCRATCH/mprotect.out")"
if grep -q "$MARKER" "$recv"; then fail "mprotect: the listener received the content"; fi
denied_since "$b" "mprotect: no upload.denied logged"
note "mprotect: refused, logged"

# A private mapping with PROT_WRITE only: x86 pages cannot be writable and unreadable.
b=$(denials)
rc=0
e2e_as hanako timeout 30 python3 "$R" write-only "$f" >"$E2E_SCRATCH/write-only.out" 2>&1 || rc=$?
[ "$rc" -eq 1 ] || fail "write-only: exit $rc, not refused: $(cat "$E2E_SCRATCH/write-only.out")"
if grep -q "$MARKER" "$recv"; then fail "write-only: the listener received the content"; fi
denied_since "$b" "write-only: no upload.denied logged"
note "write-only: refused, logged"

# And a clean reader still sends after all that (no mark left behind on its own file).
clean_reader clean2 CLEAN29B-DATA

# Another process reads the mapping out of the reader's memory, having reached into it (as
# its parent) before the reader mapped the file: with ptrace PEEKDATA (no hook after the
# attach), with process_vm_readv, through a /proc/PID/mem descriptor opened first. The reader
# itself makes no decision (it sleeps); the reaching process takes the marks.
for method in peek vm-readv proc-mem; do
	b=$(denials)
	d=$maps/reach-$method
	mkdir -p "$d" && chown hanako "$d"
	e2e_as hanako timeout 60 python3 "$R" reacher "$method" "$maps/reach-$method.bin" "$d" "$MARKER" >"$E2E_SCRATCH/reach-$method.out" 2>&1 &
	RPID=$!
	for ((i = 0; i < 200; i++)); do
		[ -e "$d/addr" ] && break
		kill -0 "$RPID" 2>/dev/null || fail "reach-$method: ended before the target mapped: $(cat "$E2E_SCRATCH/reach-$method.out")"
		sleep 0.1
	done
	[ -e "$d/addr" ] || fail "reach-$method: the target never mapped its file"
	taint_into "$maps/reach-$method.bin"
	refused "reach-$method" "$b"
done

# A private mapping shows the file's later writes too (its pages are the page cache's until the
# process writes one): MAP_PRIVATE first, then the tainted dd, then the send.
b=$(denials)
reader private reader-private "$maps/private.bin" "$maps/private.ready" "$MARKER"
taint_into "$maps/private.bin"
refused private "$b"

# A writer that carried Class II (payroll) when it mapped the file, then reads the Class I
# roster and stores it: the file takes Class I with the roster as its origin, and the
# reader's refusal names the roster (round 17: before, the writer was followed only when it
# mapped untainted, the file kept Class II with the payroll's origin, which an approval of the
# payroll covers).
b=$(denials)
writer retaint writer-store "$maps/retaint.bin" "$maps/retaint-w.ready" "$maps/retaint.go" "$f1" "$f"
reader retaint reader "$maps/retaint.bin" "$maps/retaint.ready" "$MARKER"
stored retaint "$b"
rec=$(cat "$FE_LOG"/egress-*.jsonl | grep '"upload.denied".*bpf-lsm' | tail -n +$((b + 1)))
printf '%s\n' "$rec" | grep python3 | grep -q roster-29.txt ||
	fail "retaint: the refusal does not name the Class I roster: $(printf '%s\n' "$rec" | cut -c1-600)"

# SysV shared memory (round 17): shmat(2) maps a segment with no mmap_file check, and the
# segment is followed by its inode number. Before, all three leaked: a reader attached first
# and a tainted writer attaching and storing after; a writer attached while clean, tainted
# afterwards, storing; a reader attaching after the tainted writer stored and left.
sysv() { e2e_as hanako timeout 60 python3 "$R" "$@" >>"$E2E_SCRATCH/sysv.out" 2>&1; }
b=$(denials)
reader sysv-first sysv-reader 0x2929a001 "$maps/sysv-first.ready" "$MARKER"
sysv sysv-writer 0x2929a001 - - "$f" || fail "sysv-first: the writer failed: $(cat "$E2E_SCRATCH/sysv.out")"
refused sysv-first "$b"
sysv sysv-rm 0x2929a001

b=$(denials)
writer sysv-store sysv-writer 0x2929a002 "$maps/sysv-store-w.ready" "$maps/sysv-store.go" "$f"
reader sysv-store sysv-reader 0x2929a002 "$maps/sysv-store.ready" "$MARKER"
stored sysv-store "$b"
sysv sysv-rm 0x2929a002

b=$(denials)
sysv sysv-writer 0x2929a003 - - "$f" || fail "sysv-late: the writer failed: $(cat "$E2E_SCRATCH/sysv.out")"
reader sysv-late sysv-reader 0x2929a003 "$maps/sysv-late.ready" "$MARKER"
refused sysv-late "$b"
sysv sysv-rm 0x2929a003

# An exempt peer (the X server attaching its clients' MIT-SHM segments, or mapping their
# memfd buffers) is not tainted by a tainted client's segment or memfd: a receipt, as a
# peer's receive is (round 17: else one tainted client would taint the X server and, through
# it, every client). Its own later send goes out; an ordinary process that does the same is
# refused, so the segment and the memfd do carry the mark.
peer_look() { # NAME PROGRAM MODE ARGS…: exit status in RC
	local name=$1
	shift
	RC=0
	e2e_as hanako timeout 60 "$@" >"$E2E_SCRATCH/$name.out" 2>&1 || RC=$?
}
sysv sysv-writer 0x2929a005 - - "$f" || fail "sysv-peer: the writer failed: $(cat "$E2E_SCRATCH/sysv.out")"
peer_look sysv-peer "$bin/peer-x" "$R" sysv-look 0x2929a005 "$MARKER" PEER29-SYSV
[ "$RC" -eq 0 ] || fail "sysv-peer: the exempt peer that attached a tainted segment was refused (exit $RC): $(cat "$E2E_SCRATCH/sysv-peer.out")"
grep -q PEER29-SYSV "$recv" || fail "sysv-peer: the listener did not receive the peer's own text"
b=$(denials)
peer_look sysv-plain python3 "$R" sysv-look 0x2929a005 "$MARKER" PLAIN29-SYSV
[ "$RC" -eq 1 ] || fail "sysv-plain: an ordinary process that attached the tainted segment was not refused (exit $RC): $(cat "$E2E_SCRATCH/sysv-plain.out")"
denied_since "$b" "sysv-plain: no upload.denied logged"
sysv sysv-rm 0x2929a005
rm -f "$maps/memfd.ready" "$maps/memfd.ready.filled"
e2e_as hanako timeout 120 python3 "$R" memfd-hold "$f" "$maps/memfd.ready" >"$E2E_SCRATCH/memfd-hold.out" 2>&1 &
HPID=$!
for ((i = 0; i < 200; i++)); do
	[ -e "$maps/memfd.ready.filled" ] && break
	sleep 0.1
done
# (only looked at: what the tainted holder wrote would taint this shell, and its children)
[ -e "$maps/memfd.ready.filled" ] || fail "memfd-peer: the holder never filled its memfd: $(cat "$E2E_SCRATCH/memfd-hold.out")"
read -r hpid hfd <"$maps/memfd.ready" || [ -n "${hfd:-}" ]
peer_look memfd-peer "$bin/peer-x" "$R" map-look "/proc/$hpid/fd/$hfd" PEER29-MEMFD
[ "$RC" -eq 0 ] || fail "memfd-peer: the exempt peer that mapped a tainted memfd was refused (exit $RC): $(cat "$E2E_SCRATCH/memfd-peer.out")"
grep -q PEER29-MEMFD "$recv" || fail "memfd-peer: the listener did not receive the peer's own text"
b=$(denials)
peer_look memfd-plain python3 "$R" map-look "/proc/$hpid/fd/$hfd" PLAIN29-MEMFD
[ "$RC" -eq 1 ] || fail "memfd-plain: an ordinary process that mapped the tainted memfd was not refused (exit $RC): $(cat "$E2E_SCRATCH/memfd-plain.out")"
denied_since "$b" "memfd-plain: no upload.denied logged"
kill "$HPID" 2>/dev/null || true
wait "$HPID" 2>/dev/null || true
if grep -q "PLAIN29-\|$MARKER" "$recv"; then fail "peer: the listener received what it must not"; fi
: >"$recv"
note "sysv-peer, memfd-peer: an exempt peer that attached or mapped a tainted client's memory sends; an ordinary process is refused, logged"

# A segment that only gets untainted content: its reader sends.
reader sysv-clean sysv-reader 0x2929a004 "$maps/sysv-clean.ready" CLEAN29S-DATA
sysv sysv-put 0x2929a004 "CLEAN29S-DATA public" || fail "sysv-clean: the writer failed"
rc=0
wait "$RPID" || rc=$?
[ "$rc" -eq 0 ] || fail "sysv-clean: an untainted segment's reader was refused (exit $rc): $(cat "$E2E_SCRATCH/sysv-clean.out")"
grep -q CLEAN29S-DATA "$recv" || fail "sysv-clean: the listener did not receive the clean content"
: >"$recv"
sysv sysv-rm 0x2929a004
note "sysv-clean: a reader of an untainted segment sends"

# mapped_marks full (round 18). The marks of mapped files are kept by inode number in a
# bounded table; before, once one user filled it (a tainted process mapping many fresh files
# of their own shared and writable), every process of every user that maps any user-writable
# file shared (dconf's database: every GTK program) took Class II at its next decision and
# lost the network. Now the marks with no room count against their files' owner only: a
# reader of that owner's files takes all that owner's marks (too much, never too little), a
# reader of another user's files is untouched. The agent is started again with a table of 8
# (FUTARI_TEST_MAPPED_MARKS_MAX, a test knob from root's environment).
fe_stop_agent
FUTARI_TEST_MAPPED_MARKS_MAX=8 ft_start_agent 29
ft_prime "$f"
mkdir -p "$maps/fill" && chown hanako "$maps/fill"
e2e_as hanako timeout 120 python3 "$R" fill "$maps/fill" 12 "$f" >"$E2E_SCRATCH/fill.out" 2>&1 ||
	fail "fill: the filler failed: $(cat "$E2E_SCRATCH/fill.out")"
[ "$(ft_status taint_mapped_full)" -ge 1 ] ||
	fail "fill: 12 marked files did not fill a table of 8: $("$FUTARI" status --json)"
[ "$(ft_status taint_mapped_lost)" -eq 0 ] ||
	fail "fill: the owner of the files could not be noted: $("$FUTARI" status --json)"
# hanako's store into a file of hers whose mark finds no room: her reader takes her marks
b=$(denials)
writer full-store writer-store "$maps/full-store.bin" "$maps/full-store-w.ready" "$maps/full-store.go" "$f"
reader full-store reader "$maps/full-store.bin" "$maps/full-store.ready" "$MARKER"
stored full-store "$b"
# jiro maps a file of his own shared, gets untainted content and sends it
mkdir -p "$maps/jiro" "$E2E_SCRATCH/jiro" && chown jiro "$maps/jiro"
AS=jiro reader jiro/full-other reader "$maps/jiro/full-other.bin" "$maps/jiro/full-other.ready" JIRO29-FULL
e2e_as jiro sh -c "printf 'JIRO29-FULL public\n' | dd of='$maps/jiro/full-other.bin' conv=notrunc status=none"
rc=0
wait "$RPID" || rc=$?
[ "$rc" -eq 0 ] || fail "full-other: another user's reader was refused once hanako filled the table (exit $rc): $(cat "$E2E_SCRATCH/jiro/full-other.out")"
grep -q JIRO29-FULL "$recv" || fail "full-other: the listener did not receive jiro's text"
: >"$recv"
note "mapped_marks full: the filler's own reader refused, logged; another user's reader sends"

# A SysV segment owed a mark (round 18): a writer attached while clean and tainted while its
# address space's lock was busy (FUTARI_TEST_FIND_VMA_BUSY: every look is busy) owes the
# segment the mark. No inode ever takes a segment's debt, so it is settled at once in the
# table its readers look in; before, it stayed in owed_files for good and every later read
# of any file paid a lookup (owed_count above 0). The reader is refused, nothing stays owed.
fe_stop_agent
FUTARI_TEST_FIND_VMA_BUSY=1 ft_start_agent 29
ft_prime "$f"
owed0=$(ft_status taint_shared_owed)
b=$(denials)
writer sysv-owed sysv-writer 0x2929a006 "$maps/sysv-owed-w.ready" "$maps/sysv-owed.go" "$f"
reader sysv-owed sysv-reader 0x2929a006 "$maps/sysv-owed.ready" "$MARKER"
stored sysv-owed "$b"
sysv sysv-rm 0x2929a006
[ "$(ft_status taint_shared_owed)" -gt "$owed0" ] ||
	fail "sysv-owed: the segment was not owed the mark (the case is not what it tests): $("$FUTARI" status --json)"
[ "$(ft_status taint_shared_owed_open)" -eq 0 ] ||
	fail "sysv-owed: the segment's debt stays owed: $("$FUTARI" status --json)"
note "sysv-owed: a segment owed a mark under a busy lock: its reader refused, logged; nothing left owed"
