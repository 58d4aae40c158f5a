#!/bin/sh
# The classifier's content parsers run in futari-scan-worker processes, not in the root agent
# (issue 17). Against the real futarid:
#   - every worker runs as its own user with no capabilities, no_new_privs and seccomp;
#   - confined, a worker cannot open a file or a socket (EPERM), and a system call outside
#     its allow-list (fork) kills it (SIGSYS): the worker's own --self-test, run here;
#   - content is still classified (a My Number roster is Class I through a worker);
#   - a worker killed in the middle of a request makes that file Class II with the reason,
#     and the next request is served by a fresh worker;
#   - a worker stuck on a read that never returns (a user's own FUSE file, stallfs.py) makes
#     that file Class II at the deadline, and another user's file is served meanwhile;
#   - a worker is replaced after files-per-worker answers (3 here): one taken over by a
#     file cannot answer for every later file.
. "$(dirname "$0")/agent-lib.sh"
agent_enter_ns "$@"
. "$(dirname "$0")/lib.sh"
require_cmd setpriv timeout ps
WORKER="$top_builddir/agent/futari-scan-worker"
SCAN_TIMEOUT_MS=3000
agent_setup
FILES_PER_WORKER=3
sed -i "s/^\[scan-worker\]\$/[scan-worker]\nfiles-per-worker = $FILES_PER_WORKER/" "$ETC/agent.conf"
grep -q "^files-per-worker = $FILES_PER_WORKER\$" "$ETC/agent.conf" || fail "config not set"
user_home
start_agent

# workers: children of the agent, run as nobody here
workers() {
	ps -o pid=,user=,comm= --ppid "$AGENT_PID" | awk '$3 ~ /^futari-scan-wor/ {print $1}'
}
i=0
until [ -n "$(workers)" ]; do
	i=$((i + 1))
	[ $i -le 50 ] || fail "no classifier worker runs: $(cat "$TEST_TMP/agent.log")"
	sleep 0.1
done
for w in $(workers); do
	st=/proc/$w/status
	grep -q '^Uid:[[:space:]]*65534[[:space:]]*65534[[:space:]]*65534[[:space:]]*65534$' "$st" ||
		fail "worker $w does not run as the worker user: $(grep Uid "$st")"
	grep -q '^Groups:[[:space:]]*$' "$st" || fail "worker $w keeps groups: $(grep Groups "$st")"
	for set in CapInh CapPrm CapEff CapAmb; do
		grep -q "^$set:[[:space:]]*0000000000000000$" "$st" ||
			fail "worker $w has capabilities: $(grep "^$set" "$st")"
	done
	grep -q '^NoNewPrivs:[[:space:]]*1$' "$st" || fail "worker $w lacks no_new_privs"
	grep -q '^Seccomp:[[:space:]]*2$' "$st" || fail "worker $w has no seccomp filter"
	# parsing yields the CPU to the agent's threads that answer the kernel (issue 14)
	nice=$(sed 's/.*) //' "/proc/$w/stat" | awk '{print $17}')
	[ "$nice" = 19 ] || fail "worker $w runs at nice $nice, not 19"
done

grep -q 'content parsers: up to .* workers as user nobody, seccomp' "$TEST_TMP/agent.log" ||
	fail "the agent did not say how the content parsers run: $(cat "$TEST_TMP/agent.log")"

# The sandbox, proved by the worker binary itself: open and socket are refused.
out=$("$WORKER" --self-test files --uid 65534 --gid 65534 2>&1) ||
	fail "worker self test: something was allowed: $out"
# Paths: refused by seccomp (EPERM), or, where Landlock is there and openat is let through
# for reading, by Landlock (EACCES): only poppler's data folder may be read, never written,
# and a path that climbs out of it reaches nothing.
for what in "socket AF_INET" "socket AF_UNIX" "write poppler data"; do
	echo "$out" | grep -q "^$what: refused (EPERM)$" || fail "worker self test: $what: $out"
done
for what in "open /etc/passwd" "openat /" "open /etc/passwd through poppler data"; do
	echo "$out" | grep -Eq "^$what: refused \((EPERM|EACCES)\)$" ||
		fail "worker self test: $what: $out"
done
if echo "$out" | grep -q ' landlock yes$' && [ -r /usr/share/poppler/cMap/Adobe-Japan1/UniJIS-UCS2-H ]; then
	echo "$out" | grep -q '^read poppler data: ALLOWED$' ||
		fail "worker self test: poppler's CMaps cannot be read: $out"
else
	echo "$out" | grep -q '^read poppler data: refused (EPERM)$' ||
		fail "worker self test: without Landlock a path was opened: $out"
fi
echo "$out" | grep -q '^uid 65534 gid 65534 no_new_privs 1 ' || fail "self test: $out"
echo "$out" | grep -q '^nice 19$' || fail "self test: not at nice 19: $out"
# ...and a system call outside the list kills it
"$WORKER" --self-test fork --uid 65534 --gid 65534 >"$TEST_TMP/fork.out" 2>&1
rc=$?
[ $rc -eq 159 ] || fail "fork in the sandbox: exit $rc, expected SIGSYS: $(cat "$TEST_TMP/fork.out")"
grep -q '^fork:' "$TEST_TMP/fork.out" && fail "fork returned in the sandbox"
# ...but a thread of its own is not a new process: allowed (a large text is scanned by two
# threads, common/content-split.c), under the same filter
out=$("$WORKER" --self-test thread --uid 65534 --gid 65534 2>&1) ||
	fail "a thread in the sandbox: $out"
echo "$out" | grep -q '^thread: allowed$' || fail "a thread in the sandbox: $out"
# Garbage arguments: refused with one line
"$WORKER" --self-test files --uid 0 --gid 0 >/dev/null 2>&1 && fail "the worker ran as root"
"$WORKER" --self-test everything --uid 65534 --gid 65534 >/dev/null 2>&1 &&
	fail "an unknown self test was accepted"
"$WORKER" --uid 65534 --gid 65534 </dev/null >/dev/null 2>&1 3>&- &&
	fail "the worker ran without its socket"

# Content through a worker
printf '氏名,個人番号\n山田,379474484458\n' >"$HOME_U/staff.csv"
printf 'public notice\n' >"$HOME_U/small.txt"
chown 65534:65534 "$HOME_U/staff.csv" "$HOME_U/small.txt"
out=$(as_user "$FUTARI" classify "$HOME_U/staff.csv" 2>&1)
echo "$out" | grep -q 'Class I$' || fail "a My Number roster is not Class I: $out"
# A text large enough to be scanned by two threads in the worker (where there are 3 CPUs or
# more: one thread here on 2), its only My Number (with
# its keyword) in the second half, right after a line end: found.
python3 - "$HOME_U/big.csv" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    line = "1234567,abc,public\n" * 1000
    for _ in range(1100):  # about 19 MiB
        f.write(line)
    f.write("個人番号,379474484458\n")
    for _ in range(100):
        f.write(line)
PY
chown 65534:65534 "$HOME_U/big.csv"
out=$(as_user "$FUTARI" classify "$HOME_U/big.csv" 2>&1)
echo "$out" | grep -q 'Class I$' || fail "a My Number in the second half of a large text was missed: $out"
echo "$out" | grep -q 'mynumber' || fail "no My Number evidence: $out"

# Recycling: one request at a time. A worker is started on demand, so after one was
# replaced there may be none until the next request; more than one worker never runs.
seen=""
for n in 1 2 3 4 5 6 7 8 9; do
	out=$(as_user "$FUTARI" classify "$HOME_U/small.txt" 2>&1)
	echo "$out" | grep -q 'Class III$' || fail "request $n through a recycled worker: $out"
	w=$(workers)
	[ "$(echo "$w" | wc -w)" -le 1 ] || fail "after request $n: workers '$w', expected one"
	seen="$seen $w"
done
distinct=$(echo "$seen" | tr ' ' '\n' | grep -v '^$' | sort -u | wc -l)
[ "$distinct" -ge 3 ] || fail "9 requests with files-per-worker=3 used $distinct worker(s):$seen"
first=$(echo "$seen" | awk '{print $1}')
kill -0 "$first" 2>/dev/null && fail "the first worker ($first) is still there after its share"

# A read that never returns: a FUSE file of the user's own (stallfs.py)
PY=/usr/bin/python3
fuse_ok=yes
[ -x "$PY" ] && "$PY" -c 'import fusepy' 2>/dev/null && [ -c /dev/fuse ] || fuse_ok=no
if [ $fuse_ok = yes ]; then
	fmnt="$TEST_TMP/fuse"
	release="$TEST_TMP/release"
	mkdir -p "$fmnt"
	"$PY" "$top_srcdir/tests/integration/stallfs.py" "$fmnt" "$release" \
		>"$TEST_TMP/stallfs.log" 2>&1 &
	fuse_pid=$!
	defer "touch '$release'; umount -l '$fmnt' 2>/dev/null; kill_ours $fuse_pid"
	i=0
	until [ -f "$fmnt/stall.txt" ]; do
		i=$((i + 1))
		[ $i -le 100 ] || { fuse_ok=no; break; }
		sleep 0.1
	done
fi
[ $fuse_ok = yes ] || skip "needs python3-fusepy and /dev/fuse for the stalled-read half"

# 1. A worker killed in the middle of a request (this one stalls, so it is surely inside
#    the request): Class II with how it ended, and the next request works.
as_user "$FUTARI" classify "$fmnt/stall.txt" >"$TEST_TMP/killed.out" 2>&1 &
killed_pid=$!
busy=""
i=0
while [ -z "$busy" ] && [ $i -lt 50 ]; do
	for w in $(workers); do
		grep -q fuse "/proc/$w/wchan" 2>/dev/null && busy=$w
		grep -q '^State:[[:space:]]*[SD]' "/proc/$w/status" &&
			[ "$(cat "/proc/$w/wchan" 2>/dev/null)" = "request_wait_answer" ] && busy=$w
	done
	i=$((i + 1))
	sleep 0.1
done
[ -n "$busy" ] || fail "no worker waits on the stalled read"
# SIGKILL ends a FUSE read only once it returns: release it right after the kill
kill -9 "$busy"
touch "$release"
wait $killed_pid
out=$(cat "$TEST_TMP/killed.out")
echo "$out" | grep -q 'Class II$' || fail "a file whose worker was killed is not Class II: $out"
echo "$out" | grep -q 'killed by signal 9' || fail "no reason for the killed worker: $out"
out=$(as_user "$FUTARI" classify "$HOME_U/staff.csv" 2>&1)
echo "$out" | grep -q 'Class I$' || fail "after a killed worker, the next request failed: $out"
kill -0 "$busy" 2>/dev/null && fail "the killed worker is still there (not reaped)"
rm -f "$release" # stalls again

# 2. The deadline: Class II with the reason, about when it passes; another user served
#    meanwhile.
start=$(date +%s)
as_user "$FUTARI" classify "$fmnt/stall.txt" >"$TEST_TMP/stall.out" 2>&1 &
stall_pid=$!
sleep 0.5
t0=$(date +%s%N)
out=$(timeout 20 setpriv --reuid=65533 --regid=65533 --clear-groups env FUTARI_SOCKET="$SOCK" \
	"$FUTARI" classify "$HOME_U/small.txt" 2>&1) || fail "another user was not served: $out"
t1=$(date +%s%N)
echo "$out" | grep -q 'Class III$' || fail "another user's file: $out"
[ $(((t1 - t0) / 1000000)) -lt $SCAN_TIMEOUT_MS ] ||
	fail "another user waited $(((t1 - t0) / 1000000)) ms behind a stalled file"
wait $stall_pid
took=$(($(date +%s) - start))
out=$(cat "$TEST_TMP/stall.out")
echo "$out" | grep -q 'Class II$' || fail "a stalled file is not Class II: $out"
echo "$out" | grep -q 'worker .*not scanned: the content parser took longer than 3000 ms' ||
	fail "no deadline reason: $out"
[ $took -ge 2 ] && [ $took -le 15 ] || fail "the deadline answer took ${took}s"

# The stuck worker ends when its read returns, and is reaped (no zombie left).
touch "$release"
out=$(as_user "$FUTARI" classify "$HOME_U/small.txt" 2>&1)
echo "$out" | grep -q 'Class III$' || fail "after a deadline, the next request failed: $out"
sleep 0.5
out=$(as_user "$FUTARI" classify "$HOME_U/small.txt" 2>&1)
zombies=$(ps -o pid=,stat= --ppid "$AGENT_PID" | awk '$2 ~ /^Z/ {print $1}')
[ -z "$zombies" ] || fail "workers left unreaped: $zombies"

left=$(workers)
# (a worker that reached files-per-worker is gone until the next request)
for _ in 1 2 3; do
	[ -n "$left" ] && break
	as_user "$FUTARI" classify "$HOME_U/small.txt" >/dev/null 2>&1
	left=$(workers)
done
[ -n "$left" ] || fail "no worker after the requests"
stop_agent
# no worker outlives the agent
sleep 0.2
for w in $left; do
	[ "$(cat "/proc/$w/comm" 2>/dev/null)" = futari-scan-wor ] &&
		fail "worker $w outlived the agent"
done

# Under exactly the unit's CapabilityBoundingSet= the agent starts, and so do its workers
# (the spawner keeps what the agent drops; without CAP_SETPCAP neither could drop the
# other's capabilities from its bounding set and the agent did not start).
unit="$top_srcdir/packaging/systemd/futarid.service.in"
caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$unit" | tr 'A-Z' 'a-z' | sed 's/cap_/+/g; s/ /,/g')
[ -n "$caps" ] || fail "no CapabilityBoundingSet= in $unit"
rm -f "$SOCK"
setpriv --bounding-set=-all,"$caps" "$FUTARID" --config "$ETC/agent.conf" --foreground \
	>>"$TEST_TMP/agent.log" 2>&1 &
AGENT_PID=$!
defer "kill_ours $AGENT_PID"
i=0
until [ -S "$SOCK" ]; do
	i=$((i + 1))
	kill -0 "$AGENT_PID" 2>/dev/null && [ $i -le 100 ] ||
		fail "the agent did not start under the unit's bounding set ($caps): $(tail -5 "$TEST_TMP/agent.log")"
	sleep 0.1
done
out=$(as_user "$FUTARI" classify "$HOME_U/staff.csv" 2>&1)
echo "$out" | grep -q 'Class I$' || fail "under the unit's bounding set: $out"
# dac_override, sys_chroot, sys_ptrace, sys_admin (agent/caps.c)
grep -q "^CapBnd:[[:space:]]*00000000002c0002$" /proc/"$AGENT_PID"/status ||
	fail "the agent's bounding set: $(grep CapBnd /proc/"$AGENT_PID"/status)"
kill "$AGENT_PID"
wait "$AGENT_PID" || fail "the agent exited $? on SIGTERM"
exit 0
