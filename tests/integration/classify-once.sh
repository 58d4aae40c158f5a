#!/bin/sh
# futari classify reads a file's content once (issue 17): with upload control on, the open
# the CLI makes is an open like any other, and the agent's learner may classify the file
# too. Counted by what the content-parser workers read (/proc/PID/io rchar): each
# `futari classify` of a 60 KB file adds one file's worth, not two. (Under 64 KiB: the
# worker reads that much with pread; a larger text file is mapped, which rchar does not
# count.)
. "$(dirname "$0")/agent-lib.sh"
agent_enter_ns "$@"
. "$(dirname "$0")/lib.sh"
require_cmd setpriv timeout ps mkfs.ext4 losetup truncate
agent_setup
user_home

watched_fs 64M
U="$wfs/home"
mkdir -p "$U"
chown 65534:65534 "$U"
cat >>"$ETC/agent.conf" <<CONF

[upload]
filesystems = $wfs
programs = /usr/bin/curl
CONF
start_agent

workers() {
	ps -o pid=,comm= --ppid "$AGENT_PID" | awk '$2 ~ /^futari-scan-wor/ {print $1}'
}
# bytes read by the workers alive now (the test fails if they change)

workers_read() {
	total=0
	for w in $(workers); do
		r=$(sed -n 's/^rchar: //p' "/proc/$w/io" 2>/dev/null)
		total=$((total + ${r:-0}))
	done
	echo "$total"
}

i=0
while [ $i -lt 2300 ]; do
	printf '%d,会議資料,%07d\n' $i $((i * 7919 % 10000000))
	i=$((i + 1))
done >"$U/notes.csv"
chown 65534:65534 "$U/notes.csv"
size=$(stat -c %s "$U/notes.csv")
[ "$size" -gt 50000 ] && [ "$size" -lt 65536 ] || fail "the file is $size bytes, not 50-64 KB"
for n in 1 2 3 4; do
	before=$(workers_read)
	wb=$(workers)
	out=$(as_user "$FUTARI" classify "$U/notes.csv" 2>&1)
	echo "$out" | grep -q 'Class III$' || fail "classify $n: $out"
	# the learner works after the open is allowed: give it time to read, if it does
	sleep 1
	after=$(workers_read)
	[ "$(workers)" = "$wb" ] || fail "the workers changed during request $n: '$wb' -> '$(workers)'"
	read=$((after - before))
	echo "classify $n: the workers read $read bytes"
	[ $read -ge $size ] || fail "request $n: the workers read $read bytes, less than the file"
	[ $read -lt $((2 * size)) ] ||
		fail "request $n: the workers read $read bytes of a $size-byte file (read twice?)"
done
stop_agent
exit 0
