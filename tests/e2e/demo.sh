#!/bin/bash
# The README's first command: on a fresh Debian 12 machine (as root), install what futari
# needs, build it, boot a virtual machine with a real USB stick and walk through the story:
# plug in -> read-only -> public export -> Class II blocked, request -> supervisor reviews and
# signs -> redeem -> the file lands -> log verified, monthly report. Prints where the report is.
#
#   bash tests/e2e/demo.sh
#
# Reuses an existing build: the source tree itself when it was configured in place, else
# _build-demo (made here, out of tree). DEMO_SKIP_INSTALL=1 skips apt-get.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
export DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8
started=$(date +%s)

say() { printf '\n\033[1;34m==> %s\033[0m (%s)\n' "$*" "$(date -u +%H:%M:%S)"; }
die() { printf '\033[1;31mdemo: %s\033[0m\n' "$*" >&2; exit 1; }
pkgs() { sed -e 's/#.*//' "$@" | awk 'NF { print $1 }'; }

[ "$(id -u)" -eq 0 ] || die "run me as root: the demo installs packages and boots a VM that shares / with it"

say "Installing the build and test dependencies (packaging/build-deps.txt, test-deps.txt)"
if [ "${DEMO_SKIP_INSTALL:-}" = 1 ]; then
	echo "skipped (DEMO_SKIP_INSTALL=1)"
else
	# shellcheck disable=SC2046 # one package per word
	missing=$(dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' \
		$(pkgs packaging/build-deps.txt packaging/test-deps.txt) 2>/dev/null |
		awk '$1 != "ii" { print $2 }' || true)
	if [ -z "$missing" ] && dpkg-query -W $(pkgs packaging/build-deps.txt packaging/test-deps.txt) >/dev/null 2>&1; then
		echo "all installed"
	else
		apt-get -o DPkg::Lock::Timeout=600 update -qq
		# shellcheck disable=SC2046
		apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends \
			$(pkgs packaging/build-deps.txt packaging/test-deps.txt) >/dev/null
		echo "installed"
	fi
fi

say "Building futari"
if [ -f "$top/config.status" ]; then
	build=$top # configured in place: an out-of-tree build would be refused
else
	build=$top/_build-demo
	if [ ! -f "$build/config.status" ]; then
		[ -x "$top/configure" ] || ./autogen.sh >/dev/null
		mkdir -p "$build"
		(cd "$build" && ../configure --enable-silent-rules >configure.log 2>&1) ||
			{ tail -30 "$build/config.log"; die "configure failed (see $build/config.log)"; }
	fi
fi
make -C "$build" -j2 >"$build/demo-make.log" 2>&1 ||
	{ tail -30 "$build/demo-make.log"; die "the build failed (see $build/demo-make.log)"; }
echo "built in $build"
built=$(date +%s)

say "Booting the virtual machine (QEMU, TCG) with a USB stick and running the story"
echo "(the kernel is Debian's; the VM runs this machine's own programs over a read-only share)"
art=$build/tests/artifacts/demo
rm -rf "$art"
mkdir -p "$art"
set +e
top_srcdir=$top top_builddir=$build E2E_SRCDIR=$top/tests/e2e E2E_BUILDDIR=$build/tests/e2e \
	E2E_ARTIFACTS_DIR=$art PYTHONDONTWRITEBYTECODE=1 \
	python3 "$top/tests/e2e/harness.py" run --verbose "$top/tests/e2e/demo/90-demo-story.sh" \
	2>&1 | tee "$art/../demo-run.log" | grep -v -E '^(#   |1\.\.1$)'
set -e
report=$art/90-demo-story/report/report.html
# The harness speaks TAP: the story passed only if it says "ok 1".
if ! grep -q '^ok 1 ' "$art/../demo-run.log" || [ ! -s "$report" ]; then
	grep -q '^1\.\.0 # SKIP' "$art/../demo-run.log" &&
		die "this machine cannot run the VM: $(sed -n 's/^1\.\.0 # SKIP //p' "$art/../demo-run.log")"
	die "the story did not complete; the VM's console and output are in $art, the run in $art/../demo-run.log"
fi

say "The monthly report"
for c in chromium chromium-browser google-chrome; do
	command -v "$c" >/dev/null 2>&1 || continue
	profile=$(mktemp -d)
	timeout 120 "$c" --headless --no-sandbox --disable-gpu --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$profile" --window-size=1280,2400 \
		--screenshot="${report%.html}.png" "file://$report" >/dev/null 2>&1 || true
	rm -rf "$profile"
	break
done
echo "report:  $report"
[ -s "${report%.html}.png" ] && echo "picture: ${report%.html}.png"
echo "log:     $(ls "$art"/90-demo-story/egress-*.jsonl)"
echo "done in $(($(date +%s) - started)) s ($(($(date +%s) - built)) s after the build)"
