#!/bin/sh
# The system's own files on a watched filesystem (issue 14, on by default): with /home on the
# root filesystem (a single-partition install and the packaged agent.conf), every library is
# watched. Classified like a user's file, libcrypto.so.3 looks encrypted (Class II), so curl
# could not load it, and Chromium's resources.pak looks packed. Under `[upload] system`, a
# file owned by root with no group or other write bit and no ACL is the system's own: an
# upload program may open it without a classification. Nothing else is:
# - a dense file owned by the user, or root's with a group write bit, in the same folder:
#   denied (Class II);
# - root's Class I file outside the system folders: denied;
# - the same file bind-mounted by the user onto a system file in a mount namespace of their
#   own (unshare -Urm): curl sees the system path, the agent finds another file there, and
#   denies it.
# - the egress log, on the watched filesystem, naming a file called 極秘…: root's curl (as the
#   monthly rsync collection would) reads it; judged like a user's file it is Class II.
# Before: curl was denied the root-owned "library" (class II file, no approval), and the log.
. "$(dirname "$0")/agent-lib.sh"
agent_enter_ns "$@"
. "$(dirname "$0")/lib.sh"
require_cmd setpriv curl timeout head
agent_setup
user_home

watched_fs 64M
S="$wfs/sys"
mkdir -p "$S/lib" "$wfs/srv" "$wfs/home"
chown 65534:65534 "$wfs/home"
chmod 0755 "$S" "$S/lib" "$wfs/srv"
# A "library": 256 KiB of random bytes, as dense as libcrypto's tables.
head -c 262144 /dev/urandom >"$S/lib/libdense.so.1"
chmod 0644 "$S/lib/libdense.so.1"
head -c 262144 /dev/urandom >"$S/lib/user-owned.bin"
chown 65534:65534 "$S/lib/user-owned.bin"
head -c 262144 /dev/urandom >"$S/lib/group-writable.bin"
chmod 0664 "$S/lib/group-writable.bin"
printf '氏名,個人番号\n山田,379474484458\n' >"$wfs/srv/roster.csv"
chmod 0644 "$wfs/srv/roster.csv"

# The egress log on the watched filesystem, as on a single-partition install.
mkdir -p "$wfs/log"
chmod 0750 "$wfs/log"
sed -i "s|^log-dir = .*|log-dir = $wfs/log|" "$ETC/agent.conf"
grep -q "^log-dir = $wfs/log" "$ETC/agent.conf" || fail "cannot move the log to the watched filesystem"
printf 'secret memo\n' >"$wfs/home/極秘メモ.txt"
chown 65534:65534 "$wfs/home/極秘メモ.txt"
cat >>"$ETC/agent.conf" <<CONF

[upload]
filesystems = $wfs
programs = /usr/bin/curl
system = $S
CONF
start_agent
L="$wfs/log"
curl_size() { # path: bytes curl read (0 when refused)
	as_u timeout 10 curl -s "file://$1" 2>/dev/null | wc -c
}

n=$(curl_size "$S/lib/libdense.so.1")
[ "$n" = 262144 ] || fail "curl could not read a system file (read $n bytes)"
n=$(curl_size "$S/lib/libdense.so.1")
[ "$n" = 262144 ] || fail "curl could not read a system file the second time (read $n bytes)"
out=$(env FUTARI_SOCKET="$SOCK" "$FUTARI" status --json)
echo "$out" | grep -q '"upload_system_files" : [1-9]' ||
	fail "status counts no system file: $out"
if grep -q 'libdense' "$L"/egress-*.jsonl 2>/dev/null; then
	fail "a system file's open was recorded"
fi
echo "ok: a root-owned file under the system folder is read by curl, unrecorded"

# A system file larger than learn-max (libxul, libcrypto): after an ordinary program's first
# open it gets an ignore mark without being read, so its later opens never reach the agent.
head -c 3145728 /dev/urandom >"$S/lib/libbig.so.1"
chmod 0644 "$S/lib/libbig.so.1"
events() { env FUTARI_SOCKET="$SOCK" "$FUTARI" status --json | sed -n 's/.*"upload_events" : \([0-9]*\).*/\1/p'; }
as_u cat "$S/lib/libbig.so.1" >/dev/null || fail "cat cannot read the big system file"
sleep 1
e0=$(events)
for _ in 1 2 3 4 5 6 7 8 9 10; do as_u cat "$S/lib/libbig.so.1" >/dev/null; done
e1=$(events)
[ -n "$e0" ] && [ $((e1 - e0)) -lt 5 ] ||
	fail "ten opens of a big system file reached the agent $((e1 - e0)) times (no ignore mark)"
echo "ok: a big system file is marked after its first open"

n=$(curl_size "$S/lib/user-owned.bin")
[ "$n" = 0 ] || fail "curl read a dense file the user owns in the system folder"
expect_log '"event":"upload.denied".*user-owned.bin' "no upload.denied for the user's dense file"
n=$(curl_size "$S/lib/group-writable.bin")
[ "$n" = 0 ] || fail "curl read a group-writable dense file in the system folder"
expect_log '"event":"upload.denied".*group-writable.bin' "no upload.denied for the group-writable file"
if command -v setfacl >/dev/null 2>&1; then
	cp "$S/lib/libdense.so.1" "$S/lib/acl.bin"
	setfacl -m u:65534:rw "$S/lib/acl.bin" || fail "setfacl failed"
	n=$(curl_size "$S/lib/acl.bin")
	[ "$n" = 0 ] || fail "curl read a dense file a user may write through an ACL"
else
	echo "note: no setfacl here: the ACL case skipped" >&2
fi
n=$(curl_size "$wfs/srv/roster.csv")
[ "$n" = 0 ] || fail "curl read root's Class I file outside the system folders"
echo "ok: what is not the system's own is still judged"

# The log names the marked file (the user's curl is denied it), so the log reads as Class II;
# it is the agent's own output and root's curl, as the collection's rsync, reads it.
n=$(curl_size "$wfs/home/極秘メモ.txt")
[ "$n" = 0 ] || fail "curl read a file whose name is a marking"
expect_log '"event":"upload.denied".*極秘' "no upload.denied for the marked file"
for lf in "$L"/egress-*.jsonl; do
	n=$(timeout 10 curl -s "file://$lf" | wc -c)
	[ "$n" -gt 0 ] || fail "root's curl could not read the egress log $lf"
done
echo "ok: the egress log is read by an upload program"

# The user's own mount namespace: root's roster shows at the library's path.
if as_u unshare -Urm true 2>/dev/null; then
	before=$(cat "$L"/egress-*.jsonl | grep -c '"event":"upload.denied".*"class":"I"')
	out=$(as_u unshare -Urm sh -c \
		"mount --bind '$wfs/srv/roster.csv' '$S/lib/libdense.so.1' && timeout 10 curl -s 'file://$S/lib/libdense.so.1'" \
		2>&1) || true
	case "$out" in *379474484458*) fail "curl read root's Class I file bind-mounted onto a system path" ;; esac
	after=$before
	for _ in $(seq 50); do
		after=$(cat "$L"/egress-*.jsonl | grep -c '"event":"upload.denied".*"class":"I"')
		[ "$after" -gt "$before" ] && break
		sleep 0.1
	done
	[ "$after" -gt "$before" ] || fail "no upload.denied for the bind-mounted roster"
	echo "ok: a user's bind mount onto a system path is judged"
else
	echo "note: no unprivileged user namespaces here: the bind-mount case skipped" >&2
fi

stop_agent
exit 0
