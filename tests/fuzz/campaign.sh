#!/bin/sh
# The long fuzzing campaign (docs/fuzzing.md), one target at a time so it can share a
# machine:
#   tests/fuzz/campaign.sh BUILDDIR_OF_tests/fuzz OUTDIR TARGET...
# Each target runs from its committed seed corpus (corpus/<target>/, not changed) plus its
# own working corpus in OUTDIR/corpus-<target>/ until FUZZ_RUNS executions (default 10
# million) or FUZZ_MAX_SECONDS (default 0: no limit), under nice; FUZZ_MAX_LEN sets
# libFuzzer's -max_len (default: its own, from the corpus). One line per target is
# appended to OUTDIR/results.tsv:
#   date(UTC)  commit  target  executions  seconds  result(clean|finding|error)
# A finding's input is left in OUTDIR/<target>-crash-* (or leak-, timeout-, oom-).
set -u
here=$(cd "$(dirname "$0")" && pwd)
build=$1
out=$2
shift 2
runs=${FUZZ_RUNS:-10000000}
maxsecs=${FUZZ_MAX_SECONDS:-0}
maxlen=${FUZZ_MAX_LEN:+-max_len=$FUZZ_MAX_LEN}
commit=$(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo unknown)

mkdir -p "$out"
export G_DEBUG=fatal-criticals
# fuzz-logverify writes a log directory per input: on ext4 creating and unlinking the same
# three files costs more than verifying them, on tmpfs it does not
if [ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then
	export TMPDIR=/dev/shm
fi
export ASAN_OPTIONS=abort_on_error=1:detect_leaks=1:allocator_may_return_null=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

for t in "$@"; do
	mkdir -p "$out/corpus-$t"
	# a copy of the binary, so a rebuild during the campaign does not change what runs
	cp "$build/fuzz-$t" "$out/bin-$t" || exit 1
	start=$(date +%s)
	nice -n 10 "$out/bin-$t" -runs="$runs" -max_total_time="$maxsecs" -timeout=10 \
		-rss_limit_mb=2048 $maxlen -print_final_stats=1 \
		-artifact_prefix="$out/$t-" "$out/corpus-$t" "$here/corpus/$t" \
		>"$out/$t.log" 2>&1
	rc=$?
	secs=$(($(date +%s) - start))
	n=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$out/$t.log")
	if [ -z "$n" ]; then
		n=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$out/$t.log")
	fi
	if [ $rc -eq 0 ]; then
		result=clean
	elif ls "$out/$t-"* >/dev/null 2>&1; then
		result=finding
	else
		result=error
	fi
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%Y-%m-%dT%H:%MZ)" "$commit" "$t" \
		"${n:-?}" "$secs" "$result" >>"$out/results.tsv"
done
