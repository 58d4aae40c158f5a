# Helpers for e2e scenarios, sourced inside the guest before each scenario (never run alone).
# A scenario exits 0 when it passes, 77 when it cannot run here (say why), anything else when
# it fails; the first "FAIL: …" line on stderr becomes the test's failure message.
#
# Environment set by the host for each scenario:
#   E2E_SRCDIR, E2E_TOP_SRCDIR, E2E_TOP_BUILDDIR   host paths, visible in the guest
#   E2E_SCENARIO                                   the scenario's name (NN-name)
#   E2E_SCRATCH                                    an empty directory for this scenario
#   E2E_ARTIFACTS                                  files put here are copied to the host's
#                                                  tests/artifacts/e2e/NN-name/
#   E2E_STICKS                                     names of the scenario's sticks
#   E2E_STICK_<NAME>_SERIAL, _LABEL, _UUID         what the stick image and device carry
#   E2E_STICK_<NAME>_PLUGGED                       1 when plugged in as the scenario starts

E2E_WAIT=${E2E_WAIT:-60}

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

skip() {
	echo "SKIP: $*" >&2
	exit 77
}

note() {
	echo "# $*"
}

# Ask the host to do something (plug, unplug, …) and wait for its answer. Returns 0 when the
# host says ok; otherwise prints the host's reason on stderr and returns 1.
e2e_host() {
	local reply why
	echo "REQ $*" >&3 || fail "control port closed"
	IFS= read -r -t 120 reply <&3 || fail "no answer from the host to: $*"
	case "$reply" in
	"ACK ok") return 0 ;;
	"ACK err "*)
		why=${reply#ACK err }
		echo "host refused '$*': $why" >&2
		return 1
		;;
	*) fail "unexpected host reply to '$*': $reply" ;;
	esac
}

# e2e_stick_var NAME FIELD: the value of E2E_STICK_<NAME>_<FIELD>.
e2e_stick_var() {
	local v="E2E_STICK_${1^^}_${2}"
	[ -n "${!v+x}" ] || fail "scenario has no stick named '$1' (declare it with # e2e-stick:)"
	printf '%s\n' "${!v}"
}

# The whole-disk block devices (sdX) whose USB serial is SERIAL, one per line.
e2e_disks_by_serial() {
	local d
	for d in /sys/block/sd*; do
		[ -e "$d" ] || continue
		# grep without -q reads all input: no SIGPIPE for udevadm under pipefail.
		if udevadm info --query=property --name="/dev/${d##*/}" 2>/dev/null |
			grep -xF "ID_SERIAL_SHORT=$1" >/dev/null; then
			echo "/dev/${d##*/}"
		fi
	done
}

# e2e_wait_disk SERIAL [SECONDS]: wait until the disk with that serial exists and udev has
# processed it and its first partition (when it has a partition table); print its path.
e2e_wait_disk() {
	local serial=$1 limit=${2:-$E2E_WAIT} i disk
	[ -n "$serial" ] || fail "e2e_wait_disk: empty serial"
	for ((i = 0; i < limit * 2; i++)); do
		disk=$(e2e_disks_by_serial "$serial" | head -n1)
		# A disk with a partition table counts once udev has seen its first partition too.
		if [ -n "$disk" ] && { [ -z "$(e2e_udev_prop "$disk" ID_PART_TABLE_TYPE)" ] ||
			[ -n "$(e2e_udev_prop "${disk}1" ID_FS_TYPE)" ]; }; then
			udevadm settle --timeout="$limit" || fail "udevadm settle timed out"
			echo "$disk"
			return 0
		fi
		sleep 0.5
	done
	fail "no disk with USB serial $serial appeared within ${limit}s"
}

# e2e_wait_gone SERIAL [SECONDS]: wait until no disk has that serial any more.
e2e_wait_gone() {
	local serial=$1 limit=${2:-$E2E_WAIT} i
	[ -n "$serial" ] || fail "e2e_wait_gone: empty serial"
	for ((i = 0; i < limit * 2; i++)); do
		if [ -z "$(e2e_disks_by_serial "$serial")" ]; then
			udevadm settle --timeout="$limit" || fail "udevadm settle timed out"
			return 0
		fi
		sleep 0.5
	done
	fail "the disk with USB serial $serial was still present ${limit}s after unplug"
}

# e2e_plug NAME: hot-plug the stick NAME into the xHCI bus and wait for its disk; prints it.
e2e_plug() {
	local serial
	serial=$(e2e_stick_var "$1" SERIAL) || exit 1
	e2e_host plug "$1" || fail "the host could not plug stick $1"
	e2e_wait_disk "$serial"
}

# e2e_unplug NAME: pull the stick NAME out and wait until its disk is gone.
e2e_unplug() {
	local serial
	serial=$(e2e_stick_var "$1" SERIAL) || exit 1
	e2e_host unplug "$1" || fail "the host could not unplug stick $1"
	e2e_wait_gone "$serial"
}

# e2e_fs_dev NAME: the block device holding the stick's filesystem (its first partition,
# or the whole disk for a stick made without a partition table).
e2e_fs_dev() {
	local disk serial
	serial=$(e2e_stick_var "$1" SERIAL) || exit 1
	disk=$(e2e_wait_disk "$serial") || exit 1
	if [ -e "${disk}1" ]; then echo "${disk}1"; else echo "$disk"; fi
}

# e2e_udev_prop DEV KEY: the value udev recorded for KEY on DEV (empty when unset).
e2e_udev_prop() {
	{ udevadm info --query=property --name="$1" 2>/dev/null || true; } | sed -n "s/^$2=//p"
}

# e2e_expect_prop DEV KEY VALUE: fail unless udev recorded KEY=VALUE on DEV.
e2e_expect_prop() {
	local got
	got=$(e2e_udev_prop "$1" "$2")
	[ "$got" = "$3" ] || fail "$1: udev property $2 is '$got', expected '$3'"
}

# e2e_bin NAME: the path of a program built in the host's build tree (agent/ or approver/),
# or skip the scenario when it was not built.
e2e_bin() {
	local d
	for d in agent approver; do
		if [ -x "$E2E_TOP_BUILDDIR/$d/$1" ]; then
			echo "$E2E_TOP_BUILDDIR/$d/$1"
			return 0
		fi
	done
	skip "needs $1 built in $E2E_TOP_BUILDDIR (run make first)"
}

# e2e_install_udev_rule FILE: add a udev rule for this scenario (in /run/udev/rules.d, which
# the harness empties after each scenario) and make udevd load it.
e2e_install_udev_rule() {
	mkdir -p /run/udev/rules.d
	cp "$1" /run/udev/rules.d/ || fail "cannot install udev rule $1"
	udevadm control --reload || fail "udevadm control --reload failed"
}

# e2e_add_user LOGIN: create a local account in the guest (the overlay keeps it from the host).
e2e_add_user() {
	id "$1" >/dev/null 2>&1 && return 0
	useradd --create-home --shell /bin/bash "$1" || fail "useradd $1 failed"
}

# e2e_as LOGIN COMMAND…: run COMMAND as LOGIN (a requester, an approver) with a login-like
# environment; returns its exit status.
e2e_as() {
	local login=$1
	shift
	runuser -u "$login" -- env HOME="$(getent passwd "$login" | cut -d: -f6)" USER="$login" \
		LOGNAME="$login" "$@"
}
