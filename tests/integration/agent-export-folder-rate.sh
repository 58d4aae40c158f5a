#!/bin/sh
# futari export --recursive under the agent's file bucket (issue 18): a folder with more
# files than [limits] export-files-at-once is exported whole, the CLI waiting for the bucket
# to refill and sending the refused file again, never leaving the rest behind or writing a
# file twice. requests-per-minute is tiny too: the files do not count against it. Takes
# about half a minute (three files at one every ten seconds).
. "$(dirname "$0")/agent-lib.sh"
agent_enter_ns "$@"
. "$(dirname "$0")/lib.sh"
require_cmd setpriv sha256sum timeout
agent_setup
user_home
register_sticks alpha
make_stick alpha
dev=$STICK
printf '\n[limits]\nrequests-per-minute = 3\nexport-files-at-once = 2\nexport-files-per-minute = 6\n' \
	>>"$ETC/agent.conf"
start_agent
stick_view "$dev"

src="$HOME_U/five"
mkdir -p "$src"
for i in 1 2 3 4 5; do printf 'public notice %s\n' "$i" >"$src/n$i.txt"; done
chown -R 65534:65534 "$src"
as_user timeout 150 "$FUTARI" export -R "$src" --to alpha --reason r >"$TEST_TMP/out" 2>"$TEST_TMP/err" ||
	fail "the folder was not exported whole: $(cat "$TEST_TMP/out" "$TEST_TMP/err")"
grep -q "5 written" "$TEST_TMP/out" || fail "summary: $(cat "$TEST_TMP/out")"
for i in 1 2 3 4 5; do
	[ "$(cat "$mnt/five/n$i.txt")" = "public notice $i" ] || fail "n$i.txt missing or wrong"
done
[ "$(ls "$mnt/five" | wc -l)" -eq 5 ] || fail "a file was written twice: $(ls "$mnt/five")"
[ ! -s "$TEST_TMP/err" ] || fail "refusals off a terminal: $(cat "$TEST_TMP/err")"
n=$(grep -c '"event":"export.written"' "$TEST_TMP"/log/egress-*.jsonl)
[ "$n" -eq 5 ] || fail "$n export.written records for 5 files"
stop_agent
exit 0
