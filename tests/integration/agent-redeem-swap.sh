#!/bin/sh
# The redeem's digest check at the end (issue 18): redeem hashes the spooled copy and compares
# it with the approved digest, then the write path copies it to the stick. A spooled copy
# altered in between (a race: the agent is paused at the write path's "writing" step, just
# before it opens the copy, and the copy is overwritten, same size, or replaced by another
# file under its name) must not reach the stick under the approved digest: the write verifies
# what reached the stick against the APPROVED digest (the request's sha256 for that file)
# before the log names it and before its name appears. For a version-1 request (one Class II
# file) and a version-2 request (a folder's two Class II files, the second altered).
. "$(dirname "$0")/agent-lib.sh"
agent_enter_ns "$@"
. "$(dirname "$0")/lib.sh"
require_cmd setpriv setfattr sha256sum
APPROVE="$top_builddir/approver/futari-approve"
[ -x "$APPROVE" ] || skip "futari-approve is not built"
agent_setup
user_home
register_sticks alpha
make_stick alpha 64M
dev=$STICK
approver_keys

export FUTARI_TEST_PAUSE_AT=writing
start_agent
unset FUTARI_TEST_PAUSE_AT
wait_ro "$dev" || fail "stick not read-only"
mnt="$TEST_TMP/mnt"
mkdir -p "$mnt"
mount "$dev" "$mnt" 2>/dev/null || fail "cannot mount the stick"
defer "umount $mnt 2>/dev/null"
digest() { sha256sum <"$1" | cut -d' ' -f1; }
L="$TEST_TMP/log"
STATE="$TEST_TMP/state"
SPOOL="$TEST_TMP/spool/65534"

sign() { # request out
	"$APPROVE" sign "$1" --key "$W/keys/alice.key" --cert "$W/alice.cert" \
		--passphrase-file "$W/alice.pass" --root "$W/org/org.pub" --out "$2" --allow-root \
		>>"$W/approve.log" 2>&1 || fail "sign failed: $(tail -3 "$W/approve.log")"
	chmod 0644 "$2"
}
# request_id APPROVAL
request_id() { sed -n 's/^request: //p' "$1"; }

# The agent pauses at "writing" for every file (the marker is removed each time); $1 says
# what to do to the spooled copy $2 at the first pause: alter (one byte, same size), swap
# (another file renamed over it) or nothing.
release_pauses() { # action spool-file count
	act=$1 sp=$2 n=$3
	k=0
	while [ "$k" -lt "$n" ]; do
		wait_file "$STATE/paused-writing" || fail "the agent never reached the write step"
		if [ "$k" -eq 0 ]; then
			case "$act" in
			alter) printf 'X' | dd of="$sp" bs=1 seek=10 conv=notrunc status=none ||
				fail "cannot alter $sp" ;;
			swap)
				head -c "$(stat -c %s "$sp")" /dev/zero >"$sp.new"
				mv -f "$sp.new" "$sp" ;;
			esac
		fi
		rm -f "$STATE/paused-writing"
		k=$((k + 1))
	done
}

# 1. Version 1: one Class II file, its spooled copy altered at the write.
for act in alter swap; do
	f="$HOME_U/v1-$act.bin"
	public_file "$f" 300000 "v1$act"
	chown 65534:65534 "$f"
	setfattr -n trusted.futari.class -v II "$f"
	want=$(digest "$f")
	as_user "$FUTARI" export "$f" --to alpha --dir v1 --reason "v1 $act TEST ONLY" \
		>"$TEST_TMP/out" 2>&1 || fail "v1 $act: export failed: $(cat "$TEST_TMP/out")"
	sign "$f.futari-request" "$TEST_TMP/v1-$act.futari-approval"
	id=$(request_id "$TEST_TMP/v1-$act.futari-approval")
	sp="$SPOOL/$(sed -n 's/^spool=//p' "$STATE/pending/$id.pending").data"
	[ -f "$sp" ] || fail "v1 $act: no spooled copy $sp"
	as_user "$FUTARI" redeem "$TEST_TMP/v1-$act.futari-approval" >"$TEST_TMP/bg.out" 2>&1 &
	job=$!
	release_pauses "$act" "$sp" 1
	if wait $job; then
		fail "v1 $act: a copy changed after redeem's check was written: $(cat "$TEST_TMP/bg.out") (stick: $(digest "$mnt/v1/v1-$act.bin" 2>&1), approved $want)"
	fi
	grep -q "does not match the approved digest" "$TEST_TMP/bg.out" ||
		fail "v1 $act: refused for another reason: $(cat "$TEST_TMP/bg.out")"
	[ -e "$mnt/v1/v1-$act.bin" ] && fail "v1 $act: the altered copy is on the stick"
	find "$mnt/" -name '.futari-partial-*' | grep -q . && fail "v1 $act: a partial file is left"
	grep '"event":"export.written"' "$L"/egress-*.jsonl | grep -q "$id" &&
		fail "v1 $act: export.written logged for bytes that were not approved"
	grep '"event":"export.failed"' "$L"/egress-*.jsonl | grep "$id" |
		grep -q "does not match the approved digest" || fail "v1 $act: no export.failed with the reason"
	grep -q '^state=pending' "$STATE/pending/$id.pending" || fail "v1 $act: the request is no longer pending"
	[ "$(blockdev --getro "$dev")" = 1 ] || fail "v1 $act: not read-only after the redeem"
done

# 2. Version 2: a folder's two Class II files; the second's copy altered at the write: that
# file alone is refused, the first is written with its approved digest.
src="$HOME_U/folder"
mkdir -p "$src"
printf 'first Class II file TEST ONLY\n' >"$src/a.txt"
printf 'second Class II file TEST ONLY\n' >"$src/b.txt"
chown -R 65534:65534 "$src"
setfattr -n trusted.futari.class -v II "$src/a.txt"
setfattr -n trusted.futari.class -v II "$src/b.txt"
want_a=$(digest "$src/a.txt")
# The folder's export writes nothing (both wait): the pauses are for the redeem only.
as_user "$FUTARI" export --to alpha --reason "v2 TEST ONLY" -R "$src" >"$TEST_TMP/out" 2>&1 ||
	fail "v2: export -R failed: $(cat "$TEST_TMP/out")"
sign "$src.futari-request" "$TEST_TMP/v2.futari-approval"
id=$(request_id "$TEST_TMP/v2.futari-approval")
spools=$(sed -n 's/^spools=//p' "$STATE/pending/$id.pending")
sp_b="$SPOOL/$(echo "$spools" | cut -d';' -f2).data"
[ -f "$sp_b" ] || fail "v2: no spooled copy $sp_b"
as_user "$FUTARI" redeem "$TEST_TMP/v2.futari-approval" >"$TEST_TMP/bg.out" 2>&1 &
job=$!
# a.txt's pause passes untouched; b.txt's copy is altered at its own pause.
wait_file "$STATE/paused-writing" || fail "v2: the agent never reached the write step"
rm -f "$STATE/paused-writing"
release_pauses alter "$sp_b" 1
wait $job && fail "v2: a redeem with an altered copy exited 0: $(cat "$TEST_TMP/bg.out")"
grep -q "1 of 2 files written" "$TEST_TMP/bg.out" || fail "v2: $(cat "$TEST_TMP/bg.out")"
grep -q "does not match the approved digest" "$TEST_TMP/bg.out" || fail "v2: no reason: $(cat "$TEST_TMP/bg.out")"
[ "$(digest "$mnt/folder/a.txt")" = "$want_a" ] || fail "v2: a.txt is not the approved bytes"
[ -e "$mnt/folder/b.txt" ] && fail "v2: the altered copy of b.txt is on the stick"
n=$(grep '"event":"export.written"' "$L"/egress-*.jsonl | grep -c "$id")
[ "$n" -eq 1 ] || fail "v2: $n export.written records, not 1"
grep '"event":"export.failed"' "$L"/egress-*.jsonl | grep "$id" |
	grep -q "does not match the approved digest" || fail "v2: no export.failed with the reason"
find "$mnt/" -name '.futari-partial-*' | grep -q . && fail "v2: a partial file is left"
[ "$(blockdev --getro "$dev")" = 1 ] || fail "v2: not read-only after the redeem"

# 3. Untouched: a version-1 redeem with the pause but no change writes the approved bytes.
f="$HOME_U/v1-ok.bin"
public_file "$f" 300000 v1ok
chown 65534:65534 "$f"
setfattr -n trusted.futari.class -v II "$f"
want=$(digest "$f")
as_user "$FUTARI" export "$f" --to alpha --dir v1 --reason "v1 ok TEST ONLY" >"$TEST_TMP/out" 2>&1 ||
	fail "v1 ok: export failed: $(cat "$TEST_TMP/out")"
sign "$f.futari-request" "$TEST_TMP/v1-ok.futari-approval"
as_user "$FUTARI" redeem "$TEST_TMP/v1-ok.futari-approval" >"$TEST_TMP/bg.out" 2>&1 &
job=$!
release_pauses none "" 1
wait $job || fail "v1 ok: redeem refused: $(cat "$TEST_TMP/bg.out")"
[ "$(digest "$mnt/v1/v1-ok.bin")" = "$want" ] || fail "v1 ok: not the approved bytes"
exit 0
