#!/bin/sh
# The agent keeps USB storage read-only (DESIGN §6, §8.1): a stick present before futarid
# starts and a stick attached afterwards both become read-only at the block layer; raw
# writes and writes through a mount fail; a change event re-asserts the flag; a stick that
# also offers a keyboard interface is marked suspicious; attach and detach are recorded.
. "$(dirname "$0")/agent-lib.sh"
agent_enter_ns "$@"
. "$(dirname "$0")/lib.sh"
agent_setup

# A stick present before the agent: nothing has made it read-only yet (no packaging rule
# in this test), so the agent alone must.
make_stick alpha
dev_a=$STICK
[ "$(blockdev --getro "$dev_a")" = 0 ] || fail "$dev_a is read-only before the agent ran"

cat >"$ETC/media.conf" <<REG
[asset:CITY-USB-0001]
vid = f00d
pid = 0001
serial = $MARK-alpha
owner = General Affairs
REG
chmod 0644 "$ETC/media.conf"

# Mounted read-write before the agent starts (BLKROSET alone would not stop this mount).
early="$TEST_TMP/early"
mkdir -p "$early"
mount -o rw "$dev_a" "$early" || fail "cannot mount read-write before the agent"
defer "umount $early 2>/dev/null"
touch "$early/before-agent" || fail "early mount not writable"

start_agent
[ "$(blockdev --getro "$dev_a")" = 1 ] || fail "stick present at start is not read-only"
if err=$(touch "$early/after-agent" 2>&1); then
	fail "a read-write mount made before the agent started is still writable"
fi
case "$err" in *"Read-only file system"*) ;; *) fail "early mount: wrong refusal: $err" ;; esac
umount "$early"

# Hot add.
make_stick beta
dev_b=$STICK
wait_ro "$dev_b" || fail "stick attached after start is not read-only"

# Raw writes fail on both.
for d in "$dev_a" "$dev_b"; do
	if dd if=/dev/zero of="$d" bs=4096 count=1 seek=100 conv=notrunc,fsync 2>/dev/null; then
		fail "raw write to $d succeeded"
	fi
done

# A user's mount (mount falls back to read-only) refuses writes with EROFS, even for root.
mnt="$TEST_TMP/mnt"
mkdir -p "$mnt"
mount "$dev_a" "$mnt" 2>/dev/null || fail "cannot mount $dev_a"
defer "umount $mnt 2>/dev/null"
if err=$(touch "$mnt/evil" 2>&1); then
	fail "write through a mount of a USB stick succeeded"
fi
case "$err" in
*"Read-only file system"*) ;;
*) fail "write failed for the wrong reason: $err" ;;
esac
umount "$mnt"

# Someone clears the flag; the next change event puts it back.
blockdev --setrw "$dev_a"
udevadm trigger --action=change "$dev_a"
udevadm settle -t 10
wait_ro "$dev_a" || fail "change event did not re-assert read-only"

# Someone clears the flag and no event comes: the periodic rescan (here asked for at once
# by root through the admin command; users may not) puts it back.
blockdev --setrw "$dev_b"
user_home
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$PROBE" "$SOCK" '{"command":"rescan"}')
echo "$out" | grep -q "root) only" || fail "a user could ask for a rescan: $out"
[ "$(blockdev --getro "$dev_b")" = 0 ] || fail "refused rescan ran anyway?"
out=$("$PROBE" "$SOCK" '{"command":"rescan"}')
echo "$out" | grep -q '"ok":true' || fail "rescan failed: $out"
[ "$(blockdev --getro "$dev_b")" = 1 ] || fail "rescan did not re-assert read-only"

# The CLI sees both, read-only, with the register entry for alpha.
json=$("$FUTARI" devices --json) || fail "futari devices failed"
echo "$json" | grep -q "\"serial\" : \"$MARK-alpha\"" || fail "alpha not listed: $json"
echo "$json" | grep -q "\"asset_id\" : \"CITY-USB-0001\"" || fail "register entry missing: $json"
echo "$json" | grep -q '"readonly" : false' && fail "a device is listed writable: $json"
"$FUTARI" devices | grep -q "registered as CITY-USB-0001" || fail "plain listing lacks register"
"$FUTARI" status | grep -q "all read-only" || fail "status does not say read-only"

# A stick that also offers a keyboard interface.
make_stick gamma-hid
dev_h=$STICK
wait_ro "$dev_h" || fail "HID stick is not read-only"
"$FUTARI" devices --json | grep -q '"suspicious" : "offers a HID' ||
	fail "HID stick not marked suspicious"

# Detach is noticed and recorded; attach records carry the identity.
detach_stick "$dev_b"
i=0
until grep -q '"event":"device.detach".*beta' "$TEST_TMP"/log/egress-*.jsonl; do
	i=$((i + 1))
	[ $i -le 50 ] || { cat "$TEST_TMP"/log/egress-*.jsonl "$TEST_TMP/agent.log" >&2; udevadm info "$dev_b" >&2; fail "detach not recorded"; }
	sleep 0.1
done
grep '"event":"device.attach"' "$TEST_TMP"/log/egress-*.jsonl | grep "$MARK-alpha" |
	grep '"fs_type":"ext4"' | grep '"label":"alpha"' | grep '"vid":"f00d"' |
	grep -q '"asset":"CITY-USB-0001"' || fail "attach record lacks the identity"
grep -q '"event":"device.suspicious".*gamma-hid' "$TEST_TMP"/log/egress-*.jsonl ||
	fail "suspicious stick not recorded"

# Killed hard, the agent leaves the devices read-only (the flag lives in the kernel).
kill -9 "$AGENT_PID"
wait "$AGENT_PID" 2>/dev/null
[ "$(blockdev --getro "$dev_a")" = 1 ] || fail "read-only lost when the agent died"
echo "ok: USB storage read-only at start, on hot add and on change; EROFS through a mount"
exit 0
