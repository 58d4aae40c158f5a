#!/bin/sh
# An upload program cannot be handed a Class I file as a descriptor it inherits (issue 14,
# round 18), in the real futarid, fanotify only (no BPF taint): before, `curl -T - < staff.csv`
# sent the file, because the shell opened it and curl only read its standard input. Now the
# kernel asks before curl runs (FAN_OPEN_EXEC_PERM: an inode mark on each configured upload
# program, which here sits on an unwatched filesystem, and the watched filesystem's own mark
# for a copy of curl kept there), and each descriptor curl would inherit is decided as if curl
# had opened it:
# - standard input redirected from a Class I file: curl does not start, upload.denied names
#   the file, the program, "call":"exec" and the descriptor; the same for descriptor 7, for a
#   renamed copy of curl on the watched filesystem, and after a SIGHUP (which flushes every
#   inode mark: the programs' marks are made again);
# - allowed: a Class III file on standard input (curl uploads it, here to a file:// URL), a
#   Class I file open for writing only (8>>), one opened close-on-exec (python3's default), and
#   `cat` (no upload program) with the Class I file on its standard input.
# A pipe into curl (`cat staff.csv | curl …`) is upload-pipe.sh's.
. "$(dirname "$0")/agent-lib.sh"
agent_enter_ns "$@"
. "$(dirname "$0")/lib.sh"
require_cmd setpriv curl timeout python3
agent_setup
user_home

watched_fs 64M
U="$wfs/home"
mkdir -p "$U/bin"
chown -R 65534:65534 "$U"
printf '氏名,個人番号\n山田,379474484458\n' >"$U/staff.csv"
printf '氏名,個人番号\n鈴木,379474484458\n' >"$U/ledger.csv"
printf 'public notice, nothing classified\n' >"$U/notice.txt"
chown 65534:65534 "$U/staff.csv" "$U/ledger.csv" "$U/notice.txt"
chmod 0644 "$U/staff.csv" "$U/ledger.csv" "$U/notice.txt"
out="$TEST_TMP/out"
mkdir -p "$out"
chmod 0777 "$out"

cat >>"$ETC/agent.conf" <<CONF

[upload]
filesystems = $wfs
programs = /usr/bin/curl
CONF
start_agent
L="$TEST_TMP/log"

# started NAME CMD: runs CMD as the attacker (sh -c) uploading to file://$out/NAME; TRUE when
# curl ran and the upload arrived.
started() {
	rm -f "$out/$1"
	as_u timeout 20 sh -c "$2" >"$TEST_TMP/$1.log" 2>&1 || true
	[ -s "$out/$1" ]
}
denied_exec() { # NAME FD MESSAGE
	expect_log "\"event\":\"upload.denied\".*staff.csv.*\"call\":\"exec\".*\"inherited_fd\":$2" "$3"
	grep -q 379474484458 "$out/$1" 2>/dev/null && fail "$1: the Class I file arrived"
	return 0
}

# --- refused ------------------------------------------------------------------------------
if started stdin "curl -s -T - file://$out/stdin <'$U/staff.csv'"; then
	fail "curl started with a Class I file on its standard input and uploaded it: $(cat "$out/stdin")"
fi
denied_exec stdin 0 "no upload.denied (call exec, descriptor 0) for curl's start: $(cat "$TEST_TMP/stdin.log"; tail -n 2 "$L"/egress-*.jsonl)"
grep -q '"exe":"/usr/bin/curl"' "$L"/egress-*.jsonl || fail "the refusal does not name /usr/bin/curl"

if started fd7 "curl -s -T - file://$out/fd7 <'$U/notice.txt' 7<'$U/staff.csv'"; then
	fail "curl started holding a Class I file as descriptor 7"
fi
denied_exec fd7 7 "no upload.denied for descriptor 7"

cp /usr/bin/curl "$U/bin/up"
chown 65534:65534 "$U/bin/up"
chmod 0755 "$U/bin/up"
n=$(grep -c '"call":"exec"' "$L"/egress-*.jsonl)
if started copy "'$U/bin/up' -s -T - file://$out/copy <'$U/staff.csv'"; then
	fail "a renamed copy of curl on the watched filesystem started with a Class I file on its standard input"
fi
[ "$(grep -c '"call":"exec"' "$L"/egress-*.jsonl)" -gt "$n" ] || fail "no upload.denied for the copy's start"

# SIGHUP flushes every inode mark, the programs' among them: they are made again.
kill -HUP "$AGENT_PID" 2>/dev/null || fail "cannot signal the agent"
sleep 1
n=$(grep -c '"call":"exec"' "$L"/egress-*.jsonl)
if started hup "curl -s -T - file://$out/hup <'$U/staff.csv'"; then
	fail "after a SIGHUP curl started with a Class I file on its standard input"
fi
[ "$(grep -c '"call":"exec"' "$L"/egress-*.jsonl)" -gt "$n" ] || fail "no upload.denied after the SIGHUP"

# --- allowed ------------------------------------------------------------------------------
started public "curl -s -T - file://$out/public <'$U/notice.txt'" ||
	fail "curl with a Class III file on its standard input did not upload it: $(cat "$TEST_TMP/public.log")"
grep -q 'public notice' "$out/public" || fail "the Class III upload did not arrive whole"
started wronly "curl -s -T - file://$out/wronly <'$U/notice.txt' 8>>'$U/ledger.csv'" ||
	fail "curl holding a Class I file open for writing only did not start: $(cat "$TEST_TMP/wronly.log")"
started cloexec "python3 -c 'import os, sys; os.open(sys.argv[1], os.O_RDONLY); os.execv(\"/usr/bin/curl\", [\"curl\", \"-s\", \"-T\", \"-\", \"file://$out/cloexec\"])' '$U/staff.csv' <'$U/notice.txt'" ||
	fail "curl started after a close-on-exec open of a Class I file did not run: $(cat "$TEST_TMP/cloexec.log")"
got=$(as_u timeout 10 sh -c "cat <'$U/staff.csv'") || true
case "$got" in *379474484458*) ;; *) fail "cat could not read a Class I file on its standard input" ;; esac

grep -q '"event":"upload.denied".*notice.txt' "$L"/egress-*.jsonl && fail "a Class III file was refused"
stop_agent
exit 0
