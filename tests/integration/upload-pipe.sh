#!/bin/sh
# A Class I file cannot reach an upload program through a pipe (issue 14, round 19), in the
# real futarid with fanotify alone (no BPF taint: the host kernel refuses LSM programs, and so
# does any machine without BPF LSM). Before, `cat staff.csv | curl --data-binary @- URL` sent
# the file: curl opened nothing, and cat is no upload program. Now a pipe an upload program
# starts with (or a FIFO it opens) is followed (agent/fanwatch-pipe.c): the processes writing
# into it, and into pipes joined to it through them, may not hold a Class I file open (curl
# does not start); what the pipes hold already is read with tee(2) and decided (curl does not
# start); and a process that can write into it and opens a file later is decided as curl (its
# open is refused). Every refusal is an upload.denied record that names the file.
#
# Each try below is an attacker's (uid 65534) shell line uploading to file://$out/NAME; the
# test fails when the Class I number arrives there, when a refusal is not logged, and when
# an ordinary pipe (a Class III file, echo) or another program's open while a pipe is
# followed is refused.
. "$(dirname "$0")/agent-lib.sh"
agent_enter_ns "$@"
. "$(dirname "$0")/lib.sh"
require_cmd setpriv curl timeout gzip xargs find mkfifo
agent_setup
user_home

upload_fixture "programs = /usr/bin/curl"
mkdir -p "$U/docs"
cp "$U/staff.csv" "$U/docs/roster.csv"
chown -R 65534:65534 "$U/docs"
out="$TEST_TMP/out"
mkdir -p "$out"
chmod 0777 "$out"
start_agent
L="$TEST_TMP/log"

denials() { grep -c '"event":"upload.denied"' "$L"/egress-*.jsonl 2>/dev/null || true; }
# refused NAME CMD [PATTERN]: runs CMD as the attacker; fails when the Class I number reached
# file://$out/NAME, or when no new upload.denied (matching PATTERN, default the pipe's marks)
# follows.
refused() {
	before=$(denials)
	rm -f "$out/$1"
	as_u timeout 30 sh -c "$2" >"$TEST_TMP/$1.log" 2>&1 || true
	if grep -q 379474484458 "$out/$1" 2>/dev/null; then
		fail "$1: the Class I file went through the pipe: $2"
	fi
	# (up to 20 s: the record is written by the agent's main loop, durably)
	for _ in $(seq 200); do
		[ "$(denials)" -gt "$before" ] && break
		sleep 0.1
	done
	[ "$(denials)" -gt "$before" ] ||
		fail "$1: no upload.denied for: $2 ($(cat "$TEST_TMP/$1.log")); the agent counts $(as_user "$FUTARI" status --json | grep -o '"upload_denied" *: *[0-9]*'); the log ends: $(tail -n 2 "$L"/egress-*.jsonl | cut -c1-300)"
	tail -n +"$((before + 1))" "$L"/egress-*.jsonl | grep '"event":"upload.denied"' |
		grep -q -- "${3:-\"call\":\"\(pipe\|exec\)\"}" ||
		fail "$1: the refusal does not say how: $(grep upload.denied "$L"/egress-*.jsonl | tail -n 1)"
}
# allowed NAME CMD WORD: the upload of CMD must arrive holding WORD.
allowed() {
	rm -f "$out/$1"
	as_u timeout 30 sh -c "$2" >"$TEST_TMP/$1.log" 2>&1 || true
	grep -q -- "$3" "$out/$1" 2>/dev/null || fail "$1: an ordinary pipe was stopped: $2 ($(cat "$TEST_TMP/$1.log"))"
}
up() { echo "curl -s -T - file://$out/$1"; }

# --- refused ------------------------------------------------------------------------------
# The plain pipe: whichever comes first (cat's open, curl's start, cat's exit) is caught.
refused plain "cat '$U/staff.csv' | $(up plain)"
# cat opens the file only after curl started: cat's own open is refused.
refused late "(sleep 1; cat '$U/staff.csv') | $(up late)" '"call":"pipe".*"reader_pid"'
grep -q "Operation not permitted" "$TEST_TMP/late.log" || fail "late: cat was not refused its open: $(cat "$TEST_TMP/late.log")"
# the writer holds the file open when curl starts: curl does not start.
refused held "{ exec 3<'$U/staff.csv'; sleep 2; cat <&3; } | (sleep 0.5; exec $(up held))" 'staff.csv.*"call":"pipe"'
# the writer is gone and the file waits in the pipe: read with tee, curl does not start.
refused waiting "cat '$U/staff.csv' | (sleep 1; exec $(up waiting))" '"path":"pipe:\[.*"class":"I".*"call":"exec"'
# through an encoder (gzip) started before curl: the pipe into gzip is followed too.
refused gzip "(sleep 1; cat '$U/staff.csv') | gzip -c | $(up gzip)" '"call":"pipe"'
# children of a writer: find and xargs start cat after curl.
refused find "(sleep 1; find '$U/docs' -name '*.csv' -exec cat {} +) | $(up find)"
refused xargs "(sleep 1; echo '$U/docs/roster.csv') | xargs cat | $(up xargs)"
# started by a program that is an upload program only by name (a copy of dash called curl):
# not the same executable as the curl it starts, so followed all the same
mkdir -p "$U/bin"
cp /bin/dash "$U/bin/curl"
chown 65534:65534 "$U/bin/curl"
chmod 0755 "$U/bin/curl"
refused fakestarter "'$U/bin/curl' -c \"cat '$U/staff.csv' | /usr/bin/curl -s -T - file://$out/fakestarter\""
# process substitution
refused subst "bash -c \"$(up subst) < <(sleep 1; cat '$U/staff.csv')\""
# A named FIFO on the watched filesystem, curl reading it by name: followed where the kernel
# asks about a FIFO's open. Recent kernels (6.18 here) send no permission event for it: then
# nothing sees curl's open, and this stays a documented limit (docs/upload-control.md).
as_u mkfifo "$U/fifo"
events() { as_user "$FUTARI" status --json | sed -n 's/.*"upload_events" *: *\([0-9]*\).*/\1/p'; }
e0=$(events)
as_u sh -c "(echo x >'$U/fifo' &); cat '$U/fifo'" >/dev/null
e1=$(events)
if [ "$e1" -gt "$e0" ]; then
	refused fifo "(sleep 1; cat '$U/staff.csv' >'$U/fifo') & curl -s -T '$U/fifo' file://$out/fifo; wait"
else
	echo "note: this kernel sends no fanotify permission event for a FIFO's open: a named FIFO into curl is not followed" >&2
fi

# --- allowed ------------------------------------------------------------------------------
# A writer holding a file of a FUSE filesystem whose every close (FLUSH) waits for ever: the
# agent takes the writer's descriptors with pidfd_getfd and closes its copy of that one on a
# reaper thread, so three such starts in a row are each decided at once (the file is on no
# watched filesystem: allowed) and nothing waits on the daemon but the reaper. (Closed at
# once, the first copy held a worker until the daemon answered, and the starts were refused
# at their deadline.)
STALLFS_FLUSH=1 mount_test_fuse stallfs.py stall.txt
for i in 1 2 3; do
	rm -f "$out/fuse$i"
	# (the writer keeps the file open: its own close would wait on the daemon too)
	as_u sh -c "{ exec 3<'$FMNT/stall.txt'; echo held-fuse-$i; sleep 2; exec >&-; sleep 60; } | (sleep 0.5; exec $(up fuse$i))" \
		>/dev/null 2>&1 &
	n=0
	until grep -q "held-fuse-$i" "$out/fuse$i" 2>/dev/null; do
		n=$((n + 1))
		[ $n -le 100 ] || fail "fuse$i: curl's start waited on the FUSE daemon (nothing arrived in 10 s)"
		sleep 0.1
	done
done
touch "$RELEASE"
pkill -u 65534 -x sleep
allowed public "cat '$U/notice.txt' | $(up public)" 'public notice'
allowed echo "echo hello-from-echo | $(up echo)" hello-from-echo
allowed slowpub "(sleep 1; cat '$U/notice.txt') | $(up slowpub)" 'public notice'
# While a pipe into curl is followed, other programs' opens of the Class I file go on.
as_u sh -c "(sleep 4; echo slow) | curl -s -T - file://$out/slow" &
slow=$!
sleep 1
got=$(as_u timeout 10 cat "$U/staff.csv") || fail "cat could not read staff.csv while a pipe into curl was followed"
case "$got" in *379474484458*) ;; *) fail "cat read something else: $got" ;; esac
got=$(as_v timeout 10 sh -c "cat '$U/staff.csv' | cat") || fail "another user's cat | cat was refused while a pipe into curl was followed"
case "$got" in *379474484458*) ;; *) fail "another user's cat read something else: $got" ;; esac
wait "$slow" || true
grep -q slow "$out/slow" || fail "the slow pipe's upload did not arrive"
# curl gone: the feed is gone too, and cat into another program's pipe is not held.
got=$(as_u timeout 10 sh -c "cat '$U/staff.csv' | cat") || true
case "$got" in *379474484458*) ;; *) fail "cat | cat of the Class I file was refused" ;; esac

st=$(as_user "$FUTARI" status --json)
echo "$st" | grep -q '"upload_pipes_followed" *: *[1-9]' || fail "status --json: no pipes followed: $st"
echo "$st" | grep -q '"upload_pipe_writers" *: *[1-9]' || fail "status --json: no pipe writers decided: $st"
grep -q '"event":"upload.denied".*notice.txt' "$L"/egress-*.jsonl && fail "a Class III file was refused"
stop_agent
exit 0
