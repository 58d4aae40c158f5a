#!/bin/sh
# Upload control (DESIGN §6, issue 6) on a loop-mounted ext4: upload programs cannot open a
# Class I or II file without an active approval; cat can; approvals work only for their
# content, requester, program and window; a changed file is judged again; ignore marks fall
# on a write and on a flush; 200 concurrent opens are all answered; the agent's own opens do
# not wait on itself; killing the listener leaves no opener blocked.
. "$(dirname "$0")/lib.sh"
upload_lock

require_root "fanotify permission events, loop devices, mounts"
require_cmd losetup mkfs.ext4 mount umount curl setfattr setpriv timeout sha256sum

harness="${top_builddir:-../..}/tests/integration/fanwatch-harness"
[ -x "$harness" ] || fail "harness not built: $harness"

img="$TEST_TMP/disk.img"
mnt="$TEST_TMP/mnt"
out="$TEST_TMP/out.jsonl"
bin="$TEST_TMP/bin"
approvals="$TEST_TMP/approvals"
mkdir -p "$mnt" "$bin"
truncate -s 64M "$img"
mkfs.ext4 -q -F "$img" || fail "mkfs.ext4 failed"
dev=$(losetup --find --show "$img") || skip "no free loop device"
defer "loop_release $dev $img"
mount "$dev" "$mnt" || fail "mount failed"
defer "umount $mnt"
chmod 755 "$mnt"

# The "browser": a copy of cat at a path in the upload-program list. One extra byte keeps
# its size apart from cat's, so cat itself is not taken for a copy of it (size match).
cp /bin/cat "$bin/firefox" && printf '\n' >>"$bin/firefox" && chmod 755 "$bin/firefox"
cp "$bin/firefox" "$bin/xyz"  # renamed copy: caught by size
cp /bin/cat "$bin/curl"       # not curl at all, but named like it: caught by name

echo "public text" >"$mnt/plain.txt"
echo "bid specification" >"$mnt/secret.txt"
echo "resident data" >"$mnt/labelled.txt"
setfattr -n user.futari-test.class -v I "$mnt/labelled.txt" || skip "no user xattrs here"
echo "odd" >"$mnt/unclassifiable.txt"
mkdir -p "$mnt/docs"
echo "meeting notes" >"$mnt/docs/notes.txt"
chmod 644 "$mnt"/*.txt
: >"$approvals"

hpid=""
start_harness() {
	: >"$out"
	"$harness" --mount "$mnt" --program /usr/bin/curl --program "$bin/firefox" \
		--observe "$mnt/docs" --approvals "$approvals" --self-open "$mnt/plain.txt" \
		"$@" >"$out" 2>"$TEST_TMP/harness.err" &
	hpid=$!
	for _ in $(seq 100); do
		grep -q '"event":"self-open"' "$out" && return 0
		kill -0 "$hpid" 2>/dev/null || fail "harness exited: $(cat "$TEST_TMP/harness.err")"
		sleep 0.1
	done
	fail "harness not ready in 10 s"
}
# Stops the harness with SIGTERM; fails unless it exits 0 (a crash, a sanitizer report or a
# leak report at exit under --enable-sanitizers all make it exit otherwise).
stop_harness() {
	[ -n "$hpid" ] || return 0
	kill "$hpid" 2>/dev/null
	timeout 10 sh -c "while kill -0 $hpid 2>/dev/null; do sleep 0.1; done" ||
		kill -9 "$hpid" 2>/dev/null
	hrc=0
	wait "$hpid" 2>/dev/null || hrc=$?
	hpid=""
	[ "$hrc" = 0 ] || fail "harness exited with status $hrc: $(tail -5 "$TEST_TMP/harness.err")"
}
defer '[ -z "$hpid" ] || { kill -9 "$hpid"; wait "$hpid"; } 2>/dev/null'
# Waits for a harness output line matching $1 (records arrive just after the reply).
expect_line() {
	for _ in $(seq 50); do
		grep -q -- "$1" "$out" && return 0
		sleep 0.1
	done
	echo "--- harness output:" >&2
	cat "$out" >&2
	fail "$2"
}
count_lines() {
	grep -c -- "$1" "$out" || true
}
signal_and_wait() { # SIGNAL EVENT
	before=$(count_lines "\"event\":\"$2\"")
	kill -"$1" "$hpid"
	for _ in $(seq 50); do
		[ "$(count_lines "\"event\":\"$2\"")" -gt "$before" ] && return 0
		sleep 0.1
	done
	fail "harness did not answer SIG$1"
}

start_harness
grep -q '"event":"self-open","detail":"ok"' "$out" ||
	fail "the agent's own open on the watched filesystem failed"

# --- cat reads everything; upload programs cannot read Class I/II -----------------------
[ "$(timeout 10 cat "$mnt/secret.txt")" = "bid specification" ] || fail "cat cannot read a Class II file"
timeout 10 curl -s "file://$mnt/secret.txt" >/dev/null && fail "curl read a Class II file"
expect_line '"event":"upload.denied".*"exe":"/usr/bin/curl".*secret.txt.*"class":2' \
	"no upload.denied record for curl"
rc=0; timeout 10 curl -s -T "$mnt/secret.txt" http://127.0.0.1:1/ 2>/dev/null || rc=$?
[ "$rc" = 26 ] || fail "curl -T opened a Class II file (exit $rc, 26 means it could not open it)"
timeout 10 "$bin/firefox" "$mnt/secret.txt" >/dev/null 2>&1 && fail "browser-named program read a Class II file"
expect_line "\"exe\":\"$bin/firefox\".*\"program_match\":\"inode\".*secret.txt" "no record for the browser"
timeout 10 "$bin/xyz" "$mnt/secret.txt" >/dev/null 2>&1 && fail "renamed copy of the browser read a Class II file"
expect_line "\"exe\":\"$bin/xyz\".*\"program_match\":\"size\"" "renamed copy not caught by size"
timeout 10 "$bin/curl" "$mnt/secret.txt" >/dev/null 2>&1 && fail "a program named curl read a Class II file"
expect_line "\"exe\":\"$bin/curl\".*\"program_match\":\"name\"" "program named curl not caught by name"
timeout 10 curl -s "file://$mnt/labelled.txt" >/dev/null && fail "curl read a Class I (labelled) file"
expect_line 'labelled.txt.*"class":1.*"reason":"class I file, no approval"' "no class I denial"
timeout 10 curl -s "file://$mnt/unclassifiable.txt" >/dev/null && fail "curl read a file the classifier failed on"
expect_line 'unclassifiable.txt.*"class":2' "classifier failure not treated as Class II"
[ "$(timeout 10 cat "$mnt/labelled.txt")" = "resident data" ] || fail "cat cannot read a Class I file"

# --- Class III: allowed; observed once under the observed paths ------------------------
[ "$(timeout 10 curl -s "file://$mnt/plain.txt")" = "public text" ] || fail "curl cannot read a Class III file"
timeout 10 curl -s "file://$mnt/docs/notes.txt" >/dev/null || fail "curl cannot read an observed Class III file"
timeout 10 curl -s "file://$mnt/docs/notes.txt" >/dev/null || fail "curl cannot read an observed Class III file twice"
expect_line '"event":"upload.observed".*notes.txt' "no upload.observed record"
[ "$(count_lines '"event":"upload.observed"')" = 1 ] ||
	fail "upload.observed not deduplicated: $(grep -- '"event":"upload.observed"' "$out")"
[ "$(count_lines 'plain.txt')" = 0 ] || fail "a Class III open outside the observed paths was recorded"

# --- priorities: classification never competes with the threads that answer the kernel --
# Workers and the learner (they classify and hash) run at nice 19; the reader, responders
# and deadline thread stay at the harness's own value. A thread takes its value with its
# first job: curl's opens above ran workers and responders; cat's second open of a small
# root file runs the learner.
timeout 10 cat "$mnt/plain.txt" >/dev/null && timeout 10 cat "$mnt/plain.txt" >/dev/null ||
	fail "cat cannot read a Class III file"
thread_nices() { # COMM: the nice value of each of the harness's threads called COMM
	for t in /proc/"$hpid"/task/*; do
		[ "$(cat "$t/comm" 2>/dev/null)" = "$1" ] || continue
		sed 's/.*) //' "$t/stat" | awk '{print $17}'
	done
}
expect_nice() { # COMM NICE
	for _ in $(seq 50); do
		[ -n "$(thread_nices "$1")" ] && break
		sleep 0.1
	done
	got=$(thread_nices "$1" | sort -u | tr '\n' ' ')
	[ "$got" = "$2 " ] || fail "threads $1 run at nice '$got', not $2"
}
own=$(sed 's/.*) //' "/proc/$hpid/stat" | awk '{print $17}')
expect_nice fut-fanwatch "$own"
expect_nice fut-fan-answer "$own"
expect_nice fut-fan-deadln "$own"
if [ "$own" -lt 19 ]; then
	expect_nice fut-fan-work 19
	expect_nice fut-fan-learn 19
else
	echo "note: the harness runs at nice $own already, nothing to lower: lowering not checked" >&2
fi

# --- approvals: content, requester, program, window -------------------------------------
sum=$(sha256sum "$mnt/secret.txt" | cut -d' ' -f1)
now=$(date +%s)
cat >"$approvals" <<EOF
# id sha256 uid program not_before not_after
wrong-program $sum 0 $bin/firefox $((now - 5)) $((now + 600))
wrong-user $sum 65534 /usr/bin/curl $((now - 5)) $((now + 600))
future $sum 0 /usr/bin/curl $((now + 300)) $((now + 600))
EOF
signal_and_wait HUP reloaded
timeout 10 curl -s "file://$mnt/secret.txt" >/dev/null && fail "curl read under an approval for another program, user or time"
cat >"$approvals" <<EOF
window $sum 0 /usr/bin/curl $((now - 5)) $((now + 4))
EOF
signal_and_wait HUP reloaded
[ "$(timeout 10 curl -s "file://$mnt/secret.txt")" = "bid specification" ] ||
	fail "curl cannot read under a valid approval"
expect_line '"event":"upload.allowed".*secret.txt.*"approval":"window"' "no upload.allowed record"
timeout 10 setpriv --reuid=65534 --regid=65534 --clear-groups curl -s "file://$mnt/secret.txt" >/dev/null &&
	fail "another user's curl read under root's approval"
timeout 10 "$bin/firefox" "$mnt/secret.txt" >/dev/null 2>&1 && fail "another program read under curl's approval"
sleep $((now + 6 - $(date +%s)))
timeout 10 curl -s "file://$mnt/secret.txt" >/dev/null && fail "curl read after the approval window closed"

# --- a changed file is judged again --------------------------------------------------------
now=$(date +%s)
echo "long $sum 0 - $((now - 5)) $((now + 600))" >"$approvals"
signal_and_wait HUP reloaded
timeout 10 curl -s "file://$mnt/secret.txt" >/dev/null || fail "curl cannot read under an any-program approval"
echo "more" >>"$mnt/secret.txt"
timeout 10 curl -s "file://$mnt/secret.txt" >/dev/null && fail "curl read a changed file under the old content's approval"

# --- ignore marks: set on Class III, dropped by a write, an attribute change, a flush ------
# fan_marked FILE: the harness's fanotify group holds an ignore mark on FILE's inode
# (/proc/PID/fdinfo lists each inode mark with its ignored mask).
fan_marked() {
	ino=$(printf '%x' "$(stat -c %i "$1")")
	for f in /proc/$hpid/fdinfo/*; do
		grep -q "^fanotify ino:$ino .*ignored_mask:[0-9a-f]*[1-9a-f]" "$f" 2>/dev/null && return 0
	done
	return 1
}
# wait_marked FILE: cat opens it until it is marked (the class is learnt just after cat's
# open was answered, on the second open of a small file).
wait_marked() {
	for _ in $(seq 50); do
		timeout 10 cat "$1" >/dev/null
		fan_marked "$1" && return 0
		sleep 0.1
	done
	fail "no ignore mark was set on a Class III file read by cat ($1)"
}
echo "harmless" >"$mnt/marked.txt"
echo "harmless" >"$mnt/attr.txt"
echo "harmless" >"$mnt/flushed.txt"
chmod 644 "$mnt/marked.txt" "$mnt/attr.txt" "$mnt/flushed.txt"
wait_marked "$mnt/marked.txt"
# A write drops the ignore mark: the next open is judged again.
echo "now classified" >>"$mnt/marked.txt"
fan_marked "$mnt/marked.txt" && fail "the ignore mark survived a write"
# An attribute change drops every ignore mark (a chown or chmod can hand a root file to a
# user, who could then rewrite it through mmap unseen): a label (xattr) is one.
wait_marked "$mnt/attr.txt"
wait_marked "$mnt/flushed.txt"
setfattr -n user.futari-test.class -v II "$mnt/attr.txt"
for _ in $(seq 50); do fan_marked "$mnt/flushed.txt" || break; sleep 0.1; done
fan_marked "$mnt/attr.txt" && fail "the ignore mark survived an attribute change"
fan_marked "$mnt/flushed.txt" && fail "an attribute change left the other ignore marks"
timeout 10 curl -s "file://$mnt/attr.txt" >/dev/null && fail "curl read a relabelled file after an attribute change"
# The flush (the agent's answer to a label or policy change) drops them too.
wait_marked "$mnt/flushed.txt"
signal_and_wait USR1 flushed
fan_marked "$mnt/flushed.txt" && fail "a flush left an ignore mark"

# --- 200 openers at once all get an answer ------------------------------------------------
for i in $(seq 200); do echo "file $i" >"$mnt/many-$i.txt"; done
timeout 60 sh -c '
	mnt=$1
	for i in $(seq 200); do
		if [ $((i % 4)) = 0 ]; then
			(curl -s "file://$mnt/secret.txt" >/dev/null; echo "curl $?") &
		else
			(cat "$mnt/many-$i.txt" >/dev/null; echo "cat $?") &
		fi
	done
	wait' sh "$mnt" >"$TEST_TMP/many.out" || fail "200 concurrent openers did not finish in 60 s"
[ "$(grep -c '^cat 0$' "$TEST_TMP/many.out")" = 150 ] || fail "not every concurrent cat succeeded"
# Denied at its open (37), or its start refused (126: since round 18 the start is asked about
# too; one loaded -j2 run saw 11 of 50 refused, cause not pinned down, the reasons are printed
# below when it happens): either way it got nothing, and nobody waits for ever.
[ "$(grep -c -E "^curl (37|126)$" "$TEST_TMP/many.out")" = 50 ] || fail "not every concurrent curl was denied: $(sort "$TEST_TMP/many.out" | uniq -c | tr "\n" " ")"
n126=$(grep -c "^curl 126$" "$TEST_TMP/many.out" || true)
[ "$n126" -eq 0 ] || echo "note: $n126 of 50 concurrent curl starts refused; their reasons: $(grep -o '"reason":"[^"]*"' "$out" | sort | uniq -c | tr "\n" " ")" >&2

stop_harness
grep -q '"event":"stats".*"reply_errors":0' "$out" || fail "reply errors: $(tail -1 "$out")"

# --- the real classifier (common/classify.c) as the agent plugs it in ---------------------
printf '氏名,個人番号\n山田,379474484458\n' >"$mnt/staff.csv"
printf 'minutes of the public meeting\n' >"$mnt/minutes.txt"
printf '氏名,個人番号\n山田,379474484458\n' | base64 >"$mnt/staff.b64"
{
	yes 'Permission is hereby granted, free of charge, to any person obtaining a copy' |
		head -c 102400
	cat "$mnt/staff.b64"
} >"$mnt/staff-hidden.txt"
chmod 644 "$mnt/staff.csv" "$mnt/minutes.txt" "$mnt/staff.b64" "$mnt/staff-hidden.txt"
start_harness --classifier real
timeout 10 curl -s "file://$mnt/staff.csv" >/dev/null && fail "curl read a file with a My Number (real classifier)"
expect_line 'upload.denied.*staff.csv.*"class":1' "no Class I denial from the real classifier"
[ "$(timeout 10 curl -s "file://$mnt/minutes.txt")" = "minutes of the public meeting" ] ||
	fail "curl cannot read a harmless file (real classifier)"
timeout 10 cat "$mnt/staff.csv" >/dev/null || fail "cat cannot read a Class I file (real classifier)"
# A base64 copy of the roster: Class I by what it decodes to (round 11; it went out as
# Class III before, where no BPF taint runs).
timeout 10 curl -s "file://$mnt/staff.b64" >/dev/null && fail "curl read a base64 copy of a My Number file (real classifier)"
expect_line 'upload.denied.*staff.b64.*"class":1' "no Class I denial of the base64 copy"
# The same after 100 KiB of a licence text (round 12: round 11 looked at the first 64 KiB).
timeout 10 curl -s "file://$mnt/staff-hidden.txt" >/dev/null &&
	fail "curl read a base64 roster behind a licence text (real classifier)"
expect_line 'upload.denied.*staff-hidden.txt.*"class":1' "no Class I denial of the hidden base64"
stop_harness

# --- the deadline: a classification that takes too long (issue 14) ----------------------
# The test classifier takes 5 s on a file named "slow"; the deadline is 1 s. curl is denied
# at the deadline (a record says so) while cat, not an upload program, is answered at once
# both before and while curl waits.
echo "slow but public" >"$mnt/slow.txt"
start_harness --deadline-ms 1000
t0=$(date +%s%N)
timeout 20 curl -s "file://$mnt/slow.txt" >"$TEST_TMP/slow.out" 2>&1 &
spid=$!
sleep 0.2
[ "$(timeout 5 cat "$mnt/slow.txt")" = "slow but public" ] ||
	fail "cat waited on a classification for curl"
rc=0
wait "$spid" || rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
[ "$rc" != 0 ] || fail "curl read a file whose classification outlasted the deadline"
[ "$ms" -lt 4000 ] || fail "curl waited $ms ms with a 1000 ms deadline"
expect_line '"event":"upload.denied".*slow.txt.*undecided at the deadline' \
	"no upload.denied at the deadline"
stop_harness

# --- killed listener: pending openers are allowed by the kernel, none stays blocked ------
# Written before the listener starts, so no ignore mark of this group covers it.
echo "pending" >"$mnt/pending.txt"
start_harness
kill -STOP "$hpid"
# A group stop is not complete when kill returns: each thread stops when it next runs.
stopped=""
for _ in $(seq 100); do
	if ! grep -h '^State:' /proc/"$hpid"/task/*/status | grep -qv 'T (stopped)'; then
		stopped=1
		break
	fi
	sleep 0.1
done
[ -n "$stopped" ] || fail "listener did not stop"
timeout 30 cat "$mnt/pending.txt" >"$TEST_TMP/pending.out" 2>&1 &
cpid=$!
sleep 1
kill -0 "$cpid" 2>/dev/null || {
	kill -CONT "$hpid"
	fail "open did not wait for a stopped listener (cat said: $(cat "$TEST_TMP/pending.out"))"
}
kill -KILL "$hpid"
wait "$hpid" 2>/dev/null
hpid=""
wait "$cpid" || fail "opener failed or hung after the listener was killed"
[ "$(cat "$TEST_TMP/pending.out")" = "pending" ] || fail "opener got no data after the listener was killed"

echo "ok: upload control denies, allows under approval, re-judges changes, answers 200 openers, frees openers when killed"
exit 0
