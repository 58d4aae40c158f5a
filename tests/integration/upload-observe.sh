#!/bin/sh
# upload.observed fails closed (issue 14): an upload program's open of a Class III file
# under an observed path is egress that must be on record, so the record is durable in the
# log before the open is allowed. With the log's filesystem full the open is refused
# (EPERM) while a non-upload program's open of the same file is not touched; an open
# refused so is not taken as recorded (the next one, once the log is back, is recorded: the
# deduplication only counts records that were written); and past observe-per-minute no
# open goes out unrecorded. Runs the real futarid on a loop-mounted ext4.
. "$(dirname "$0")/agent-lib.sh"
agent_enter_ns "$@"
. "$(dirname "$0")/lib.sh"
require_cmd setpriv curl timeout
agent_setup
user_home

watched_fs 64M
U="$wfs/home"
mkdir -p "$U"
chown 65534:65534 "$U"
for i in $(seq 40); do
	public_file "$U/pub-$i.txt" 2000 "note $i"
done
chown 65534:65534 "$U"/*
chmod 0644 "$U"/*

# The log on a 1 MiB tmpfs, to be filled later.
LF="$TEST_TMP/log-small"
mkdir -p "$LF"
mount -t tmpfs -o size=1m,mode=0750 tmpfs "$LF" || fail "cannot mount a small tmpfs for the log"
defer "umount $LF 2>/dev/null"
sed -i "s|^log-dir = .*|log-dir = $LF|" "$ETC/agent.conf"
cat >>"$ETC/agent.conf" <<CONF

[upload]
filesystems = $wfs
programs = /usr/bin/curl
observe = $U
observe-per-minute = 5
CONF
start_agent
ucurl() { as_user timeout 10 curl -s -o /dev/null "file://$1"; }
nobs() { cat "$LF"/egress-*.jsonl | grep '"event":"upload.observed"' | grep -c "$1\""; }

# --- past observe-per-minute (5) an open still has its record ----------------------------
for i in $(seq 12); do
	ucurl "$U/pub-$i.txt" || fail "curl cannot read the Class III file pub-$i.txt"
done
# Written before the answer: no waiting for the main loop.
for i in $(seq 12); do
	[ "$(nobs "pub-$i.txt")" = 1 ] ||
		fail "curl read pub-$i.txt and the log holds $(nobs "pub-$i.txt") upload.observed for it (observe-per-minute 5)"
done
# Deduplicated within observe-interval: a second open of a recorded file needs no record.
ucurl "$U/pub-1.txt" || fail "curl cannot read pub-1.txt again"
[ "$(nobs pub-1.txt)" = 1 ] || fail "a second open within the interval was recorded again"

# --- the log's filesystem full: refused, and never taken as recorded ----------------------
dd if=/dev/zero of="$LF/filler" bs=4096 2>/dev/null
got=""
refused=""
for i in $(seq 13 32); do
	if ucurl "$U/pub-$i.txt"; then
		got="$got $i"
	else
		refused=$i
		break
	fi
done
[ -n "$refused" ] || fail "20 Class III opens by curl went out with the log's filesystem full"
grep -q "cannot record upload.observed, so the upload is refused" "$TEST_TMP/agent.log" ||
	fail "the agent did not say why the open was refused: $(tail -5 "$TEST_TMP/agent.log")"
# A non-upload program is not touched by the full log.
as_user timeout 10 cat "$U/pub-$refused.txt" >/dev/null || fail "cat was refused with the log full"
# An already recorded file (within the interval) still opens: its record is on disk.
ucurl "$U/pub-2.txt" || fail "curl was refused a file recorded before the log filled"
ucurl "$U/pub-$refused.txt" && fail "the refused file went out on a second try with the log full"
# Eight at once (several records waiting for one flush): none goes out unrecorded either.
pids=""
for i in $(seq 33 40); do
	(if ucurl "$U/pub-$i.txt"; then echo "$i" >"$TEST_TMP/par-$i"; fi) &
	pids="$pids $!"
done
for pid in $pids; do wait "$pid"; done
par=$(cat "$TEST_TMP"/par-* 2>/dev/null | tr '\n' ' ')
rm -f "$LF/filler"
for i in $got $par; do
	[ "$(nobs "pub-$i.txt")" = 1 ] || fail "pub-$i.txt went out with the log full and has no record"
done
# The log is back: the refused file is recorded now (its failed record did not count).
ucurl "$U/pub-$refused.txt" || fail "curl still refused after the log has room again"
[ "$(nobs "pub-$refused.txt")" = 1 ] ||
	fail "pub-$refused.txt went out after the log came back, $(nobs "pub-$refused.txt") records (taken as recorded while the log was full?)"
# The refusals' own upload.denied could not be written either: counted, and a gap says so
# once the log takes records again.
cat "$LF"/egress-*.jsonl | grep '"event":"gap"' | grep -q 'records-dropped' ||
	fail "no gap for the upload.denied records the full log could not take"
stop_agent
"$top_builddir/approver/futari-audit" verify "$LF" >"$TEST_TMP/verify.out" 2>&1 ||
	fail "futari-audit verify: $(tail -3 "$TEST_TMP/verify.out")"
echo "ok: every Class III open by an upload program under an observed path is recorded before it is allowed; with the log full it is refused and a later open is recorded"
exit 0
