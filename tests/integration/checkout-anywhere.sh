#!/bin/sh
# Issue 19: the test harnesses work from whatever folder a checkout sits in. The real source
# and build trees are bound, read-only, in this test's own mount namespace, to folders a new
# user might pick: root's 0700 home, another user's 0700 home, a folder under /tmp with a
# space in its path. From each, a few representative tests run with top_srcdir/top_builddir
# pointing there:
#   agent-label.sh        runs `futari` as an unprivileged user (agent-lib.sh must make the
#                         trees reachable for that user: "Permission denied" otherwise),
#   verify-vectors.sh     a Python script from the source tree,
#   e2e harness-lint.sh and harness-selftest.sh (the guest sees the trees through their own
#                         9p shares whatever their path),
# and, from under /tmp, one e2e scenario in the VM where a VM can run here (FUTARI_E2E_SKIP
# skips it, as in .ci/run's second build). Binding instead of copying keeps it short.
if [ -z "${FUTARI_ANYWHERE_IN_NS:-}" ]; then
	[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root (mount namespaces, bind mounts)" >&2; exit 77; }
	command -v unshare >/dev/null 2>&1 || { echo "SKIP: needs unshare" >&2; exit 77; }
	FUTARI_ANYWHERE_IN_NS=1 exec unshare -m --propagation private /bin/sh "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"
require_cmd setpriv python3 mount umount findmnt timeout
[ -n "${top_srcdir:-}" ] && [ -n "${top_builddir:-}" ] || fail "run me through make (top_srcdir, top_builddir)"
[ -x "$top_builddir/agent/futari" ] || fail "build the agent first"
real_src=$top_srcdir
real_build=$top_builddir
nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }

# The places live on a tmpfs of their own, unmounted (with the binds in it) before lib.sh
# removes $TEST_TMP: removing a folder with a bind mount inside removes the bound tree.
# Should the unmount fail, $TEST_TMP is left in place rather than removed.
P="$TEST_TMP/places"
mkdir -m 0755 "$P"
mount -t tmpfs -o mode=0755 tmpfs "$P" || fail "cannot mount a tmpfs for the places"
defer 'umount -R "$P" 2>/dev/null || umount -R -l "$P" || TEST_TMP=""; findmnt -R "$P" >/dev/null 2>&1 && TEST_TMP=""'

# place DIR: the trees at "DIR/futari" and "DIR/futari build", read-only (the build tree may
# sit inside the source tree; the source tree may be read-only already, as in distcheck).
place() {
	mkdir -p "$1/futari" "$1/futari build"
	for pair in "$real_src|$1/futari" "$real_build|$1/futari build"; do
		mount --bind "${pair%%|*}" "${pair#*|}" || fail "cannot bind ${pair%%|*}"
		mount -o remount,bind,ro "${pair#*|}" || fail "cannot make ${pair#*|} read-only"
	done
}

# run_from DIR WHERE: the representative tests with the trees seen from DIR.
run_from() {
	s="$1/futari" b="$1/futari build"
	for t in agent-label.sh verify-vectors.sh; do
		top_srcdir=$s top_builddir=$b sh "$s/tests/integration/$t" >"$TEST_TMP/out" 2>&1
		rc=$?
		if [ $rc -eq 77 ]; then
			echo "  $t skipped from $2: $(grep SKIP "$TEST_TMP/out")"
			continue
		fi
		[ $rc -eq 0 ] || { tail -n 15 "$TEST_TMP/out" >&2; fail "$t from $2 ($1) exited $rc"; }
		! grep -q "Permission denied" "$TEST_TMP/out" ||
			fail "$t from $2: $(grep -m1 'Permission denied' "$TEST_TMP/out")"
		echo "  ok: $t from $2"
	done
	for t in harness-lint.sh harness-selftest.sh; do
		top_srcdir=$s top_builddir=$b E2E_SRCDIR="$s/tests/e2e" E2E_BUILDDIR="$b/tests/e2e" \
			E2E_SCENARIOS="$(cd "$s/tests/e2e" && echo scenarios/*.sh)" PYTHONDONTWRITEBYTECODE=1 \
			sh "$s/tests/e2e/$t" >"$TEST_TMP/out" 2>&1 ||
			{ tail -n 15 "$TEST_TMP/out" >&2; fail "e2e $t from $2 ($1)"; }
		echo "  ok: e2e $t from $2"
	done
}

# Root's home: 0700, owned by root, with a space on the way.
H="$P/root home"
mkdir -m 0700 "$H"
place "$H"
# The premise: an unprivileged user cannot reach the build there (else this proves nothing).
nobody test -x "$H/futari build/agent/futari" && fail "uid 65534 can reach $H; the test proves nothing"
run_from "$H" "root's 0700 home"

# A user's home: 0700, owned by that user (root still enters it; nobody else does).
U="$P/home/user"
mkdir -p -m 0755 "$P/home"
mkdir -m 0700 "$U"
chown 65533:65533 "$U"
place "$U"
nobody test -x "$U/futari build/agent/futari" && fail "uid 65534 can reach $U"
run_from "$U" "a user's 0700 home"

# Under /tmp with a space: anyone may enter, but the e2e guest has its own /tmp. The same
# care: a tmpfs of its own, unmounted first, and the folder removed with rmdir only.
T0=$(mktemp -d /tmp/futari-anywhere-XXXXXX) || fail "cannot make a folder under /tmp"
mount -t tmpfs -o mode=0755 tmpfs "$T0" || fail "cannot mount a tmpfs on $T0"
defer 'umount -R "$T0" 2>/dev/null || umount -R -l "$T0"; findmnt "$T0" >/dev/null 2>&1 || rmdir "$T0"'
T="$T0/a b"
mkdir -m 0755 "$T"
place "$T"
nobody test -x "$T/futari build/agent/futari" || fail "uid 65534 cannot reach $T"
run_from "$T" "$T"

# One scenario in the VM from there: what `bash tests/e2e/demo.sh` does from a clone in /tmp.
if [ -n "${FUTARI_E2E_SKIP:-}" ]; then
	echo "  e2e VM from $T skipped: $FUTARI_E2E_SKIP"
else
	s="$T/futari" b="$T/futari build"
	mkdir -p "$real_build/tests/e2e/cache"
	top_srcdir=$s top_builddir=$b E2E_SRCDIR="$s/tests/e2e" E2E_BUILDDIR="$b/tests/e2e" \
		E2E_CACHE="$real_build/tests/e2e/cache" E2E_ARTIFACTS_DIR="$TEST_TMP/artifacts" \
		PYTHONDONTWRITEBYTECODE=1 timeout -k 10 900 python3 "$s/tests/e2e/harness.py" run \
		"$s/tests/e2e/scenarios/13-agent-export-class3.sh" >"$TEST_TMP/e2e.out" 2>&1
	if grep -q '^1\.\.0 # SKIP' "$TEST_TMP/e2e.out"; then
		echo "  e2e VM skipped: $(sed -n 's/^1\.\.0 # SKIP //p' "$TEST_TMP/e2e.out")"
	elif grep -q '^ok 1 ' "$TEST_TMP/e2e.out"; then
		echo "  ok: e2e scenario 13-agent-export-class3 in the VM from $T"
	else
		tail -n 30 "$TEST_TMP/e2e.out" >&2
		fail "the e2e scenario did not pass from $T"
	fi
fi
echo "ok: the harnesses work from a 0700 home, a user's home and a folder under /tmp with a space"
