# Issue 14 (on by default): the packaged [upload] group, as a fresh install runs it, on the
# guest's own root filesystem (its /home is not a partition of its own, so every library and
# program on the machine is watched), with the BPF LSM taint active. Every other upload
# scenario watches an ext4 of its own; here: staff's curl still starts and reads a public file
# in their home (before: "libcrypto.so.3: cannot open shared object file: Operation not
# permitted", libcrypto judged Class II); curl and python3 (which load libcrypto and libssl)
# still send to the network; curl cannot read a Class I roster in the home, and a pipe of it
# into curl cannot be sent (the taint); a copy in /run/lock is denied to curl; the system's
# files were opened unclassified (upload_system_files); curl's read of the public file is on
# record (upload.observed: the packaged observe = /home).
# e2e-timeout: 360
. "$E2E_SRCDIR/guest/agent.sh"
fe_setup
CURL=/usr/bin/curl
for c in "$CURL" python3 ip; do
	command -v "$c" >/dev/null || skip "needs $c in the guest"
done
PKG=$E2E_SRCDIR/../../packaging/config/agent.conf
[ -r "$PKG" ] || fail "no packaged agent.conf at $PKG"
mount -t securityfs none /sys/kernel/security 2>/dev/null || true
grep -qw bpf /sys/kernel/security/lsm || fail "bpf is not in the guest kernel's LSM list: must not skip"
modprobe dummy 2>/dev/null || true
ip link add fut7 type dummy || fail "cannot add a dummy interface"
ip addr add 192.0.2.7/24 dev fut7
ip link set fut7 up
URL=http://192.0.2.7:8087/
mkdir -p /run/lock
chmod 1777 /run/lock

H=/home/hanako
[ -d "$H" ] || fail "no home for hanako"
pub=$H/e2e27-minutes.txt
roster=$H/e2e27-roster.csv
e2e_as hanako sh -c "printf 'public minutes of the 27th meeting\n' >'$pub'" || fail "hanako cannot write $pub"
e2e_as hanako sh -c "printf '氏名,個人番号\n山田,379474484458\n佐藤,123456789018\n' >'$roster'" ||
	fail "hanako cannot write $roster"

python3 - <<'PY' &
import socket, threading
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("192.0.2.7", 8087)); s.listen(32)
def serve(c):
    c.settimeout(2.0)
    try:
        while c.recv(65536): pass
    except OSError: pass
    try: c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
    except OSError: pass
    c.close()
while True:
    c, _ = s.accept(); threading.Thread(target=serve, args=(c,), daemon=True).start()
PY
LPID=$!
FE_ON_EXIT='kill $LPID 2>/dev/null; ip link del fut7 2>/dev/null; fe_stop_agent; rm -f "$pub" "$roster" /run/lock/e2e27-copy.csv'
trap 'fe_exit' EXIT
sleep 1

# The packaged [upload] group as it ships (the group runs to the end of the file).
FE_CONF=$FE_ETC/agent-upload-27.conf
{
	cat "$FE_ETC/agent.conf"
	echo
	sed -n '/^\[upload\]/,$p' "$PKG"
} >"$FE_CONF"
chmod 0644 "$FE_CONF"
grep -q '^filesystems = /home$' "$FE_CONF" || fail "the packaged [upload] group does not watch /home: $(cat "$FE_CONF")"
fe_start_agent
status() { "$FUTARI" status --json | python3 -c "import json,sys; print(json.load(sys.stdin).get('$1'))"; }
[ "$(status upload_enforcement)" = bpf-lsm+fanotify ] || fail "no BPF LSM taint: $(status bpf_lsm_reason)"

# diag: the agent's last refusals and counters, for a failure's message.
diag() {
	grep -h '"upload.denied"' "$FE_LOG"/egress-*.jsonl 2>/dev/null | tail -n 4 |
		sed 's/"prev".*//'
	"$FUTARI" status --json | grep -E '"(taint|upload)_(pending|denied|learn|system)[a-z_]*"' | tr -d '\n'
}

# curl starts (its libraries are on the watched root) and reads the public file.
got=$(e2e_as hanako timeout 60 "$CURL" -s "file://$pub" 2>&1) ||
	fail "hanako's curl cannot read a public file with the packaged configuration: $got"
[ "$got" = "public minutes of the 27th meeting" ] || fail "curl read '$got'"
# The packaged observe = /home: curl's open of the public file is egress on record.
fe_log_has '"event":"upload.observed"' e2e27-minutes.txt >/dev/null ||
	fail "no upload.observed for curl's read of the public file in the home"
# Untainted programs that load libcrypto/libssl still send.
e2e_as hanako timeout 60 "$CURL" -s -m 20 -o /dev/null -H Expect: --data-binary @"$pub" "$URL" ||
	fail "hanako's curl cannot post a public file to the network: $(diag)"
e2e_as hanako timeout 60 python3 -c "
import ssl, urllib.request
urllib.request.urlopen(urllib.request.Request('$URL', data=b'hello'), timeout=20).read()
" || fail "python3 (ssl loaded) cannot send to the network: $(diag)"
n=$(status upload_system_files)
[ "$n" -ge 1 ] || fail "no system file was opened unclassified (upload_system_files $n)"
note "system files opened unclassified: $n"

# The roster: curl is denied at open; a pipe into curl is refused by the taint.
rc=0
got=$(e2e_as hanako timeout 60 "$CURL" -s "file://$roster") || rc=$?
[ "$rc" -ne 0 ] && [ -z "$got" ] || fail "hanako's curl read the Class I roster (exit $rc)"
[ "$rc" -ne 124 ] || fail "hanako's curl hung on the roster"
logged=no
for ((i = 0; i < 50; i++)); do
	fe_log_has '"event":"upload.denied"' e2e27-roster.csv >/dev/null && { logged=yes; break; }
	sleep 0.1
done
[ "$logged" = yes ] || fail "no upload.denied for the roster"
if e2e_as hanako timeout 60 bash -c "cat '$roster' | $CURL -s -m 20 -o /dev/null -H Expect: --data-binary @- $URL" \
	>/dev/null 2>&1; then
	fail "cat roster | curl sent the Class I roster to the network"
fi
# A copy in /run/lock (not a mount point of its own, world-writable).
e2e_as hanako cp "$roster" /run/lock/e2e27-copy.csv || fail "hanako cannot copy to /run/lock"
rc=0
got=$(e2e_as hanako timeout 60 "$CURL" -s "file:///run/lock/e2e27-copy.csv") || rc=$?
[ -z "$got" ] || fail "hanako's curl read the roster's copy in /run/lock"
note "packaged upload control on the guest's root: curl and python3 work, the roster stays"
