#!/bin/sh
# Benchmark: what following pipes into upload programs costs (fanotify alone, no BPF LSM:
# agent/fanwatch-pipe.c), side by side in one run:
#   none     no futarid
#   agent    this build, upload control on a watched filesystem holding the files
# Measured per round:
#   pipe     CURLS runs of `printf … | curl -T - file://…` (each start: the user's processes'
#            pipes listed, what the pipe holds copied with tee(2) and classified);
#   plain    CURLS runs of `curl -T file file://…` (no pipe: the start as before);
#   cat      `cat` of FILES small files on the watched filesystem by the same user (first
#            opens), with nothing followed;
#   cat+pipe the same while a pipe into curl is followed (`sleep | curl` running): every open
#            goes to a responder, which lists the opener's descriptors.
# Prints the median over ROUNDS of each, in ms, and agent/none. Run by hand, as root, on a
# quiet machine; not part of `make check`.
#   top_srcdir=$PWD/.. top_builddir=$PWD sh ../bench/upload-pipe.sh [ROUNDS [CURLS [FILES]]]
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
export top_srcdir top_builddir
. "$top_srcdir/tests/integration/agent-lib.sh"
agent_enter_ns "$@"
. "$top_srcdir/tests/integration/lib.sh"
require_cmd setpriv curl python3
rounds=${1:-5}
curls=${2:-20}
nfiles=${3:-2000}
agent_setup
user_home
watched_fs 256M
D="$wfs/home"
mkdir -p "$D/files" "$D/out"
printf 'public minutes of the meeting\n' >"$D/pub.txt"
i=0
while [ $i -lt "$nfiles" ]; do
	printf 'minutes %d, nothing classified\n' $i >"$D/files/f$i.txt"
	i=$((i + 1))
done
chown -R 65534:65534 "$D"
cp "$ETC/agent.conf" "$ETC/base.conf"
cat "$ETC/base.conf" - >"$ETC/agent-pipe.conf" <<CONF

[upload]
filesystems = $wfs
programs = /usr/bin/curl
CONF

ms() { python3 -c 'import time; print(int(time.monotonic() * 1000))'; }
# cats: the user's cat of every file, as fresh versions (first opens each round).
cats() {
	find "$D/files" -type f -exec touch {} +
	as_u sh -c 'cd "$1" && ls | xargs cat >/dev/null' sh "$D/files" || fail "cat failed"
}
# round MODE: "pipe plain cat cat+pipe" in ms.
round() {
	t0=$(ms)
	i=0
	while [ $i -lt "$curls" ]; do
		as_u sh -c "printf 'public minutes\n' | curl -s -T - file://$D/out/p" || fail "$1: piped curl failed"
		i=$((i + 1))
	done
	t1=$(ms)
	i=0
	while [ $i -lt "$curls" ]; do
		as_u curl -s -T "$D/pub.txt" "file://$D/out/q" || fail "$1: curl failed"
		i=$((i + 1))
	done
	t2=$(ms)
	cats
	t3=$(ms)
	as_u sh -c "sleep 600 | curl -s -T - file://$D/out/slow" &
	slow=$!
	sleep 0.5
	t4=$(ms)
	cats
	t5=$(ms)
	pkill -u 65534 -x sleep
	wait "$slow"
	echo "$((t1 - t0)) $((t2 - t1)) $((t3 - t2)) $((t5 - t4))"
}
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

R=$TEST_TMP/results
mkdir -p "$R"
: >"$R/none.txt"
: >"$R/agent.txt"
r=0
while [ $r -lt "$rounds" ]; do
	round none >>"$R/none.txt"
	cp "$ETC/agent-pipe.conf" "$ETC/agent.conf"
	start_agent
	round agent >>"$R/agent.txt"
	stop_agent
	cp "$ETC/base.conf" "$ETC/agent.conf"
	r=$((r + 1))
done
for k in 1 2 3 4; do
	name=$(echo "pipe|curl×$curls curl×$curls cat×$nfiles cat×$nfiles+pipe-followed" | cut -d' ' -f$k)
	n=$(cut -d' ' -f$k "$R/none.txt" | median)
	a=$(cut -d' ' -f$k "$R/agent.txt" | median)
	echo "$name: none $n ms, agent $a ms, ratio $(awk "BEGIN { printf \"%.2f\", ($n > 0 ? $a / $n : 0) }")"
done
