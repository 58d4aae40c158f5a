#!/bin/sh
# Runs the independent Python verifier of the TEST ONLY vectors (docs/formats.md).
. "$top_srcdir/tests/integration/lib.sh"
require_cmd python3
python3 "$top_srcdir/tests/integration/verify-vectors.py"
