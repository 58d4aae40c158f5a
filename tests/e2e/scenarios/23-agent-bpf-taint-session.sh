# Issue 14 (2): what the BPF LSM taint costs a desktop-like session. After the agent has
# judged a labelled Class II file, a scripted session (an editor, an indexer, a thumbnailer,
# a shell, a display-server-like unix socket service) reads it; the scenario records which
# processes and which of their output files end up tainted (cannot send to the network any
# more) and checks that list, which docs/upload-control.md reproduces; and that services listed
# in [upload] taint-exempt-peers (by program, by socket file) are not tainted. Network: only a dummy
# interface with a TEST-NET-1 address and a listener in the guest, as in 22.
# e2e-timeout: 420
. "$E2E_SRCDIR/guest/agent.sh"
fe_setup
CURL=/usr/bin/curl
for c in "$CURL" python3 vim grep find ip; do
	command -v "$c" >/dev/null || skip "needs $c in the guest"
done
mount -t securityfs none /sys/kernel/security 2>/dev/null || true
grep -qw bpf /sys/kernel/security/lsm || fail "bpf is not in the guest kernel's LSM list: must not skip"
modprobe loop 2>/dev/null || true
modprobe ext4 2>/dev/null || true
modprobe dummy 2>/dev/null || true
ip link add fut1 type dummy || fail "cannot add a dummy interface"
ip addr add 192.0.2.1/24 dev fut1
ip link set fut1 up
nets=$(ls /sys/class/net | tr '\n' ' ')
[ "$nets" = "fut1 lo " ] || fail "the guest has network interfaces besides lo and the dummy: $nets"
URL=http://192.0.2.1:8081/

chmod 0755 "$E2E_SCRATCH"
img=$E2E_SCRATCH/watched.img
wfs=$E2E_SCRATCH/wfs
mkdir -p "$wfs"
truncate -s 32M "$img"
mkfs.ext4 -q -F "$img" || fail "mkfs.ext4 failed"
wdev=$(losetup --find --show "$img") || fail "no loop device"
LPID= UPID= PPID1= PPID2=
FE_ON_EXIT='kill $LPID $UPID $PPID1 $PPID2 2>/dev/null; ip link del fut1 2>/dev/null; fe_stop_agent; umount "$wfs" 2>/dev/null; losetup -d "$wdev" 2>/dev/null'
trap 'fe_exit' EXIT
mount -t ext4 "$wdev" "$wfs" || fail "cannot mount the ext4 image"
chmod 0755 "$wfs"
H=$wfs/hanako
mkdir -p "$H/.cache/thumbnails/normal" "$H/.local/share" "$H/Documents"
f=$H/Documents/personnel-review.txt
printf 'personnel review 2026 (TEST ONLY)\nline two\n' >"$f"
printf 'public minutes\n' >"$H/Documents/minutes.txt"
chown -R hanako: "$H"
setfattr -n trusted.futari.class -v II "$f" || fail "cannot label $f"

python3 - <<'PY' &
import socket, threading
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("192.0.2.1", 8081)); s.listen(32)
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
sleep 1

# [upload] taint-exempt-peers: a journald- or D-Bus-like service that a tainted client sends
# to is not tainted when its program, or the socket file it listens on, is listed. Both
# services bind their sockets now, before the agent marks the listed paths; the program one
# runs a copy of python3 (its own inode) so other python3 processes are not exempt.
bin=$E2E_SCRATCH/bin
mkdir -p "$bin"
cp "$(command -v python3)" "$bin/peer-svc"
chmod 0755 "$E2E_SCRATCH" "$bin" "$bin/peer-svc"
# service PROGRAM SOCKET OUT: accepts a tainted client and receives from it, then answers
# another client, then sends to the network itself; OUT says whether it could.
service() {
	e2e_as hanako timeout 240 "$1" - "$2" "$3" <<'PY' &
import socket, subprocess, sys
path, out = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX); s.bind(path); s.listen(4)
a, _ = s.accept(); a.recv(100)              # from the tainted client
b, _ = s.accept(); b.sendall(b"event\n")    # to another client
r = subprocess.run(["/usr/bin/curl", "-s", "-m", "10", "-o", "/dev/null", "-H", "Expect:",
                    "--data-binary", "svc", "http://192.0.2.1:8081/"])
open(out, "w").write("clean" if r.returncode == 0 else "tainted")
b.close(); a.close()
PY
}
psock=$H/exempt-program.sock
ssock=$H/exempt-socket.sock
service "$bin/peer-svc" "$psock" "$H/exempt-program.out"
PPID1=$!
service python3 "$ssock" "$H/exempt-socket.out"
PPID2=$!
for ((i = 0; i < 100; i++)); do [ -S "$psock" ] && [ -S "$ssock" ] && break; sleep 0.1; done
[ -S "$psock" ] && [ -S "$ssock" ] || fail "the exempt-peer services did not bind their sockets"

FE_CONF=$FE_ETC/agent-taint-23.conf
cat "$FE_ETC/agent.conf" - >"$FE_CONF" <<CONF

[upload]
filesystems = $wfs
programs = $CURL
taint-exempt-peers = $bin/peer-svc;$ssock;/nonexistent/dbus-daemon
CONF
chmod 0644 "$FE_CONF"
fe_start_agent
status() { "$FUTARI" status --json | python3 -c "import json,sys; print(json.load(sys.stdin).get('$1'))"; }
[ "$(status upload_enforcement)" = bpf-lsm+fanotify ] || fail "no BPF LSM taint: $(status bpf_lsm_reason)"
for ((i = 0; i < 100; i++)); do
	[ "$(status taint_marked)" -ge 1 ] && break
	e2e_as hanako timeout 10 "$CURL" -s -o /dev/null "file://$f" || true
	sleep 0.1
done
[ "$(status taint_marked)" -ge 1 ] || fail "the agent never marked $f"

C="$CURL -s -m 10 -o /dev/null -H Expect: --data-binary probe $URL"
# probe FILE: "tainted" when a process that only reads FILE then cannot send, else "clean".
# Tried twice, a second apart, each time by a new process: a file nobody opened since the
# agent started gets its verdict just after the first open, and a reader that sends before
# it comes is refused as pending ("content not yet classified"); that is no taint. (Round 13:
# the public file's probe failed in two runs of three, the cause not recorded; what refused
# a first try that the second then passes is printed now.)
probe() {
	local try first=
	for try in 1 2; do
		if e2e_as hanako timeout 20 bash -c "IFS= read -r l <'$1'; exec $C" >/dev/null 2>&1; then
			# what refused the first try, for the log (stderr: the caller captures stdout)
			[ -z "$first" ] || echo "# probe $1: sent at the second try; the first was refused: $first" >&2
			echo clean
			return 0
		fi
		first=$(tail -n 1 "$FE_LOG"/egress-*.jsonl | cut -c1-500)
		[ "$try" = 2 ] || sleep 1
	done
	echo tainted
}
# row WHAT GOT WANT: one line of the table; fails when GOT is not WANT.
row() {
	note "session | $1 | $2"
	[ "$2" = "$3" ] || fail "$1: $2, expected $3"
}
# shell_state: whether this shell (and so whatever it starts) can still send.
shell_state() { e2e_as hanako timeout 20 $C >/dev/null 2>&1 && echo clean || echo tainted; }
[ "$(probe "$H/Documents/minutes.txt")" = clean ] || fail "reading a public file taints (probe broken)"
row "the labelled file itself (probe)" "$(probe "$f")" tainted

# A shell that runs programs on the file stays clean; their output to the terminal does not
# carry taint (ttys are not marked).
got=clean
e2e_as hanako timeout 20 bash -c "cat '$f'; grep -c review '$f'; wc -l <'$f'; exec $C" >/dev/null 2>&1 || got=tainted
row "shell that ran cat/grep/wc on it (the shell itself)" "$got" clean
got=clean
e2e_as hanako timeout 20 bash -c "mapfile -t lines <'$f'; exec $C" >/dev/null 2>&1 || got=tainted
row "shell that read it itself (mapfile, source, read)" "$got" tainted

# Editor: vim opens the file and saves a copy; its swap, undo and viminfo files.
e2e_as hanako env HOME="$H" timeout 30 vim -Es -N -c "saveas $H/Documents/draft.txt" -c 'qa!' "$f" </dev/null >/dev/null 2>&1 || true
[ -f "$H/Documents/draft.txt" ] || fail "vim did not save the copy"
row "editor's saved copy (vim :saveas)" "$(probe "$H/Documents/draft.txt")" tainted
if [ -f "$H/.viminfo" ]; then
	note "session | editor's ~/.viminfo | $(probe "$H/.viminfo")"
fi

# Indexer: one process reads every document and writes one index; the search UI reads it.
e2e_as hanako timeout 60 python3 - "$H/Documents" "$H/.cache/index.json" <<'PY'
import json, os, sys
idx = {}
for d, _, fs in os.walk(sys.argv[1]):
    for n in fs:
        p = os.path.join(d, n)
        with open(p, errors="replace") as fh:
            idx[p] = sorted(set(fh.read().split()))[:50]
json.dump(idx, open(sys.argv[2], "w"))
PY
row "indexer's index (one file for every document)" "$(probe "$H/.cache/index.json")" tainted
got=clean
e2e_as hanako timeout 20 bash -c "python3 -c 'import json; json.load(open(\"$H/.cache/index.json\"))'; exec $C" >/dev/null 2>&1 || got=tainted
row "search UI's shell after its child read the index" "$got" clean

note "this shell before the thumbnailer: $(shell_state)"
# Thumbnailer: renders the file's first lines into a thumbnail; the file manager reads it.
e2e_as hanako timeout 20 sh -c "head -c 64 '$f' | base64 >'$H/.cache/thumbnails/normal/review.png'"
row "thumbnail of it (file manager reads thumbnails)" "$(probe "$H/.cache/thumbnails/normal/review.png")" tainted

note "this shell before recently-used: $(shell_state)"
# Recently used list written by a tainted application (GTK apps append to it).
e2e_as hanako timeout 20 bash -c "IFS= read -r l <'$f'; echo '<bookmark href=\"file://$f\"/>' >>'$H/.local/share/recently-used.xbel'"
row "recently-used.xbel written by a tainted app" "$(probe "$H/.local/share/recently-used.xbel")" tainted

note "this shell before the exempt peers: $(shell_state)"
# The exempt peers: a tainted client sends to each; the service and its other client stay clean.
# Before the display-like service below: this shell reads that service's output and its
# tainted client's (command substitutions), and is tainted from then on, and so is every
# here-document it writes.
[ "$(status taint_peers_exempt)" = 2 ] ||
	fail "taint-exempt-peers: $(status taint_peers_exempt) marked, expected 2 (the program and the socket; the missing one skipped)"
exempt_client() { # SOCKET: a tainted client sends to it, then another client receives
	e2e_as hanako timeout 20 bash -c "IFS= read -r l <'$f'; python3 -c 'import socket; c=socket.socket(socket.AF_UNIX); c.connect(\"$1\"); c.sendall(b\"draw\")'"
	# The program as an argument, not a here-document: a pipe this shell writes would carry
	# this shell's taint, if it had any. It sends once before it receives (must be clean).
	e2e_as hanako timeout 30 python3 -c '
import socket, subprocess, sys
def send():
    r = subprocess.run(["/usr/bin/curl", "-sS", "-m", "10", "-o", "/dev/null", "-H", "Expect:",
                        "--data-binary", "other", "http://192.0.2.1:8081/"],
                       stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        print("curl exit %d: %s" % (r.returncode, r.stderr.strip()), file=sys.stderr)
    return "clean" if r.returncode == 0 else "tainted"
before = send()
c = socket.socket(socket.AF_UNIX); c.connect(sys.argv[1]); c.recv(10)
after = send()
print(after if before == "clean" else "tainted-before-receiving")' "$1"
}
other=$(exempt_client "$psock" 2>"$E2E_SCRATCH/exempt-client.err")
note "exempt client: $(cat "$E2E_SCRATCH/exempt-client.err"); denied $(status taint_denied), peer_exempt $(status taint_peer_exempt); last: $(tail -n 1 "$FE_LOG"/egress-*.jsonl | cut -c1-400)"
wait "$PPID1" || true
PPID1=
row "service run by a taint-exempt-peers program, a tainted client sent to it" "$(cat "$H/exempt-program.out" 2>/dev/null || echo none)" clean
row "another client of that service" "$other" clean
other=$(exempt_client "$ssock" 2>"$E2E_SCRATCH/exempt-client.err")
note "exempt socket client: $(cat "$E2E_SCRATCH/exempt-client.err"); denied $(status taint_denied), peer_exempt $(status taint_peer_exempt)"
wait "$PPID2" || true
PPID2=
row "service on a taint-exempt-peers socket file, a tainted client sent to it" "$(cat "$H/exempt-socket.out" 2>/dev/null || echo none)" clean
row "another client of that service" "$other" clean
[ "$(status taint_peer_exempt)" -ge 2 ] || fail "no receive or send counted as an exempt peer: $(status taint_peer_exempt)"
note "session | receives and sends that did not taint (exempt peers) | $(status taint_peer_exempt)"

# A display-server-like service on a unix socket: a tainted client sends to it; it then
# answers another client. Both the service and the other client are tainted.
sockp=$H/display.sock
out=$H/display.out
e2e_as hanako timeout 60 python3 - "$sockp" "$out" <<'PY' &
import socket, subprocess, sys
path, out = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX); s.bind(path); s.listen(4)
a, _ = s.accept(); a.recv(100)              # from the tainted client
b, _ = s.accept(); b.sendall(b"event\n")    # to another client
r = subprocess.run(["/usr/bin/curl", "-s", "-m", "10", "-o", "/dev/null", "-H", "Expect:",
                    "--data-binary", "svc", "http://192.0.2.1:8081/"])
open(out, "w").write("clean" if r.returncode == 0 else "tainted")
b.close(); a.close()
PY
UPID=$!
for ((i = 0; i < 50; i++)); do [ -S "$sockp" ] && break; sleep 0.1; done
e2e_as hanako timeout 20 bash -c "IFS= read -r l <'$f'; python3 -c 'import socket; c=socket.socket(socket.AF_UNIX); c.connect(\"$sockp\"); c.sendall(b\"draw\")'"
other=$(e2e_as hanako timeout 30 python3 - "$sockp" <<'PY'
import socket, subprocess, sys
c = socket.socket(socket.AF_UNIX); c.connect(sys.argv[1]); c.recv(10)
r = subprocess.run(["/usr/bin/curl", "-s", "-m", "10", "-o", "/dev/null", "-H", "Expect:",
                    "--data-binary", "other", "http://192.0.2.1:8081/"])
print("clean" if r.returncode == 0 else "tainted")
PY
)
wait "$UPID" || true
UPID=
row "unix-socket service a tainted client sent to" "$(cat "$out" 2>/dev/null || echo none)" tainted
row "another client of that service" "$other" tainted

note "session | tainted processes counted by the kernel side | $(status taint_tainted)"
note "session | upload.denied (bpf-lsm) records | $(cat "$FE_LOG"/egress-*.jsonl | grep -c '"upload.denied".*bpf-lsm' || true)"
