#!/bin/sh
# Builds the futari .debs from a clean copy of the source tree.
# usage: packaging/build-deb.sh [--check] [--lintian] OUTDIR [TREEISH]
#   The tree is `git archive TREEISH` (default HEAD) of the repository this script is in, or,
#   outside git, a copy of the directory without build products. packaging/debian becomes
#   debian/ at the top of that copy, with debian/control generated from
#   packaging/build-deps.txt (the one dependency list). `dpkg-buildpackage -us -uc -b` runs
#   there; the .debs, .buildinfo and .changes land in OUTDIR.
#   --check runs the unit tests during the build (default: nocheck, CI runs every suite).
#   --lintian runs lintian on the result and fails on any error (warnings are printed).
set -eu

check=no lint=no
while [ $# -gt 0 ]; do
	case "$1" in
	--check) check=yes; shift ;;
	--lintian) lint=yes; shift ;;
	--help | -h) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	-*) echo "build-deb.sh: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
[ $# -ge 1 ] && [ $# -le 2 ] || { echo "usage: $0 [--check] [--lintian] OUTDIR [TREEISH]" >&2; exit 2; }
out=$1 treeish=${2:-HEAD}
for cmd in dpkg-buildpackage dh; do
	command -v "$cmd" >/dev/null 2>&1 || { echo "build-deb.sh: $cmd is missing (apt-get install dpkg-dev debhelper)" >&2; exit 1; }
done

src=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/futari-deb.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
tree="$work/futari"
mkdir "$tree"

if git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
	git -C "$src" archive --format=tar "$treeish" | tar -x -C "$tree"
else
	# An unpacked release tarball: copy it without what a build may have left behind.
	tar -C "$src" --exclude='./_build*' --exclude='*.o' --exclude='*.a' -cf - . | tar -x -C "$tree"
fi
# Executables that were committed by mistake are build products: the package must ship what
# this build compiled, never a binary from the repository.
find "$tree" -type f -perm -u+x | while read -r f; do
	if [ "$(head -c 4 "$f" | od -An -c | tr -d ' ')" = '177ELF' ]; then
		echo "build-deb.sh: removing the committed binary ${f#"$tree"/} before the build" >&2
		rm -f "$f"
	fi
done
[ -d "$tree/packaging/debian" ] || { echo "build-deb.sh: no packaging/debian in the tree" >&2; exit 1; }
rm -rf "$tree/debian"
cp -a "$tree/packaging/debian" "$tree/debian"
sh "$tree/debian/gen-control.sh" "$tree/debian/control.in" "$tree/packaging/build-deps.txt" \
	>"$tree/debian/control"
rm "$tree/debian/control.in" "$tree/debian/gen-control.sh"

opts=nocheck
[ "$check" = no ] || opts=
(cd "$tree" && DEB_BUILD_OPTIONS="$opts ${DEB_BUILD_OPTIONS:-}" dpkg-buildpackage -us -uc -b) \
	>"$work/build.log" 2>&1 || { tail -60 "$work/build.log" >&2; echo "build-deb.sh: dpkg-buildpackage failed" >&2; exit 1; }
for f in "$work"/*.deb "$work"/*.buildinfo "$work"/*.changes; do
	[ -e "$f" ] && mv -f "$f" "$out/"
done
cp "$work/build.log" "$out/build.log"
ls "$out"/*.deb

if [ "$lint" = yes ]; then
	changes=$(ls "$out"/futari_*.changes | tail -1)
	# --fail-on error: warnings are reported (docs/deployment.md lists them), errors fail.
	lintian --fail-on error --no-tag-display-limit "$changes"
fi
