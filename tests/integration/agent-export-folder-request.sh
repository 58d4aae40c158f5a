#!/bin/sh
# One request for a folder's Class I/II files (issue 18): `futari export -R` of a folder
# holding 3 Class I/II files and 5 Class III files writes the 5 at once and makes ONE
# version-2 request for the 3 (one FOLDER.futari-request; each file logged with the
# request's id); the supervisor sees every file; a Class I file needs two supervisors;
# `futari redeem` writes the 3 spooled copies (not the user's files, changed since) with
# their digests, each logged; a replay is refused. As an attacker: the request edited (a
# file added, a digest changed) is refused by the approver; an approval of another request
# names nothing here; a spooled copy changed after approval is refused for that file alone;
# two files the stick would name alike; kill -9 between the files of a redeem; garbage to
# the new socket arguments ('hold', 'export-seal') is refused with a reason.
. "$(dirname "$0")/agent-lib.sh"
agent_enter_ns "$@"
. "$(dirname "$0")/lib.sh"
require_cmd setpriv setfattr sha256sum
APPROVE="$top_builddir/approver/futari-approve"
[ -x "$APPROVE" ] || skip "futari-approve is not built"
agent_setup
user_home
register_sticks alpha
make_stick alpha 64M
dev=$STICK

# TEST ONLY approvers: alice (info-manager, Class II only, from approver_keys), dave
# (info-manager, I and II) and carol (security-manager, I and II).
approver_keys
cd "$W" || fail "no dir"
for p in "dave S1004 info-manager" "carol S1003 security-manager"; do
	set -- $p
	echo "TEST ONLY $1 passphrase" >"$1.pass"
	A keygen --name "$1" --out keys --passphrase-file "$1.pass"
	A certify --root-key org/org.key --passphrase-file root.pass --key "keys/$1.pub" --id "$2" \
		--name "$1 (TEST ONLY)" --login "$1" --role "$3" --classes I,II --valid-for 30d \
		--out "$1.cert"
done
cd / || fail "cd"

start_agent
wait_ro "$dev" || fail "stick not read-only"
mnt="$TEST_TMP/mnt"
mkdir -p "$mnt"
mount "$dev" "$mnt" 2>/dev/null || fail "cannot mount the stick"
defer "umount $mnt 2>/dev/null"
digest() { sha256sum <"$1" | cut -d' ' -f1; }
L="$TEST_TMP/log"

# The folder: 5 Class III files, 3 that need approval (one Class I) at two levels.
src="$HOME_U/event docs"
mkdir -p "$src/sub/deep"
for f in p1.txt p2.txt sub/p3.txt sub/deep/p4.txt sub/deep/p5.txt; do
	public_file "$src/$f" 20000 "$f"
done
printf 'personnel list TEST ONLY\n' >"$src/names.csv"
printf 'budget draft TEST ONLY\n' >"$src/sub/budget.txt"
printf 'bid memo TEST ONLY\n' >"$src/sub/deep/memo.txt"
chown -R 65534:65534 "$src"
setfattr -n trusted.futari.class -v I "$src/names.csv"
setfattr -n trusted.futari.class -v II "$src/sub/budget.txt"
setfattr -n trusted.futari.class -v II "$src/sub/deep/memo.txt"
for f in names.csv sub/budget.txt sub/deep/memo.txt; do
	eval "want_$(echo "$f" | tr '/.' '__')=$(digest "$src/$f")"
done

as_user "$FUTARI" export --to alpha --reason "event 2026 TEST ONLY" -R "$src" \
	>"$TEST_TMP/out" 2>"$TEST_TMP/err" || fail "export -R failed: $(cat "$TEST_TMP/err" "$TEST_TMP/out")"
REQ="$HOME_U/event docs.futari-request"
[ -f "$REQ" ] || fail "no FOLDER.futari-request: $(cat "$TEST_TMP/out")"
n=$(find "$HOME_U" -name '*.futari-request' | wc -l)
[ "$n" -eq 1 ] || fail "$n request files, not one: $(find "$HOME_U" -name '*.futari-request')"
grep -q "5 written" "$TEST_TMP/out" || fail "summary: $(cat "$TEST_TMP/out")"
grep -q "3 waiting for approval, 0 refused" "$TEST_TMP/out" || fail "summary: $(cat "$TEST_TMP/out")"
grep -q "3 files need approval: one request for all of them" "$TEST_TMP/out" || fail "no request line: $(cat "$TEST_TMP/out")"
for f in p1.txt p2.txt sub/p3.txt sub/deep/p4.txt sub/deep/p5.txt; do
	[ "$(digest "$mnt/event docs/$f")" = "$(digest "$src/$f")" ] || fail "$f not written at once"
done
for f in names.csv sub/budget.txt sub/deep/memo.txt; do
	[ -e "$mnt/event docs/$f" ] && fail "$f was written before approval"
done
grep -q '^version: 2$' "$REQ" || fail "not a version-2 request"
grep -q '^files: 3$' "$REQ" || fail "not 3 files"
grep -q '^class: I$' "$REQ" || fail "the request's class is not the highest (I)"
grep -q '^file.1: event docs/names.csv$' "$REQ" || fail "file.1: $(grep '^file' "$REQ")"
grep -q '^file.2: event docs/sub/budget.txt$' "$REQ" || fail "file.2: $(grep '^file' "$REQ")"
grep -q '^file.3: event docs/sub/deep/memo.txt$' "$REQ" || fail "file.3: $(grep '^file' "$REQ")"
grep -q "^sha256.1: $want_names_csv$" "$REQ" || fail "names.csv digest not in the request"
id=$(grep '"event":"export.requested"' "$L"/egress-*.jsonl | sed 's/.*"request":"\([0-9a-f]*\)".*/\1/' | sort -u)
[ "$(echo "$id" | wc -l)" -eq 1 ] && [ -n "$id" ] || fail "export.requested records name other than one request: $id"
n=$(grep '"event":"export.requested"' "$L"/egress-*.jsonl | grep -c "$id")
[ "$n" -eq 3 ] || fail "$n export.requested records for 3 files"
grep '"event":"export.requested"' "$L"/egress-*.jsonl | grep -q "$want_sub_deep_memo_txt" ||
	fail "memo.txt's digest is not in the log"
[ -z "$(find "$TEST_TMP/state/held" -mindepth 2 2>/dev/null)" ] || fail "held records left after the request: $(ls -R "$TEST_TMP/state/held")"
as_user "$FUTARI" requests --json >"$TEST_TMP/reqs" 2>&1 || fail "requests failed: $(cat "$TEST_TMP/reqs")"
grep -q '"files" *: *3' "$TEST_TMP/reqs" || fail "requests does not say 3 files: $(cat "$TEST_TMP/reqs")"
as_user "$FUTARI" requests >"$TEST_TMP/reqs" 2>&1 || fail "requests failed: $(cat "$TEST_TMP/reqs")"
grep -q "Class I .*event docs/names.csv and 2 more files -> stick" "$TEST_TMP/reqs" || fail "requests: $(cat "$TEST_TMP/reqs")"

# The user changes a file after asking: the approved (spooled) bytes are written anyway.
printf 'changed after the request\n' >>"$src/sub/budget.txt"

# The supervisor sees every file.
"$APPROVE" show --allow-root --root "$W/org/org.pub" "$REQ" >"$TEST_TMP/show" 2>&1 ||
	fail "show refused the request: $(cat "$TEST_TMP/show")"
for f in names.csv sub/budget.txt sub/deep/memo.txt; do
	grep -q "event docs/$f (" "$TEST_TMP/show" || fail "show does not list $f: $(cat "$TEST_TMP/show")"
done
grep -q "$want_sub_deep_memo_txt" "$TEST_TMP/show" || fail "show lacks a digest"

# An edited request: a file added, a digest changed. The approver refuses both.
awk '/^class: I$/ && !done { print "file.4: event docs/extra.csv"; print "size.4: 1";
	print "sha256.4: 0000000000000000000000000000000000000000000000000000000000000000";
	print "class.4: II"; done=1 } { print }' "$REQ" | sed 's/^files: 3$/files: 4/' >"$TEST_TMP/added.futari-request"
sed "s/^sha256.2: .*/sha256.2: $want_names_csv/" "$REQ" >"$TEST_TMP/changed.futari-request"
for t in added changed; do
	cmp -s "$REQ" "$TEST_TMP/$t.futari-request" && fail "$t: the edit changed nothing"
	"$APPROVE" show --allow-root "$TEST_TMP/$t.futari-request" >"$TEST_TMP/out" 2>&1 &&
		fail "$t request shown as valid: $(cat "$TEST_TMP/out")"
	grep -q "do not approve" "$TEST_TMP/out" || fail "$t: $(cat "$TEST_TMP/out")"
	"$APPROVE" sign "$TEST_TMP/$t.futari-request" --key "$W/keys/carol.key" --cert "$W/carol.cert" \
		--passphrase-file "$W/carol.pass" --root "$W/org/org.pub" --out "$TEST_TMP/$t.futari-approval" \
		--allow-root >"$TEST_TMP/out" 2>&1 && fail "$t request signed: $(cat "$TEST_TMP/out")"
done

sign() { # who out
	"$APPROVE" sign "$REQ" --key "$W/keys/$1.key" --cert "$W/$1.cert" \
		--passphrase-file "$W/$1.pass" --root "$W/org/org.pub" --out "$2" --allow-root \
		>>"$W/approve.log" 2>&1 || fail "sign by $1 failed: $(tail -3 "$W/approve.log")"
	chmod 0644 "$2"
}
sign carol "$TEST_TMP/carol.futari-approval"
sign dave "$TEST_TMP/dave.futari-approval"
grep -q "^request: $id$" "$TEST_TMP/carol.futari-approval" || fail "the approval does not name the request id"

refused() { # what grep-pattern cmd...
	what=$1 pat=$2
	shift 2
	if out=$("$@" 2>&1); then fail "$what: redeem accepted: $out"; fi
	echo "$out" | grep -q "$pat" || fail "$what: unexpected refusal: $out"
	for f in names.csv sub/budget.txt sub/deep/memo.txt; do
		[ -e "$mnt/event docs/$f" ] && fail "$what: $f was written"
	done
	return 0
}
# Class I needs two supervisors, one a security manager.
refused one-approver "(too-few-approvals)$" as_user "$FUTARI" redeem "$TEST_TMP/carol.futari-approval"
# An approval of another request (a version-1 request of another host) names nothing here.
"$top_builddir/tests/integration/protocol-helper" request --requester nobody --class II \
	--out "$TEST_TMP/other.futari-request" >/dev/null 2>&1 || fail "protocol-helper request"
"$APPROVE" sign "$TEST_TMP/other.futari-request" --key "$W/keys/carol.key" --cert "$W/carol.cert" \
	--passphrase-file "$W/carol.pass" --root "$W/org/org.pub" --out "$TEST_TMP/other.futari-approval" \
	--allow-root >>"$W/approve.log" 2>&1 || fail "sign other: $(tail -3 "$W/approve.log")"
chmod 0644 "$TEST_TMP/other.futari-approval"
refused other-request "(unknown-request)$" as_user "$FUTARI" redeem "$TEST_TMP/other.futari-approval"

# The spooled copy of memo.txt altered after approval (root, on this PC): that file alone is
# refused with the reason; the others are written.
spools=$(grep -h '^spools=' "$TEST_TMP"/state/pending/"$id".pending | cut -d= -f2)
memo_spool=$(echo "$spools" | cut -d';' -f3)
[ -f "$TEST_TMP/spool/65534/$memo_spool.data" ] || fail "no spooled copy $memo_spool: $(ls -R "$TEST_TMP/spool")"
printf 'X' | dd of="$TEST_TMP/spool/65534/$memo_spool.data" bs=1 seek=0 conv=notrunc status=none

out=$(as_user "$FUTARI" redeem "$TEST_TMP/carol.futari-approval" "$TEST_TMP/dave.futari-approval" 2>&1) &&
	fail "a redeem with a refused file exited 0: $out"
echo "$out" | grep -q "2 of 3 files written" || fail "redeem: $out"
echo "$out" | grep -q "memo.txt: the spooled copy no longer matches the request" || fail "no reason for memo.txt: $out"
[ "$(digest "$mnt/event docs/names.csv")" = "$want_names_csv" ] || fail "names.csv: not the approved bytes"
[ "$(digest "$mnt/event docs/sub/budget.txt")" = "$want_sub_budget_txt" ] ||
	fail "budget.txt: not the approved (spooled) bytes"
[ -e "$mnt/event docs/sub/deep/memo.txt" ] && fail "the altered copy was written"
for f in names.csv sub/budget.txt; do
	eval "w=\$want_$(echo "$f" | tr '/.' '__')"
	grep '"event":"export.written"' "$L"/egress-*.jsonl | grep "$id" | grep -q "$w" ||
		fail "$f: no export.written with the request id and its digest"
done
grep '"event":"export.failed"' "$L"/egress-*.jsonl | grep "$id" | grep -q "no longer matches" ||
	fail "memo.txt: no export.failed record"
n=$(grep '"event":"export.written"' "$L"/egress-*.jsonl | grep -c "$id")
[ "$n" -eq 2 ] || fail "$n export.written records with the request id, not 2"
[ "$(blockdev --getro "$dev")" = 1 ] || fail "not read-only after redeem"
# The two files written are marked so; the request stays open for the third only.
grep -q '^state=pending' "$TEST_TMP"/state/pending/"$id".pending || fail "not pending with a file left"
[ "$(grep '^written=' "$TEST_TMP"/state/pending/"$id".pending | tr -cd 1 | wc -c)" -eq 2 ] ||
	fail "not two files marked written: $(grep '^written' "$TEST_TMP"/state/pending/"$id".pending)"
echo "$out" | grep -q "run futari redeem again with the same approval" || fail "no hint to redeem the rest: $out"

# Replay: the two written are not written again; the altered copy is refused again.
out=$(as_user "$FUTARI" redeem "$TEST_TMP/carol.futari-approval" "$TEST_TMP/dave.futari-approval" 2>&1) &&
	fail "replay accepted: $out"
echo "$out" | grep -q "no file of the request was written: the spooled copy no longer matches" || fail "replay: $out"
n=$(grep '"event":"export.written"' "$L"/egress-*.jsonl | grep -c "$id")
[ "$n" -eq 2 ] || fail "replay: $n export.written records with the request id, not 2"
[ "$(find "$mnt/event docs" -type f | wc -l)" -eq 7 ] || fail "files on the stick: $(find "$mnt/event docs" -type f)"

# Two files of one job that the stick would name alike ("a:b" is written "a_b"): the second
# is refused with the reason, the first is in the request.
src2="$HOME_U/clash"
mkdir -p "$src2"
printf 'one TEST ONLY\n' >"$src2/a:b.txt"
printf 'two TEST ONLY\n' >"$src2/a_b.txt"
chown -R 65534:65534 "$src2"
setfattr -n trusted.futari.class -v II "$src2/a:b.txt"
setfattr -n trusted.futari.class -v II "$src2/a_b.txt"
as_user "$FUTARI" export --to alpha --reason "clash TEST ONLY" -R "$src2" \
	>"$TEST_TMP/out" 2>"$TEST_TMP/err" && fail "a clash exited 0: $(cat "$TEST_TMP/out")"
grep -q "same name on the stick" "$TEST_TMP/err" || fail "clash: $(cat "$TEST_TMP/err")"
grep -q '^files: 1$' "$HOME_U/clash.futari-request" || fail "clash: not one file in the request"
grep -q '^file.1: clash/a_b.txt$' "$HOME_U/clash.futari-request" || fail "clash: $(grep '^file' "$HOME_U/clash.futari-request")"
grep -q "1 waiting for approval, 1 refused" "$TEST_TMP/out" || fail "clash summary: $(cat "$TEST_TMP/out")"

# kill -9 between the files of a redeem (the write path's steps, agent-crash.sh): nothing on
# the stick that the log does not hold. Killed at the first file's "named" step (named, not
# yet logged), the restarted agent removes it and the request is still pending: a second
# redeem writes all three. Killed at the second file's (the first written, logged and marked
# written in the request), the first stays, the second is removed, the third never
# written; the same approval redeemed again writes the second and the third only (never
# the first twice), and once every file is written it is refused as a replay.
crash_round() { # name pause-step
	c="$HOME_U/$1"
	mkdir -p "$c"
	for k in 1 2 3; do printf '%s file %s TEST ONLY\n' "$1" "$k" >"$c/f$k.txt"; done
	chown -R 65534:65534 "$c"
	for k in 1 2 3; do setfattr -n trusted.futari.class -v II "$c/f$k.txt"; done
	as_user "$FUTARI" export --to alpha --reason "$1 TEST ONLY" -R "$c" >"$TEST_TMP/out" 2>&1 ||
		fail "$1: export failed: $(cat "$TEST_TMP/out")"
	REQ="$c.futari-request"
	sign carol "$TEST_TMP/$1.futari-approval"
	stop_agent
	export FUTARI_TEST_PAUSE_AT=$2
	start_agent
	unset FUTARI_TEST_PAUSE_AT
	wait_ro "$dev" || fail "$1: not read-only"
	as_user "$FUTARI" redeem "$TEST_TMP/$1.futari-approval" >"$TEST_TMP/bg.out" 2>&1 &
	job=$!
	wait_file "$TEST_TMP/state/paused-${2%@*}" || fail "$1: the agent never paused at $2"
	kill -9 "$AGENT_PID"
	wait "$AGENT_PID" 2>/dev/null
	wait $job && fail "$1: the redeem reported success though the agent died"
	rm -f "$TEST_TMP/state/paused-${2%@*}"
	start_agent
	wait_ro "$dev" || fail "$1: not read-only after the restart"
	cid=$(grep '^request: ' "$TEST_TMP/$1.futari-approval" | cut -d' ' -f2)
	for k in 1 2 3; do
		if [ -e "$mnt/$1/f$k.txt" ]; then
			[ "$(digest "$mnt/$1/f$k.txt")" = "$(digest "$c/f$k.txt")" ] || fail "$1: f$k.txt is partial"
			grep '"event":"export.written"' "$L"/egress-*.jsonl | grep "$cid" | grep -q "$1/f$k.txt" ||
				fail "$1: f$k.txt is on the stick but the log holds no export of it"
		fi
	done
	find "$mnt/" -name '.futari-partial-*' | grep -q . && fail "$1: partial file left on the stick"
	return 0
}
crash_round crash-a named
for k in 1 2 3; do [ -e "$mnt/crash-a/f$k.txt" ] && fail "crash-a: f$k.txt named before it was logged"; done
grep -q '^state=pending' "$TEST_TMP"/state/pending/"$cid".pending || fail "crash-a: the request is no longer pending"
out=$(as_user "$FUTARI" redeem "$TEST_TMP/crash-a.futari-approval" 2>&1) || fail "crash-a: second redeem: $out"
echo "$out" | grep -q "3 of 3 files written" || fail "crash-a: $out"
for k in 1 2 3; do
	[ "$(digest "$mnt/crash-a/f$k.txt")" = "$(digest "$HOME_U/crash-a/f$k.txt")" ] || fail "crash-a: f$k.txt"
done
crash_round crash-b named@2
[ -e "$mnt/crash-b/f1.txt" ] || fail "crash-b: the first file, logged, was removed"
[ -e "$mnt/crash-b/f2.txt" ] && fail "crash-b: the second file was named before it was logged"
[ -e "$mnt/crash-b/f3.txt" ] && fail "crash-b: the third file was written after the crash"
grep -q '^state=pending' "$TEST_TMP"/state/pending/"$cid".pending || fail "crash-b: not pending after one of three"
grep -q '^written=100$' "$TEST_TMP"/state/pending/"$cid".pending ||
	fail "crash-b: the first file is not marked written: $(grep '^written' "$TEST_TMP"/state/pending/"$cid".pending)"
out=$(as_user "$FUTARI" requests 2>&1) || fail "crash-b: requests: $out"
echo "$out" | grep -q "and 2 more files, 1 written" || fail "crash-b: requests does not say 1 written: $out"
out=$(as_user "$FUTARI" redeem "$TEST_TMP/crash-b.futari-approval" 2>&1) || fail "crash-b: the rest not redeemed: $out"
echo "$out" | grep -q "2 of 3 files written now, 1 by an earlier redeem" || fail "crash-b: $out"
echo "$out" | grep -q "crash-b/f1.txt: written by an earlier redeem" || fail "crash-b: f1 not said: $out"
for k in 1 2 3; do
	[ "$(digest "$mnt/crash-b/f$k.txt")" = "$(digest "$HOME_U/crash-b/f$k.txt")" ] || fail "crash-b: f$k.txt"
	n=$(grep -h '"event":"export.written"' "$L"/egress-*.jsonl | grep "$cid" | grep -c "crash-b/f$k.txt")
	[ "$n" -eq 1 ] || fail "crash-b: f$k.txt has $n export.written records, not 1"
done
[ -e "$mnt/crash-b/f1 (2).txt" ] && fail "crash-b: the first file was written twice"
grep -q '^state=redeemed' "$TEST_TMP"/state/pending/"$cid".pending || fail "crash-b: not redeemed after three of three"
out=$(as_user "$FUTARI" redeem "$TEST_TMP/crash-b.futari-approval" 2>&1) && fail "crash-b: redeemed twice: $out"
echo "$out" | grep -q "(already-redeemed)$" || fail "crash-b: $out"

# Killed at the second file's "logged" step: its record is durable, its name and its mark in
# the request are not. Recovery keeps (names) it; the next redeem finds it in the log, marks
# it and does not write it again: f2 once on the stick, one record; f3 written then.
crash_round crash-c logged@2
[ -e "$mnt/crash-c/f1.txt" ] || fail "crash-c: the first file, logged, was removed"
[ -e "$mnt/crash-c/f2.txt" ] || fail "crash-c: the second file, logged, was removed"
[ -e "$mnt/crash-c/f3.txt" ] && fail "crash-c: the third file was written after the crash"
grep -q '^written=100$' "$TEST_TMP"/state/pending/"$cid".pending ||
	fail "crash-c: marks: $(grep '^written' "$TEST_TMP"/state/pending/"$cid".pending)"
out=$(as_user "$FUTARI" redeem "$TEST_TMP/crash-c.futari-approval" 2>&1) || fail "crash-c: the rest not redeemed: $out"
echo "$out" | grep -q "1 of 3 files written now, 2 by an earlier redeem" || fail "crash-c: $out"
for k in 1 2 3; do
	[ "$(digest "$mnt/crash-c/f$k.txt")" = "$(digest "$HOME_U/crash-c/f$k.txt")" ] || fail "crash-c: f$k.txt"
	n=$(grep -h '"event":"export.written"' "$L"/egress-*.jsonl | grep "$cid" | grep -c "crash-c/f$k.txt")
	[ "$n" -eq 1 ] || fail "crash-c: f$k.txt has $n export.written records, not 1"
done
[ "$(find "$mnt/crash-c" -type f | wc -l)" -eq 3 ] || fail "crash-c: files on the stick: $(find "$mnt/crash-c" -type f)"
grep -q '^state=redeemed' "$TEST_TMP"/state/pending/"$cid".pending || fail "crash-c: not redeemed"

# Garbage to the agent's new arguments, bypassing the CLI: one-line reasons.
probe() { as_user "$PROBE" "$SOCK" "$@"; }
printf 'x\n' >"$HOME_U/x.txt"
chown 65534:65534 "$HOME_U/x.txt"
for args in '{"name":"x","to":"alpha","reason":"r","hold":true}' \
	'{"name":"x","to":"alpha","reason":"r","hold":"yes","job":{"id":"0123456789abcdef","files":1,"bytes":2}}'; do
	out=$(probe --fd "$HOME_U/x.txt" "{\"command\":\"export\",\"args\":$args}")
	echo "$out" | grep -q "'hold' is true or false, and needs a 'job'" || fail "hold garbage accepted: $args: $out"
done
for args in '{}' '{"job":"../../etc"}' '{"job":"ABCDEF0123"}' '{"job":"0123456789abcdef","x":1}' \
	'{"job":12345678}' '{"job":"0123"}'; do
	out=$(probe "{\"command\":\"export-seal\",\"args\":$args}")
	echo "$out" | grep -q "export-seal takes one argument" || fail "export-seal garbage accepted: $args: $out"
done
out=$(probe '{"command":"export-seal","args":{"job":"0123456789abcdef"}}')
echo "$out" | grep -q '"files":0' || fail "an unknown job: $out"
exit 0
