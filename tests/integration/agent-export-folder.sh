#!/bin/sh
# futari export --recursive (issue 18): a folder goes to the stick as one job, keeping its
# tree, each file classified, written and logged on its own (one export.written record per
# file, with its digest); Class III files go at once, a Class II file inside is held for the
# job's one request (version 2) and is not written; symbolic links, FIFOs and names the
# stick cannot take are refused file by file, in one line each. As an attacker: a folder swapped for a symbolic
# link out of the folder while the job runs, a file swapped for a link or a FIFO, a folder
# that grows during the walk, a folder too deep or too big (refused whole, nothing
# written), control characters in names. The progress bar shows on a terminal only.
. "$(dirname "$0")/agent-lib.sh"
agent_enter_ns "$@"
. "$(dirname "$0")/lib.sh"
require_cmd setpriv setfattr sha256sum mkfifo timeout script
agent_setup
user_home
register_sticks alpha
make_stick alpha 64M
dev=$STICK
# Hundreds of files in a minute: out of the way of the per-minute request limit.
printf '\n[limits]\nrequests-per-minute = 100000\n' >>"$ETC/agent.conf"
start_agent
wait_ro "$dev" || fail "stick not read-only"
mnt="$TEST_TMP/mnt"
mkdir -p "$mnt"
mount "$dev" "$mnt" 2>/dev/null || fail "cannot mount the stick"
defer "umount $mnt 2>/dev/null"
ex() { as_user timeout 120 "$FUTARI" export --to alpha --reason "public event" "$@"; }
digest() { sha256sum <"$1" | cut -d' ' -f1; }

# The tree: Class III files at three levels, a Class II file, a link out of the folder, a
# link inside it, a FIFO, names with a newline and a tab.
src="$HOME_U/photos"
mkdir -p "$src/sub/deep" "$src/$(printf 'tab\tdir')"
public_file "$src/big.txt" 3000000 big
printf 'one\n' >"$src/a.txt"
printf 'two\n' >"$src/sub/b.txt"
printf 'three\n' >"$src/sub/deep/c.txt"
printf 'under a bad folder\n' >"$src/$(printf 'tab\tdir')/d.txt"
printf 'bad name\n' >"$src/$(printf 'new\nline.txt')"
printf 'not utf-8\n' >"$src/$(printf 'latin\351.txt')"
printf 'internal memo\n' >"$src/sub/memo.txt"
ln -s /etc/passwd "$src/out-link"
ln -s a.txt "$src/in-link"
mkfifo "$src/pipe"
chown -R 65534:65534 "$src"
setfattr -n trusted.futari.class -v II "$src/sub/memo.txt"
# A folder the user cannot read (root's, 0700): refused as a whole, the rest goes.
mkdir -m 0700 "$src/locked"
printf 'root only\n' >"$src/locked/x.txt"

ex -R "$src" >"$TEST_TMP/out" 2>"$TEST_TMP/err" && fail "refusals inside, yet exit 0"
for f in big.txt a.txt sub/b.txt sub/deep/c.txt; do
	[ -f "$mnt/photos/$f" ] || fail "photos/$f not on the stick: $(cat "$TEST_TMP/err")"
	[ "$(digest "$mnt/photos/$f")" = "$(digest "$src/$f")" ] || fail "photos/$f differs"
	grep '"event":"export.written"' "$TEST_TMP"/log/egress-*.jsonl |
		grep -q "$(digest "$src/$f")" || fail "photos/$f: no export.written with its digest"
done
[ -e "$mnt/photos/sub/memo.txt" ] && fail "the Class II file was written"
# The Class II file is held for the job's one request (version 2), saved beside the folder.
[ -f "$HOME_U/photos.futari-request" ] || fail "no request for the Class II file: $(cat "$TEST_TMP/out")"
[ -e "$src/sub/memo.txt.futari-request" ] && fail "a request of its own for the Class II file"
grep -q '^version: 2$' "$HOME_U/photos.futari-request" || fail "not a version-2 request"
grep -q '^files: 1$' "$HOME_U/photos.futari-request" || fail "not one file in the request"
grep -q '^file.1: photos/sub/memo.txt$' "$HOME_U/photos.futari-request" || fail "the path is not the one on the stick"
for f in out-link in-link pipe; do
	[ -e "$mnt/photos/$f" ] && fail "$f reached the stick"
done
ls -A "$mnt/photos" | grep -q "line" && fail "a name with a newline reached the stick"
[ -e "$mnt/photos/$(printf 'tab\tdir')" ] && fail "a folder with a tab reached the stick"
grep -q "out-link is a symbolic link" "$TEST_TMP/err" || fail "out-link: $(cat "$TEST_TMP/err")"
grep -q "in-link is a symbolic link" "$TEST_TMP/err" || fail "in-link: $(cat "$TEST_TMP/err")"
grep -q "pipe is not a regular file" "$TEST_TMP/err" || fail "pipe: $(cat "$TEST_TMP/err")"
grep -q 'new\\nline.txt' "$TEST_TMP/err" || fail "newline name: $(cat "$TEST_TMP/err")"
grep -q 'tab\\tdir/d.txt' "$TEST_TMP/err" || fail "tab folder: $(cat "$TEST_TMP/err")"
grep -q 'latin\\xe9.txt' "$TEST_TMP/err" || fail "invalid UTF-8: $(cat "$TEST_TMP/err")"
grep -q "locked cannot be read (Permission denied)" "$TEST_TMP/err" || fail "locked: $(cat "$TEST_TMP/err")"
[ -e "$mnt/photos/locked" ] && fail "an unreadable folder reached the stick"
ls -A "$mnt/photos" | grep -q "latin" && fail "a name that is not UTF-8 reached the stick"
# One line per refusal (7), none with a raw control character, no bar off a terminal.
[ "$(wc -l <"$TEST_TMP/err")" -eq 7 ] || fail "not one line per refusal: $(cat "$TEST_TMP/err")"
LC_ALL=C grep -q "$(printf '[\001-\010\013-\037]')" "$TEST_TMP/err" "$TEST_TMP/out" &&
	fail "a control character reached the terminal"
grep -q "4 written" "$TEST_TMP/out" || fail "summary: $(cat "$TEST_TMP/out")"
grep -q "1 waiting for approval, 7 refused" "$TEST_TMP/out" || fail "summary: $(cat "$TEST_TMP/out")"
n=$(grep -c '"event":"export.written"' "$TEST_TMP"/log/egress-*.jsonl)
[ "$n" -eq 4 ] || fail "$n export.written records for 4 files"

# The same folder again: nothing overwritten, the files get new names.
rm -f "$HOME_U/photos.futari-request"
ex -R "$src/sub" >/dev/null 2>&1
[ -f "$mnt/sub/b.txt" ] || fail "a second folder export did not land"
ex -R "$src/sub" --dir sub >/dev/null 2>&1
[ -f "$mnt/sub/sub/deep/c.txt" ] || fail "--dir with a folder did not keep the tree"
ex -R "$src/sub" >/dev/null 2>&1
[ -f "$mnt/sub/b (2).txt" ] || fail "an existing name was not kept"

# A folder that is a symbolic link, and a folder given without --recursive.
ln -s "$src" "$HOME_U/photos-link"
ex -R "$HOME_U/photos-link" 2>"$TEST_TMP/err" && fail "a linked folder accepted"
grep -q "symbolic link" "$TEST_TMP/err" || fail "linked folder: $(cat "$TEST_TMP/err")"
ex "$src" 2>"$TEST_TMP/err" && fail "a folder without --recursive accepted"
grep -q "with --recursive" "$TEST_TMP/err" || fail "no hint: $(cat "$TEST_TMP/err")"

# Too deep for the stick (the agent takes 16 folders): refused whole, nothing written.
d="$HOME_U/deep"
p="$d"
for i in $(seq 1 17); do p="$p/l$i"; done
mkdir -p "$p"
printf 'deep\n' >"$d/top.txt"
printf 'deep\n' >"$p/bottom.txt"
chown -R 65534:65534 "$d"
ex -R "$d" >"$TEST_TMP/out" 2>"$TEST_TMP/err" && fail "a too deep folder accepted"
grep -q "nested too deeply" "$TEST_TMP/err" || fail "deep: $(cat "$TEST_TMP/err")"
[ -e "$mnt/deep" ] && fail "a part of a refused folder was written"

# Too many entries (more than 100000): refused whole, nothing written.
big="$HOME_U/many"
mkdir -p "$big"
(cd "$big" && seq 1 100001 | xargs touch) || fail "cannot make 100001 files"
chown -R 65534:65534 "$big"
ex -R "$big" >"$TEST_TMP/out" 2>"$TEST_TMP/err" && fail "a huge folder accepted"
grep -q "more than 100000 entries" "$TEST_TMP/err" || fail "many: $(cat "$TEST_TMP/err")"
[ -e "$mnt/many" ] && fail "a part of a refused folder was written"
rm -rf "$big"

# A folder that grows during the walk and the job (a few hundred files appear while the
# job runs): the job ends, and what is on the stick is exactly what the folder held.
g="$HOME_U/grow"
mkdir -p "$g"
chown 65534:65534 "$g"
as_user sh -c 'i=0; while [ $i -lt 300 ]; do i=$((i+1)); echo "$i" >"$1/.t"; mv "$1/.t" "$1/f$i.txt"; done' \
	sh "$g" &
grower=$!
defer "kill_ours $grower"
wait_file "$g/f20.txt" 100 || fail "the folder does not grow"
ex -R "$g" >"$TEST_TMP/out" 2>"$TEST_TMP/err" || true
wait $grower
grep -q "written" "$TEST_TMP/out" || fail "growing folder: $(cat "$TEST_TMP/out" "$TEST_TMP/err")"
for f in "$mnt"/grow/*.txt; do
	[ -e "$f" ] || continue
	[ "$(cat "$f")" = "$(basename "$f" .txt | tr -d f)" ] || fail "$f holds other bytes"
done

# Swapped while the job runs: the CLI has listed the folder; a file on a FUSE mount inside
# it holds the job (its reads stall) while a folder is replaced by a link out of the folder,
# a file by a link and another by a FIFO. None of them may be followed or block.
PY=/usr/bin/python3
if [ -x "$PY" ] && "$PY" -c 'import fusepy' 2>/dev/null && [ -c /dev/fuse ]; then
	r="$HOME_U/race"
	# The CLI sends up to 8 files at a time (EXPORT_IN_FLIGHT): eight stalled files (all
	# read by the agent, which reads 9 of a user's files at once) hold every slot, so the
	# files after them are opened only after the swap.
	stalls="m-stall m-stall2 m-stall3 m-stall4 m-stall5 m-stall6 m-stall7 m-stall8"
	for s in $stalls; do mkdir -p "$r/$s"; done
	mkdir -p "$r/z-sub" "$HOME_U/outside"
	printf 'first\n' >"$r/a.txt"
	printf 'inside\n' >"$r/z-sub/c.txt"
	printf 'x\n' >"$r/x.txt"
	printf 'y\n' >"$r/y.txt"
	printf 'OUTSIDE\n' >"$HOME_U/outside/c.txt"
	chown -R 65534:65534 "$r" "$HOME_U/outside"
	release="$TEST_TMP/release"
	for s in $stalls; do
		"$PY" "$top_srcdir/tests/integration/stallfs.py" "$r/$s" "$release" \
			>"$TEST_TMP/stallfs-$s.log" 2>&1 &
		fuse_pid=$!
		defer "touch $release; umount -l $r/$s 2>/dev/null; kill_ours $fuse_pid"
		i=0
		until [ -f "$r/$s/stall.txt" ]; do
			i=$((i + 1))
			[ $i -le 100 ] || fail "stallfs did not mount: $(cat "$TEST_TMP/stallfs-$s.log")"
			sleep 0.1
		done
	done
	ex -R "$r" >"$TEST_TMP/out" 2>"$TEST_TMP/err" &
	job=$!
	wait_file "$mnt/race/a.txt" 100 || fail "the job did not start: $(cat "$TEST_TMP/err")"
	sleep 0.5
	mv "$r/z-sub" "$r/z-old"
	ln -s "$HOME_U/outside" "$r/z-sub"
	rm "$r/x.txt"
	ln -s /etc/passwd "$r/x.txt"
	rm "$r/y.txt"
	mkfifo "$r/y.txt"
	chown -h 65534:65534 "$r/z-sub" "$r/x.txt" "$r/y.txt"
	touch "$release"
	wait $job && fail "swapped entries, yet exit 0"
	for s in $stalls; do
		[ -f "$mnt/race/$s/stall.txt" ] || fail "the stalled file $s was not written: $(cat "$TEST_TMP/err")"
	done
	[ -e "$mnt/race/z-sub/c.txt" ] && fail "a folder swapped for a link was followed: $(cat "$mnt/race/z-sub/c.txt")"
	[ -e "$mnt/race/x.txt" ] && fail "a file swapped for a link was followed"
	[ -e "$mnt/race/y.txt" ] && fail "a FIFO swapped in was exported"
	grep -q "z-sub/c.txt: a folder on its way was replaced" "$TEST_TMP/err" || fail "z-sub: $(cat "$TEST_TMP/err")"
	grep -q "x.txt is a symbolic link" "$TEST_TMP/err" || fail "x.txt: $(cat "$TEST_TMP/err")"
	grep -q "y.txt is not a regular file" "$TEST_TMP/err" || fail "y.txt: $(cat "$TEST_TMP/err")"
else
	echo "skipping the swap race: needs /usr/bin/python3 with fusepy and /dev/fuse" >&2
fi

# On a terminal: one bar, with bytes, files and rate.
t="$HOME_U/tty"
mkdir -p "$t"
public_file "$t/one.txt" 2000000 one
public_file "$t/two.txt" 2000000 two
chown -R 65534:65534 "$t"
as_user env FUTARI_SOCKET="$SOCK" script -qec \
	"'$FUTARI' export -R '$t' --to alpha --reason tty" /dev/null >"$TEST_TMP/tty.out" 2>&1 ||
	fail "export on a terminal failed: $(cat "$TEST_TMP/tty.out")"
grep -q "/2 files" "$TEST_TMP/tty.out" || fail "no progress bar on a terminal: $(cat -v "$TEST_TMP/tty.out")"
grep -q "/s" "$TEST_TMP/tty.out" || fail "no rate in the bar: $(cat -v "$TEST_TMP/tty.out")"
[ "$(blockdev --getro "$dev")" = 1 ] || fail "the stick is not read-only after the jobs"

# Two exports to one stick at once (issue 18): the second joins or follows the first's write
# session (it was refused "in progress" before); both are written and logged, and the stick
# is read-only when both have answered.
public_file "$HOME_U/both1.bin" 3000000 both1
public_file "$HOME_U/both2.bin" 3000000 both2
chown 65534:65534 "$HOME_U/both1.bin" "$HOME_U/both2.bin"
ex "$HOME_U/both1.bin" --dir both >"$TEST_TMP/both1.out" 2>&1 &
j1=$!
ex "$HOME_U/both2.bin" --dir both >"$TEST_TMP/both2.out" 2>&1 &
j2=$!
wait $j1 || fail "first of two exports at once failed: $(cat "$TEST_TMP/both1.out")"
wait $j2 || fail "second of two exports at once failed: $(cat "$TEST_TMP/both2.out")"
cmp -s "$HOME_U/both1.bin" "$mnt/both/both1.bin" || fail "both1.bin differs on the stick"
cmp -s "$HOME_U/both2.bin" "$mnt/both/both2.bin" || fail "both2.bin differs on the stick"
[ "$(blockdev --getro "$dev")" = 1 ] || fail "the stick is not read-only after two exports at once"
ls "$TEST_TMP/state" | grep -q "^write-" && fail "write state left after two exports at once"
stop_agent
exit 0
