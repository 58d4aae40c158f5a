#!/bin/sh
# No VM: every scenario is registered in Makefile.am, its header parses, and the guest scripts
# are valid shell. Runs everywhere, also where the VM cannot.
command -v python3 >/dev/null 2>&1 || { echo "SKIP: needs python3" >&2; exit 77; }
cd "$E2E_SRCDIR" || exit 1
# shellcheck disable=SC2086 # the list is word-split on purpose
exec python3 harness.py lint $E2E_SCENARIOS
