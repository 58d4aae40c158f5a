# Run by the harness in the guest after each scenario that shared its VM with others, so the
# next one starts from a clean state: no mounts or files left in scenario scratch space, no
# runtime udev rules, every remaining sd* disk writable again, udev settled.
set -u
for m in $(awk '$2 ~ "^/tmp/" { print $2 }' /proc/mounts | sort -r); do
	umount -l "$m" || echo "reset: cannot unmount $m" >&2
done
rm -rf /tmp/e2e-* /run/udev/rules.d/*
udevadm control --reload
for d in /sys/block/sd*; do
	[ -e "$d" ] || continue
	for p in "/dev/${d##*/}" "/dev/${d##*/}"[0-9]*; do
		[ -b "$p" ] && blockdev --setrw "$p"
	done
done
udevadm settle --timeout=30
