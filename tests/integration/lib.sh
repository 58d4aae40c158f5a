# Shared helpers for integration tests (sourced, not run).
# Tests exit 0 on pass, 77 when they cannot run here (and say why), 1 on failure.

skip() {
	echo "SKIP: $*" >&2
	exit 77
}

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

require_root() {
	[ "$(id -u)" -eq 0 ] || skip "needs root (real kernel features: $*)"
}

require_cmd() {
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || skip "needs the command '$c'"
	done
}

# A scratch directory removed at exit, plus a list of cleanup commands run in reverse.
TEST_TMP=$(mktemp -d "${TMPDIR:-/tmp}/futari-it-XXXXXX")
CLEANUP=""
on_exit() {
	rc=$?
	# A failed test shows the end of its agent's log (a crash or a sanitizer report is
	# there, and the folder is removed below).
	if [ $rc -ne 0 ] && [ $rc -ne 77 ] && [ -s "$TEST_TMP/agent.log" ]; then
		echo "--- the last 60 lines of the agent's log ($TEST_TMP/agent.log):"
		tail -n 60 "$TEST_TMP/agent.log"
	fi >&2
	eval "$CLEANUP"
	rm -rf "$TEST_TMP"
	exit $rc
}
trap on_exit EXIT
defer() {
	CLEANUP="$*; $CLEANUP"
}

# kill_ours [-SIGNAL] PID…: signals each PID only while it is still a child of this shell.
# Process ids wrap (pid_max is 32768 on the CI machine, and a CI run starts hundreds of
# thousands of processes): a deferred kill of a process that has already ended and been
# reaped would hit whatever process has its id by then, another test's included.
kill_ours() {
	ko_sig=TERM
	case "${1:-}" in -*) ko_sig=${1#-} && shift ;; esac
	for ko_p in "$@"; do
		ko_s=$(cat "/proc/$ko_p/stat" 2>/dev/null) || continue
		# after "PID (COMM) ": the state, then the parent's id
		ko_s=${ko_s##*) }
		ko_s=${ko_s#* }
		[ "${ko_s%% *}" = "$$" ] && kill -s "$ko_sig" "$ko_p" 2>/dev/null
	done
	return 0
}

# loop_release DEV IMG: clears BLKROSET (the kernel keeps it after detach) on DEV and its
# partitions and detaches DEV, but only while DEV is still backed by IMG. Tests run in
# parallel: a loop device this test already released may by now belong to another test,
# and clearing its flag or detaching it would break that test (and its read-only checks).
loop_release() {
	lr_back=$(cat "/sys/block/${1#/dev/}/loop/backing_file" 2>/dev/null) || return 0
	lr_img=$(realpath -m "$2")
	[ "$lr_back" = "$lr_img" ] || [ "$lr_back" = "$lr_img (deleted)" ] || return 0
	for lr_p in "$1"p*; do
		[ -b "$lr_p" ] && blockdev --setrw "$lr_p" 2>/dev/null
	done
	blockdev --setrw "$1" 2>/dev/null
	losetup -d "$1" 2>/dev/null
	return 0
}

# upload_lock: upload control watches starts machine-wide (an inode mark on each upload
# program, and since round 19 the pipes and command line of every non-root start), so two
# tests with upload control on at once judge each other's curl: one agent refuses the other
# test's curl and records it in its own log. `make -j2 check` runs two tests at a time: a
# test takes this lock before it starts upload control and holds it until it exits, so such
# tests wait for each other. The lock is held by a small process of the test's own (killed at
# exit, and gone in an hour at most), not by a descriptor every child would inherit: a
# daemon started by the test could keep it for ever. Once per test.
upload_lock() {
	[ -z "${FUTARI_IT_UPLOAD_LOCKED:-}" ] || return 0
	command -v flock >/dev/null 2>&1 || skip "needs flock (util-linux)"
	(flock 9 && : >"$TEST_TMP/upload.locked" && exec sleep 3600) \
		9>>"${TMPDIR:-/tmp}/futari-it-upload.lock" </dev/null >/dev/null 2>&1 &
	defer "kill_ours $!"
	while [ ! -e "$TEST_TMP/upload.locked" ]; do
		kill -0 $! 2>/dev/null || fail "cannot take the upload-control test lock"
		sleep 0.2
	done
	FUTARI_IT_UPLOAD_LOCKED=1
}
