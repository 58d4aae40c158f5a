#!/bin/sh
# upload.observed on by default (issue 14, the packaged observe = /home): an upload
# program's open of a Class III file in a home folder is recorded, but not its own profile
# (files in hidden folders, hidden files) nor an empty file, which browsers open by the
# hundred and which carry nothing out; observe-hidden = true records those too. Runs the real
# futarid on a loop-mounted ext4. Before: every open under the observed path was recorded,
# the profile's too (the packaged configuration therefore observed nothing).
. "$(dirname "$0")/agent-lib.sh"
agent_enter_ns "$@"
. "$(dirname "$0")/lib.sh"
require_cmd setpriv curl timeout
agent_setup
user_home

watched_fs 64M
U="$wfs/home/hanako"
mkdir -p "$U/Documents" "$U/.config/browser" "$U/Documents/.hidden"
public_file "$U/Documents/minutes.txt" 2000 "minutes"
public_file "$U/.config/browser/prefs.js" 2000 "prefs"
public_file "$U/Documents/.hidden/old.txt" 2000 "old"
public_file "$U/Documents/.dotfile.txt" 2000 "dot"
: >"$U/Documents/empty.crdownload"
chown -R 65534:65534 "$wfs/home"
chmod -R a+rX "$wfs/home"

cat >>"$ETC/agent.conf" <<CONF

[upload]
filesystems = $wfs
programs = /usr/bin/curl
observe = $wfs/home
CONF
start_agent
L="$TEST_TMP/log"
ucurl() { as_user timeout 10 curl -s -o /dev/null "file://$1" || fail "curl cannot read $1"; }
nobs() { cat "$L"/egress-*.jsonl | grep '"event":"upload.observed"' | grep -c "$1\""; }

for f in Documents/minutes.txt .config/browser/prefs.js Documents/.hidden/old.txt \
	Documents/.dotfile.txt Documents/empty.crdownload; do
	ucurl "$U/$f"
done
[ "$(nobs minutes.txt)" = 1 ] || fail "curl read minutes.txt and it was not recorded"
for f in prefs.js old.txt .dotfile.txt empty.crdownload; do
	[ "$(nobs "$f")" = 0 ] || fail "$f (hidden or empty) was recorded as upload.observed"
done
echo "ok: a home file is observed, the program's profile and an empty file are not"

stop_agent
printf 'observe-hidden = true\n' >>"$ETC/agent.conf"
start_agent
for f in .config/browser/prefs.js Documents/.hidden/old.txt; do
	ucurl "$U/$f"
done
[ "$(nobs prefs.js)" = 1 ] || fail "observe-hidden = true: prefs.js not recorded"
[ "$(nobs old.txt)" = 1 ] || fail "observe-hidden = true: old.txt not recorded"
stop_agent
exit 0
