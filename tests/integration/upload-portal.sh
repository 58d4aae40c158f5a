#!/bin/sh
# The document portal (issue 14): a Flatpak or snap browser reaches the user's files through
# the portal's FUSE view ($XDG_RUNTIME_DIR/doc/ID/NAME), which futarid does not mark (a
# user's FUSE daemon could stall it). But each open there makes xdg-document-portal, running
# as the user, open the real file on the watched filesystem, and that open futarid sees: the
# packaged agent.conf lists the portal as an upload program, so a Class I file read through
# the portal is denied (upload.denied names the portal), a Class III file goes out on record
# (upload.observed), and the same file opened directly by cat is untouched. Runs the real
# futarid, the real xdg-document-portal on a private session bus, and the program lists of
# packaging/config/agent.conf. Before: the packaged list had no portal, and a browser in a
# Flatpak read the Class I file through the portal with no record.
. "$(dirname "$0")/agent-lib.sh"
agent_enter_ns "$@"
. "$(dirname "$0")/lib.sh"
require_cmd setpriv dbus-run-session timeout
PORTAL=/usr/libexec/xdg-document-portal
[ -x "$PORTAL" ] || skip "needs $PORTAL (package xdg-desktop-portal)"
[ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'from gi.repository import Gio' 2>/dev/null ||
	skip "needs python3-gi"
[ -c /dev/fuse ] || skip "needs /dev/fuse"
command -v fusermount3 >/dev/null 2>&1 || skip "needs fusermount3 (fuse3)"
CONF_SRC="$top_srcdir/packaging/config/agent.conf"
programs=$(grep '^programs = ' "$CONF_SRC") || fail "no programs line in $CONF_SRC"
names=$(grep '^names = ' "$CONF_SRC") || fail "no names line in $CONF_SRC"
agent_setup

watched_fs 64M
U="$wfs/home/hanako"
RT="$TEST_TMP/runtime"
mkdir -p "$U" "$RT"
printf '氏名,個人番号\n山田,379474484458\n' >"$U/staff.csv"
public_file "$U/minutes.txt" 3000 "minutes"
chown -R 65534:65534 "$wfs/home" "$RT"
chmod 0700 "$RT"
chmod -R a+rX "$wfs/home"
defer "umount -l '$RT/doc' 2>/dev/null"

cat >>"$ETC/agent.conf" <<CONF

[upload]
filesystems = $wfs
$programs
$names
observe = $wfs/home
CONF
start_agent
L="$TEST_TMP/log"

# As the user, on a session bus of their own: hand both files to the portal, then read them
# through its view (what the sandboxed browser does) and directly.
# The session's script and what it finds live in a folder of the user's own.
SESS="$TEST_TMP/session"
mkdir -p "$SESS"
chown 65534:65534 "$SESS"
chmod 0700 "$SESS"
chmod 0711 "$TEST_TMP"
cat >"$SESS/session.sh" <<SESSION
set -u
out="$SESS/out"
s=\$(/usr/bin/python3 "$top_srcdir/tests/integration/portal-add.py" "$U/staff.csv") || exit 3
m=\$(/usr/bin/python3 "$top_srcdir/tests/integration/portal-add.py" "$U/minutes.txt") || exit 3
echo "staff=\$s minutes=\$m" >"\$out.paths"
timeout 10 cat "\$s" >"\$out.staff" 2>"\$out.staff.err"; echo \$? >"\$out.staff.rc"
timeout 10 cat "\$m" >"\$out.minutes" 2>"\$out.minutes.err"; echo \$? >"\$out.minutes.rc"
timeout 10 cat "$U/staff.csv" >"\$out.direct"
exit 0
SESSION
chmod 0644 "$SESS/session.sh"
as_u env HOME="$U" XDG_RUNTIME_DIR="$RT" timeout 60 dbus-run-session -- /bin/sh "$SESS/session.sh" \
	>"$TEST_TMP/session.log" 2>&1
rc=$?
[ $rc -ne 3 ] || skip "the document portal does not run here: $(tail -3 "$TEST_TMP/session.log")"
[ $rc -eq 0 ] || fail "the user's session ended with $rc: $(tail -5 "$TEST_TMP/session.log")"
O="$SESS/out"
echo "# through the portal: $(cat "$O.paths")"

grep -q 379474484458 "$O.direct" || fail "cat could not read the Class I file directly"
[ "$(cat "$O.staff.rc")" != 0 ] && ! grep -q 379474484458 "$O.staff" ||
	fail "the Class I file was read through the document portal"
echo "ok: the Class I file is refused through the portal ($(head -1 "$O.staff.err"))"
expect_log '"event":"upload.denied".*xdg-document-portal.*staff\.csv\|"event":"upload.denied".*staff\.csv.*xdg-document-portal' \
	"no upload.denied naming the portal and staff.csv"

[ "$(cat "$O.minutes.rc")" = 0 ] && grep -q "minutes public report" "$O.minutes" ||
	fail "the Class III file could not be read through the portal: $(cat "$O.minutes.err")"
expect_log '"event":"upload.observed".*xdg-document-portal.*minutes\.txt\|"event":"upload.observed".*minutes\.txt.*xdg-document-portal' \
	"the Class III file read through the portal has no upload.observed"
echo "ok: the Class III file goes out through the portal, on record"
grep -h "upload\.\(denied\|observed\)" "$L"/egress-*.jsonl | sed "s/^/# /" | cut -c1-600
stop_agent
exit 0
