#!/bin/sh
# Regenerate the build system from configure.ac and the Makefile.am files.
set -e
srcdir=$(dirname "$0")
test -n "$srcdir" || srcdir=.
cd "$srcdir"
autoreconf --force --install
echo "autogen.sh: now run ./configure"
