#!/bin/bash
# Stage 2 of the e2e guest: PID 1 after switch_root, running the host's own userland from the
# read-only 9p share under a tmpfs overlay. It brings up the usual API filesystems and a real
# systemd-udevd, then serves the host over the control port (a virtio-serial port named
# org.futari.e2e.ctl), one line per message:
#   guest -> host  READY <kernel>          booted, udev settled, waiting for work
#                  DONE <tag> <status>     the command <tag> finished with this exit status
#                  REQ <verb> <args…>      a running command asks the host to act (plug, …)
#   host -> guest  RUN <tag> <seconds>     run /run/e2e/<tag>.cmd with bash, bounded in time
#                  ACK ok | ACK err <why>  answer to a REQ
#                  POWEROFF                shut down now
# Commands write their stdout and stderr to /run/e2e/<tag>.out and .err, which is a writable
# 9p share of a host directory, so the host reads them without going through the port.
set -u
PATH=/usr/sbin:/usr/bin:/sbin:/bin
export PATH LC_ALL=C.UTF-8 HOME=/root TERM=dumb

say() { echo "e2e-guest: $*" >/dev/console; }
halt() {
	sync
	umount /run/e2e 2>/dev/null
	busybox poweroff -f
	# Only reached if poweroff failed: exiting PID 1 panics, and panic=1 with -no-reboot ends
	# QEMU, so the host never waits on a stuck guest.
	exit 1
}

mount -t proc -o nosuid,nodev,noexec proc /proc || { say "cannot mount /proc"; halt; }
read -r started _ </proc/uptime
mount -t sysfs -o nosuid,nodev,noexec sysfs /sys
mountpoint -q /dev || mount -t devtmpfs -o mode=0755 devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts -o gid=5,mode=620 devpts /dev/pts
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
mount -t tmpfs -o mode=0755,nosuid,nodev tmpfs /run
mount -t tmpfs -o mode=1777 tmpfs /tmp
mount -t tmpfs -o mode=0755 tmpfs /var/tmp
mount -t cgroup2 cgroup2 /sys/fs/cgroup 2>/dev/null
# Loopback only (no NIC): enough for a local server in upload scenarios.
ip link set lo up 2>/dev/null || busybox ip link set lo up
mkdir -p /run/e2e
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 results /run/e2e ||
	{ say "cannot mount the results share (9p tag results)"; halt; }
hostname futari-e2e

ctl=""
for p in /sys/class/virtio-ports/*; do
	[ "$(cat "$p/name" 2>/dev/null)" = org.futari.e2e.ctl ] && ctl=/dev/${p##*/}
done
[ -n "$ctl" ] || { say "no virtio-serial port org.futari.e2e.ctl"; halt; }
exec 3<>"$ctl"

# The host's udev rules run against the guest's devices: the real rules, the real daemon.
/lib/systemd/systemd-udevd --daemon --resolve-names=never || { say "systemd-udevd failed"; halt; }
udevadm trigger --type=subsystems --action=add
udevadm trigger --type=devices --action=add
udevadm settle --timeout=60 || say "udevadm settle timed out at boot"

say "stage 2 started at $started s, udev settled at $(cut -d' ' -f1 /proc/uptime) s of guest uptime"
echo "READY $(uname -r)" >&3

while read -r verb tag secs rest <&3; do
	case "$verb" in
	RUN)
		case "$tag" in *[!A-Za-z0-9_.-]* | "")
			# Answer at once, so the host fails now instead of at its deadline.
			echo "DONE invalid-tag 2" >&3
			continue
			;;
		esac
		case "$secs" in *[!0-9]* | "") secs=60 ;; esac
		# A process group of its own, so whatever the command leaves behind is killed
		# before the next one starts: scenarios stay independent.
		(cd /tmp && exec setsid timeout -k 5 "$secs" bash "/run/e2e/$tag.cmd" \
			</dev/null >"/run/e2e/$tag.out" 2>"/run/e2e/$tag.err") &
		pid=$!
		wait "$pid"
		status=$?
		pkill -KILL -s "$pid" 2>/dev/null
		sync
		echo "DONE $tag $status" >&3
		;;
	POWEROFF) break ;;
	"") ;;
	*) say "unknown host message: $verb" ;;
	esac
done
say "powering off"
pkill -TERM -x systemd-udevd
halt
