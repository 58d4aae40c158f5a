# Helpers for the BPF LSM taint scenarios (22, 24, 28, 29), sourced after guest/agent.sh:
#   . "$E2E_SRCDIR/guest/taint.sh"
#
# NETWORK RULE: the guest has no network backend (no -nic/-netdev in the harness); only lo
# and our dummy exist, and the "network" peer is a listener on the dummy's TEST-NET-1
# address (guest/recv-server.py).

CURL=/usr/bin/curl
URL=http://192.0.2.1:8080/up
LPID=

# ft_guest CMD…: the guest can run a taint scenario (curl and CMD… there, bpf in the kernel's
# LSM list: a taint scenario must not skip for that), with the dummy interface fut0 up.
ft_guest() {
	local c nets
	[ -x "$CURL" ] || skip "needs $CURL in the guest (the host's userland; packaging/test-deps.txt)"
	for c in "$@"; do
		command -v "$c" >/dev/null || skip "needs $c in the guest"
	done
	mount -t securityfs none /sys/kernel/security 2>/dev/null || true
	grep -qw bpf /sys/kernel/security/lsm ||
		fail "bpf is not in the guest kernel's LSM list ($(cat /sys/kernel/security/lsm 2>&1)): this scenario must not skip"
	modprobe loop 2>/dev/null || true
	modprobe ext4 2>/dev/null || true
	modprobe dummy 2>/dev/null || true
	ip link add fut0 type dummy || fail "cannot add a dummy interface (modprobe dummy)"
	ip addr add 192.0.2.1/24 dev fut0
	ip link set fut0 up
	nets=$(ls /sys/class/net | tr '\n' ' ')
	[ "$nets" = "fut0 lo " ] || fail "the guest has network interfaces besides lo and the dummy: $nets"
}

# ft_watched SIZE: an ext4 image of SIZE on a loop device mounted on $wfs (the watched
# filesystem), a tmpfs on $shm, hanako's folder $U there; all undone at exit.
ft_watched() {
	chmod 0755 "$E2E_SCRATCH"
	img=$E2E_SCRATCH/watched.img
	wfs=$E2E_SCRATCH/wfs
	shm=$E2E_SCRATCH/shm
	mkdir -p "$wfs" "$shm"
	truncate -s "$1" "$img"
	mkfs.ext4 -q -F "$img" || fail "mkfs.ext4 on $img failed"
	wdev=$(losetup --find --show "$img") || fail "no loop device in the guest"
	FE_ON_EXIT='kill $LPID 2>/dev/null; ip link del fut0 2>/dev/null; fe_stop_agent; umount "$wfs" "$shm" 2>/dev/null; losetup -d "$wdev" 2>/dev/null'
	trap 'fe_exit' EXIT
	mount -t ext4 "$wdev" "$wfs" || fail "cannot mount the ext4 image"
	mount -t tmpfs -o mode=1777 tmpfs "$shm" || fail "cannot mount a tmpfs"
	chmod 0755 "$wfs"
	U=$wfs/hanako
	mkdir -p "$U"
	chown hanako: "$U"
}

# ft_browser: the "browser", a copy of curl named firefox-test at $bin/firefox-test, listed
# and exempt (name prefix firefox), and $bin/firefox-tracer (guest/exempt-tracer.c, where the
# guest has gcc), exempt too. curl is also in [upload] names (as in the packaged
# agent.conf): that must not exempt it.
ft_browser() {
	bin=$E2E_SCRATCH/bin
	mkdir -p "$bin"
	cp "$CURL" "$bin/firefox-test"
	chmod 0755 "$bin" "$bin/firefox-test"
	# an exempt program that traces (scenario 28), where the guest has gcc
	if command -v gcc >/dev/null; then
		gcc -O2 -Wall -o "$bin/firefox-tracer" "$E2E_SRCDIR/guest/exempt-tracer.c" ||
			fail "cannot build guest/exempt-tracer.c"
		# not exempt: moves data into a pipe by vmsplice(2) or tee(2) (scenario 22)
		gcc -O2 -Wall -o "$bin/pipe-feed" "$E2E_SRCDIR/guest/pipe-feed.c" ||
			fail "cannot build guest/pipe-feed.c"
		chmod 0755 "$bin/firefox-tracer" "$bin/pipe-feed"
	fi
}

# ft_listener: guest/recv-server.py on 192.0.2.1:8080, appending what it receives to $recv.
ft_listener() {
	local i
	recv=$E2E_SCRATCH/received
	: >"$recv"
	python3 "$E2E_SRCDIR/guest/recv-server.py" "$recv" 192.0.2.1 8080 &
	LPID=$!
	for ((i = 0; i < 50; i++)); do
		python3 -c 'import socket; socket.create_connection(("192.0.2.1", 8080), 1).close()' 2>/dev/null && break
		sleep 0.1
	done
}

# ft_start_agent NAME: futarid with upload control on $wfs (curl and the browser listed),
# config $FE_ETC/agent-taint-NAME.conf; both layers must be on.
ft_start_agent() {
	local progs="$CURL;$bin/firefox-test"
	[ ! -x "$bin/firefox-tracer" ] || progs="$progs;$bin/firefox-tracer"
	FE_CONF=$FE_ETC/agent-taint-$1.conf
	cat "$FE_ETC/agent.conf" - >"$FE_CONF" <<CONF

[upload]
filesystems = $wfs
programs = $progs
names = firefox;curl
${FT_UPLOAD_EXTRA:-}
CONF
	chmod 0644 "$FE_CONF"
	fe_start_agent
	[ "$(ft_status upload_enforcement)" = bpf-lsm+fanotify ] ||
		fail "futari status says '$(ft_status upload_enforcement)' ($(ft_status bpf_lsm_reason)), not bpf-lsm+fanotify"
	"$FUTARI" status | grep -q '^enforcement: *BPF LSM process taint and fanotify' ||
		fail "futari status (text) does not say both layers: $("$FUTARI" status)"
}

# ft_status KEY: one member of `futari status --json`.
ft_status() {
	"$FUTARI" status --json | python3 -c "import json,sys; print(json.load(sys.stdin).get('$1'))"
}

# ft_prime FILE: the agent judges a file when any program opens it (with the taint on, the
# listener's learner classifies every file other programs open, users' own too); its class
# then sits in the inode's BPF storage. Here hanako's cat reads FILE until the agent has
# marked an inode: no upload program is needed.
ft_prime() {
	local i
	for ((i = 0; i < 50; i++)); do
		[ "$(ft_status taint_marked)" -ge 1 ] && return 0
		e2e_as hanako cat "$1" >/dev/null || true
		sleep 0.1
	done
	fail "the agent never marked $1 in BPF inode storage"
}

# ft_learner_idle: wait (at most 240 s) until nothing has waited for the learner for 2 s in a
# row (`upload_learn_waiting`: the opens queued for it or being learnt; 2 s because an open it
# could not learn resolves its pending number just after it leaves the queue).
ft_learner_idle() {
	local since=-1 end=$((SECONDS + 240)) w
	while [ "$SECONDS" -lt "$end" ]; do
		w=$(ft_status upload_learn_waiting)
		if [ "$w" = 0 ]; then
			[ "$since" -ge 0 ] || since=$SECONDS
			[ $((SECONDS - since)) -ge 2 ] && return 0
		else
			since=-1
		fi
		sleep 0.5
	done
	fail "the learner was still behind after 240 s ($w opens waiting; taint: pending marks $(ft_status taint_pending_set), resolved $(ft_status taint_resolved); agent threads: $(for t in /proc/"$AGENT_PID"/task/*; do printf '%s:%s ' "$(cat "$t/comm")" "$(cat "$t/wchan")"; done))"
}

# denials: how many bpf-lsm upload.denied records the log holds.
denials() { cat "$FE_LOG"/egress-*.jsonl | grep -c '"upload.denied".*bpf-lsm' || true; }

# denied_since COUNT WHAT: one more bpf-lsm upload.denied than COUNT appears within 5 s, or
# fail with WHAT.
denied_since() {
	local i
	for ((i = 0; i < 50; i++)); do
		[ "$(denials)" -gt "$1" ] && return 0
		sleep 0.1
	done
	fail "$2"
}
