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
	eval "$CLEANUP"
	rm -rf "$TEST_TMP"
	exit $rc
}
trap on_exit EXIT
defer() {
	CLEANUP="$*; $CLEANUP"
}
