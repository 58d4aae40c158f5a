#!/bin/sh
# A futarid in a pid namespace of its own (a container, a unit with a private pid namespace)
# refuses to run upload control, and says why. fanotify names every process outside the
# listener's pid namespace as pid 0, and filesystem marks see every process of the machine:
# before, such a futarid denied each host process's open on the filesystems it marked (a
# container sharing the host's root filesystem: `cat` and `sleep` on the host got EPERM).
# Allowing them instead would be upload control in name only. Runs the real futarid on a
# loop-mounted ext4, once in a new pid namespace (refused, the host unharmed) and once in the
# test's own (it runs and denies curl a Class I file).
. "$(dirname "$0")/agent-lib.sh"
agent_enter_ns "$@"
. "$(dirname "$0")/lib.sh"
require_cmd setpriv curl timeout unshare
[ "$(stat -L -c %i /proc/self/ns/pid)" = 4026531836 ] ||
	skip "the test itself runs in a pid namespace that is not the machine's own"
agent_setup
user_home

watched_fs 64M
printf '氏名,個人番号\n山田,379474484458\n' >"$wfs/staff.csv"
public_file "$wfs/notice.txt" 2000 "notice"
chmod 0644 "$wfs/staff.csv" "$wfs/notice.txt"

cat >>"$ETC/agent.conf" <<CONF

[upload]
filesystems = $wfs
programs = /usr/bin/curl
CONF

# --- in a pid namespace of its own ------------------------------------------------------------
rm -f "$SOCK"
upload_lock
timeout 20 unshare -p -f --mount-proc "$FUTARID" --config "$ETC/agent.conf" --foreground \
	>"$TEST_TMP/pidns.log" 2>&1 &
ppid=$!
# While it starts (or before it gives up): a host process's open on the filesystem.
i=0
while kill -0 "$ppid" 2>/dev/null && [ $i -lt 30 ]; do
	as_u timeout 5 cat "$wfs/notice.txt" >/dev/null 2>&1 ||
		fail "a host process could not open a file while futarid started in another pid namespace"
	i=$((i + 1))
	sleep 0.1
done
wait "$ppid"
rc=$?
[ $rc -ne 0 ] && [ $rc -ne 124 ] || {
	cat "$TEST_TMP/pidns.log" >&2
	fail "futarid in another pid namespace ran upload control (exit $rc)"
}
grep -q "upload control needs futarid in the machine's own pid namespace" "$TEST_TMP/pidns.log" || {
	cat "$TEST_TMP/pidns.log" >&2
	fail "futarid in another pid namespace did not say why it cannot run"
}
! grep -q "Sanitizer\|runtime error" "$TEST_TMP/pidns.log" || {
	cat "$TEST_TMP/pidns.log" >&2
	fail "futarid's refusal left a sanitizer report"
}
as_u timeout 5 cat "$wfs/notice.txt" >/dev/null || fail "a host process cannot open a file after the refusal"
echo "ok: refused in a pid namespace of its own: $(grep -o 'upload control needs[^:]*' "$TEST_TMP/pidns.log" | head -1)"

# --- in the machine's own: it runs ------------------------------------------------------------
start_agent
L="$TEST_TMP/log"
out=$(as_u timeout 10 curl -s "file://$wfs/staff.csv" 2>/dev/null) || true
case "$out" in *379474484458*) fail "curl read a Class I file with futarid in the machine's pid namespace" ;; esac
expect_log '"event":"upload.denied".*staff.csv' "no upload.denied for the Class I file"
as_u timeout 5 cat "$wfs/notice.txt" >/dev/null || fail "cat cannot read a public file"
stop_agent
echo "ok: in the machine's own pid namespace it runs and denies curl the Class I file"
