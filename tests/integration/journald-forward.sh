#!/bin/sh
# The egress log's journald forwarding against a real systemd-journald: in a private mount
# namespace (its own /run and journal directory, so the machine's journal is untouched) a
# journald is started by hand, then the journald case of test-logforward sends a signed
# checkpoint with structured fields and reads it back with sd_journal. CI machines run no
# journald, so without this the case would only ever skip.
if [ -z "${FUT_IN_NS:-}" ]; then
	[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root (private mount namespace, journald)" >&2; exit 77; }
	command -v unshare >/dev/null || { echo "SKIP: needs unshare (util-linux)" >&2; exit 77; }
	[ -x /lib/systemd/systemd-journald ] || { echo "SKIP: no /lib/systemd/systemd-journald" >&2; exit 77; }
	FUT_IN_NS=1 exec unshare --mount --propagation private sh "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"

t="$top_builddir/tests/unit/test-logforward"
[ -x "$t" ] || fail "test-logforward is not built"
mount -t tmpfs -o mode=0755 tmpfs /run || fail "cannot mount a private /run"
[ -d /var/log/journal ] && { mount -t tmpfs tmpfs /var/log/journal || fail "cannot hide /var/log/journal"; }
/lib/systemd/systemd-journald >"$TEST_TMP/journald.log" 2>&1 &
jpid=$!
defer "kill_ours $jpid"
i=0
while [ ! -S /run/systemd/journal/socket ]; do
	i=$((i + 1))
	[ $i -le 100 ] || { cat "$TEST_TMP/journald.log" >&2; fail "journald did not create its socket in 10 s"; }
	sleep 0.1
done
"$t" -p /log/forward/journald >"$TEST_TMP/out" 2>&1 || { cat "$TEST_TMP/out" >&2; fail "journald forwarding test failed"; }
cat "$TEST_TMP/out"
grep -q "SKIP" "$TEST_TMP/out" && fail "the journald case skipped although journald runs"
grep -q "^ok 1 /log/forward/journald" "$TEST_TMP/out" || fail "the journald case did not pass"
echo "ok: a signed checkpoint went to a real journald with its fields and was read back"
exit 0
