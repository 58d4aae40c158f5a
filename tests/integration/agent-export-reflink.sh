#!/bin/sh
# Issue 18: where the user's file and the spool share a filesystem that can reflink (xfs
# here), the agent's snapshot is a reflink (FICLONE): instant, and taking no space. The
# spool and the file sit on a small xfs with room for the file once, not twice: a copy
# (what the agent did before) fails with "No space left on device", a reflink succeeds.
# The stick then holds the exact bytes, the log the digest of them, and a change the user
# makes to the file after the export changes nothing the agent holds (copy on write).
. "$(dirname "$0")/agent-lib.sh"
agent_enter_ns "$@"
. "$(dirname "$0")/lib.sh"
require_cmd setpriv sha256sum mkfs.xfs
agent_setup
user_home
register_sticks alpha
make_stick alpha 256M
dev=$STICK

# A 320 MiB xfs (reflink is mkfs.xfs's default) holding the spool and the user's file.
# (not named with $MARK: the test udev rule would take it for a stick and make it read-only)
ximg="$TEST_TMP/spoolfs.img"
truncate -s 320M "$ximg"
mkfs.xfs -q -f -m reflink=1 "$ximg" >/dev/null 2>&1 || skip "mkfs.xfs cannot make a reflink xfs"
x="$TEST_TMP/x"
mkdir -p "$x"
xdev=$(losetup --find --show "$ximg") || skip "no free loop device"
defer "losetup -d $xdev 2>/dev/null"
# A free loop device may keep the read-only flag of a stick it was before.
blockdev --setrw "$xdev"
mount "$xdev" "$x" 2>/dev/null || skip "cannot mount an xfs image (no xfs in this kernel?)"
defer "umount $x 2>/dev/null"
chmod 0711 "$x"
mkdir -p "$x/spool" "$x/home"
chmod 0700 "$x/spool"
chown 65534:65534 "$x/home"
sed -i "s|^spool-dir = .*|spool-dir = $x/spool|" "$ETC/agent.conf"
printf '\n[classify]\nscan-limit=1G\n[limits]\nmax-export-bytes = 1073741824\nspool-bytes-per-uid = 1073741824\n' >>"$ETC/agent.conf"

src="$x/home/photos.bin"
public_file "$src" 188743680 photos # 180 MiB
free_k=$(df -k --output=avail "$x" | tail -1)
[ "$free_k" -lt 184320 ] || skip "the xfs has room for a second copy ($free_k KiB): the test would prove nothing"
want=$(sha256sum <"$src" | cut -d' ' -f1)

start_agent
wait_ro "$dev" || fail "stick not read-only"
out=$(as_user "$FUTARI" export "$src" --to alpha --reason "event photos" 2>&1) ||
	fail "export from a reflink filesystem failed (copied instead of cloned?): $out"
echo "$out" | grep -q "$want" || fail "digest not reported: $out"
grep '"event":"export.written"' "$TEST_TMP"/log/egress-*.jsonl | grep -q "$want" ||
	fail "export.written not logged with the digest"
mnt="$TEST_TMP/mnt"
mkdir -p "$mnt"
mount -o ro "$dev" "$mnt" || fail "cannot mount the stick"
defer "umount $mnt 2>/dev/null"
[ "$(sha256sum <"$mnt/photos.bin" | cut -d' ' -f1)" = "$want" ] ||
	fail "the file on the stick differs from the source"
[ "$(blockdev --getro "$dev")" = 1 ] || fail "the stick is not read-only after the export"
# Nothing left in the spool, named or not (an unnamed copy goes with the export).
left=$(find "$x/spool" -type f | wc -l)
[ "$left" -eq 0 ] || fail "left in the spool: $(find "$x/spool" -type f)"

# A Class II file on the same filesystem: its snapshot must outlive the agent, so it is
# named in the spool and kept, while the user's file changes after the request.
secret="$x/home/bid.txt"
printf '取扱注意\n入札仕様書 案\n' >"$secret"
chown 65534:65534 "$secret"
swant=$(sha256sum <"$secret" | cut -d' ' -f1)
cd "$x/home" || fail "cannot enter $x/home"
out=$(as_user "$FUTARI" export "$secret" --to alpha --reason "bid" 2>&1)
echo "$out" | grep -q "approval needed" || fail "Class II export not turned into a request: $out"
kept=$(find "$x/spool" -name '*.data' -type f)
[ -n "$kept" ] || fail "the Class II snapshot is not kept in the spool"
printf 'changed\n' | as_user tee -a "$secret" >/dev/null
[ "$(sha256sum <"$kept" | cut -d' ' -f1)" = "$swant" ] ||
	fail "the snapshot changed with the user's file"
cd /
stop_agent
echo "ok: reflinked snapshot on xfs, exact bytes on the stick, Class II snapshot kept apart"
exit 0
