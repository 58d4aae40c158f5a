#!/bin/sh
# Issue 16 item 10: the per-user spool quota holds for files that grow after the agent's
# fstat, across exports copying at the same time. A user's FUSE file (hostilefs.py
# grow.txt, Class II by a path rule so each copy stays in the spool as a request waiting for
# approval) says it holds 1 byte and serves 3 MiB; the quota is 4 MiB; the user exports it
# four times at once (the reads wait until all four are copying). At most one copy may
# complete: the others are refused in one line ("spool space") and the spool holds at most
# the quota. Before the fix each export reserved the 1 byte fstat gave and checked only its
# own copy against the quota, so all four were spooled: 12 MiB under a 4 MiB quota.
. "$(dirname "$0")/agent-lib.sh"
agent_enter_ns "$@"
. "$(dirname "$0")/lib.sh"
require_cmd setpriv timeout
agent_setup
user_home
register_sticks alpha
make_stick alpha 64M
dev_a=$STICK
printf "\n[limits]\nspool-bytes-per-uid = 4194304\nmax-export-bytes = 4194304\n[path-rules]\nclass-II=grow.txt\n" >>"$ETC/agent.conf"
start_agent
wait_ro "$dev_a" || fail "stick not read-only"
mount_hostilefs
cd "$HOME_U"

k=0
pids=""
while [ $k -lt 4 ]; do
	as_user env FUTARI_TIMEOUT=60 timeout 90 "$FUTARI" export "$FMNT/grow.txt" --to alpha \
		--reason r >"$TEST_TMP/exp.$k" 2>&1 &
	pids="$pids $!"
	k=$((k + 1))
done
sleep 3
touch "$RELEASE"
for p in $pids; do wait "$p" || true; done
used=$(cat "$TEST_TMP"/spool/65534/*.data 2>/dev/null | wc -c)
refused=$(grep -l "spool space" "$TEST_TMP"/exp.* | wc -l)
echo "spool holds $used bytes under a 4194304-byte quota; $refused refused for the quota"
[ "$used" -le 4194304 ] || fail "the spool holds $used bytes, over the 4 MiB quota: $(cat "$TEST_TMP"/exp.*)"
[ "$refused" -ge 3 ] || fail "only $refused refused for the quota: $(cat "$TEST_TMP"/exp.*)"
for f in "$TEST_TMP"/exp.*; do
	if grep -q "spool space" "$f"; then
		[ "$(wc -l <"$f")" -eq 1 ] || fail "a refusal is not one line: $(cat "$f")"
	fi
done
# Nothing half-made stays in the spool, and what is left of the quota can be used.
ls "$TEST_TMP/spool/65534" | grep -q '\.part$' && fail "left in the spool: $(ls -l "$TEST_TMP/spool/65534")"
public_file "$HOME_U/small.txt" 1000 small
out=$(as_user "$FUTARI" export "$HOME_U/small.txt" --to alpha --reason r 2>&1) ||
	fail "the quota did not come back: $out"
stop_agent
exit 0
