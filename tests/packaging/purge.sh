#!/bin/sh
# futari-agent's postrm purge (run here on a scratch root through DPKG_ROOT): state goes,
# log months younger than the 13-month retention stay, older month files go, other files in
# the log directory stay, and the host key stays while any log stays.
. "$top_srcdir/tests/integration/lib.sh"
postrm="$top_srcdir/packaging/debian/futari-agent.postrm"
root="$TEST_TMP/root"

# month_ago N: YYYY-MM of N months before the current UTC month.
month_ago() {
	ym=$(date -u +%Y-%m)
	n=$(( ${ym%-*} * 12 + $(echo "${ym#*-}" | sed 's/^0//') - 1 - $1 ))
	printf '%04d-%02d\n' $((n / 12)) $((n % 12 + 1))
}

setup() {
	rm -rf "$root"
	mkdir -p "$root/var/lib/futari/spool" "$root/var/log/futari" "$root/etc/futari" "$root/run/futari"
	echo x >"$root/var/lib/futari/spool/a"
	echo key >"$root/etc/futari/host.key"
	for n in "$@"; do echo '{}' >"$root/var/log/futari/egress-$(month_ago "$n").jsonl"; done
}

setup 0 1 12 13 14 30
echo w >"$root/var/log/futari/witness.txt"
echo '{}' >"$root/var/log/futari/egress-2026-13.jsonl"   # not a month: never touched
echo '{}' >"$root/var/log/futari/egress-0999-01.jsonl"   # not a plausible year: kept
DPKG_ROOT=$root sh "$postrm" purge || fail "postrm purge failed"
[ ! -e "$root/var/lib/futari" ] || fail "purge left /var/lib/futari"
[ ! -e "$root/run/futari" ] || fail "purge left /run/futari"
for n in 0 1 12 13; do
	[ -f "$root/var/log/futari/egress-$(month_ago "$n").jsonl" ] ||
		fail "purge deleted the log of $(month_ago "$n"), $n months old (retention 13)"
done
for n in 14 30; do
	[ ! -e "$root/var/log/futari/egress-$(month_ago "$n").jsonl" ] ||
		fail "purge kept the log of $(month_ago "$n"), $n months old"
done
for f in witness.txt egress-2026-13.jsonl egress-0999-01.jsonl; do
	[ -f "$root/var/log/futari/$f" ] || fail "purge deleted $f, which is not a month file"
done
[ -f "$root/etc/futari/host.key" ] || fail "purge deleted the host key while logs remain"

# Only expired months: the log directory and the host key go.
setup 14 20
DPKG_ROOT=$root sh "$postrm" purge || fail "postrm purge failed"
[ ! -e "$root/var/log/futari" ] || fail "purge left an empty-after-retention log directory"
[ ! -e "$root/etc/futari" ] || fail "purge left /etc/futari with nothing kept in it"

# Not purge: nothing is touched.
setup 30
DPKG_ROOT=$root sh "$postrm" remove || fail "postrm remove failed"
[ -f "$root/var/lib/futari/spool/a" ] && [ -f "$root/var/log/futari/egress-$(month_ago 30).jsonl" ] ||
	fail "postrm remove deleted files"
echo "ok: purge keeps log months within the retention and the host key with them"
