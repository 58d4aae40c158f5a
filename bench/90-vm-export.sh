# Benchmark (issue 18), not a test: futari export to a real (virtual) USB stick — QEMU's
# usb-storage on an xHCI controller, vfat, the guest's own kernel under TCG — against
# `cp` + `sync` of the same bytes to the same stick, side by side in one boot:
#   one file of VM_EXPORT_MIB MiB (default 128), and a folder of VM_EXPORT_FILES small files
#   (default 200, 200 B to 4 KiB each, `futari export -R` against `cp -r` + `sync`).
# Rounds (VM_EXPORT_ROUNDS, default 3) alternate which goes first; medians and ratios are
# printed. Run from the host with bench/vm-export.sh. TCG emulates every instruction, so the
# absolute times say nothing about a real PC; the ratio is the figure.
# e2e-stick: b1 serial=FUT-AGENT-0001 label=OFFICE1 size=1024
# e2e-timeout: 1800
. "$E2E_SRCDIR/guest/agent.sh"
size_mib=${VM_EXPORT_MIB:-128}
nfiles=${VM_EXPORT_FILES:-200}
rounds=${VM_EXPORT_ROUNDS:-3}
fe_setup
fe_start_agent
disk=$(e2e_plug b1)
part=${disk}1
fe_wait_ro "$disk" "$part"
mnt=$E2E_SCRATCH/mnt
base=$E2E_SCRATCH/base
mkdir -p "$base"
FE_ON_EXIT='umount "$base" 2>/dev/null; umount "$mnt" 2>/dev/null'
fe_mount "$part" "$mnt"

big=$(fe_staff_file vm-bench.bin $((size_mib * 1024 * 1024)))
src=/home/hanako/vm-bench-folder
rm -rf "$src"
mkdir -p "$src"
awk -v n="$nfiles" -v d="$src" 'BEGIN {
	srand(7);
	for (i = 0; i < n; i++) {
		f = sprintf("%s/f%04d.txt", d, i);
		len = 200 + int(rand() * 3900);
		s = "";
		while (length(s) < len)
			s = s sprintf("public notice %d line %d, nothing classified here\n", i, length(s));
		printf "%s", substr(s, 1, len) > f;
		close(f);
	}
}'
chown -R hanako: "$src"
cat "$big" "$src"/* >/dev/null

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f\n", b - a }'; }

# The baseline's writable view of the stick: the agent keeps the device read-only, so the
# flag is cleared for the baseline's copy and set again afterwards (the agent's own exports
# make their own private writable mount).
stick_rw() {
	blockdev --setrw "$disk" "$part"
	mount --bind "$mnt" "$base" && mount -o remount,bind,rw "$base" && mount -o remount,rw "$base" ||
		fail "cannot make a writable mount of the stick for the baseline"
}
stick_ro() {
	mount -o remount,ro "$base"
	umount "$base"
	mount -o remount,bind,ro "$mnt"
	blockdev --setro "$part" "$disk"
}
clear_stick() {
	stick_rw
	rm -rf "$base"/bench* "$base"/vm-bench* "$base"/base*
	sync -f "$base"
	stick_ro
}

base_file() {
	stick_rw
	t0=$(now)
	cp "$big" "$base/base.bin" && sync -f "$base/base.bin" || fail "baseline copy failed"
	t1=$(now)
	stick_ro
	secs "$t0" "$t1"
}
agent_file() {
	t0=$(now)
	e2e_as hanako "$FUTARI" export "$big" --to CITY-USB-0001 --dir "bench$1" --reason bench \
		>/dev/null || fail "export through the agent failed"
	t1=$(now)
	[ "$(sha "$mnt/bench$1/vm-bench.bin")" = "$(sha "$big")" ] || fail "the exported file differs"
	secs "$t0" "$t1"
}
base_folder() {
	stick_rw
	t0=$(now)
	cp -r "$src" "$base/basedir" && sync -f "$base/basedir" || fail "baseline folder copy failed"
	t1=$(now)
	stick_ro
	secs "$t0" "$t1"
}
agent_folder() {
	t0=$(now)
	e2e_as hanako "$FUTARI" export -R "$src" --to CITY-USB-0001 --dir "bench$1" --reason bench \
		>/dev/null || fail "folder export through the agent failed"
	t1=$(now)
	diff -r "$src" "$mnt/bench$1/vm-bench-folder" >/dev/null || fail "the exported folder differs"
	secs "$t0" "$t1"
}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
: >"$E2E_SCRATCH/bf"; : >"$E2E_SCRATCH/af"; : >"$E2E_SCRATCH/bd"; : >"$E2E_SCRATCH/ad"
agent_file warm >/dev/null # the first export pays one-time costs (first private mount)
for ((r = 1; r <= rounds; r++)); do
	clear_stick
	if [ $((r % 2)) -eq 1 ]; then
		b=$(base_file); a=$(agent_file "$r")
	else
		a=$(agent_file "$r"); b=$(base_file)
	fi
	echo "$b" >>"$E2E_SCRATCH/bf"; echo "$a" >>"$E2E_SCRATCH/af"
	echo "file round $r: cp+sync ${b}s, futari export ${a}s"
	clear_stick
	if [ $((r % 2)) -eq 1 ]; then
		b=$(base_folder); a=$(agent_folder "$r")
	else
		a=$(agent_folder "$r"); b=$(base_folder)
	fi
	echo "$b" >>"$E2E_SCRATCH/bd"; echo "$a" >>"$E2E_SCRATCH/ad"
	echo "folder round $r: cp -r+sync ${b}s, futari export -R ${a}s"
done
clear_stick
bf=$(median <"$E2E_SCRATCH/bf"); af=$(median <"$E2E_SCRATCH/af")
bd=$(median <"$E2E_SCRATCH/bd"); ad=$(median <"$E2E_SCRATCH/ad")
awk -v b="$bf" -v a="$af" -v m="$size_mib" \
	'BEGIN { printf "VM USB stick, %d MiB file: cp+sync %.2fs, futari export %.2fs: %.2fx\n", m, b, a, a / b }'
awk -v b="$bd" -v a="$ad" -v n="$nfiles" \
	'BEGIN { printf "VM USB stick, %d small files: cp -r+sync %.2fs, futari export -R %.2fs: %.2fx\n", n, b, a, a / b }'
