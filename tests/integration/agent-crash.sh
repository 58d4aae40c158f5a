#!/bin/sh
# The write path under stress (DESIGN §6, §8.1): while the agent writes, another process
# writing through the user's mount gets EROFS; the agent killed with SIGKILL at each step of
# the write path leaves the stick read-only to users, and the restarted agent unmounts its
# private mount, sets BLKROSET again and removes the partial file. Killed after the file
# took its name but before the log held the export (step "named", issue 16 item 5), the
# restarted agent removes the named file: the log holds no export of it. Killed once the log
# holds the export but before the write state forgot the file (step "logged"), the restarted
# agent keeps it: recovery never removes a file the log says was written.
. "$(dirname "$0")/agent-lib.sh"
agent_enter_ns "$@"
. "$(dirname "$0")/lib.sh"
require_cmd setpriv sha256sum
agent_setup
user_home
register_sticks alpha
make_stick alpha
dev=$STICK
mnt="$TEST_TMP/mnt"
mkdir -p "$mnt"
public_file "$HOME_U/data.bin" 4000000 databin
chown 65534:65534 "$HOME_U/data.bin"
STATE="$TEST_TMP/state"

user_cannot_write() {
	if err=$(as_user touch "$mnt/evil-$1" 2>&1); then
		fail "$1: a user wrote through the mount"
	fi
	case "$err" in *"Read-only file system"*) ;; *) fail "$1: wrong refusal: $err" ;; esac
	touch "$mnt/evil-root-$1" 2>/dev/null && fail "$1: root wrote through the user's mount"
	as_user dd if=/dev/zero of="$dev" bs=512 count=1 conv=notrunc 2>/dev/null &&
		fail "$1: a user wrote to the block device"
	return 0
}

# Concurrent writer: the agent pauses in the middle of writing; the user's mount refuses.
export FUTARI_TEST_PAUSE_AT=writing
start_agent
unset FUTARI_TEST_PAUSE_AT
wait_ro "$dev" || fail "not read-only"
mount "$dev" "$mnt" 2>/dev/null || fail "cannot mount"
defer "umount $mnt 2>/dev/null"
as_user "$FUTARI" export "$HOME_U/data.bin" --to alpha --reason r >"$TEST_TMP/bg.out" 2>&1 &
job=$!
wait_file "$STATE/paused-writing" || fail "the agent never reached the write step"
[ "$(blockdev --getro "$dev")" = 0 ] || fail "BLKROSET is not cleared during the write?"
user_cannot_write concurrent
echo evil | as_user tee "$mnt/data.bin" >/dev/null 2>&1 && fail "concurrent overwrite succeeded"
rm -f "$STATE/paused-writing"
wait $job || fail "paused export failed: $(cat "$TEST_TMP/bg.out")"
cmp -s "$HOME_U/data.bin" "$mnt/data.bin" || fail "paused export wrote other bytes"
[ "$(blockdev --getro "$dev")" = 1 ] || fail "not read-only after the paused export"
ls -a "$mnt" | grep -q evil && fail "a concurrent writer left a file"
stop_agent

# A job queued at a stick another export holds waits at most [limits] export-queue-seconds,
# then is refused with that reason (and logged); nothing of it reaches the stick.
cp "$ETC/agent.conf" "$TEST_TMP/agent.conf.orig"
printf '\n[limits]\nexport-queue-seconds = 2\n' >>"$ETC/agent.conf"
public_file "$HOME_U/queued.bin" 1000 queued
chown 65534:65534 "$HOME_U/queued.bin"
export FUTARI_TEST_PAUSE_AT=writing
start_agent
unset FUTARI_TEST_PAUSE_AT
as_user "$FUTARI" export "$HOME_U/data.bin" --to alpha --dir q --reason r >"$TEST_TMP/bg.out" 2>&1 &
job=$!
wait_file "$STATE/paused-writing" || fail "queue: the agent never reached the write step"
out=$(as_user "$FUTARI" export "$HOME_U/queued.bin" --to alpha --dir q --reason r 2>&1) &&
	fail "queue: an export went through while another held the stick"
echo "$out" | grep -q "busy with other exports for 2 s" || fail "queue: wrong refusal: $out"
rm -f "$STATE/paused-writing"
wait $job || fail "queue: the held export failed: $(cat "$TEST_TMP/bg.out")"
[ -e "$mnt/q/data.bin" ] || fail "queue: the held export is not on the stick"
[ -e "$mnt/q/queued.bin" ] && fail "queue: the refused export reached the stick"
grep '"event":"export.failed"' "$TEST_TMP"/log/egress-*.jsonl | grep -q "busy with other exports" ||
	fail "queue: the refusal is not logged"
stop_agent
cp "$TEST_TMP/agent.conf.orig" "$ETC/agent.conf"

# SIGKILL at every step.
for step in begin user-mounts-ro mounted blk-rw rw writing synced named logged written; do
	export FUTARI_TEST_PAUSE_AT=$step
	start_agent
	unset FUTARI_TEST_PAUSE_AT
	as_user "$FUTARI" export "$HOME_U/data.bin" --to alpha --dir "k-$step" --reason r \
		>"$TEST_TMP/bg.out" 2>&1 &
	job=$!
	wait_file "$STATE/paused-$step" || fail "$step: the agent never paused there"
	# The batch's state names the log's month when it began: recovery reads the log from
	# there, however long the agent stays down (issue 18).
	case $step in writing | synced | named | logged)
		m=$(sed -n 's/^log-month=\([0-9]\{4\}-[0-9][0-9]\)$/\1/p' "$STATE"/write-*.state)
		[ -n "$m" ] && [ -e "$TEST_TMP/log/egress-$m.jsonl" ] ||
			fail "$step: the write state does not name the log's month: $(cat "$STATE"/write-*.state)" ;;
	esac
	kill -9 "$AGENT_PID"
	wait "$AGENT_PID" 2>/dev/null
	wait $job && fail "$step: the export reported success though the agent died"
	rm -f "$STATE/paused-$step"
	# Dead agent: users still cannot write.
	user_cannot_write "$step-dead"
	# Restart: everything put back.
	start_agent
	[ "$(blockdev --getro "$dev")" = 1 ] || fail "$step: restarted agent left the stick writable"
	grep -q " $STATE/mnt-" /proc/self/mountinfo && fail "$step: private mount left behind"
	ls "$STATE" | grep -q "^write-" && { ls -la "$STATE"; cat "$STATE"/write-*; tail -5 "$TEST_TMP/agent.log"; fail "$step: write state left behind"; }
	find "$mnt/" -name '.futari-partial-*' | grep -q . && fail "$step: partial file left on the stick"
	if [ -e "$mnt/k-$step/data.bin" ]; then
		# Only once the log holds the export does the file get its name.
		case $step in logged | written) ;; *) fail "$step: the file appeared before it was logged" ;; esac
		cmp -s "$HOME_U/data.bin" "$mnt/k-$step/data.bin" || fail "$step: named file is partial"
	else
		case $step in
		logged | written)
			grep '"event":"export.written"' "$TEST_TMP"/log/egress-*.jsonl | grep -q "k-$step/data.bin" ||
				fail "$step: the log holds no export of the file"
			fail "$step: the log says the file was written but it is not on the stick" ;;
		esac
	fi
	grep -q '"event":"export.failed".*interrupted' "$TEST_TMP"/log/egress-*.jsonl ||
		[ "$step" = begin ] || fail "$step: interrupted export not logged"
	user_cannot_write "$step-restarted"
	stop_agent
done
# One write session serves the files of a folder that are ready together, in batches (group
# commit, issue 18). Killed at a later file or batch of a session: users could not write
# meanwhile, and after the restart the stick is read-only, no partial file or write state is
# left, every file on the stick is one the log holds an export of, and every file the log
# holds an export of is on the stick (killed after a batch's records, "logged", the restarted
# agent completes their renames).
many="$HOME_U/many"
mkdir -p "$many"
for i in 1 2 3 4 5 6; do printf 'file %d\n' "$i" >"$many/f$i.txt"; done
chown -R 65534:65534 "$many"
for step in writing@2 synced@2 named@2 logged@1 logged@2 writing@5; do
	base=${step%@*}
	export FUTARI_TEST_PAUSE_AT=$step
	start_agent
	unset FUTARI_TEST_PAUSE_AT
	as_user "$FUTARI" export -R "$many" --to alpha --dir "s-$base-${step#*@}" --reason r \
		>"$TEST_TMP/bg.out" 2>&1 &
	job=$!
	wait_file "$STATE/paused-$base" || fail "$step: the agent never paused there"
	user_cannot_write "session-$step"
	kill -9 "$AGENT_PID"
	wait "$AGENT_PID" 2>/dev/null
	wait $job && fail "$step: the export reported success though the agent died"
	rm -f "$STATE/paused-$base"
	user_cannot_write "session-$step-dead"
	start_agent
	[ "$(blockdev --getro "$dev")" = 1 ] || fail "$step: restarted agent left the stick writable"
	grep -q " $STATE/mnt-" /proc/self/mountinfo && fail "$step: private mount left behind"
	ls "$STATE" | grep -q "^write-" && fail "$step: write state left behind"
	find "$mnt/" -name '.futari-partial-*' | grep -q . && fail "$step: partial file left on the stick"
	n=0
	for f in "$mnt/s-$base-${step#*@}"/many/*; do
		[ -e "$f" ] || continue
		n=$((n + 1))
		name=$(basename "$f")
		grep '"event":"export.written"' "$TEST_TMP"/log/egress-*.jsonl |
			grep -q "s-$base-${step#*@}/many/$name" ||
			fail "$step: $name is on the stick but the log holds no export of it"
		cmp -s "$many/$name" "$f" || fail "$step: $name holds other bytes"
	done
	# ... and every file the log says was written is there (recovery never removes one)
	grep '"event":"export.written"' "$TEST_TMP"/log/egress-*.jsonl |
		grep -o "s-$base-${step#*@}/many/f[0-9]*\.txt" | sort -u >"$TEST_TMP/logged.txt"
	while read -r rel; do
		[ -e "$mnt/$rel" ] || fail "$step: the log says $rel was written but it is not on the stick"
	done <"$TEST_TMP/logged.txt"
	[ "$n" -eq "$(wc -l <"$TEST_TMP/logged.txt")" ] || fail "$step: files and log records differ"
	# (killed once a batch is logged, its files are all there: the last batch may be the
	# whole rest of the folder)
	[ "$n" -lt 6 ] || [ "$base" = logged ] || fail "$step: every file was written though the agent died"
	user_cannot_write "session-$step-restarted"
	stop_agent
done
echo "ok: EROFS for concurrent writers; SIGKILL at every step leaves the stick read-only"
exit 0
