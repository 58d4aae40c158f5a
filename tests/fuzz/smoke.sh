#!/bin/sh
# Short libFuzzer run of every parser target under ASan and UBSan, for CI:
#   tests/fuzz/smoke.sh [BUILDDIR_OF_tests/fuzz]      (default: ./tests/fuzz)
# Builds the targets (make fuzz), then runs each for FUZZ_SECONDS (default 10) starting from
# its committed seed corpus in corpus/<target>/ (new inputs go to a temporary directory, the
# tree is not changed). Prints PASS/FAIL per target and exits non-zero on any finding; a
# crashing input is copied to BUILDDIR/crash-<target>-* so it can be fixed and then added to
# corpus/<target>/ as a regression input.
set -u
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-tests/fuzz}
secs=${FUZZ_SECONDS:-10}
targets="request approval certificate revocation armor fields policy config mediareg logrecord
logverify apimsg xmltext labelstore pathrules scanner classify contentresult scanreply"

if ! make -s -C "$build" fuzz >/dev/null 2>"$build/fuzz-build.log"; then
	cat "$build/fuzz-build.log" >&2
	echo "FAIL: fuzz targets did not build" >&2
	exit 1
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/futari-fuzz-XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
export G_DEBUG=fatal-criticals
export ASAN_OPTIONS=abort_on_error=1:detect_leaks=1:allocator_may_return_null=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

rc=0
for t in $targets; do
	mkdir "$tmp/$t"
	if "$build/fuzz-$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-max_len=70000 -artifact_prefix="$tmp/$t-" "$tmp/$t" "$here/corpus/$t" \
		>"$tmp/$t.log" 2>&1; then
		runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$tmp/$t.log")
		echo "PASS: fuzz-$t (${runs:-?} runs in ${secs}s)"
	else
		echo "FAIL: fuzz-$t"
		tail -40 "$tmp/$t.log"
		for f in "$tmp/$t-"*; do
			[ -e "$f" ] && cp "$f" "$build/crash-$t-$(basename "$f")"
		done
		rc=1
	fi
done
exit $rc
