#!/bin/sh
# Issue 16 item 5: names on the stick. A second export of a file whose name fills the
# filesystem's limit (a 251-byte stem + ".txt" = 255 bytes) needs " (2)": the stem is cut
# (on a character boundary) to fit, the file is written, and the log holds exactly one
# export.written per file and no export.failed. Before the fix the agent took the
# ENAMETOOLONG of faccessat for "name free", logged export.written (and, for a redeem,
# marked the request redeemed), then failed the rename: a false record (and a burned
# approval).
. "$(dirname "$0")/agent-lib.sh"
agent_enter_ns "$@"
. "$(dirname "$0")/lib.sh"
require_cmd setpriv python3 setfattr
agent_setup
user_home
register_sticks alpha
make_stick alpha
dev_a=$STICK
start_agent
wait_ro "$dev_a" || fail "stick not read-only"
cd "$HOME_U"
long=$(python3 -c 'print("n" * 251 + ".txt")')
wide=$(python3 -c 'print("\u3042" * 83 + ".txt")') # 249 bytes of 3-byte characters + .txt
for f in "$long" "$wide"; do
	public_file "$HOME_U/$f" 100 names
	for k in 1 2 3; do
		out=$(as_user "$FUTARI" export "$HOME_U/$f" --to alpha --reason r 2>&1) ||
			fail "export $k of a ${#f}-character name failed: $out"
	done
done
# A name given on the command line is escaped exactly once in the CLI's messages: a control
# character shows as \x01 (not \\x01, as it did when open_for_export escaped it and
# fail_line escaped the message again), a non-ASCII name as it is. Cases: a file that is
# not there (refused before the agent), a stick that is not there (refused by the agent),
# and a request that cannot be saved (the file's folder and the current folder are root's).
odd=$(printf 'odd\001名前.txt')
shown='odd\x01名前.txt'
check_once() { # WHAT OUTPUT EXPECTED-SUBSTRING
	case "$2" in
	*"$3"*) ;;
	*) fail "$1: expected '$3' in: $2" ;;
	esac
	case "$2" in
	*'\\x01'*) fail "$1: the name was escaped twice: $2" ;;
	esac
	printf '%s' "$2" | grep -q "$(printf '\001')" && fail "$1: a raw control character reached the terminal"
	return 0
}
out=$(cd "$HOME_U" && as_user "$FUTARI" export "$HOME_U/$odd" --to alpha --reason r 2>&1) &&
	fail "a missing file was exported"
check_once "missing file" "$out" "futari: $HOME_U/$shown: No such file or directory"
out=$(cd "$HOME_U" && as_user "$FUTARI" classify "$HOME_U/$odd" 2>&1) && fail "a missing file was classified"
check_once "classify of a missing file" "$out" "futari: $HOME_U/$shown: No such file or directory"
public_file "$HOME_U/$odd" 100 names
out=$(cd "$HOME_U" && as_user "$FUTARI" export "$HOME_U/$odd" --to no-such-stick --reason r 2>&1) &&
	fail "an export to a missing stick succeeded"
check_once "missing stick" "$out" "futari: $HOME_U/$shown: "
# The agent refuses a control character in a name it writes: a backslash shows the
# double escape as well (\\ once, \\\\ twice).
bs='back\slash名.txt'
rootdir="$TEST_TMP/rootdir"
mkdir -p "$rootdir"
chmod 0755 "$rootdir"
public_file "$rootdir/$bs" 100 names
chown 0:0 "$rootdir/$bs"
chmod 0644 "$rootdir/$bs"
setfattr -n trusted.futari.class -v II "$rootdir/$bs"
out=$(cd "$rootdir" && as_user "$FUTARI" export "$rootdir/$bs" --to alpha --reason r 2>&1) &&
	fail "a request that could not be saved was reported as saved: $out"
check_once "request not saved" "$out" "futari: $rootdir/back\\\\slash名.txt: the request could not be saved: "
case "$out" in *'\\\\'*) fail "request not saved: the name was escaped twice: $out" ;; esac
rm -f "$HOME_U/$odd"

mnt="$TEST_TMP/mnt"
mkdir -p "$mnt"
mount -o ro "$dev_a" "$mnt" || fail "cannot mount alpha"
defer "umount $mnt 2>/dev/null"
python3 - "$mnt" <<'PY' || fail "names on the stick are wrong"
import os, sys
names = [n for n in os.listdir(sys.argv[1].encode()) if n != b"lost+found"]
assert len(names) == 6, names
for n in names:
    assert len(n) <= 255, (len(n), n)
    n.decode("utf-8")  # never cut inside a character
    assert n.endswith(b".txt"), n
assert sum(1 for n in names if b" (2).txt" in n) == 2, names
assert sum(1 for n in names if b" (3).txt" in n) == 2, names
PY
written=$(grep -h '"event":"export.written"' "$TEST_TMP"/log/egress-*.jsonl | wc -l)
[ "$written" -eq 6 ] || fail "$written export.written records for 6 files"
grep -q '"event":"export.failed"' "$TEST_TMP"/log/egress-*.jsonl &&
	fail "an export.failed was logged: $(grep -h export.failed "$TEST_TMP"/log/egress-*.jsonl)"
umount "$mnt"
stop_agent
exit 0
