#!/bin/sh
# Malformed socket messages (DESIGN §8.5) get a one-line error and the agent stays up; a
# broken or unsafe configuration is refused with file:line before anything starts.
. "$(dirname "$0")/agent-lib.sh"
agent_enter_ns "$@"
. "$(dirname "$0")/lib.sh"
agent_setup
start_agent

head -c 4096 /dev/urandom >"$TEST_TMP/random.bin"
head -c 200000 /dev/zero | tr '\0' '[' >"$TEST_TMP/huge.bin"
printf '{"command":"status"}\0trailing' >"$TEST_TMP/nul.bin"
out=$("$PROBE" "$SOCK" \
	'garbage' '' '[]' '{"command":"nope"}' '{"command":["status"]}' \
	'{"command":"status","args":"x"}' '{"command":"status","evil":1}' \
	'[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[' \
	"@$TEST_TMP/random.bin" "@$TEST_TMP/huge.bin" "@$TEST_TMP/nul.bin" \
	'{"command":"status"}') || fail "agent dropped the connection: $out"
n=$(echo "$out" | grep -c '"ok":false')
[ "$n" -ge 10 ] || fail "expected at least 10 refusals, got $n: $out"
echo "$out" | tail -1 | grep -q '"ok":true' || fail "a valid request after garbage failed"
kill -0 "$AGENT_PID" || fail "agent died"
"$FUTARI" status >/dev/null || fail "agent not answering after garbage"

# Issue 16 item 10: the size limit is the command's. Only redeem may be larger than the
# default 64 KiB; a 150 KiB status (valid JSON, padded with spaces) was answered before.
{ printf '{"command":"status"'; head -c 153600 /dev/zero | tr '\0' ' '; printf '}'; } \
	>"$TEST_TMP/bigstatus.bin"
{ printf '{"command":"redeem","args":{"approvals":["'; head -c 153600 /dev/zero | tr '\0' 'x'
	printf '"]}}'; } >"$TEST_TMP/bigredeem.bin"
out=$("$PROBE" "$SOCK" "@$TEST_TMP/bigstatus.bin" "@$TEST_TMP/bigredeem.bin" \
	'{"command":"status"}') || fail "agent dropped the connection: $out"
echo "$out" | sed -n 1p | grep -q '"code":"too-large"' || fail "a 150 KiB status was not refused as too large: $(echo "$out" | head -c 300)"
echo "$out" | sed -n 2p | grep -q '"ok":false' || fail "a garbage redeem accepted: $out"
echo "$out" | sed -n 2p | grep -q "message larger" && fail "a 150 KiB redeem refused for its size: $out"
echo "$out" | sed -n 3p | grep -q '"ok":true' || fail "a valid request after the large ones failed: $out"

# Broken configurations, each refused with file:line.
check() {
	printf "$1" >"$ETC/bad.conf"
	chmod 0644 "$ETC/bad.conf"
	if out=$("$FUTARID" --check --config "$ETC/bad.conf" 2>&1); then
		fail "broken config accepted: $1"
	fi
	echo "$out" | grep -q "$ETC/bad.conf:$2: $3" || fail "expected '$ETC/bad.conf:$2: $3', got: $out"
}
check '[paths]\nsocket = /run/x.sock\nspool = /x\n' 3 "unknown key 'spool'"
check '[paths]\n[usb]\nexport-to-unregistered = maybe\n' 3 "'export-to-unregistered' must be true or false"
check '[pathz]\n' 1 "unknown group"
check '[limits]\nmax-message = 1\n' 2 "'max-message' must be a whole number"

# Unsafe ownership: a config others can write is refused.
cp "$ETC/agent.conf" "$ETC/loose.conf"
chmod 0666 "$ETC/loose.conf"
out=$("$FUTARID" --check --config "$ETC/loose.conf" 2>&1) && fail "world-writable config accepted"
echo "$out" | grep -q "writable by group or others" || fail "wrong reason: $out"
chmod 0644 "$ETC/loose.conf"
chown 65534 "$ETC/loose.conf"
out=$("$FUTARID" --check --config "$ETC/loose.conf" 2>&1) && fail "config owned by nobody accepted"
echo "$out" | grep -q "owned by uid 65534" || fail "wrong reason: $out"

# A broken media register is refused with its line.
printf '[asset:X]\nvid = 12345\n' >"$ETC/media.conf"
out=$("$FUTARID" --check --config "$ETC/agent.conf" 2>&1) && fail "broken register accepted"
echo "$out" | grep -q "media.conf:2: 'vid' must be 4 hex digits" || fail "wrong reason: $out"

# SIGHUP with the broken register: the running agent keeps its configuration.
kill -HUP "$AGENT_PID"
sleep 0.5
kill -0 "$AGENT_PID" || fail "agent died on a bad reload"
grep -q "reload refused" "$TEST_TMP/agent.log" || fail "bad reload not reported"
"$FUTARI" status >/dev/null || fail "agent not answering after a bad reload"

# The CLI: usage errors exit 2, a refusal 1 with one line.
"$FUTARI" frobnicate 2>/dev/null; [ $? -eq 2 ] || fail "unknown subcommand did not exit 2"
"$FUTARI" status extra 2>/dev/null; [ $? -eq 2 ] || fail "extra argument did not exit 2"
FUTARI_SOCKET="$TEST_TMP/none.sock" "$FUTARI" status 2>"$TEST_TMP/err"; [ $? -eq 1 ] ||
	fail "no agent did not exit 1"
[ "$(wc -l <"$TEST_TMP/err")" -eq 1 ] || fail "refusal is not one line"
stop_agent
echo "ok: garbage refused, agent alive; broken and unsafe configs refused with file:line"
exit 0
