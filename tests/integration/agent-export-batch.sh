#!/bin/sh
# Group commit (issue 18): two users export folders with the same names into the same
# folder of one stick at the same time, so the agent's batches mix their files and several
# files of one batch want the same name. Every file lands once, no two get one name (the
# second becomes "name (2).ext"), each name on the stick has exactly one export.written record
# whose digest is that file's, every source file's bytes are on the stick, and no temporary
# file or write state is left.
. "$(dirname "$0")/agent-lib.sh"
agent_enter_ns "$@"
. "$(dirname "$0")/lib.sh"
require_cmd setpriv sha256sum timeout
[ -x /usr/bin/python3 ] || skip "needs /usr/bin/python3"
agent_setup
user_home
register_sticks alpha
make_stick alpha 64M
dev=$STICK
printf '\n[limits]\nrequests-per-minute = 100000\n' >>"$ETC/agent.conf"
start_agent
wait_ro "$dev" || fail "stick not read-only"
mnt="$TEST_TMP/mnt"
mkdir -p "$mnt"
mount "$dev" "$mnt" 2>/dev/null || fail "cannot mount the stick"
defer "umount $mnt 2>/dev/null"

n=40
for who in a b; do
	mkdir -p "$HOME_U/$who/same"
	i=1
	while [ $i -le $n ]; do
		printf '%s file %d\n' "$who" "$i" >"$HOME_U/$who/same/f$i.txt"
		i=$((i + 1))
	done
done
chown -R 65534:65534 "$HOME_U/a"
chown -R 65533:65533 "$HOME_U/b"
chmod 0755 "$HOME_U"
run_as() { # uid, then futari's arguments
	u=$1
	shift
	timeout 120 setpriv --reuid="$u" --regid="$u" --clear-groups env FUTARI_SOCKET="$SOCK" \
		"$FUTARI" export --to alpha --dir x --reason "public event" "$@"
}
run_as 65534 -R "$HOME_U/a/same" >"$TEST_TMP/a.out" 2>&1 &
ja=$!
run_as 65533 -R "$HOME_U/b/same" >"$TEST_TMP/b.out" 2>&1 &
jb=$!
wait $ja || fail "user a's export failed: $(cat "$TEST_TMP/a.out")"
wait $jb || fail "user b's export failed: $(cat "$TEST_TMP/b.out")"

[ "$(blockdev --getro "$dev")" = 1 ] || fail "the stick is not read-only after the exports"
ls "$TEST_TMP/state" | grep -q "^write-" && fail "write state left behind"
find "$mnt/" -name '.futari-partial-*' | grep -q . && fail "a temporary file is left on the stick"
count=$(find "$mnt/x/same" -type f | wc -l)
[ "$count" -eq $((2 * n)) ] || fail "$count files on the stick, want $((2 * n))"
/usr/bin/python3 - "$mnt" "$TEST_TMP"/log/egress-*.jsonl <<'PY' || fail "the log and the stick disagree"
import hashlib, json, os, sys
mnt, logs = sys.argv[1], sys.argv[2:]
written = {}
for path in logs:
    with open(path, encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            if r.get("event") != "export.written":
                continue
            name = r["detail"]["written"]
            if not name.startswith("x/same/"):
                continue
            if name in written:
                sys.exit("two export.written records name " + name)
            written[name] = r["object"]["sha256"]
on_stick = {}
for name in os.listdir(os.path.join(mnt, "x/same")):
    with open(os.path.join(mnt, "x/same", name), "rb") as f:
        on_stick["x/same/" + name] = hashlib.sha256(f.read()).hexdigest()
if set(written) != set(on_stick):
    sys.exit("logged %d names, %d on the stick: %s" % (len(written), len(on_stick),
             sorted(set(written) ^ set(on_stick))[:5]))
for name, digest in on_stick.items():
    if written[name] != digest:
        sys.exit(name + " holds other bytes than its record says")
PY
for who in a b; do
	for f in "$HOME_U/$who"/same/*.txt; do
		d=$(sha256sum <"$f" | cut -d' ' -f1)
		found=0
		for g in "$mnt"/x/same/*; do
			[ "$(sha256sum <"$g" | cut -d' ' -f1)" = "$d" ] && found=1 && break
		done
		[ $found = 1 ] || fail "$f is not on the stick"
	done
done
echo "ok: two users' folders of the same names through shared batches, every file once, named apart and logged"
exit 0
