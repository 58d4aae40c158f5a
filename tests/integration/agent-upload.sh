#!/bin/sh
# Upload control in the real agent (DESIGN §6, issue 6): futarid with an [upload] group
# watches a loop-mounted ext4 (this test's own filesystem, never /). curl cannot read a
# Class I/II file (the real classifier: a My Number CSV; a root-only label) while cat can,
# and the denial is logged with user, program and file; `futari upload-request` makes a
# host-signed request on the upload channel; futari-approve (TEST ONLY keys) signs it;
# `futari redeem` activates it: the requester's curl then reads the file, another user's
# curl and another program still cannot, and after the window curl is denied again. A
# SIGKILLed agent leaves no opener hanging and the restarted agent logs a gap. With the log's
# filesystem full, the approved upload is refused (its record is written first). Garbage
# upload-request messages are refused; a config whose watched path cannot be marked stops
# the agent at start (fail closed).
. "$(dirname "$0")/agent-lib.sh"
agent_enter_ns "$@"
. "$(dirname "$0")/lib.sh"
require_cmd setpriv setfattr sha256sum curl timeout
APPROVE="$top_builddir/approver/futari-approve"
[ -x "$APPROVE" ] || skip "futari-approve is not built"
[ -x /usr/bin/python3 ] || skip "needs /usr/bin/python3 (the event subscription client)"
agent_setup
user_home

watched_fs 64M
U="$wfs/home"
mkdir -p "$U"
chown 65534:65534 "$U"

# The "browser": a copy of cat listed as an upload program. One extra byte keeps its size
# apart from cat's (a size match would make cat an upload program too).
bin="$TEST_TMP/bin"
mkdir -p "$bin"
cp /bin/cat "$bin/firefox" && printf '\n' >>"$bin/firefox" && chmod 0755 "$bin/firefox"
chmod 0755 "$bin"

# Files: a My Number CSV (Class I by content), a labelled Class II file, a harmless one.
printf '氏名,個人番号\n山田,379474484458\n' >"$U/staff.csv"
printf 'bid specification for tender 42\n' >"$U/bid.txt"
setfattr -n trusted.futari.class -v II "$U/bid.txt" || skip "no trusted xattrs on ext4 here"
printf 'minutes of the public meeting\n' >"$U/minutes.txt"
chown 65534:65534 "$U"/*
chmod 0644 "$U"/*

cat >>"$ETC/agent.conf" <<CONF

[upload]
filesystems = $wfs
programs = /usr/bin/curl;$bin/firefox
observe = $U
CONF

# TEST ONLY approver keys, as in agent-redeem.sh.
approver_keys

# --- fail closed: upload control configured but impossible -> no start -------------------
sed "s|^filesystems = .*|filesystems = $TEST_TMP/no-such-dir|" "$ETC/agent.conf" >"$ETC/broken.conf"
chmod 0644 "$ETC/broken.conf"
upload_lock
rc=0
timeout 30 "$FUTARID" --config "$ETC/broken.conf" --foreground >"$TEST_TMP/broken.out" 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "futarid did not refuse to start without upload control (exit $rc): $(cat "$TEST_TMP/broken.out")"
grep -q "upload control is configured but cannot run" "$TEST_TMP/broken.out" ||
	fail "no clear reason for the refused start: $(cat "$TEST_TMP/broken.out")"
"$FUTARID" --config "$ETC/agent.conf" --check >/dev/null || fail "--check refuses the [upload] group"

start_agent
L="$TEST_TMP/log"
# Waits for a log line matching $1 (records are written just after the kernel's answer).
ucurl() { as_user timeout 10 curl -s "file://$1"; }

# The event subscription (what futari-notify listens to): agent_subscribe (agent-lib.sh).
if [ -x /usr/bin/python3 ]; then
	agent_subscribe 65534 "$TEST_TMP/sub-user.out" 20
	agent_subscribe 65533 "$TEST_TMP/sub-other.out" 20
fi

# --- denied while cat reads --------------------------------------------------------------
[ "$(as_user timeout 10 cat "$U/bid.txt")" = "bid specification for tender 42" ] ||
	fail "cat cannot read a Class II file"
as_user timeout 10 cat "$U/staff.csv" >/dev/null || fail "cat cannot read a Class I file"
ucurl "$U/bid.txt" >/dev/null && fail "curl read a labelled Class II file"
expect_log '"event":"upload.denied".*bid.txt' "no upload.denied for the labelled file"
ucurl "$U/staff.csv" >/dev/null && fail "curl read a My Number CSV"
expect_log '"event":"upload.denied".*staff.csv' "no upload.denied for the My Number CSV"
line=$(grep '"event":"upload.denied"' "$L"/egress-*.jsonl | grep staff.csv | head -1)
echo "$line" | grep -q '"uid":65534' || fail "denial lacks the user: $line"
echo "$line" | grep -q '/usr/bin/curl' || fail "denial lacks the program: $line"
echo "$line" | grep -q '"class":"I"' || fail "My Number CSV not Class I in the log: $line"
grep -q 379474484458 "$L"/egress-*.jsonl && fail "a My Number appears in full in the log"
as_user timeout 10 "$bin/firefox" "$U/bid.txt" >/dev/null 2>&1 && fail "the browser read a Class II file"
if [ -x /usr/bin/python3 ]; then
	wait_text "$TEST_TMP/sub-user.out" '"upload.denied".*bid.txt.*no approval' ||
		fail "the subscriber got no upload.denied event: $(cat "$TEST_TMP/sub-user.out")"
	grep -q 'upload.denied' "$TEST_TMP/sub-other.out" && fail "another user got this user's event"
	# A bounded number of subscriptions per user.
	for i in 1 2 3; do agent_subscribe 65534 "$TEST_TMP/sub-$i.out" 5; done
	out=$(setpriv --reuid=65534 --regid=65534 --clear-groups /usr/bin/python3 "$TEST_TMP/agent-sub.py" "$SOCK" 2)
	echo "$out" | grep -q "already 4 event subscriptions" || fail "fifth subscription accepted: $out"
	out=$(as_user "$PROBE" "$SOCK" '{"command":"subscribe","args":{"x":1}}')
	echo "$out" | grep -q "takes no arguments" || fail "subscribe with arguments: $out"
fi
[ "$(ucurl "$U/minutes.txt")" = "minutes of the public meeting" ] || fail "curl cannot read a Class III file"
expect_log '"event":"upload.observed".*minutes.txt' "no upload.observed under the observed path"

# --- upload-request: garbage, Class III, then the real request ---------------------------
probe() { as_user "$PROBE" "$SOCK" "$@"; }
for msg in \
	'{"command":"upload-request","args":{"name":"bid.txt","to":"a b","reason":"r"}}|host name' \
	'{"command":"upload-request","args":{"name":"bid.txt","to":"","reason":"r"}}|host name' \
	'{"command":"upload-request","args":{"name":"bid.txt","to":"h","app":"curl","reason":"r"}}|absolute path' \
	'{"command":"upload-request","args":{"name":"bid.txt","to":"h","app":"/usr/bin/\u0001","reason":"r"}}|absolute path' \
	'{"command":"upload-request","args":{"name":"bid.txt","to":"h","reason":"r","dir":"x"}}|unknown argument' \
	'{"command":"upload-request","args":{"name":"bid.txt","to":"h"}}|reason' \
	'{"command":"upload-request","args":{"name":"a/b","to":"h","reason":"r"}}|contains' \
	'{"command":"upload-request","args":{"name":"bid.txt","to":7,"reason":"r"}}|"ok":false' \
	'{"command":"upload-request","args":[]}|"ok":false'; do
	out=$(probe --fd "$U/bid.txt" "${msg%|*}")
	echo "$out" | grep -q '"ok":false' || fail "garbage upload-request accepted: ${msg%|*}: $out"
	echo "$out" | grep -q "${msg##*|}" || fail "unexpected refusal for ${msg%|*}: $out"
done
[ ! -e "$U/bid.txt.futari-request" ] || fail "garbage made a request"
ls "$TEST_TMP/state/pending" 2>/dev/null | grep -q . && fail "garbage left a pending request"
out=$(probe '{"command":"upload-request","args":{"name":"x","to":"h","reason":"r"}}')
echo "$out" | grep -q "needs an open file descriptor" || fail "upload-request without a descriptor: $out"
as_user "$FUTARI" upload-request "$U/bid.txt" --reason r >/dev/null 2>&1
[ $? = 2 ] || fail "upload-request without --to is not a usage error"
out=$(as_user "$FUTARI" upload-request "$U/bid.txt" --to h --app /no/such/program --reason r 2>&1) &&
	fail "a program that does not exist was accepted"
echo "$out" | grep -q "no/such/program" || fail "missing program refusal unclear: $out"

out=$(as_user "$FUTARI" upload-request "$U/minutes.txt" --to files.example.org --reason r 2>&1) ||
	fail "Class III upload-request failed: $out"
echo "$out" | grep -q "Class III: no approval is needed" || fail "Class III answer unclear: $out"
[ ! -e "$U/minutes.txt.futari-request" ] || fail "a request was made for a Class III file"

out=$(as_user "$FUTARI" upload-request "$U/bid.txt" --to files.example.org \
	--app /usr/bin/curl --reason "send the tender to the contractor" 2>&1) ||
	fail "upload-request failed: $out"
REQ="$U/bid.txt.futari-request"
echo "$out" | grep -q "Class II: approval needed. Send $REQ" || fail "next step unclear: $out"
[ "$(stat -c %u "$REQ")" = 65534 ] || fail "the request file is not the user's"
grep -q '^channel: upload$' "$REQ" || fail "request not on the upload channel"
grep -q '^upload-host: files.example.org$' "$REQ" || fail "request lacks the host"
grep -q '^upload-program: /usr/bin/curl$' "$REQ" || fail "request lacks the program"
as_user "$FUTARI" requests | grep -q "pending.*bid.txt -> upload to files.example.org by /usr/bin/curl" ||
	fail "futari requests does not show the upload request: $(as_user "$FUTARI" requests)"
expect_log '"event":"export.requested".*"kind":"upload"' "upload request not logged"

# --- approve, redeem, and the window -----------------------------------------------------
# A short window: the approver tool puts not-before half the duration (at most its clock
# slack) in the past, so 20s gives about 10 s from now.
"$APPROVE" sign "$REQ" --key "$W/keys/alice.key" --cert "$W/alice.cert" \
	--passphrase-file "$W/alice.pass" --root "$W/org/org.pub" --out "$TEST_TMP/ok.futari-approval" \
	--valid-for 20s --allow-root >>"$W/approve.log" 2>&1 || fail "sign failed: $(tail -3 "$W/approve.log")"
chmod 0644 "$TEST_TMP/ok.futari-approval"
out=$(setpriv --reuid=65533 --regid=65533 --clear-groups env FUTARI_SOCKET="$SOCK" \
	"$FUTARI" redeem "$TEST_TMP/ok.futari-approval" 2>&1) && fail "another user redeemed: $out"
out=$(as_user "$FUTARI" redeem --json "$TEST_TMP/ok.futari-approval" 2>&1) || fail "redeem refused: $out"
end=$(echo "$out" | sed -n 's/.*"not_after" : \([0-9]*\).*/\1/p')
[ -n "$end" ] || fail "redeem result lacks not_after: $out"
# Again, in words (re-activating the same window is allowed: an upload approval is a
# window, not a single use).
out=$(as_user "$FUTARI" redeem "$TEST_TMP/ok.futari-approval" 2>&1) || fail "second redeem refused: $out"
echo "$out" | grep -q "may be uploaded to files.example.org by /usr/bin/curl" || fail "redeem answer unclear: $out"
expect_log '"event":"redeem.accepted".*"kind":"upload"' "redeem.accepted not logged"
[ "$(ucurl "$U/bid.txt")" = "bid specification for tender 42" ] ||
	fail "the requester's curl cannot read under the approval"
expect_log '"event":"upload.allowed".*bid.txt' "no upload.allowed record"
setpriv --reuid=65533 --regid=65533 --clear-groups timeout 10 curl -s "file://$U/bid.txt" >/dev/null &&
	fail "another user's curl read under the approval"
timeout 10 curl -s "file://$U/bid.txt" >/dev/null && fail "root's curl read under the user's approval"
as_user timeout 10 "$bin/firefox" "$U/bid.txt" >/dev/null 2>&1 && fail "another program read under curl's approval"
ucurl "$U/staff.csv" >/dev/null && fail "the approval for one file let curl read another"
as_user "$FUTARI" status | grep -q "upload control:   on (.* denied, 1 approvals active)" ||
	fail "futari status does not show upload control: $(as_user "$FUTARI" status)"
st=$(as_user "$FUTARI" status --json)
echo "$st" | grep -q '"upload_learn_dropped" *: *0' || fail "status --json lacks upload_learn_dropped: $st"
echo "$st" | grep -q '"upload_learn_bound" *: *[1-9]' || fail "status --json lacks upload_learn_bound: $st"
echo "$st" | grep -q '"upload_learn_waiting" *: *[0-9]' || fail "status --json lacks upload_learn_waiting: $st"
as_user "$FUTARI" requests | grep -q "redeemed.*bid.txt" || fail "requests does not show it redeemed"
# The window ends: denied again, with no call from anyone.
now=$(date -u +%s)
[ $((end - now)) -le 20 ] || fail "approval window longer than asked: ends $end, now $now"
sleep $((end - now + 2))
ucurl "$U/bid.txt" >/dev/null && fail "curl read after the approval window closed"

# --- SIGKILL: no opener hangs; the restart logs a gap ------------------------------------
printf 'pending\n' >"$U/pending.txt"
chmod 0644 "$U/pending.txt"
kill -STOP "$AGENT_PID"
stopped=""
for _ in $(seq 100); do
	if ! grep -h '^State:' /proc/"$AGENT_PID"/task/*/status | grep -qv 'T (stopped)'; then
		stopped=1
		break
	fi
	sleep 0.1
done
[ -n "$stopped" ] || { kill -CONT "$AGENT_PID"; fail "agent did not stop"; }
timeout 30 cat "$U/pending.txt" >"$TEST_TMP/pending.out" 2>&1 &
cpid=$!
sleep 1
kill -0 "$cpid" 2>/dev/null || { kill -CONT "$AGENT_PID"; fail "the open did not wait for the agent"; }
kill -KILL "$AGENT_PID"
wait "$AGENT_PID" 2>/dev/null
wait "$cpid" || fail "an opener failed or hung after the agent was killed"
[ "$(cat "$TEST_TMP/pending.out")" = "pending" ] || fail "opener got no data after the agent was killed"
start_agent
expect_log '"event":"gap".*unclean-stop' "the restarted agent logged no gap"
ucurl "$U/bid.txt" >/dev/null && fail "curl read a Class II file after the restart"
stop_agent
"$top_builddir/approver/futari-audit" verify "$L" >"$TEST_TMP/verify.out" 2>&1 ||
	fail "futari-audit verify: $(tail -3 "$TEST_TMP/verify.out")"

# --- no upload without its record: the log cannot be written ------------------------------
# The log moves to a small filesystem; a new approval for the same request is redeemed and
# used once. Then that filesystem is filled: the requester's curl, still covered by the
# approval, must be refused (the record is written durably before the open is allowed), and
# every read that did get through has its upload.allowed record.
LF="$TEST_TMP/log-small"
mkdir -p "$LF"
mount -t tmpfs -o size=1m,mode=0750 tmpfs "$LF" || fail "cannot mount a small tmpfs for the log"
defer "umount $LF 2>/dev/null"
sed -i "s|^log-dir = .*|log-dir = $LF|" "$ETC/agent.conf"
start_agent
"$APPROVE" sign "$REQ" --key "$W/keys/alice.key" --cert "$W/alice.cert" \
	--passphrase-file "$W/alice.pass" --root "$W/org/org.pub" --out "$TEST_TMP/ok2.futari-approval" \
	--valid-for 10m --allow-root >>"$W/approve.log" 2>&1 || fail "sign failed: $(tail -3 "$W/approve.log")"
chmod 0644 "$TEST_TMP/ok2.futari-approval"
out=$(as_user "$FUTARI" redeem "$TEST_TMP/ok2.futari-approval" 2>&1) || fail "redeem refused: $out"
[ "$(ucurl "$U/bid.txt")" = "bid specification for tender 42" ] ||
	fail "the requester's curl cannot read under the new approval"
got=1
dd if=/dev/zero of="$LF/filler" bs=4096 2>/dev/null
# The log's last page may still take a record or two: try until refused.
refused=""
for i in $(seq 20); do
	if ucurl "$U/bid.txt" >/dev/null; then
		got=$((got + 1))
	else
		refused=$i
		break
	fi
done
[ -n "$refused" ] || fail "20 uploads under an approval went out with the log's filesystem full"
grep -q "cannot record upload.allowed, so the upload is refused" "$TEST_TMP/agent.log" ||
	fail "the agent did not say why the upload was refused: $(tail -5 "$TEST_TMP/agent.log")"
rm -f "$LF/filler"
n=$(cat "$LF"/egress-*.jsonl | grep '"event":"upload.allowed"' | grep -c bid.txt)
[ "$n" = "$got" ] || fail "$got reads under the approval, $n upload.allowed records"
stop_agent
echo "ok: the agent denies uploads of Class I/II files, allows them under a redeemed approval within its window only, and logs every decision; with the log unwritable, an approved upload is refused"
exit 0
