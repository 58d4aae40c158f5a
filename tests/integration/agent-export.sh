#!/bin/sh
# The export path (DESIGN §6, §8.1, §8.5): a Class III file lands on a registered stick with
# the exact digest, through the agent alone, while the user's own mount stays EROFS; a
# Class II file is not written; unregistered and suspicious sticks, symlinks, FIFOs,
# directories, unreadable files and unsafe names are refused; names never overwrite; two
# sticks take exports in parallel.
. "$(dirname "$0")/agent-lib.sh"
agent_enter_ns "$@"
. "$(dirname "$0")/lib.sh"
require_cmd setpriv setfattr sha256sum mkfifo
agent_setup
user_home
register_sticks alpha beta gamma-hid
make_stick alpha
dev_a=$STICK
make_stick beta
dev_b=$STICK
make_stick unreg
dev_u=$STICK
make_stick gamma-hid
start_agent
wait_ro "$dev_a" && wait_ro "$dev_b" || fail "sticks not read-only"

# The user's own mount of alpha (read-only: the device is).
mnt="$TEST_TMP/mnt"
mkdir -p "$mnt"
mount "$dev_a" "$mnt" 2>/dev/null || fail "cannot mount alpha"
defer "umount $mnt 2>/dev/null"

head -c 3000000 /dev/urandom >"$HOME_U/report.bin"
printf 'public notice\n' >"$HOME_U/notice.txt"
chown 65534:65534 "$HOME_U"/*
want=$(sha256sum <"$HOME_U/report.bin" | cut -d' ' -f1)

# Class III, by asset id, as an unprivileged user.
out=$(as_user "$FUTARI" export "$HOME_U/report.bin" --to CITY-USB-alpha --reason "press kit" 2>&1) ||
	fail "Class III export refused: $out"
echo "$out" | grep -q "Class III, written to CITY-USB-alpha:/report.bin" || fail "unexpected: $out"
echo "$out" | grep -q "$want" || fail "digest not reported: $out"
[ "$(sha256sum <"$mnt/report.bin" | cut -d' ' -f1)" = "$want" ] ||
	fail "the file on the stick differs from the source"
[ "$(blockdev --getro "$dev_a")" = 1 ] || fail "alpha not read-only after the export"
touch "$mnt/evil" 2>/dev/null && fail "user mount writable after the export"
grep '"event":"export.written"' "$TEST_TMP/log/agent-events.jsonl" | grep -q "$want" ||
	fail "export.written not logged with the digest"

# The same name again: never overwritten, a new name instead. By label, into a folder.
as_user "$FUTARI" export "$HOME_U/report.bin" --to alpha --reason again >/dev/null ||
	fail "second export refused"
[ -f "$mnt/report (2).bin" ] || fail "second export did not get a new name"
as_user "$FUTARI" export "$HOME_U/notice.txt" --to "$MARK-alpha" --dir "out/2026" --reason r \
	>/dev/null || fail "export into a folder refused"
[ "$(cat "$mnt/out/2026/notice.txt")" = "public notice" ] || fail "folder export wrong"
# By mount point.
as_user "$FUTARI" export "$HOME_U/notice.txt" --to "$mnt" --reason r >/dev/null ||
	fail "export by mount point refused"

# Class II (root-only label): no file on the stick.
cp "$HOME_U/notice.txt" "$HOME_U/bid-spec.txt"
chown 65534:65534 "$HOME_U/bid-spec.txt"
setfattr -n trusted.futari.class -v II "$HOME_U/bid-spec.txt"
out=$(as_user "$FUTARI" export "$HOME_U/bid-spec.txt" --to alpha --reason r 2>&1) &&
	fail "Class II export accepted: $out"
echo "$out" | grep -q "Class II" || fail "Class II refusal unclear: $out"
[ ! -e "$mnt/bid-spec.txt" ] || fail "Class II file reached the stick"

# Refusals by the CLI (exit 1, one line).
ln -s "$HOME_U/notice.txt" "$HOME_U/link.txt"
mkfifo "$HOME_U/fifo"
mkdir "$HOME_U/folder"
printf secret >"$HOME_U/root-only.txt"
chmod 0600 "$HOME_U/root-only.txt"
for case in "link.txt:symbolic link" "fifo:not a regular file" "folder:is a directory" \
	"root-only.txt:cannot read"; do
	f=${case%%:*}
	as_user "$FUTARI" export "$HOME_U/$f" --to alpha --reason r 2>"$TEST_TMP/err" &&
		fail "$f accepted"
	[ "$(wc -l <"$TEST_TMP/err")" -eq 1 ] || fail "$f: refusal is not one line"
	grep -q "${case#*:}" "$TEST_TMP/err" || fail "$f: unexpected refusal: $(cat "$TEST_TMP/err")"
done

# Refusals by the agent itself, bypassing the CLI.
probe() { as_user "$PROBE" "$SOCK" "$@"; }
out=$(probe --fd "$HOME_U/fifo" '{"command":"export","args":{"name":"f","to":"alpha","reason":"r"}}')
echo "$out" | grep -q "only regular files" || fail "agent accepted a FIFO: $out"
out=$(probe --fd "$HOME_U/folder" '{"command":"export","args":{"name":"f","to":"alpha","reason":"r"}}')
echo "$out" | grep -q "directory cannot be exported" || fail "agent accepted a directory: $out"
out=$(probe --fd "$HOME_U/notice.txt" '{"command":"export","args":{"name":"../../etc/x","to":"alpha","reason":"r"}}')
echo "$out" | grep -q "contains '/'" || fail "agent accepted ../: $out"
out=$(probe --fd "$HOME_U/notice.txt" '{"command":"export","args":{"name":"a\nb","to":"alpha","reason":"r"}}')
echo "$out" | grep -q "control" || fail "agent accepted a newline: $out"
out=$(probe --fd "$HOME_U/notice.txt" '{"command":"export","args":{"name":"..","to":"alpha","reason":"r"}}')
echo "$out" | grep -q '"ok":false' || fail "agent accepted '..': $out"
out=$(probe --fd "$HOME_U/notice.txt" '{"command":"export","args":{"name":"x","to":"alpha","reason":"r","dir":"../up"}}')
echo "$out" | grep -q '"ok":false' || fail "agent accepted --dir ../up: $out"
out=$(probe '{"command":"export","args":{"name":"x","to":"alpha","reason":"r"}}')
echo "$out" | grep -q "needs an open file descriptor" || fail "export without a descriptor: $out"
ls -a "$mnt" | grep -q "^x$" && fail "a refused export reached the stick"

# Unregistered and suspicious sticks.
out=$(as_user "$FUTARI" export "$HOME_U/notice.txt" --to unreg --reason r 2>&1) &&
	fail "export to an unregistered stick accepted"
echo "$out" | grep -q "not in the media register" || fail "unregistered refusal unclear: $out"
out=$(as_user "$FUTARI" export "$HOME_U/notice.txt" --to gamma-hid --reason r 2>&1) &&
	fail "export to a HID stick accepted"
echo "$out" | grep -q "keyboard or network" || fail "suspicious refusal unclear: $out"
grep -c '"event":"export.refused"' "$TEST_TMP/log/agent-events.jsonl" | grep -qv '^0$' ||
	fail "refusals not logged"

# Two sticks, in parallel.
head -c 2000000 /dev/urandom >"$HOME_U/p1.bin"
head -c 2000000 /dev/urandom >"$HOME_U/p2.bin"
chown 65534:65534 "$HOME_U"/p?.bin
as_user "$FUTARI" export "$HOME_U/p1.bin" --to alpha --reason r >"$TEST_TMP/p1.out" 2>&1 &
j1=$!
as_user "$FUTARI" export "$HOME_U/p2.bin" --to beta --reason r >"$TEST_TMP/p2.out" 2>&1 &
j2=$!
wait $j1 || fail "parallel export to alpha failed: $(cat "$TEST_TMP/p1.out")"
wait $j2 || fail "parallel export to beta failed: $(cat "$TEST_TMP/p2.out")"
mnt_b="$TEST_TMP/mnt-b"
mkdir -p "$mnt_b"
mount -o ro "$dev_b" "$mnt_b" || fail "cannot mount beta"
defer "umount $mnt_b 2>/dev/null"
cmp -s "$HOME_U/p1.bin" "$mnt/p1.bin" || fail "parallel export p1 differs"
cmp -s "$HOME_U/p2.bin" "$mnt_b/p2.bin" || fail "parallel export p2 differs"
[ "$(blockdev --getro "$dev_a")" = 1 ] && [ "$(blockdev --getro "$dev_b")" = 1 ] ||
	fail "sticks not read-only after parallel exports"
ls -a "$mnt" | grep -q futari-partial && fail "a partial file was left"
kill -0 "$AGENT_PID" || fail "agent died"
echo "ok: Class III exported with the exact digest; Class II not written; refusals hold"
exit 0
