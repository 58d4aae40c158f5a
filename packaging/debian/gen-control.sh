#!/bin/sh
# Prints debian/control: control.in with its Build-Depends taken from packaging/build-deps.txt,
# the one dependency list (packaging/build-deb.sh runs this; control is never checked in).
# usage: gen-control.sh CONTROL.IN BUILD-DEPS.TXT
# The packages every Debian build has (build-essential: gcc, g++, make, dpkg-dev, libc6-dev)
# are left out, as Debian policy asks; debhelper-compat is the packaging's own dependency.
set -eu
[ $# -eq 2 ] || { echo "usage: $0 CONTROL.IN BUILD-DEPS.TXT" >&2; exit 2; }

list=$(sed -e 's/#.*//' "$2" | awk '
	NF != 1 && NF != 0 { print "'"$2"': one package per line: " $0 > "/dev/stderr"; bad = 1; exit }
	NF == 0 { next }
	$1 !~ /^[a-z0-9][a-z0-9.+-]+$/ { print "'"$2"': bad package name: " $1 > "/dev/stderr"; bad = 1; exit }
	$1 ~ /^(gcc|g\+\+|make|dpkg-dev|libc6-dev|build-essential)$/ { next }
	{ printf ", %s", $1 }
	END { exit bad }')
grep -q '^Build-Depends: @BUILD_DEPENDS@$' "$1" || { echo "$1: no 'Build-Depends: @BUILD_DEPENDS@' line" >&2; exit 1; }
sed -e "s|@BUILD_DEPENDS@|debhelper-compat (= 13)$list|" "$1"
