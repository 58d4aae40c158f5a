#!/bin/sh
# Builds the .debs (packaging/build-deb.sh, lintian without errors), installs them with apt
# into a clean Debian 12 root made by debootstrap, and checks the result there: installed
# files, conffiles, the unit (systemd-analyze verify, enabled, exposure figure), tmpfiles
# directories, `futarid --check` on the default config, the man pages (man -l, no warning),
# bash completion, then purge: state gone, log months within the retention kept.
#
# Root, a Debian mirror and a few minutes (the base root is cached, see FUTARI_CI_CACHE).
# usage: deb.sh [DEBDIR]   with DEBDIR: test those .debs instead of building them.
# Exit 0 pass, 77 skip (with the reason), anything else fail. Prints the time of each step.
#
# Environment: FUTARI_CI_CACHE (default /var/cache/futari-ci) holds the debootstrapped base
# root as a tarball and apt's downloaded archives between runs; FUTARI_DEBIAN_MIRROR
# overrides the mirror found in /etc/apt/sources.list*.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$top_srcdir/tests/integration/lib.sh"
require_root "debootstrap, chroot, mounts"
require_cmd debootstrap chroot tar mount umount dpkg-deb

t0=$(date +%s)
step() { echo "--- $* (+$(( $(date +%s) - t0 ))s)"; }

cache=${FUTARI_CI_CACHE:-/var/cache/futari-ci}
mkdir -p "$cache/apt-archives/partial" || skip "cannot create the cache $cache"

# The mirror apt already uses (deb.debian.org unless configured otherwise).
mirror=${FUTARI_DEBIAN_MIRROR:-}
if [ -z "$mirror" ]; then
	mirror=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
		grep -oE 'https?://[^ ]*/debian/?( |$)' | grep -v security | head -1 | tr -d ' ')
	mirror=${mirror:-http://deb.debian.org/debian}
fi

# --- the packages ---------------------------------------------------------------------
debs=${1:-}
if [ -z "$debs" ]; then
	require_cmd dpkg-buildpackage dh lintian
	step "building the packages"
	debs="$TEST_TMP/debs"
	"$top_srcdir/packaging/build-deb.sh" --lintian "$debs" >"$TEST_TMP/build-deb.log" 2>&1 || {
		cat "$TEST_TMP/build-deb.log" >&2
		fail "packaging/build-deb.sh failed (or lintian found errors)"
	}
	grep -E '^[EW]: ' "$TEST_TMP/build-deb.log" | sed 's/^/  lintian: /'
fi
agent_deb=$(ls "$debs"/futari-agent_*.deb 2>/dev/null | head -1)
approver_deb=$(ls "$debs"/futari-approver_*.deb 2>/dev/null | head -1)
common_deb=$(ls "$debs"/futari-common_*.deb 2>/dev/null | head -1)
[ -n "$agent_deb" ] && [ -n "$approver_deb" ] && [ -n "$common_deb" ] || fail "no .debs in $debs"

# --- a clean Debian 12 root -----------------------------------------------------------
# The base holds what every run needs and no futari dependency beyond libc: apt must resolve
# the packages' own Depends, which is part of what is tested.
base_pkgs="systemd,udev,man-db,bash-completion,ca-certificates"
base="$cache/bookworm-base-$(echo "$base_pkgs" | cksum | cut -d' ' -f1).tar"
if [ ! -s "$base" ]; then
	step "debootstrap bookworm from $mirror (cached in $base for later runs)"
	bs="$TEST_TMP/bootstrap"
	debootstrap --variant=minbase --include="$base_pkgs" bookworm "$bs" "$mirror" \
		>"$TEST_TMP/debootstrap.log" 2>&1 || {
		tail -20 "$TEST_TMP/debootstrap.log" >&2
		grep -qiE 'resolv|connect|download|Failed getting release' "$TEST_TMP/debootstrap.log" &&
			skip "debootstrap cannot reach $mirror"
		fail "debootstrap failed"
	}
	tar -C "$bs" -cf "$base.tmp.$$" . && mv "$base.tmp.$$" "$base" || fail "cannot write $base"
	rm -rf "$bs"
fi
step "unpacking the base root"
root="$TEST_TMP/root"
mkdir "$root" && tar -C "$root" -xf "$base" || fail "cannot unpack $base"

mount -t proc proc "$root/proc" || fail "cannot mount /proc in the root"
defer "umount -l '$root/proc'"
mount --bind "$cache/apt-archives" "$root/var/cache/apt/archives" || fail "cannot bind the apt cache"
defer "umount -l '$root/var/cache/apt/archives'"
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null
echo "deb $mirror bookworm main" >"$root/etc/apt/sources.list"
# No service may start inside the root (there is no systemd running in it anyway).
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d" && chmod +x "$root/usr/sbin/policy-rc.d"
in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 \
	DEBIAN_FRONTEND=noninteractive "$@"; }

step "apt-get install ./futari-*.deb"
mkdir "$root/debs" && cp "$agent_deb" "$approver_deb" "$common_deb" "$root/debs/"
in_root apt-get -q update >"$TEST_TMP/apt.log" 2>&1 || {
	tail -5 "$TEST_TMP/apt.log" >&2
	skip "apt-get update cannot reach $mirror inside the root"
}
in_root sh -c 'apt-get install -y -q --no-install-recommends /debs/*.deb' >>"$TEST_TMP/apt.log" 2>&1 || {
	tail -30 "$TEST_TMP/apt.log" >&2
	fail "apt-get install of the .debs failed"
}

# --- what got installed ---------------------------------------------------------------
step "checking the installed files"
for f in /usr/sbin/futarid /usr/bin/futari /usr/bin/futari-approve \
	/lib/systemd/system/futarid.service /lib/udev/rules.d/61-futari-usb-readonly.rules \
	/usr/lib/tmpfiles.d/futari.conf /etc/futari/agent.conf \
	/usr/share/doc/futari-agent/examples/media.conf /usr/share/doc/futari/agent.md \
	/usr/share/bash-completion/completions/futari \
	/usr/share/bash-completion/completions/futari-approve \
	/usr/share/bash-completion/completions/futari-audit \
	/usr/share/man/man8/futarid.8.gz /usr/share/man/man1/futari.1.gz \
	/usr/share/man/man5/futari.conf.5.gz /usr/share/man/man1/futari-approve.1.gz \
	/usr/share/man/man1/futari-approver.1.gz /usr/share/man/man1/futari-audit.1.gz \
	/usr/share/man/man1/futari-notify.1.gz; do
	[ -e "$root$f" ] || fail "$f is not installed"
done
# Programs other branches add are packaged when the build has them.
for f in futari-audit futari-approver futari-notify; do
	if [ -e "$root/usr/bin/$f" ]; then echo "  also installed: /usr/bin/$f"; fi
done
in_root dpkg-query -W -f='${Conffiles}\n' futari-agent | grep -q '^ /etc/futari/agent.conf ' ||
	fail "/etc/futari/agent.conf is not a conffile"
for d in /var/lib/futari /var/log/futari; do
	[ "$(stat -c '%a %U' "$root$d" 2>/dev/null)" = "700 root" ] ||
		fail "$d should exist, 0700 root (tmpfiles.d); is: $(stat -c '%a %U' "$root$d" 2>&1)"
done
[ "$(stat -c '%a %U' "$root/etc/futari")" = "755 root" ] || fail "/etc/futari is not 0755 root"
in_root futarid --help >/dev/null || fail "futarid does not run in the root (missing library?)"
in_root futari-approve --help >/dev/null || fail "futari-approve does not run in the root"

step "the unit"
in_root systemctl is-enabled futarid.service >"$TEST_TMP/enabled" 2>&1
[ "$(cat "$TEST_TMP/enabled")" = "enabled" ] || fail "futarid.service is not enabled: $(cat "$TEST_TMP/enabled")"
in_root systemd-analyze verify /lib/systemd/system/futarid.service >"$TEST_TMP/verify" 2>&1 || {
	cat "$TEST_TMP/verify" >&2
	fail "systemd-analyze verify rejects futarid.service"
}
# verify only warns about some mistakes: any line naming the unit is a finding.
if grep -v -e '^$' "$TEST_TMP/verify" | grep -q .; then
	cat "$TEST_TMP/verify" >&2
	fail "systemd-analyze verify warns about futarid.service"
fi
in_root systemd-analyze security --offline=yes /lib/systemd/system/futarid.service \
	>"$TEST_TMP/security" 2>&1
grep 'Overall exposure level' "$TEST_TMP/security" | sed 's/^→ */  /' || fail "no exposure figure"
grep -q '^Type=notify' "$root/lib/systemd/system/futarid.service" || fail "the unit is not Type=notify"

step "futarid --check on the default configuration"
out=$(in_root futarid --check 2>&1) || fail "futarid --check fails on the default config: $out"
echo "  $out"
# ... and it does look at the file: a typo is refused with file and line.
cp "$root/etc/futari/agent.conf" "$TEST_TMP/agent.conf.orig"
printf '[usb]\nexport-to-unregistred = true\n' >>"$root/etc/futari/agent.conf"
in_root futarid --check >/dev/null 2>&1 && fail "futarid --check accepted an unknown key"
cp "$TEST_TMP/agent.conf.orig" "$root/etc/futari/agent.conf"

step "man pages"
for p in futarid futari futari.conf futari-approve futari-approver futari-audit futari-notify; do
	w=$(in_root sh -c "MANWIDTH=80 man --warnings $p 2>&1 >/dev/null") || fail "man $p fails: $w"
	[ -z "$w" ] || fail "man $p warns: $w"
	in_root sh -c "MANWIDTH=80 man $p 2>/dev/null" | grep -q . || fail "man $p is empty"
done
for f in "$root"/usr/share/man/man*/futari*; do
	w=$(MANWIDTH=80 man --warnings -l "$f" 2>&1 >/dev/null)
	[ -z "$w" ] || fail "man -l ${f#"$root"} warns: $w"
done

step "bash completion"
got=$(in_root bash -c '. /usr/share/bash-completion/bash_completion
	COMP_WORDS=(futari-approve s); COMP_CWORD=1; COMP_LINE="futari-approve s"; COMP_POINT=16
	_completion_loader futari-approve; _futari_cli futari-approve s futari-approve 2>/dev/null
	echo "${COMPREPLY[*]}"')
[ "$got" = "show sign" ] || fail "completion of 'futari-approve s' gave '$got'"

# --- the agent running under the hardened unit ----------------------------------------
# Boots the root with systemd as PID 1 (systemd-nspawn) so the unit really runs: Type=notify
# readiness, the capability bounding set, NoNewPrivileges, the system-call filter, reload.
# The container has no USB devices: the write path itself is the integration tests' job.
if command -v systemd-nspawn >/dev/null 2>&1 && command -v nsenter >/dev/null 2>&1; then
	step "booting the root with systemd (systemd-nspawn)"
	umount "$root/var/cache/apt/archives" && umount "$root/proc" || fail "cannot unmount in the root"
	# Upload control is on by default, and a futarid in another pid namespace (the
	# container's) refuses to run it: fanotify names every process outside that namespace
	# as pid 0. The unit must fail at boot with that reason; the rest runs without [upload].
	# nspawn's own system-call filter refuses fanotify unless asked, and /home, /tmp,
	# /var/tmp and /var/mail get tmpfs of the container's own, so that nothing the agent
	# might mark is the host's filesystem.
	systemd-nspawn -q --register=no --keep-unit -D "$root" -b --console=pipe \
		--system-call-filter='fanotify_init fanotify_mark' --tmpfs=/home --tmpfs=/var/tmp \
		--tmpfs=/var/mail --tmpfs=/tmp \
		>"$TEST_TMP/nspawn.log" 2>&1 &
	nspawn_pid=$!
	init=""
	i=0
	while [ -z "$init" ] && [ $i -lt 300 ] && kill -0 "$nspawn_pid" 2>/dev/null; do
		init=$(ps -o pid=,comm= --ppid "$nspawn_pid" 2>/dev/null | awk '$2 == "systemd" { print $1; exit }')
		i=$((i + 1))
		sleep 0.1
	done
	if [ -z "$init" ]; then
		echo "  not checked: systemd-nspawn cannot boot a container here: $(tail -3 "$TEST_TMP/nspawn.log" | tr '\n' ' ')"
	else
		defer "kill $nspawn_pid 2>/dev/null; wait $nspawn_pid 2>/dev/null"
		N="nsenter -t $init -a"
		# Until the container's systemd answers on its bus, then until start-up is done.
		i=0
		while ! $N systemctl is-system-running >/dev/null 2>&1 && [ $i -lt 60 ]; do
			case "$($N systemctl is-system-running 2>/dev/null)" in
			running | degraded | maintenance | stopping) break ;;
			esac
			i=$((i + 1))
			sleep 1
		done
		state=$($N timeout 90 systemctl is-system-running --wait 2>/dev/null)
		echo "  system state: $state"
		# Restart=always: the unit goes on failing and restarting every RestartSec.
		for _ in $(seq 60); do
			$N journalctl -b -u futarid.service --no-pager -o cat >"$TEST_TMP/journal-upload"
			grep -q "upload control needs futarid in the machine's own pid namespace" \
				"$TEST_TMP/journal-upload" && break
			sleep 0.5
		done
		grep -q "upload control needs futarid in the machine's own pid namespace" "$TEST_TMP/journal-upload" || {
			cat "$TEST_TMP/journal-upload" >&2
			fail "futarid in a container with [upload] did not say why it cannot run"
		}
		active=$($N systemctl is-active futarid.service 2>&1)
		[ "$active" != "active" ] || fail "futarid.service is active in a container with [upload]"
		$N systemctl stop futarid.service
		echo "  refused in the container's pid namespace: $(grep -o "upload control needs[^:]*" "$TEST_TMP/journal-upload" | head -1)"
		sed -i '/^\[upload\]/,$d' "$root/etc/futari/agent.conf"
		$N systemctl reset-failed futarid.service
		$N systemctl start futarid.service
		active=$($N systemctl is-active futarid.service 2>&1)
		[ "$active" = "active" ] || {
			$N journalctl -b -u futarid.service --no-pager -o cat >&2
			fail "futarid.service is '$active' after boot, not active"
		}
		main=$($N systemctl show -p MainPID --value futarid.service)
		st=$($N cat "/proc/$main/status")
		echo "$st" | grep -q '^CapBnd:[[:space:]]*00000000002c0002$' ||
			fail "futarid's bounding set is not SYS_ADMIN DAC_OVERRIDE SYS_PTRACE SYS_CHROOT: $(echo "$st" | grep CapBnd)"
		echo "$st" | grep -q '^NoNewPrivs:[[:space:]]*1$' || fail "futarid runs without NoNewPrivileges"
		echo "$st" | grep -q '^Seccomp:[[:space:]]*2$' || fail "futarid runs without a seccomp filter"
		$N futari status >"$TEST_TMP/status" 2>&1 || {
			cat "$TEST_TMP/status" >&2
			fail "futari status fails against the running agent"
		}
		sed 's/^/  /' "$TEST_TMP/status"
		$N systemctl reload futarid.service || fail "systemctl reload futarid failed"
		# The agent says RELOADING=1 and then READY=1: "reloading" until it is done.
		state=""
		for _ in $(seq 100); do
			state=$($N systemctl is-active futarid.service)
			[ "$state" = "reloading" ] || break
			sleep 0.1
		done
		if [ "$state" != "active" ]; then
			$N journalctl -b -u futarid.service --no-pager -o cat | tail -20 >&2
			fail "futarid is '$state' after a reload"
		fi
		[ -s "$root/etc/futari/host.key" ] && [ "$(stat -c '%a %U' "$root/etc/futari/host.key")" = "600 root" ] ||
			fail "the first start did not create /etc/futari/host.key 0600 root"
		$N systemctl stop futarid.service
		$N journalctl -b -u futarid.service --no-pager -o cat | sed 's/^/  journal: /' | tail -8
		$N systemctl poweroff >/dev/null 2>&1
		wait "$nspawn_pid" 2>/dev/null
		cp "$TEST_TMP/agent.conf.orig" "$root/etc/futari/agent.conf"
	fi
	mount -t proc proc "$root/proc" || fail "cannot mount /proc in the root"
	mount --bind "$cache/apt-archives" "$root/var/cache/apt/archives" || fail "cannot bind the apt cache"
else
	echo "  not checked: the running unit (no systemd-nspawn; package systemd-container)"
fi

# --- purge ----------------------------------------------------------------------------
step "purge keeps the log months within the retention"
month_ago() {
	ym=$(date -u +%Y-%m)
	n=$(( ${ym%-*} * 12 + $(echo "${ym#*-}" | sed 's/^0//') - 1 - $1 ))
	printf '%04d-%02d\n' $((n / 12)) $((n % 12 + 1))
}
for n in 0 13 14; do echo '{}' >"$root/var/log/futari/egress-$(month_ago "$n").jsonl"; done
echo key >"$root/etc/futari/host.key" && chmod 600 "$root/etc/futari/host.key"
mkdir -p "$root/var/lib/futari/spool" && echo x >"$root/var/lib/futari/spool/f"
in_root apt-get purge -y -q futari-agent >>"$TEST_TMP/apt.log" 2>&1 || {
	tail -20 "$TEST_TMP/apt.log" >&2
	fail "apt-get purge futari-agent failed"
}
[ ! -e "$root/usr/sbin/futarid" ] || fail "futarid is still installed after purge"
[ ! -e "$root/etc/futari/agent.conf" ] || fail "purge left the conffile"
[ ! -e "$root/var/lib/futari" ] || fail "purge left /var/lib/futari"
[ ! -e "$root/etc/systemd/system/multi-user.target.wants/futarid.service" ] ||
	fail "purge left the unit enabled"
for n in 0 13; do
	[ -f "$root/var/log/futari/egress-$(month_ago "$n").jsonl" ] ||
		fail "purge deleted the log month $(month_ago "$n") (within the 13-month retention)"
done
[ ! -e "$root/var/log/futari/egress-$(month_ago 14).jsonl" ] || fail "purge kept an expired month"
[ -f "$root/etc/futari/host.key" ] || fail "purge deleted the host key the kept logs are signed with"
[ -e "$root/usr/bin/futari-approve" ] || fail "purging the agent removed futari-approve"

step "done"
echo "ok: packages build, pass lintian, install, verify and purge cleanly ($(( $(date +%s) - t0 ))s)"
