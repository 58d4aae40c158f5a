#!/bin/sh
# Export to a real (virtual) USB stick in the e2e VM against cp + sync (issue 18): boots the
# e2e VM (tests/e2e, Debian's kernel under TCG) and runs bench/90-vm-export.sh in it,
# streaming its output; the last two lines are the ratios. Root only; not part of make check.
# Usage (from anywhere; the build tree defaults to the source tree):
#   top_builddir=BUILDDIR sh bench/vm-export.sh
# Environment: VM_EXPORT_MIB (128), VM_EXPORT_FILES (200), VM_EXPORT_ROUNDS (3).
set -eu
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
e2e_build="$top_builddir/tests/e2e"
mkdir -p "$e2e_build"
cd "$e2e_build"
exec env top_srcdir="$top_srcdir" top_builddir="$top_builddir" \
	E2E_SRCDIR="$top_srcdir/tests/e2e" E2E_BUILDDIR="$e2e_build" \
	E2E_GUEST_ENV="VM_EXPORT_MIB=${VM_EXPORT_MIB:-128} VM_EXPORT_FILES=${VM_EXPORT_FILES:-200} VM_EXPORT_ROUNDS=${VM_EXPORT_ROUNDS:-3}" \
	python3 "$top_srcdir/tests/e2e/harness.py" run --verbose "$top_srcdir/bench/90-vm-export.sh"
