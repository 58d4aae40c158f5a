#!/bin/sh
# The BPF LSM process taint (issue 14, point 2) on this machine's kernel. futarid with an
# [upload] group loads agent/bpf/taint.bpf.c; where the kernel refuses BPF LSM programs (bpf
# not in its active LSM list, as on our development hosts) the agent must still start, run
# upload control on fanotify alone, say so in `futari status` (field upload_enforcement,
# with the kernel's reason) and in its log, and this test then exits 77 with that reason.
# Where the kernel runs them, status must say "bpf-lsm+fanotify". The taint behaviour itself
# (pipes, stdin, interpreters, loader, copies, fork/exec, approvals) is tested in the e2e VM:
# tests/e2e/scenarios/22-agent-bpf-taint.sh.
. "$(dirname "$0")/agent-lib.sh"
agent_enter_ns "$@"
. "$(dirname "$0")/lib.sh"
require_cmd python3
agent_setup

watched_fs 32M
cat >>"$ETC/agent.conf" <<CONF

[upload]
filesystems = $wfs
programs = /usr/bin/curl
CONF

start_agent
"$FUTARI" status --json >"$TEST_TMP/status.json" || fail "futari status failed"
field() {
	python3 -c 'import json,sys; v=json.load(open(sys.argv[1])).get(sys.argv[2]); print("" if v is None else v)' \
		"$TEST_TMP/status.json" "$1"
}
enf=$(field upload_enforcement)
bpf=$(field bpf_lsm)
reason=$(field bpf_lsm_reason)
"$FUTARI" status >"$TEST_TMP/status.txt" || fail "futari status (text) failed"
case "$enf" in
bpf-lsm+fanotify)
	[ "$bpf" = True ] || fail "upload_enforcement is $enf but bpf_lsm is '$bpf'"
	grep -q "^enforcement: *BPF LSM process taint and fanotify" "$TEST_TMP/status.txt" ||
		fail "futari status does not say both layers are on: $(cat "$TEST_TMP/status.txt")"
	stop_agent
	exit 0
	;;
fanotify)
	[ "$bpf" = False ] || fail "upload_enforcement is fanotify but bpf_lsm is '$bpf'"
	[ -n "$reason" ] || fail "no bpf_lsm_reason in the status reply: $(cat "$TEST_TMP/status.json")"
	grep -q "^enforcement: *fanotify only (no BPF LSM: " "$TEST_TMP/status.txt" ||
		fail "futari status does not say fanotify only: $(cat "$TEST_TMP/status.txt")"
	grep -q "no BPF LSM process taint" "$TEST_TMP/agent.log" ||
		fail "the agent did not log why the taint layer is off: $(cat "$TEST_TMP/agent.log")"
	grep -q "upload control on (fanotify)" "$TEST_TMP/agent.log" ||
		fail "the ready line does not name the enforcement: $(cat "$TEST_TMP/agent.log")"
	stop_agent
	skip "the kernel refused the BPF LSM programs here (fanotify alone runs, checked): $reason"
	;;
*)
	fail "unexpected upload_enforcement '$enf': $(cat "$TEST_TMP/status.json")"
	;;
esac
