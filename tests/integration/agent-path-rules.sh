#!/bin/sh
# Issue 16 item 6: a path rule binds once the agent has seen the file under the rule's
# path. A file Class II only by `[path-rules] class-II=*.bid.txt`, copied by its owner to a
# name no rule matches, stays Class II (label memory, kept for the owner) and its export
# makes a request instead of writing. Before the fix the copy was Class III and was written
# to the stick. Another user's identical content stays Class III (the memory is the
# owner's), and a copy made before the agent ever saw the file is not covered: path rules
# stay advisory for such files (docs/threat-model.md §4).
. "$(dirname "$0")/agent-lib.sh"
agent_enter_ns "$@"
. "$(dirname "$0")/lib.sh"
require_cmd setpriv
agent_setup
user_home
register_sticks alpha
make_stick alpha
dev_a=$STICK
printf 'label-store = %s\n' "$TEST_TMP/state/labels" >>"$ETC/agent.conf"
printf '\n[path-rules]\nclass-II=*.bid.txt\n' >>"$ETC/agent.conf"
start_agent
wait_ro "$dev_a" || fail "stick not read-only"
cd "$HOME_U"

public_file "$HOME_U/tender.bid.txt" 3000 tender
out=$(as_user "$FUTARI" classify "$HOME_U/tender.bid.txt") || fail "classify: $out"
echo "$out" | grep -q ": Class II$" || fail "the path rule did not apply: $out"
as_user cp "$HOME_U/tender.bid.txt" "$HOME_U/notes.txt"
out=$(as_user "$FUTARI" classify "$HOME_U/notes.txt") || fail "classify the copy: $out"
echo "$out" | grep -q ": Class II$" || fail "the owner's copy left the path rule behind: $out"
out=$(as_user "$FUTARI" export "$HOME_U/notes.txt" --to alpha --reason r 2>&1) ||
	fail "export of the copy: $out"
echo "$out" | grep -q "written to" && fail "the copy was written to the stick: $out"
echo "$out" | grep -q "Class II" || fail "the copy's export is not Class II: $out"

# Another user's identical content is theirs: not covered by the owner's memory.
mkdir -p "$TEST_TMP/other"
chown 65533:65533 "$TEST_TMP/other"
cp "$HOME_U/tender.bid.txt" "$TEST_TMP/other/same.txt"
chown 65533:65533 "$TEST_TMP/other/same.txt"
out=$(setpriv --reuid=65533 --regid=65533 --clear-groups env FUTARI_SOCKET="$SOCK" \
	"$FUTARI" classify "$TEST_TMP/other/same.txt")
echo "$out" | grep -q ": Class III$" || fail "another user's file took the owner's memory: $out"

# The documented limit: a copy made before the agent saw the original is not covered.
public_file "$HOME_U/unseen.bid.txt" 3000 unseen
as_user cp "$HOME_U/unseen.bid.txt" "$HOME_U/early.txt"
out=$(as_user "$FUTARI" classify "$HOME_U/early.txt")
echo "$out" | grep -q ": Class III$" || fail "the documented limit changed (update docs/threat-model.md): $out"
stop_agent
exit 0
