#!/bin/sh
# The export path (DESIGN §6, §8.1, §8.5): a Class III file lands on a registered stick with
# the exact digest, through the agent alone, while the user's own mount stays EROFS; a
# Class II file gets a request file and is not written; unregistered and suspicious sticks, symlinks, FIFOs,
# directories, unreadable files and unsafe names are refused; names never overwrite; two
# sticks take exports in parallel.
. "$(dirname "$0")/agent-lib.sh"
agent_enter_ns "$@"
. "$(dirname "$0")/lib.sh"
require_cmd setpriv setfattr sha256sum mkfifo
agent_setup
user_home
register_sticks alpha beta gamma-hid tiny
make_stick alpha
dev_a=$STICK
make_stick beta
dev_b=$STICK
make_stick unreg
dev_u=$STICK
make_stick gamma-hid
make_stick tiny 8M
dev_t=$STICK
printf '\n[path-rules]\nclass-II=*.bid.txt\n' >>"$ETC/agent.conf"
start_agent
wait_ro "$dev_a" && wait_ro "$dev_b" || fail "sticks not read-only"

# The user's own mount of alpha (read-only: the device is).
mnt="$TEST_TMP/mnt"
mkdir -p "$mnt"
mount "$dev_a" "$mnt" 2>/dev/null || fail "cannot mount alpha"
defer "umount $mnt 2>/dev/null"

public_file "$HOME_U/report.bin" 3000000 reportbin
printf 'public notice\n' >"$HOME_U/notice.txt"
chown 65534:65534 "$HOME_U"/*
want=$(sha256sum <"$HOME_U/report.bin" | cut -d' ' -f1)

# The desktop's event stream (futari-notify): the user and another user subscribe.
agent_subscribe 65534 "$TEST_TMP/sub-user.out" 120
agent_subscribe 65533 "$TEST_TMP/sub-other.out" 120

# Class III, by asset id, as an unprivileged user.
out=$(as_user "$FUTARI" export "$HOME_U/report.bin" --to CITY-USB-alpha --reason "press kit" 2>&1) ||
	fail "Class III export refused: $out"
echo "$out" | grep -q "Class III, written to CITY-USB-alpha:/report.bin" || fail "unexpected: $out"
echo "$out" | grep -q "$want" || fail "digest not reported: $out"
[ "$(sha256sum <"$mnt/report.bin" | cut -d' ' -f1)" = "$want" ] ||
	fail "the file on the stick differs from the source"
[ "$(blockdev --getro "$dev_a")" = 1 ] || fail "alpha not read-only after the export"
touch "$mnt/evil" 2>/dev/null && fail "user mount writable after the export"
grep '"event":"export.written"' "$TEST_TMP"/log/egress-*.jsonl | grep -q "$want" ||
	fail "export.written not logged with the digest"

# The same name again: never overwritten, a new name instead. By label, into a folder.
as_user "$FUTARI" export "$HOME_U/report.bin" --to alpha --reason again >/dev/null ||
	fail "second export refused"
[ -f "$mnt/report (2).bin" ] || fail "second export did not get a new name"
as_user "$FUTARI" export "$HOME_U/notice.txt" --to "$MARK-alpha" --dir "out/2026" --reason r \
	>/dev/null || fail "export into a folder refused"
[ "$(cat "$mnt/out/2026/notice.txt")" = "public notice" ] || fail "folder export wrong"
# Readable by everyone who gets the stick (the agent's own umask is 0077).
for f in "$mnt/report.bin" "$mnt/out" "$mnt/out/2026" "$mnt/out/2026/notice.txt"; do
	m=$(stat -c %a "$f")
	case "$m" in 644 | 755) ;; *) fail "$f on the stick has mode $m, not readable by others" ;; esac
done
# By mount point.
as_user "$FUTARI" export "$HOME_U/notice.txt" --to "$mnt" --reason r >/dev/null ||
	fail "export by mount point refused"

# Class II (root-only label): no file on the stick.
cp "$HOME_U/notice.txt" "$HOME_U/bid-spec.txt"
chown 65534:65534 "$HOME_U/bid-spec.txt"
setfattr -n trusted.futari.class -v II "$HOME_U/bid-spec.txt"
out=$(as_user "$FUTARI" classify "$HOME_U/notice.txt" "$HOME_U/bid-spec.txt") || fail "classify failed"
echo "$out" | grep -q "notice.txt: Class III" || fail "classify notice: $out"
echo "$out" | grep -q "bid-spec.txt: Class II" || fail "classify label: $out"
echo "$out" | grep -q "labelled Class II" || fail "classify label evidence: $out"

# Content and path rules (the classifier): a My Number makes Class I, a path rule Class II;
# both become requests, nothing is written.
printf '氏名,個人番号\n山田,123456789018\n' >"$HOME_U/roster.csv"
printf 'tender\n' >"$HOME_U/x.bid.txt"
chown 65534:65534 "$HOME_U/roster.csv" "$HOME_U/x.bid.txt"
out=$(as_user "$FUTARI" export "$HOME_U/roster.csv" "$HOME_U/x.bid.txt" --to alpha --reason r 2>&1) ||
	fail "content/path exports failed: $out"
echo "$out" | grep -q "roster.csv: Class I: approval needed" || fail "My Number not Class I: $out"
echo "$out" | grep -q "x.bid.txt: Class II: approval needed" || fail "path rule not applied: $out"
[ ! -e "$mnt/roster.csv" ] && [ ! -e "$mnt/x.bid.txt" ] || fail "a classified file was written"
grep "BEGIN FUTARI REQUEST" -A20 "$HOME_U/roster.csv.futari-request" | grep -q "^class: I$" ||
	fail "request does not say Class I"
grep -q "1234\*\*\*\*\*\*\*\*\|mynumber" "$HOME_U/roster.csv.futari-request" ||
	fail "request lacks the evidence"
grep -q "123456789018" "$HOME_U/roster.csv.futari-request" "$TEST_TMP"/log/egress-*.jsonl &&
	fail "a My Number appears in full in the request or the log"
# The roster as base64 behind a licence text, and as plain hex (round 12): both decoded by
# the classifier, both Class I; neither reaches the stick.
{
	yes 'Permission is hereby granted, free of charge, to any person obtaining a copy' |
		head -c 102400
	echo
	base64 "$HOME_U/roster.csv"
} >"$HOME_U/licence.txt"
od -An -v -tx1 "$HOME_U/roster.csv" | tr -d ' \n' >"$HOME_U/roster.hex"
chown 65534:65534 "$HOME_U/licence.txt" "$HOME_U/roster.hex"
out=$(as_user "$FUTARI" export "$HOME_U/licence.txt" "$HOME_U/roster.hex" --to alpha --reason r 2>&1) ||
	fail "encoded exports failed: $out"
echo "$out" | grep -q "licence.txt: Class I: approval needed" ||
	fail "base64 behind a licence text not Class I: $out"
echo "$out" | grep -q "roster.hex: Class I: approval needed" || fail "hex roster not Class I: $out"
[ ! -e "$mnt/licence.txt" ] && [ ! -e "$mnt/roster.hex" ] || fail "an encoded roster was written"
out=$(as_user "$FUTARI" export "$HOME_U/bid-spec.txt" --to alpha --reason r 2>&1) ||
	fail "Class II export did not make a request: $out"
echo "$out" | grep -q "Class II: approval needed. Send $HOME_U/bid-spec.txt.futari-request" ||
	fail "Class II next step unclear: $out"
head -1 "$HOME_U/bid-spec.txt.futari-request" | grep -q "BEGIN FUTARI REQUEST" ||
	fail "no request file"
[ "$(stat -c %u "$HOME_U/bid-spec.txt.futari-request")" = 65534 ] ||
	fail "the request file is not the user's"
# The register's name for the stick comes first in the request and in the review (issue 19).
grep -q "^usb-asset: CITY-USB-alpha, General Affairs$" "$HOME_U/bid-spec.txt.futari-request" ||
	fail "the request does not name the registered asset"
"$top_builddir/approver/futari-approve" show --allow-root "$HOME_U/bid-spec.txt.futari-request" \
	>"$TEST_TMP/show.out" 2>&1 || fail "show: $(cat "$TEST_TMP/show.out")"
grep -q "Destination: *CITY-USB-alpha, General Affairs: USB storage, vendor f00d" "$TEST_TMP/show.out" ||
	fail "show does not name the asset first: $(cat "$TEST_TMP/show.out")"
[ ! -e "$mnt/bid-spec.txt" ] || fail "Class II file reached the stick"
grep -q '"event":"export.requested"' "$TEST_TMP"/log/egress-*.jsonl || fail "request not logged"
out=$(as_user "$FUTARI" export "$HOME_U/bid-spec.txt" --to alpha --reason r 2>&1) || fail "$out"
echo "$out" | grep -q -- "Add --with-copy" || fail "the output does not offer --with-copy: $out"

# --with-copy (issue 19): a copy of the exact spooled bytes beside the request, the
# requester's alone, named in the output; never through a name planted in advance.
R3="$HOME_U/bid-spec.txt.3.futari-request" C3="$HOME_U/bid-spec.txt.3.futari-copy"
out=$(as_user "$FUTARI" export "$HOME_U/bid-spec.txt" --to alpha --reason r --with-copy 2>&1) ||
	fail "export --with-copy failed: $out"
echo "$out" | grep -q "Send $R3 to your supervisor" || fail "the output does not name the request: $out"
echo "$out" | grep -q "beside it: $C3 " || fail "the output does not name the copy: $out"
cmp -s "$C3" "$HOME_U/bid-spec.txt" || fail "the copy differs from the file"
[ "$(stat -c '%u %a' "$C3")" = "65534 600" ] || fail "the copy is not the requester's alone: $(stat -c '%u %a' "$C3")"
grep -q "^sha256: $(sha256sum <"$C3" | cut -d' ' -f1)\$" "$R3" || fail "the copy's digest is not the request's"
as_user ln -s "$TEST_TMP/victim" "$HOME_U/bid-spec.txt.4.futari-copy"
out=$(as_user "$FUTARI" export "$HOME_U/bid-spec.txt" --to alpha --reason r --with-copy 2>&1) &&
	fail "a copy went through a planted symlink: $out"
echo "$out" | grep -q "the copy for your supervisor could not be saved" || fail "no reason given: $out"
[ ! -e "$TEST_TMP/victim" ] || fail "the planted symlink was followed"

# The same records reached the user's subscription (the shape agent/notify-event.c reads),
# and never the other user's.
ev() { grep "\"event\":\"$1\"" "$TEST_TMP/sub-user.out" | grep -- "$2" | head -1; }
wait_text "$TEST_TMP/sub-user.out" '"export.requested".*bid-spec.txt' ||
	fail "no export.requested event for the user: $(cat "$TEST_TMP/sub-user.out")"
e=$(ev export.written report.bin)
for want_e in '"subject":{"uid":65534' '"path":"[^"]*/report.bin"' '"class":"III"' \
	'"asset":"CITY-USB-alpha"' '"label":"alpha"' "\"sha256\":\"$want\"" '"decision":"allow"'; do
	echo "$e" | grep -q -- "$want_e" || fail "export.written event lacks $want_e: $e"
done
e=$(ev export.requested bid-spec.txt)
for want_e in '"path":"[^"]*/bid-spec.txt"' '"class":"II"' '"request":"[0-9a-f]\{16,\}"' \
	'"next_step":"give the request file' '"reason":"r"'; do
	echo "$e" | grep -q -- "$want_e" || fail "export.requested event lacks $want_e: $e"
done
ev export.requested roster.csv | grep -q '"class":"I"' || fail "no Class I export.requested event"
grep -q "123456789018" "$TEST_TMP/sub-user.out" && fail "a My Number appears in full in an event"
grep -q '"subscribed"' "$TEST_TMP/sub-other.out" || fail "the other subscription ended early"
grep -q 'export\.' "$TEST_TMP/sub-other.out" &&
	fail "another user got this user's export events: $(cat "$TEST_TMP/sub-other.out")"

# Refusals by the CLI (exit 1, one line).
ln -s "$HOME_U/notice.txt" "$HOME_U/link.txt"
mkfifo "$HOME_U/fifo"
mkdir "$HOME_U/folder"
printf secret >"$HOME_U/root-only.txt"
chmod 0600 "$HOME_U/root-only.txt"
for case in "link.txt:symbolic link" "fifo:not a regular file" "folder:is a directory" \
	"root-only.txt:cannot read"; do
	f=${case%%:*}
	as_user "$FUTARI" export "$HOME_U/$f" --to alpha --reason r 2>"$TEST_TMP/err" &&
		fail "$f accepted"
	[ "$(wc -l <"$TEST_TMP/err")" -eq 1 ] || fail "$f: refusal is not one line"
	grep -q "${case#*:}" "$TEST_TMP/err" || fail "$f: unexpected refusal: $(cat "$TEST_TMP/err")"
done

# Refusals by the agent itself, bypassing the CLI.
probe() { as_user "$PROBE" "$SOCK" "$@"; }
out=$(probe --fd "$HOME_U/fifo" '{"command":"export","args":{"name":"f","to":"alpha","reason":"r"}}')
echo "$out" | grep -q "only regular files" || fail "agent accepted a FIFO: $out"
out=$(probe --fd "$HOME_U/folder" '{"command":"export","args":{"name":"f","to":"alpha","reason":"r"}}')
echo "$out" | grep -q "directory cannot be exported" || fail "agent accepted a directory: $out"
out=$(probe --fd "$HOME_U/notice.txt" '{"command":"export","args":{"name":"../../etc/x","to":"alpha","reason":"r"}}')
echo "$out" | grep -q "contains '/'" || fail "agent accepted ../: $out"
out=$(probe --fd "$HOME_U/notice.txt" '{"command":"export","args":{"name":"a\nb","to":"alpha","reason":"r"}}')
echo "$out" | grep -q "control" || fail "agent accepted a newline: $out"
out=$(probe --fd "$HOME_U/notice.txt" '{"command":"export","args":{"name":"..","to":"alpha","reason":"r"}}')
echo "$out" | grep -q '"ok":false' || fail "agent accepted '..': $out"
out=$(probe --fd "$HOME_U/notice.txt" '{"command":"export","args":{"name":"x","to":"alpha","reason":"r","dir":"../up"}}')
echo "$out" | grep -q '"ok":false' || fail "agent accepted --dir ../up: $out"
out=$(probe '{"command":"export","args":{"name":"x","to":"alpha","reason":"r"}}')
echo "$out" | grep -q "needs an open file descriptor" || fail "export without a descriptor: $out"
ls -a "$mnt" | grep -q "^x$" && fail "a refused export reached the stick"

# Unregistered and suspicious sticks.
out=$(as_user "$FUTARI" export "$HOME_U/notice.txt" --to unreg --reason r 2>&1) &&
	fail "export to an unregistered stick accepted"
echo "$out" | grep -q "not in the media register" || fail "unregistered refusal unclear: $out"
# IT registers it and reloads the agent (SIGHUP): the same export now goes through.
register_sticks alpha beta gamma-hid tiny unreg
kill -HUP "$AGENT_PID"
i=0
until as_user "$FUTARI" devices | grep -q "registered as CITY-USB-unreg"; do
	i=$((i + 1))
	[ $i -le 50 ] || fail "reload did not pick up the new register entry"
	sleep 0.1
done
as_user "$FUTARI" export "$HOME_U/notice.txt" --to unreg --reason r >/dev/null ||
	fail "export to a newly registered stick refused"
out=$(as_user "$FUTARI" export "$HOME_U/notice.txt" --to gamma-hid --reason r 2>&1) &&
	fail "export to a HID stick accepted"
echo "$out" | grep -q "keyboard or network" || fail "suspicious refusal unclear: $out"
grep -c '"event":"export.refused"' "$TEST_TMP"/log/egress-*.jsonl | grep -qv '^0$' ||
	fail "refusals not logged"

# A stick too small: the export fails, nothing is left on it, it stays read-only.
public_file "$HOME_U/huge.bin" 20000000 hugebin
chown 65534:65534 "$HOME_U/huge.bin"
out=$(as_user "$FUTARI" export "$HOME_U/huge.bin" --to tiny --reason r 2>&1) &&
	fail "export to a full stick succeeded"
echo "$out" | grep -q "the stick is full" || fail "full stick: unclear refusal: $out"
[ "$(blockdev --getro "$dev_t")" = 1 ] || fail "full stick not read-only afterwards"
mnt_t="$TEST_TMP/mnt-t"
mkdir -p "$mnt_t"
mount -o ro "$dev_t" "$mnt_t" || fail "cannot mount tiny"
ls -A "$mnt_t" | grep -v '^lost+found$' | grep -q . && fail "full stick holds: $(ls -A "$mnt_t")"
umount "$mnt_t"
grep '"event":"export.failed"' "$TEST_TMP"/log/egress-*.jsonl | grep -q "full" ||
	fail "full stick failure not logged"

# Two sticks, in parallel.
public_file "$HOME_U/p1.bin" 2000000 p1bin
public_file "$HOME_U/p2.bin" 2000000 p2bin
chown 65534:65534 "$HOME_U"/p?.bin
as_user "$FUTARI" export "$HOME_U/p1.bin" --to alpha --reason r >"$TEST_TMP/p1.out" 2>&1 &
j1=$!
as_user "$FUTARI" export "$HOME_U/p2.bin" --to beta --reason r >"$TEST_TMP/p2.out" 2>&1 &
j2=$!
wait $j1 || fail "parallel export to alpha failed: $(cat "$TEST_TMP/p1.out")"
wait $j2 || fail "parallel export to beta failed: $(cat "$TEST_TMP/p2.out")"
mnt_b="$TEST_TMP/mnt-b"
mkdir -p "$mnt_b"
mount -o ro "$dev_b" "$mnt_b" || fail "cannot mount beta"
defer "umount $mnt_b 2>/dev/null"
cmp -s "$HOME_U/p1.bin" "$mnt/p1.bin" || fail "parallel export p1 differs"
cmp -s "$HOME_U/p2.bin" "$mnt_b/p2.bin" || fail "parallel export p2 differs"
[ "$(blockdev --getro "$dev_a")" = 1 ] && [ "$(blockdev --getro "$dev_b")" = 1 ] ||
	fail "sticks not read-only after parallel exports"
ls -a "$mnt" | grep -q futari-partial && fail "a partial file was left"
kill -0 "$AGENT_PID" || fail "agent died"
stop_agent

# The inspector's key inventory: --print-host-key gives the file `futari-audit verify --keys`
# pins; the log verifies against it and not against another key.
AUDIT="$top_builddir/approver/futari-audit"
"$FUTARID" --config "$ETC/agent.conf" --print-host-key >"$TEST_TMP/host.pub" \
	2>"$TEST_TMP/pk.err" || fail "--print-host-key: $(cat "$TEST_TMP/pk.err")"
host=$(sed -n 's/.* keep it as \(.*\)\.pub for futari-audit.*/\1/p' "$TEST_TMP/pk.err")
[ -n "$host" ] || fail "--print-host-key named no host: $(cat "$TEST_TMP/pk.err")"
mkdir "$TEST_TMP/keys" "$TEST_TMP/otherkeys"
cp "$TEST_TMP/host.pub" "$TEST_TMP/keys/$host.pub"
"$AUDIT" verify --keys "$TEST_TMP/keys" "$TEST_TMP/log" >"$TEST_TMP/v.out" 2>&1 ||
	fail "verify with the printed host key: $(tail -3 "$TEST_TMP/v.out")"
echo "TEST ONLY passphrase" >"$TEST_TMP/other.pass"
"$top_builddir/approver/futari-approve" certify --init-root "$TEST_TMP/other" \
	--passphrase-file "$TEST_TMP/other.pass" --allow-root >"$TEST_TMP/v.out" 2>&1 ||
	fail "making another key: $(cat "$TEST_TMP/v.out")"
cp "$TEST_TMP/other/org.pub" "$TEST_TMP/otherkeys/$host.pub"
"$AUDIT" verify --keys "$TEST_TMP/otherkeys" "$TEST_TMP/log" >"$TEST_TMP/v.out" 2>&1 &&
	fail "the log verified against another host's key"
grep -q "key-" "$TEST_TMP/v.out" || fail "no key finding: $(tail -3 "$TEST_TMP/v.out")"
sed 's|^host-key = .*|host-key = '"$TEST_TMP"'/none.key|' "$ETC/agent.conf" >"$ETC/nokey.conf"
chmod 0644 "$ETC/nokey.conf"
"$FUTARID" --config "$ETC/nokey.conf" --print-host-key >"$TEST_TMP/none.pub" \
	2>"$TEST_TMP/pk.err" && fail "--print-host-key printed a key that does not exist"
grep -q "no host key yet" "$TEST_TMP/pk.err" || fail "missing key message: $(cat "$TEST_TMP/pk.err")"
[ ! -e "$TEST_TMP/none.key" ] || fail "--print-host-key created a host key"
echo "ok: Class III exported with the exact digest; Class II not written; refusals hold"
exit 0
