#!/bin/sh
# No VM: every scenario is registered in Makefile.am, its header parses, and the guest scripts
# are valid shell. Runs everywhere, also where the VM cannot.
command -v python3 >/dev/null 2>&1 || { echo "SKIP: needs python3" >&2; exit 77; }
cd "$E2E_SRCDIR" || exit 1
# The demo (README's first command) is not run by make check: at least it must parse, and its
# story's header too.
for f in demo.sh demo/90-demo-story.sh guest/agent.sh; do
	bash -n "$f" || { echo "FAIL: $f does not parse" >&2; exit 1; }
done
python3 -c 'import harness; harness.Scenario("demo/90-demo-story.sh")' ||
	{ echo "FAIL: demo/90-demo-story.sh: bad header" >&2; exit 1; }
# shellcheck disable=SC2086 # the list is word-split on purpose
exec python3 harness.py lint $E2E_SCENARIOS
