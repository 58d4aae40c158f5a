#!/bin/sh
# 1000 requests in a row from one user: the per-user rate limit ([limits]
# requests-per-minute) answers the excess with a refusal, and another user is not affected
# (issue 10, fault tests).
. "$(dirname "$0")/agent-lib.sh"
agent_enter_ns "$@"
. "$(dirname "$0")/lib.sh"
require_cmd setpriv timeout
# the system python: a per-user one (pyenv) is not reachable for the test user
PY=/usr/bin/python3
[ -x "$PY" ] || skip "needs /usr/bin/python3"
agent_setup
user_home
printf '[limits]\nrequests-per-minute = 100\n' >>"$ETC/agent.conf"
start_agent
FLOOD="$top_srcdir/tests/integration/sockflood.py"

out=$(timeout 50 setpriv --reuid=65534 --regid=65534 --clear-groups \
	"$PY" "$FLOOD" burst "$SOCK" 1000) || fail "burst failed: $out"
echo "$out"
ok=$(echo "$out" | sed -n 's/.*ok=\([0-9]*\).*/\1/p')
limited=$(echo "$out" | sed -n 's/.*limited=\([0-9]*\).*/\1/p')
other=$(echo "$out" | sed -n 's/.*other=\([0-9]*\).*/\1/p')
[ "$ok" -eq 100 ] || fail "expected exactly 100 answered requests within the minute, got $ok"
[ "$limited" -eq 900 ] || fail "expected 900 rate refusals, got $limited"
[ "$other" -eq 0 ] || fail "$other unexpected replies"

# The limited user is refused by the CLI too, with one line...
as_user "$FUTARI" status >/dev/null 2>"$TEST_TMP/err" && fail "limited user still served"
grep -q "too many requests" "$TEST_TMP/err" || fail "unexpected refusal: $(cat "$TEST_TMP/err")"
# ...while another user and root are served at once.
timeout 20 setpriv --reuid=65533 --regid=65533 --clear-groups \
	env FUTARI_SOCKET="$SOCK" FUTARI_TIMEOUT=10 "$FUTARI" status >/dev/null ||
	fail "another user was affected by the rate limit"
"$FUTARI" status >/dev/null || fail "root was affected by the rate limit"
kill -0 "$AGENT_PID" || fail "agent died"
stop_agent
exit 0
