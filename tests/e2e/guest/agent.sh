# Helpers for the agent scenarios (issue 9), sourced by a scenario after guest/lib.sh:
#   . "$E2E_SRCDIR/guest/agent.sh"
#
# One agent installation per VM boot, in $FE (/var/tmp survives between scenarios of one
# boot, /tmp/e2e-* does not): config, host key, media register, org key, revocation list,
# state, spool and the egress log. So the scenarios write ONE log, and the last scenario
# verifies it and makes the month's report over everything the others did. Each scenario
# starts the agent itself and stops it gracefully when it ends (a trap), so the log holds
# agent.start/agent.stop pairs and no accidental gap.
#
# People (local accounts in the guest, TEST ONLY keys and passphrases):
#   hanako  staff, makes the requests (no approver certificate)
#   alice   supervisor, may approve Class II; her key is made as alice in her own home
#           ("another machine": root never sees her passphrase file outside her home)
#   carol, dave  may approve Class I and II
#   erin    may approve Class I and II (scenario 25: dave's certificate is revoked by 16)
#   The security manager's root key lives in $FE/org (root only).
# Sticks the register knows: serials FUT-AGENT-0001 (CITY-USB-0001), FUT-AGENT-0002
# (CITY-USB-0002). QEMU's usb-storage is 46f4:0001.

FE=/var/tmp/futari-e2e
FE_ETC=$FE/etc
FE_LOG=$FE/log
FE_SOCK=$FE/run/agent.sock
FE_AGENT_LOG=$FE/agent.log
export FUTARI_SOCKET=$FE_SOCK

FUTARID=$(e2e_bin futarid)
FUTARI=$(e2e_bin futari)
APPROVE=$(e2e_bin futari-approve)
AUDIT=$(e2e_bin futari-audit)

# fe_setup: create the installation once per boot (idempotent).
fe_setup() {
	[ -f "$FE/.ready" ] && return 0
	local who
	rm -rf "$FE"
	mkdir -p "$FE_ETC" "$FE/run" "$FE/org" "$FE/share"
	chmod 0755 "$FE" "$FE_ETC" "$FE/run"
	chmod 0700 "$FE/org"
	# A drop box every person can read (the "mail" between requester and supervisor).
	chmod 1777 "$FE/share"
	for who in hanako alice carol dave erin; do e2e_add_user "$who"; done
	# Staff and approvers run the programs from the host's build tree, which may sit in a
	# directory others cannot enter (a checkout in /root): open the way in the guest's
	# overlay only; nothing reaches the host.
	local d
	for d in "$E2E_TOP_BUILDDIR" "$E2E_TOP_SRCDIR"; do
		while [ "$d" != / ] && [ -n "$d" ]; do
			chmod o+x "$d" 2>/dev/null || true
			d=$(dirname "$d")
		done
	done
	cat >"$FE_ETC/agent.conf" <<CONF
[scan-worker]
program = $E2E_TOP_BUILDDIR/agent/futari-scan-worker
user = nobody

[paths]
socket = $FE_SOCK
state-dir = $FE/state
spool-dir = $FE/spool
log-dir = $FE_LOG
host-key = $FE_ETC/host.key
media-register = $FE_ETC/media.conf
org-key = $FE_ETC/org.pub
revocation-list = $FE_ETC/revocations.futari-revocation
label-store = $FE/labels
CONF
	cat >"$FE_ETC/media.conf" <<REG
[asset:CITY-USB-0001]
vid = 46f4
pid = 0001
serial = FUT-AGENT-0001
owner = General Affairs (TEST ONLY)

[asset:CITY-USB-0002]
vid = 46f4
pid = 0001
serial = FUT-AGENT-0002
owner = Finance (TEST ONLY)
REG
	chmod 0644 "$FE_ETC/agent.conf" "$FE_ETC/media.conf"

	# The security manager's root key (TEST ONLY).
	echo 'TEST ONLY root passphrase' >"$FE/org/root.pass"
	fe_root_approve certify --init-root "$FE/org/root" --passphrase-file "$FE/org/root.pass"
	install -m 0644 "$FE/org/root/org.pub" "$FE_ETC/org.pub"
	install -m 0644 "$FE/org/root/org.pub" "$FE/share/org.pub"
	fe_root_approve revoke --root-key "$FE/org/root/org.key" \
		--passphrase-file "$FE/org/root.pass" --out "$FE/org/crl1"
	install -m 0644 "$FE/org/crl1" "$FE_ETC/revocations.futari-revocation"

	# Each approver makes a key pair on "their own machine" (their home, as themselves);
	# the public key goes to the security manager, who certifies it.
	fe_approver alice II info-manager S1001
	fe_approver carol I,II security-manager S1003
	fe_approver dave I,II info-manager S1004
	fe_approver erin I,II info-manager S1005
	touch "$FE/.ready"
}

fe_root_approve() {
	"$APPROVE" "$@" --allow-root >>"$FE/approve.log" 2>&1 ||
		fail "futari-approve $1 (as the security manager) failed: $(tail -3 "$FE/approve.log")"
}

# fe_approver LOGIN CLASSES ROLE ID: keygen as LOGIN in ~/futari-keys, certify as root.
fe_approver() {
	local login=$1 classes=$2 role=$3 id=$4 home
	home=$(getent passwd "$login" | cut -d: -f6)
	e2e_as "$login" sh -c "mkdir -p ~/futari-keys && chmod 0700 ~/futari-keys &&
		echo 'TEST ONLY $login passphrase' > ~/futari-keys/pass &&
		cd ~/futari-keys && '$APPROVE' keygen --name $login --out . --passphrase-file pass" \
		>>"$FE/approve.log" 2>&1 || fail "keygen as $login failed: $(tail -3 "$FE/approve.log")"
	cp "$home/futari-keys/$login.pub" "$FE/org/$login.pub"
	fe_root_approve certify --root-key "$FE/org/root/org.key" --passphrase-file "$FE/org/root.pass" \
		--key "$FE/org/$login.pub" --id "$id" --name "$login (TEST ONLY)" --login "$login" \
		--role "$role" --classes "$classes" --valid-for 30d --out "$FE/org/$login.cert"
	install -o "$login" -m 0644 "$FE/org/$login.cert" "$home/futari-keys/$login.futari-certificate"
}

# fe_sign LOGIN REQUEST OUT [extra…]: LOGIN signs REQUEST with their own key; the approval
# goes to OUT (readable by everyone). Returns futari-approve's status; its output is in
# $FE/sign.out.
fe_sign() {
	local login=$1 req=$2 out=$3 home
	shift 3
	home=$(getent passwd "$login" | cut -d: -f6)
	cp "$req" "$FE/share/$login-in.futari-request"
	chmod 0644 "$FE/share/$login-in.futari-request"
	rm -f "$out"
	e2e_as "$login" "$APPROVE" sign "$FE/share/$login-in.futari-request" \
		--key "$home/futari-keys/$login.key" --passphrase-file "$home/futari-keys/pass" \
		--root "$FE/share/org.pub" --out "$FE/share/$login-out.futari-approval" "$@" \
		>"$FE/sign.out" 2>&1 || return 1
	install -m 0644 "$FE/share/$login-out.futari-approval" "$out"
	rm -f "$FE/share/$login-out.futari-approval"
}

# fe_start_agent: start futarid (appending to $FE_AGENT_LOG), wait for its socket, and stop
# it gracefully when the scenario ends. Installs the project's udev rule first. Sets
# AGENT_PID. $FE_CONF names another configuration (default $FE_ETC/agent.conf).
fe_start_agent() {
	e2e_install_udev_rule "$E2E_TOP_SRCDIR/packaging/udev/61-futari-usb-readonly.rules"
	rm -f "$FE_SOCK"
	"$FUTARID" --config "${FE_CONF:-$FE_ETC/agent.conf}" --foreground >>"$FE_AGENT_LOG" 2>&1 &
	AGENT_PID=$!
	trap 'fe_exit' EXIT
	# The guest's timeout ends an over-time scenario with SIGTERM: exit through the EXIT trap,
	# so the agent's log still reaches the artifacts (bash runs it once the running command
	# returns; the guest kills the group 5 s after the TERM).
	trap 'echo "FAIL: scenario stopped by SIGTERM (over its e2e-timeout?)" >&2; exit 124' TERM
	# (bounded by time, 180 s: with [upload] futarid loads the BPF LSM programs before its
	# socket, and the kernel's verifier takes about a minute for them under TCG)
	local until=$((SECONDS + 180))
	while [ ! -S "$FE_SOCK" ]; do
		if [ "$SECONDS" -gt "$until" ] || ! kill -0 "$AGENT_PID" 2>/dev/null; then
			tail -n 20 "$FE_AGENT_LOG" >&2
			fail "futarid did not start (see the lines above)"
		fi
		sleep 0.1
	done
}

# fe_exit: the scenario's own cleanup ($FE_ON_EXIT), then the agent stopped gracefully.
fe_exit() {
	eval "${FE_ON_EXIT:-true}" || true
	# What the agent said, for the host's artifacts when the scenario failed (before the
	# stop, which fails the scenario itself when the agent does not exit 0).
	[ -z "${E2E_ARTIFACTS:-}" ] || cp "$FE_AGENT_LOG" "$E2E_ARTIFACTS/agent.log" 2>/dev/null || true
	fe_stop_agent
}

# fe_stop_agent: SIGTERM; the agent must exit 0.
fe_stop_agent() {
	[ -n "${AGENT_PID:-}" ] || return 0
	local pid=$AGENT_PID rc=0
	AGENT_PID=
	kill "$pid" 2>/dev/null || return 0
	wait "$pid" || rc=$?
	[ "$rc" -eq 0 ] || { tail -n 20 "$FE_AGENT_LOG" >&2; fail "futarid exited $rc on SIGTERM"; }
}

# fe_wait_ro DEV…: wait up to 10 s until every DEV is read-only at the block layer.
fe_wait_ro() {
	local d i
	for d in "$@"; do
		for ((i = 0; i < 100; i++)); do
			[ "$(blockdev --getro "$d")" = 1 ] && continue 2
			sleep 0.1
		done
		fail "$d is not read-only (BLKROGET 0) 10 s after the agent saw it"
	done
}

# fe_mount DEV MNT: mount the stick as a user's desktop would (a rw request; the block
# layer makes it ro).
fe_mount() {
	mkdir -p "$2"
	local uid
	uid=$(id -u hanako)
	mount -t vfat -o "uid=$uid" "$1" "$2" 2>/dev/null || mount -t vfat -o "ro,uid=$uid" "$1" "$2" ||
		fail "cannot mount $1"
}

# fe_no_writes DISK PART MNT: nobody but the agent can write: through the mount (as hanako
# and as root), and raw to disk and partition (as root).
fe_no_writes() {
	local dev
	if e2e_as hanako touch "$3/evil-user" 2>/dev/null; then fail "hanako wrote through $3"; fi
	if touch "$3/evil-root" 2>/dev/null; then fail "root wrote through the mount $3"; fi
	for dev in "$1" "$2"; do
		if dd if=/dev/zero of="$dev" bs=512 count=1 seek=100 conv=notrunc,fsync status=none 2>/dev/null; then
			fail "a raw write to $dev succeeded"
		fi
	done
}

# fe_staff_file NAME BYTES [CLASS]: a file in hanako's home; CLASS sets the root-only label.
# Prints its path.
fe_staff_file() {
	local f=/home/hanako/$1
	yes "futari e2e $1 line, nothing secret in it" | head -c "$2" >"$f"
	chown hanako: "$f"
	[ -z "${3:-}" ] || setfattr -n trusted.futari.class -v "$3" "$f"
	echo "$f"
}

# fe_log_has PATTERN…: the log lines matching every PATTERN (grep -F each), at least one.
fe_log_has() {
	local lines
	lines=$(cat "$FE_LOG"/egress-*.jsonl)
	for p in "$@"; do
		lines=$(printf '%s\n' "$lines" | grep -F -- "$p") || return 1
	done
	printf '%s\n' "$lines"
}

sha() { sha256sum <"$1" | cut -d' ' -f1; }

# fe_cert_serial LOGIN: the serial of LOGIN's approver certificate (what the log records).
fe_cert_serial() { sed -n 's/^serial: //p' "$FE/org/$1.cert"; }
